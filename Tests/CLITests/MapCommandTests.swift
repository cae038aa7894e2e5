import Foundation
import VLNCore
import VLNImage
import VLNMemory
import VLNTestSupport
import XCTest

/// `vlnsim map` (build and query) and `vlnsim episode --memory`, end to end.
final class MapCommandTests: XCTestCase {
    func vlnsim(_ args: [String]) throws -> CLIRun { try runVLNSim(args) }

    let demo = "instructions/demo_house_0001.json"
    var kitchen: String { testDataPath() + "/sevenscenes-kitchen-100" }
    static let outputs = ["instances.png", "labels.json", "memory.vlnmem", "patches.png", "zones.png"]

    /// A picture that is not blank: a sane size, at least 8 distinct colours, and at least 5 % of its pixels not white.
    func assertPicture(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let image = try PNG.readRGB(path)
        XCTAssertGreaterThanOrEqual(image.width, 400, path, file: file, line: line)
        XCTAssertGreaterThanOrEqual(image.height, 300, path, file: file, line: line)
        XCTAssertLessThanOrEqual(max(image.width, image.height), 4000, path, file: file, line: line)
        XCTAssertGreaterThanOrEqual(Set(image.pixels).count, 8, "\(path): nearly one colour", file: file, line: line)
        let inked = image.pixels.filter { $0 != .white }.count
        XCTAssertGreaterThan(Double(inked) / Double(image.pixels.count), 0.05, "\(path): nearly empty", file: file, line: line)
    }

    /// The trace's lines as dictionaries.
    func traceLines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// A .vlnmem file's JSON header (as a dictionary) and the bytes of its arrays (without the CRC).
    func memoryParts(_ path: String) throws -> (header: NSDictionary, arrays: Data) {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let h = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        let header = try JSONSerialization.jsonObject(with: bytes.subdata(in: 16..<(16 + h))) as! NSDictionary
        return (header, bytes.subdata(in: (16 + h)..<(bytes.count - 4)))
    }

    func labels(_ dir: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/labels.json"))) as! [String: Any]
    }

    func queryJSON(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let r = try vlnsim(["map", "query"] + args + ["--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    /// The demo episode (51 observations in house_0001, two scene events) with ground-truth features: the five files,
    /// pictures that are not blank, a memory that loads with the trace's counts, a consistent trace, the same bytes
    /// on a second run, and text queries that find the named furniture first.
    func testMapOfTheDemoEpisodeWithGroundTruthFeatures() throws {
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        let dir = try makeTempDir()
        let r = try vlnsim(["map", demo, "--out", dir + "/m", "--trace", dir + "/trace.jsonl"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(filesIn(dir + "/m").sorted(), Self.outputs)
        XCTAssertEqual(filesIn(dir).sorted(), ["m", "trace.jsonl"], "no staging folder or temporary file left")
        for png in ["patches.png", "instances.png", "zones.png"] { try assertPicture(dir + "/m/" + png) }

        let memory = try TokenMemory.load(from: dir + "/m/memory.vlnmem")
        let trace = try traceLines(dir + "/trace.jsonl")
        XCTAssertEqual(trace.count, 51, "one line per observation: the start and 50 actions")
        XCTAssertEqual(memory.frameCount, 51)
        XCTAssertEqual(memory.invariantViolations(), [])
        for (i, t) in trace.enumerated() {
            let before = t["patches_before"] as! Int, deleted = t["deleted"] as! Int, inserted = t["inserted"] as! Int
            XCTAssertEqual(t["frame"] as? Int, i)
            XCTAssertEqual(before - deleted + inserted, t["live_patches"] as! Int, "frame \(i)")
            if i + 1 < trace.count { XCTAssertEqual(before - deleted + inserted, trace[i + 1]["patches_before"] as! Int, "frame \(i)") }
            XCTAssertNotNil(t["update_ms"] as? Double)
        }
        XCTAssertEqual(trace[0]["patches_before"] as? Int, 0)
        XCTAssertEqual(trace.last?["live_patches"] as? Int, memory.livePatchCount)
        XCTAssertEqual(trace.last?["live_instances"] as? Int, memory.liveInstanceCount)
        XCTAssertEqual(trace.last?["live_zones"] as? Int, memory.liveZoneCount)
        XCTAssertGreaterThan(memory.liveInstanceCount, 10)

        let l = try labels(dir + "/m")
        XCTAssertEqual(l["features"] as? String, "gt")
        XCTAssertEqual(l["text_encoder"] as? String, "all-MiniLM-L6-v2")
        XCTAssertEqual(l["grid"] as? [Int], [16, 16])
        XCTAssertTrue((l["vocabulary"] as! [String]).contains("refrigerator"))

        // Deterministic: a second run writes the same memory and pictures. (The .vlnmem header is JSON whose key order
        // Foundation's encoder does not fix on Linux: the header is compared as JSON, the arrays byte for byte.)
        XCTAssertEqual(try vlnsim(["map", demo, "--out", dir + "/again"]).status, 0)
        let a = try memoryParts(dir + "/m/memory.vlnmem"), b = try memoryParts(dir + "/again/memory.vlnmem")
        XCTAssertEqual(a.header, b.header)
        XCTAssertTrue(a.arrays == b.arrays, "the memory's arrays differ between two runs")
        for f in ["patches.png", "instances.png", "zones.png"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/m/" + f)),
                           try Data(contentsOf: URL(fileURLWithPath: dir + "/again/" + f)), f)
        }

        // The episode walks past these; each query's best instance carries its label.
        for category in ["refrigerator", "bed", "armchair", "kitchen counter"] {
            let q = try queryJSON([dir + "/m", category, "--top", "3"])
            let first = (q["instances"] as! [[String: Any]])[0]
            XCTAssertEqual(first["label"] as? String, category, "\(q)")
            XCTAssertGreaterThan(first["score"] as! Double, 0.9)
            XCTAssertEqual((q["zones"] as! [[String: Any]]).count, 3)
        }
        // Text output, and the memory's file instead of its folder.
        let t = try vlnsim(["map", "query", dir + "/m/memory.vlnmem", "refrigerator", "--top", "2"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let rows = t.stdout.split(separator: "\n")
        XCTAssertTrue(rows.contains { $0.contains("instances (top 2 of") }, t.stdout)
        let firstRow = try XCTUnwrap(rows.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("1 ") })
        XCTAssertTrue(firstRow.contains("refrigerator"), t.stdout)
    }

    /// --grid for ground-truth features: exactly G×G patches whatever G (the ids are resampled to G·p pixels).
    func testGridOptionSetsTheGroundTruthGrid() throws {
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        let dir = try makeTempDir()
        let r = try vlnsim(["map", demo, "--out", dir + "/g", "--grid", "24", "--frames", "6", "--stride", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let l = try labels(dir + "/g")
        XCTAssertEqual(l["grid"] as? [Int], [24, 24])
        XCTAssertEqual(l["frames"] as? Int, 6)
        XCTAssertEqual(try TokenMemory.load(from: dir + "/g/memory.vlnmem").frameCount, 6)
    }

    /// The 100 real 7-Scenes kitchen frames with the MobileNetV2 → MiniLM bridge and GraphSegmenter segments. The mug
    /// on the table (clearly visible in most frames) is what "coffee mug" finds first: an instance labelled "cup",
    /// lifted from the patch just above the mug in frame-000900 (checked by projecting it into that frame); the
    /// screen on the wall is what "television" finds first.
    func testMapOfSevenScenesFramesWithBridgeFeatures() throws {
        _ = try requireDataFile("sevenscenes-kitchen-100/camera-intrinsics.txt")
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        _ = try requireModelFile("mobilenet-v2/mobilenet_v2.safetensors")
        let dir = try makeTempDir()
        let r = try vlnsim(["map", kitchen, "--features", "bridge", "--out", dir + "/k", "--trace", dir + "/t.jsonl"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(filesIn(dir + "/k").sorted(), Self.outputs)
        for png in ["patches.png", "instances.png", "zones.png"] { try assertPicture(dir + "/k/" + png) }
        let memory = try TokenMemory.load(from: dir + "/k/memory.vlnmem")
        XCTAssertEqual(memory.frameCount, 100)
        XCTAssertEqual(memory.featureDimension, 384)
        XCTAssertGreaterThan(memory.livePatchCount, 100)
        XCTAssertGreaterThan(memory.liveInstanceCount, 1, "GraphSegmenter's segments became instances")
        XCTAssertEqual(try traceLines(dir + "/t.jsonl").count, 100)
        let l = try labels(dir + "/k")
        XCTAssertEqual(l["features"] as? String, "bridge")
        XCTAssertEqual(l["grid"] as? [Int], [15, 20])
        XCTAssertEqual((l["vocabulary"] as? [String])?.count, 1000)
        XCTAssertNotNil(l["memory_from_recording"], "7-Scenes' world frame is turned so that its gravity is −Y")
        let q = try queryJSON([dir + "/k", "refrigerator", "--top", "4"])
        XCTAssertEqual((q["instances"] as! [[String: Any]]).count, 4)
        for (text, label) in [("coffee mug", "cup"), ("television", "television")] {
            let first = (try queryJSON([dir + "/k", text, "--top", "1"])["instances"] as! [[String: Any]])[0]
            XCTAssertEqual(first["label"] as? String, label, "\(text): \(first)")
        }
    }

    /// Raw MobileNetV2 features build a memory (and pictures), but text queries are refused: no text space.
    func testRawMobileNetMemoryRefusesTextQueries() throws {
        _ = try requireDataFile("sevenscenes-kitchen-100/camera-intrinsics.txt")
        _ = try requireModelFile("mobilenet-v2/mobilenet_v2.safetensors")
        let dir = try makeTempDir()
        let r = try vlnsim(["map", kitchen, "--frames", "2", "--features", "mobilenet", "--grid", "8", "--out", dir + "/raw"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(filesIn(dir + "/raw").sorted(), Self.outputs)
        XCTAssertEqual(try TokenMemory.load(from: dir + "/raw/memory.vlnmem").featureDimension, 1280)
        XCTAssertEqual(try labels(dir + "/raw")["grid"] as? [Int], [8, 8])
        let q = try vlnsim(["map", "query", dir + "/raw", "refrigerator"])
        XCTAssertEqual(q.status, 1)
        XCTAssertTrue(q.stderr.contains("mobilenet") && q.stderr.contains("text space"), q.stderr)
    }

    /// `episode --memory` writes the memory and its pictures beside trajectory.png; a run without --memory removes them.
    func testEpisodeMemoryFlag() throws {
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        let dir = try makeTempDir()
        let args = ["episode", "--scene", "scenes/house_0001.json", "--start=1.0,0,2.0", "--heading", "90", "--actions", "6R 4F 2L 2F S",
                    "--out", dir + "/e"]
        let r = try vlnsim(args + ["--memory"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(filesIn(dir + "/e").sorted(), (Self.outputs + ["trajectory.json", "trajectory.png"]).sorted())
        let memory = try TokenMemory.load(from: dir + "/e/memory.vlnmem")
        XCTAssertEqual(memory.frameCount, 16)
        for png in ["patches.png", "instances.png", "zones.png"] { try assertPicture(dir + "/e/" + png) }
        XCTAssertEqual(try labels(dir + "/e")["features"] as? String, "gt")
        XCTAssertEqual(try vlnsim(args).status, 0)
        XCTAssertEqual(filesIn(dir + "/e").sorted(), ["trajectory.json", "trajectory.png"], "a run without --memory leaves no stale memory")
    }

    func testMapHelpShowsBothSubcommands() throws {
        let r = try vlnsim(["map", "--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("build") && r.stdout.contains("query"), r.stdout)
        let b = try vlnsim(["map", "build", "--help"])
        for s in ["--features", "--grid", "--trace", "--frames", "--stride", "gt", "bridge", "mobilenet"] {
            XCTAssertTrue(b.stdout.contains(s), "'\(s)' not in map build --help")
        }
        XCTAssertTrue(try vlnsim(["--help"]).stdout.contains("map"))
    }

    // MARK: - Bad input

    /// A failing build: exit status `status`, stderr naming each of `mentions`, nothing in the output folder's parent.
    func expectBuildFailure(_ args: [String], status: Int32 = 1, mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try makeTempDir()
        let r = try vlnsim(["map"] + args + ["--out", dir + "/out"])
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)", file: file, line: line) }
        XCTAssertEqual(filesIn(dir), [], "partial output left behind", file: file, line: line)
    }

    func testBadSourcesAndOptionsFailCleanly() throws {
        let dir = try makeTempDir()
        // No SOURCE at all: a usage error.
        let none = try vlnsim(["map", "--out", dir + "/x"])
        XCTAssertEqual(none.status, 64)
        XCTAssertTrue(none.stderr.contains("source"), none.stderr)
        XCTAssertEqual(filesIn(dir), [])
        try expectBuildFailure([dir + "/missing"], mentions: [dir + "/missing", "no such file or folder"])
        // A folder that is neither format, and a file that is not an episode.
        let stray = try makeTempDir()
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: stray + "/notes.txt"))
        try expectBuildFailure([stray], mentions: [stray, "neither a posed RGB-D folder nor an episode file"])
        try expectBuildFailure([stray + "/notes.txt"], mentions: ["notes.txt", "neither a posed RGB-D folder nor a scripted-episode file"])
        // Options.
        try expectBuildFailure([demo, "--grid", "0"], status: 64, mentions: ["--grid"])
        try expectBuildFailure([demo, "--grid", "300"], mentions: ["--grid", "256×256"])
        try expectBuildFailure([demo, "--frames", "0"], status: 64, mentions: ["--frames"])
        try expectBuildFailure([demo, "--stride", "0"], status: 64, mentions: ["--stride"])
        try expectBuildFailure([demo, "--features", "clip"], status: 64, mentions: ["--features"])
        try expectBuildFailure([demo, "--trace", dir + "/no/such/folder/t.jsonl"], mentions: ["--trace", dir + "/no/such/folder"])
        if (try? requireDataFile("sevenscenes-kitchen-100/camera-intrinsics.txt")) != nil {
            try expectBuildFailure([kitchen, "--features", "gt"], mentions: ["--features gt", "no ground-truth"])
            try expectBuildFailure([kitchen, "--grid", "100"], mentions: ["--grid", "64"])
            try expectBuildFailure([kitchen, "--grid", "481"], mentions: ["--grid", "640×480"])
        }
    }

    func testBadMemoriesFailCleanly() throws {
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        let dir = try makeTempDir()
        XCTAssertEqual(try vlnsim(["map", demo, "--out", dir + "/m", "--frames", "3"]).status, 0)
        func query(_ memory: String) throws -> CLIRun { try vlnsim(["map", "query", memory, "sofa"]) }
        func copy(_ name: String) throws -> String {
            let d = dir + "/" + name
            try FileManager.default.copyItem(atPath: dir + "/m", toPath: d)
            return d
        }
        // A flipped byte in the middle: the checksum says so.
        let flipped = try copy("flipped")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: flipped + "/memory.vlnmem")))
        bytes[bytes.count / 2] ^= 0x5A
        try Data(bytes).write(to: URL(fileURLWithPath: flipped + "/memory.vlnmem"))
        var r = try query(flipped)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains(flipped + "/memory.vlnmem") && r.stderr.contains("corrupted"), r.stderr)
        // Truncated.
        let cut = try copy("cut")
        try Data(bytes.prefix(1000)).write(to: URL(fileURLWithPath: cut + "/memory.vlnmem"))
        r = try query(cut)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("memory.vlnmem") && r.stderr.contains("truncated"), r.stderr)
        // Not a memory at all.
        let text = try copy("text")
        try Data("not a memory\n".utf8).write(to: URL(fileURLWithPath: text + "/memory.vlnmem"))
        r = try query(text)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("not a vlnsim memory file"), r.stderr)
        // labels.json missing, or unreadable.
        let unlabelled = try copy("unlabelled")
        try FileManager.default.removeItem(atPath: unlabelled + "/labels.json")
        r = try query(unlabelled)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("labels.json") && r.stderr.contains("missing"), r.stderr)
        let badLabels = try copy("badlabels")
        try Data("{\"format\": 3}".utf8).write(to: URL(fileURLWithPath: badLabels + "/labels.json"))
        r = try query(badLabels)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("labels.json"), r.stderr)
        // No memory there; bad options.
        r = try query(dir + "/nothing")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains(dir + "/nothing"), r.stderr)
        let empty = try makeTempDir()
        r = try query(empty)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("memory.vlnmem") && r.stderr.contains("missing"), r.stderr)
        XCTAssertEqual(try vlnsim(["map", "query", dir + "/m", "sofa", "--top", "0"]).status, 64)
        XCTAssertEqual(try vlnsim(["map", "query", dir + "/m", " "]).status, 64)
        XCTAssertEqual(try query(dir + "/m").status, 0, "the original still answers")
    }
}
