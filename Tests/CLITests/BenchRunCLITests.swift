import Foundation
import VLNBenchTestSupport
import VLNEpisodes
import VLNTestSupport
import XCTest

/// `vlnsim bench` (run) and `vlnsim bench merge` end to end: a run killed with SIGKILL and resumed, the default
/// subcommand, bad arguments and inputs, merge.
final class BenchRunCLITests: XCTestCase {
    /// 18 episodes in house 1 (made once per test process).
    static let episodes: [JSONValue] = try! SuiteFixture.episodes(houseSeed: 1, count: 18, firstID: 1, seed: 3, distances: 2...7)

    func suite(_ episodes: [JSONValue] = episodes, in dir: String, name: String = "suite.json") throws -> String {
        let path = dir + "/" + name
        try SuiteFixture.write(episodes, to: path)
        return path
    }

    /// `episodes.jsonl` without timing, by "planner/episode_id"; fails on a repeated key.
    func results(_ dir: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: JSONValue] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/episodes.jsonl"))
        var out: [String: JSONValue] = [:]
        for raw in data.split(separator: UInt8(ascii: "\n")) {
            guard case var .object(o) = try JSONDecoder().decode(JSONValue.self, from: Data(raw)), case let .string(p)? = o["planner"],
                  case let .int(id)? = o["episode_id"] else { XCTFail("bad line", file: file, line: line); continue }
            o["timing"] = nil
            XCTAssertNil(out["\(p)/\(id)"], "\(p)/\(id) twice", file: file, line: line)
            out["\(p)/\(id)"] = .object(o)
        }
        return out
    }

    func lineCount(_ path: String) -> Int {
        ((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    /// The built binary, started without waiting.
    func spawn(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("vlnsim")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Killed with SIGKILL once a few lines are written, then resumed (with a torn line appended, as a kill
    /// mid-write leaves): every episode exactly once, equal to an uninterrupted run (which had one worker, the killed
    /// one two).
    func testSIGKILLThenResumeEqualsAnUninterruptedRun() throws {
        let dir = try makeTempDir()
        let s = try suite(in: dir)
        let args = ["bench", "--suite", s, "--planner", "forward,random", "--quiet"]
        let full = try runVLNSim(args + ["--out", dir + "/full"])
        XCTAssertEqual(full.status, 0, full.stderr)
        let expected = try results(dir + "/full")
        XCTAssertEqual(expected.count, 36)

        let p = try spawn(args + ["--out", dir + "/killed", "--workers", "2"])
        let deadline = Date().addingTimeInterval(120)
        while lineCount(dir + "/killed/episodes.jsonl") < 6 && p.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(p.isRunning, "the run ended before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        let written = lineCount(dir + "/killed/episodes.jsonl")
        XCTAssertLessThan(written, 36, "killed after it finished")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/killed/summary.md"))
        // A kill in the middle of a write leaves a torn last line.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/killed/episodes.jsonl"))
        handle.seekToEndOfFile()
        handle.write(Data("{\"collisions\":3,\"distance_to_goal\":1.2".utf8))
        try handle.close()

        let resumed = try runVLNSim(args + ["--out", dir + "/killed", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("torn last line"), resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("(\(written) already done)"), resumed.stderr)
        XCTAssertEqual(try results(dir + "/killed"), expected)
        XCTAssertEqual(lineCount(dir + "/killed/episodes.jsonl"), 36)
        XCTAssertTrue(resumed.stdout.contains("| forward | 18 | 0 |"), resumed.stdout)
    }

    func testDefaultSubcommandHelpAndLayout() throws {
        let bench = try runVLNSim(["bench", "--help"])
        XCTAssertEqual(bench.status, 0)
        for word in ["run", "merge", "evaluate", "manifest.json", "episodes.jsonl"] { XCTAssertTrue(bench.stdout.contains(word), "\(word): \(bench.stdout)") }
        let run = try runVLNSim(["bench", "run", "--help"])
        XCTAssertEqual(run.status, 0)
        for word in ["--suite", "--planner", "--workers", "--resume", "--shard", "--max-steps", "--trajectories", "--strict", "manifest.json",
                     "episodes.jsonl", "summary.md", "summary.csv", "summary.json", "summary.png", "trajectories/<planner>/<episode_id>.png",
                     "SLURM_ARRAY_TASK_ID", "37"] {
            XCTAssertTrue(run.stdout.contains(word), "\(word) not in the help")
        }
        // `bench --suite …` is `bench run --suite …`.
        let dir = try makeTempDir()
        let s = try suite(Array(Self.episodes.prefix(2)), in: dir)
        let r = try runVLNSim(["bench", "--suite", s, "--planner", "forward", "--out", dir + "/out", "--trajectories"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("| planner | episodes | errors | TL (m) | NE (m) | OSR | SR | SPL | nDTW | SDTW | steps | collisions | steps/s |"), r.stdout)
        XCTAssertEqual(Set(filesIn(dir + "/out")), ["manifest.json", "episodes.jsonl", "summary.md", "summary.csv", "summary.json", "summary.png", "trajectories"])
        XCTAssertEqual(Set(filesIn(dir + "/out/trajectories/forward")), ["1.png", "2.png"])
        XCTAssertEqual(try String(contentsOfFile: dir + "/out/summary.md", encoding: .utf8), r.stdout)
        // `bench evaluate` still works beside it.
        let e = try runVLNSim(["bench", "evaluate", "--help"])
        XCTAssertEqual(e.status, 0)
    }

    /// Runs a command that must fail: exit 1 (not a crash, not an ArgumentParser usage error only), stderr naming
    /// `mentions`, nothing in `dir` but the files named.
    func expectFailure(_ args: [String], mentions: [String], in dir: String, leaving: Set<String>, status: Int32 = 1,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try runVLNSim(args)
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)", file: file, line: line) }
        XCTAssertEqual(Set(filesIn(dir)), leaving, "output left behind", file: file, line: line)
    }

    func testBadArgumentsAndSuitesFailBeforeWritingAnything() throws {
        let dir = try makeTempDir()
        let s = try suite(Array(Self.episodes.prefix(2)), in: dir)
        let base = ["bench", "--suite", s, "--planner", "forward", "--out", dir + "/out"]
        try expectFailure(base + ["--shard", "5/4"], mentions: ["--shard", "5/4", "0 ≤ i < n"], in: dir, leaving: ["suite.json"], status: 64)
        try expectFailure(base + ["--shard", "0/0"], mentions: ["--shard", "at least 1"], in: dir, leaving: ["suite.json"], status: 64)
        try expectFailure(["bench", "--suite", s, "--planner", "forward,teleport", "--out", dir + "/out"], mentions: ["teleport"], in: dir,
                          leaving: ["suite.json"], status: 64)
        try expectFailure(["bench", "--suite", s, "--planner", "forward", "--out", s + "/out"], mentions: ["cannot create the output folder"],
                          in: dir, leaving: ["suite.json"])
        try Data("not gzip".utf8).write(to: URL(fileURLWithPath: dir + "/bad.json.gz"))
        try expectFailure(["bench", "--suite", dir + "/bad.json.gz", "--planner", "forward", "--out", dir + "/out"], mentions: ["bad.json.gz", "gzip"],
                          in: dir, leaving: ["suite.json", "bad.json.gz"])
        try Data("{\"episodes\": [{\"episode_id\": 1,".utf8).write(to: URL(fileURLWithPath: dir + "/cut.json"))
        try expectFailure(["bench", "--suite", dir + "/cut.json", "--planner", "forward", "--out", dir + "/out"], mentions: ["cut.json", "invalid JSON"],
                          in: dir, leaving: ["suite.json", "bad.json.gz", "cut.json"])
    }

    func testBadEpisodesAreRecordedAndStrictStops() throws {
        let dir = try makeTempDir()
        let e = Array(Self.episodes.prefix(3))
        let s = try suite([e[0], SuiteFixture.setting(e[1], "goals", nil), SuiteFixture.setting(e[2], "scene_id", .string("generated/house-x"))], in: dir)
        let r = try runVLNSim(["bench", "--suite", s, "--planner", "forward", "--out", dir + "/out"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("episode 2: goals") && r.stderr.contains("missing required field 'goals'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("episode 3: scene_id") && r.stderr.contains("generated/house-x"), r.stderr)
        XCTAssertTrue(r.stdout.contains("| forward | 1 | 2 |"), r.stdout)
        let lines = try results(dir + "/out")
        guard case let .object(o)? = lines["forward/3"], case let .string(error)? = o["error"] else { return XCTFail("no error line for episode 3") }
        XCTAssertTrue(error.contains("unknown scene"), error)

        let strict = try runVLNSim(["bench", "--suite", s, "--planner", "forward", "--out", dir + "/strict", "--strict"])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains("--strict") && strict.stderr.contains("episode 2: goals"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/strict/summary.md"))
    }

    func testShardsMergeAndMergeRefusals() throws {
        let dir = try makeTempDir()
        let s = try suite(Array(Self.episodes.prefix(4)), in: dir)
        let base = ["bench", "--suite", s, "--planner", "forward", "--quiet"]
        for i in 0..<2 { XCTAssertEqual(try runVLNSim(base + ["--shard", "\(i)/2", "--out", dir + "/s\(i)"]).status, 0) }
        XCTAssertEqual(try runVLNSim(base + ["--out", dir + "/single"]).status, 0)
        let m = try runVLNSim(["bench", "merge", dir + "/s0", dir + "/s1", "--out", dir + "/merged"])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertEqual(try results(dir + "/merged"), try results(dir + "/single"))
        XCTAssertTrue(m.stdout.contains("merged from 2 shards"), m.stdout)
        XCTAssertTrue(m.stdout.contains("| forward | 4 | 0 |"), m.stdout)

        XCTAssertEqual(try runVLNSim(["bench", "--suite", s, "--planner", "random", "--quiet", "--shard", "1/2", "--out", dir + "/r1"]).status, 0)
        let refused = try runVLNSim(["bench", "merge", dir + "/s0", dir + "/r1", "--out", dir + "/bad"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("not a shard of the same run") && refused.stderr.contains("planners"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad"))
        let twice = try runVLNSim(["bench", "merge", dir + "/s0", dir + "/s1", "--out", dir + "/merged"])
        XCTAssertEqual(twice.status, 1)
        XCTAssertTrue(twice.stderr.contains("already holds a run"), twice.stderr)

        // Resume with another planner list: refused, nothing changed.
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/single/episodes.jsonl"))
        let other = try runVLNSim(["bench", "--suite", s, "--planner", "forward,random", "--out", dir + "/single", "--resume"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("--resume refused") && other.stderr.contains("planners"), other.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/single/episodes.jsonl")), before)
    }

    /// `--perception` end to end (MiniLM from the model cache): the blind run's results, the stage split in
    /// summary.json, the settings in the manifest; perception options without `--perception` are refused.
    func testPerceptionLoop() throws {
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        let dir = try makeTempDir()
        let s = try suite(Array(Self.episodes.prefix(2)), in: dir)
        let args = ["bench", "--suite", s, "--planner", "oracle,forward", "--quiet", "--models", testModelsPath()]
        let blind = try runVLNSim(Array(args.dropLast(2)) + ["--out", dir + "/blind"])
        XCTAssertEqual(blind.status, 0, blind.stderr)
        let full = try runVLNSim(args + ["--perception", "--resolution", "64", "--out", dir + "/full"])
        XCTAssertEqual(full.status, 0, full.stderr)
        XCTAssertEqual(try results(dir + "/full"), try results(dir + "/blind"))
        XCTAssertTrue(full.stdout.contains("perception loop, CPU ms per action"), full.stdout)
        let summary = try String(contentsOfFile: dir + "/full/summary.json", encoding: .utf8)
        XCTAssertTrue(summary.contains("stage_ms_per_step") && summary.contains("steps_per_cpu_s"), summary)
        let manifest = try String(contentsOfFile: dir + "/full/manifest.json", encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"perception\"") && manifest.contains("\"width\" : 64"), manifest)

        let bad = try runVLNSim(Array(args.dropLast(2)) + ["--resolution", "64", "--out", dir + "/bad"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("add --perception"), bad.stderr)
        let badSize = try runVLNSim(args + ["--perception", "--resolution", "64x", "--out", dir + "/bad"])
        XCTAssertNotEqual(badSize.status, 0)
        XCTAssertTrue(badSize.stderr.contains("--resolution"), badSize.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad"))
    }
}
