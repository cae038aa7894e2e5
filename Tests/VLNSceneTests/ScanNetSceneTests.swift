import Foundation
import XCTest
import VLNCore
import VLNScene

/// The real scan: ScanNet scene0000_00 (81,369 labelled vertices, z-up) from ../shared/data.
/// Expected values come from SOURCE.md and from the independent `.npy` files the PLY was converted from.
final class ScanNetSceneTests: XCTestCase {
    static let plyRelative = "scannet-scene0000_00/scene0000_00_labeled_points.ply"

    func testLabelledScanLoadsYUpWithNYU40Categories() throws {
        let ply = try requireDataFile(Self.plyRelative)
        let scene = try Scene.load(path: ply, dataPath: testDataPath())
        XCTAssertEqual(scene.points.count, 81_369)
        XCTAssertTrue(scene.mesh.isEmpty)
        XCTAssertEqual(Set(scene.points.instanceIds).subtracting([0]).count, 67)
        XCTAssertEqual(scene.instances.count, 67)
        XCTAssertFalse(scene.instances.keys.contains(0))

        // SOURCE.md: extent ~7.0 × 7.2 × 3.0 m z-up, so after (x, y, z) ↦ (x, z, −y): y extent ≈ 3.0 m,
        // x ≈ 7.0 m, z ≈ 7.2 m.
        let e = scene.bounds.extent
        XCTAssertEqual(e.y, 3.0, accuracy: 0.15)
        XCTAssertEqual(e.x, 7.0, accuracy: 0.2)
        XCTAssertEqual(e.z, 7.2, accuracy: 0.2)

        let categories = Set(scene.instances.values.map(\.category))
        XCTAssertTrue(categories.contains("bed"), "\(categories.sorted())")
        XCTAssertTrue(categories.contains("floor"), "\(categories.sorted())")
        XCTAssertEqual(scene.labelNames[2], "floor")

        // Floor points lie near the bottom of the room.
        let floor = scene.points.positions.indices.filter { scene.isFloorPoint($0) }
        XCTAssertGreaterThan(floor.count, 1000)
        let meanFloorY = floor.map { scene.points.positions[$0].y }.reduce(0, +) / Float(floor.count)
        XCTAssertEqual(meanFloorY, scene.bounds.lower.y, accuracy: 0.15)
    }

    func testPointsMatchTheNPYSourceAfterConversion() throws {
        let ply = try requireDataFile(Self.plyRelative)
        let vertPath = try requireDataFile("scannet-scene0000_00/scene0000_00_vert_all.npy")
        let semPath = try requireDataFile("scannet-scene0000_00/scene0000_00_sem_label_all.npy")
        let insPath = try requireDataFile("scannet-scene0000_00/scene0000_00_ins_label_all.npy")
        let vertArray = try NPYArray(contentsOf: vertPath)
        XCTAssertEqual(vertArray.shape, [81_369, 6])
        XCTAssertEqual(vertArray.dtype, .float32)
        let vert = try vertArray.values(Float.self)
        let sem = try NPYArray(contentsOf: semPath).values(UInt32.self), ins = try NPYArray(contentsOf: insPath).values(UInt32.self)

        let scene = try Scene.load(path: ply, dataPath: testDataPath())
        let p = scene.points
        for i in [0, 1, 12_345, 40_000, 81_368] {
            let x = vert[6 * i], y = vert[6 * i + 1], z = vert[6 * i + 2]
            XCTAssertEqual(p.positions[i], Vec3(x, z, -y), "point \(i): z-up (x, y, z) ↦ y-up (x, z, −y)")
            XCTAssertEqual(p.colors[i], RGB8(UInt8(vert[6 * i + 3]), UInt8(vert[6 * i + 4]),
                                             UInt8(vert[6 * i + 5])), "colour of point \(i)")
            XCTAssertEqual(UInt32(p.semanticLabels[i]), sem[i], "label of point \(i)")
            XCTAssertEqual(p.instanceIds[i], ins[i], "instance of point \(i)")
        }
        // First row, written out: (-3.4102957, 1.2260485, 0.19869943) z-up.
        XCTAssertEqual(p.positions[0].x, -3.4102957, accuracy: 1e-6)
        XCTAssertEqual(p.positions[0].y, 0.19869943, accuracy: 1e-6)
        XCTAssertEqual(p.positions[0].z, -1.2260485, accuracy: 1e-6)
    }

    func testShippedManifestLoadsTheScan() throws {
        _ = try requireDataFile(Self.plyRelative)
        let manifest = packageRoot + "/scenes/scannet-scene0000_00.json"
        let scene = try Scene.load(manifestPath: manifest, dataPath: testDataPath())
        XCTAssertEqual(scene.name, "scannet-scene0000_00")
        XCTAssertEqual(scene.points.count, 81_369)
        XCTAssertEqual(scene.instances.count, 67)
        XCTAssertEqual(scene.points.pointRadius, 0.07)  // the manifest's point_radius: vh_clean_2 vertices are up to ~10 cm apart
        XCTAssertEqual(scene.floorCategories, ["floor"])
        XCTAssertEqual(scene.bounds.extent.y, 3.0, accuracy: 0.15)
        XCTAssertTrue(scene.provenance.contains("mmdetection3d"))
        // Same result as loading the PLY directly.
        let direct = try Scene.load(path: testDataPath() + "/" + Self.plyRelative, dataPath: testDataPath())
        XCTAssertEqual(direct.points.positions, scene.points.positions)
        XCTAssertEqual(direct.instances, scene.instances)
    }

    func testNYU40NamesFromTheMatterportMappings() throws {
        let tsv = try requireDataFile("mp3d-navmaps/matterport_category_mappings.tsv")
        let set = try LabelSet.nyu40(mappingsPath: tsv)
        let expected: [UInt16: String] = [1: "wall", 2: "floor", 3: "cabinet", 4: "bed", 5: "chair", 6: "sofa",
                                          7: "table", 8: "door", 32: "night stand", 40: "otherprop"]
        for (id, name) in expected { XCTAssertEqual(set.names[id], name, "nyu40 id \(id)") }
        XCTAssertEqual((1...40).filter { set.names[UInt16($0)] != nil }.count, 40)
    }
}
