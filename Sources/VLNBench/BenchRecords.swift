import Foundation
import VLNCore
import VLNEpisodes
import VLNMeasures

// MARK: Measures as JSON

/// A number for JSON: `null` for ±∞ or NaN (JSON has no infinity).
public func jsonNumber(_ x: Double) -> JSONValue { x.isFinite ? .double(x) : .null }

/// The measures of one episode as the fields of a result line (VLN-CE's names): `distance_to_goal` (NE, metres;
/// `null` with `"goal_reachable": false` when no goal is reachable from the final position), `success`,
/// `oracle_success`, `oracle_navigation_error` (`null` if infinite), `spl`, `path_length` (metres), `steps`,
/// `collisions` (`null` if not recorded), `ndtw`, `sdtw`. `vlnsim bench evaluate` writes the same fields.
public func measureFields(_ m: EpisodeMeasures) -> [String: JSONValue] {
    [
        "distance_to_goal": jsonNumber(m.distanceToGoal), "goal_reachable": .bool(m.distanceToGoal.isFinite),
        "success": .double(m.success), "oracle_success": .double(m.oracleSuccess),
        "oracle_navigation_error": jsonNumber(m.oracleNavigationError), "spl": .double(m.spl), "path_length": .double(m.pathLength),
        "steps": .int(m.steps), "collisions": m.collisions.map(JSONValue.int) ?? .null, "ndtw": .double(m.ndtw), "sdtw": .double(m.sdtw),
    ]
}

/// The measures back from a result line's fields (`null` NE and oracle NE → +∞).
/// - Throws: a reason naming the missing or mistyped field.
func decodeMeasures(from o: [String: JSONValue]) throws -> EpisodeMeasures {
    func number(_ k: String, nullIs: Double? = nil) throws -> Double {
        if let n = o[k]?.number { return n }
        if let nullIs, o[k] == .null { return nullIs }
        throw RecordError("field '\(k)' must be a number")
    }
    func int(_ k: String) throws -> Int {
        guard case let .int(i)? = o[k] else { throw RecordError("field '\(k)' must be an integer") }
        return i
    }
    var collisions: Int? = nil
    if case let .int(c)? = o["collisions"] { collisions = c }
    return EpisodeMeasures(distanceToGoal: try number("distance_to_goal", nullIs: .infinity), success: try number("success"),
                           oracleSuccess: try number("oracle_success"),
                           oracleNavigationError: try number("oracle_navigation_error", nullIs: .infinity), spl: try number("spl"),
                           pathLength: try number("path_length"), steps: try int("steps"), collisions: collisions,
                           ndtw: try number("ndtw"), sdtw: try number("sdtw"))
}

struct RecordError: Error { let reason: String; init(_ r: String) { reason = r } }

// MARK: Result lines

/// One line of `episodes.jsonl`: a planner's result on one episode — its measures, or the error that stopped it.
///
/// Fields: `planner`, `episode_id` (as the suite gives it; `null` if it has none), `suite_index` (the episode's place
/// in the suite's `episodes`), `scene_id`, `chain` (`{"id", "index"}`, lifelong episodes only), `seed` (the
/// episode seed, decimal text); then either the measures (`measureFields`) with `stop_called`, `final_position`
/// ([x, y, z] metres, world frame), `final_heading_deg` and `stalls` (only when the planner recorded some), or
/// `error` (the message, naming the suite, the episode and the field) and `error_field`. `timing` (`wall_s`: seconds
/// of the episode's run and scoring; `steps_per_s`) is the only field that differs between identical runs:
/// compare lines without it (`comparable`).
public struct EpisodeRecord: Sendable {
    /// The planner's name.
    public var planner: String
    /// The suite episode's key (its id as text; `episodes[k]` without an id).
    public var key: String
    /// The episode id as the suite gives it.
    public var episodeID: JSONValue
    /// Place in the suite's `episodes` array.
    public var suiteIndex: Int
    /// `scene_id`, if the episode has one.
    public var sceneID: String?
    /// The lifelong chain, if any.
    public var chain: ChainRef?
    /// The episode seed.
    public var seed: UInt64
    /// The measures and what the agent did, or the error.
    public var outcome: Outcome
    /// Wall-clock seconds spent on the episode (its run and its measures), not compared between runs.
    public var wallSeconds: Double
    /// Seconds per stage of the full perception loop (render, encode, memory, policy), nil in a blind run; written in
    /// `timing` (`render_s`, `encode_s`, `memory_s`, `policy_s`, `frames`), not compared between runs.
    public var perceptionTiming: PerceptionTiming? = nil

    /// A scored episode or a failed one.
    public enum Outcome: Sendable {
        /// The episode ran: its measures, whether STOP was called, where the agent ended, the planner's stall notes.
        case scored(measures: EpisodeMeasures, stopCalled: Bool, finalPosition: [Float], finalHeadingDeg: Float, stalls: [String])
        /// The episode could not run: the message (naming the suite, episode and field) and the field.
        case failed(message: String, field: String?)
    }

    /// The measures, nil for a failed episode.
    public var measures: EpisodeMeasures? {
        if case let .scored(m, _, _, _, _) = outcome { return m }
        return nil
    }
    /// The error message, nil for a scored episode.
    public var error: String? {
        if case let .failed(message, _) = outcome { return message }
        return nil
    }

    /// The line's JSON object.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["planner": .string(planner), "episode_id": episodeID, "suite_index": .int(suiteIndex),
                                      "seed": .string(String(seed))]
        if let sceneID { o["scene_id"] = .string(sceneID) }
        if let chain { o["chain"] = chain.json }
        switch outcome {
        case let .scored(m, stop, position, heading, stalls):
            o.merge(measureFields(m)) { _, new in new }
            o["stop_called"] = .bool(stop)
            o["final_position"] = .array(position.map { .double(Double($0)) })
            o["final_heading_deg"] = .double(Double(heading))
            if !stalls.isEmpty { o["stalls"] = .array(stalls.map(JSONValue.string)) }
            let steps = Double(m.steps)
            var timing: [String: JSONValue] = ["wall_s": .double(wallSeconds), "steps_per_s": wallSeconds > 0 ? .double(steps / wallSeconds) : .null]
            if let t = perceptionTiming { timing.merge(t.json) { _, new in new } }
            o["timing"] = .object(timing)
        case let .failed(message, field):
            o["error"] = .string(message)
            o["error_field"] = field.map(JSONValue.string) ?? .null
            o["timing"] = .object(["wall_s": .double(wallSeconds)])
        }
        return .object(o)
    }

    /// The line as compact JSON with sorted keys, without a newline.
    public func line() throws -> Data { try json.jsonData() }

    /// A line's JSON object without `timing`: what must be equal between two runs of the same suite, planners and
    /// settings, whatever the worker count, sharding or interruptions.
    public static func comparable(_ line: JSONValue) -> JSONValue {
        guard case var .object(o) = line else { return line }
        o["timing"] = nil
        return .object(o)
    }

    /// A record from its parts.
    public init(planner: String, key: String, episodeID: JSONValue, suiteIndex: Int, sceneID: String?, chain: ChainRef?, seed: UInt64,
                outcome: Outcome, wallSeconds: Double) {
        self.planner = planner; self.key = key; self.episodeID = episodeID; self.suiteIndex = suiteIndex; self.sceneID = sceneID
        self.chain = chain; self.seed = seed; self.outcome = outcome; self.wallSeconds = wallSeconds
    }

    /// Reads a record back from its line's JSON object.
    /// - Throws: `RecordError` naming the field.
    init(json: JSONValue) throws {
        guard case let .object(o) = json else { throw RecordError("a line must be a JSON object") }
        guard case let .string(p)? = o["planner"] else { throw RecordError("field 'planner' must be a string") }
        guard case let .int(index)? = o["suite_index"] else { throw RecordError("field 'suite_index' must be an integer") }
        planner = p
        suiteIndex = index
        episodeID = o["episode_id"] ?? .null
        switch episodeID {
        case let .int(i): key = String(i)
        case let .string(s): key = s
        default: key = "episodes[\(index)]"
        }
        if case let .string(s)? = o["scene_id"] { sceneID = s }
        if let c = o["chain"] { chain = try? ChainRef(json: c) }
        guard case let .string(s)? = o["seed"], let seed = UInt64(s) else { throw RecordError("field 'seed' must be a decimal string") }
        self.seed = seed
        var wall = 0.0
        if case let .object(t)? = o["timing"] {
            if let w = t["wall_s"]?.number { wall = w }
            perceptionTiming = PerceptionTiming(json: t)
        }
        wallSeconds = wall
        if case let .string(message)? = o["error"] {
            var field: String? = nil
            if case let .string(f)? = o["error_field"] { field = f }
            outcome = .failed(message: message, field: field)
        } else {
            let m = try decodeMeasures(from: o)
            guard case let .bool(stop)? = o["stop_called"] else { throw RecordError("field 'stop_called' must be true or false") }
            guard case let .array(fp)? = o["final_position"], fp.count == 3, let position = Optional(fp.compactMap(\.number)), position.count == 3 else {
                throw RecordError("field 'final_position' must be [x, y, z]")
            }
            guard let heading = o["final_heading_deg"]?.number else { throw RecordError("field 'final_heading_deg' must be a number") }
            var stalls: [String] = []
            if case let .array(s)? = o["stalls"] { stalls = s.compactMap { if case let .string(t) = $0 { return t } else { return nil } } }
            outcome = .scored(measures: m, stopCalled: stop, finalPosition: position.map(Float.init), finalHeadingDeg: Float(heading), stalls: stalls)
        }
    }
}

/// The key of a result: (planner, episode key).
public struct ResultKey: Hashable, Sendable, CustomStringConvertible {
    /// The planner's name.
    public var planner: String
    /// The episode's key (its id as text).
    public var episode: String
    /// A key from the planner name and the episode key.
    public init(planner: String, episode: String) { self.planner = planner; self.episode = episode }
    /// `planner/episode`.
    public var description: String { "\(planner), episode \(episode)" }
}

// MARK: episodes.jsonl

/// What reading an `episodes.jsonl` found.
struct ResultsFile {
    /// The records, in file order.
    var records: [EpisodeRecord]
    /// Byte length of the complete lines (where appending continues).
    var validLength: Int
    /// Bytes of a torn last line (no newline at the end: the process died while writing it), dropped.
    var tornBytes: Int

    /// Reads `path` (an absent file is empty).
    /// - Throws: `VLNError.badFile` naming the line for a complete line that is not a result, or a result key that
    ///   appears twice; a torn last line is not an error.
    static func read(path: String) throws -> ResultsFile {
        guard FileManager.default.fileExists(atPath: path) else { return ResultsFile(records: [], validLength: 0, tornBytes: 0) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw VLNError.io(path: path, reason: "cannot read: \((error as NSError).localizedDescription)")
        }
        let bytes = [UInt8](data)
        let end = (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        var records: [EpisodeRecord] = []
        var seen: [ResultKey: Int] = [:]
        var lineNumber = 0
        var start = 0
        while start < end {
            let stop = bytes[start..<end].firstIndex(of: UInt8(ascii: "\n"))!
            lineNumber += 1
            let line = bytes[start..<stop]
            start = stop + 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            let value: JSONValue
            do { value = try JSONDecoder().decode(JSONValue.self, from: Data(line)) } catch {
                throw VLNError.badFile(path: path, line: lineNumber, reason: "invalid JSON (only a torn last line, without its newline, is tolerated)")
            }
            let record: EpisodeRecord
            do { record = try EpisodeRecord(json: value) } catch let e as RecordError {
                throw VLNError.badFile(path: path, line: lineNumber, reason: "not a result line: \(e.reason)")
            }
            let key = ResultKey(planner: record.planner, episode: record.key)
            if let first = seen[key] {
                throw VLNError.badFile(path: path, line: lineNumber, reason: "\(key) already has a result on line \(first)")
            }
            seen[key] = lineNumber
            records.append(record)
        }
        return ResultsFile(records: records, validLength: end, tornBytes: bytes.count - end)
    }
}

/// Appends result lines to `episodes.jsonl` from several threads: each line goes out in one `write(2)` of the
/// whole line and its newline on an `O_APPEND` descriptor, so a process killed at any moment leaves complete lines
/// and at most one torn last line. Lines reach the kernel at once (they survive the process being killed); they are
/// `fsync`ed to the disk at most every two seconds and at `close()` (a per-line fsync would cost more than the
/// blind episodes it records).
final class ResultsWriter: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var lastSync = Date()

    /// Opens `path` for appending, first cutting it to `validLength` bytes (dropping a torn last line).
    init(path: String, truncatingTo validLength: Int?) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw VLNError.io(path: path, reason: "cannot open for appending: \(String(cString: strerror(errno)))") }
        if let n = validLength, ftruncate(fd, off_t(n)) != 0 {
            let reason = String(cString: strerror(errno))
            Foundation.close(fd)
            throw VLNError.io(path: path, reason: "cannot drop the torn last line: \(reason)")
        }
    }

    /// Appends `line` and a newline.
    func append(_ line: Data) throws {
        var bytes = line
        bytes.append(UInt8(ascii: "\n"))
        lock.lock(); defer { lock.unlock() }
        try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw VLNError.io(path: path, reason: "cannot append a result: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
        if Date().timeIntervalSince(lastSync) > 2 { fsync(fd); lastSync = Date() }
    }

    /// Syncs and closes the file.
    func close() {
        lock.lock(); defer { lock.unlock() }
        fsync(fd)
        Foundation.close(fd)
    }
}

// MARK: Manifest

/// `manifest.json`: what a run is — the suite (its SHA-256), the planners and their settings, the run settings and
/// the shard — plus where and when it ran. `identity` (everything but the shard, the paths, the times and the
/// worker count) must match for `--resume` (with the shard too) and for `bench merge`.
public struct BenchManifest: Equatable, Sendable {
    /// Format tag of the run folder.
    public static let format = "vlnsim-bench-run/1"
    /// The manifest's JSON object.
    public var json: JSONValue

    /// The fields a resume or a merge compares (all but `shard`, `suite.path`, `created`, `scene_folders`, `workers`,
    /// `expected_results`).
    public var identity: [String: JSONValue] {
        guard case let .object(o) = json else { return [:] }
        var id = o.filter { ["format", "planners", "planner_settings", "settings", "vlnsim_version", "house_generator_version"].contains($0.key) }
        if case let .object(s)? = o["suite"] { id["suite.sha256"] = s["sha256"] ?? .null; id["suite.episodes"] = s["episodes"] ?? .null }
        return id
    }

    /// The shard this run covers.
    public var shard: Shard? {
        guard case let .object(o) = json, case let .object(s)? = o["shard"], case let .int(i)? = s["index"], case let .int(n)? = s["count"] else { return nil }
        return try? Shard(index: i, count: n)
    }

    /// The planner names, in run order.
    public var planners: [String] {
        guard case let .object(o) = json, case let .array(a)? = o["planners"] else { return [] }
        return a.compactMap { if case let .string(s) = $0 { return s } else { return nil } }
    }

    /// Number of results the run writes when complete (episodes of the shard × planners).
    public var expectedResults: Int? {
        guard case let .object(o) = json, case let .int(n)? = o["expected_results"] else { return nil }
        return n
    }

    /// A manifest from its JSON object.
    public init(json: JSONValue) { self.json = json }

    /// Reads `manifest.json`.
    /// - Throws: `VLNError` if unreadable or not a run manifest.
    public static func read(path: String) throws -> BenchManifest {
        let value = try decodeJSON(JSONValue.self, from: try readMaybeGzipped(path: path), path: path)
        guard case let .object(o) = value, o["format"] == .string(format) else {
            throw VLNError.badFile(path: path, field: "format", reason: "not a vlnsim bench run manifest (expected \"format\": \"\(format)\")")
        }
        return BenchManifest(json: value)
    }

    /// Writes it atomically, pretty-printed with sorted keys.
    public func write(to path: String) throws { try writeAtomically(json.jsonData(pretty: true) + Data("\n".utf8), to: path) }

    /// The fields of `identity` in which `self` and `other` differ, each as `name: mine vs theirs`. Values are compared
    /// as their canonical JSON text (sorted keys), so that 3.0 written and read back as 3 is the same value.
    public func differences(from other: BenchManifest) -> [String] {
        let a = identity, b = other.identity
        return Set(a.keys).union(b.keys).sorted().compactMap { k in
            Self.text(a[k]) == Self.text(b[k]) ? nil : "\(k): \(Self.text(a[k])) vs \(Self.text(b[k]))"
        }
    }

    static func text(_ v: JSONValue?) -> String {
        guard let v, let d = try? v.jsonData() else { return "absent" }
        return String(decoding: d, as: UTF8.self)
    }
}
