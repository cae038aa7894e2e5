import Foundation
import VLNCore
import VLNEpisodes
import VLNTestSupport
import XCTest

/// JSON values equal as JSON: numbers compare by value (`3` equals `3.0`), objects by key set.
func jsonEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { jsonEqual($0, $1) }
    case let (.object(x), .object(y)): return x.count == y.count && x.allSatisfy { k, v in y[k].map { jsonEqual(v, $0) } ?? false }
    default:
        if let x = a.number, let y = b.number { return x == y }
        return a == b
    }
}

final class VLNEpisodesTests: XCTestCase {
    let episodesFile = "r2r-ce/R2R_VLNCE_v1-3_val_unseen.json.gz"
    let gtFile = "r2r-ce/R2R_VLNCE_v1-3_preprocessed_val_unseen_gt.json.gz"

    func testRealR2RCEEpisodesRoundTrip() throws {
        let path = try requireDataFile(episodesFile)
        let original = try readJSONValue(path: path)
        let t0 = Date()
        let dataset = try VLNCEDataset.load(path: path)
        let seconds = Date().timeIntervalSince(t0)
        print("VLNCEDataset.load of \(dataset.episodes.count) episodes: \(String(format: "%.3f", seconds)) s")
        XCTAssertEqual(dataset.episodes.count, 1839)
        XCTAssertTrue(jsonEqual(dataset.json, original), "typed episodes lose a field")
        let e = dataset.episodes[0]
        XCTAssertTrue(e.sceneID.hasPrefix("mp3d/"))
        XCTAssertEqual(e.goals.first?.radius, 3.0)
        XCTAssertNotNil(e.instructionTokens)
        let dir = try makeTempDir()
        for name in ["out.json.gz", "out.json"] {
            try dataset.write(to: dir + "/" + name)
            let again = try VLNCEDataset.load(path: dir + "/" + name)
            XCTAssertEqual(again, dataset, name)
            XCTAssertTrue(jsonEqual(try readJSONValue(path: dir + "/" + name), original), name)
        }
        XCTAssertEqual(filesIn(dir).sorted(), ["out.json", "out.json.gz"], "no temporary files left")
        let raw = try Data(contentsOf: URL(fileURLWithPath: dir + "/out.json.gz"))
        XCTAssertTrue(Gzip.isGzip(raw))
    }

    func testRealGroundTruthRoundTrips() throws {
        let path = try requireDataFile(gtFile)
        let original = try readJSONValue(path: path)
        let t0 = Date()
        let gt = try VLNCEGroundTruth.load(path: path)
        print("VLNCEGroundTruth.load of \(gt.paths.count) paths: \(String(format: "%.3f", Date().timeIntervalSince(t0))) s")
        XCTAssertEqual(gt.paths.count, 1839)
        XCTAssertTrue(jsonEqual(gt.json, original))
        let p = try XCTUnwrap(gt.paths["1"])
        XCTAssertEqual(p.actions.filter { $0 == 1 }.count, p.forwardSteps)
        let dir = try makeTempDir()
        try gt.write(to: dir + "/gt.json.gz")
        XCTAssertEqual(try VLNCEGroundTruth.load(path: dir + "/gt.json.gz"), gt)
    }

    static let good = """
    {"episodes": [{"episode_id": 7, "trajectory_id": 3, "scene_id": "generated/house-1", "start_position": [0, 0, 0],
      "start_rotation": [0, 0, 0, 1], "info": {"geodesic_distance": 4.0}, "goals": [{"position": [0, 0, -4], "radius": 3.0}],
      "reference_path": [[0, 0, 0], [0, 0, -4]], "instruction": {"instruction_text": "Walk ahead.", "instruction_tokens": [1, 2]},
      "events": [{"step": 3, "kind": "remove", "instance": 5}], "chain": {"id": "c0", "index": 2}, "note": "kept"}]}
    """

    func testExtensionsAndUnknownKeysAreKept() throws {
        let dir = try makeTempDir()
        try Data(Self.good.utf8).write(to: URL(fileURLWithPath: dir + "/e.json"))
        let d = try VLNCEDataset.load(path: dir + "/e.json")
        XCTAssertEqual(d.episodes[0].episodeID, .int(7))
        XCTAssertNotNil(d.episodes[0].events)
        XCTAssertNotNil(d.episodes[0].chain)
        XCTAssertNil(d.instructionVocab)
        XCTAssertTrue(jsonEqual(d.json, try readJSONValue(path: dir + "/e.json")))
    }

    private func expectBadFile(_ text: String, name: String = "bad.json", mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try makeTempDir()
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/" + name))
        XCTAssertThrowsError(try VLNCEDataset.load(path: dir + "/" + name), file: file, line: line) { error in
            guard case .badFile = error as? VLNError else { return XCTFail("not badFile: \(error)", file: file, line: line) }
            let s = "\(error)"
            for m in mentions + [name] { XCTAssertTrue(s.contains(m), "'\(s)' lacks '\(m)'", file: file, line: line) }
        }
    }

    func testBadInputNamesTheFileTheEpisodeAndTheField() throws {
        try expectBadFile(Self.good.replacingOccurrences(of: #""scene_id": "generated/house-1", "#, with: ""),
                          mentions: ["episode 7", "scene_id", "missing"])
        try expectBadFile(Self.good.replacingOccurrences(of: #""geodesic_distance": 4.0"#, with: #""geodesic_distance": "far""#),
                          mentions: ["episode 7", "info.geodesic_distance", "number"])
        try expectBadFile(Self.good.replacingOccurrences(of: #"[{"position": [0, 0, -4]"#, with: #"[{"position": [0, -4]"#),
                          mentions: ["episode 7", "goals[0].position"])
        try expectBadFile(Self.good.replacingOccurrences(of: #""episode_id": 7, "#, with: ""), mentions: ["episodes[0]", "episode_id"])
        try expectBadFile(#"{"episodes": [}"#, mentions: ["invalid JSON"])
        try expectBadFile("{}", mentions: ["episodes"])
    }

    func testCorruptGzipIsABadFile() throws {
        let dir = try makeTempDir()
        let gz = try Gzip.compress(Data(Self.good.utf8), path: "x")
        var corrupt = gz
        for k in 12..<min(40, corrupt.count) { corrupt[k] ^= 0x5A }
        for (name, bytes) in [("corrupt.json.gz", corrupt), ("truncated.json.gz", gz.prefix(gz.count / 2)), ("plain.json.gz", Data(Self.good.utf8))] {
            try bytes.write(to: URL(fileURLWithPath: dir + "/" + name))
            XCTAssertThrowsError(try VLNCEDataset.load(path: dir + "/" + name), name) { error in
                guard case .badFile = error as? VLNError else { return XCTFail("\(name): \(error)") }
                XCTAssertTrue("\(error)".contains(name), "\(error)")
            }
        }
        XCTAssertEqual(try Gzip.decompress(gz, path: "x"), Data(Self.good.utf8))
    }
}
