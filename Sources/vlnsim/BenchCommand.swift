import ArgumentParser
import Foundation
import VLNBench
import VLNCore
import VLNEpisodes
import VLNMeasures

extension DTWMode: ExpressibleByArgument {}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: run planners over a suite (default: `bench run`), merge shards, score recorded trajectories.",
        discussion: """
        `vlnsim bench --suite FILE --planner oracle,forward` is `vlnsim bench run …`: see `vlnsim bench run --help` \
        for the options and the output folder (manifest.json, episodes.jsonl, summary.md/.csv/.json/.png, \
        trajectories/<planner>/<episode_id>.png). `vlnsim bench merge DIR… --out DIR` joins the folders of the shards \
        of one run; `vlnsim bench evaluate` scores trajectories recorded by any simulator.
        """,
        subcommands: [BenchRunCommand.self, BenchMergeCommand.self, BenchEvaluateCommand.self],
        defaultSubcommand: BenchRunCommand.self)
}

/// One line of a trajectories file.
struct TrajectoryLine {
    var episodeID: String
    var trajectory: AgentTrajectory
    var line: Int
}

struct BenchEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score trajectories recorded by any simulator against a VLN-CE episode file.",
        discussion: """
        --trajectories is JSON Lines, one episode per line: {"episode_id": 17, "positions": [[x, y, z], ...], \
        "stop_called": true} with optional "steps" (actions taken, STOP included; default: positions − 1) and \
        "collisions". Positions: world frame (Habitat: Y up), metres, the start first, then one per action.

        Measures as VLN-CE defines them: NE (distance_to_goal), success (STOP called and NE < --success-distance, \
        strict; VLN-CE: 3.0 m), oracle success and oracle NE (closest point of the path), SPL = S·d0/max(d0, PL) \
        (Anderson et al. 2018; d0 = info.geodesic_distance; SPL = S when both are 0), path length (euclidean), steps, \
        collisions, nDTW = exp(−DTW(P, R)/(|R|·3.0)) and SDTW = S·nDTW (Magalhães et al. 2019; a position is appended \
        to P only when it moves). R is the episode's reference_path, or the ground-truth file's locations with \
        --ground-truth (what VLN-CE's nDTW uses). --dtw fastdtw reproduces the fastdtw package VLN-CE calls.

        Goal distance is euclidean here: geodesic distance comes with the simulator hookup. With a euclidean distance \
        every goal is reachable; when a goal distance is unreachable (infinite NE), the episode's distance_to_goal is \
        null with "goal_reachable": false, and the summary's NE is the mean over the episodes with a finite NE, the \
        others counted apart (they still count as failures in SR, SPL and SDTW).

        Output: per-episode measures as JSON Lines on stdout (or --out FILE, written atomically), then the summary \
        (on stderr when the lines go to stdout, on stdout with --out). A trajectory line for an episode not in the \
        episode file, a duplicate line or a malformed line is an error naming the line and the episode: nothing is \
        written and the exit status is 1.
        """)

    @Option(name: .long, help: "VLN-CE episode file (.json or .json.gz).")
    var episodes: String

    @Option(name: .long, help: "Trajectories, JSON Lines (one episode per line).")
    var trajectories: String

    @Option(name: .long, help: "VLN-CE ground-truth file (.json/.json.gz): its locations are nDTW's reference path.")
    var groundTruth: String?

    @Option(name: .long, help: "DTW for nDTW/SDTW: exact (default) or fastdtw (as VLN-CE's published numbers).")
    var dtw: DTWMode = .exact

    @Option(name: .long, help: "Success distance in metres (VLN-CE: 3.0); also nDTW's threshold.")
    var successDistance: Double = 3.0

    @Option(name: .long, help: "Write the per-episode JSON Lines here instead of stdout.")
    var out: String?

    func validate() throws {
        guard successDistance.isFinite, successDistance > 0 else { throw ValidationError("--success-distance must be a positive number of metres") }
    }

    func run() throws {
        try reportingErrors {
            let dataset = try VLNCEDataset.load(path: episodes)
            var byID: [String: VLNCEEpisode] = [:]
            for e in dataset.episodes { byID[e.episodeID.description] = e }
            let groundTruth = try self.groundTruth.map { try VLNCEGroundTruth.load(path: $0) }
            let lines = try Self.readTrajectories(path: trajectories, known: byID)
            let settings = MeasureSettings(successDistance: successDistance, dtw: dtw, goalDistance: .euclidean)
            var all: [EpisodeMeasures] = []
            var output = Data()
            for t in lines {
                let e = byID[t.episodeID]!
                var reference = e.referencePath
                if let groundTruth {
                    guard let gt = groundTruth.paths[t.episodeID] else {
                        throw VLNError.badFile(path: self.groundTruth!, field: "episode \(t.episodeID)", reason: "no ground-truth path for this episode")
                    }
                    reference = gt.locations
                }
                let m = computeMeasures(t.trajectory, episode: MeasureEpisode(goals: e.goals.map(\.position),
                                                                                shortestPathLength: e.geodesicDistance,
                                                                                referencePath: reference), settings: settings)
                all.append(m)
                output.append(try Self.line(e.episodeID, m).jsonData())
                output.append(UInt8(ascii: "\n"))
            }
            let summary = Self.summaryText(MeasureSummary(all), episodesInFile: dataset.episodes.count, settings: settings)
            if let out {
                try writeAtomically(output, to: out)
                print(summary, terminator: "")
            } else {
                FileHandle.standardOutput.write(output)
                FileHandle.standardError.write(Data(summary.utf8))
            }
        }
    }

    static func line(_ id: EpisodeID, _ m: EpisodeMeasures) -> JSONValue {
        var o = measureFields(m)
        o["episode_id"] = id.json
        return .object(o)
    }

    static func summaryText(_ s: MeasureSummary, episodesInFile: Int, settings: MeasureSettings) -> String {
        var t = "summary: \(s.episodes) episodes scored (of \(episodesInFile) in the episode file); goal distance \(settings.goalDistance.name), "
        t += "DTW \(settings.dtw.rawValue), success distance \(settings.successDistance) m\n"
        let row = SummaryRow(planner: nil, measures: s)
        t += SummaryTable.markdown([row])
        t += SummaryTable.unreachableNote(row) + "\n"
        return t
    }

    /// Reads the trajectories file; every episode id must be in `known`, once.
    static func readTrajectories(path: String, known: [String: VLNCEEpisode]) throws -> [TrajectoryLine] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw VLNError.io(path: path, reason: "cannot read: \((error as NSError).localizedDescription)")
        }
        var out: [TrajectoryLine] = []
        var seen: [String: Int] = [:]
        for (k, raw) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let lineNumber = k + 1
            if raw.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            let value: JSONValue
            do { value = try JSONDecoder().decode(JSONValue.self, from: Data(raw)) } catch {
                throw VLNError.badFile(path: path, line: lineNumber, reason: "invalid JSON")
            }
            guard case let .object(o) = value else { throw VLNError.badFile(path: path, line: lineNumber, reason: "a line must be a JSON object") }
            let id: String
            switch o["episode_id"] {
            case let .int(i)?: id = String(i)
            case let .string(s)?: id = s
            default: throw VLNError.badFile(path: path, line: lineNumber, field: "episode_id", reason: "missing or not an integer or string")
            }
            func fail(_ field: String, _ reason: String) -> VLNError {
                .badFile(path: path, line: lineNumber, field: "episode \(id): \(field)", reason: reason)
            }
            guard known[id] != nil else { throw fail("episode_id", "episode \(id) is not in the episode file") }
            if let first = seen[id] { throw fail("episode_id", "episode \(id) already has a trajectory on line \(first)") }
            seen[id] = lineNumber
            guard case let .array(ps)? = o["positions"] else { throw fail("positions", "missing required field 'positions' (an array of [x, y, z])") }
            let positions = try ps.enumerated().map { j, p -> MeasurePoint in
                guard case let .array(a) = p, a.count == 3, let x = a[0].number, let y = a[1].number, let z = a[2].number,
                      x.isFinite, y.isFinite, z.isFinite else { throw fail("positions[\(j)]", "must be [x, y, z], three finite numbers") }
                return MeasurePoint(x, y, z)
            }
            guard !positions.isEmpty else { throw fail("positions", "empty: the start position at least is needed") }
            guard case let .bool(stop)? = o["stop_called"] else { throw fail("stop_called", "missing required field 'stop_called' (true or false)") }
            func count(_ key: String) throws -> Int? {
                switch o[key] {
                case nil, .null?: return nil
                case let .int(i)? where i >= 0: return i
                default: throw fail(key, "must be a non-negative integer")
                }
            }
            out.append(TrajectoryLine(episodeID: id, trajectory: AgentTrajectory(positions: positions, stopCalled: stop, steps: try count("steps"),
                                                                                   collisions: try count("collisions")), line: lineNumber))
        }
        return out
    }
}
