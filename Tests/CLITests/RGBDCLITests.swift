import Foundation
import VLNTestSupport
import XCTest

/// `vlnsim rgbd info|fuse` and `episode --export-rgbd`, end to end.
extension CLITests {
    var kitchen: String { testDataPath() + "/sevenscenes-kitchen-100" }

    func testRGBDInfoDescribesTheKitchen() throws {
        _ = try requireDataFile("sevenscenes-kitchen-100/camera-intrinsics.txt")
        let r = try vlnsim(["rgbd", "info", kitchen])
        XCTAssertEqual(r.status, 0, r.stderr)
        for s in ["7-Scenes/3DMatch", "frames: 100", "640×480", "fx 585.000, fy 585.000, cx 320.000, cy 240.000", "trajectory:", "gravity"] {
            XCTAssertTrue(r.stdout.contains(s), "'\(s)' not in \(r.stdout)")
        }
        let given = try vlnsim(["rgbd", "info", kitchen, "--intrinsics", "525,526,319.5,239.5", "--sample", "2"])
        XCTAssertEqual(given.status, 0, given.stderr)
        XCTAssertTrue(given.stdout.contains("fx 525.000, fy 526.000, cx 319.500, cy 239.500"), given.stdout)
        XCTAssertEqual(try vlnsim(["rgbd", "info", kitchen, "--intrinsics", "525,0,1"]).status, 64)
    }

    /// Fuses the 100 kitchen frames; the PLY is read back by hand here (independently of the project's PLY reader) and
    /// by python3 + numpy when available.
    func testRGBDFuseWritesAPLYAndATopDownPNG() throws {
        _ = try requireDataFile("sevenscenes-kitchen-100/camera-intrinsics.txt")
        let dir = try makeTempDir()
        let r = try vlnsim(["rgbd", "fuse", kitchen, "--voxel", "0.05", "--stride", "2", "--out", dir + "/fused"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(filesIn(dir + "/fused").sorted(), ["fused.ply", "topdown.png"])
        XCTAssertEqual(filesIn(dir).sorted(), ["fused"], "no staging folder left")
        // Minimal PLY parse: header lines up to end_header, then count × (3 float32 + 3 uint8), little-endian.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/fused/fused.ply")))
        let marker = Array("end_header\n".utf8)
        let end = (0...(bytes.count - marker.count)).first { Array(bytes[$0..<($0 + marker.count)]) == marker }! + marker.count
        let header = String(decoding: bytes[0..<end], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("ply\nformat binary_little_endian 1.0\n"))
        let count = Int(header.split(separator: "\n").first { $0.hasPrefix("element vertex ") }!.split(separator: " ")[2])!
        XCTAssertEqual(bytes.count - end, count * 15)
        XCTAssertGreaterThan(count, 10_000)
        var lo = [Float](repeating: .infinity, count: 3), hi = [Float](repeating: -.infinity, count: 3)
        for i in 0..<count {
            for a in 0..<3 {
                let o = end + i * 15 + a * 4
                let v = Float(bitPattern: UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24)
                lo[a] = min(lo[a], v); hi[a] = max(hi[a], v)
            }
        }
        // A kitchen-sized cloud: a few metres across.
        for a in 0..<3 { XCTAssertGreaterThan(hi[a] - lo[a], 1); XCTAssertLessThan(hi[a] - lo[a], 10) }
        XCTAssertTrue(r.stdout.contains("\(count) after"), r.stdout)
        // python3 + numpy, if present.
        let py = Process()
        py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        py.arguments = ["python3", "-c", """
            import sys, numpy as np
            b = open(sys.argv[1], 'rb').read(); e = b.index(b'end_header\\n') + 11
            n = int([l for l in b[:e].decode().split('\\n') if l.startswith('element vertex')][0].split()[2])
            a = np.frombuffer(b[e:], dtype=np.dtype([('x','<f4'),('y','<f4'),('z','<f4'),('r','u1'),('g','u1'),('b','u1')]), count=n)
            assert len(b) - e == 15 * n
            print(n, a['x'].min(), a['x'].max(), int(a['r'].astype(int).sum()))
            """, dir + "/fused/fused.ply"]
        let out = Pipe(); py.standardOutput = out; py.standardError = Pipe()
        try py.run(); py.waitUntilExit()
        if py.terminationStatus == 0 {
            let fields = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")
            XCTAssertEqual(Int(fields[0]), count)
            XCTAssertEqual(Float(fields[1])!, lo[0], accuracy: 1e-6)
            XCTAssertEqual(Float(fields[2].trimmingCharacters(in: .whitespacesAndNewlines))!, hi[0], accuracy: 1e-6)
        } else {
            print("python3 with numpy not available: second PLY reader skipped")
        }
    }

    func testRGBDBadInputsFailCleanly() throws {
        _ = try requireDataFile("sevenscenes-kitchen-100/camera-intrinsics.txt")
        func copy(_ n: Int) throws -> String {
            let dir = try makeTempDir() + "/seq"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for i in 0..<n { for kind in ["color.jpg", "depth.png", "pose.txt"] {
                let name = String(format: "frame-%06d.%@", i * 10, kind)
                try FileManager.default.copyItem(atPath: kitchen + "/frames/" + name, toPath: dir + "/" + name)
            } }
            return dir
        }
        var d = try copy(3)
        try FileManager.default.removeItem(atPath: d + "/frame-000010.depth.png")
        try expectFailure(["rgbd", "fuse", d], mentions: ["frame-000010.color.jpg", "without its depth"])
        d = try copy(3)
        try Data("1 0 0 0\n0 1 0 0\n0 0 3 0\n0 0 0 1\n".utf8).write(to: URL(fileURLWithPath: d + "/frame-000020.pose.txt"))
        try expectFailure(["rgbd", "fuse", d], mentions: ["frame-000020.pose.txt", "not orthonormal"])
        d = try copy(3)
        try Data("nan 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n".utf8).write(to: URL(fileURLWithPath: d + "/frame-000000.pose.txt"))
        try expectFailure(["rgbd", "fuse", d], mentions: ["frame-000000.pose.txt", "NaN"])
        // Found only while fusing (the last frame): nothing may be written.
        d = try copy(3)
        let png = URL(fileURLWithPath: d + "/frame-000020.depth.png")
        try Data(try Data(contentsOf: png).prefix(3000)).write(to: png)
        try expectFailure(["rgbd", "fuse", d], mentions: ["frame-000020.depth.png"])
        d = try copy(3)
        let jpg = URL(fileURLWithPath: d + "/frame-000020.color.jpg")
        try Data(try Data(contentsOf: jpg).prefix(2000)).write(to: jpg)
        try expectFailure(["rgbd", "fuse", d], mentions: ["frame-000020.color.jpg"])
        d = try copy(2)
        try PNG16.writeSmall(to: d + "/frame-000010.depth.png")
        try expectFailure(["rgbd", "fuse", d], mentions: ["frame-000010.depth.png", "mismatched resolutions"])
        let empty = try makeTempDir()
        try expectFailure(["rgbd", "fuse", empty], mentions: [empty, "empty"])
        let info = try vlnsim(["rgbd", "info", empty])
        XCTAssertEqual(info.status, 1)
        XCTAssertTrue(info.stderr.contains("empty"), info.stderr)
    }

    func testEpisodeExportsRGBDThatRGBDInfoReads() throws {
        let dir = try makeTempDir()
        for format in ["7scenes", "tum"] {
            let r = try vlnsim(["episode", "--scene", "scenes/house_0001.json", "--start=1.0,0,2.0", "--heading", "90",
                                "--actions", "3R 2F L F S", "--export-rgbd", format, "--out", dir + "/" + format])
            XCTAssertEqual(r.status, 0, r.stderr)
            let info = try vlnsim(["rgbd", "info", dir + "/" + format + "/rgbd"])
            XCTAssertEqual(info.status, 0, info.stderr)
            XCTAssertTrue(info.stdout.contains("frames: 9"), info.stdout)
            XCTAssertTrue(info.stdout.contains("256×256"), info.stdout)
            XCTAssertTrue(info.stdout.contains("fx 128.000, fy 128.000, cx 127.500, cy 127.500"), info.stdout)
            if format == "tum" { XCTAssertTrue(info.stdout.contains("duration: 0.80 s"), info.stdout) }
        }
        let bad = try vlnsim(["episode", "--scene", "scenes/house_0001.json", "--actions", "F", "--export-rgbd", "scannet"])
        XCTAssertEqual(bad.status, 64)
    }
}

/// A 16-bit PNG of another size, written without the project's writer (a stored-block zlib stream by hand).
enum PNG16 {
    static func writeSmall(to path: String, width: Int = 32, height: Int = 24) throws {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        func crc(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes { c ^= UInt32(b); for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 } }
            return ~c
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let td = Array(type.utf8) + data
            return be32(UInt32(data.count)) + td + be32(crc(td))
        }
        var raw: [UInt8] = []
        for _ in 0..<height { raw.append(0); for _ in 0..<width { raw += [0x03, 0xE8] } }  // 1000 mm
        var a: UInt32 = 1, b: UInt32 = 0
        for x in raw { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        let n = UInt16(raw.count)
        let zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8(~n >> 8)] + raw + be32(b << 16 | a)
        let ihdr = be32(UInt32(width)) + be32(UInt32(height)) + [16, 0, 0, 0, 0]
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", zlib) + chunk("IEND", [])
        try Data(png).write(to: URL(fileURLWithPath: path))
    }
}
