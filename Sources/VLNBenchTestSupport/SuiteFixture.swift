import Foundation
import VLNBench
import VLNCore
import VLNEpisodes
import VLNScene
import VLNSim

/// Small VLN-CE suites in generated houses for the runner's tests (not a suite generator: the start and goal are
/// seeded random navigable points of the house's largest island, the reference path is the shortest path
/// resampled every 0.25 m, the instruction is a placeholder).
public enum SuiteFixture {
    /// `count` episode objects in `generated/house-<houseSeed>` with geodesic start–goal distances in
    /// `distances` metres, ids `firstID, firstID + 1, …`, drawn with `seed`. With `straight`, only pairs that see
    /// each other (the shortest path is one straight leg) are kept and the agent starts facing the goal.
    /// - Precondition: the house has such pairs (a few hundred draws are tried per episode).
    public static func episodes(houseSeed: UInt64, count: Int, firstID: Int = 1, seed: UInt64 = 1,
                                distances: ClosedRange<Float> = 2...8, straight: Bool = false) throws -> [JSONValue] {
        let sim = try Simulator(scene: HouseGenerator(seed: houseSeed).generate())
        let nav = sim.navigation
        var rng = SeededRandom(seed: seed)
        var out: [JSONValue] = []
        var tries = 0
        while out.count < count {
            tries += 1
            precondition(tries < 500 * count, "no start–goal pairs \(distances) m apart in house \(houseSeed)")
            guard let s = nav.randomNavigablePoint(using: &rng, island: nav.largestIsland),
                  let g = nav.randomNavigablePoint(using: &rng, island: nav.largestIsland),
                  let path = nav.shortestPath(from: s, to: g) else { continue }
            let d = zip(path, path.dropFirst()).reduce(Float(0)) { $0 + distanceXZ($1.0, $1.1) }
            guard distances.contains(d), !straight || path.count == 2 else { continue }
            let heading = straight ? atan2f(-(g.x - s.x), -(g.z - s.z)) : rng.uniform(-.pi, .pi)
            out.append(episode(id: firstID + out.count, sceneID: SceneResolver.generatedID(seed: houseSeed), start: s, heading: heading,
                               goal: g, geodesicDistance: d, referencePath: densified(path, spacing: 0.25)))
        }
        return out
    }

    /// One VLN-CE episode object.
    public static func episode(id: Int, sceneID: String, start: Vec3, heading: Float, goal: Vec3, geodesicDistance: Float,
                               referencePath: [Vec3], instruction: String = "Walk to the goal.") -> JSONValue {
        let q = Quaternion(heading: heading)
        func p(_ v: Vec3) -> JSONValue { .array([.double(Double(v.x)), .double(Double(v.y)), .double(Double(v.z))]) }
        return .object([
            "episode_id": .int(id), "trajectory_id": .int(id), "scene_id": .string(sceneID),
            "start_position": p(start), "start_rotation": .array(q.xyzw.map { .double(Double($0)) }),
            "info": .object(["geodesic_distance": .double(Double(geodesicDistance))]),
            "goals": .array([.object(["position": p(goal), "radius": .double(3.0)])]),
            "reference_path": .array(referencePath.map(p)),
            "instruction": .object(["instruction_text": .string(instruction)]),
        ])
    }

    /// Writes `{"episodes": [...]}` (gzipped when `path` ends in `.gz`).
    public static func write(_ episodes: [JSONValue], to path: String) throws {
        try writeMaybeGzipped(JSONValue.object(["episodes": .array(episodes)]).jsonData(), to: path)
    }

    /// `episode` with `key` set to `value` (nil removes it); `key` may be a path `a.b`.
    public static func setting(_ episode: JSONValue, _ key: String, _ value: JSONValue?) -> JSONValue {
        guard case var .object(o) = episode else { return episode }
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            o[parts[0]] = setting(o[parts[0]] ?? .object([:]), parts[1], value)
        } else {
            o[key] = value
        }
        return .object(o)
    }

    /// The polyline resampled every `spacing` metres (XZ) from its start, its end kept: like the 0.25 m `locations`
    /// of VLN-CE's ground-truth paths, which nDTW is meant to be computed against.
    public static func densified(_ path: [Vec3], spacing: Float) -> [Vec3] {
        guard var last = path.first else { return [] }
        var out = [last]
        var carry: Float = 0  // distance walked since the last sample
        for next in path.dropFirst() {
            let leg = distanceXZ(last, next)
            var t = spacing - carry
            while t <= leg {
                out.append(last + (next - last) * (t / leg))
                t += spacing
            }
            carry = leg - (t - spacing)
            last = next
        }
        if let end = path.last, distanceXZ(out.last!, end) > 1e-4 { out.append(end) }
        return out
    }

    static func distanceXZ(_ a: Vec3, _ b: Vec3) -> Float { let d = a - b; return (d.x * d.x + d.z * d.z).squareRoot() }
}
