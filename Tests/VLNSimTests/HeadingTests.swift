import Foundation
import VLNCore
import VLNScene
import VLNSim
import VLNTestSupport
import XCTest

/// Headings written to files or printed are in (−180°, 180°] (Habitat's convention: 0 faces −Z, positive turns
/// left); 180° and −180° are the same heading and are written 180.
final class HeadingTests: XCTestCase {
    func assertInRange(_ deg: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(deg > -180 && deg <= 180, "\(what): heading \(deg)° is outside (−180°, 180°]", file: file, line: line)
    }

    /// Episodes starting at 180°, −180°, 540° and −540° (as `start_heading_deg`) or at the half-turn quaternions
    /// (as `start_rotation`): every heading in the trajectory is in range, and the start is written 180.
    func testTrajectoryHeadingsOfHalfTurnStartsAreInRange() throws {
        let dir = try makeTempDir()
        let starts = [#""start_heading_deg": 180"#, #""start_heading_deg": -180"#, #""start_heading_deg": 540"#,
                      #""start_heading_deg": -540"#, #""start_rotation": [0, 1, 0, 0]"#, #""start_rotation": [0, -1, 0, 0]"#]
        let sim = try Simulator(scene: twoRooms())
        for s in starts {
            let path = dir + "/ep.json"
            try Data(#"{"start_position": [2, 0, 2], \#(s), "actions": "L R R L 12L 24R S"}"#.utf8).write(to: URL(fileURLWithPath: path))
            let ep = try ScriptedEpisode.load(path: path)
            let result = try sim.run(ep, from: try XCTUnwrap(ep.start))
            XCTAssertEqual(result.steps.first?.headingDeg, 180, s)
            for step in result.steps { assertInRange(step.headingDeg, "\(s), step \(step.step)") }
            // 12 × TURN_LEFT from 180° is 0°, then 24 × TURN_RIGHT a full turn back to it.
            XCTAssertEqual(result.steps[16].headingDeg, 0, accuracy: 1e-3, s)
            for k in [4, 28] { XCTAssertEqual(abs(result.steps[k].headingDeg), 180, accuracy: 1e-3, "\(s), step \(k)") }
            // The rotation written beside it is the same heading.
            let q = result.steps[0].rotation
            XCTAssertEqual(Quaternion(q).heading.headingDegrees, 180, s)
        }
    }

    /// Turning left from 0° through 180° and on: every heading stays in range.
    func testHeadingsStayInRangeWhileTurning() throws {
        let sim = try Simulator(scene: twoRooms())
        for start in stride(from: Float(-720), through: 720, by: 7.5) {
            let result = try sim.run(ScriptedEpisode(actions: try AgentAction.parseSequence("30L 60R S")),
                                     from: AgentState(position: Vec3(2, 0, 2), heading: start.radians))
            for step in result.steps { assertInRange(step.headingDeg, "start \(start)°, step \(step.step)") }
        }
    }

    /// The yaw of a move event, as listed in trajectory.json and the logs, is in (−180°, 180°] too, after
    /// rounding to whole degrees.
    func testMoveEventYawIsWrittenInRange() {
        func summary(_ deg: Float) -> String { SceneEdit.move(instance: 3, translation: .zero, yaw: deg.radians).summary }
        XCTAssertTrue(summary(90).hasSuffix("yaw 90°"), summary(90))
        XCTAssertTrue(summary(270).hasSuffix("yaw -90°"), summary(270))
        XCTAssertTrue(summary(180).hasSuffix("yaw 180°"), summary(180))
        XCTAssertTrue(summary(-180).hasSuffix("yaw 180°"), summary(-180))
        XCTAssertTrue(summary(540).hasSuffix("yaw 180°"), summary(540))
        XCTAssertTrue(summary(-179.6).hasSuffix("yaw 180°"), summary(-179.6))
        XCTAssertTrue(summary(-0.2).hasSuffix("yaw 0°"), summary(-0.2))
    }
}
