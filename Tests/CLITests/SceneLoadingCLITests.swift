import Foundation
import VLNTestSupport
import XCTest

/// End-to-end tests of what the CLI says about the scenes it loads: loader warnings, scenes an agent cannot walk
/// in, the headings it writes and the success rule.
final class SceneLoadingCLITests: XCTestCase {
    func vlnsim(_ args: [String]) throws -> CLIRun { try runVLNSim(args) }

    func steps(_ dir: String) throws -> (json: [String: Any], steps: [[String: Any]]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/trajectory.json"))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (json, json["steps"] as! [[String: Any]])
    }

    func testHeadingsInTrajectoryJSONAreInRangeForHalfTurnStarts() throws {
        let dir = try makeTempDir()
        for h in ["180", "-180", "540", "-540"] {
            let r = try vlnsim(["episode", "--scene", "scenes/house_0001.json", "--start=1.0,0,2.0", "--heading=\(h)",
                                "--actions", "L R 12L S", "--out", dir + "/h"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let s = try steps(dir + "/h").steps
            let headings = s.map { $0["heading_deg"] as! Double }
            XCTAssertEqual(headings[0], 180, "--heading \(h)")
            XCTAssertTrue(headings.allSatisfy { $0 > -180 && $0 <= 180 }, "--heading \(h): \(headings)")
        }
    }
}
