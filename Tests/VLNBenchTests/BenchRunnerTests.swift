import Foundation
import VLNBenchTestSupport
import VLNCore
import VLNDraw
import VLNEpisodes
import VLNImage
import VLNMeasures
import VLNScene
import VLNSim
import VLNTestSupport
import XCTest
@testable import VLNBench

/// Helpers shared by the runner's tests: small suites in generated house 1 (and 2), runs with the progress bar off.
enum Bench {
    /// Six episodes in house 1, 2–6 m apart (made once per test process).
    static let house1: [JSONValue] = try! SuiteFixture.episodes(houseSeed: 1, count: 6, firstID: 101, seed: 7, distances: 2...6)
    /// Three episodes in house 1 whose start sees the goal and faces it, 3.5–7 m apart.
    static let straight: [JSONValue] = try! SuiteFixture.episodes(houseSeed: 1, count: 3, firstID: 201, seed: 11, distances: 3.5...7, straight: true)
    /// Two episodes in house 2.
    static let house2: [JSONValue] = try! SuiteFixture.episodes(houseSeed: 2, count: 2, firstID: 301, seed: 5, distances: 2...6)

    static func write(_ episodes: [JSONValue], in dir: String, name: String = "suite.json") throws -> String {
        let path = dir + "/" + name
        try SuiteFixture.write(episodes, to: path)
        return path
    }

    @discardableResult
    static func run(_ suite: String, _ planners: [any Planner], out: String, workers: Int = 1, shard: Shard = .all, resume: Bool = false,
                    strict: Bool = false, settings: BenchSettings = .init(), trajectories: Bool = false) throws -> BenchRunReport {
        var c = BenchRunConfiguration(suitePath: suite, planners: planners, outDirectory: out, vlnsimVersion: "test")
        c.workers = workers; c.shard = shard; c.resume = resume; c.strict = strict; c.settings = settings
        c.trajectories = trajectories; c.progress = false; c.log = { _ in }
        return try BenchRunner.run(c)
    }

    @discardableResult
    static func run(_ suite: String, _ planners: String, out: String, workers: Int = 1, shard: Shard = .all, resume: Bool = false,
                    strict: Bool = false, settings: BenchSettings = .init(), trajectories: Bool = false) throws -> BenchRunReport {
        try run(suite, try BaselinePlanners.parse(planners), out: out, workers: workers, shard: shard, resume: resume, strict: strict,
                settings: settings, trajectories: trajectories)
    }

    /// The lines of `dir/episodes.jsonl` without timing, by (planner, episode id); fails on a repeated key.
    static func results(_ dir: String, file: StaticString = #filePath, line: UInt = #line) throws -> [ResultKey: JSONValue] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/episodes.jsonl"))
        var out: [ResultKey: JSONValue] = [:]
        for raw in data.split(separator: UInt8(ascii: "\n")) {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(raw))
            guard case let .object(o) = value, case let .string(p)? = o["planner"] else { XCTFail("bad line", file: file, line: line); continue }
            let id: String
            switch o["episode_id"] { case let .int(i)?: id = String(i); case let .string(s)?: id = s; default: id = "?" }
            let key = ResultKey(planner: p, episode: id)
            XCTAssertNil(out[key], "\(key) twice", file: file, line: line)
            out[key] = EpisodeRecord.comparable(value)
        }
        return out
    }

    static func object(_ v: JSONValue?) -> [String: JSONValue] { if case let .object(o)? = v { return o } else { return [:] } }
    static func number(_ v: JSONValue?) -> Double { v?.number ?? .nan }
}

final class BenchRunnerTests: XCTestCase {
    // MARK: Pieces

    func testSHA256KnownAnswers() {
        XCTAssertEqual(sha256Hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(sha256Hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(sha256Hex(Data(String(repeating: "a", count: 1000).utf8)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testEpisodeSeedIsAStableHash() {
        // The same number in every process (checked against an independent Python FNV-1a + SplitMix64 finaliser).
        XCTAssertEqual(episodeSeed(runSeed: 0, episodeID: "17"), 3_814_147_857_707_799_366)
        XCTAssertEqual(episodeSeed(runSeed: 1, episodeID: "17"), 4_860_402_497_695_571_157)
        XCTAssertNotEqual(episodeSeed(runSeed: 0, episodeID: "18"), episodeSeed(runSeed: 0, episodeID: "17"))
    }

    func testShardArguments() throws {
        XCTAssertEqual(try Shard(parsing: "3/4"), try Shard(index: 3, count: 4))
        for bad in ["5/4", "4/4", "0/0", "-1/2", "1", "a/b", "1/2/3"] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad) { e in XCTAssertTrue("\(e)".contains("--shard"), "\(e)") }
        }
        XCTAssertThrowsError(try Shard(parsing: "5/4")) { e in XCTAssertTrue("\(e)".contains("0 ≤ i < n"), "\(e)") }
        let s = try Shard(index: 1, count: 3)
        XCTAssertEqual((0..<7).filter { s.contains(unit: $0) }, [1, 4])
    }

    func testPlannerNames() throws {
        XCTAssertEqual(try BaselinePlanners.parse("oracle, forward,random").map(\.name), ["oracle", "forward", "random"])
        XCTAssertThrowsError(try BaselinePlanners.parse("oracle,teleport")) { e in XCTAssertTrue("\(e)".contains("teleport"), "\(e)") }
        XCTAssertThrowsError(try BaselinePlanners.parse("oracle,oracle"))
        XCTAssertThrowsError(try BaselinePlanners.parse(""))
    }

    func testRandomAndHandcraftedDrawFromTheEpisodeSeed() throws {
        let episode = PlannerEpisode(episodeID: "1", sceneID: "s", instruction: "", start: AgentState(position: .zero, heading: 0),
                                     goals: [.zero], chain: nil, maxSteps: 500)
        func actions(_ p: any Planner, seed: UInt64, count: Int) throws -> [AgentAction] {
            let policy = try p.policy(for: episode, context: PlannerContext(seed: seed, chainState: nil))
            let sim = try Simulator(scene: HouseGenerator(seed: 1).generate())
            return (0..<count).map { _ in policy(sim) }
        }
        XCTAssertEqual(try actions(RandomPlanner(), seed: 5, count: 200), try actions(RandomPlanner(), seed: 5, count: 200))
        XCTAssertNotEqual(try actions(RandomPlanner(), seed: 5, count: 200), try actions(RandomPlanner(), seed: 6, count: 200))
        // Frequencies near (0.02, 0.68, 0.15, 0.15) over many draws.
        let many = try actions(RandomPlanner(), seed: 9, count: 20_000)
        XCTAssertEqual(Double(many.filter { $0 == .moveForward }.count) / 20_000, 0.68, accuracy: 0.015)
        XCTAssertEqual(Double(many.filter { $0 == .stop }.count) / 20_000, 0.02, accuracy: 0.005)
        // Hand-crafted: right turns (0…24), then 37 forward, then STOP.
        let h = try actions(HandcraftedPlanner(), seed: 3, count: 70)
        let turns = h.prefix { $0 == .turnRight }.count
        XCTAssertLessThanOrEqual(turns, 24)
        XCTAssertEqual(Array(h[turns..<(turns + 37)]), Array(repeating: .moveForward, count: 37))
        XCTAssertEqual(h[turns + 37], .stop)
    }

    // MARK: Suites

    func testSuiteUnitsChainsAndShards() throws {
        let dir = try makeTempDir()
        let e = Bench.house1
        func chained(_ ep: JSONValue, _ id: String, _ k: Int) -> JSONValue {
            SuiteFixture.setting(ep, "chain", .object(["id": .string(id), "index": .int(k)]))
        }
        // Suite order: e0, c[1], e1, c[0], e2 → units: e0 (0), chain c (1: episodes c[0], c[1]), e1 (2), e2 (3).
        let path = try Bench.write([e[0], chained(e[3], "c", 1), e[1], chained(e[4], "c", 0), e[2]], in: dir)
        let suite = try BenchSuite.load(path: path)
        XCTAssertEqual(suite.units.map(\.episodes), [[0], [3, 1], [2], [4]])
        XCTAssertEqual(suite.units.map(\.chainID), [nil, "c", nil, nil])
        let shard1 = try Shard(index: 1, count: 2)
        XCTAssertEqual(suite.units(in: shard1).map(\.index), [1, 3])
        XCTAssertEqual(suite.sha256.count, 64)

        // A repeated id or chain index is the suite's error; a chain episode in another house is that episode's.
        XCTAssertThrowsError(try BenchSuite.load(path: try Bench.write([e[0], e[0]], in: dir, name: "dup.json"))) { err in
            XCTAssertTrue("\(err)".contains("101") && "\(err)".contains("twice"), "\(err)")
        }
        XCTAssertThrowsError(try BenchSuite.load(path: try Bench.write([chained(e[0], "c", 0), chained(e[1], "c", 0)], in: dir, name: "ci.json"))) { err in
            XCTAssertTrue("\(err)".contains("chain 'c' has two episodes with index 0"), "\(err)")
        }
        let other = SuiteFixture.setting(chained(e[1], "c", 1), "scene_id", .string("generated/house-2"))
        let mixed = try BenchSuite.load(path: try Bench.write([chained(e[0], "c", 0), other], in: dir, name: "mixed.json"))
        guard case let .failure(err) = mixed.episodes[1].episode else { return XCTFail("expected the second episode to fail") }
        XCTAssertTrue(err.description.contains("episode 102: scene_id") && err.description.contains("generated/house-1"), err.description)
        // Whole-suite errors.
        XCTAssertThrowsError(try BenchSuite.load(path: try Bench.write([], in: dir, name: "empty.json"))) { err in
            XCTAssertTrue("\(err)".contains("no episodes"), "\(err)")
        }
        try Data("{\"episodes\": [".utf8).write(to: URL(fileURLWithPath: dir + "/cut.json"))
        XCTAssertThrowsError(try BenchSuite.load(path: dir + "/cut.json")) { err in XCTAssertTrue("\(err)".contains("cut.json"), "\(err)") }
    }

    // MARK: Values

    /// Oracle: SR = 1 on easy episodes. Forward-only from a start that faces a goal in sight: every step moves
    /// 0.25 m, so PL = steps × 0.25 m and NE = d − PL.
    func testSummaryValuesOnAHandMadeSuite() throws {
        let dir = try makeTempDir()
        let suite = try Bench.write(Bench.straight, in: dir)
        // Forward steps that stop short of each goal: the smallest floor(d / 0.25) − 2 over the three episodes.
        let distances = Bench.straight.map { Bench.number(Bench.object(Bench.object($0)["info"])["geodesic_distance"]) }
        let n = distances.map { Int(($0 / 0.25).rounded(.down)) - 2 }.min()!
        let report = try Bench.run(suite, [OraclePlanner(), ForwardOnlyPlanner(forwardSteps: n)], out: dir + "/out")
        XCTAssertEqual(report.rows.map(\.planner), ["oracle", "forward"])
        let oracle = report.rows[0].measures, forward = report.rows[1].measures
        XCTAssertEqual(oracle.episodes, 3)
        XCTAssertEqual(oracle.success, 1)
        XCTAssertEqual(oracle.oracleSuccess, 1)
        XCTAssertLessThan(oracle.distanceToGoal!, 0.3)
        XCTAssertGreaterThan(oracle.spl!, 0.9)
        XCTAssertLessThanOrEqual(oracle.spl!, 1)
        XCTAssertEqual(report.rows[0].errors, 0)

        let results = try Bench.results(dir + "/out")
        for (ep, d) in zip(Bench.straight, distances) {
            guard case let .int(id)? = Bench.object(ep)["episode_id"] else { return XCTFail() }
            let r = Bench.object(results[ResultKey(planner: "forward", episode: String(id))])
            XCTAssertEqual(r["collisions"], .int(0), "\(id)")
            XCTAssertEqual(r["steps"], .int(n + 1), "\(id): n forward and STOP")
            XCTAssertEqual(Bench.number(r["path_length"]), Double(n) * 0.25, accuracy: 1e-4, "\(id)")
            XCTAssertEqual(Bench.number(r["distance_to_goal"]), d - Double(n) * 0.25, accuracy: 0.06, "\(id): straight line, one grid cell")
            XCTAssertEqual(r["stop_called"], .bool(true))
            XCTAssertEqual(Bench.number(r["success"]), Bench.number(r["distance_to_goal"]) < 3 ? 1 : 0)
            XCTAssertEqual(Bench.number(r["spl"]), Bench.number(r["success"]), accuracy: 1e-12, "PL < d0: SPL = S")
        }
        XCTAssertEqual(forward.pathLength!, Double(n) * 0.25, accuracy: 1e-4)
        XCTAssertEqual(forward.collisions, 0)

        // The summary files.
        let csv = try String(contentsOfFile: dir + "/out/summary.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        XCTAssertTrue(csv[1].hasPrefix("oracle,3,0,"), String(csv[1]))
        let md = try String(contentsOfFile: dir + "/out/summary.md", encoding: .utf8)
        XCTAssertTrue(md.contains("| oracle | 3 | 0 |"), md)
        XCTAssertTrue(md.contains("| 1.0000 | 1.0000 |"), md)
        XCTAssertTrue(md.contains("unreachable goal (infinite NE)"), md)
        let json = try readJSONValue(path: dir + "/out/summary.json")
        guard case let .array(rows)? = Bench.object(json)["planners"] else { return XCTFail("summary.json planners") }
        XCTAssertEqual(Bench.number(Bench.object(rows[0])["sr"]), 1)
        let png = try PNGSize.read(dir + "/out/summary.png")
        XCTAssertEqual(png.width, 1000)
        XCTAssertEqual(Set(filesIn(dir + "/out")), ["manifest.json", "episodes.jsonl", "summary.md", "summary.csv", "summary.json", "summary.png"])
    }

    // MARK: Determinism

    func testResultsAreIdenticalWithOneAndTwoWorkersAndAcrossShards() throws {
        let dir = try makeTempDir()
        let suite = try Bench.write(Array(Bench.house1.prefix(4)) + Array(Bench.house2.prefix(2)), in: dir)
        try Bench.run(suite, "forward,random", out: dir + "/w1", workers: 1)
        try Bench.run(suite, "forward,random", out: dir + "/w2", workers: 2)
        let one = try Bench.results(dir + "/w1")
        XCTAssertEqual(one.count, 12)
        XCTAssertEqual(one, try Bench.results(dir + "/w2"))

        // Two shards, merged: the same lines, and summaries equal to the single run's.
        try Bench.run(suite, "forward,random", out: dir + "/s0", shard: try Shard(index: 0, count: 2))
        try Bench.run(suite, "forward,random", out: dir + "/s1", workers: 2, shard: try Shard(index: 1, count: 2))
        XCTAssertEqual(try Bench.results(dir + "/s0").count, 6)
        let merged = try BenchMerge.merge(directories: [dir + "/s1", dir + "/s0"], out: dir + "/merged")
        XCTAssertEqual(merged.results, 12)
        XCTAssertEqual(try Bench.results(dir + "/merged"), one)
        let plain = { (p: String) in try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") } }
        XCTAssertEqual(try plain(dir + "/merged/summary.csv"), try plain(dir + "/w1/summary.csv"), "every column but steps/s")
        // merged episodes.jsonl is in planner and suite order
        let firstLine = try String(contentsOfFile: dir + "/merged/episodes.jsonl", encoding: .utf8).prefix { $0 != "\n" }
        XCTAssertTrue(firstLine.contains("\"planner\":\"forward\"") && firstLine.contains("\"suite_index\":0"), String(firstLine))
    }

    func testMergeRefusesShardsOfAnotherRun() throws {
        let dir = try makeTempDir()
        let suite = try Bench.write(Array(Bench.house1.prefix(4)), in: dir)
        let s0 = try Shard(index: 0, count: 2), s1 = try Shard(index: 1, count: 2)
        try Bench.run(suite, "forward", out: dir + "/a0", shard: s0)
        try Bench.run(suite, "forward", out: dir + "/a1", shard: s1)
        try Bench.run(suite, "random", out: dir + "/p1", shard: s1)
        try Bench.run(suite, "forward", out: dir + "/m1", shard: s1, settings: BenchSettings(maxSteps: 20))
        let other = try Bench.write(Array(Bench.house1.suffix(4)), in: dir, name: "other.json")
        try Bench.run(other, "forward", out: dir + "/o1", shard: s1)
        try Bench.run(suite, "forward", out: dir + "/t1", shard: try Shard(index: 1, count: 3))

        func refused(_ dirs: [String], _ mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try BenchMerge.merge(directories: dirs.map { dir + "/" + $0 }, out: dir + "/merged"), file: file, line: line) { e in
                for m in mentions { XCTAssertTrue("\(e)".contains(m), "'\(m)' not in: \(e)", file: file, line: line) }
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/merged/manifest.json"), file: file, line: line)
        }
        refused(["a0", "p1"], ["p1", "planners"])
        refused(["a0", "m1"], ["m1", "max_steps"])
        refused(["a0", "o1"], ["o1", "suite.sha256"])
        refused(["a0", "t1"], ["shard counts"])
        refused(["a0"], ["missing shard(s) 1/2"])
        refused(["a0", "a0"], ["twice"])
        // An unfinished shard (a result missing, a torn line).
        let lines = try String(contentsOfFile: dir + "/a1/episodes.jsonl", encoding: .utf8).split(separator: "\n")
        try Data((lines.dropLast().joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/a1/episodes.jsonl"))
        refused(["a0", "a1"], ["1 of its 2 results", "resume"])
        try Data((lines.joined(separator: "\n") + "\n" + "{\"planner\":\"for").utf8).write(to: URL(fileURLWithPath: dir + "/a1/episodes.jsonl"))
        refused(["a0", "a1"], ["torn"])
    }

    // MARK: Resume

    /// A run cut after k results with a torn (k+1)-th line, then resumed, gives exactly the uninterrupted run's lines.
    func testResumeAfterATornLineEqualsAnUninterruptedRun() throws {
        let dir = try makeTempDir()
        let suite = try Bench.write(Bench.house1, in: dir)
        try Bench.run(suite, "forward,random", out: dir + "/full")
        let full = try Bench.results(dir + "/full")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/full/episodes.jsonl"))
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        try FileManager.default.createDirectory(atPath: dir + "/cut", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir + "/full/manifest.json", toPath: dir + "/cut/manifest.json")
        var cut = Data(lines.prefix(5).joined(separator: [UInt8(ascii: "\n")])) + Data("\n".utf8)
        cut += lines[5].prefix(lines[5].count / 2)
        try cut.write(to: URL(fileURLWithPath: dir + "/cut/episodes.jsonl"))
        let report = try Bench.run(suite, "forward,random", out: dir + "/cut", resume: true)
        XCTAssertEqual(report.alreadyDone, 5)
        XCTAssertEqual(report.ran, 7)
        XCTAssertEqual(try Bench.results(dir + "/cut"), full)
        // Resuming a finished run runs nothing.
        XCTAssertEqual(try Bench.run(suite, "forward,random", out: dir + "/cut", resume: true).ran, 0)
        XCTAssertEqual(try Bench.results(dir + "/cut"), full)
    }

    func testResumeRefusesAnotherRunAndChangesNothing() throws {
        let dir = try makeTempDir()
        let suite = try Bench.write(Array(Bench.house1.prefix(3)), in: dir)
        try Bench.run(suite, "forward", out: dir + "/out")
        let before = try [String](["manifest.json", "episodes.jsonl", "summary.md"]).map { try Data(contentsOf: URL(fileURLWithPath: dir + "/out/" + $0)) }
        func refused(_ body: () throws -> Void, _ mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            XCTAssertThrowsError(try body(), file: file, line: line) { e in
                for m in mentions { XCTAssertTrue("\(e)".contains(m), "'\(m)' not in: \(e)", file: file, line: line) }
            }
            let after = try ["manifest.json", "episodes.jsonl", "summary.md"].map { try Data(contentsOf: URL(fileURLWithPath: dir + "/out/" + $0)) }
            XCTAssertEqual(after, before, "files changed", file: file, line: line)
        }
        try refused({ try Bench.run(suite, "random", out: dir + "/out", resume: true) }, ["--resume refused", "planners"])
        try refused({ try Bench.run(suite, "forward", out: dir + "/out", resume: true, settings: BenchSettings(seed: 3)) }, ["seed"])
        try refused({ try Bench.run(suite, "forward", out: dir + "/out", shard: try Shard(index: 0, count: 2), resume: true) }, ["shard"])
        let other = try Bench.write(Array(Bench.house1.suffix(3)), in: dir, name: "other.json")
        try refused({ try Bench.run(other, "forward", out: dir + "/out", resume: true) }, ["suite.sha256"])
        try refused({ try Bench.run(suite, "forward", out: dir + "/out") }, ["already holds a benchmark run", "--resume"])
    }

    // MARK: Bad input

    func testBadEpisodesAreRecordedAndTheRunGoesOn() throws {
        let dir = try makeTempDir()
        let good = Bench.house1
        try Data("this is not an OBJ file\nv 1 2\nf 1 2 3\n".utf8).write(to: URL(fileURLWithPath: dir + "/broken.obj"))
        let bad: [JSONValue] = [
            SuiteFixture.setting(good[1], "info", nil),                                                      // 102: missing field
            SuiteFixture.setting(good[2], "start_position", .array([.double(100), .double(0), .double(100)])), // 103: start off the floor
            SuiteFixture.setting(good[3], "scene_id", .string("mp3d/nowhere/nowhere.glb")),                  // 104: unknown scene
            SuiteFixture.setting(good[4], "scene_id", .string("broken.obj")),                                // 105: unreadable scene
            SuiteFixture.setting(good[5], "events", .array([.object(["step": .int(0), "type": .string("explode")])])),  // 106
        ]
        let suite = try Bench.write([good[0]] + bad, in: dir)
        let report = try Bench.run(suite, "forward", out: dir + "/out")
        XCTAssertEqual(report.errors, 5)
        XCTAssertEqual(report.rows[0].measures.episodes, 1)
        let r = try Bench.results(dir + "/out")
        XCTAssertEqual(r.count, 6)
        XCTAssertNotNil(Bench.object(r[ResultKey(planner: "forward", episode: "101")])["success"])
        func error(_ id: String) -> (message: String, field: String) {
            let o = Bench.object(r[ResultKey(planner: "forward", episode: id)])
            guard case let .string(m)? = o["error"] else { XCTFail("episode \(id) has no error"); return ("", "") }
            guard case let .string(f)? = o["error_field"] else { return (m, "") }
            return (m, f)
        }
        let expected: [(String, String, String)] = [("102", "info", "missing required field 'info'"), ("103", "start_position", "not navigable"),
                                                    ("104", "scene_id", "unknown scene 'mp3d/nowhere/nowhere.glb'"),
                                                    ("105", "scene_id", "broken.obj"), ("106", "events[0].type", "explode")]
        for (id, field, words) in expected {
            let e = error(id)
            XCTAssertTrue(e.message.contains("episode \(id)"), e.message)
            XCTAssertTrue(e.message.contains("suite.json"), e.message)
            XCTAssertEqual(e.field, field, e.message)
            XCTAssertTrue(e.message.contains(words), "'\(words)' not in: \(e.message)")
        }

        // --strict: stops at the first failure (suite order with one worker), which is not recorded.
        XCTAssertThrowsError(try Bench.run(suite, "forward", out: dir + "/strict", strict: true)) { e in
            XCTAssertTrue("\(e)".contains("episode 102") && "\(e)".contains("info"), "\(e)")
        }
        let strict = try Bench.results(dir + "/strict")
        XCTAssertEqual(Array(strict.keys), [ResultKey(planner: "forward", episode: "101")])
    }

    func testWholeSuiteErrorsWriteNothing() throws {
        let dir = try makeTempDir()
        try Data("not gzip at all".utf8).write(to: URL(fileURLWithPath: dir + "/suite.json.gz"))
        XCTAssertThrowsError(try Bench.run(dir + "/suite.json.gz", "forward", out: dir + "/out")) { e in
            XCTAssertTrue("\(e)".contains("suite.json.gz") && "\(e)".contains("gzip"), "\(e)")
        }
        XCTAssertThrowsError(try Bench.run(dir + "/missing.json", "forward", out: dir + "/out")) { e in
            XCTAssertTrue("\(e)".contains("missing.json"), "\(e)")
        }
        XCTAssertEqual(filesIn(dir), ["suite.json.gz"])
        // An output folder that cannot be made.
        let suite = try Bench.write(Array(Bench.house1.prefix(1)), in: dir)
        XCTAssertThrowsError(try Bench.run(suite, "forward", out: suite + "/out")) { e in
            XCTAssertTrue("\(e)".contains("cannot create the output folder") || "\(e)".contains("not a folder"), "\(e)")
        }
    }

    // MARK: Lifelong chains

    /// A chain keeps the scene as its events left it: a box added in the first episode blocks the second, which runs
    /// clear as a single episode. Resumed after its first episode, the chain is replayed and gives the same lines.
    func testChainsKeepTheSceneAndResumeMidChain() throws {
        let dir = try makeTempDir()
        let ep = Bench.straight[0]
        let o = Bench.object(ep)
        guard case let .array(sp)? = o["start_position"], case let .array(goals)? = o["goals"],
              case let .array(gp)? = Bench.object(goals[0])["position"] else { return XCTFail() }
        let start = SIMD3(sp.map(Bench.number)), goal = SIMD3(gp.map(Bench.number))
        // A 0.6 m box a third of the way from start to goal (at most 2.4 m ahead: 12 steps reach it), added at
        // step 0 of the first episode.
        let mid = start + (goal - start) * 0.34
        let box: JSONValue = .array([.object(["step": .int(0), "type": .string("add"), "category": .string("box"),
                                              "position": .array([.double(mid.x), .double(mid.y), .double(mid.z)]),
                                              "size": .array([.double(0.6), .double(0.8), .double(0.6)])])])
        func chained(_ e: JSONValue, id: Int, k: Int) -> JSONValue {
            SuiteFixture.setting(SuiteFixture.setting(e, "episode_id", .int(id)), "chain", .object(["id": .string("life"), "index": .int(k)]))
        }
        let first = SuiteFixture.setting(chained(ep, id: 1, k: 0), "events", box)
        let second = chained(ep, id: 2, k: 1), third = chained(ep, id: 3, k: 2)
        let alone = SuiteFixture.setting(ep, "episode_id", .int(4))
        let suite = try Bench.write([first, alone, second, third], in: dir)
        let forward = ForwardOnlyPlanner(forwardSteps: 12)
        try Bench.run(suite, [forward], out: dir + "/full", workers: 2)
        let full = try Bench.results(dir + "/full")
        func collisions(_ id: String) -> JSONValue? { Bench.object(full[ResultKey(planner: "forward", episode: id)])["collisions"] }
        XCTAssertNotEqual(collisions("1"), .int(0), "the box is in the way")
        XCTAssertNotEqual(collisions("2"), .int(0), "the box stays for the chain's next episode")
        XCTAssertEqual(collisions("4"), .int(0), "a single episode gets the pristine house")

        // Cut after the chain's first result (and the single episode's), then resume.
        let lines = try String(contentsOfFile: dir + "/full/episodes.jsonl", encoding: .utf8).split(separator: "\n")
        let keep = lines.filter { $0.contains("\"episode_id\":1,") || $0.contains("\"episode_id\":4,") }
        XCTAssertEqual(keep.count, 2)
        try FileManager.default.createDirectory(atPath: dir + "/cut", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir + "/full/manifest.json", toPath: dir + "/cut/manifest.json")
        try Data((keep.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/cut/episodes.jsonl"))
        let report = try Bench.run(suite, [forward], out: dir + "/cut", resume: true)
        XCTAssertEqual(report.ran, 2)
        XCTAssertEqual(try Bench.results(dir + "/cut"), full)
    }

    /// The chart from made-up results: the SR bar's height, an NE bar in the unreachable bin, every planner's colour.
    func testSummaryChart() throws {
        func record(_ planner: String, _ id: Int, ne: Double, success: Double) -> EpisodeRecord {
            let m = EpisodeMeasures(distanceToGoal: ne, success: success, oracleSuccess: success, oracleNavigationError: ne, spl: success * 0.5,
                                    pathLength: 5, steps: 20, collisions: 0, ndtw: 0.5, sdtw: 0.5 * success)
            return EpisodeRecord(planner: planner, key: "\(id)", episodeID: .int(id), suiteIndex: id, sceneID: "s", chain: nil, seed: 0,
                                 outcome: .scored(measures: m, stopCalled: true, finalPosition: [0, 0, 0], finalHeadingDeg: 0, stalls: []),
                                 wallSeconds: 0.01)
        }
        let records = [record("a", 0, ne: 0.5, success: 1), record("a", 1, ne: 1.5, success: 1), record("a", 2, ne: 4.5, success: 0),
                       record("a", 3, ne: 2.5, success: 1), record("b", 0, ne: .infinity, success: 0), record("b", 1, ne: 12, success: 0)]
        let rows = ["a", "b"].map { SummaryRow(planner: $0, records: records) }
        XCTAssertEqual(rows[0].measures.success, 0.75)
        XCTAssertEqual(rows[1].measures.unreachableEpisodes, 1)
        let image = BenchSummaryChart.draw(rows: rows, records: records, successDistance: 3, title: "test")
        let dir = try makeTempDir()
        try PNG.write(image, to: dir + "/chart.png")
        let c = Canvas(image: image)
        // SR of "a" = 0.75: its bar (x ≈ 60 + 95 − 2 − width/2) is coloured up to y = 400 − 0.75·330 ≈ 152, not above.
        let a = BenchSummaryChart.colors[0], b = BenchSummaryChart.colors[1]
        let barX = 60 + 95 - 2 - 24
        XCTAssertEqual(c.pixel(x: barX, y: 160), a)
        XCTAssertNotEqual(c.pixel(x: barX, y: 140), a)
        // "b" has a bar in the last (unreachable) bin, at the right end of the NE axis.
        let found = (880...968).contains { x in (100...399).contains { y in c.pixel(x: x, y: y) == b } }
        XCTAssertTrue(found, "no bar in the unreachable bin")
    }

    func testTrajectoryPictures() throws {
        let dir = try makeTempDir()
        let suite = try Bench.write(Array(Bench.house1.prefix(2)), in: dir)
        try Bench.run(suite, "forward", out: dir + "/out", trajectories: true)
        XCTAssertEqual(Set(filesIn(dir + "/out/trajectories/forward")), ["101.png", "102.png"])
        XCTAssertGreaterThan(try PNGSize.read(dir + "/out/trajectories/forward/101.png").width, 100)
    }
}

/// A PNG's size from its IHDR chunk.
enum PNGSize {
    static func read(_ path: String) throws -> (width: Int, height: Int) {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard d.count > 24, d[1] == 0x50, d[2] == 0x4E, d[3] == 0x47 else { throw VLNError.badFile(path: path, reason: "not a PNG") }
        func be(_ o: Int) -> Int { Int(d[o]) << 24 | Int(d[o + 1]) << 16 | Int(d[o + 2]) << 8 | Int(d[o + 3]) }
        return (be(16), be(20))
    }
}
