import Foundation
import VLNCore
import VLNScene
import VLNSim
import XCTest

/// Success follows habitat-lab's `Success` measure, which VLN-CE uses: STOP called and
/// `distance_to_goal < success_distance` — strictly less, so stopping exactly at the radius is a failure.
final class SuccessTests: XCTestCase {
    func result(distance: Float?, radius: Float, stopped: Bool) -> EpisodeResult {
        let step = TrajectoryStep(step: 0, action: nil, position: [0, 0, 0], rotation: [0, 0, 0, 1], headingDeg: 0,
                                  collided: false, distanceToGoal: distance, events: nil)
        return EpisodeResult(steps: [step], shortestPath: nil, goal: NavigationGoal(position: .zero, radius: radius), stopped: stopped)
    }

    func testSuccessIsStrictlyInsideTheRadius() {
        for radius: Float in [3.0, 0.2, 1.3] {
            XCTAssertEqual(result(distance: radius, radius: radius, stopped: true).success, false, "exactly at \(radius) m")
            XCTAssertEqual(result(distance: radius.nextDown, radius: radius, stopped: true).success, true, "just inside \(radius) m")
            XCTAssertEqual(result(distance: radius.nextUp, radius: radius, stopped: true).success, false, "just outside \(radius) m")
            XCTAssertEqual(result(distance: 0, radius: radius, stopped: false).success, false, "no STOP")
            XCTAssertEqual(result(distance: nil, radius: radius, stopped: true).success, false, "no path to the goal")
        }
        let noGoal = EpisodeResult(steps: result(distance: nil, radius: 1, stopped: true).steps, shortestPath: nil, goal: nil, stopped: true)
        XCTAssertNil(noGoal.success)
    }

    /// The same through the simulator: stop, read the geodesic distance d, then score that stop against a goal
    /// radius of exactly d (failure) and of the next float above d (success).
    func testASimulatedStopExactlyAtTheRadiusIsNotASuccess() throws {
        let sim = try Simulator(scene: twoRooms())
        let start = AgentState(position: Vec3(1, 0, 3.5), heading: 0)
        let actions = try AgentAction.parseSequence("4F 3L F S")
        let goal = Vec3(3, 0, 1)
        let probe = try sim.run(ScriptedEpisode(goal: NavigationGoal(position: goal, radius: 3), actions: actions), from: start)
        let d = try XCTUnwrap(probe.finalDistanceToGoal)
        XCTAssertGreaterThan(d, 0.5)
        let atRadius = try sim.run(ScriptedEpisode(goal: NavigationGoal(position: goal, radius: d), actions: actions), from: start)
        XCTAssertEqual(atRadius.finalDistanceToGoal, d)
        XCTAssertEqual(atRadius.success, false)
        let inside = try sim.run(ScriptedEpisode(goal: NavigationGoal(position: goal, radius: d.nextUp), actions: actions), from: start)
        XCTAssertEqual(inside.success, true)
    }
}
