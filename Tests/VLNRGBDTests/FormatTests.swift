import Foundation
import VLNCore
import VLNImage
import VLNRGBD
import VLNTestSupport
import XCTest

/// TUM, ScanNet and Redwood layouts built in temporary folders from real frames (TUM's from Open3D's test data,
/// 7-Scenes' kitchen), read back through auto-detection.
final class FormatTests: XCTestCase {
    func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
    func copy(_ from: String, _ to: String) throws {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: to).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }
    func kitchenFrame(_ i: Int, _ kind: String) throws -> String {
        try requireDataFile(String(format: "sevenscenes-kitchen-100/frames/frame-%06d.%@", i * 10, kind))
    }

    /// A TUM folder with the real TUM frame: rgb.txt, depth.txt, groundtruth.txt written here.
    func makeTUM(_ dir: String, extraColorLine: Bool = false) throws {
        try copy(try requireDataFile("rgbd-formats/TUM_color.png"), dir + "/rgb/1305031102.175304.png")
        try copy(try requireDataFile("rgbd-formats/TUM_depth.png"), dir + "/depth/1305031102.160407.png")
        try write("# color images\n# timestamp filename\n1305031102.175304 rgb/1305031102.175304.png\n"
                  + (extraColorLine ? "1305031103.500000 rgb/1305031102.175304.png\n" : ""), dir + "/rgb.txt")
        try write("# depth maps\n1305031102.160407 depth/1305031102.160407.png\n", dir + "/depth.txt")
        // Identity orientation, camera at (1, 2, 3); a second pose far in time (not associated).
        try write("# ground truth trajectory\n# timestamp tx ty tz qx qy qz qw\n1305031102.1758 1 2 3 0 0 0 1\n"
                  + "1305031109.0 0 0 0 0 0 0 1\n", dir + "/groundtruth.txt")
    }

    func testTUMFolderReadsDepthOver5000AndConvertsThePose() throws {
        let dir = try makeTempDir()
        try makeTUM(dir, extraColorLine: true)
        XCTAssertEqual(try RGBDFormat.detect(folder: dir), .tum)
        let seq = try RGBDSequence.load(dir)
        XCTAssertEqual(seq.count, 1)
        XCTAssertEqual(seq.depthScale, 1 / 5000)
        XCTAssertTrue(seq.notes.joined().contains("dropped 1 colour"), "\(seq.notes)")
        // No intrinsics file, no freiburg in the folder name: TUM freiburg1 (517.3, 516.5, 318.6, 255.3).
        let f = CameraConventions.fileIntrinsics(seq.intrinsics)
        XCTAssertEqual(f.fx, 517.3, accuracy: 1e-4); XCTAssertEqual(f.cy, 255.3, accuracy: 1e-4)
        let frame = try seq.frame(at: 0)
        XCTAssertEqual(frame.timestamp, 1305031102.175304)
        // TUM_depth.png pixel (320, 240) holds 10920 → 10920 / 5000 = 2.184 m.
        XCTAssertEqual(frame.depth[320, 240], 2.184, accuracy: 1e-6)
        XCTAssertEqual(frame.color.width, 640)
        // The identity OpenCV pose looks along world +z: a point on the optical axis at depth d is (1, 2, 3 + d).
        let k = seq.intrinsics
        let onAxis = frame.worldFromCamera.apply(2 * k.cameraRay(x: k.cx, y: k.cy))
        XCTAssertLessThan(length(onAxis - Vec3(1, 2, 5)), 1e-6)
        // Image "up" (−y in OpenCV) is world −y.
        XCTAssertLessThan(length(frame.worldFromCamera.rotation.c1 - Vec3(0, -1, 0)), 1e-6)

        // Given intrinsics override the default.
        let given = CameraIntrinsics(width: 640, height: 480, fx: 525, fy: 525, cx: 320, cy: 240)
        XCTAssertEqual(try RGBDSequence.load(dir, options: RGBDLoadOptions(intrinsics: given)).intrinsics, given)
    }

    func testTUMAssociationIsGreedyClosestFirstWithinTolerance() throws {
        let dir = try makeTempDir()
        try makeTUM(dir)
        // Two colour stamps near one depth stamp: only the closer one is paired (associate.py's one-to-one rule).
        try write("1.000 rgb/1305031102.175304.png\n1.015 rgb/1305031102.175304.png\n1.100 rgb/1305031102.175304.png\n", dir + "/rgb.txt")
        try write("1.012 depth/1305031102.160407.png\n1.095 depth/1305031102.160407.png\n", dir + "/depth.txt")
        try write("1.0 0 0 0 0 0 0 1\n1.02 0 0 0 0 0 0 1\n1.1 0 0 0 0 0 0 1\n", dir + "/groundtruth.txt")
        let seq = try RGBDSequence.load(dir)
        XCTAssertEqual(seq.entries.compactMap(\.timestamp), [1.015, 1.100])
    }

    /// Redwood/Open3D: the first three kitchen frames with their poses in a .log and an Open3D intrinsics JSON.
    func testRedwoodLogReadsLikeTheSameFramesIn7Scenes() throws {
        let dir = try makeTempDir()
        var log = ""
        for i in 0..<3 {
            try copy(try kitchenFrame(i, "color.jpg"), dir + String(format: "/color/%05d.jpg", i))
            try copy(try kitchenFrame(i, "depth.png"), dir + String(format: "/depth/%05d.png", i))
            log += "\(i) \(i) \(i + 1)\n" + (try String(contentsOfFile: try kitchenFrame(i, "pose.txt"), encoding: .utf8))
        }
        try write(log, dir + "/trajectory.log")
        // Open3D's PinholeCameraIntrinsic JSON: intrinsic_matrix column-major.
        try write(#"{"width": 640, "height": 480, "intrinsic_matrix": [585, 0, 0, 0, 585, 0, 320, 240, 1]}"#, dir + "/camera_intrinsic.json")
        XCTAssertEqual(try RGBDFormat.detect(folder: dir), .redwood)
        let seq = try RGBDSequence.load(dir)
        let kitchen = try RGBDSequence.load(URL(fileURLWithPath: try kitchenFrame(0, "pose.txt")).deletingLastPathComponent().deletingLastPathComponent().path)
        XCTAssertEqual(seq.count, 3)
        XCTAssertEqual(seq.intrinsics, kitchen.intrinsics)
        for i in 0..<3 {
            XCTAssertEqual(seq.entries[i].worldFromCamera, kitchen.entries[i].worldFromCamera)
            let a = try seq.frame(at: i), b = try kitchen.frame(at: i)
            XCTAssertEqual(a.depth, b.depth)
            XCTAssertEqual(a.color, b.color)
        }
        // Writing the intrinsics back gives the same JSON values.
        try RGBDSequence.writeOpen3DIntrinsics(seq.intrinsics, to: dir + "/back.json")
        XCTAssertEqual(try RGBDSequence.readOpen3DIntrinsics(dir + "/back.json"), seq.intrinsics)
    }

    /// ScanNet export: colour at twice the depth resolution with its own intrinsics is resampled into the depth camera.
    func testScanNetExportResamplesColourIntoTheDepthCamera() throws {
        let dir = try makeTempDir()
        let small = try readColorImage(try kitchenFrame(0, "color.jpg"))
        // A 1280×960 colour image: each pixel a 2×2 block, so resampling back at the block centres is exact.
        var big = RGBImage(width: 1280, height: 960, fill: .black)
        for y in 0..<960 { for x in 0..<1280 { big[x, y] = small[x / 2, y / 2] } }
        try FileManager.default.createDirectory(atPath: dir + "/color", withIntermediateDirectories: true)
        try PNG.write(big, to: dir + "/color/0.png")
        try copy(try kitchenFrame(0, "depth.png"), dir + "/depth/0.png")
        try copy(try kitchenFrame(0, "pose.txt"), dir + "/pose/0.txt")
        try write("585 0 320 0\n0 585 240 0\n0 0 1 0\n0 0 0 1\n", dir + "/intrinsic/intrinsic_depth.txt")
        // File convention: the 2× image's K is fx' = 2fx, cx' = 2cx + 0.5.
        try write("1170 0 640.5 0\n0 1170 480.5 0\n0 0 1 0\n0 0 0 1\n", dir + "/intrinsic/intrinsic_color.txt")
        XCTAssertEqual(try RGBDFormat.detect(folder: dir), .scanNet)
        let seq = try RGBDSequence.load(dir)
        XCTAssertEqual(seq.colorIntrinsics?.width, 1280)
        let f = try seq.frame(at: 0)
        XCTAssertEqual(f.color.width, 640)
        XCTAssertEqual(f.color, small)
        XCTAssertEqual(f.depth[320, 240], Float(try PNG.readGray16(try kitchenFrame(0, "depth.png"))[320, 240]) / 1000, accuracy: 1e-6)
    }

    /// ScanNet writes `-inf` poses where tracking was lost: an error by default, left out with `skipInvalidPoses`.
    func testLostTrackingPosesFailOrAreSkipped() throws {
        let dir = try makeTempDir()
        for i in 0..<3 {
            try copy(try kitchenFrame(10 * i, "color.jpg"), dir + "/color/\(i).jpg")
            try copy(try kitchenFrame(10 * i, "depth.png"), dir + "/depth/\(i).png")
            try copy(try kitchenFrame(10 * i, "pose.txt"), dir + "/pose/\(i).txt")
        }
        try write(String(repeating: "-inf -inf -inf -inf\n", count: 4), dir + "/pose/1.txt")
        try write("585 0 320 0\n0 585 240 0\n0 0 1 0\n0 0 0 1\n", dir + "/intrinsic/intrinsic_depth.txt")
        XCTAssertThrowsError(try RGBDSequence.load(dir)) { XCTAssertTrue("\($0)".contains("pose/1.txt"), "\($0)") }
        let seq = try RGBDSequence.load(dir, options: RGBDLoadOptions(skipInvalidPoses: true))
        XCTAssertEqual(seq.count, 2)
        XCTAssertTrue(seq.entries[1].depthPath.hasSuffix("depth/2.png"))
    }

    func testWriterRoundTripsFramesInBothLayouts() throws {
        let kitchen = try RGBDSequence.load(URL(fileURLWithPath: try kitchenFrame(0, "pose.txt")).deletingLastPathComponent().deletingLastPathComponent().path)
        for format in [RGBDFormat.sevenScenes, .tum] {
            let dir = try makeTempDir() + "/out"
            let writer = try RGBDSequenceWriter(format: format, folder: dir, gravity: kitchen.gravity)
            let frames = try (0..<3).map { try kitchen.frame(at: $0) }
            for f in frames { try writer.append(f) }
            try writer.finish()
            let back = try RGBDSequence.load(dir)
            XCTAssertEqual(back.format, format)
            XCTAssertEqual(back.count, 3)
            XCTAssertEqual(back.intrinsics, kitchen.intrinsics)
            for (i, f) in frames.enumerated() {
                let g = try back.frame(at: i)
                XCTAssertEqual(g.color, f.color)
                var worst: Float = 0
                for (a, b) in zip(g.depth.pixels, f.depth.pixels) { worst = max(worst, abs(a - b)) }
                XCTAssertLessThanOrEqual(worst, format == .tum ? 0.0001 : 0.0005)
                let m0 = g.worldFromCamera.matrix4x4.joined(), m1 = f.worldFromCamera.matrix4x4.joined()
                // 7-Scenes text keeps the matrix (9 digits); TUM's quaternion is the nearest rotation to the file's
                // slightly non-orthonormal matrix (|R·Rᵀ − I| ≈ 1e-4 in this data), so it moves entries by up to ~6e-5.
                XCTAssertLessThan(zip(m0, m1).map { abs($0 - $1) }.max()!, format == .tum ? 1e-4 : 1e-6)
            }
            if format == .tum { XCTAssertEqual(back.entries.compactMap(\.timestamp), [0, 0.1, 0.2]) }
            if format == .sevenScenes { XCTAssertLessThan(length(back.gravity! - kitchen.gravity!), 1e-6) }
        }
    }
}
