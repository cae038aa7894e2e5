import Foundation
import VLNCore
import VLNNavigation
import VLNScene
import VLNSim
import VLNTestSupport
import XCTest

/// The shortest-path oracle (`ShortestPathFollower`): the issue's two stalls, a seeded sweep over generated houses
/// (success within 0.5 m and SPL), and stall reports.
final class OracleFollowerTests: XCTestCase {
    struct Run {
        var result: EpisodeResult
        var stalls: [String]
    }

    func runOracle(_ sim: Simulator, start: AgentState, goal: Vec3, events: [SceneEvent] = [], maxSteps: Int = 500) throws -> Run {
        var stalls: [String] = []
        let policy = ShortestPathFollower(goal: goal).policy { stalls.append($0) }
        let episode = ScriptedEpisode(goal: NavigationGoal(position: goal, radius: 3), actions: [], events: events)
        return Run(result: try sim.run(episode, from: start, policy: policy, maxSteps: maxSteps), stalls: stalls)
    }

    func scene(_ name: String) throws -> Scene {
        try Scene.load(path: packageRoot + "/scenes/" + name, dataPath: testDataPath())
    }

    /// The issue's reproductions: the string-pulled follower stopped 4.74 m short in house_0003's kitchen doorway
    /// and stalled 1.62 m short in house_0002. Now both STOP within 0.5 m with no collision and no stall, on a path
    /// no longer than the geodesic distance (stopping up to 0.25 m early).
    func testTheIssuesReproductionsReachTheGoal() throws {
        for (name, start, headingDeg, goal) in [("house_0003.json", Vec3(1.2, 0, -2.0), Float(0), Vec3(-2.0, 0, -2.0)),
                                                ("house_0002.json", Vec3(-3.2, 0, 3.3), Float(180), Vec3(3.0, 0, -3.0))] {
            let sim = try Simulator(scene: try scene(name))
            let run = try runOracle(sim, start: AgentState(position: start, heading: headingDeg.headingRadians), goal: goal)
            let r = run.result
            let d = try XCTUnwrap(r.finalDistanceToGoal)
            let d0 = try XCTUnwrap(r.steps.first?.distanceToGoal)
            print(String(format: "%@: %d actions, path %.2f m, geodesic %.2f m, %.2f m from the goal, %d collisions",
                         name, r.steps.count - 1, r.pathLength, d0, d, r.steps.filter(\.collided).count))
            XCTAssertTrue(r.stopped, name)
            XCTAssertLessThanOrEqual(d, 0.5, name)
            XCTAssertEqual(r.steps.last?.action, AgentAction.stop.rawValue, name)
            XCTAssertEqual(run.stalls, [], name)
            XCTAssertLessThanOrEqual(r.pathLength, d0 + 0.05, name)
        }
    }

    /// ≥ 100 seeded start/goal pairs in 6 generated houses, geodesic distance 5–20 m on the same island, random
    /// start heading: the oracle must STOP within 0.5 m of the goal in ≥ 99 % and reach mean SPL ≥ 0.95
    /// (SPL = S · d0 / max(d0, PL), Anderson et al. 2018, arXiv:1807.06757; d0 geodesic from the distance field,
    /// PL the euclidean length of the trajectory). Every failure must come with a stall report.
    func testSweepOverGeneratedHousesStopsAtTheGoal() throws {
        var episodes = 0, successes = 0, stalls = 0, actions = 0, collisions = 0
        var splSum = 0.0, worstSPL = 1.0
        var failures: [String] = []
        for seed: UInt64 in [1, 2, 3, 5, 8, 13] {
            let sim = try Simulator(scene: HouseGenerator(seed: seed).generate())
            let nav = sim.navigation
            var rng = SeededRandom(seed: 1000 + seed)
            var pairs = 0, attempts = 0
            while pairs < 18 && attempts < 100 {
                attempts += 1
                // A goal, then up to 50 starts on its island until one lies 5–20 m away (read off the goal's field, which
                // the follower uses too: one field per episode).
                guard let goal = nav.randomNavigablePoint(using: &rng, island: nil), let island = nav.islandID(of: goal) else { continue }
                let field = sim.distanceField(to: [goal])
                var found: Vec3? = nil
                for _ in 0..<50 {
                    guard let s = nav.randomNavigablePoint(using: &rng, island: island) else { break }
                    if let d = field.distance(from: s), (5...20).contains(d) { found = s; break }
                }
                guard let start = found else { continue }
                let heading = rng.uniform(-.pi, .pi)
                let d0 = try XCTUnwrap(field.distance(from: start))  // geodesic, the follower's own metric
                pairs += 1
                let run = try runOracle(sim, start: AgentState(position: start, heading: heading), goal: goal)
                let r = run.result
                episodes += 1
                actions += r.steps.count - 1
                collisions += r.steps.filter(\.collided).count
                stalls += run.stalls.count
                let d = r.finalDistanceToGoal ?? .infinity
                let success = r.stopped && d <= 0.5
                let spl = success ? Double(d0 / max(d0, r.pathLength)) : 0
                splSum += spl
                worstSPL = min(worstSPL, spl)
                if success { successes += 1 } else {
                    failures.append(String(format: "house %d: start (%.2f, %.2f) heading %.3f, goal (%.2f, %.2f): %.2f m left; %@",
                                           Int(seed), start.x, start.z, heading, goal.x, goal.z, d, run.stalls.first ?? "no stall report"))
                    XCTAssertEqual(run.stalls.count, 1, "a failure must be reported as a stall")
                }
            }
            XCTAssertEqual(pairs, 18, "house \(seed): not enough start/goal pairs 5–20 m apart")
        }
        let rate = Double(successes) / Double(episodes), meanSPL = splSum / Double(episodes)
        print(String(format: "oracle sweep: %d episodes in 6 houses, stop within 0.5 m %.3f (%d), mean SPL %.4f (worst %.3f), %d stalls, %.1f actions per episode, %d collisions",
                     episodes, rate, successes, meanSPL, worstSPL, stalls, Double(actions) / Double(episodes), collisions))
        for f in failures { print("  failure: " + f) }
        XCTAssertGreaterThanOrEqual(episodes, 100)
        XCTAssertGreaterThanOrEqual(rate, 0.99)
        XCTAssertGreaterThanOrEqual(meanSPL, 0.95)
    }

    /// A goal behind a wall (twoRooms' blocked doorway splits the floor into two islands): the follower STOPs at
    /// once and reports the stall with the agent's position and the reason, instead of turning until the budget.
    func testAnUnreachableGoalIsReportedAsAStall() throws {
        let sim = try Simulator(scene: twoRooms())
        let run = try runOracle(sim, start: AgentState(position: Vec3(2, 0, 2), heading: 0), goal: Vec3(6, 0, 2))
        XCTAssertTrue(run.result.stopped)
        XCTAssertEqual(run.result.steps.count, 2)  // start + STOP
        XCTAssertEqual(run.stalls.count, 1)
        let message = try XCTUnwrap(run.stalls.first)
        print(message)
        XCTAssertTrue(message.contains("(2.00, 0.00, 2.00)"), message)
        XCTAssertTrue(message.contains("no path"), message)
        XCTAssertTrue(message.contains("another island"), message)
    }

    /// The goal is walled off mid-episode: a crate added in the doorway at step 6 rebuilds the navigation grid; the
    /// follower, which was heading for the doorway, then finds no path in the new field and STOPs with a stall
    /// report at step 7 — it neither walks on the stale field nor turns until the budget runs out.
    func testAGoalWalledOffMidEpisodeIsReportedAsAStall() throws {
        let sim = try Simulator(scene: twoRooms(blocked: false))
        let crate = SceneEdit.add(category: "crate", position: Vec3(4, 0, 2), size: Vec3(0.5, 0.8, 1.3))
        let run = try runOracle(sim, start: AgentState(position: Vec3(1, 0, 2), heading: -.pi / 2), goal: Vec3(7, 0, 2),
                                events: [SceneEvent(step: 6, edit: crate)])
        XCTAssertTrue(run.result.stopped)
        XCTAssertEqual(run.result.steps.count, 8)  // start, 6 MOVE_FORWARD, STOP
        XCTAssertEqual(run.result.steps.dropFirst().dropLast().map(\.action), Array(repeating: "MOVE_FORWARD", count: 6))
        XCTAssertEqual(run.stalls.count, 1)
        XCTAssertTrue(run.stalls.first?.contains("another island") == true, run.stalls.first ?? "")
    }

    /// A crate added on the straight line at step 4 (the doorway stays open): the follower walks round it on the
    /// rebuilt field and still STOPs within 0.5 m of the goal, on a path longer than the straight 6 m.
    func testAnObstacleAddedMidEpisodeIsWalkedAround() throws {
        let sim = try Simulator(scene: twoRooms(blocked: false))
        let box = SceneEdit.add(category: "crate", position: Vec3(2.5, 0, 2), size: Vec3(0.6, 0.8, 0.6))
        let run = try runOracle(sim, start: AgentState(position: Vec3(1, 0, 2), heading: -.pi / 2), goal: Vec3(7, 0, 2),
                                events: [SceneEvent(step: 4, edit: box)])
        let r = run.result
        XCTAssertTrue(r.stopped)
        XCTAssertEqual(run.stalls, [])
        XCTAssertLessThanOrEqual(try XCTUnwrap(r.finalDistanceToGoal), 0.5)
        XCTAssertGreaterThan(r.pathLength, 5.9)
        XCTAssertLessThan(r.pathLength, 7)
        XCTAssertEqual(r.steps.filter(\.collided).count, 0)
    }

    /// A diagonal slot whose navigable cells touch only at their corners (a 0.26 m wide strip of floor at 45°, eroded
    /// by the 0.1 m agent radius): the grid's islands are 8-connected, so the field has a path through it, but no
    /// MOVE_FORWARD can pass exactly through a cell corner. No single step nor pair of steps gets closer at the slot's
    /// mouth: the follower STOPs there and reports a local minimum, instead of turning until the budget runs out.
    func testAnImpassableDiagonalSlotIsReportedAsALocalMinimum() throws {
        let sim = try Simulator(scene: diagonalSlot(halfWidth: 0.13))
        XCTAssertEqual(sim.navigation.islandCount, 1)
        let goal = Vec3(4.7, 0, 4.7)
        let d0 = try XCTUnwrap(sim.distanceField(to: [goal]).distance(from: Vec3(1, 0, 1)))
        let run = try runOracle(sim, start: AgentState(position: Vec3(1, 0, 1), heading: 0), goal: goal)
        let r = run.result
        print(run.stalls.first ?? "no stall", String(format: "(field distance from the start %.2f m)", d0))
        XCTAssertTrue(r.stopped)
        XCTAssertLessThan(r.steps.count, 40)
        XCTAssertEqual(run.stalls.count, 1)
        XCTAssertTrue(run.stalls.first?.contains("local minimum") == true, run.stalls.first ?? "")
        XCTAssertGreaterThan(try XCTUnwrap(r.finalDistanceToGoal), 3.5)  // at the slot's mouth, not in it
    }

    /// The stateless decision agrees with the policy's: step by step, `nextAction(in:)` returns what the policy
    /// returns (the policy only skips re-evaluating while it turns).
    func testNextActionMatchesThePolicy() throws {
        let sim = try Simulator(scene: try scene("house_0003.json"))
        let goal = Vec3(-2.0, 0, -2.0)
        let follower = ShortestPathFollower(goal: goal)
        let policy = follower.policy()
        try sim.reset(to: AgentState(position: Vec3(1.2, 0, -2.0), heading: 0))
        var n = 0
        while !sim.stopped && n < 300 {
            let a = policy(sim)
            XCTAssertEqual(a, follower.nextAction(in: sim), "action \(n)")
            sim.step(a)
            n += 1
        }
        XCTAssertTrue(sim.stopped)
    }
}

/// Two 2 × 2 m floors, (0, 0)–(2, 2) and (4, 4)–(6, 6) in x, z, joined by a strip of floor of half-width `halfWidth`
/// metres from (1.8, 1.8) to (4.2, 4.2) (45°); no walls (the floor's edges bound the navigable area).
func diagonalSlot(halfWidth h: Float) -> Scene {
    var mesh = TriangleMesh.floorRectangle(x0: 0, z0: 0, x1: 2, z1: 2, instanceId: 1)
    mesh.append(.floorRectangle(x0: 4, z0: 4, x1: 6, z1: 6, instanceId: 1))
    let n = Vec3(-1, 0, 1) * (h / Float(2).squareRoot())
    let p0 = Vec3(1.8, 0, 1.8), p1 = Vec3(4.2, 0, 4.2)
    // Counter-clockwise seen from +Y, as floorRectangle's.
    mesh.append(TriangleMesh(vertices: [p0 - n, p1 - n, p1 + n, p0 + n], triangles: [[0, 3, 2], [0, 2, 1]],
                             triangleInstanceIds: [1, 1]))
    return Scene(name: "diagonal_slot", mesh: mesh, instances: [1: .init(id: 1, category: "floor")], regions: [])
}
