import Foundation
import VLNCore
import VLNEpisodes
import VLNNavigation
import VLNScene
import VLNSim

/// The kinds of scene event a dynamic suite episode carries (the `type` of the scripted-episode event format).
public enum SuiteEventKind: String, CaseIterable, Sendable {
    /// A piece of furniture is moved onto the path.
    case move
    /// A piece of furniture on or near the path disappears.
    case remove
    /// A box appears in a doorway the path goes through, one that is not the only way to the goal.
    case add
}

/// A scene event planned for a dynamic episode, checked on the edited scene.
struct PlannedEvent {
    var kind: SuiteEventKind
    /// The event in the scripted-episode format (`ScriptedEpisode.parseEvents`), numbers as written.
    var json: JSONValue
    /// The shortest path start → goal on the scene after the event, world frame, metres.
    var path: PathPolyline
}

/// Plans the event of a dynamic episode and checks that the episode stays solvable.
///
/// Every plan is verified on the scene the agent will face: the event JSON is parsed back with
/// `ScriptedEpisode.parseEvents` (the runner's path), applied to a copy of the house, and a fresh `NavigationGrid`
/// (the simulator's settings) must keep the start and the goal navigable, on one island, at a geodesic distance
/// within the suite's range. A moved piece must lengthen the path (it is in the way); a doorway box must lengthen it
/// by at least 0.5 m while the goal stays reachable (the doorway was not the only way); a removal must leave the
/// goal reachable (it usually shortens the path or removes a named landmark).
///
/// Events happen at step 0 or a few steps in (≤ 4 actions, so ≤ 1 m walked); every edit keeps at least
/// 1 m + 0.25 m per step away from the start, so the agent can never be inside the changed geometry.
struct EventPlanner {
    let house: SuiteHouse
    let geodesicRange: ClosedRange<Float>

    /// Furniture categories light enough to be moved into the way.
    static let movable: Set<String> = ["armchair", "dining chair", "office chair", "plant", "trash can", "floor lamp", "coffee table",
                                       "nightstand", "coat rack", "shoe rack", "filing cabinet"]
    /// Size of a doorway box across the wall and its height, metres (its width is the doorway's clear width).
    static let boxDepth: Float = 0.4, boxHeight: Float = 0.9
    static let steps = [0, 0, 2, 4]

    /// A plan of `kind` for the episode start → goal whose path on the unedited house is `path`, or nil if none
    /// passes the checks. `keep`: instances the instruction relies on (the stop landmark), never moved or removed.
    func plan(_ kind: SuiteEventKind, start: Vec3, goal: Vec3, path: PathPolyline, keep: Set<UInt32>,
              rng: inout SeededRandom) -> PlannedEvent? {
        let step = Self.steps[Int(rng.next() % UInt64(Self.steps.count))]
        let clearance: Float = 1.0 + 0.25 * Float(step)
        let samples = path.resampled(every: 0.1)
        switch kind {
        case .add:
            for door in house.doorways {
                let crossing = samples.map { length2(Vec2($0.x, $0.z) - door.center) }.min() ?? .infinity
                guard crossing <= door.clearWidth / 2 else { continue }
                let halfExtent = Vec2(door.alongX ? door.clearWidth / 2 : Self.boxDepth / 2, door.alongX ? Self.boxDepth / 2 : door.clearWidth / 2)
                guard Self.rectDistance(center: door.center, half: halfExtent, to: Vec2(start.x, start.z)) >= clearance,
                      Self.rectDistance(center: door.center, half: halfExtent, to: Vec2(goal.x, goal.z)) >= 0.6 else { continue }
                let y = house.grid.snapPoint(Vec3(door.center.x, 0, door.center.y))?.y ?? 0
                let event = JSONValue.object([
                    "step": .int(step), "type": .string("add"), "category": .string("box"),
                    "position": vec(door.center.x, y, door.center.y),
                    "size": vec(2 * halfExtent.x, Self.boxHeight, 2 * halfExtent.y)])
                if let p = verify(event, start: start, goal: goal), p.length >= path.length + 0.5 {
                    return PlannedEvent(kind: .add, json: event, path: p)
                }
            }
            return nil
        case .remove:
            var candidates: [Landmark] = []
            for lm in house.landmarks where !keep.contains(lm.instance) && lm.category != "rug" && Self.isObstacle(lm.bounds) {
                guard lm.distance(to: Vec2(start.x, start.z)) >= 0.3 else { continue }
                let near = samples.contains { lm.distance(to: Vec2($0.x, $0.z)) <= 1.0 }
                if near { candidates.append(lm) }
            }
            shuffle(&candidates, &rng)
            var fallback: PlannedEvent?
            for lm in candidates.prefix(6) {
                let event = JSONValue.object(["step": .int(step), "type": .string("remove"), "instance": .int(Int(lm.instance))])
                guard let p = verify(event, start: start, goal: goal) else { continue }
                let plan = PlannedEvent(kind: .remove, json: event, path: p)
                if p.length < path.length - 0.05 { return plan }
                if fallback == nil { fallback = plan }
            }
            return fallback
        case .move:
            let candidates = house.landmarks.filter { lm in
                Self.movable.contains(lm.category) && !keep.contains(lm.instance) && lm.bounds.extent.x <= 1.3 && lm.bounds.extent.z <= 1.3
            }
            guard !candidates.isEmpty else { return nil }
            let lo = max(clearance + 1.0, 0.3 * path.length), hi = min(path.length - 1.5, 0.75 * path.length)
            guard hi > lo else { return nil }
            for _ in 0..<4 {
                let s = rng.uniform(lo, hi)
                let target3 = path.point(at: s), target = Vec2(target3.x, target3.z)
                let byDistance = candidates.sorted { a, b in
                    let da = length2(a.center - target), db = length2(b.center - target)
                    return da != db ? da < db : a.instance < b.instance
                }
                for lm in byDistance.prefix(3) where length2(lm.center - target) <= 6 {
                    let quarter = rng.next() % 2 == 1
                    let e = lm.bounds.extent
                    let half = quarter ? Vec2(e.z / 2, e.x / 2) : Vec2(e.x / 2, e.z / 2)
                    guard Self.rectDistance(center: target, half: half, to: Vec2(start.x, start.z)) >= clearance,
                          Self.rectDistance(center: target, half: half, to: Vec2(goal.x, goal.z)) >= 0.6,
                          !overlapsObstacle(center: target, half: half + 0.03, except: lm.instance) else { continue }
                    let t = target - lm.center
                    var fields: [String: JSONValue] = ["step": .int(step), "type": .string("move"), "instance": .int(Int(lm.instance)),
                                                       "translation": vec(t.x, 0, t.y)]
                    if quarter { fields["yaw_deg"] = .int(90) }
                    let event = JSONValue.object(fields)
                    if let p = verify(event, start: start, goal: goal), p.length >= path.length + 0.1 {
                        return PlannedEvent(kind: .move, json: event, path: p)
                    }
                }
            }
            return nil
        }
    }

    /// Parses `event` as the runner does, applies it to a copy of the house, and returns the shortest path start →
    /// goal on the edited scene's grid if both stay navigable on one island within the geodesic range.
    func verify(_ event: JSONValue, start: Vec3, goal: Vec3) -> PathPolyline? {
        guard let grid = try? Self.editedGrid(house.scene, events: [event], settings: house.grid.settings),
              grid.isNavigable(start), grid.isNavigable(goal), let a = grid.islandID(of: start), a == grid.islandID(of: goal),
              let pts = grid.shortestPath(from: start, to: goal) else { return nil }
        let p = PathPolyline(pts)
        return geodesicRange.contains(p.length) ? p : nil
    }

    /// The navigation grid of `scene` after `events` (scripted-episode JSON, parsed with `ScriptedEpisode.parseEvents`).
    static func editedGrid(_ scene: Scene, events: [JSONValue], settings: NavigationSettings) throws -> NavigationGrid {
        var edited = scene
        for e in try ScriptedEpisode.parseEvents(json: JSONValue.array(events).jsonData(), path: "(generated events)") {
            try edited.apply(e.edit)
        }
        return try NavigationGrid(scene: edited, settings: settings)
    }

    /// Whether a footprint overlaps the footprint of an obstacle (a wall, a door frame, furniture in the agent's
    /// height band; rugs and the moved piece itself excluded).
    func overlapsObstacle(center: Vec2, half: Vec2, except: UInt32) -> Bool {
        for id in house.instanceBounds.keys.sorted() where id != except {
            guard let b = house.instanceBounds[id], Self.isObstacle(b),
                  let c = house.scene.category(ofInstance: id), c != "floor", c != "ceiling", c != "rug" else { continue }
            if center.x + half.x > b.lower.x, center.x - half.x < b.upper.x, center.y + half.y > b.lower.z, center.y - half.y < b.upper.z { return true }
        }
        return false
    }

    /// Whether geometry in `b` is in the agent's height band (the generator's rule: between 0.05 m and 1.5 m).
    static func isObstacle(_ b: AABB) -> Bool { b.upper.y > 0.05 && b.lower.y < 1.5 }

    /// XZ distance from `p` to the rectangle `center ± half`, metres (0 inside).
    static func rectDistance(center: Vec2, half: Vec2, to p: Vec2) -> Float {
        let d = pointwiseMax(Vec2(abs(p.x - center.x), abs(p.y - center.y)) - half, .zero)
        return length2(d)
    }
}

/// A JSON `[x, y, z]`, rounded to 0.1 mm (what the file holds).
func vec(_ x: Float, _ y: Float, _ z: Float) -> JSONValue { .array([rounded(x), rounded(y), rounded(z)].map(JSONValue.double)) }

/// `x` rounded to `decimals` places, as a Double whose shortest decimal form is short; −0 becomes 0.
func rounded(_ x: Float, decimals: Int = 4) -> Double { rounded(Double(x), decimals: decimals) }

func rounded(_ x: Double, decimals: Int) -> Double {
    let scale = [1.0, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7][decimals]
    return (x * scale).rounded() / scale + 0.0
}

/// Fisher–Yates with `SeededRandom` (the standard library's shuffle algorithm is not promised to stay the same).
func shuffle<T>(_ a: inout [T], _ rng: inout SeededRandom) {
    guard a.count > 1 else { return }
    for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
}
