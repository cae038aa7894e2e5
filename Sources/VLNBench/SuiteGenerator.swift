import Foundation
import VLNCore
import VLNEpisodes
import VLNNavigation
import VLNScene
import VLNSim

/// The three kinds of generated suite.
public enum SuiteKind: String, CaseIterable, Sendable {
    /// Independent episodes in unchanging houses.
    case `static`
    /// Each episode carries a scene event on or near its path (`events`): a piece moved into the way, one removed,
    /// or a box in a doorway that is not the only way.
    case dynamic
    /// Chains of episodes in one house (`chain`), each starting where the previous one's goal is, run with the
    /// agent's memory kept between them.
    case lifelong
}

/// What `SuiteGenerator` makes.
public struct SuiteOptions: Sendable, Equatable {
    public var kind: SuiteKind
    /// Number of houses: `HouseGenerator` seeds `seed`, `seed + 1`, … (`generated/house-<seed>`).
    public var houses: Int
    /// Number of episodes in the suite (lifelong: chains × `chainLength`).
    public var episodes: Int
    /// Seed of the houses and of every random choice; the same options give byte-identical files.
    public var seed: UInt64
    /// Episodes per chain (lifelong suites).
    public var chainLength: Int
    /// Allowed geodesic distance start → goal, metres (VLN-CE's R2R episodes: most between 5 and 20 m).
    public var geodesicRange: ClosedRange<Float>

    /// - Parameters: see the properties; `geodesicRange` 5–20 m.
    public init(kind: SuiteKind, houses: Int, episodes: Int, seed: UInt64, chainLength: Int = 10,
                geodesicRange: ClosedRange<Float> = 5...20) {
        self.kind = kind; self.houses = houses; self.episodes = episodes; self.seed = seed
        self.chainLength = chainLength; self.geodesicRange = geodesicRange
    }

    /// Largest number of houses or episodes a suite may ask for.
    public static let maxCount = 100_000

    /// - Throws: `VLNError.invalidValue` naming the option: houses < 1, episodes < houses (every house gets an
    ///   episode), lifelong episodes not a multiple of the chain length or fewer chains than houses, counts above
    ///   `maxCount`, a geodesic range not within (0, ∞) with at least 1 m between its ends.
    public func validate() throws {
        guard houses >= 1 else { throw VLNError.invalidValue(field: "houses", reason: "must be at least 1, got \(houses)") }
        guard houses <= Self.maxCount, episodes <= Self.maxCount else {
            throw VLNError.invalidValue(field: houses > Self.maxCount ? "houses" : "episodes", reason: "at most \(Self.maxCount)")
        }
        guard episodes >= houses else {
            throw VLNError.invalidValue(field: "episodes", reason: "must be at least the number of houses (\(houses)) so every house gets an episode, got \(episodes)")
        }
        if kind == .lifelong {
            guard chainLength >= 1 else { throw VLNError.invalidValue(field: "chain-length", reason: "must be at least 1, got \(chainLength)") }
            guard episodes % chainLength == 0 else {
                throw VLNError.invalidValue(field: "episodes", reason: "a lifelong suite holds whole chains: \(episodes) is not a multiple of the chain length \(chainLength)")
            }
            guard episodes / chainLength >= houses else {
                throw VLNError.invalidValue(field: "episodes", reason: "\(episodes / chainLength) chains of \(chainLength) cannot cover \(houses) houses (one chain per house at least)")
            }
        }
        guard geodesicRange.lowerBound > 0, geodesicRange.upperBound.isFinite, geodesicRange.upperBound - geodesicRange.lowerBound >= 1 else {
            throw VLNError.invalidValue(field: "geodesic range", reason: "needs 0 < min and max − min ≥ 1 m, got \(geodesicRange)")
        }
    }

    /// The house seeds, in order.
    public var houseSeeds: [UInt64] { (0..<houses).map { seed &+ UInt64($0) } }
}

/// One generated episode (values as computed; the file holds them rounded to 0.1 mm).
public struct GeneratedEpisode: Sendable {
    /// `episode_id` and `trajectory_id` (one instruction per path, so both are the same integer).
    public var id: Int
    public var houseSeed: UInt64
    /// `generated/house-<seed>`.
    public var sceneID: String
    /// World frame (Y up), metres; a navigable cell centre.
    public var start: Vec3
    /// Radians (0 faces −Z, positive turns left); the file's `start_rotation` is `Quaternion(heading:)`.
    public var startHeading: Float
    /// A navigable cell centre.
    public var goal: Vec3
    /// `info.geodesic_distance`, metres: the length of `path` (on the scene after the events, if any).
    public var geodesicDistance: Float
    /// The shortest path start → goal as `NavigationGrid.shortestPath` gives it (corners).
    public var path: [Vec3]
    /// `reference_path`: `path` resampled every 0.25 m (VLN-CE's ground-truth step), start and goal included.
    public var referencePath: [Vec3]
    public var instruction: String
    /// Dynamic suites: the events, scripted-episode format.
    public var events: [JSONValue]
    public var eventKinds: [SuiteEventKind]
    /// Lifelong suites: chain id and place in it (0-based).
    public var chain: (id: String, index: Int)?
}

/// A generated suite: its episodes, vocabulary and the file's content.
public struct GeneratedSuite: Sendable {
    public var options: SuiteOptions
    /// In file order: by house, then by chain, then by place in the chain.
    public var episodes: [GeneratedEpisode]
    public var vocabulary: InstructionVocabulary

    /// The VLN-CE episode file: `{"episodes": […], "instruction_vocab": {…}, "vlnsim_suite": {…}}`. Episodes in the
    /// R2R-CE shape (`episode_id`, `trajectory_id`, `scene_id`, `start_position`, `start_rotation` [x, y, z, w],
    /// `info.geodesic_distance`, `goals` [{position, radius 3.0}], `reference_path`, `instruction` {instruction_text,
    /// instruction_tokens}) plus vlnsim's `events` (dynamic) and `chain` (lifelong). `vlnsim_suite` records how the
    /// file was made (kind, seed, houses, generator version).
    public var json: JSONValue {
        let eps: [JSONValue] = episodes.map { e in
            // Quaternion(heading:) in double precision, so a 180° heading gives w = 0, not float's −4e−8.
            let half = Double(e.startHeading) / 2
            var o: [String: JSONValue] = [
                "episode_id": .int(e.id), "trajectory_id": .int(e.id), "scene_id": .string(e.sceneID),
                "start_position": vec(e.start.x, e.start.y, e.start.z),
                "start_rotation": .array([0, sin(half), 0, cos(half)].map { .double(rounded($0, decimals: 7)) }),
                "info": .object(["geodesic_distance": .double(rounded(e.geodesicDistance))]),
                "goals": .array([.object(["position": vec(e.goal.x, e.goal.y, e.goal.z), "radius": .double(3.0)])]),
                "reference_path": .array(e.referencePath.map { vec($0.x, $0.y, $0.z) }),
                "instruction": .object(["instruction_text": .string(e.instruction),
                                        "instruction_tokens": .array(vocabulary.tokens(e.instruction).map(JSONValue.int))]),
            ]
            if options.kind == .dynamic { o["events"] = .array(e.events) }
            if let c = e.chain { o["chain"] = .object(["id": .string(c.id), "index": .int(c.index)]) }
            return .object(o)
        }
        let meta: JSONValue = .object([
            "kind": .string(options.kind.rawValue), "seed": .string(String(options.seed)),
            "houses": .array(Array(Set(episodes.map(\.houseSeed))).sorted().map { .string(String($0)) }),
            "house_generator_version": .int(HouseGenerator.version),
            "geodesic_range_m": .array([.double(Double(options.geodesicRange.lowerBound)), .double(Double(options.geodesicRange.upperBound))]),
            "reference_path_spacing_m": .double(0.25),
            "dynamic_paths": .string("reference_path and info.geodesic_distance are those of the scene after the events; "
                                     + "the instruction describes the route before them"),
        ])
        return .object(["episodes": .array(eps), "instruction_vocab": vocabulary.json, "vlnsim_suite": meta])
    }

    /// Writes the file atomically (`.json`, or gzip for `.json.gz`).
    /// - Throws: `VLNError.io` if it cannot be written (nothing is left behind).
    public func write(to path: String) throws { try writeMaybeGzipped(json.jsonData(), to: path) }

    /// Counts and distributions for the report.
    public var statistics: SuiteStatistics { SuiteStatistics(suite: self) }
}

/// Generates static, dynamic and lifelong VLN-CE suites in seeded houses (`vlnsim make-suite`).
///
/// Per house: one navigation grid (the simulator's: agent radius 0.1 m, height 1.5 m, 5 cm cells). Per episode: a
/// start at a random navigable cell centre of the largest island, a start heading in 15° steps, one geodesic
/// distance field from the start to choose a goal 5–20 m away (the farther of two draws, preferably in another
/// room and within 1 m of a landmark an instruction can name), one shortest path, resampled every 0.25 m as the reference path, and an
/// R2R-style instruction from what the path passes (`RouteFacts`, `InstructionWriter`).
///
/// Dynamic episodes: the instruction describes the route in the house as generated (what an annotator walked);
/// the events change the scene at step 0 or a few steps in, and `reference_path` / `info.geodesic_distance` are
/// those of the edited scene — the scene the agent has to cross for nearly the whole episode, so SPL's d0 is a path
/// it can actually walk and nDTW compares it with a walkable reference. See `EventPlanner` for the checks.
///
/// Lifelong chains: episode k + 1 starts at episode k's goal (a navigable cell centre), facing the way the agent
/// arrived (the heading of the last metre of the path, rounded to a whole degree).
///
/// Determinism: `SeededRandom` everywhere, instances and cells visited in sorted order, JSON written with sorted
/// keys and numbers rounded to 0.1 mm (quaternions to 1e-7): the same options give byte-identical files.
public enum SuiteGenerator {
    /// - Throws: `VLNError.invalidValue` for invalid options, or naming a house in which the episodes cannot be
    ///   placed (a house whose navigable floor has no two points 5–20 m apart).
    public static func generate(_ options: SuiteOptions) throws -> GeneratedSuite {
        try options.validate()
        var episodes: [GeneratedEpisode] = []
        var eventCounts = [Int](repeating: 0, count: Self.eventOrder.count)
        let seeds = options.houseSeeds
        let chains = options.kind == .lifelong ? options.episodes / options.chainLength : 0
        for (h, houseSeed) in seeds.enumerated() {
            let house = try SuiteHouse(seed: houseSeed)
            var rng = SeededRandom(seed: (options.seed &* 0x9E37_79B9_7F4A_7C15) ^ (houseSeed &* 0xBF58_476D_1CE4_E5B9) ^ salt(options.kind))
            let sampler = EpisodeSampler(house: house, range: options.geodesicRange)
            switch options.kind {
            case .static, .dynamic:
                let count = options.episodes / seeds.count + (h < options.episodes % seeds.count ? 1 : 0)
                for _ in 0..<count {
                    // Dynamic: the kind used least so far first, so the suite stays balanced even though only houses
                    // with a second way round can take a doorway box.
                    let order = Self.eventOrder.indices.sorted { eventCounts[$0] != eventCounts[$1] ? eventCounts[$0] < eventCounts[$1] : $0 < $1 }
                        .map { Self.eventOrder[$0] }
                    var e = try options.kind == .static ? sampler.staticEpisode(&rng) : sampler.dynamicEpisode(order: order, &rng)
                    for k in e.eventKinds { eventCounts[Self.eventOrder.firstIndex(of: k)!] += 1 }
                    e.id = episodes.count + 1
                    episodes.append(e)
                }
            case .lifelong:
                for c in stride(from: h, to: chains, by: seeds.count) {
                    for var e in try sampler.chain(length: options.chainLength, id: "chain-\(c)", &rng) {
                        e.id = episodes.count + 1
                        episodes.append(e)
                    }
                }
            }
        }
        let vocabulary = InstructionVocabulary(texts: episodes.map(\.instruction))
        return GeneratedSuite(options: options, episodes: episodes, vocabulary: vocabulary)
    }

    /// Event kinds, in the order ties are broken when choosing the kind a dynamic episode asks for first.
    static let eventOrder: [SuiteEventKind] = [.add, .move, .remove]

    static func salt(_ kind: SuiteKind) -> UInt64 {
        switch kind {
        case .static: return 0x5374_6174_6963_0000
        case .dynamic: return 0x4479_6E61_6D69_6300
        case .lifelong: return 0x4C69_6665_6C6F_6E67
        }
    }
}

/// Draws episodes in one house.
struct EpisodeSampler {
    let house: SuiteHouse
    let range: ClosedRange<Float>
    let writer: InstructionWriter
    let planner: EventPlanner
    /// Landmarks a stop can be described by (nameable, unique in their room, not a rug).
    let stopMarks: [Landmark]

    init(house: SuiteHouse, range: ClosedRange<Float>) {
        self.house = house; self.range = range
        writer = InstructionWriter(house: house)
        planner = EventPlanner(house: house, geodesicRange: range)
        stopMarks = house.landmarks.filter { LandmarkVocabulary.isNameable($0) && $0.uniqueInRoom && $0.category != "rug" }
    }

    struct Route {
        var start: Vec3, heading: Float, goal: Vec3
        var path: PathPolyline
    }

    /// A start → goal pair with its shortest path in the unedited house. `start`/`heading` fixed for chains.
    func route(start fixed: Vec3? = nil, heading fixedHeading: Float? = nil, _ rng: inout SeededRandom) -> Route? {
        let grid = house.grid
        for _ in 0..<(fixed == nil ? 30 : 3) {
            guard let start = fixed ?? randomCellCenter(&rng) else { return nil }
            let field = grid.distanceField(to: [start])
            var cells: [Int] = [], distances: [Float] = []
            let lo = range.lowerBound + 0.25, hi = range.upperBound - 0.25
            for j in 0..<grid.height {
                for i in 0..<grid.width where grid.cellState(i: i, j: j) == .navigable {
                    if let d = field.distance(i: i, j: j), d >= lo, d <= hi { cells.append(j * grid.width + i); distances.append(d) }
                }
            }
            guard !cells.isEmpty else { continue }
            let startRoom = house.room(at: start)
            let wantLandmark = rng.uniform(0, 1) < 0.85
            var otherRoom: Vec3?, any: Vec3?
            var goal: Vec3?
            for _ in 0..<80 {
                // The farther of two uniform draws: small houses have many more short routes than long ones, and
                // R2R-CE's mean geodesic distance is 8.9 m.
                let a = Int(rng.next() % UInt64(cells.count)), b = Int(rng.next() % UInt64(cells.count))
                let c = cells[distances[a] >= distances[b] ? a : b]
                let g = grid.cellCenter(i: c % grid.width, j: c / grid.width)
                if any == nil { any = g }
                let room = house.room(at: g)
                guard room != startRoom || startRoom == nil else { continue }
                if otherRoom == nil { otherRoom = g }
                if !wantLandmark { goal = g; break }
                let g2 = Vec2(g.x, g.z)
                if stopMarks.contains(where: { $0.room == room && $0.distance(to: g2) <= 1.0 }) { goal = g; break }
            }
            guard let goal = goal ?? otherRoom ?? any, let pts = grid.shortestPath(from: start, to: goal) else { continue }
            let path = PathPolyline(pts)
            guard range.contains(path.length) else { continue }
            let heading = fixedHeading ?? Float(Int(rng.next() % 24) * 15 - 165) * .pi / 180
            return Route(start: start, heading: heading, goal: goal, path: path)
        }
        return nil
    }

    /// A uniformly drawn navigable cell centre of the house's island.
    func randomCellCenter(_ rng: inout SeededRandom) -> Vec3? {
        guard let p = house.grid.randomNavigablePoint(using: &rng, island: house.island), let c = house.grid.cellIndex(of: p) else { return nil }
        return house.grid.cellCenter(i: c.i, j: c.j)
    }

    func episode(_ r: Route, path: PathPolyline, events: [PlannedEvent], _ rng: inout SeededRandom) -> GeneratedEpisode {
        let facts = RouteFacts(path: r.path, startHeading: r.heading, house: house)
        let text = writer.write(facts, rng: &rng)
        return GeneratedEpisode(id: 0, houseSeed: house.seed, sceneID: house.sceneID, start: r.start, startHeading: r.heading, goal: r.goal,
                            geodesicDistance: path.length, path: path.points, referencePath: path.resampled(every: 0.25),
                            instruction: text, events: events.map(\.json), eventKinds: events.map(\.kind), chain: nil)
    }

    func failure(_ what: String) -> VLNError {
        .invalidValue(field: "houses", reason: "\(house.sceneID): could not place \(what) with a geodesic distance of "
                      + "\(range.lowerBound)–\(range.upperBound) m (house too small?)")
    }

    func staticEpisode(_ rng: inout SeededRandom) throws -> GeneratedEpisode {
        guard let r = route(&rng) else { throw failure("an episode") }
        return episode(r, path: r.path, events: [], &rng)
    }

    /// A dynamic episode with one event: of the first kind in `order` that any start/goal pair of a few draws takes.
    /// A doorway box needs a house with a cycle in its door graph (more doorways than a spanning tree's).
    func dynamicEpisode(order: [SuiteEventKind], _ rng: inout SeededRandom) throws -> GeneratedEpisode {
        let canBlockDoor = house.doorways.count >= house.scene.regions.count
        for kind in order {
            if kind == .add && !canBlockDoor { continue }
            for _ in 0..<(kind == .add ? 40 : 10) {
                guard let r = route(&rng) else { continue }
                let keep = Set(RouteFacts(path: r.path, startHeading: r.heading, house: house).stopLandmark.map { [$0.instance] } ?? [])
                if let plan = planner.plan(kind, start: r.start, goal: r.goal, path: r.path, keep: keep, rng: &rng) {
                    return episode(r, path: plan.path, events: [plan], &rng)
                }
            }
        }
        throw failure("a dynamic episode that stays solvable")
    }

    /// A chain of `length` episodes: each starts at the previous goal, facing the way the previous path arrived
    /// (to the nearest degree).
    func chain(length: Int, id: String, _ rng: inout SeededRandom) throws -> [GeneratedEpisode] {
        for _ in 0..<10 {
            var out: [GeneratedEpisode] = []
            var start: Vec3?, heading: Float?
            for k in 0..<length {
                guard let r = route(start: start, heading: heading, &rng) else { break }
                var e = episode(r, path: r.path, events: [], &rng)
                e.chain = (id, k)
                out.append(e)
                start = r.goal
                // In whole degrees, so that a last-bit difference between platforms' atan2f cannot change the file.
                let arrival = r.path.direction(at: r.path.length, window: 0.5).map { VLNBench.heading(of: $0) } ?? r.heading
                heading = (arrival * 180 / .pi).rounded() * .pi / 180
            }
            if out.count == length { return out }
        }
        throw failure("a chain of \(length) episodes")
    }
}
