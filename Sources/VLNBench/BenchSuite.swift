import Foundation
import VLNCore
import VLNEpisodes

/// The `chain` extension of a VLN-CE episode: `{"id": "<chain id>", "index": k}`. A lifelong chain's episodes run
/// in `index` order in one house, one after the other, keeping the scene's state (events applied) and the planner's
/// per-chain state between them.
public struct ChainRef: Equatable, Hashable, Sendable {
    /// The chain's id.
    public var id: String
    /// The episode's place in the chain (ascending order of run).
    public var index: Int
    /// A chain reference from its id and the episode's place in it.
    public init(id: String, index: Int) { self.id = id; self.index = index }

    /// `{"id": …, "index": …}`.
    public var json: JSONValue { .object(["id": .string(id), "index": .int(index)]) }

    /// Parses the extension field.
    /// - Throws: a reason (for the caller's error naming the file and episode) when it is not
    ///   `{"id": string, "index": integer ≥ 0}`.
    init(json: JSONValue) throws {
        guard case let .object(o) = json else { throw ChainError("'chain' must be an object {\"id\": string, \"index\": integer}, not \(json.typeName)") }
        guard case let .string(id)? = o["id"], !id.isEmpty else { throw ChainError("'chain.id' must be a non-empty string") }
        guard case let .int(index)? = o["index"], index >= 0 else { throw ChainError("'chain.index' must be an integer ≥ 0") }
        self.id = id; self.index = index
    }
}

struct ChainError: Error { let reason: String; init(_ r: String) { reason = r } }

/// One episode of a suite as the runner sees it: the episode, or why it cannot run (a missing field, a bad
/// `chain`), found when the suite was read. A bad episode does not stop the others.
public struct BenchEpisode: Sendable {
    /// Place in the file's `episodes` array (0-based); results carry it as `suite_index`.
    public let index: Int
    /// The episode id as text (`"17"` for 17): the key of its results. `episodes[k]` if the file gives no usable id.
    public let key: String
    /// The episode id as the file gives it (an integer or a string), `null` if missing or unusable.
    public let id: JSONValue
    /// `scene_id` as given, if it is a string (also for an episode that failed to parse, for its error line).
    public let sceneID: String?
    /// The `chain` extension, if present and well formed.
    public let chain: ChainRef?
    /// The episode, or the error naming the file, the episode and the field.
    public let episode: Result<VLNCEEpisode, VLNError>
}

/// A unit of work: a single episode, or a whole lifelong chain (never split across workers or shards).
public struct WorkUnit: Sendable {
    /// Unit number k in suite order (the order of each unit's first episode in the file); unit k belongs to shard
    /// k mod n.
    public let index: Int
    /// Suite indices of its episodes, in run order (a chain's by `chain.index`).
    public let episodes: [Int]
    /// The chain id, nil for a single episode.
    public let chainID: String?
}

/// A shard `i/n` of a suite: the units k with k mod n = i. 0 ≤ i < n, as Slurm array jobs number their tasks
/// (`sbatch --array=0-(n-1)`, `--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`).
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    /// 0-based shard index.
    public let index: Int
    /// Number of shards (≥ 1).
    public let count: Int
    /// The whole suite.
    public static let all = Shard(uncheckedIndex: 0, count: 1)

    private init(uncheckedIndex: Int, count: Int) { index = uncheckedIndex; self.count = count }

    /// - Throws: `VLNError.invalidValue(field: "--shard", …)` unless `count ≥ 1` and `0 ≤ index < count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw VLNError.invalidValue(field: "--shard", reason: "\(index)/\(count): the shard count n must be at least 1") }
        guard index >= 0 && index < count else {
            throw VLNError.invalidValue(field: "--shard", reason: "\(index)/\(count): the shard index i must satisfy 0 ≤ i < n (0-based, as $SLURM_ARRAY_TASK_ID), i.e. 0…\(count - 1)")
        }
        self.index = index; self.count = count
    }

    /// Parses `i/n`.
    /// - Throws: `VLNError.invalidValue(field: "--shard", …)`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw VLNError.invalidValue(field: "--shard", reason: "'\(text)' is not i/n (two integers, e.g. 0/4)")
        }
        try self.init(index: i, count: n)
    }

    /// `i/n`.
    public var description: String { "\(index)/\(count)" }

    /// Whether unit `k` belongs to this shard.
    public func contains(unit k: Int) -> Bool { k % count == index }
}

/// A benchmark suite: a VLN-CE episode file (`.json` or `.json.gz`) read episode by episode, so that one bad
/// episode becomes that episode's error instead of the whole file's, and cut into units of work.
public struct BenchSuite: Sendable {
    /// The file's path as given.
    public let path: String
    /// SHA-256 of the file's bytes as stored (gzipped or not), 64 hex digits: the suite's identity in manifests.
    public let sha256: String
    /// Every episode, in file order.
    public let episodes: [BenchEpisode]
    /// The units of work, in suite order.
    public let units: [WorkUnit]

    /// Reads a suite.
    /// - Throws: `VLNError` for the file as a whole: unreadable, corrupt gzip, invalid JSON, no `episodes` array,
    ///   no episode, two episodes with the same id, or two episodes of a chain with the same `chain.index`. Errors
    ///   of single episodes (a missing field, a malformed `chain`, a chain episode in another scene than the chain's)
    ///   are kept in `episodes` instead.
    public static func load(path: String) throws -> BenchSuite {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw VLNError.io(path: path, reason: "is a folder, not a suite file")
        }
        let raw: Data
        do { raw = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw VLNError.io(path: path, reason: "cannot read the suite: \((error as NSError).localizedDescription)")
        }
        let text = path.hasSuffix(".gz") || Gzip.isGzip(raw) ? try Gzip.decompress(raw, path: path) : raw
        let root = try decodeJSON(JSONValue.self, from: text, path: path)
        guard case let .object(top) = root else { throw VLNError.badFile(path: path, reason: "expected a JSON object with \"episodes\" (a VLN-CE episode file)") }
        guard case let .array(items)? = top["episodes"] else {
            throw VLNError.badFile(path: path, field: "episodes", reason: top["episodes"] == nil ? "missing required field 'episodes'" : "'episodes' must be an array")
        }
        guard !items.isEmpty else { throw VLNError.badFile(path: path, field: "episodes", reason: "the suite has no episodes") }

        var episodes: [BenchEpisode] = []
        episodes.reserveCapacity(items.count)
        var firstIndexOfKey: [String: Int] = [:]
        for (k, item) in items.enumerated() {
            let object: [String: JSONValue]? = { if case let .object(o) = item { return o } else { return nil } }()
            var id = JSONValue.null, key = "episodes[\(k)]"
            switch object?["episode_id"] {
            case let .int(i)?: id = .int(i); key = String(i)
            case let .string(s)?: id = .string(s); key = s
            default: break
            }
            if let first = firstIndexOfKey[key] {
                throw VLNError.badFile(path: path, field: "episodes[\(k)]: episode_id",
                                       reason: "episode id \(key) is used twice (episodes[\(first)] and episodes[\(k)]); results are keyed by it")
            }
            firstIndexOfKey[key] = k
            var sceneID: String? = nil
            if case let .string(s)? = object?["scene_id"] { sceneID = s }
            var chain: ChainRef? = nil
            var result: Result<VLNCEEpisode, VLNError>
            do { result = .success(try VLNCEEpisode(json: item, index: k, path: path)) } catch let e as VLNError { result = .failure(e) }
            if let c = object?["chain"], c != .null {
                do { chain = try ChainRef(json: c) } catch let e as ChainError {
                    if case .success = result { result = .failure(.badFile(path: path, field: "episode \(key): chain", reason: e.reason)) }
                }
            }
            episodes.append(BenchEpisode(index: k, key: key, id: id, sceneID: sceneID, chain: chain, episode: result))
        }

        // Units: single episodes, and chains grouped at their first episode's place.
        var units: [WorkUnit] = []
        var chainUnit: [String: Int] = [:]
        var chainMembers: [[Int]] = []
        var unitKinds: [(chain: String?, single: Int?)] = []
        for e in episodes {
            if let c = e.chain {
                if let u = chainUnit[c.id] { chainMembers[u].append(e.index) } else {
                    chainUnit[c.id] = unitKinds.count
                    unitKinds.append((c.id, nil))
                    chainMembers.append([e.index])
                }
            } else {
                unitKinds.append((nil, e.index))
                chainMembers.append([])
            }
        }
        for (u, kind) in unitKinds.enumerated() {
            if let single = kind.single { units.append(WorkUnit(index: u, episodes: [single], chainID: nil)); continue }
            let chainID = kind.chain!
            let members = chainMembers[u].sorted { (episodes[$0].chain!.index, $0) < (episodes[$1].chain!.index, $1) }
            for (a, b) in zip(members, members.dropFirst()) where episodes[a].chain!.index == episodes[b].chain!.index {
                throw VLNError.badFile(path: path, field: "episodes[\(b)]: chain.index",
                                       reason: "chain '\(chainID)' has two episodes with index \(episodes[b].chain!.index) (episodes[\(a)] and episodes[\(b)])")
            }
            units.append(WorkUnit(index: u, episodes: members, chainID: chainID))
        }
        // A chain runs in one house: its episodes must all name its first episode's scene.
        for unit in units where unit.chainID != nil {
            guard let scene = unit.episodes.lazy.compactMap({ episodes[$0].sceneID }).first else { continue }
            for i in unit.episodes.dropFirst() {
                let e = episodes[i]
                if case .success = e.episode, let s = e.sceneID, s != scene {
                    episodes[i] = BenchEpisode(index: e.index, key: e.key, id: e.id, sceneID: e.sceneID, chain: e.chain, episode: .failure(
                        .badFile(path: path, field: "episode \(e.key): scene_id",
                                 reason: "chain '\(unit.chainID!)' runs in \(scene) (its first episode's scene); this episode names \(s)")))
                }
            }
        }
        return BenchSuite(path: path, sha256: sha256Hex(raw), episodes: episodes, units: units)
    }

    /// The units of `shard`, in suite order.
    public func units(in shard: Shard) -> [WorkUnit] { units.filter { shard.contains(unit: $0.index) } }
}
