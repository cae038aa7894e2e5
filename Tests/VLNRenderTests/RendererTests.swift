import VLNCore
import VLNRender
import VLNScene
import XCTest

/// Rendering against closed forms: a 4 × 3 × 5 m box room seen from known poses, a flat wall of points.
final class RendererTests: XCTestCase {
    /// Instance ids of the room's six faces.
    enum Face: UInt32 { case floor = 1, ceiling, west, east, north, south }

    /// The room x ∈ [−2, 2], y ∈ [0, 3], z ∈ [−2.5, 2.5] (metres): 12 triangles, two per face, each face its own
    /// instance (`Face`).
    static func boxRoom() -> Scene {
        let lo = Vec3(-2, 0, -2.5), hi = Vec3(2, 3, 2.5)
        func corner(_ x: Bool, _ y: Bool, _ z: Bool) -> Vec3 { Vec3(x ? hi.x : lo.x, y ? hi.y : lo.y, z ? hi.z : lo.z) }
        let quads: [(Face, [Vec3])] = [
            (.floor, [corner(false, false, false), corner(true, false, false), corner(true, false, true), corner(false, false, true)]),
            (.ceiling, [corner(false, true, false), corner(false, true, true), corner(true, true, true), corner(true, true, false)]),
            (.west, [corner(false, false, false), corner(false, false, true), corner(false, true, true), corner(false, true, false)]),
            (.east, [corner(true, false, false), corner(true, true, false), corner(true, true, true), corner(true, false, true)]),
            (.north, [corner(false, false, false), corner(false, true, false), corner(true, true, false), corner(true, false, false)]),
            (.south, [corner(false, false, true), corner(true, false, true), corner(true, true, true), corner(false, true, true)]),
        ]
        var mesh = TriangleMesh()
        var instances = [UInt32: InstanceInfo]()
        for (k, (face, q)) in quads.enumerated() {
            let base = UInt32(mesh.vertices.count)
            mesh.vertices += q
            mesh.triangles += [SIMD3(base, base + 1, base + 2), SIMD3(base, base + 2, base + 3)]
            mesh.triangleInstanceIds += [face.rawValue, face.rawValue]
            let c = RGB8(UInt8(60 + 30 * k), 180, UInt8(220 - 30 * k))
            mesh.triangleColors += [c, c]
            instances[face.rawValue] = InstanceInfo(id: face.rawValue, category: face == .floor ? "floor" : "wall")
        }
        return Scene(name: "box-room", mesh: mesh, instances: instances)
    }

    static let intrinsics = CameraIntrinsics(width: 64, height: 48, hfov: Float(90).radians)

    func testCentrePixelSeesTheWallAtItsDistance() {
        let renderer = Renderer(scene: Self.boxRoom())
        // Standing at (0.5, 1.5, 1.0), facing −Z (heading 0): the north wall z = −2.5 is 3.5 m ahead.
        let camera = Camera(intrinsics: Self.intrinsics,
                            worldFromCamera: RigidTransform(rotation: Quaternion(heading: 0), translation: Vec3(0.5, 1.5, 1.0)))
        let frame = renderer.render(camera: camera)
        XCTAssertEqual(frame.depth.width, 64); XCTAssertEqual(frame.depth.height, 48)
        XCTAssertEqual(frame.depth[32, 24], 3.5, accuracy: 1e-5)
        XCTAssertEqual(frame.instanceIds[32, 24], Face.north.rawValue)
        XCTAssertNotEqual(frame.rgb[32, 24], Renderer.background)
        // Off-centre: the same z-depth (the wall is perpendicular to the optical axis), though the ray is longer.
        let k = Self.intrinsics
        let ray = k.cameraRay(x: 40.5, y: 18.5)
        XCTAssertGreaterThan(3.5 * length(ray), 3.6, "the ray length differs from the z-depth here")
        XCTAssertEqual(frame.depth[40, 18], 3.5, accuracy: 1e-5)
        XCTAssertEqual(frame.instanceIds[40, 18], Face.north.rawValue)
        // Every pixel sees some face of the closed room.
        XCTAssertFalse(frame.depth.pixels.contains(0))
        XCTAssertFalse(frame.instanceIds.pixels.contains(0))
        // The floor is below the horizon, the ceiling above.
        XCTAssertEqual(frame.instanceIds[32, 47], Face.floor.rawValue)
        XCTAssertEqual(frame.instanceIds[32, 0], Face.ceiling.rawValue)
    }

    func testTurnedCameraSeesTheSideWall() {
        let renderer = Renderer(scene: Self.boxRoom())
        // Turned left by 90° (heading +π/2 faces −X): the west wall x = −2 is 2.5 m away.
        let camera = Camera(intrinsics: Self.intrinsics,
                            worldFromCamera: RigidTransform(rotation: Quaternion(heading: .pi / 2), translation: Vec3(0.5, 1.5, 1.0)))
        let frame = renderer.render(camera: camera)
        XCTAssertEqual(frame.depth[32, 24], 2.5, accuracy: 1e-5)
        XCTAssertEqual(frame.depth[25, 30], 2.5, accuracy: 1e-5)
        XCTAssertEqual(frame.instanceIds[32, 24], Face.west.rawValue)
        // Turned right instead: the east wall x = +2 at 1.5 m.
        let right = Camera(intrinsics: Self.intrinsics,
                           worldFromCamera: RigidTransform(rotation: Quaternion(heading: -.pi / 2), translation: Vec3(0.5, 1.5, 1.0)))
        let f2 = renderer.render(camera: right)
        XCTAssertEqual(f2.depth[32, 24], 1.5, accuracy: 1e-5)
        XCTAssertEqual(f2.instanceIds[32, 24], Face.east.rawValue)
    }

    func testShadingIsLambertianHeadlight() {
        let renderer = Renderer(scene: Self.boxRoom())
        let camera = Camera(intrinsics: Self.intrinsics,
                            worldFromCamera: RigidTransform(rotation: Quaternion(heading: 0), translation: Vec3(0.5, 1.5, 1.0)))
        let frame = renderer.render(camera: camera)
        // The centre ray meets the north wall almost head-on: albedo × (0.35 + 0.65 · cos) with cos ≈ 1.
        let albedo = RGB8(60 + 30 * 4, 180, 220 - 30 * 4).unit
        let k = Self.intrinsics
        let d = k.cameraRay(x: 32.5, y: 24.5)
        let cosine = 1 / length(d)
        XCTAssertEqual(frame.rgb[32, 24], RGB8(unit: albedo * (0.35 + 0.65 * cosine)))
    }

    func testOutsideTheSceneSeesBackground() {
        let renderer = Renderer(scene: Self.boxRoom())
        // 10 m south of the room, facing south (heading π): nothing ahead.
        let camera = Camera(intrinsics: Self.intrinsics,
                            worldFromCamera: RigidTransform(rotation: Quaternion(heading: .pi), translation: Vec3(0, 1.5, 12)))
        let frame = renderer.render(camera: camera)
        XCTAssertTrue(frame.depth.pixels.allSatisfy { $0 == 0 })
        XCTAssertTrue(frame.instanceIds.pixels.allSatisfy { $0 == 0 })
        XCTAssertTrue(frame.rgb.pixels.allSatisfy { $0 == Renderer.background })
    }

    func testPointWallRendersItsDepthAndInstance() {
        // A wall of points on z = −3, 2 cm apart, x, y ∈ [−3, 3]; camera at the origin facing −Z.
        var positions = [Vec3]()
        for i in 0...300 { for j in 0...300 { positions.append(Vec3(-3 + 0.02 * Float(i), -3 + 0.02 * Float(j), -3)) } }
        let points = PointCloud(positions: positions, colors: Array(repeating: RGB8(10, 200, 30), count: positions.count),
                                instanceIds: Array(repeating: 7, count: positions.count), pointRadius: 0.03)
        // And a mesh wall behind it at z = −4 (instance 1), which the points must hide.
        let wall = TriangleMesh(vertices: [Vec3(-10, -10, -4), Vec3(10, -10, -4), Vec3(10, 10, -4), Vec3(-10, 10, -4)],
                                triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)], triangleInstanceIds: [1, 1])
        let scene = Scene(name: "point-wall", mesh: wall, points: points,
                          instances: [1: InstanceInfo(id: 1, category: "wall"), 7: InstanceInfo(id: 7, category: "poster")])
        let renderer = Renderer(scene: scene)
        let frame = renderer.render(camera: Camera(intrinsics: Self.intrinsics, worldFromCamera: .identity))
        for (x, y) in [(32, 24), (5, 5), (60, 40), (10, 44)] {
            XCTAssertEqual(frame.depth[x, y], 3, accuracy: 1e-5, "pixel \(x), \(y)")
            XCTAssertEqual(frame.instanceIds[x, y], 7)
            XCTAssertEqual(frame.rgb[x, y], RGB8(10, 200, 30))
        }
        // Points only: the same depth, background where there are no points.
        let only = Renderer(scene: Scene(name: "points", points: points))
        let f2 = only.render(camera: Camera(intrinsics: Self.intrinsics, worldFromCamera: .identity))
        XCTAssertEqual(f2.depth[32, 24], 3, accuracy: 1e-5)
        XCTAssertEqual(f2.instanceIds[32, 24], 7)
    }

    func testSplatRadiusGrowsAsPointsComeCloser() {
        // One point 0.5 m ahead with radius 0.05 m: fx · r / d = 32 · 0.05 / 0.5 = 3.2 px.
        let cloud = PointCloud(positions: [Vec3(0, 0, -0.5)], instanceIds: [3], pointRadius: 0.05)
        let renderer = Renderer(scene: Scene(name: "one-point", points: cloud))
        let k = CameraIntrinsics(width: 64, height: 64, hfov: Float(90).radians)
        let frame = renderer.render(camera: Camera(intrinsics: k, worldFromCamera: .identity))
        // Centre (32, 32): pixel centres within 3.2 px cover columns 29…34 on the row y = 31 (centre 31.5).
        let covered = (0..<64).filter { frame.instanceIds[$0, 31] == 3 }
        XCTAssertEqual(covered, Array(29...34))
        XCTAssertEqual(frame.depth[32, 32], 0.5, accuracy: 1e-6)
        XCTAssertEqual(frame.instanceIds[20, 32], 0)
    }

    func testOneTwoAndFourThreadsAreBitIdentical() {
        var scene = Self.boxRoom()
        var rng = SeededRandom(seed: 7)
        var positions = [Vec3]()
        for _ in 0..<5000 { positions.append(Vec3(rng.uniform(-1.9, 1.9), rng.uniform(0.1, 2.9), rng.uniform(-2.4, 0))) }
        scene.points = PointCloud(positions: positions, instanceIds: Array(repeating: 9, count: positions.count), pointRadius: 0.02)
        let renderer = Renderer(scene: scene)
        let camera = Camera(intrinsics: CameraIntrinsics(width: 96, height: 72, hfov: Float(80).radians),
                            worldFromCamera: RigidTransform(rotation: Quaternion(heading: 0.3), translation: Vec3(0.3, 1.4, 1.5)))
        renderer.threadCount = 1
        let one = renderer.render(camera: camera)
        for threads in [2, 4] {
            renderer.threadCount = threads
            let many = renderer.render(camera: camera)
            XCTAssertEqual(one, many, "\(threads) threads")
            XCTAssertEqual(one.depth.pixels.map(\.bitPattern), many.depth.pixels.map(\.bitPattern), "\(threads) threads")
        }
        XCTAssertTrue(one.instanceIds.pixels.contains(9), "some points are visible")
    }

    func testUpdateAfterDynamicEdit() throws {
        var scene = Self.boxRoom()
        let renderer = Renderer(scene: scene)
        let camera = Camera(intrinsics: Self.intrinsics,
                            worldFromCamera: RigidTransform(rotation: Quaternion(heading: 0), translation: Vec3(0.5, 1.5, 1.0)))
        XCTAssertEqual(renderer.render(camera: camera).instanceIds[32, 24], Face.north.rawValue)
        // Add a 1 m panel 1 m ahead of the camera (z = 0), facing it.
        let panel = TriangleMesh(vertices: [Vec3(0, 1, 0), Vec3(1, 1, 0), Vec3(1, 2, 0), Vec3(0, 2, 0)],
                                 triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)])
        let id = scene.addInstance(panel, category: "panel")
        renderer.update(scene: scene)
        let frame = renderer.render(camera: camera)
        XCTAssertEqual(frame.instanceIds[32, 24], id)
        XCTAssertEqual(frame.depth[32, 24], 1, accuracy: 1e-6)
        try scene.removeInstance(id)
        renderer.update(scene: scene)
        XCTAssertEqual(renderer.render(camera: camera).instanceIds[32, 24], Face.north.rawValue)
    }
}
