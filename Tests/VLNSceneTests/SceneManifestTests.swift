import Foundation
import XCTest
import VLNCore
import VLNScene

final class SceneManifestTests: XCTestCase {
    /// A two-room generated-style scene: floor, walls-free, a bed; two regions.
    static func sampleScene() -> Scene {
        var mesh = TriangleMesh(vertices: [Vec3(0, 0, 0), Vec3(6, 0, 0), Vec3(6, 0, 4), Vec3(0, 0, 4)],
                                triangles: [SIMD3(0, 2, 1), SIMD3(0, 3, 2)], triangleInstanceIds: [1, 1],
                                triangleColors: [RGB8(150, 140, 120), RGB8(150, 140, 120)])
        mesh.append(TriangleMesh(vertices: [Vec3(1, 0, 1), Vec3(2, 0, 1), Vec3(2, 0.6, 3)], triangles: [SIMD3(0, 1, 2)],
                                 triangleInstanceIds: [2], triangleColors: [RGB8(90, 60, 200)]))
        return Scene(name: "house_0001", mesh: mesh,
                     instances: [1: InstanceInfo(id: 1, category: "floor"), 2: InstanceInfo(id: 2, category: "bed")],
                     regions: [Region(label: "bedroom", footprint: [Vec2(0, 0), Vec2(3, 0), Vec2(3, 4), Vec2(0, 4)]),
                               Region(label: "living room", footprint: [Vec2(3, 0), Vec2(6, 0), Vec2(6, 4), Vec2(3, 4)])],
                     floorCategories: ["floor"],
                     provenance: SceneManifest.Provenance(source: "procedural", license: "CC0", generator: "vlnsim house", seed: 1).jsonString)
    }

    func testWriteThenLoadRoundTrip() throws {
        let dir = try makeTempDir()
        let scene = Self.sampleScene()
        let manifestPath = try scene.write(to: dir, name: "house_0001")
        XCTAssertEqual(manifestPath, dir + "/house_0001.json")
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir)),
                       ["house_0001.json", "house_0001.obj", "house_0001.mtl"])
        let json = try String(contentsOfFile: manifestPath, encoding: .utf8)
        XCTAssertTrue(json.contains("\"floor_categories\""), json)
        XCTAssertTrue(json.contains("\"up_axis\" : \"y\""), json)

        for back in [try Scene.load(manifestPath: manifestPath, dataPath: dir), try Scene.load(path: manifestPath, dataPath: dir)] {
            XCTAssertEqual(back.name, "house_0001")
            XCTAssertEqual(back.instances, scene.instances)
            XCTAssertEqual(back.regions, scene.regions)
            XCTAssertEqual(back.floorCategories, scene.floorCategories)
            XCTAssertEqual(back.provenance, scene.provenance)
            XCTAssertEqual(back.mesh.triangleCount, 3)
            XCTAssertEqual(back.mesh.vertices, scene.mesh.vertices)
            XCTAssertEqual(back.bounds, scene.bounds)
            XCTAssertEqual((0..<3).filter { back.isFloorTriangle($0) }.count, 2)
            XCTAssertEqual(back.region(containing: Vec3(1, 0, 1))?.label, "bedroom")
        }
    }

    func testZUpMeshManifestIsConvertedAndInstancesOverride() throws {
        let dir = try makeTempDir()
        try Data("v 1 2 3\nv 2 2 3\nv 1 3 3\ng chair_1\nf 1 2 3\n".utf8).write(to: URL(fileURLWithPath: dir + "/m.obj"))
        let manifest = """
            {"format": "vlnsim-scene", "version": 1, "name": "z", "up_axis": "z",
             "meshes": [{"path": "m.obj"}], "instances": [{"id": 1, "category": "armchair"}, {"id": 9, "category": "ghost"}]}
            """
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: dir + "/z.json"))
        let s = try Scene.load(manifestPath: dir + "/z.json", dataPath: dir)
        XCTAssertEqual(s.mesh.vertices[0], Vec3(1, 3, -2))  // (x, y, z) ↦ (x, z, −y)
        XCTAssertEqual(s.instances[1]?.category, "armchair")
        XCTAssertEqual(s.instances[9]?.category, "ghost")
        XCTAssertEqual(s.provenance, "")
        XCTAssertEqual(s.floorCategories, ["floor"])
    }

    func testUpAxisIsAProperRotation() {
        let m = UpAxis.z.worldFromFile.rotation
        XCTAssertEqual(m.determinant, 1)
        XCTAssertEqual(UpAxis.z.worldFromFile.apply(Vec3(1, 2, 3)), Vec3(1, 3, -2))
        XCTAssertEqual(UpAxis.z.toYUp(Vec3(0, 0, 1)), Vec3(0, 1, 0))  // file up → world up
        XCTAssertEqual(UpAxis.y.toYUp(Vec3(1, 2, 3)), Vec3(1, 2, 3))
    }

    func testDataPathResolution() {
        XCTAssertEqual(DataPath.resolve(environment: [:]), "../shared/data")
        XCTAssertEqual(DataPath.resolve(environment: ["VLNSIM_DATA": ""]), "../shared/data")
        XCTAssertEqual(DataPath.resolve(environment: ["VLNSIM_DATA": "/data"]), "/data")
        XCTAssertEqual(DataPath.expand("$DATA/a/b.ply", dataPath: "/data"), "/data/a/b.ply")
    }

    // MARK: Bad input

    func write(_ text: String, _ dir: String, _ name: String = "bad.json") throws -> String {
        let p = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    func testMissingFieldIsNamed() throws {
        let dir = try makeTempDir()
        let p1 = try write(#"{"format": "vlnsim-scene", "version": 1, "name": "x", "meshes": [{"label_set": "nyu40"}]}"#, dir)
        let e1 = expectBadFile { try Scene.load(manifestPath: p1, dataPath: dir) }
        XCTAssertEqual(e1?.path, p1)
        XCTAssertEqual(e1?.field, "meshes[0].path")

        let p2 = try write(#"{"format": "vlnsim-scene", "version": 1, "meshes": [{"path": "a.obj"}]}"#, dir)
        XCTAssertEqual(expectBadFile { try SceneManifest.read(path: p2) }?.field, "name")

        let p3 = try write(#"{"format": "vlnsim-scene", "version": 1, "name": "x", "meshes": [{"path": "a.obj"}], "regions": [{"label": "hall", "footprint": [[0, 0], [1]]}]}"#, dir)
        XCTAssertEqual(expectBadFile { try SceneManifest.read(path: p3) }?.field, "regions[0].footprint[1]")

        let p4 = try write(#"{"format": "vlnsim-scene", "version": 1, "name": "x", "up_axis": "x", "meshes": [{"path": "a.obj"}]}"#, dir)
        XCTAssertEqual(expectBadFile { try SceneManifest.read(path: p4) }?.field, "up_axis")

        let p5 = try write(#"{"format": "vlnsim-scene", "version": 1, "name": "x"}"#, dir)
        XCTAssertEqual(expectBadFile { try SceneManifest.read(path: p5) }?.field, "meshes")
    }

    func testUnknownFormatAndVersion() throws {
        let dir = try makeTempDir()
        let p1 = try write(#"{"format": "habitat-scene", "version": 1, "name": "x", "meshes": [{"path": "a.obj"}]}"#, dir)
        let e1 = expectBadFile { try SceneManifest.read(path: p1) }
        XCTAssertEqual(e1?.field, "format")
        XCTAssertTrue(e1?.reason.contains("habitat-scene") ?? false)
        let p2 = try write(#"{"format": "vlnsim-scene", "version": 2, "something": "new"}"#, dir)
        let e2 = expectBadFile { try SceneManifest.read(path: p2) }
        XCTAssertEqual(e2?.field, "version")
        XCTAssertTrue(e2?.reason.contains("unsupported version 2") ?? false)
        let p3 = try write("{ not json", dir)
        XCTAssertEqual(expectBadFile { try SceneManifest.read(path: p3) }?.path, p3)
    }

    func testMissingReferencedFileNamesManifestAndFile() throws {
        let dir = try makeTempDir()
        let p = try write(#"{"format": "vlnsim-scene", "version": 1, "name": "x", "meshes": [{"path": "gone/house.obj"}]}"#, dir)
        let e = expectBadFile { try Scene.load(manifestPath: p, dataPath: dir) }
        XCTAssertEqual(e?.path, p)
        XCTAssertEqual(e?.field, "meshes[0].path")
        XCTAssertTrue(e?.reason.contains(dir + "/gone/house.obj") ?? false, e?.reason ?? "")

        let q = try write(#"{"format": "vlnsim-scene", "version": 1, "name": "x", "point_clouds": [{"path": "$DATA/nope.ply"}]}"#, dir, "q.json")
        let e2 = expectBadFile { try Scene.load(manifestPath: q, dataPath: "/nonexistent-data") }
        XCTAssertEqual(e2?.field, "point_clouds[0].path")
        XCTAssertTrue(e2?.reason.contains("/nonexistent-data/nope.ply") ?? false, e2?.reason ?? "")
    }

    func testFailedSceneWriteLeavesNothingBehind() throws {
        let dir = try makeTempDir()
        XCTAssertThrowsError(try Self.sampleScene().write(to: dir + "/missing", name: "h"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
        // The manifest's name is taken by a directory: geometry is written, the manifest rename fails, and no
        // temporary file is left.
        try FileManager.default.createDirectory(atPath: dir + "/h.json/x", withIntermediateDirectories: true)
        XCTAssertThrowsError(try Self.sampleScene().write(to: dir, name: "h"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertFalse(left.contains { $0.contains(".tmp-") }, "\(left)")
    }
}
