import Foundation
import XCTest
import VLNCore
import VLNScene

final class OBJTests: XCTestCase {
    static let obj = """
        # two groups, a quad, negative indices, materials
        mtllib test.mtl
        v 0 0 0
        v 1 0 0
        v 1 0 1
        v 0 0 1
        v 0 1 0
        v 1 1 0
        v 0 1 1
        vt 0 0
        vn 0 1 0
        o empty_object
        g bed_3
        usemtl red
        f 1/1/1 2/1/1 3/1/1 4/1/1
        g kitchen_counter.001
        usemtl blue
        f -3//1 -2//1 -1//1
        usemtl not_defined
        f 5 6 7
        g bed_3
        f 1/1 2/1 3/1

        """
    static let mtl = """
        newmtl red
        Ka 0 0 0
        Kd 1 0 0
        newmtl blue
        Kd 0 0 1.0

        """

    func testGroupsMaterialsQuadAndNegativeIndices() throws {
        let dir = try makeTempDir()
        try Data(Self.obj.utf8).write(to: URL(fileURLWithPath: dir + "/test.obj"))
        try Data(Self.mtl.utf8).write(to: URL(fileURLWithPath: dir + "/test.mtl"))
        let (mesh, instances, warnings) = try TriangleMesh.loadOBJ(path: dir + "/test.obj")
        XCTAssertEqual(mesh.vertices.count, 7)
        // The empty `o` has no faces and is no instance; `bed_3` reappearing is the same instance.
        XCTAssertEqual(instances, [InstanceInfo(id: 1, category: "bed"), InstanceInfo(id: 2, category: "kitchen counter")])
        XCTAssertEqual(mesh.triangleCount, 5)  // quad → 2, then 1 + 1 + 1
        XCTAssertEqual(mesh.triangles, [SIMD3(0, 1, 2), SIMD3(0, 2, 3), SIMD3(4, 5, 6), SIMD3(4, 5, 6), SIMD3(0, 1, 2)])
        XCTAssertEqual(mesh.triangleInstanceIds, [1, 1, 2, 2, 1])
        let grey = TriangleMesh.defaultOBJColor
        XCTAssertEqual(mesh.triangleColors, [RGB8(255, 0, 0), RGB8(255, 0, 0), RGB8(0, 0, 255), grey, grey])
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings.first?.hasPrefix(dir + "/test.obj:19 (usemtl): material 'not_defined'") ?? false, "\(warnings)")
    }

    func testMissingMTLGivesGreyWithAWarningNamingTheFileAndLine() throws {
        let dir = try makeTempDir()
        let path = dir + "/m.obj"
        try Data("mtllib nowhere.mtl\nv 0 0 0\nv 1 0 0\nv 0 0 1\nusemtl red\nf 1 2 3\n".utf8).write(to: URL(fileURLWithPath: path))
        let (mesh, instances, warnings) = try TriangleMesh.loadOBJ(path: path)
        XCTAssertEqual(instances, [])
        XCTAssertEqual(mesh.triangleColors, [TriangleMesh.defaultOBJColor])
        XCTAssertEqual(mesh.triangleInstanceIds, [0])
        // The missing library: the OBJ file and line of the mtllib statement, and the .mtl path looked for.
        XCTAssertEqual(warnings.count, 2, "\(warnings)")
        XCTAssertTrue(warnings[0].hasPrefix(path + ":1 (mtllib): "), warnings[0])
        XCTAssertTrue(warnings[0].contains("'\(dir)/nowhere.mtl' does not exist"), warnings[0])
        // The material it would have defined: the line of the usemtl.
        XCTAssertTrue(warnings[1].hasPrefix(path + ":5 (usemtl): material 'red'"), warnings[1])
        XCTAssertTrue(warnings[1].contains("read: none"), warnings[1])
        // Through Scene.load, directly and from a manifest: the scene carries them.
        XCTAssertEqual(try Scene.load(path: path, dataPath: dir).warnings, warnings)
        try Data(#"{"format": "vlnsim-scene", "version": 1, "name": "m", "up_axis": "y", "meshes": [{"path": "m.obj"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: dir + "/m.json"))
        XCTAssertEqual(try Scene.load(path: dir + "/m.json", dataPath: dir).warnings, warnings)
    }

    func testMaterialWarningsAndResolution() throws {
        let dir = try makeTempDir()
        let path = dir + "/w.obj"
        try Data("newmtl red\nKd 1 0 0\n".utf8).write(to: URL(fileURLWithPath: dir + "/a.mtl"))
        try FileManager.default.createDirectory(atPath: dir + "/folder.mtl", withIntermediateDirectories: true)
        // A material used before the mtllib that defines it is found; a folder is not a library; an undefined
        // material is reported once, at its first use, with its number of uses.
        try Data("""
            v 0 0 0
            v 1 0 0
            v 0 0 1
            usemtl red
            f 1 2 3
            mtllib folder.mtl a.mtl
            usemtl blue
            f 1 2 3
            usemtl blue
            f 1 2 3
            usemtl
            f 1 2 3

            """.utf8).write(to: URL(fileURLWithPath: path))
        let (mesh, _, warnings) = try TriangleMesh.loadOBJ(path: path)
        let grey = TriangleMesh.defaultOBJColor
        XCTAssertEqual(mesh.triangleColors, [RGB8(255, 0, 0), grey, grey, grey])
        XCTAssertEqual(warnings.count, 3, "\(warnings)")
        XCTAssertTrue(warnings[0].hasPrefix(path + ":6 (mtllib): material library '\(dir)/folder.mtl'"), warnings[0])
        XCTAssertTrue(warnings[1].hasPrefix(path + ":7 (usemtl): material 'blue' (first of 2 uses)"), warnings[1])
        XCTAssertTrue(warnings[1].contains("read: 'a.mtl'"), warnings[1])
        XCTAssertTrue(warnings[2].hasPrefix(path + ":11 (usemtl): a usemtl without a material name"), warnings[2])

        // Many undefined materials: one warning each up to the limit, then one for the rest.
        let n = TriangleMesh.maxMaterialWarnings + 7
        let many = "v 0 0 0\nv 1 0 0\nv 0 0 1\n" + (0..<n).map { "usemtl m\($0)\nf 1 2 3\n" }.joined()
        try Data(many.utf8).write(to: URL(fileURLWithPath: path))
        let w = try TriangleMesh.loadOBJ(path: path).warnings
        XCTAssertEqual(w.count, TriangleMesh.maxMaterialWarnings + 1)
        XCTAssertTrue(w.last?.contains("7 more materials") ?? false, w.last ?? "")
    }

    func testCategoryFromGroupName() {
        XCTAssertEqual(TriangleMesh.objCategory(fromGroupName: "bed_3"), "bed")
        XCTAssertEqual(TriangleMesh.objCategory(fromGroupName: "night_stand.012"), "night stand")
        XCTAssertEqual(TriangleMesh.objCategory(fromGroupName: "wall"), "wall")
        XCTAssertEqual(TriangleMesh.objCategory(fromGroupName: "tv_stand_2_7"), "tv stand 2")
        XCTAssertEqual(TriangleMesh.objCategory(fromGroupName: "chair_a"), "chair a")
    }

    func testWriteReadRoundTrip() throws {
        let dir = try makeTempDir()
        let v: [Vec3] = [Vec3(0, 0, 0), Vec3(4, 0, 0), Vec3(4, 0, 3), Vec3(0, 0, 3), Vec3(1, 0.5, 1), Vec3(2, 0.5, 1),
                         Vec3(2, 0.5, 2.123456), Vec3(-1e-3, 2.5, 7)]
        let mesh = TriangleMesh(vertices: v,
                                triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3), SIMD3(4, 5, 6), SIMD3(5, 6, 7), SIMD3(1, 2, 7)],
                                triangleInstanceIds: [1, 1, 2, 2, 0],
                                triangleColors: [RGB8(180, 170, 150), RGB8(180, 170, 150), RGB8(120, 60, 30),
                                                 RGB8(1, 2, 3), RGB8(255, 255, 255)])
        let infos: [UInt32: InstanceInfo] = [1: InstanceInfo(id: 1, category: "floor"),
                                             2: InstanceInfo(id: 2, category: "kitchen counter")]
        let path = dir + "/house.obj"
        let renumber = try mesh.writeOBJ(to: path, instances: infos)
        XCTAssertEqual(renumber, [1: 1, 2: 2])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/house.mtl"))
        let (back, instances, warnings) = try TriangleMesh.loadOBJ(path: path)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(back.vertices, mesh.vertices)
        XCTAssertEqual(instances, [infos[1]!, infos[2]!])
        struct Tri: Hashable { var t: [UInt32]; var c: RGB8; var id: UInt32 }
        func tris(_ m: TriangleMesh) -> Set<Tri> {
            Set(m.triangles.indices.map { Tri(t: [m.triangles[$0].x, m.triangles[$0].y, m.triangles[$0].z],
                                              c: m.triangleColors[$0], id: m.triangleInstanceIds[$0]) })
        }
        XCTAssertEqual(tris(back), tris(mesh))
    }

    // MARK: Bad input

    func testOutOfRangeZeroAndShortFacesNameTheLine() throws {
        let dir = try makeTempDir()
        let path = dir + "/bad.obj"
        let cases: [(String, Int, String)] = [
            ("v 0 0 0\nv 1 0 0\nv 0 1 0\n\nf 1 2 4\n", 5, "out of range"),
            ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 -4\n", 4, "out of range"),
            ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n", 4, "out of range"),
            ("v 0 0 0\nv 1 0 0\n# comment\nf 1 2\n", 4, "at least 3"),
            ("v 0 0 0\nv 1 0.0.1 0\n", 2, "malformed number"),
            ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 x\n", 4, "malformed"),
        ]
        try expectOBJErrors(cases, at: path)
    }

    func testFailedWriteLeavesNothingBehind() throws {
        let dir = try makeTempDir()
        let mesh = TriangleMesh(vertices: [Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 0, 1)], triangles: [SIMD3(0, 1, 2)])
        XCTAssertThrowsError(try mesh.writeOBJ(to: dir + "/missing/house.obj"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }
}
