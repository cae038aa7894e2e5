import Foundation
import VLNBenchTestSupport
import VLNCore
import VLNEncoders
import VLNEpisodes
import VLNMemory
import VLNScene
import VLNSim
import VLNTestSupport
import XCTest
@testable import VLNBench

/// A text encoder for tests: a 16-value unit vector drawn from a stable hash of the text (no model weights needed;
/// the loop, not the embedding, is under test).
struct HashTextEncoder: TextEncoder {
    let dimension = 16
    func embed(_ text: String) throws -> [Float] {
        var rng = SeededRandom(seed: stableHash64(text))
        let v = (0..<dimension).map { _ in rng.uniform(-1, 1) }
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / n }
    }
}

/// A planner that checks, at every decision, what the perception loop hands it, then acts as the oracle.
struct LookingPlanner: Planner {
    let name = "looking"
    let summary = "the oracle, checking context.perception at every step (test)"
    /// Called with (decision index in the episode, the simulator, the perception state) before the oracle decides.
    let look: @Sendable (Int, Simulator, PerceptionState?) -> Void
    func policy(for episode: PlannerEpisode, context: PlannerContext) throws -> Policy {
        let oracle = try OraclePlanner().policy(for: episode, context: context)
        var k = 0
        return { sim in
            self.look(k, sim, context.perception)
            k += 1
            return oracle(sim)
        }
    }
}

final class PerceptionLoopTests: XCTestCase {
    static let small = PerceptionSettings(width: 64, height: 64, patchSize: 16)

    @discardableResult
    static func run(_ suite: String, _ planners: [any Planner], out: String, workers: Int = 1, perception: PerceptionSettings? = small,
                    resume: Bool = false) throws -> BenchRunReport {
        var c = BenchRunConfiguration(suitePath: suite, planners: planners, outDirectory: out, vlnsimVersion: "test")
        c.workers = workers; c.resume = resume; c.progress = false; c.log = { _ in }
        c.settings = BenchSettings(perception: perception)
        c.textEncoder = HashTextEncoder()
        return try BenchRunner.run(c)
    }

    /// The baselines do not look: the full loop gives the blind loop's lines, with one and two workers; each line's
    /// timing has one rendered frame per action, and summary.json the stage split.
    func testBaselinesGiveTheBlindResultsWithOneAndTwoWorkers() throws {
        let dir = try makeTempDir()
        let suite = try Bench.write(Array(Bench.house1.prefix(3)) + Array(Bench.house2.prefix(1)), in: dir)
        let planners = try BaselinePlanners.parse("oracle,forward,random")
        try Bench.run(suite, planners, out: dir + "/blind")
        try Self.run(suite, planners, out: dir + "/full1", workers: 1)
        try Self.run(suite, planners, out: dir + "/full2", workers: 2)
        let blind = try Bench.results(dir + "/blind")
        XCTAssertEqual(blind.count, 12)
        XCTAssertEqual(try Bench.results(dir + "/full1"), blind)
        XCTAssertEqual(try Bench.results(dir + "/full2"), blind)

        // timing: frames = actions (one view per decision), stage seconds positive.
        let text = try String(contentsOfFile: dir + "/full2/episodes.jsonl", encoding: .utf8)
        for line in text.split(separator: "\n") {
            let o = Bench.object(try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)))
            let t = Bench.object(o["timing"])
            XCTAssertEqual(t["frames"], o["steps"], String(line))
            for k in ["render_s", "encode_s", "memory_s", "policy_s"] { XCTAssertGreaterThan(Bench.number(t[k]), 0, k) }
        }
        let manifest = Bench.object(try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/full1/manifest.json"))))
        let p = Bench.object(Bench.object(manifest["settings"])["perception"])
        XCTAssertEqual(p["width"], .int(64)); XCTAssertEqual(p["height"], .int(64)); XCTAssertEqual(p["patch_size"], .int(16))
        let summary = Bench.object(try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/full1/summary.json"))))
        guard case let .array(rows)? = summary["planners"] else { return XCTFail("no planners in summary.json") }
        for row in rows {
            let stages = Bench.object(Bench.object(row)["stage_ms_per_step"])
            let parts = ["render", "encode", "memory", "policy", "other"].map { Bench.number(stages[$0]) }
            XCTAssertEqual(parts.reduce(0, +), Bench.number(stages["total"]), accuracy: 1e-6 * Bench.number(stages["total"]))
            XCTAssertEqual(stages["frames"], stages["steps"])
        }
        XCTAssertTrue(try String(contentsOfFile: dir + "/full1/summary.md", encoding: .utf8).contains("perception loop, CPU ms per action (worker thread): render"))
    }

    /// A planner sees, at every decision, the view of the state it decides in (the same pixels as an independent
    /// render of the scene from the agent's pose), its ground-truth feature map, and a memory that grew by one frame;
    /// along a lifelong chain the memory is kept.
    func testThePlannerSeesTheCurrentViewAndTheChainsMemory() throws {
        let dir = try makeTempDir()
        func chained(_ e: JSONValue, id: Int, k: Int) -> JSONValue {
            SuiteFixture.setting(SuiteFixture.setting(e, "episode_id", .int(id)), "chain", .object(["id": .string("life"), "index": .int(k)]))
        }
        let suite = try Bench.write([chained(Bench.house1[0], id: 1, k: 0), chained(Bench.house1[1], id: 2, k: 1)], in: dir)
        final class Log: @unchecked Sendable {
            var decisions = 0, framesAtEpisodeStart: [Int] = [], failures: [String] = []
        }
        let log = Log()
        let planner = LookingPlanner { k, sim, perception in
            guard let p = perception, let o = p.observation, let f = p.features else { log.failures.append("no perception at \(k)"); return }
            log.decisions += 1
            if k == 0 { log.framesAtEpisodeStart.append(p.memory.frameCount) }
            if o.step != sim.stepCount || o.agent != sim.agent { log.failures.append("stale view at decision \(k)") }
            if o.rgb.width != 64 || o.depth.height != 64 { log.failures.append("size \(o.rgb.width)×\(o.depth.height)") }
            if (f.patchesHigh, f.patchesWide, f.channels) != (4, 4, 16) { log.failures.append("feature grid \(f.patchesHigh)×\(f.patchesWide)×\(f.channels)") }
            let reference = Observation.render(scene: sim.scene, agent: sim.agent, settings: sim.settings)
            if reference.instanceIds.pixels != o.instanceIds.pixels || reference.depth.pixels != o.depth.pixels {
                log.failures.append("the view differs from an independent render at decision \(k)")
            }
            if p.lastUpdate?.frame != p.memory.frameCount - 1 { log.failures.append("memory not updated at \(k)") }
        }
        let report = try Self.run(suite, [planner], out: dir + "/out")
        XCTAssertEqual(report.errors, 0)
        XCTAssertEqual(log.failures, [])
        XCTAssertGreaterThan(log.decisions, 10)
        XCTAssertEqual(log.framesAtEpisodeStart.count, 2)
        XCTAssertEqual(log.framesAtEpisodeStart.first, 1, "the first view of the chain is the memory's first frame")
        XCTAssertGreaterThan(log.framesAtEpisodeStart.last ?? 0, 1, "the second episode starts with the first one's memory")
    }

    /// Resume refuses to mix the blind loop and the full loop, or two resolutions.
    func testResumeRefusesAnotherPerceptionSetting() throws {
        let dir = try makeTempDir()
        let suite = try Bench.write(Array(Bench.house1.prefix(1)), in: dir)
        let forward = [ForwardOnlyPlanner(forwardSteps: 3)]
        try Bench.run(suite, forward, out: dir + "/blind")
        XCTAssertThrowsError(try Self.run(suite, forward, out: dir + "/blind", resume: true)) { e in
            XCTAssertTrue("\(e)".contains("perception"), "\(e)")
        }
        try Self.run(suite, forward, out: dir + "/full")
        XCTAssertThrowsError(try Self.run(suite, forward, out: dir + "/full", perception: PerceptionSettings(width: 32, height: 32), resume: true)) { e in
            XCTAssertTrue("\(e)".contains("perception"), "\(e)")
        }
        XCTAssertNoThrow(try Self.run(suite, forward, out: dir + "/full", resume: true))

        // Merge refuses a blind shard beside a full one.
        let two = try Bench.write(Array(Bench.house1.prefix(2)), in: dir, name: "two.json")
        try Bench.run(two, forward, out: dir + "/s0", shard: try Shard(index: 0, count: 2))
        var c = BenchRunConfiguration(suitePath: two, planners: forward, outDirectory: dir + "/s1", vlnsimVersion: "test")
        c.shard = try Shard(index: 1, count: 2); c.progress = false; c.log = { _ in }
        c.settings = BenchSettings(perception: Self.small); c.textEncoder = HashTextEncoder()
        _ = try BenchRunner.run(c)
        XCTAssertThrowsError(try BenchMerge.merge(directories: [dir + "/s0", dir + "/s1"], out: dir + "/merged")) { e in
            XCTAssertTrue("\(e)".contains("perception"), "\(e)")
        }
    }

    func testSettingsAreChecked() {
        XCTAssertThrowsError(try PerceptionSettings(width: 4, height: 64).validate())
        XCTAssertThrowsError(try PerceptionSettings(width: 64, height: 64, patchSize: 65).validate())
        XCTAssertNoThrow(try PerceptionSettings(width: 128, height: 128).validate())
    }
}
