import Foundation
import XCTest
import VLNCore
import VLNScene

final class PLYTests: XCTestCase {
    /// A small mesh: 4 vertices (a unit square in z = 0 plus...), one quad and one triangle, with an unknown
    /// element before the faces and an unknown list element after them.
    static let header = { (format: String) in """
        ply
        format \(format) 1.0
        comment fixture with mixed scalar types
        element vertex 4
        property float x
        property double y
        property float32 z
        property uchar red
        property uint8 green
        property uchar blue
        property short label
        property int instance
        element edge 2
        property int vertex1
        property int32 vertex2
        element face 2
        property list uchar int vertex_indices
        property uchar flags
        element blob 1
        property list ushort float data
        end_header

        """ }
    static let positions: [Vec3] = [Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(1, 1, 0.5), Vec3(0, 1, -2.25)]
    static let colors: [RGB8] = [RGB8(255, 0, 0), RGB8(0, 255, 0), RGB8(0, 0, 255), RGB8(10, 20, 30)]
    static let labels: [UInt16] = [4, 4, 2, 2]
    static let instances: [UInt32] = [7, 7, 7, 9]

    static let ascii = header("ascii") + """
        0 0 0 255 0 0 4 7
        1 0 0 0 255 0 4 7
        1 1 0.5 0 0 255 2 7
        0 1 -2.25 10 20 30 2 9
        0 1
        2 3
        4 0 1 2 3 1
        3 3 2 1 0
        2 1.5 2.5

        """

    static func binary(bigEndian: Bool) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.text(header(bigEndian ? "binary_big_endian" : "binary_little_endian"))
        for i in 0..<4 {
            let p = positions[i]
            w.f32(p.x); w.f64(Double(p.y)); w.f32(p.z)
            w.u8(colors[i].r); w.u8(colors[i].g); w.u8(colors[i].b)
            w.i16(Int16(labels[i])); w.i32(Int32(instances[i]))
        }
        w.i32(0); w.i32(1); w.i32(2); w.i32(3)
        w.u8(4); w.i32(0); w.i32(1); w.i32(2); w.i32(3); w.u8(1)
        w.u8(3); w.i32(3); w.i32(2); w.i32(1); w.u8(0)
        w.u16(2); w.f32(1.5); w.f32(2.5)
        return w.bytes
    }

    func testASCIIAndBinaryLittleAndBigEndianReadIdentically() throws {
        let dir = try makeTempDir()
        let paths = ["a.ply", "le.ply", "be.ply"].map { dir + "/" + $0 }
        try Data(Self.ascii.utf8).write(to: URL(fileURLWithPath: paths[0]))
        try Data(Self.binary(bigEndian: false)).write(to: URL(fileURLWithPath: paths[1]))
        try Data(Self.binary(bigEndian: true)).write(to: URL(fileURLWithPath: paths[2]))
        for path in paths {
            let d = try PLY.read(path: path)
            XCTAssertEqual(d.positions, Self.positions, path)
            XCTAssertEqual(d.colors, Self.colors, path)
            XCTAssertEqual(d.semanticLabels, Self.labels, path)
            XCTAssertEqual(d.instanceIds, Self.instances, path)
            XCTAssertEqual(d.triangles, [SIMD3(0, 1, 2), SIMD3(0, 2, 3), SIMD3(3, 2, 1)], path)
            XCTAssertEqual(d.comments, ["fixture with mixed scalar types"], path)
            let mesh = d.mesh()
            XCTAssertEqual(mesh.triangleCount, 3)
            // Mean of vertex colours: (255+0+0)/3 = 85 (rounded), etc.; majority of vertex instances.
            XCTAssertEqual(mesh.triangleColors[0], RGB8(85, 85, 85), path)
            XCTAssertEqual(mesh.triangleColors[1], RGB8(88, 7, 95), path)
            XCTAssertEqual(mesh.triangleInstanceIds, [7, 7, 7], path)
        }
    }

    func testFloatColoursAndVertexIndexWithOtherListTypes() throws {
        let dir = try makeTempDir()
        let path = dir + "/f.ply"
        try Data("""
            ply
            format ascii 1.0
            element vertex 3
            property float64 x
            property float64 y
            property float64 z
            property float red
            property float green
            property float blue
            property uint objectId
            element face 1
            property list ushort uint vertex_index
            end_header
            0 0 0 1 0.5 0 3
            1 0 0 1 0.5 0 3
            0 0 1 1 0.5 0 4
            3 0 1 2

            """.utf8).write(to: URL(fileURLWithPath: path))
        let d = try PLY.read(path: path)
        XCTAssertEqual(d.colors?[0], RGB8(255, 128, 0))
        XCTAssertEqual(d.instanceIds, [3, 3, 4])
        XCTAssertNil(d.semanticLabels)
        XCTAssertEqual(d.triangles, [SIMD3(0, 1, 2)])
        XCTAssertEqual(d.mesh().triangleInstanceIds, [3])
        // Through Scene.load: no label property → taken as Y up, unchanged.
        let scene = try Scene.load(path: path, dataPath: dir)
        XCTAssertEqual(scene.mesh.vertices[2], Vec3(0, 0, 1))
    }

    func testPointCloudRoundTrip() throws {
        let dir = try makeTempDir()
        var rng = SeededRandom(seed: 7)
        let n = 500
        let cloud = PointCloud(positions: (0..<n).map { _ in Vec3(rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 1)) * 5 },
                               colors: (0..<n).map { _ in RGB8(rng.byte(), rng.byte(), rng.byte()) },
                               semanticLabels: (0..<n).map { _ in UInt16(rng.byte() % 41) },
                               instanceIds: (0..<n).map { i in i == 3 ? 70_000 : UInt32(rng.byte() % 5) })
        let path = dir + "/cloud.ply"
        try PLY.write(cloud, to: path)
        let back = try PLY.read(path: path)
        XCTAssertFalse(back.hasFaces)
        let c = back.pointCloud()
        XCTAssertEqual(c.positions, cloud.positions)
        XCTAssertEqual(c.colors, cloud.colors)
        XCTAssertEqual(c.semanticLabels, cloud.semanticLabels)
        XCTAssertEqual(c.instanceIds, cloud.instanceIds)

        // Without labels and with 16-bit instance ids: the columns are optional.
        let plain = PointCloud(positions: [Vec3(1, 2, 3)], colors: [RGB8(1, 2, 3)])
        try PLY.write(plain, to: path)
        let b2 = try PLY.read(path: path)
        XCTAssertNil(b2.semanticLabels)
        XCTAssertNil(b2.instanceIds)
        XCTAssertEqual(b2.positions, [Vec3(1, 2, 3)])
    }

    func testMeshRoundTrip() throws {
        let dir = try makeTempDir()
        let mesh = TriangleMesh(vertices: [Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(1, 1, 0), Vec3(0, 1, 0.25)],
                                triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)], triangleInstanceIds: [1, 5],
                                triangleColors: [RGB8(9, 8, 7), RGB8(200, 100, 50)])
        let path = dir + "/mesh.ply"
        try PLY.write(mesh, to: path)
        let back = try PLY.read(path: path).mesh()
        XCTAssertEqual(back.vertices, mesh.vertices)
        XCTAssertEqual(back.triangles, mesh.triangles)
        XCTAssertEqual(back.triangleColors, mesh.triangleColors)
        XCTAssertEqual(back.triangleInstanceIds, mesh.triangleInstanceIds)
    }

    // MARK: Bad input

    func testTruncatedBinaryNamesExpectedAndFoundBytes() throws {
        let dir = try makeTempDir()
        let path = dir + "/trunc.ply"
        var w = ByteWriter(bigEndian: false)
        w.text("ply\nformat binary_little_endian 1.0\nelement vertex 10\nproperty float x\nproperty float y\nproperty float z\nend_header\n")
        for i in 0..<5 { w.f32(Float(i)); w.f32(0); w.f32(0) }
        try Data(w.bytes).write(to: URL(fileURLWithPath: path))
        let e = expectBadFile { try PLY.read(path: path) }
        XCTAssertEqual(e?.path, path)
        XCTAssertEqual(e?.field, "vertex")
        XCTAssertTrue(e?.reason.contains("120 bytes") ?? false, e?.reason ?? "")
        XCTAssertTrue(e?.reason.contains("found 60 bytes") ?? false, e?.reason ?? "")

        // Truncated inside the variable-length face element.
        var f = ByteWriter(bigEndian: false)
        f.text("ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
               + "element face 2\nproperty list uchar int vertex_indices\nend_header\n")
        for _ in 0..<9 { f.f32(0) }
        f.u8(3); f.i32(0); f.i32(1); f.i32(2)
        f.u8(3); f.i32(0)
        try Data(f.bytes).write(to: URL(fileURLWithPath: path))
        let e2 = expectBadFile { try PLY.read(path: path) }
        XCTAssertEqual(e2?.field, "face")
        XCTAssertTrue(e2?.reason.contains("truncated") ?? false, e2?.reason ?? "")
        XCTAssertTrue(e2?.reason.contains("2 'face' elements") ?? false, e2?.reason ?? "")
    }

    func testAnElementCountThatCannotFitIsATruncationNotAnAllocation() throws {
        let dir = try makeTempDir()
        let path = dir + "/lie.ply"
        for (format, count) in [("binary_little_endian", "4000000000"), ("binary_little_endian", "4611686018427387904"),
                                ("ascii", "4000000000")] {
            var w = ByteWriter(bigEndian: false)
            w.text("ply\nformat \(format) 1.0\nelement vertex \(count)\nproperty float x\nproperty float y\nproperty float z\nend_header\n")
            for _ in 0..<3 { w.f32(1) }
            try Data(w.bytes).write(to: URL(fileURLWithPath: path))
            let e = expectBadFile { try PLY.read(path: path) }
            XCTAssertEqual(e?.field, "vertex")
            XCTAssertTrue(e?.reason.contains("truncated") ?? false, e?.reason ?? "")
        }
    }

    func testTruncatedASCII() throws {
        let dir = try makeTempDir()
        let path = dir + "/t.ply"
        try Data("ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n1 1 1\n"
            .utf8).write(to: URL(fileURLWithPath: path))
        let e = expectBadFile { try PLY.read(path: path) }
        XCTAssertEqual(e?.path, path)
        XCTAssertTrue(e?.reason.contains("promises 3") ?? false, e?.reason ?? "")
        XCTAssertTrue(e?.reason.contains("2 complete") ?? false, e?.reason ?? "")
    }

    func testBadHeaderLineMissingAxisAndOutOfRangeFaceIndex() throws {
        let dir = try makeTempDir()
        let path = dir + "/bad.ply"
        try Data("ply\nformat ascii 1.0\nelement vertex 1\nproperty flot x\nend_header\n".utf8).write(to: URL(fileURLWithPath: path))
        let e1 = expectBadFile { try PLY.read(path: path) }
        XCTAssertEqual(e1?.path, path)
        XCTAssertEqual(e1?.line, 4)

        try Data("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nend_header\n1 2\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(expectBadFile { try PLY.read(path: path) }?.field, "vertex.z")

        try Data("""
            ply
            format ascii 1.0
            element vertex 3
            property float x
            property float y
            property float z
            element face 2
            property list uchar int vertex_indices
            end_header
            0 0 0
            1 0 0
            0 1 0
            3 0 1 2
            3 0 1 3

            """.utf8).write(to: URL(fileURLWithPath: path))
        let e3 = expectBadFile { try PLY.read(path: path) }
        XCTAssertEqual(e3?.field, "face[1]")
        XCTAssertEqual(e3?.line, 14)
        XCTAssertTrue(e3?.reason.contains("index 3") ?? false, e3?.reason ?? "")

        try Data("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 zero\n"
            .utf8).write(to: URL(fileURLWithPath: path))
        let e4 = expectBadFile { try PLY.read(path: path) }
        XCTAssertEqual(e4?.line, 8)
        XCTAssertEqual(e4?.field, "vertex.z")
    }

    func testFailedWriteLeavesNothingBehind() throws {
        let dir = try makeTempDir()
        let missing = dir + "/no-such-dir/cloud.ply"
        XCTAssertThrowsError(try PLY.write(PointCloud(positions: [Vec3(1, 2, 3)]), to: missing))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
        // Target is an existing directory: the rename fails after the temporary file was written.
        try FileManager.default.createDirectory(atPath: dir + "/taken.ply/inner", withIntermediateDirectories: true)
        XCTAssertThrowsError(try PLY.write(PointCloud(positions: [Vec3(1, 2, 3)]), to: dir + "/taken.ply"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["taken.ply"])
    }
}

extension SeededRandom {
    /// A uniform byte, for seeded fixtures.
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 56) }
}
