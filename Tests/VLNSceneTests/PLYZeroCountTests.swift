import Foundation
import XCTest
import VLNCore
import VLNScene

/// PLY files with elements declared with count 0: `element face 0` (a point cloud, as a file without a face
/// element), `element vertex 0`, and unknown elements with no records before, between or after the others — in
/// every encoding.
final class PLYZeroCountTests: XCTestCase {
    enum Encoding: CaseIterable { case ascii, littleEndian, bigEndian }

    /// An element of a fixture: its header lines and its records (one `[Double]` of property values per record;
    /// lists are written as their count followed by the entries).
    struct Element {
        var name: String
        var properties: [(type: String, name: String, list: Bool)]
        var records: [[Double]]
    }

    static let positions: [Vec3] = [Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0.5, 0.25, 2)]
    static let labels: [UInt16] = [1, 2, 2, 40]
    static let instances: [UInt32] = [1, 2, 2, 3]

    static func vertices(_ n: Int) -> Element {
        Element(name: "vertex", properties: [("float", "x", false), ("float", "y", false), ("float", "z", false),
                                             ("uchar", "red", false), ("uchar", "green", false), ("uchar", "blue", false),
                                             ("ushort", "label", false), ("int", "instance", false)],
                records: (0..<n).map { i in
                    let p = positions[i]
                    return [Double(p.x), Double(p.y), Double(p.z), Double(10 * i), 20, 30, Double(labels[i]), Double(instances[i])]
                })
    }
    static func faces(_ records: [[Int]]) -> Element {
        Element(name: "face", properties: [("int", "vertex_indices", true), ("uchar", "flags", false)],
                records: records.map { [Double($0.count)] + $0.map(Double.init) + [0] })
    }
    static let emptyEdges = Element(name: "edge", properties: [("int", "vertex1", false), ("int", "vertex2", false)], records: [])
    static let emptyBlobs = Element(name: "blob", properties: [("ushort", "data", true)], records: [])
    static let emptyMaterials = Element(name: "material", properties: [("uchar", "ambient_red", false)], records: [])

    static func file(_ elements: [Element], _ encoding: Encoding) -> [UInt8] {
        var w = ByteWriter(bigEndian: encoding == .bigEndian)
        let format = ["ascii", "binary_little_endian", "binary_big_endian"][Encoding.allCases.firstIndex(of: encoding)!]
        w.text("ply\nformat \(format) 1.0\ncomment zero-count fixture\n")
        for e in elements {
            w.text("element \(e.name) \(e.records.count)\n")
            for p in e.properties { w.text(p.list ? "property list uchar \(p.type) \(p.name)\n" : "property \(p.type) \(p.name)\n") }
        }
        w.text("end_header\n")
        for e in elements {
            for r in e.records {
                if encoding == .ascii { w.text(r.map { "\($0)" }.joined(separator: " ") + "\n"); continue }
                var k = 0
                for p in e.properties {
                    var n = 1
                    if p.list { n = Int(r[k]); w.u8(UInt8(n)); k += 1 }
                    for _ in 0..<n {
                        switch p.type {
                        case "float": w.f32(Float(r[k]))
                        case "uchar": w.u8(UInt8(r[k]))
                        case "ushort": w.u16(UInt16(r[k]))
                        case "int": w.i32(Int32(r[k]))
                        default: fatalError("fixture type \(p.type)")
                        }
                        k += 1
                    }
                }
            }
        }
        return w.bytes
    }

    func write(_ elements: [Element], _ encoding: Encoding, to path: String) throws {
        try Data(Self.file(elements, encoding)).write(to: URL(fileURLWithPath: path))
    }

    /// The user's report: labelled vertices with `element face 0` were taken for an empty mesh, every point lost.
    func testFaceCountZeroWithLabelledVerticesIsAPointCloud() throws {
        let dir = try makeTempDir()
        for encoding in Encoding.allCases {
            let path = dir + "/scan_\(encoding).ply"
            try write([Self.vertices(4), Self.faces([])], encoding, to: path)
            let ply = try PLY.read(path: path)
            XCTAssertFalse(ply.hasFaces, "\(encoding)")
            XCTAssertEqual(ply.positions, Self.positions, "\(encoding)")
            XCTAssertEqual(ply.semanticLabels, Self.labels, "\(encoding)")
            let scene = try Scene.load(path: path, dataPath: dir)
            XCTAssertEqual(scene.points.count, 4, "\(encoding): the points are kept")
            XCTAssertEqual(scene.mesh.triangleCount, 0, "\(encoding)")
            XCTAssertEqual(scene.points.semanticLabels, Self.labels, "\(encoding)")
            XCTAssertEqual(scene.points.instanceIds, Self.instances, "\(encoding)")
            XCTAssertEqual(Set(scene.instances.keys), [1, 2, 3], "\(encoding)")
            // Labelled: a ScanNet-style scan, z up, converted (x, y, z) ↦ (x, z, −y).
            XCTAssertEqual(scene.points.positions.last, Vec3(0.5, 2, -0.25), "\(encoding)")
        }
    }

    /// The same cloud read through every arrangement of zero-count elements gives the same data.
    func testZeroCountElementsAnywhereReadAsIfAbsent() throws {
        let dir = try makeTempDir()
        let v = Self.vertices(4)
        let arrangements: [(String, [Element], Bool)] = [
            ("no face element", [v], false),
            ("face 0", [v, Self.faces([])], false),
            ("face 0 before the vertices", [Self.faces([]), v], false),
            ("empty unknown elements before, between and after", [Self.emptyEdges, v, Self.emptyBlobs, Self.faces([]), Self.emptyMaterials], false),
            ("empty list element first", [Self.emptyBlobs, v], false),
            ("empty elements around real faces", [Self.emptyEdges, v, Self.emptyBlobs, Self.faces([[0, 1, 2], [0, 2, 3, 1]]), Self.emptyMaterials], true),
        ]
        for encoding in Encoding.allCases {
            for (name, elements, meshExpected) in arrangements {
                let what = "\(name), \(encoding)"
                let path = dir + "/z.ply"
                try write(elements, encoding, to: path)
                let ply: PLYData
                do { ply = try PLY.read(path: path) } catch { XCTFail("\(what): \(error)"); continue }
                XCTAssertEqual(ply.positions, Self.positions, what)
                XCTAssertEqual(ply.colors?.map(\.r), [0, 10, 20, 30], what)
                XCTAssertEqual(ply.semanticLabels, Self.labels, what)
                XCTAssertEqual(ply.instanceIds, Self.instances, what)
                XCTAssertEqual(ply.hasFaces, meshExpected, what)
                XCTAssertEqual(ply.comments, ["zero-count fixture"], what)
                let scene = try Scene.load(path: path, dataPath: dir)
                XCTAssertEqual(scene.points.count, meshExpected ? 0 : 4, what)
                XCTAssertEqual(scene.mesh.triangleCount, meshExpected ? 3 : 0, what)
            }
        }
    }

    func testNoVerticesAtAll() throws {
        let dir = try makeTempDir()
        for encoding in Encoding.allCases {
            let path = dir + "/empty_\(encoding).ply"
            // Valid PLY: it reads as empty data...
            for elements in [[Self.vertices(0)], [Self.vertices(0), Self.faces([])], [Self.emptyEdges, Self.vertices(0), Self.emptyBlobs]] {
                try write(elements, encoding, to: path)
                let ply = try PLY.read(path: path)
                XCTAssertEqual(ply.positions, [], "\(encoding)")
                XCTAssertFalse(ply.hasFaces, "\(encoding)")
                // ...but as a scene it has nothing to show: an error naming the file, as for an OBJ without faces.
                let e = expectBadFile { try Scene.load(path: path, dataPath: dir) }
                XCTAssertEqual(e?.path, path)
                XCTAssertTrue(e?.reason.contains("no vertices") ?? false, e?.reason ?? "")
            }
            // Faces with no vertices to index are out of range.
            try write([Self.vertices(0), Self.faces([[0, 1, 2]])], encoding, to: path)
            let e = expectBadFile { try PLY.read(path: path) }
            XCTAssertEqual(e?.field, "face[0]", "\(encoding)")
            XCTAssertTrue(e?.reason.contains("out of range (0 vertices)") ?? false, e?.reason ?? "")
        }
    }

    /// Faces that are declared but cannot be read (no `vertex_indices` list) are an error, not a silent point
    /// cloud; with count 0 they are nothing to read.
    func testFacesWithoutVertexIndicesAreAnError() throws {
        let dir = try makeTempDir()
        let path = dir + "/f.ply"
        let odd = Element(name: "face", properties: [("int", "corners", true)], records: [[3, 0, 1, 2]])
        for encoding in Encoding.allCases {
            try write([Self.vertices(4), odd], encoding, to: path)
            let e = expectBadFile { try PLY.read(path: path) }
            XCTAssertEqual(e?.path, path, "\(encoding)")
            XCTAssertEqual(e?.field, "face.vertex_indices", "\(encoding)")
            var none = odd
            none.records = []
            try write([Self.vertices(4), none], encoding, to: path)
            XCTAssertFalse(try PLY.read(path: path).hasFaces, "\(encoding)")
        }
    }

    /// In a manifest, a PLY with `element face 0` listed under `meshes` is told to go under `point_clouds`, where
    /// it loads.
    func testManifestMeshEntryWithZeroFacesSaysToListItAsAPointCloud() throws {
        let dir = try makeTempDir()
        try write([Self.vertices(4), Self.faces([])], .littleEndian, to: dir + "/cloud.ply")
        let manifest = dir + "/scene.json"
        try Data(#"{"format": "vlnsim-scene", "version": 1, "name": "m", "up_axis": "y", "meshes": [{"path": "cloud.ply"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: manifest))
        let e = expectBadFile { try Scene.load(path: manifest, dataPath: dir) }
        XCTAssertEqual(e?.path, manifest)
        XCTAssertEqual(e?.field, "meshes[0].path")
        XCTAssertTrue(e?.reason.contains("point_clouds") ?? false, e?.reason ?? "")
        try Data(#"{"format": "vlnsim-scene", "version": 1, "name": "m", "up_axis": "y", "point_clouds": [{"path": "cloud.ply"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: manifest))
        XCTAssertEqual(try Scene.load(path: manifest, dataPath: dir).points.count, 4)
    }
}
