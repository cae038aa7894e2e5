import ArgumentParser
import Foundation
import VLNBench
import VLNCore
import VLNEncoders
import VLNMeasures

/// `--shard i/n`.
struct ShardArgument: ExpressibleByArgument {
    var text: String
    init?(argument: String) { text = argument }
}

struct BenchRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run planners over a VLN-CE suite (resumable, shardable, deterministic); the default `bench` subcommand.",
        discussion: """
        Each planner runs every episode of the suite (or of the shard) in the simulator, blind: nothing is rendered \
        unless --trajectories is given or a planner asks for observations. An episode's result depends only on the \
        episode, the planner, the settings and its seed (a stable hash of --seed and the episode id): never on \
        --workers, --shard, the order of work or an interruption. Lifelong chains (the `chain` extension) run in \
        order on one worker, keeping the scene's state and the planner's memory, and are never split.

        Planners: oracle (shortest-path follower to the goal, stops within 0.25 m), forward (MOVE_FORWARD × 37 then \
        STOP: VLN-CE's hand-crafted step count, 9.25 m ≈ the 9.27 m mean oracle path of R2R-CE train, without its \
        random initial turn), random (VLN-CE's RandomAgent: P(STOP, FORWARD, LEFT, RIGHT) = (0.02, 0.68, 0.15, 0.15) \
        each step, seeded per episode), handcrafted (VLN-CE's HandcraftedAgent: 0…24 random right turns, 37 forward, \
        STOP).

        Measures as VLN-CE: success iff STOP was called at a geodesic distance < --success-distance (3.0 m) from the \
        goal; NE geodesic from the simulator's distance field (on the scene as the episode left it); SPL with d0 = \
        info.geodesic_distance; nDTW/SDTW against reference_path. An episode whose final position reaches no goal has \
        an infinite NE: null in its line, left out of the NE mean (counted apart) and a failure everywhere else.

        Output folder (--out DIR):
          manifest.json        suite (path, SHA-256), planners, settings, shard, vlnsim version
          episodes.jsonl       one line per finished (planner, episode), appended and flushed at once: planner, \
        episode_id, suite_index, scene_id, chain, seed, the measures, steps, collisions, stop_called, \
        final_position, stalls (if any) — or error and error_field; timing (the only field that differs between \
        identical runs)
          summary.md           per-planner table (also printed): episodes, errors, TL, NE, OSR, SR, SPL, nDTW, SDTW, \
        steps, collisions, steps/s
          summary.csv, summary.json, summary.png (SR and SPL per planner, NE histogram)
          trajectories/<planner>/<episode_id>.png   with --trajectories

        --perception runs the full perception loop instead of the blind one: before every action the agent's view is \
        rendered (RGB, depth, instance ids at --resolution, hfov 90°, camera 1.25 m up), encoded by the ground-truth \
        semantic encoder (each --patch-size patch gets the all-MiniLM-L6-v2 embedding of its majority instance's \
        category; needs the model cache, see --models) and inserted into the Dynam3D token memory of the episode, or of \
        the chain for lifelong chains, which a planner reads through its context; then the planner decides. The \
        baselines do not look, so their results equal the blind loop's. Each line's timing gets render_s, encode_s, \
        memory_s, policy_s; summary.json gets stage_ms_per_step per planner. The perception settings are part of the \
        manifest: a resume or merge with other settings (or blind) is refused.

        Bad episodes (a missing field, a start off the navigable area, an unknown scene id, an unreadable scene, bad \
        events) are recorded as error lines naming the episode and the field, and the run goes on; with --strict it \
        stops at the first (exit 1, that episode unrecorded). A suite that cannot be read at all is an error before \
        anything is written.

        --resume continues the run in --out after a crash or a kill: every finished episode is kept, none is run \
        twice, a torn last line is dropped and its episode run again; it is refused (nothing changed) if the suite, \
        planners, settings or shard differ from manifest.json. --shard i/n (0 ≤ i < n) runs units k ≡ i (mod n), units \
        being single episodes or whole chains in suite order; for Slurm: sbatch --array=0-(n-1) with --shard \
        $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT, then `vlnsim bench merge` (deploy/slurm/submit.sh does both, \
        with requeue and resubmission of failed shards: see deploy/slurm/README.md).
        """)

    @Option(name: .long, help: "The suite: a VLN-CE episode file (.json or .json.gz), with optional events and chain extensions.")
    var suite: String

    @Option(name: .long, help: "Planners, comma-separated: oracle, forward, random, handcrafted.")
    var planner: String

    @Option(name: .long, help: "Worker threads (each with its own simulators); results do not depend on it.")
    var workers: Int = 1

    @Option(name: .long, help: "Output folder (see the layout above).")
    var out: String = "out/bench"

    @Flag(name: .long, help: "Continue the run in --out: only the missing episodes run.")
    var resume = false

    @Option(name: .long, help: "Run shard i of n (0 ≤ i < n): the units k with k mod n = i.")
    var shard: ShardArgument?

    @Option(name: .long, help: "Action budget per episode (VLN-CE: 500).")
    var maxSteps: Int = 500

    @Option(name: .long, help: "Success distance in metres (VLN-CE: 3.0); also nDTW's threshold.")
    var successDistance: Double = 3.0

    @Option(name: .long, help: "DTW for nDTW/SDTW: exact (default) or fastdtw (as VLN-CE's published numbers).")
    var dtw: DTWMode = .exact

    @Option(name: .long, help: "Run seed: each episode's seed is a stable hash of it and the episode id.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Write trajectories/<planner>/<episode_id>.png (a top-down map) for each episode.")
    var trajectories = false

    @Flag(name: .long, help: "Stop at the first episode that fails (exit 1) instead of recording the error and going on.")
    var strict = false

    @Option(name: .long, help: "A folder to look scene ids up by base name (repeatable): DIR/<scan>.{json,obj,ply} or DIR/<scan>/<scan>.{…}.")
    var scenes: [String] = []

    @Option(name: .long, help: "Shared data folder that `$DATA` in scene manifests refers to (default: $VLNSIM_DATA or ../shared/data).")
    var data: String?

    @Flag(name: .long, help: "Run the full perception loop: render, ground-truth encoder and token memory before every action.")
    var perception = false

    @Option(name: .long, help: "Sensor resolution of --perception, pixels: N (N×N) or WxH (VLN-CE: 256).")
    var resolution: String = "256"

    @Option(name: .long, help: "Ground-truth patch side of --perception, pixels (16: an 8×8 grid at 128, 16×16 at 256).")
    var patchSize: Int = 16

    @Option(name: .long, help: "Model cache for --perception (default: $VLNSIM_MODELS or ~/.cache/vlnsim).")
    var models: String?

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    func validate() throws {
        guard (1...256).contains(workers) else { throw ValidationError("--workers must be within 1…256") }
        guard (1...100_000).contains(maxSteps) else { throw ValidationError("--max-steps must be within 1…100000") }
        guard successDistance.isFinite, successDistance > 0 else { throw ValidationError("--success-distance must be a positive number of metres") }
        guard !out.isEmpty else { throw ValidationError("--out must name a folder") }
        if let shard { do { _ = try Shard(parsing: shard.text) } catch let e as VLNError { throw ValidationError(e.description) } }
        do { _ = try BaselinePlanners.parse(planner) } catch let e as VLNError { throw ValidationError(e.description) }
        do { try perceptionSettings().validate() } catch let e as VLNError { throw ValidationError(e.description) }
        if !perception && (resolution != "256" || patchSize != 16 || models != nil) {
            throw ValidationError("--resolution, --patch-size and --models set the perception loop: add --perception")
        }
    }

    /// `--resolution` and `--patch-size` as settings.
    /// - Throws: `VLNError.invalidValue(field: "--resolution", …)` for text that is not N or WxH.
    func perceptionSettings() throws -> PerceptionSettings {
        let parts = resolution.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let w = parts[0], let h = parts.last! else {
            throw VLNError.invalidValue(field: "--resolution", reason: "'\(resolution)': give N (N×N pixels) or WxH, e.g. 128 or 320x240")
        }
        return PerceptionSettings(width: w, height: h, patchSize: patchSize)
    }

    func run() throws {
        try reportingErrors {
            var config = BenchRunConfiguration(suitePath: suite, planners: try BaselinePlanners.parse(planner), outDirectory: out,
                                               vlnsimVersion: vlnsimVersion)
            config.settings = BenchSettings(maxSteps: maxSteps, successDistance: successDistance, dtw: dtw, seed: seed,
                                            perception: perception ? try perceptionSettings() : nil)
            if perception { config.textEncoder = try MiniLM(models: models) }
            config.workers = workers
            config.shard = try shard.map { try Shard(parsing: $0.text) } ?? .all
            config.resume = resume
            config.strict = strict
            config.trajectories = trajectories
            config.sceneDirectories = scenes
            config.dataPath = data ?? DataPath.resolve()
            config.progress = !quiet
            let report = try BenchRunner.run(config)
            print(report.markdown, terminator: "")
            var done = "\(report.ran) episode results in \(String(format: "%.1f", report.seconds)) s"
            if report.alreadyDone > 0 { done += " (\(report.alreadyDone) already done)" }
            if report.errors > 0 { done += "; \(report.errors) failed (error lines in episodes.jsonl)" }
            FileHandle.standardError.write(Data("\(done); wrote \(out)/manifest.json, episodes.jsonl, summary.md, summary.csv, summary.json, summary.png\(trajectories ? ", trajectories/" : "")\n".utf8))
        }
    }
}

struct BenchMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the run folders of all the shards of one run into one folder.",
        discussion: """
        Every folder must be a finished shard (`bench run --shard i/n`, all i of one n) of the same run: the same \
        suite (SHA-256), planners, planner settings, run settings and versions; otherwise the merge is refused, naming \
        the folder and the differing fields, and nothing is written. The output has the layout of a single run \
        (manifest.json with merged_from, episodes.jsonl sorted by planner and suite order, summary.md/.csv/.json/.png, \
        trajectories/), and its results equal those of an unsharded run.
        """)

    @Argument(help: "The shard folders.")
    var directories: [String]

    @Option(name: .long, help: "Output folder (must not hold a run).")
    var out: String

    func validate() throws {
        guard !directories.isEmpty else { throw ValidationError("give the shard folders to merge") }
    }

    func run() throws {
        try reportingErrors {
            let report = try BenchMerge.merge(directories: directories, out: out)
            print(report.markdown, terminator: "")
            FileHandle.standardError.write(Data("merged \(report.results) results from \(directories.count) shards into \(out)\n".utf8))
        }
    }
}
