import Foundation
import VLNCore
import VLNEncoders
import VLNEpisodes
import VLNImage
import VLNMeasures
import VLNNavigation
import VLNScene
import VLNSim

/// Settings that change a run's results (recorded in the manifest; a resume or merge with others is refused).
public struct BenchSettings: Equatable, Sendable {
    /// Action budget per episode (VLN-CE: 500); an episode that reaches it without STOP is not a success.
    public var maxSteps: Int = 500
    /// Success distance in metres, strict (VLN-CE's `SUCCESS_DISTANCE` = 3.0; also nDTW's threshold). It is the
    /// goal radius of every episode whatever `goals[].radius` says, as in VLN-CE.
    public var successDistance: Double = 3.0
    /// DTW for nDTW/SDTW.
    public var dtw: DTWMode = .exact
    /// Run seed; each episode's seed is a stable hash of (run seed, episode id).
    public var seed: UInt64 = 0
    /// The full perception loop (render, ground-truth encoder, token memory before every action), or nil for the
    /// blind loop. Recorded in the manifest only when set, so blind runs keep their manifests.
    public var perception: PerceptionSettings? = nil

    /// VLN-CE's settings: 500 actions, 3.0 m, exact DTW, seed 0, blind.
    public init(maxSteps: Int = 500, successDistance: Double = 3.0, dtw: DTWMode = .exact, seed: UInt64 = 0,
                perception: PerceptionSettings? = nil) {
        self.maxSteps = maxSteps; self.successDistance = successDistance; self.dtw = dtw; self.seed = seed
        self.perception = perception
    }

    /// The settings as the manifest records them.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "max_steps": .int(maxSteps), "success_distance": .double(successDistance), "dtw": .string(dtw.rawValue),
            "seed": .string(String(seed)), "goal_distance": .string("geodesic (simulator distance field, scene at the episode's end)"),
            "reference_path": .string("reference_path"), "d0": .string("info.geodesic_distance"),
            "agent": .string("VLN-CE: forward 0.25 m, turn 15 deg, radius 0.1 m, grid 0.05 m")]
        if let perception { o["perception"] = perception.json }
        return .object(o)
    }
}

/// A benchmark run: a suite, planners, settings, the output folder and how to run.
public struct BenchRunConfiguration {
    /// The suite: a VLN-CE episode file, `.json` or `.json.gz`.
    public var suitePath: String
    /// The planners, in order (each runs every episode of the shard).
    public var planners: [any Planner]
    /// Settings that change results.
    public var settings = BenchSettings()
    /// Worker threads (each with its own scene resolver and simulators); results do not depend on it.
    public var workers = 1
    /// The share of the suite to run.
    public var shard = Shard.all
    /// The output folder (see `BenchRunner` for its layout).
    public var outDirectory: String
    /// Continue the run in `outDirectory` (its manifest must match), running only what is missing.
    public var resume = false
    /// Stop at the first episode that fails (its error line is not written, so a resume retries it).
    public var strict = false
    /// Draw `trajectories/<planner>/<episode_id>.png` for each episode.
    public var trajectories = false
    /// Folders to look scenes up by base name (`SceneResolver`).
    public var sceneDirectories: [String] = []
    /// The shared data folder `$DATA` in scene manifests refers to.
    public var dataPath: String = DataPath.resolve()
    /// The simulator's version, recorded in the manifest.
    public var vlnsimVersion: String
    /// The text encoder of the ground-truth semantic encoder (all-MiniLM-L6-v2), required when
    /// `settings.perception` is set; the runner wraps it in a `CachingTextEncoder` shared by its workers.
    public var textEncoder: (any TextEncoder)? = nil
    /// Draw a progress bar on stderr (when it is a terminal; plain lines every 10 % otherwise).
    public var progress = true
    /// Where notes and per-episode errors go (default: stderr).
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// A run of `planners` on the suite at `suitePath`, written to `outDirectory`.
    public init(suitePath: String, planners: [any Planner], outDirectory: String, vlnsimVersion: String) {
        self.suitePath = suitePath; self.planners = planners; self.outDirectory = outDirectory; self.vlnsimVersion = vlnsimVersion
    }
}

/// What a run did.
public struct BenchRunReport {
    /// One row per planner, over every result of the shard (earlier sessions' too).
    public var rows: [SummaryRow]
    /// The summary as written to `summary.md`.
    public var markdown: String
    /// Results written by this session (episodes run).
    public var ran: Int
    /// Results already in `episodes.jsonl` (a resumed run), not run again.
    public var alreadyDone: Int
    /// Failed episodes among all results.
    public var errors: Int
    /// Wall-clock seconds of this session's episode loop.
    public var seconds: Double
}

/// The benchmark runner: runs planners over a suite's episodes in the simulator and writes a resumable run folder.
/// By default the loop is blind (nothing is rendered unless a planner asks for observations or trajectory pictures are
/// drawn); with `settings.perception` it runs the full perception loop: before every action the agent's view is
/// rendered at the given resolution, encoded by the ground-truth semantic encoder and inserted into the chain's token
/// memory (`PerceptionState`, the planner's `context.perception`), and each stage is timed (`episodes.jsonl`'s
/// `timing`, `summary.json`'s `stage_ms_per_step`).
///
/// **Output folder** (`--out DIR`):
/// ```
/// DIR/manifest.json      what the run is: suite (path, SHA-256, episode and unit counts), planners and their
///                        settings, run settings, shard i/n, vlnsim and house-generator versions, created, workers
/// DIR/episodes.jsonl     one JSON line per finished (planner, episode), appended and flushed as each finishes, in
///                        completion order (see EpisodeRecord for the fields; `timing` is the only field that differs
///                        between identical runs)
/// DIR/summary.md         per-planner table (Markdown; also printed on stdout), settings and notes
/// DIR/summary.csv        the same table, full precision
/// DIR/summary.json       the same, with the settings and notes
/// DIR/summary.png        SR and SPL per planner, NE histogram per planner
/// DIR/trajectories/<planner>/<episode_id>.png    top-down map per episode (with --trajectories)
/// ```
/// Summary files are written atomically (temporary file + rename) when the run ends.
///
/// **Determinism.** An episode's result depends only on the episode, the planner, the settings and its seed — a
/// stable hash of (run seed, episode id) — never on the worker count, the shard, the order of work or an
/// interruption: each worker keeps one `Simulator` per scene and reuses it across episodes (reset between them), and
/// builds it again from the pristine scene when an episode's events changed it. A lifelong chain runs on one worker,
/// in order, on one simulator, keeping the scene's state and the planner's chain state.
///
/// **Resume.** `--resume` reads `episodes.jsonl` (a torn last line, left by a kill mid-write, is dropped), skips every
/// (planner, episode) it holds — results and errors alike — and runs the rest. A chain interrupted midway is replayed
/// from its start in memory without writing its finished episodes again, so its scene and planner state are those
/// of an uninterrupted run. The manifest must match (suite hash, planners, settings, shard, versions), or nothing is
/// touched.
///
/// **Shards.** Units of work (single episodes, or whole chains) are numbered in suite order; unit k belongs to shard
/// k mod n. `BenchMerge` joins the folders of all n shards.
public enum BenchRunner {
    /// Runs (or resumes) a benchmark.
    /// - Throws: `VLNError` for the suite as a whole (unreadable, corrupt, invalid), an unusable output folder, a
    ///   manifest that does not match on `--resume`, an existing run without `--resume`, a corrupt `episodes.jsonl`,
    ///   invalid perception settings or perception without `textEncoder` (field `--resolution`, `--patch-size` or
    ///   `--perception`), before anything is written; with `strict`, the first episode's error. Errors of single episodes are otherwise recorded and the run goes on.
    public static func run(_ config: BenchRunConfiguration) throws -> BenchRunReport {
        precondition(!config.planners.isEmpty && config.workers >= 1 && config.settings.maxSteps >= 1)
        var config = config
        if let p = config.settings.perception {
            try p.validate()
            guard let text = config.textEncoder else {
                throw VLNError.invalidValue(field: "--perception", reason: "the perception loop needs the text encoder of the ground-truth semantic encoder (all-MiniLM-L6-v2)")
            }
            if !(text is CachingTextEncoder) { config.textEncoder = CachingTextEncoder(text) }
        }
        let suite = try BenchSuite.load(path: config.suitePath)
        let units = suite.units(in: config.shard)
        let plannerNames = config.planners.map(\.name)
        let shardEpisodes = units.flatMap(\.episodes)
        let manifest = makeManifest(config: config, suite: suite, expectedResults: shardEpisodes.count * config.planners.count)

        // The output folder: nothing is written before the suite was read and the folder checked.
        let out = URL(fileURLWithPath: config.outDirectory).standardized.path
        try prepareOutput(out, manifest: manifest, resume: config.resume)
        let resultsPath = out + "/episodes.jsonl"
        let existing = try ResultsFile.read(path: resultsPath)
        if existing.tornBytes > 0 {
            config.log("resume: dropped a torn last line of \(resultsPath) (\(existing.tornBytes) bytes); its episode runs again")
        }
        let shardKeys = Set(shardEpisodes.map { suite.episodes[$0].key })
        var done: [ResultKey: EpisodeRecord] = [:]
        for r in existing.records {
            guard plannerNames.contains(r.planner), shardKeys.contains(r.key), suite.episodes.indices.contains(r.suiteIndex),
                  suite.episodes[r.suiteIndex].key == r.key else {
                throw VLNError.badFile(path: resultsPath, reason: "holds a result (\(r.planner), episode \(r.key)) that is not part of this run's suite, shard and planners")
            }
            done[ResultKey(planner: r.planner, episode: r.key)] = r
        }
        if !config.resume || !FileManager.default.fileExists(atPath: out + "/manifest.json") { try manifest.write(to: out + "/manifest.json") }
        let writer = try ResultsWriter(path: resultsPath, truncatingTo: existing.validLength)

        // Work items: (unit, planner), pending when a result is missing. Sorted by scene, then goal, and handed out
        // in batches of one scene and goal, so that a worker reuses its simulator and the goal's distance field
        // (R2R-CE val_unseen: 1839 episodes, 252 goals). The order changes no result.
        var sceneRank: [String: Int] = [:], goalRank: [String: Int] = [:]
        var items: [WorkItem] = []
        for unit in units {
            let first = suite.episodes[unit.episodes[0]]
            let scene = first.sceneID ?? ""
            let rank = sceneRank[scene] ?? { sceneRank[scene] = sceneRank.count; return sceneRank.count - 1 }()
            var goal = "episodes[\(first.index)]"  // no goal: a group of its own
            if case let .success(e) = first.episode, let g = e.goals.first?.position {
                goal = scene + " " + [g.x, g.y, g.z].map { String(Float($0).bitPattern, radix: 16) }.joined(separator: ",")
            }
            let gRank = goalRank[goal] ?? { goalRank[goal] = goalRank.count; return goalRank.count - 1 }()
            for p in config.planners.indices where unit.episodes.contains(where: { done[ResultKey(planner: plannerNames[p], episode: suite.episodes[$0].key)] == nil }) {
                items.append(WorkItem(unit: unit, planner: p, sceneRank: rank, goal: gRank))
            }
        }
        // Scenes in order of first appearance, then goals in order of first appearance, then suite order.
        items.sort { ($0.sceneRank, $0.goal, $0.unit.index, $0.planner) < ($1.sceneRank, $1.goal, $1.unit.index, $1.planner) }
        var batches: [[WorkItem]] = []
        for item in items {
            if let last = batches.last?.last, last.sceneRank == item.sceneRank, last.goal == item.goal, batches[batches.count - 1].count < 16 {
                batches[batches.count - 1].append(item)
            } else {
                batches.append([item])
            }
        }
        let pendingResults = items.reduce(0) { n, item in
            n + item.unit.episodes.filter { done[ResultKey(planner: plannerNames[item.planner], episode: suite.episodes[$0].key)] == nil }.count
        }
        let shared = SharedRunState(batches: batches, done: done, writer: writer, progress: Progress(
            total: manifest.expectedResults ?? 0, alreadyDone: done.count, planners: plannerNames, show: config.progress, log: config.log,
            initial: Array(done.values)))
        let context = RunContext(config: config, suite: suite, out: out, shared: shared)

        var clock = Stopwatch()
        let workers = min(config.workers, max(batches.count, 1))
        if workers == 1 {
            Worker(context: context).run()
        } else {
            let group = DispatchGroup()
            for _ in 0..<workers {
                group.enter()
                let thread = Thread { Worker(context: context).run(); group.leave() }
                thread.stackSize = 16 << 20
                thread.start()
            }
            group.wait()
        }
        let seconds = clock.lap() / 1000
        writer.close()
        shared.progress.finish()
        if let failure = shared.failure { throw failure }
        if let ioError = shared.ioError { throw ioError }

        let all = shared.allRecords()
        let (rows, markdown) = try BenchOutput.writeSummaries(records: all, planners: plannerNames, manifest: manifest,
                                                              successDistance: config.settings.successDistance, to: out)
        return BenchRunReport(rows: rows, markdown: markdown, ran: pendingResults, alreadyDone: done.count,
                              errors: all.filter { $0.error != nil }.count, seconds: seconds)
    }

    static func makeManifest(config: BenchRunConfiguration, suite: BenchSuite, expectedResults: Int) -> BenchManifest {
        var plannerSettings: [String: JSONValue] = [:]
        for p in config.planners { plannerSettings[p.name] = p.settings }
        let formatter = ISO8601DateFormatter()
        return BenchManifest(json: .object([
            "format": .string(BenchManifest.format),
            "suite": .object(["path": .string(config.suitePath), "sha256": .string(suite.sha256), "episodes": .int(suite.episodes.count),
                              "units": .int(suite.units.count)]),
            "planners": .array(config.planners.map { .string($0.name) }),
            "planner_settings": .object(plannerSettings),
            "settings": config.settings.json,
            "shard": .object(["index": .int(config.shard.index), "count": .int(config.shard.count)]),
            "expected_results": .int(expectedResults),
            "vlnsim_version": .string(config.vlnsimVersion),
            "house_generator_version": .int(HouseGenerator.version),
            "scene_folders": .array(config.sceneDirectories.map(JSONValue.string)),
            "workers": .int(config.workers),
            "created": .string(formatter.string(from: Date())),
        ]))
    }

    /// Creates `out` if needed and checks it: writable; without `resume`, no earlier run in it; with `resume`, a
    /// matching manifest (or no run yet: a resume of a run that never started starts it).
    static func prepareOutput(_ out: String, manifest: BenchManifest, resume: Bool) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: out, isDirectory: &isDir) {
            guard isDir.boolValue else { throw VLNError.io(path: out, reason: "--out exists and is not a folder") }
        } else {
            do { try fm.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                throw VLNError.io(path: out, reason: "cannot create the output folder: \(Self.reason(error))")
            }
        }
        guard access(out, W_OK | X_OK) == 0 else {
            throw VLNError.io(path: out, reason: "the output folder is not writable (\(String(cString: strerror(errno))))")
        }
        let manifestPath = out + "/manifest.json"
        let hasManifest = fm.fileExists(atPath: manifestPath)
        if !resume {
            if hasManifest {
                throw VLNError.io(path: out, reason: "already holds a benchmark run (manifest.json): pass --resume to continue it, or choose another --out")
            }
            if fm.fileExists(atPath: out + "/episodes.jsonl") {
                throw VLNError.io(path: out, reason: "holds an episodes.jsonl without manifest.json: not a run folder this runner wrote; choose another --out")
            }
            return
        }
        guard hasManifest else {
            if fm.fileExists(atPath: out + "/episodes.jsonl") {
                throw VLNError.io(path: out, reason: "holds an episodes.jsonl without manifest.json: cannot tell which run it belongs to")
            }
            return  // nothing ran yet: start
        }
        let old = try BenchManifest.read(path: manifestPath)
        var diffs = manifest.differences(from: old)
        if old.shard != manifest.shard {
            diffs.append("shard: \(manifest.shard.map(\.description) ?? "?") vs \(old.shard.map(\.description) ?? "?")")
        }
        guard diffs.isEmpty else {
            throw VLNError.io(path: out, reason: "--resume refused: this run differs from the one in the folder (this run vs manifest.json): "
                              + diffs.joined(separator: "; ") + ". Nothing was changed; use another --out for a new run")
        }
    }

    static func reason(_ error: Error) -> String {
        let e = error as NSError
        if let u = e.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(u.code))) }
        return e.localizedDescription
    }
}

/// A unit of work for one planner.
struct WorkItem {
    let unit: WorkUnit
    let planner: Int
    /// Order of the unit's scene's first appearance.
    let sceneRank: Int
    /// Rank of the unit's first goal (its scene and exact coordinates) by first appearance: items of one goal run
    /// together.
    let goal: Int
}

/// What all workers share: the queue of items, the results, the writer, the progress, the first fatal error.
final class SharedRunState: @unchecked Sendable {
    private let lock = NSLock()
    private let batches: [[WorkItem]]
    private var next = 0
    private var done: [ResultKey: EpisodeRecord]
    let writer: ResultsWriter
    let progress: Progress
    private(set) var failure: VLNError?
    private(set) var ioError: Error?

    init(batches: [[WorkItem]], done: [ResultKey: EpisodeRecord], writer: ResultsWriter, progress: Progress) {
        self.batches = batches; self.done = done; self.writer = writer; self.progress = progress
    }

    /// The next batch of items (one scene and goal), or nil when all are taken or the run stops.
    func take() -> [WorkItem]? {
        lock.lock(); defer { lock.unlock() }
        guard failure == nil, ioError == nil, next < batches.count else { return nil }
        next += 1
        return batches[next - 1]
    }

    var stopping: Bool { lock.lock(); defer { lock.unlock() }; return failure != nil || ioError != nil }

    func isDone(_ key: ResultKey) -> Bool { lock.lock(); defer { lock.unlock() }; return done[key] != nil }

    /// Writes a finished result (appended and flushed), or with `strict` stops the run at a failed one.
    func finish(_ record: EpisodeRecord, strict: Bool) {
        if strict, let message = record.error {
            lock.lock()
            if failure == nil { failure = .invalidValue(field: "--strict", reason: "stopped at the first failed episode (\(record.planner)): \(message)") }
            lock.unlock()
            return
        }
        do { try writer.append(record.line()) } catch {
            lock.lock(); if ioError == nil { ioError = error }; lock.unlock()
            return
        }
        lock.lock()
        done[ResultKey(planner: record.planner, episode: record.key)] = record
        lock.unlock()
        progress.add(record)
    }

    /// Every result, sorted by (planner order, suite index): the order summaries are computed in, so that their
    /// floating-point sums do not depend on completion order.
    func allRecords() -> [EpisodeRecord] {
        lock.lock(); defer { lock.unlock() }
        let order = Dictionary(uniqueKeysWithValues: progress.planners.enumerated().map { ($1, $0) })
        return done.values.sorted { (order[$0.planner] ?? 0, $0.suiteIndex) < (order[$1.planner] ?? 0, $1.suiteIndex) }
    }
}

/// Everything a worker reads.
final class RunContext: @unchecked Sendable {
    let config: BenchRunConfiguration
    let suite: BenchSuite
    let out: String
    let shared: SharedRunState
    init(config: BenchRunConfiguration, suite: BenchSuite, out: String, shared: SharedRunState) {
        self.config = config; self.suite = suite; self.out = out; self.shared = shared
    }
}

/// One worker thread: its own scene resolver and simulators (at most `keep`, least recently used dropped with their
/// scenes; work comes sorted by scene, so a dropped scene is rarely needed again).
final class Worker {
    let context: RunContext
    let resolver: SceneResolver
    private var simulators: [(sceneID: String, sim: Simulator)] = []
    private var failedScenes: [String: Error] = [:]
    private let keep = 3

    init(context: RunContext) {
        self.context = context
        resolver = SceneResolver(baseDirectory: URL(fileURLWithPath: context.config.suitePath).deletingLastPathComponent().path,
                                 sceneDirectories: context.config.sceneDirectories, dataPath: context.config.dataPath)
    }

    func run() {
        while let batch = context.shared.take() {
            for item in batch { runItem(item) }
        }
    }

    /// A simulator of `sceneID` in its pristine state: the cached one if no scene event changed it, else a new one
    /// built from the resolver's (unchanged) scene.
    func pristineSimulator(_ sceneID: String) throws -> Simulator {
        if let k = simulators.firstIndex(where: { $0.sceneID == sceneID }) {
            let entry = simulators.remove(at: k)
            if entry.sim.navigationVersion == 0 {
                simulators.append(entry)
                return entry.sim
            }
        }
        if let e = failedScenes[sceneID] { throw e }
        let sim: Simulator
        do { sim = try Simulator(scene: resolver.scene(sceneID), settings: context.config.settings.perception?.agentSettings ?? AgentSettings()) } catch {
            failedScenes[sceneID] = error
            throw error
        }
        // The perception loop renders on the worker's own thread: workers are the parallelism, and one-core figures
        // stay one core.
        if context.config.settings.perception != nil { sim.renderThreads = 1 }
        simulators.append((sceneID, sim))
        if simulators.count > keep { resolver.evict(simulators.removeFirst().sceneID) }
        return sim
    }

    func runItem(_ item: WorkItem) {
        let config = context.config, suite = context.suite
        let planner = config.planners[item.planner]
        let entries = item.unit.episodes.map { suite.episodes[$0] }
        let isDone = { (e: BenchEpisode) in self.context.shared.isDone(ResultKey(planner: planner.name, episode: e.key)) }
        // The simulator: one per unit (a chain keeps it, with the scene as its events left it).
        var sim: Simulator? = nil
        var simError: VLNError? = nil
        if let sceneID = entries.lazy.compactMap(\.sceneID).first {
            do { sim = try pristineSimulator(sceneID) } catch {
                simError = episodeError(entries[0], field: "scene_id", reason: sceneFailure(sceneID, error))
            }
        }
        let chainState = planner.makeChainState()
        // The unit's perception: a chain keeps its memory from episode to episode.
        var chainPerception: PerceptionState? = nil
        var perceptionError: String? = nil
        if let p = config.settings.perception, let text = config.textEncoder {
            do { chainPerception = try PerceptionState(settings: p, textEncoder: text) } catch { perceptionError = "\(error)" }
        }
        let lastPending = entries.lastIndex { !isDone($0) } ?? -1
        for (position, entry) in entries.enumerated() where position <= lastPending {
            if context.shared.stopping { return }
            let replay = isDone(entry)  // a chain's finished episode, run again only to rebuild the chain's state
            // The distance field of each goal (built once per goal and scene, shared by the planners) is not part of
            // an episode's wall time, so that steps/s does not depend on which planner ran first.
            if let sim, case let .success(e) = entry.episode {
                for g in e.goals { _ = sim.distanceField(to: [Vec3(Float(g.position.x), Float(g.position.y), Float(g.position.z))]) }
            }
            var clock = Stopwatch()
            let cpu0 = chainPerception != nil ? threadCPUSeconds() : 0
            let seed = episodeSeed(runSeed: config.settings.seed, episodeID: entry.key)
            let outcome: EpisodeRecord.Outcome
            let perception = chainPerception  // a unit is one episode or one chain: fresh per single episode
            perception?.beginEpisode()
            if let simError, case .success = entry.episode {
                outcome = .failed(message: simError.description, field: "scene_id")
            } else if let perceptionError {
                outcome = .failed(message: episodeError(entry, field: "perception", reason: perceptionError).description, field: "perception")
            } else {
                outcome = runEpisode(entry, planner: planner, sim: sim, seed: seed,
                                     chainState: item.unit.chainID == nil ? planner.makeChainState() : chainState,
                                     perception: perception, draw: !replay)
            }
            let wall = clock.lap() / 1000
            perception?.timing.cpu = threadCPUSeconds() - cpu0  // evaluated only with perception
            if replay { continue }
            var record = EpisodeRecord(planner: planner.name, key: entry.key, episodeID: entry.id, suiteIndex: entry.index,
                                       sceneID: entry.sceneID, chain: entry.chain, seed: seed, outcome: outcome, wallSeconds: wall)
            record.perceptionTiming = perception?.timing
            if case let .failed(message, _) = outcome, !config.strict { context.shared.progress.note("episode failed (\(planner.name)): \(message)") }
            context.shared.finish(record, strict: config.strict)
        }
    }

    func episodeError(_ entry: BenchEpisode, field: String, reason: String) -> VLNError {
        .badFile(path: context.suite.path, field: "episode \(entry.key): \(field)", reason: reason)
    }

    func sceneFailure(_ sceneID: String, _ error: Error) -> String {
        if case let VLNError.invalidValue(field, reason)? = error as? VLNError, field == "scene_id" { return reason }
        return "cannot load scene '\(sceneID)': \((error as? VLNError)?.description ?? "\(error)")"
    }

    /// Runs one episode and scores it; every failure becomes the episode's error.
    func runEpisode(_ entry: BenchEpisode, planner: any Planner, sim: Simulator?, seed: UInt64, chainState: PlannerChainState?,
                    perception: PerceptionState?, draw: Bool) -> EpisodeRecord.Outcome {
        let config = context.config
        func fail(_ field: String, _ reason: String) -> EpisodeRecord.Outcome {
            .failed(message: episodeError(entry, field: field, reason: reason).description, field: field)
        }
        let ep: VLNCEEpisode
        switch entry.episode {
        case let .failure(e):
            var field: String? = nil
            if case let .badFile(_, _, f, _) = e, let f { field = f.components(separatedBy: ": ").last }
            return .failed(message: e.description, field: field)
        case let .success(e): ep = e
        }
        guard let sim else { return fail("scene_id", "no scene") }
        let scripted: ScriptedEpisode
        do { scripted = try ep.scriptedEpisode(path: context.suite.path) } catch {
            guard let e = error as? VLNError else { return fail("episode", "\(error)") }
            var field: String? = nil
            if case let .badFile(_, _, f?, _) = e { field = f.components(separatedBy: ": ").last }
            return .failed(message: e.description, field: field)
        }
        guard let start = scripted.start else { return fail("start_position", "missing") }
        let goals = ep.goals.map { Vec3(Float($0.position.x), Float($0.position.y), Float($0.position.z)) }
        let events = scripted.events
        let pe = PlannerEpisode(episodeID: entry.key, sceneID: ep.sceneID, instruction: ep.instructionText, start: start, goals: goals,
                                chain: entry.chain, maxSteps: config.settings.maxSteps)
        let plannerContext = PlannerContext(seed: seed, chainState: chainState, perception: perception)
        var policy: Policy
        do { policy = try planner.policy(for: pe, context: plannerContext) } catch {
            if case let VLNError.invalidValue(field, reason)? = error as? VLNError { return fail(field, reason) }
            return fail("planner", "\(planner.name) cannot run it: \(error)")
        }
        for (k, g) in goals.enumerated() where sim.navigation.snapPoint(g) == nil {
            return fail("goals[\(k)].position", String(format: "(%.2f, %.2f, %.2f) is not within %.1f m of the navigable area of %@",
                                                       g.x, g.y, g.z, sim.settings.navigation.maxSnapDistance, sim.scene.name))
        }
        // No goal is given to `run`: it would plan a shortest path and look the goal distance up after every step,
        // which the blind loop does not need (the measures below use the distance field once).
        let blind = ScriptedEpisode(instruction: ep.instructionText, actions: [], events: events)
        let before = draw && config.trajectories ? (scene: sim.scene, navigation: sim.navigation) : nil
        // The full loop: before each decision the view of the state the policy decides in (after this step's scene
        // events) is rendered, encoded and inserted into the memory. A perception failure stops the episode (STOP)
        // and becomes its error.
        var perceptionFailure: Error? = nil
        if let perception {
            let decide = policy
            policy = { sim in
                guard perceptionFailure == nil else { return .stop }
                do { try perception.perceive(sim) } catch { perceptionFailure = error; return .stop }
                let t0 = threadCPUSeconds()
                let action = decide(sim)
                perception.timing.policy += threadCPUSeconds() - t0
                return action
            }
        }
        let result: EpisodeResult
        do { result = try sim.run(blind, from: start, policy: policy, maxSteps: config.settings.maxSteps) } catch {
            if case let VLNError.invalidValue(field, reason)? = error as? VLNError { return fail(field, reason) }
            return fail("episode", "\(error)")
        }
        if let perceptionFailure { return fail("perception", (perceptionFailure as? VLNError)?.description ?? "\(perceptionFailure)") }

        // Measures: goal distance geodesic, from the simulator's cached distance field of each goal on the scene as
        // the episode left it.
        var fields: [Vec3: GeodesicDistanceField] = [:]
        for g in goals where fields[g] == nil { fields[g] = sim.distanceField(to: [g]) }
        let fieldsByGoal = fields
        let goalDistance = GoalDistance(name: "geodesic", float: { from, to in fieldsByGoal[to]?.distance(from: from) })
        let positions = result.steps.map { MeasurePoint(Double($0.position[0]), Double($0.position[1]), Double($0.position[2])) }
        let trajectory = AgentTrajectory(positions: positions, stopCalled: result.stopped, steps: result.steps.count - 1,
                                         collisions: result.steps.reduce(0) { $0 + ($1.collided ? 1 : 0) })
        let measureEpisode = MeasureEpisode(goals: ep.goals.map(\.position), shortestPathLength: ep.geodesicDistance, referencePath: ep.referencePath)
        let m = computeMeasures(trajectory, episode: measureEpisode,
                                settings: MeasureSettings(successDistance: config.settings.successDistance, dtw: config.settings.dtw, goalDistance: goalDistance))
        let last = result.steps[result.steps.count - 1]
        if let before {
            let shown = EpisodeResult(steps: result.steps, shortestPath: before.navigation.shortestPath(from: result.path[0], to: goals[0]),
                                      goal: NavigationGoal(position: goals[0], radius: Float(config.settings.successDistance)), stopped: result.stopped)
            drawTrajectory(shown, planner: planner.name, entry: entry, measures: m, events: events, before: before, after: sim.scene,
                           instruction: ep.instructionText)
        }
        return .scored(measures: m, stopCalled: result.stopped, finalPosition: last.position, finalHeadingDeg: last.headingDeg,
                       stalls: plannerContext.stalls)
    }

    func drawTrajectory(_ result: EpisodeResult, planner: String, entry: BenchEpisode, measures m: EpisodeMeasures, events: [SceneEvent],
                        before: (scene: Scene, navigation: NavigationGrid), after: Scene, instruction: String) {
        let ne = m.distanceToGoal.isFinite ? String(format: "%.2f m", m.distanceToGoal) : "unreachable"
        let title = "\(planner) - episode \(entry.key) - \(entry.sceneID ?? ""): " + (m.success == 1 ? "success" : "failure")
            + ", NE \(ne), SPL \(String(format: "%.2f", m.spl)), \(m.steps) actions"
        let image = TopDownMap(scene: before.scene, navigation: before.navigation)
            .draw(result: result, finalScene: events.isEmpty ? nil : after, events: events, title: title, subtitle: instruction)
        let dir = context.out + "/trajectories/" + BenchOutput.fileName(planner)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try PNG.write(image, to: dir + "/" + BenchOutput.fileName(entry.key) + ".png")
        } catch {
            context.shared.progress.note("warning: cannot write the trajectory picture of episode \(entry.key) (\(planner)): \(error)")
        }
    }
}

/// The progress bar (ETA and running SR per planner) and notes on stderr.
final class Progress: @unchecked Sendable {
    let planners: [String]
    private let lock = NSLock()
    private let total: Int
    private var count: Int
    private let startCount: Int
    private var success: [String: (sum: Double, n: Int)] = [:]
    private let bar: ProgressBar?
    private let isTerminal: Bool
    private let log: @Sendable (String) -> Void
    private var clock = Stopwatch()
    private var elapsed = 0.0
    private var lastDraw = -1.0
    private var lastDecile: Int

    private let show: Bool

    init(total: Int, alreadyDone: Int, planners: [String], show: Bool, log: @escaping @Sendable (String) -> Void, initial: [EpisodeRecord]) {
        self.total = total; count = alreadyDone; startCount = alreadyDone; self.planners = planners; self.log = log; self.show = show
        isTerminal = isatty(STDERR_FILENO) != 0
        bar = show && isTerminal ? ProgressBar(total: total, label: "bench") : nil
        lastDecile = total > 0 ? alreadyDone * 10 / total : 10
        for r in initial { add(success: r) }
    }

    private func add(success r: EpisodeRecord) {
        guard let m = r.measures else { return }
        var s = success[r.planner] ?? (0, 0)
        s.sum += m.success; s.n += 1
        success[r.planner] = s
    }

    private var detail: String {
        let sr = planners.compactMap { p in success[p].map { String(format: "%@ %.3f", p, $0.sum / Double(max($0.n, 1))) } }
        let ran = count - startCount
        var eta = "ETA --"
        if ran > 0 && elapsed > 0 {
            let left = Double(total - count) * elapsed / Double(ran)
            eta = String(format: "ETA %d:%02d", Int(left) / 60, Int(left) % 60)
        }
        return "\(eta)  SR " + (sr.isEmpty ? "--" : sr.joined(separator: ", "))
    }

    func add(_ record: EpisodeRecord) {
        lock.lock(); defer { lock.unlock() }
        count += 1
        add(success: record)
        elapsed += clock.lap() / 1000
        guard show else { return }
        if let bar {
            if elapsed - lastDraw >= 0.1 || count == total {
                lastDraw = elapsed
                bar.update(count, detail: detail)
            }
        } else if total > 0, count * 10 / total > lastDecile {
            lastDecile = count * 10 / total
            log("bench: \(count)/\(total) results, \(detail)")
        }
    }

    /// A line on stderr that does not break the bar.
    func note(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        if bar != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        log(text)
        if let bar, count < total { bar.update(count, detail: detail) }
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if let bar, count < total { bar.update(count, detail: detail); FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
