import Foundation
import VLNTestSupport
import XCTest

/// End-to-end tests of what the CLI says about the scenes it loads: loader warnings, scenes an agent cannot walk
/// in, the headings it writes and the success rule.
final class SceneLoadingCLITests: XCTestCase {
    func vlnsim(_ args: [String]) throws -> CLIRun { try runVLNSim(args) }

    /// A 4 × 4 m floor (instance "floor") and a 2 m wall standing on it, as OBJ text.
    static let floorAndWall = """
        v 0 0 0
        v 4 0 0
        v 4 0 4
        v 0 0 4
        v 0 0 0.5
        v 2 0 0.5
        v 2 2 0.5
        v 0 2 0.5
        g floor_1
        f 1 4 3 2
        g wall_2
        f 5 6 7 8

        """

    func testSceneInfoOfAMeshWithoutAFloorSucceedsAndSaysWhyNothingIsNavigable() throws {
        let dir = try makeTempDir()
        try Data("v -2 0 -3\nv 2 0 -3\nv 0 2 -3\ng wall\nf 1 2 3\n".utf8).write(to: URL(fileURLWithPath: dir + "/wall.obj"))
        let r = try vlnsim(["scene-info", "--scene", dir + "/wall.obj"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertTrue(r.stdout.contains("scene wall"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1 triangles"), r.stdout)
        XCTAssertTrue(r.stdout.contains("no navigable area"), r.stdout)
        XCTAssertTrue(r.stdout.contains("no floor geometry") && r.stdout.contains("upward-facing"), r.stdout)
        // A floor entirely within the agent radius of obstacles: a floor, but nowhere to stand.
        try Data("""
            v 0 0 0
            v 0.15 0 0
            v 0.15 0 0.15
            v 0 0 0.15
            v 0 0 -0.05
            v 0.15 0 -0.05
            v 0.15 2 -0.05
            v 0 2 -0.05
            g floor
            f 1 4 3 2
            g wall
            f 5 6 7 8

            """.utf8).write(to: URL(fileURLWithPath: dir + "/narrow.obj"))
        let n = try vlnsim(["scene-info", "--scene", dir + "/narrow.obj"])
        XCTAssertEqual(n.status, 0, n.stderr)
        XCTAssertTrue(n.stdout.contains("no navigable area"), n.stdout)
        XCTAssertTrue(n.stdout.contains("agent radius"), n.stdout)
        // A scene with a floor still reports its area and islands.
        try Data(Self.floorAndWall.utf8).write(to: URL(fileURLWithPath: dir + "/room.obj"))
        let ok = try vlnsim(["scene-info", "--scene", dir + "/room.obj"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("navigable area") && ok.stdout.contains("1 island(s)"), ok.stdout)
    }

    func testAMissingMaterialLibraryAndAnUndefinedMaterialAreWarningsNamingTheFileAndLine() throws {
        let dir = try makeTempDir()
        let obj = dir + "/room.obj"
        try Data(("# a room\nmtllib nowhere.mtl\nusemtl oak_floor\n" + Self.floorAndWall).utf8).write(to: URL(fileURLWithPath: obj))
        let r = try vlnsim(["scene-info", "--scene", obj])
        XCTAssertEqual(r.status, 0, r.stderr)
        let warnings = r.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        XCTAssertTrue(warnings.contains { $0.contains("\(obj):2") && $0.contains(dir + "/nowhere.mtl") }, r.stderr)
        XCTAssertTrue(warnings.contains { $0.contains("\(obj):3") && $0.contains("oak_floor") }, r.stderr)
        XCTAssertTrue(r.stdout.contains("navigable area"), r.stdout)
        // The episode command loads the scene the same way and warns the same way; it still runs.
        let e = try vlnsim(["episode", "--scene", obj, "--start=2,0,2", "--actions", "F S", "--out", dir + "/out"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stderr.contains("warning: ") && e.stderr.contains("nowhere.mtl"), e.stderr)
    }

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

    func testStoppingExactlyAtTheGoalRadiusIsNotASuccess() throws {
        let dir = try makeTempDir()
        let base = ["episode", "--scene", "scenes/house_0001.json", "--start=1.0,0,2.0", "--heading", "90",
                    "--actions", "6R 6F S", "--goal=-2.4,0,-1.2"]
        XCTAssertEqual(try vlnsim(base + ["--out", dir + "/probe"]).status, 0)
        let d = Float(try XCTUnwrap(try steps(dir + "/probe").json["final_distance_to_goal"] as? Double))
        for (radius, expected) in [(d, false), (d.nextUp, true), (d.nextDown, false)] {
            let r = try vlnsim(base + ["--goal-radius", "\(radius)", "--out", dir + "/r"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let json = try steps(dir + "/r").json
            XCTAssertEqual(Float(json["final_distance_to_goal"] as! Double), d)
            XCTAssertEqual(json["success"] as? Bool, expected, "final distance \(d) m, goal radius \(radius) m")
            XCTAssertTrue(r.stdout.contains(expected ? ", success" : ", not a success"), r.stdout)
        }
    }
}
