import Foundation
import VLNCore
import VLNMeasures
import VLNTestSupport
import XCTest

final class VLNMeasuresTests: XCTestCase {
    private func points(_ any: Any?) -> [MeasurePoint] {
        (any as! [[Double]]).map { MeasurePoint($0[0], $0[1], $0[2]) }
    }

    /// The 42 VLN-CE reference cases (numpy, exact DTW, euclidean goal distance) to 1e-6.
    func testReferenceCasesMatchToOneMicro() throws {
        let path = try requireDataFile("reference/vlnce_metrics_reference.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let successDistance = root["success_distance"] as! Double
        XCTAssertEqual(successDistance, 3.0)
        let cases = root["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 42)
        for c in cases {
            let name = c["case"] as! String
            let episode = MeasureEpisode(goals: [MeasurePoint((c["goal"] as! [Double])[0], (c["goal"] as! [Double])[1], (c["goal"] as! [Double])[2])],
                                         shortestPathLength: c["d0_geodesic"] as! Double, referencePath: points(c["reference_path"]))
            let trajectory = AgentTrajectory(positions: points(c["agent_path"]), stopCalled: c["stop_called"] as! Bool)
            let m = computeMeasures(trajectory, episode: episode, settings: MeasureSettings(successDistance: successDistance))
            let e = c["expected"] as! [String: Double]
            let got: [String: Double] = ["navigation_error": m.distanceToGoal, "success": m.success, "oracle_success": m.oracleSuccess,
                                         "path_length": m.pathLength, "spl": m.spl, "ndtw": m.ndtw, "sdtw": m.sdtw]
            XCTAssertEqual(Set(e.keys), Set(got.keys), name)
            for (k, v) in e { XCTAssertEqual(got[k]!, v, accuracy: 1e-6, "\(name) \(k)") }
        }
    }

    /// The fastdtw mode against the `fastdtw` PyPI package (Fixtures/make_fastdtw_fixture.py), and exact DTW against the
    /// package's full-matrix `dtw`, to 1e-6.
    func testFastDTWModeMatchesThePyPIPackage() throws {
        let path = packageRoot + "/Tests/VLNMeasuresTests/Fixtures/fastdtw_reference.json"
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let cases = root["cases"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 50)
        var differing = 0
        for c in cases {
            let name = c["name"] as! String
            let p = points(c["query"]), r = points(c["reference"])
            let fast = c["fastdtw"] as! Double, exact = c["exact"] as! Double
            XCTAssertEqual(dynamicTimeWarping(p, r, mode: .fastdtw), fast, accuracy: 1e-6, name)
            XCTAssertEqual(dynamicTimeWarping(p, r, mode: .exact), exact, accuracy: 1e-6, name)
            if abs(fast - exact) > 1e-6 { differing += 1 }
        }
        XCTAssertGreaterThanOrEqual(differing, 5, "the fixture must hold cases where fastdtw is not exact")
    }

    func testClosedFormsOnAStraightLine() {
        // Reference along −Z every 0.25 m for 4 m; the agent walks the same line to 2 m short, 1 m to the side.
        let reference = (0...16).map { MeasurePoint(0, 0, -0.25 * Double($0)) }
        let agent = (0...8).map { MeasurePoint(1, 0, -0.25 * Double($0)) }
        let episode = MeasureEpisode(goals: [reference.last!], shortestPathLength: 4, referencePath: reference)
        let m = computeMeasures(AgentTrajectory(positions: agent, stopCalled: true), episode: episode)
        let ne = (1.0 + 4.0).squareRoot()
        XCTAssertEqual(m.distanceToGoal, ne, accuracy: 1e-12)
        XCTAssertEqual(m.success, 1)
        XCTAssertEqual(m.pathLength, 2, accuracy: 1e-12)
        XCTAssertEqual(m.spl, 1, accuracy: 1e-12, "PL < d0: SPL = S · d0 / d0")
        XCTAssertEqual(m.steps, 8)
        // Optimal alignment: agent point k ↔ reference point k (cost 1 each, 9 pairs), then the last agent point ↔ the
        // remaining 8 reference points at distances sqrt(1 + (0.25 k)²), k = 1…8.
        var dtw = 9.0
        for k in 1...8 { dtw += (1 + 0.0625 * Double(k * k)).squareRoot() }
        XCTAssertEqual(dynamicTimeWarping(agent, reference), dtw, accuracy: 1e-12)
        XCTAssertEqual(m.ndtw, Foundation.exp(-dtw / (17 * 3)), accuracy: 1e-12)
        XCTAssertEqual(m.sdtw, m.ndtw)
    }

    func testRepeatedPositionsAreNotAppendedAndStopIsRequired() {
        let r = [MeasurePoint(0, 0, 0), MeasurePoint(0, 0, -1), MeasurePoint(0, 0, -2)]
        let repeated = [r[0], r[0], r[1], r[1], r[1], r[2], r[2]]
        XCTAssertEqual(movingPositions(repeated), r)
        let episode = MeasureEpisode(goals: [r[2]], shortestPathLength: 2, referencePath: r)
        let m = computeMeasures(AgentTrajectory(positions: repeated, stopCalled: false), episode: episode)
        XCTAssertEqual(m.ndtw, 1)
        XCTAssertEqual(m.success, 0)
        XCTAssertEqual(m.oracleSuccess, 1)
        XCTAssertEqual(m.spl, 0)
        XCTAssertEqual(m.sdtw, 0)
        XCTAssertEqual(m.steps, 6)
    }

    func testSuccessIsStrictAndSPLConventionAtZeroDistance() {
        let goal = MeasurePoint(0, 0, 0)
        let episode = MeasureEpisode(goals: [goal], shortestPathLength: 3, referencePath: [MeasurePoint(3, 0, 0), goal])
        let at3 = computeMeasures(AgentTrajectory(positions: [MeasurePoint(3, 0, 0)], stopCalled: true), episode: episode)
        XCTAssertEqual(at3.success, 0, "d = 3.0 is not < 3.0")
        XCTAssertEqual(at3.oracleSuccess, 0)
        // d0 = 0 and PL = 0: SPL = S.
        XCTAssertEqual(successWeightedByPathLength(success: 1, shortestPathLength: 0, pathLength: 0), 1)
        XCTAssertEqual(successWeightedByPathLength(success: 1, shortestPathLength: 0, pathLength: 2), 0)
        XCTAssertEqual(successWeightedByPathLength(success: 1, shortestPathLength: 4, pathLength: 5), 0.8)
    }

    func testUnreachableGoalGivesInfiniteNEAndTheSummaryCountsIt() {
        // A goal distance with a wall at x = 5: nothing beyond it reaches the goal.
        let walled = GoalDistance(name: "walled") { a, b in a.x > 5 ? nil : euclideanDistance(a, b) }
        let settings = MeasureSettings(goalDistance: walled)
        let goal = MeasurePoint(0, 0, 0)
        let episode = MeasureEpisode(goals: [goal], shortestPathLength: 2, referencePath: [MeasurePoint(2, 0, 0), goal])
        let lost = computeMeasures(AgentTrajectory(positions: [MeasurePoint(2, 0, 0), MeasurePoint(6, 0, 0)], stopCalled: true),
                                   episode: episode, settings: settings)
        XCTAssertEqual(lost.distanceToGoal, .infinity)
        XCTAssertEqual(lost.success, 0)
        XCTAssertEqual(lost.oracleNavigationError, 2, accuracy: 1e-12)
        let good = computeMeasures(AgentTrajectory(positions: [MeasurePoint(2, 0, 0), MeasurePoint(1, 0, 0)], stopCalled: true, collisions: 3),
                                   episode: episode, settings: settings)
        let s = MeasureSummary([lost, good])
        XCTAssertEqual(s.episodes, 2)
        XCTAssertEqual(s.distanceToGoal!, 1, accuracy: 1e-12)
        XCTAssertEqual(s.unreachableEpisodes, 1)
        XCTAssertEqual(s.success!, 0.5)
        XCTAssertEqual(s.collisions!, 3)
        XCTAssertEqual(s.collisionEpisodes, 1)
        XCTAssertFalse(s.spl!.isNaN)
        XCTAssertNil(MeasureSummary([]).success)
    }

    func testMultipleGoalsTakeTheNearest() {
        let d = GoalDistance.euclidean.toNearest(MeasurePoint(0, 0, 0), of: [MeasurePoint(5, 0, 0), MeasurePoint(0, 0, 2)])
        XCTAssertEqual(d, 2)
        XCTAssertEqual(GoalDistance.euclidean.toNearest(.zero, of: []), .infinity)
    }

    /// fastdtw never undercuts exact DTW and equals it on short paths (the package falls back to full DTW below 3 points).
    func testSeededFastDTWIsAnUpperBound() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<200 {
            let n = Int.random(in: 1...60, using: &rng), m = Int.random(in: 1...60, using: &rng)
            let p = (0..<n).map { _ in MeasurePoint(Double.random(in: -3...3, using: &rng), 0, Double.random(in: -3...3, using: &rng)) }
            let r = (0..<m).map { _ in MeasurePoint(Double.random(in: -3...3, using: &rng), 0, Double.random(in: -3...3, using: &rng)) }
            let exact = dynamicTimeWarping(p, r), fast = dynamicTimeWarping(p, r, mode: .fastdtw)
            XCTAssertGreaterThanOrEqual(fast, exact - 1e-9)
            if n < 3 || m < 3 { XCTAssertEqual(fast, exact, accuracy: 1e-12) }
        }
    }
}

