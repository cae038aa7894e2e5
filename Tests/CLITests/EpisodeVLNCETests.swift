import Foundation
import VLNTestSupport
import XCTest

/// `vlnsim episode --episode FILE --episode-id ID`: a VLN-CE episode runs with its start, rotation, goal and
/// instruction, its scene found by base name in `--scenes`; a wrong id or scene is a clear error and writes nothing.
final class EpisodeVLNCETests: XCTestCase {
    // start_rotation: 90° about +Y, [0, sin 45°, 0, cos 45°]: the agent faces −X.
    static let file = """
    {"episodes": [
     {"episode_id": 7, "trajectory_id": 1, "scene_id": "mp3d/house_0003/house_0003.glb", "start_position": [1.2, 0.0, -2.0],
      "start_rotation": [0, 0.70710678, 0, 0.70710678], "info": {"geodesic_distance": 3.2},
      "goals": [{"position": [-2.0, 0.0, -2.0], "radius": 3.0}], "reference_path": [[1.2, 0, -2], [-2, 0, -2]],
      "instruction": {"instruction_text": "Walk towards the kitchen and stop."}}]}
    """

    func testRunsTheEpisodeFromItsFields() throws {
        let dir = try makeTempDir()
        let path = dir + "/episodes.json"
        try Data(Self.file.utf8).write(to: URL(fileURLWithPath: path))
        let r = try runVLNSim(["episode", "--episode", path, "--episode-id", "7", "--scenes", packageRoot + "/scenes",
                               "--actions", "2F S", "--out", dir + "/out"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/trajectory.json"))) as! [String: Any]
        let steps = json["steps"] as! [[String: Any]]
        XCTAssertEqual(steps.count, 4)
        XCTAssertEqual((steps[0]["heading_deg"] as! Double), 90, accuracy: 1e-3)
        let p0 = steps[0]["position"] as! [Double], p2 = steps[2]["position"] as! [Double]
        XCTAssertEqual(p0[0], 1.2, accuracy: 1e-6)
        XCTAssertEqual(p0[2], -2.0, accuracy: 1e-6)
        XCTAssertEqual(p2[0], 1.2 - 0.5, accuracy: 1e-4)   // two 0.25 m steps along −X
        XCTAssertEqual(p2[2], -2.0, accuracy: 1e-4)
        XCTAssertEqual(json["instruction"] as? String, "Walk towards the kitchen and stop.")
    }

    func testUnknownEpisodeOrSceneIsAClearErrorAndWritesNothing() throws {
        let dir = try makeTempDir()
        let path = dir + "/episodes.json"
        try Data(Self.file.utf8).write(to: URL(fileURLWithPath: path))
        let a = try runVLNSim(["episode", "--episode", path, "--episode-id", "9", "--scenes", packageRoot + "/scenes",
                               "--oracle", "--out", dir + "/a"])
        XCTAssertNotEqual(a.status, 0)
        XCTAssertTrue(a.stderr.contains("no episode '9'") && a.stderr.contains("episodes.json"), a.stderr)
        let b = try runVLNSim(["episode", "--episode", path, "--episode-id", "7", "--oracle", "--out", dir + "/b"])
        XCTAssertNotEqual(b.status, 0)
        XCTAssertTrue(b.stderr.contains("unknown scene 'mp3d/house_0003/house_0003.glb'"), b.stderr)
        let c = try runVLNSim(["episode", "--episode", path, "--episode-id", "7", "--out", dir + "/c"])
        XCTAssertNotEqual(c.status, 0)
        XCTAssertTrue(c.stderr.contains("--actions") && c.stderr.contains("--oracle"), c.stderr)
        for d in ["a", "b", "c"] { XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/" + d), d) }
    }
}
