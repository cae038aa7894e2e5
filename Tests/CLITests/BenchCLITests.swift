import Foundation
import VLNTestSupport
import XCTest

/// `vlnsim bench evaluate`: values by closed form on a hand-made episode file, and the bad inputs.
final class BenchCLITests: XCTestCase {
    static let episodes = """
    {"episodes": [
     {"episode_id": 1, "trajectory_id": 1, "scene_id": "generated/house-1", "start_position": [0, 0, 0], "start_rotation": [0, 0, 0, 1],
      "info": {"geodesic_distance": 4.0}, "goals": [{"position": [0, 0, -4], "radius": 3.0}],
      "reference_path": [[0, 0, 0], [0, 0, -2], [0, 0, -4]], "instruction": {"instruction_text": "Walk ahead four metres."}},
     {"episode_id": 2, "trajectory_id": 2, "scene_id": "generated/house-1", "start_position": [10, 0, 0], "start_rotation": [0, 0, 0, 1],
      "info": {"geodesic_distance": 5.0}, "goals": [{"position": [10, 0, -5], "radius": 3.0}],
      "reference_path": [[10, 0, 0], [10, 0, -5]], "instruction": {"instruction_text": "Walk ahead five metres."}},
     {"episode_id": 3, "trajectory_id": 3, "scene_id": "generated/house-1", "start_position": [0, 0, 0], "start_rotation": [0, 0, 0, 1],
      "info": {"geodesic_distance": 1.0}, "goals": [{"position": [1, 0, 0], "radius": 3.0}],
      "reference_path": [[0, 0, 0], [1, 0, 0]], "instruction": {"instruction_text": "Not scored."}}
    ]}
    """
    // Episode 1: P (repeats dropped) = (0,0,0) (0,0,−2) (0,0,−3), R = (0,0,0) (0,0,−2) (0,0,−4): DTW = 0 + 0 + 1.
    // Episode 2: the agent stops at its start: DTW = 0 + 5, NE = 5.
    static let trajectories = """
    {"episode_id": 1, "positions": [[0, 0, 0], [0, 0, 0], [0, 0, -2], [0, 0, -3]], "stop_called": true, "collisions": 2}

    {"episode_id": 2, "positions": [[10, 0, 0], [10, 0, 0]], "stop_called": true}
    """

    func write(_ text: String, _ name: String, in dir: String) throws -> String {
        let p = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    func testEvaluateGivesClosedFormValues() throws {
        let dir = try makeTempDir()
        let e = try write(Self.episodes, "episodes.json", in: dir), t = try write(Self.trajectories, "trajectories.jsonl", in: dir)
        let r = try runVLNSim(["bench", "evaluate", "--episodes", e, "--trajectories", t])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.count, 2)
        let a = lines[0], b = lines[1]
        XCTAssertEqual(a["episode_id"] as? Int, 1)
        XCTAssertEqual(a["distance_to_goal"] as! Double, 1, accuracy: 1e-12)
        XCTAssertEqual(a["success"] as! Double, 1)
        XCTAssertEqual(a["path_length"] as! Double, 3, accuracy: 1e-12)
        XCTAssertEqual(a["spl"] as! Double, 1, accuracy: 1e-12)  // d0 = 4 ≥ PL = 3
        XCTAssertEqual(a["steps"] as? Int, 3)
        XCTAssertEqual(a["collisions"] as? Int, 2)
        XCTAssertEqual(a["ndtw"] as! Double, exp(-1.0 / 9), accuracy: 1e-12)
        XCTAssertEqual(a["sdtw"] as! Double, exp(-1.0 / 9), accuracy: 1e-12)
        XCTAssertEqual(b["distance_to_goal"] as! Double, 5, accuracy: 1e-12)
        XCTAssertEqual(b["oracle_navigation_error"] as! Double, 5, accuracy: 1e-12)
        XCTAssertEqual(b["success"] as! Double, 0)
        XCTAssertEqual(b["spl"] as! Double, 0)
        XCTAssertEqual(b["ndtw"] as! Double, exp(-5.0 / 6), accuracy: 1e-12)
        XCTAssertEqual(b["sdtw"] as! Double, 0)
        XCTAssertEqual(b["goal_reachable"] as? Bool, true)
        XCTAssertTrue(r.stderr.contains("2 episodes scored (of 3"), r.stderr)
        XCTAssertTrue(r.stderr.contains("| 2 | 1.50 | 3.00 | 0.5000 | 0.5000 | 0.5000 |"), r.stderr)
        XCTAssertTrue(r.stderr.contains("euclidean"), r.stderr)

        // --out: the same lines in the file, the summary on stdout; fastdtw equals exact on these short paths.
        let f = try runVLNSim(["bench", "evaluate", "--episodes", e, "--trajectories", t, "--out", dir + "/m.jsonl", "--dtw", "fastdtw"])
        XCTAssertEqual(f.status, 0, f.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir + "/m.jsonl", encoding: .utf8), r.stdout)
        XCTAssertTrue(f.stdout.contains("DTW fastdtw"), f.stdout)
    }

    func expectFailure(episodes: String = episodes, trajectories: String, mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try makeTempDir()
        let e = try write(episodes, "episodes.json", in: dir), t = try write(trajectories, "trajectories.jsonl", in: dir)
        let r = try runVLNSim(["bench", "evaluate", "--episodes", e, "--trajectories", t, "--out", dir + "/out.jsonl"])
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)", file: file, line: line) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.jsonl"), "partial output", file: file, line: line)
    }

    func testBadInputsFailNamingTheEpisodeAndLine() throws {
        try expectFailure(trajectories: Self.trajectories + "\n{\"episode_id\": 99, \"positions\": [[0, 0, 0]], \"stop_called\": true}\n",
                          mentions: ["trajectories.jsonl:4", "episode 99", "not in the episode file"])
        try expectFailure(trajectories: #"{"episode_id": 1, "stop_called": true}"#, mentions: ["trajectories.jsonl:1", "episode 1", "positions"])
        try expectFailure(trajectories: #"{"episode_id": 1, "positions": [[0, 0]], "stop_called": true}"#, mentions: ["positions[0]"])
        try expectFailure(trajectories: #"{"episode_id": 1, "positions": [[0, 0, 0]]}"#, mentions: ["stop_called"])
        try expectFailure(trajectories: Self.trajectories + "\n" + Self.trajectories, mentions: ["trajectories.jsonl:4", "already", "line 1"])
        try expectFailure(trajectories: "{not json\n", mentions: ["trajectories.jsonl:1", "invalid JSON"])
        try expectFailure(episodes: Self.episodes.replacingOccurrences(of: #""info": {"geodesic_distance": 5.0}, "#, with: ""),
                          trajectories: Self.trajectories, mentions: ["episodes.json", "episode 2", "info"])
        let dir = try makeTempDir()
        let gz = try write("definitely not gzip", "episodes.json.gz", in: dir), t = try write(Self.trajectories, "t.jsonl", in: dir)
        let r = try runVLNSim(["bench", "evaluate", "--episodes", gz, "--trajectories", t])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("episodes.json.gz") && r.stderr.contains("gzip"), r.stderr)
    }
}
