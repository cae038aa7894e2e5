import Foundation
import VLNCore
import VLNRGBD
import XCTest

final class LifterVoxelGridTests: XCTestCase {
    let k = CameraIntrinsics(width: 8, height: 6, fx: 4, fy: 4, cx: 4, cy: 3)

    func testAFlatWallLiftsToItsPlaneThroughThePixelRays() {
        let depth = DepthImage(width: 8, height: 6, fill: 2)
        let lifter = Lifter()
        XCTAssertEqual(lifter.lift(depth: depth, intrinsics: k), 48)
        // Pixel (4, 3)'s centre is (4.5, 3.5): x = 2·0.5/4 = 0.25, y = −2·0.5/4 = −0.25, z = −2 (OpenGL camera).
        let p = lifter.positions[3 * 8 + 4]
        XCTAssertEqual(p, Vec3(0.25, -0.25, -2))
        XCTAssertEqual(lifter.pixelIndices[3 * 8 + 4], 28)
        for q in lifter.positions { XCTAssertEqual(q.z, -2) }
    }

    func testPosedLiftEqualsTheCameraRayTransformed() {
        var depth = DepthImage(width: 8, height: 6, fill: 0)
        for y in 0..<6 { for x in 0..<8 { depth[x, y] = 0.5 + Float(x + 3 * y) * 0.1 } }
        depth[1, 1] = .nan; depth[2, 1] = .infinity; depth[3, 1] = -1; depth[4, 1] = 9
        let pose = RigidTransform(rotation: Quaternion(axis: normalize(Vec3(1, 2, 3)), angle: 0.7), translation: Vec3(1, -2, 0.5))
        var color = RGBImage(width: 8, height: 6, fill: .black)
        for i in color.pixels.indices { color.pixels[i] = RGB8(UInt8(i), UInt8(2 * i), 7) }
        let lifter = Lifter()
        let n = lifter.lift(depth: depth, color: color, intrinsics: k, worldFromCamera: pose, maxDepth: 5)
        XCTAssertEqual(n, 48 - 4)
        for (j, p) in lifter.positions.enumerated() {
            let i = Int(lifter.pixelIndices[j]), x = i % 8, y = i / 8
            let expected = pose.apply(depth[x, y] * k.cameraRay(x: Float(x) + 0.5, y: Float(y) + 0.5))
            XCTAssertLessThan(length(p - expected), 1e-5)
            XCTAssertEqual(lifter.colors[j], color[x, y])
        }
        // Stride 3: columns 0, 3, 6 and rows 0, 3.
        let m = lifter.lift(depth: DepthImage(width: 8, height: 6, fill: 1), intrinsics: k, stride: 3)
        XCTAssertEqual(m, 6)
        XCTAssertEqual(Array(lifter.pixelIndices), [0, 3, 6, 24, 27, 30])
        XCTAssertTrue(lifter.colors.isEmpty)
    }

    /// The grid against a plain dictionary implementation on seeded random points.
    func testVoxelGridEqualsABruteForceDownsampler() {
        var rng = SeededRandom(seed: 7)
        var points: [Vec3] = [], colors: [RGB8] = []
        for _ in 0..<20_000 {
            points.append(Vec3(rng.uniform(-3, 3), rng.uniform(-1, 2), rng.uniform(-4, 0.5)))
            colors.append(RGB8(UInt8(rng.uniform(0, 255)), UInt8(rng.uniform(0, 255)), UInt8(rng.uniform(0, 255))))
        }
        let size: Float = 0.3
        var order: [SIMD3<Int>] = [], sums: [SIMD3<Int>: (Vec3, SIMD3<Int>, Int)] = [:]
        for (p, c) in zip(points, colors) {
            let key = SIMD3<Int>(Int((p.x / size).rounded(.down)), Int((p.y / size).rounded(.down)), Int((p.z / size).rounded(.down)))
            if sums[key] == nil { order.append(key); sums[key] = (.zero, .zero, 0) }
            sums[key]!.0 += p; sums[key]!.1 &+= SIMD3<Int>(Int(c.r), Int(c.g), Int(c.b)); sums[key]!.2 += 1
        }
        let grid = VoxelGrid(voxelSize: size, expectedVoxels: 8)  // forces several rehashes
        // Two inserts of halves accumulate like one.
        points.withUnsafeBufferPointer { p in colors.withUnsafeBufferPointer { c in
            grid.insert(positions: UnsafeBufferPointer(rebasing: p[0..<7000]), colors: UnsafeBufferPointer(rebasing: c[0..<7000]))
            grid.insert(positions: UnsafeBufferPointer(rebasing: p[7000...]), colors: UnsafeBufferPointer(rebasing: c[7000...]))
        } }
        XCTAssertEqual(grid.voxelCount, order.count)
        XCTAssertEqual(grid.insertedPoints, 20_000)
        let out = grid.pointCloud()
        for (i, key) in order.enumerated() {
            let (s, cs, n) = sums[key]!
            XCTAssertLessThan(length(out.positions[i] - s / Float(n)), 1e-5, "voxel \(i)")
            let mean = SIMD3<Double>(Double(cs.x), Double(cs.y), Double(cs.z)) / Double(n)
            XCTAssertEqual(Double(out.colors[i].r), mean.x, accuracy: 0.5 + 1e-9)
            XCTAssertEqual(Double(out.colors[i].b), mean.z, accuracy: 0.5 + 1e-9)
        }
        grid.removeAll()
        XCTAssertEqual(grid.voxelCount, 0)
        points.withUnsafeBufferPointer { grid.insert(positions: $0, colors: nil) }
        XCTAssertEqual(grid.voxelCount, order.count, "reuse after removeAll")
    }

    func testNonFiniteAndFarPointsAreDroppedNotTrapped() {
        let grid = VoxelGrid(voxelSize: 0.05)
        let pts = [Vec3(0, 0, 0), Vec3(.nan, 0, 0), Vec3(1e30, 0, 0), Vec3(0, -.infinity, 0), Vec3(-0.01, 0, 0)]
        pts.withUnsafeBufferPointer { grid.insert(positions: $0, colors: nil) }
        XCTAssertEqual(grid.voxelCount, 2)  // (0,0,0) and (−1,0,0)
        XCTAssertEqual(grid.droppedPoints, 3)
        XCTAssertLessThan(length(grid.points.positions[1] - Vec3(-0.01, 0, 0)), 1e-6)
    }

    /// The synthetic frame of ../shared/anchors/lift_only.py (the benchmark's input), downsampled at 5 cm in
    /// Open3D's camera frame. Open3D 0.20 (`create_from_rgbd_image` + `voxel_down_sample(0.05)`) gives 307,200 points
    /// and 9,946 voxels (run once with the anchors' venv); its grid starts at the cloud's minimum bound − 2.5 cm,
    /// ours at the origin, so the counts differ a little.
    func testSyntheticBenchmarkFrameDownsamplesLikeOpen3D() {
        let w = 640, h = 480
        var depth = DepthImage(width: w, height: h, fill: 0)
        for y in 0..<h { for x in 0..<w {
            let m = (1 + 3 * Float(y) / Float(h) + 0.3 * sin(Float(x) / 25) * cos(Float(y) / 30)) * 1000
            depth[x, y] = Float(UInt16(m)) / 1000
        } }
        // PrimeSense default 525, 525, 319.5, 239.5 (pixel centres at integers) = 320, 240 in the project's convention.
        let k = CameraIntrinsics(width: w, height: h, fx: 525, fy: 525, cx: 320, cy: 240)
        let openCVFromGL = CameraConventions.flipCameraAxes(.identity)
        let lifter = Lifter(), grid = VoxelGrid(voxelSize: 0.05)
        XCTAssertEqual(lifter.lift(depth: depth, intrinsics: k, worldFromCamera: openCVFromGL, maxDepth: 5), 307_200)
        // Open3D's point 0 (pixel (0, 0), depth 1 m): (−0.60857143, −0.45619048, 1).
        XCTAssertLessThan(length(lifter.positions[0] - Vec3(-0.60857143, -0.45619048, 1)), 1e-6)
        grid.insert(lifter)
        print("synthetic frame: \(grid.voxelCount) voxels (Open3D: 9946)")
        XCTAssertEqual(Double(grid.voxelCount), 9946, accuracy: 9946 * 0.03)
        // Reusing the objects on the same frame gives the same result.
        grid.removeAll(); lifter.lift(depth: depth, intrinsics: k, worldFromCamera: openCVFromGL, maxDepth: 5); grid.insert(lifter)
        XCTAssertEqual(Double(grid.voxelCount), 9946, accuracy: 9946 * 0.03)
        // The fused path (no intermediate points): this frame's millimetre depths put many points exactly on voxel
        // faces, where the two paths' different float rounding may pick either side; the counts agree closely.
        let fused = VoxelGrid(voxelSize: 0.05)
        XCTAssertEqual(fused.insert(depth: depth, intrinsics: k, worldFromCamera: openCVFromGL, maxDepth: 5), 307_200)
        print("synthetic frame, fused path: \(fused.voxelCount) voxels")
        XCTAssertEqual(Double(fused.voxelCount), Double(grid.voxelCount), accuracy: Double(grid.voxelCount) * 0.005)
    }
}

final class FusedInsertTests: XCTestCase {
    /// `VoxelGrid.insert(depth:…)` equals `Lifter.lift` + `insert(positions:)` on a posed, coloured, strided frame with
    /// invalid pixels.
    func testFusedInsertEqualsLiftThenInsert() {
        let k = CameraIntrinsics(width: 64, height: 48, hfov: 1.2)
        var rng = SeededRandom(seed: 3)
        var depth = DepthImage(width: 64, height: 48, fill: 0)
        var color = RGBImage(width: 64, height: 48, fill: .black)
        for i in depth.pixels.indices {
            depth.pixels[i] = rng.uniform(0, 1) < 0.1 ? 0 : rng.uniform(0.3, 6)
            color.pixels[i] = RGB8(UInt8(i % 251), UInt8(i % 13 * 19), UInt8(rng.uniform(0, 255)))
        }
        depth.pixels[5] = .nan; depth.pixels[6] = .infinity
        let pose = RigidTransform(rotation: Quaternion(axis: normalize(Vec3(0.3, 1, -0.2)), angle: 2.1), translation: Vec3(-3, 1.2, 7))
        for stride in [1, 2, 5] {
            let lifter = Lifter(), a = VoxelGrid(voxelSize: 0.2, expectedVoxels: 8), b = VoxelGrid(voxelSize: 0.2, expectedVoxels: 8)
            lifter.lift(depth: depth, color: color, intrinsics: k, worldFromCamera: pose, stride: stride, minDepth: 0.5, maxDepth: 5)
            a.insert(lifter)
            let n = b.insert(depth: depth, color: color, intrinsics: k, worldFromCamera: pose, stride: stride, minDepth: 0.5, maxDepth: 5)
            XCTAssertEqual(n, lifter.count)
            XCTAssertEqual(a.voxelCount, b.voxelCount)
            let pa = a.points, pb = b.points
            for i in 0..<a.voxelCount {
                XCTAssertLessThan(length(pa.positions[i] - pb.positions[i]), 2e-5)
                XCTAssertEqual(pa.colors[i], pb.colors[i])
            }
        }
    }
}
