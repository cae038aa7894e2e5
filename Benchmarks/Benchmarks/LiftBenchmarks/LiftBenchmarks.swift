// lift_voxel_640x480: back-projection of a 640×480 RGB-D frame and 5 cm voxel downsampling, one thread — the work of
// Open3D's `PointCloud.create_from_rgbd_image(rgbd, intr).voxel_down_sample(0.05)` in
// /work/shared/anchors/lift_only.py, on exactly its synthetic frame:
//   depth = 1 + 3·y/H + 0.3·sin(x/25)·cos(y/30) metres, quantised to millimetres by truncation (numpy's astype(uint16)),
//   colour (x mod 256, y mod 256, (x + y) mod 256), PrimeSense default intrinsics (fx = fy = 525, cx = 319.5,
//   cy = 239.5; 320, 240 in vlnsim's pixel-centre convention), depth_trunc 5 m.
// The pose is Open3D's camera frame (OpenCV axes), so the points are Open3D's.
//
// - lift_voxel_640x480: `VoxelGrid.insert(depth:color:…)`, lifting and binning in one pass (what `RGBDFusion` uses);
// - lift_then_voxel_640x480: `Lifter.lift` (all 307,200 points materialised) then `VoxelGrid.insert(_:)`, the two
//   stages of Open3D's call.
// Each iteration starts from an empty grid (`removeAll`, no allocation) and checks its output: 307,200 points, and a
// voxel count within 3 % of Open3D's ($VLNSIM_EXPECTED_VOXELS, printed by ../scripts/bench-lift.sh; default 9946,
// Open3D 0.20). Open3D aligns its grid to the cloud's minimum bound, vlnsim to the origin, so the counts differ a little.
import Benchmark
import Foundation
import VLNCore
import VLNRGBD

final class LiftFixture: @unchecked Sendable {
    let depth: DepthImage
    let color: RGBImage
    let intrinsics = CameraIntrinsics(width: 640, height: 480, fx: 525, fy: 525, cx: 320, cy: 240)
    let pose = CameraConventions.flipCameraAxes(.identity)  // Open3D's camera frame
    let lifter = Lifter()
    let grid = VoxelGrid(voxelSize: 0.05)
    let expectedVoxels = ProcessInfo.processInfo.environment["VLNSIM_EXPECTED_VOXELS"].flatMap(Int.init) ?? 9946

    init() {
        let w = 640, h = 480
        var d = DepthImage(width: w, height: h, fill: 0)
        var c = RGBImage(width: w, height: h, fill: .black)
        for y in 0..<h {
            for x in 0..<w {
                let metres = 1 + 3 * Float(y) / Float(h) + 0.3 * sin(Float(x) / 25) * cos(Float(y) / 30)
                let mm = Float(UInt16(metres * 1000))
                d[x, y] = mm / 1000 <= 5 ? mm / 1000 : 0
                c[x, y] = RGB8(UInt8(x % 256), UInt8(y % 256), UInt8((x + y) % 256))
            }
        }
        depth = d; color = c
    }

    func fused() -> Int {
        grid.removeAll()
        return grid.insert(depth: depth, color: color, intrinsics: intrinsics, worldFromCamera: pose, maxDepth: 5)
    }

    func twoStage() -> Int {
        grid.removeAll()
        let n = lifter.lift(depth: depth, color: color, intrinsics: intrinsics, worldFromCamera: pose, maxDepth: 5)
        grid.insert(lifter)
        return n
    }

    /// Stops the run if the output is wrong (`fatalError`: `-Ounchecked` removes preconditions).
    func check(_ points: Int, _ name: String) {
        if points != 640 * 480 { fatalError("\(name): \(points) points, expected 307200") }
        let v = grid.voxelCount
        if abs(Double(v - expectedVoxels)) > 0.03 * Double(expectedVoxels) {
            fatalError("\(name): \(v) voxels, Open3D \(expectedVoxels): more than 3 % apart")
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .custom("frames/s", polarity: .prefersLarger, useScalingFactor: false)],
        timeUnits: .milliseconds,
        warmupIterations: 5,
        maxDuration: .seconds(6),
        maxIterations: 400
    )
    for (name, fusedPath) in [("lift_voxel_640x480", true), ("lift_then_voxel_640x480", false)] {
        Benchmark(name, closure: { (benchmark: Benchmark, fixture: LiftFixture) in
            let clock = ContinuousClock()
            let start = clock.now
            benchmark.startMeasurement()
            let n = fusedPath ? fixture.fused() : fixture.twoStage()
            blackHole(fixture.grid.points.positions.count)  // the means are part of the work
            benchmark.stopMeasurement()
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            benchmark.measurement(.custom("frames/s", polarity: .prefersLarger, useScalingFactor: false), Int(1 / seconds))
            fixture.check(n, name)
        }, setup: {
            let fixture = LiftFixture()
            let n = fusedPath ? fixture.fused() : fixture.twoStage()
            fixture.check(n, name)
            print("\(name): \(n) points → \(fixture.grid.voxelCount) voxels (Open3D: \(fixture.expectedVoxels))")
            return fixture
        })
    }
}
