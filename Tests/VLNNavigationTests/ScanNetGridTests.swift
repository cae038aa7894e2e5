import Foundation
import VLNCore
import VLNNavigation
import VLNScene
import XCTest

/// Named regression on real data: ScanNet scene0000_00 (81k labelled vertices, ../shared/data). Skipped when
/// the file is absent. The PLY is read here with a minimal reader (binary little-endian, 19-byte vertices:
/// x y z float, r g b uchar, label ushort, instance ushort), converted from ScanNet's z-up to Habitat's y-up
/// frame: (x, y, z)_scan ↦ (x, z, −y).
final class ScanNetGridTests: XCTestCase {
    static let path = "/work/shared/data/scannet-scene0000_00/scene0000_00_labeled_points.ply"

    func loadScene() throws -> Scene {
        guard let data = FileManager.default.contents(atPath: Self.path) else { throw XCTSkip("no \(Self.path)") }
        let marker = Data("end_header\n".utf8)
        let headerEnd = try XCTUnwrap(data.range(of: marker)).upperBound
        let header = String(decoding: data[..<headerEnd], as: UTF8.self)
        let countLine = try XCTUnwrap(header.split(separator: "\n").first { $0.hasPrefix("element vertex") })
        let count = try XCTUnwrap(Int(countLine.split(separator: " ")[2]))
        XCTAssertEqual(data.count - headerEnd, count * 19)
        var positions: [Vec3] = [], labels: [UInt16] = [], instances: [UInt32] = []
        data.withUnsafeBytes { raw in
            for k in 0..<count {
                let o = headerEnd + 19 * k
                let x = raw.loadUnaligned(fromByteOffset: o, as: Float.self)
                let y = raw.loadUnaligned(fromByteOffset: o + 4, as: Float.self)
                let z = raw.loadUnaligned(fromByteOffset: o + 8, as: Float.self)
                positions.append(Vec3(x, z, -y))
                labels.append(raw.loadUnaligned(fromByteOffset: o + 15, as: UInt16.self))
                instances.append(UInt32(raw.loadUnaligned(fromByteOffset: o + 17, as: UInt16.self)))
            }
        }
        let cloud = PointCloud(positions: positions, semanticLabels: labels, instanceIds: instances)
        // NYU40: 1 wall, 2 floor.
        return Scene(name: "scene0000_00", points: cloud, labelNames: [1: "wall", 2: "floor"])
    }

    func testScanNetScene0000Grid() throws {
        let scene = try loadScene()
        let t0 = Date()
        let grid = try NavigationGrid(scene: scene)
        let ms = Date().timeIntervalSince(t0) * 1000
        let island = try XCTUnwrap(grid.largestIsland)
        print("scene0000_00: \(grid.width)×\(grid.height) cells, built in \(String(format: "%.1f", ms)) ms, "
              + "navigable \(grid.navigableArea) m², \(grid.islandCount) islands, largest \(grid.islandArea(island)) m²")
        // A large apartment room: several m² of connected free floor, most of it in one island.
        XCTAssertGreaterThan(grid.islandArea(island), 5)
        XCTAssertGreaterThan(grid.islandArea(island), 0.7 * grid.navigableArea)
        var rng = SeededRandom(seed: 5)
        for _ in 0..<10 {
            let a = try XCTUnwrap(grid.randomNavigablePoint(using: &rng, island: island))
            let b = try XCTUnwrap(grid.randomNavigablePoint(using: &rng, island: island))
            let d = try XCTUnwrap(grid.geodesicDistance(from: a, to: b))
            XCTAssertGreaterThanOrEqual(d + 1e-4, distance(a, b))
        }
    }
}
