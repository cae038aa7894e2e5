import Foundation
import VLNCore
import VLNRGBD
import VLNScene
import VLNTestSupport
import XCTest

final class FusionTests: XCTestCase {
    /// The fused kitchen cloud written as PLY reads back unchanged with the project's PLY reader (the CLI test reads the
    /// same format by hand and with numpy).
    func testFusedCloudRoundTripsThroughThePLYReader() throws {
        let dir = URL(fileURLWithPath: try requireDataFile("sevenscenes-kitchen-100/camera-intrinsics.txt")).deletingLastPathComponent().path
        let seq = try RGBDSequence.load(dir)
        var done = 0
        let result = try RGBDFusion(voxelSize: 0.05, stride: 2).fuse(seq, frames: Array(0..<20)) { done = $0 }
        XCTAssertEqual(done, 20)
        XCTAssertEqual(result.cameraPoses.count, 20)
        XCTAssertGreaterThan(result.cloud.count, 5000)
        let path = try makeTempDir() + "/fused.ply"
        try PLY.write(result.cloud, to: path)
        let back = try PLY.read(path: path)
        XCTAssertFalse(back.hasFaces)
        XCTAssertEqual(back.positions, result.cloud.positions)
        XCTAssertEqual(back.colors, result.cloud.colors)
        // The kitchen's ground plane comes from gravity-direction.txt: up = −gravity.
        let plane = GroundPlane.estimate(points: result.cloud.positions, cameraPoses: result.cameraPoses, gravity: seq.gravity)
        XCTAssertLessThan(length(plane.up + seq.gravity!), 1e-6)
        XCTAssertEqual(dot(cross(plane.axisU, plane.axisV), plane.up), 1, accuracy: 1e-5)
        // Without gravity, the plane of the two largest-variance axes is only roughly the floor on 20 frames of this
        // partial scan (measured 25° off): why the loader keeps gravity-direction.txt.
        let pca = GroundPlane.estimate(points: result.cloud.positions, cameraPoses: result.cameraPoses, gravity: nil)
        print(String(format: "kitchen: PCA ground normal %.1f° from gravity", acos(min(1, dot(pca.up, plane.up))).degrees))
        XCTAssertGreaterThan(dot(pca.up, plane.up), cos(Float(30).radians))
    }

    /// A synthetic z-up room (6 × 4 m floor, 2.5 m walls): the largest-variance plane is the floor, oriented by the
    /// cameras' up vectors.
    func testGroundPlaneFromPrincipalAxesOfARoom() {
        var pts: [Vec3] = []
        for i in 0...60 { for j in 0...40 { pts.append(Vec3(Float(i) * 0.1, Float(j) * 0.1, 0)) } }
        for i in 0...60 { for k in 0...25 { pts.append(Vec3(Float(i) * 0.1, 0, Float(k) * 0.1)); pts.append(Vec3(Float(i) * 0.1, 4, Float(k) * 0.1)) } }
        // A camera looking along +x, upright in a z-up world: OpenGL camera x → world −y, y → world +z, −z → world +x.
        let pose = RigidTransform(rotation: Mat3(columns: Vec3(0, -1, 0), Vec3(0, 0, 1), Vec3(-1, 0, 0)), translation: Vec3(1, 2, 1.5))
        let plane = GroundPlane.estimate(points: pts, cameraPoses: [pose], gravity: nil)
        XCTAssertLessThan(length(plane.up - Vec3(0, 0, 1)), 1e-4)
        XCTAssertEqual(plane.height(Vec3(3, 1, 2)), 2, accuracy: 1e-4)
    }
}
