import Foundation
import VLNCore

/// An episode id as the file spells it: R2R-CE uses integers, other datasets strings; the form is kept.
public enum EpisodeID: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case string(String)
    /// The id as text (the key form the ground-truth file uses).
    public var description: String {
        switch self {
        case let .int(i): return String(i)
        case let .string(s): return s
        }
    }
    /// The id as a JSON value, in the form the file gave it.
    public var json: JSONValue {
        switch self {
        case let .int(i): return .int(i)
        case let .string(s): return .string(s)
        }
    }
}

/// A goal of a VLN-CE episode (habitat `NavigationGoal`).
public struct VLNCEGoal: Equatable, Sendable {
    /// World frame (Habitat: Y up), metres.
    public var position: SIMD3<Double>
    /// `radius` in metres as the file gives it (R2R-CE: 3.0); VLN-CE's success uses `SUCCESS_DISTANCE`, not this.
    public var radius: Double?
    /// Other keys of the goal object, kept for round trips.
    public var extra: [String: JSONValue] = [:]
}

/// One VLN-CE episode (habitat-lab `VLNEpisode`, VLN-CE habitat_extensions/task.py), with vlnsim's optional
/// extensions `events` and `chain`.
public struct VLNCEEpisode: Equatable, Sendable {
    /// `episode_id` (an integer in R2R-CE, any string elsewhere).
    public var episodeID: EpisodeID
    /// `trajectory_id` (the R2R path id; several instructions share one), kept as read; optional.
    public var trajectoryID: JSONValue?
    /// `scene_id`, e.g. `mp3d/<scan>/<scan>.glb` or `generated/house-17`.
    public var sceneID: String
    /// Start position, world frame (Y up), metres.
    public var startPosition: SIMD3<Double>
    /// Start rotation as a quaternion `[x, y, z, w]` (Habitat's order).
    public var startRotation: SIMD4<Double>
    /// `info.geodesic_distance`: start to goal along the navmesh, metres (SPL's d0).
    public var geodesicDistance: Double
    /// Other keys of `info`, kept.
    public var infoExtra: [String: JSONValue] = [:]
    /// `goals`: positions (world frame, metres) and radii (metres; VLN-CE scores success at 3.0 m whatever they say).
    public var goals: [VLNCEGoal]
    /// `reference_path`: the R2R waypoints lifted to the navmesh, world frame, metres.
    public var referencePath: [SIMD3<Double>]
    /// `instruction.instruction_text`.
    public var instructionText: String
    /// `instruction.instruction_tokens` (indices into `instruction_vocab`), if present.
    public var instructionTokens: [Int]?
    /// Other keys of `instruction`, kept.
    public var instructionExtra: [String: JSONValue] = [:]
    /// vlnsim extension: scene events (the episode-file format of `vlnsim episode`), kept as JSON here.
    public var events: JSONValue?
    /// vlnsim extension: the lifelong chain this episode belongs to and its place in it, kept as JSON here.
    public var chain: JSONValue?
    /// Any other top-level keys, kept.
    public var extra: [String: JSONValue] = [:]
}

/// A VLN-CE episode file: `{"episodes": [...], "instruction_vocab": {...}}` (`.json` or `.json.gz`).
public struct VLNCEDataset: Equatable, Sendable {
    /// The episodes, in file order.
    public var episodes: [VLNCEEpisode]
    /// `instruction_vocab` (word_list, word2idx_dict, stoi, itos, num_vocab, UNK_INDEX, PAD_INDEX), kept as read.
    public var instructionVocab: JSONValue?
    /// Other top-level keys, kept.
    public var extra: [String: JSONValue] = [:]

    /// A dataset of these episodes (the vocabulary and other keys are written as given).
    public init(episodes: [VLNCEEpisode], instructionVocab: JSONValue? = nil, extra: [String: JSONValue] = [:]) {
        self.episodes = episodes; self.instructionVocab = instructionVocab; self.extra = extra
    }

    /// Reads a `.json` or `.json.gz` episode file.
    /// - Throws: `VLNError.io` if unreadable; `VLNError.badFile` naming the file, the episode id (or index) and the field
    ///   for invalid JSON, corrupt gzip, a missing field or a wrong type.
    public static func load(path: String) throws -> VLNCEDataset {
        let root = try readJSONValue(path: path)
        guard case let .object(top) = root else { throw VLNError.badFile(path: path, reason: "expected a JSON object with \"episodes\"") }
        guard case let .array(items)? = top["episodes"] else {
            throw VLNError.badFile(path: path, field: "episodes", reason: top["episodes"] == nil ? "missing required field 'episodes'" : "'episodes' must be an array")
        }
        var episodes: [VLNCEEpisode] = []
        episodes.reserveCapacity(items.count)
        for (i, item) in items.enumerated() { episodes.append(try VLNCEEpisode(json: item, index: i, path: path)) }
        var extra = top
        extra["episodes"] = nil
        let vocab = extra.removeValue(forKey: "instruction_vocab")
        return VLNCEDataset(episodes: episodes, instructionVocab: vocab, extra: extra)
    }

    /// The file's JSON value (what `write` writes).
    public var json: JSONValue {
        var o = extra
        o["episodes"] = .array(episodes.map(\.json))
        if let instructionVocab { o["instruction_vocab"] = instructionVocab }
        return .object(o)
    }

    /// Writes the file atomically, gzipped when `path` ends in `.gz`.
    public func write(to path: String) throws {
        try writeMaybeGzipped(json.jsonData(), to: path)
    }
}

/// Reads a `.json`/`.json.gz` file into a `JSONValue`.
/// - Throws: `VLNError.badFile` with the line for invalid JSON, or for corrupt gzip.
public func readJSONValue(path: String) throws -> JSONValue {
    try decodeJSON(JSONValue.self, from: readMaybeGzipped(path: path), path: path)
}

/// Typed access to a JSON object that names the file, episode and field in its errors.
struct FieldReader {
    let object: [String: JSONValue]
    let path: String
    let context: String   // "episode 17" or "episodes[3]"
    let prefix: String    // field path prefix, e.g. "goals[0]."

    func fail(_ field: String, _ reason: String) -> VLNError {
        .badFile(path: path, field: "\(context): \(prefix)\(field)", reason: reason)
    }
    func value(_ key: String) throws -> JSONValue {
        guard let v = object[key], v != .null else { throw fail(key, "missing required field '\(prefix)\(key)'") }
        return v
    }
    func number(_ key: String) throws -> Double {
        guard let d = try value(key).number else { throw fail(key, "'\(prefix)\(key)' must be a number, not \(object[key]!.typeName)") }
        return d
    }
    func string(_ key: String) throws -> String {
        guard case let .string(s) = try value(key) else { throw fail(key, "'\(prefix)\(key)' must be a string, not \(object[key]!.typeName)") }
        return s
    }
    func object(_ key: String) throws -> [String: JSONValue] {
        guard case let .object(o) = try value(key) else { throw fail(key, "'\(prefix)\(key)' must be an object, not \(object[key]!.typeName)") }
        return o
    }
    func array(_ key: String) throws -> [JSONValue] {
        guard case let .array(a) = try value(key) else { throw fail(key, "'\(prefix)\(key)' must be an array, not \(object[key]!.typeName)") }
        return a
    }
    func vector(_ v: JSONValue, count: Int, field: String) throws -> [Double] {
        guard case let .array(a) = v, a.count == count else { throw fail(field, "'\(prefix)\(field)' must be an array of \(count) numbers") }
        return try a.map { x in
            guard let d = x.number, d.isFinite else { throw fail(field, "'\(prefix)\(field)' must hold finite numbers") }
            return d
        }
    }
    func point(_ key: String) throws -> SIMD3<Double> {
        let a = try vector(value(key), count: 3, field: key)
        return SIMD3(a[0], a[1], a[2])
    }
    func nested(_ key: String, _ object: [String: JSONValue]) -> FieldReader {
        FieldReader(object: object, path: path, context: context, prefix: prefix + key + ".")
    }
}

func point(_ p: SIMD3<Double>) -> JSONValue { .array([.double(p.x), .double(p.y), .double(p.z)]) }

extension VLNCEEpisode {
    static let knownKeys: Set<String> = ["episode_id", "trajectory_id", "scene_id", "start_position", "start_rotation", "info",
                                         "goals", "reference_path", "instruction", "events", "chain"]

    /// Builds an episode from its JSON object (`index` is its place in `episodes`, for messages), so that a reader
    /// can take a file's episodes one by one and keep going past a bad one (the benchmark runner does).
    /// - Throws: `VLNError.badFile` naming `path`, the episode id (or `episodes[index]`) and the field.
    public init(json: JSONValue, index: Int, path: String) throws {
        guard case let .object(o) = json else {
            throw VLNError.badFile(path: path, field: "episodes[\(index)]", reason: "an episode must be an object, not \(json.typeName)")
        }
        switch o["episode_id"] {
        case let .int(i)?: episodeID = .int(i)
        case let .string(s)?: episodeID = .string(s)
        case nil, .null?: throw VLNError.badFile(path: path, field: "episodes[\(index)]: episode_id", reason: "missing required field 'episode_id'")
        default: throw VLNError.badFile(path: path, field: "episodes[\(index)]: episode_id", reason: "'episode_id' must be an integer or a string")
        }
        let r = FieldReader(object: o, path: path, context: "episode \(episodeID)", prefix: "")
        trajectoryID = o["trajectory_id"]
        sceneID = try r.string("scene_id")
        startPosition = try r.point("start_position")
        let q = try r.vector(r.value("start_rotation"), count: 4, field: "start_rotation")
        startRotation = SIMD4(q[0], q[1], q[2], q[3])
        let info = try r.object("info")
        geodesicDistance = try r.nested("info", info).number("geodesic_distance")
        infoExtra = info.filter { $0.key != "geodesic_distance" }
        goals = try r.array("goals").enumerated().map { k, g in
            guard case let .object(go) = g else { throw r.fail("goals[\(k)]", "a goal must be an object") }
            let gr = r.nested("goals[\(k)]", go)
            let radius: Double? = go["radius"] == nil || go["radius"] == .null ? nil : try gr.number("radius")
            return VLNCEGoal(position: try gr.point("position"), radius: radius,
                             extra: go.filter { $0.key != "position" && $0.key != "radius" })
        }
        referencePath = try r.array("reference_path").enumerated().map { k, p in
            let a = try r.vector(p, count: 3, field: "reference_path[\(k)]")
            return SIMD3(a[0], a[1], a[2])
        }
        let ins = try r.object("instruction")
        let ir = r.nested("instruction", ins)
        instructionText = try ir.string("instruction_text")
        if let t = ins["instruction_tokens"], t != .null {
            guard case let .array(a) = t else { throw ir.fail("instruction_tokens", "'instruction.instruction_tokens' must be an array of integers") }
            instructionTokens = try a.map {
                guard case let .int(i) = $0 else { throw ir.fail("instruction_tokens", "'instruction.instruction_tokens' must be an array of integers") }
                return i
            }
        }
        instructionExtra = ins.filter { $0.key != "instruction_text" && $0.key != "instruction_tokens" }
        events = o["events"]
        chain = o["chain"]
        extra = o.filter { !Self.knownKeys.contains($0.key) }
    }

    /// The episode's JSON object (keys as VLN-CE spells them; extensions and unknown keys kept).
    public var json: JSONValue {
        var o = extra
        o["episode_id"] = episodeID.json
        if let trajectoryID { o["trajectory_id"] = trajectoryID }
        o["scene_id"] = .string(sceneID)
        o["start_position"] = point(startPosition)
        o["start_rotation"] = .array([startRotation.x, startRotation.y, startRotation.z, startRotation.w].map(JSONValue.double))
        var info = infoExtra
        info["geodesic_distance"] = .double(geodesicDistance)
        o["info"] = .object(info)
        o["goals"] = .array(goals.map { g in
            var go = g.extra
            go["position"] = point(g.position)
            if let r = g.radius { go["radius"] = .double(r) }
            return .object(go)
        })
        o["reference_path"] = .array(referencePath.map(point))
        var ins = instructionExtra
        ins["instruction_text"] = .string(instructionText)
        if let t = instructionTokens { ins["instruction_tokens"] = .array(t.map(JSONValue.int)) }
        o["instruction"] = .object(ins)
        if let events { o["events"] = events }
        if let chain { o["chain"] = chain }
        return .object(o)
    }
}
