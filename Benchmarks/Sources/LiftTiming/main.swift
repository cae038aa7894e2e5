// A plain timing loop for lift_voxel_640x480 (the same work and frame as the package-benchmark target LiftBenchmarks;
// see there), for profilers and machines where package-benchmark cannot be built.
//   swift run -c release --scratch-path ../.build-bench LiftTiming [repetitions, default 200]
// Prints, for the fused path and the two-stage path, the median and best time per frame and the frames/s they give.
import Foundation
import VLNCore
import VLNRGBD

let repetitions = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200 : 200
let expectedVoxels = ProcessInfo.processInfo.environment["VLNSIM_EXPECTED_VOXELS"].flatMap(Int.init) ?? 9946
let w = 640, h = 480
var depth = DepthImage(width: w, height: h, fill: 0)
var color = RGBImage(width: w, height: h, fill: .black)
for y in 0..<h {
    for x in 0..<w {
        let metres = 1 + 3 * Float(y) / Float(h) + 0.3 * sin(Float(x) / 25) * cos(Float(y) / 30)
        let mm = Float(UInt16(metres * 1000))
        depth[x, y] = mm / 1000 <= 5 ? mm / 1000 : 0
        color[x, y] = RGB8(UInt8(x % 256), UInt8(y % 256), UInt8((x + y) % 256))
    }
}
let k = CameraIntrinsics(width: w, height: h, fx: 525, fy: 525, cx: 320, cy: 240)
let pose = CameraConventions.flipCameraAxes(.identity)
let lifter = Lifter()
let grid = VoxelGrid(voxelSize: 0.05)

for (name, fused) in [("lift_voxel_640x480 (fused)", true), ("lift_then_voxel_640x480 (Lifter + VoxelGrid)", false)] {
    var times = [Double]()
    var points = 0
    for i in 0..<(repetitions + 5) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        grid.removeAll()
        if fused {
            points = grid.insert(depth: depth, color: color, intrinsics: k, worldFromCamera: pose, maxDepth: 5)
        } else {
            points = lifter.lift(depth: depth, color: color, intrinsics: k, worldFromCamera: pose, maxDepth: 5)
            grid.insert(lifter)
        }
        let n = grid.points.positions.count
        let t = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        if i >= 5 { times.append(t) }  // 5 warm-up frames
        if n != grid.voxelCount { fatalError("inconsistent output") }
    }
    let v = grid.voxelCount
    if points != w * h || abs(Double(v - expectedVoxels)) > 0.03 * Double(expectedVoxels) {
        fatalError("\(name): \(points) points, \(v) voxels; expected 307200 and Open3D's \(expectedVoxels) ± 3 %")
    }
    times.sort()
    let median = times[times.count / 2], best = times[0]
    print(String(format: "%@: %d points → %d voxels (Open3D %d)  median %.3f ms (%.1f frames/s)  best %.3f ms (%.1f frames/s)  over %d frames",
                 name, points, v, expectedVoxels, median * 1e3, 1 / median, best * 1e3, 1 / best, times.count))
}
