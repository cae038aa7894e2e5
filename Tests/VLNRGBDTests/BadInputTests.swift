import Foundation
import VLNCore
import VLNImage
import VLNRGBD
import VLNTestSupport
import XCTest

/// Each bad input of issue 4 gives a `VLNError` naming the file (and line/field where it applies), never a crash.
final class BadInputTests: XCTestCase {
    /// A copy of the first `n` kitchen frames (7-Scenes layout) in a temporary folder.
    func kitchenCopy(_ n: Int = 3) throws -> String {
        let src = URL(fileURLWithPath: try requireDataFile("sevenscenes-kitchen-100/frames/frame-000000.pose.txt")).deletingLastPathComponent().path
        let dir = try makeTempDir()
        for i in 0..<n {
            for kind in ["color.jpg", "depth.png", "pose.txt"] {
                let name = String(format: "frame-%06d.%@", i * 10, kind)
                try FileManager.default.copyItem(atPath: src + "/" + name, toPath: dir + "/" + name)
            }
        }
        try FileManager.default.copyItem(atPath: src + "/../camera-intrinsics.txt", toPath: dir + "/camera-intrinsics.txt")
        return dir
    }

    func expectError(_ body: () throws -> Void, mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("no error", file: file, line: line)
        } catch let e as VLNError {
            for m in mentions { XCTAssertTrue(e.description.contains(m), "'\(m)' not in: \(e.description)", file: file, line: line) }
        } catch {
            XCTFail("not a VLNError: \(error)", file: file, line: line)
        }
    }

    func testColourFrameWithoutItsDepth() throws {
        let dir = try kitchenCopy()
        try FileManager.default.removeItem(atPath: dir + "/frame-000010.depth.png")
        expectError({ _ = try RGBDSequence.load(dir) }, mentions: ["frame-000010.color.jpg", "without its depth"])
    }

    func testDepthFrameWithoutItsColour() throws {
        let dir = try kitchenCopy()
        try FileManager.default.removeItem(atPath: dir + "/frame-000020.color.jpg")
        expectError({ _ = try RGBDSequence.load(dir) }, mentions: ["frame-000020.depth.png", "without its colour"])
    }

    func testFrameWithoutItsPose() throws {
        let dir = try kitchenCopy()
        try FileManager.default.removeItem(atPath: dir + "/frame-000010.pose.txt")
        expectError({ _ = try RGBDSequence.load(dir) }, mentions: ["frame-000010.pose.txt", "no pose"])
    }

    func testMismatchedResolutions() throws {
        let dir = try kitchenCopy()
        // A depth image of another size than the first frame's.
        try PNG.write(Image<UInt16>(width: 320, height: 240, fill: 1000), to: dir + "/frame-000010.depth.png")
        let seq = try RGBDSequence.load(dir)
        expectError({ _ = try seq.frame(at: 1) }, mentions: ["frame-000010.depth.png", "320×240", "mismatched resolutions"])
        // A colour image of another size than its depth.
        try FileManager.default.removeItem(atPath: dir + "/frame-000020.color.jpg")
        try PNG.write(RGBImage(width: 320, height: 240, fill: .white), to: dir + "/frame-000020.color.png")
        let seq2 = try RGBDSequence.load(dir)
        expectError({ _ = try seq2.frame(at: 2) }, mentions: ["frame-000020.color.png", "mismatched resolutions"])
    }

    func testPoseThatIsNotARigidTransform() throws {
        let dir = try kitchenCopy()
        // Scaled rotation.
        try Data("2 0 0 0\n0 2 0 0\n0 0 2 0\n0 0 0 1\n".utf8).write(to: URL(fileURLWithPath: dir + "/frame-000010.pose.txt"))
        expectError({ _ = try RGBDSequence.load(dir) }, mentions: ["frame-000010.pose.txt", "(pose)", "not orthonormal"])
        // A reflection.
        try Data("-1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n".utf8).write(to: URL(fileURLWithPath: dir + "/frame-000010.pose.txt"))
        expectError({ _ = try RGBDSequence.load(dir) }, mentions: ["frame-000010.pose.txt", "determinant"])
        // A projective last row.
        try Data("1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0.5 0 1\n".utf8).write(to: URL(fileURLWithPath: dir + "/frame-000010.pose.txt"))
        expectError({ _ = try RGBDSequence.load(dir) }, mentions: ["frame-000010.pose.txt:4", "last row"])
    }

    func testNaNAndInfinityInAPose() throws {
        let dir = try kitchenCopy()
        try Data("nan 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n".utf8).write(to: URL(fileURLWithPath: dir + "/frame-000020.pose.txt"))
        expectError({ _ = try RGBDSequence.load(dir) }, mentions: ["frame-000020.pose.txt", "NaN or infinite"])
        // 7-Scenes' and ScanNet's "no pose" marker.
        try Data("-inf -inf -inf -inf\n-inf -inf -inf -inf\n-inf -inf -inf -inf\n0 0 0 1\n".utf8)
            .write(to: URL(fileURLWithPath: dir + "/frame-000020.pose.txt"))
        expectError({ _ = try RGBDSequence.load(dir) }, mentions: ["frame-000020.pose.txt", "NaN or infinite"])
    }

    func testUnparsableLines() throws {
        let dir = try kitchenCopy()
        try Data("1 0 0 0\n0 1 zero 0\n0 0 1 0\n0 0 0 1\n".utf8).write(to: URL(fileURLWithPath: dir + "/frame-000010.pose.txt"))
        expectError({ _ = try RGBDSequence.load(dir) }, mentions: ["frame-000010.pose.txt:2", "not a row of numbers"])
        let tum = try makeTempDir()
        try Data("# header\n1.0 rgb/a.png extra\n".utf8).write(to: URL(fileURLWithPath: tum + "/rgb.txt"))
        try Data("1.0 depth/a.png\n".utf8).write(to: URL(fileURLWithPath: tum + "/depth.txt"))
        try Data("1.0 0 0 0 0 0 0 1\n".utf8).write(to: URL(fileURLWithPath: tum + "/groundtruth.txt"))
        expectError({ _ = try RGBDSequence.load(tum) }, mentions: ["rgb.txt:2", "timestamp filename"])
        try Data("1.0 rgb/a.png\n".utf8).write(to: URL(fileURLWithPath: tum + "/rgb.txt"))
        expectError({ _ = try RGBDSequence.load(tum) }, mentions: ["rgb/a.png", "missing", "rgb.txt line 1"])
    }

    func testEmptyAndUnknownFolders() throws {
        let empty = try makeTempDir()
        expectError({ _ = try RGBDSequence.load(empty) }, mentions: [empty, "empty"])
        let other = try makeTempDir()
        try Data("hello".utf8).write(to: URL(fileURLWithPath: other + "/notes.txt"))
        expectError({ _ = try RGBDSequence.load(other) }, mentions: [other, "looked for", "7-Scenes", "TUM", "ScanNet", "Redwood"])
        expectError({ _ = try RGBDSequence.load(other + "/nothing") }, mentions: ["nothing", "no such folder"])
    }

    func testTruncatedPNGAndJPEG() throws {
        let dir = try kitchenCopy()
        for name in ["frame-000010.depth.png", "frame-000020.color.jpg"] {
            let url = URL(fileURLWithPath: dir + "/" + name)
            let bytes = try Data(contentsOf: url)
            try bytes.prefix(bytes.count / 2).write(to: url)
        }
        let seq = try RGBDSequence.load(dir)
        expectError({ _ = try seq.frame(at: 1) }, mentions: ["frame-000010.depth.png"])
        expectError({ _ = try seq.frame(at: 2) }, mentions: ["frame-000020.color.jpg"])
        XCTAssertNoThrow(try seq.frame(at: 0))
    }
}
