// A plain timing loop for raycast_256 (the same work as the package-benchmark target), for profilers
// (`valgrind --tool=callgrind`, `perf record`) and for machines where package-benchmark cannot be built.
//   swift run -c release --scratch-path ../.build-bench RaycastTiming [repetitions, default 30]
// Prints the median and the best time of one cast of all rays (one thread) and the rays/s they give.
import Foundation
import VLNCore
import VLNRender

let dir = ProcessInfo.processInfo.environment["ANCHOR_OUT"] ?? "/tmp/vlnsim-anchors"
let repetitions = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 30 : 30
do {
    let tris = try NPYArray(contentsOf: dir + "/mesh_tris.npy")
    let rays = try NPYArray(contentsOf: dir + "/rays_256.npy").values(Float.self, path: dir + "/rays_256.npy")
    let buildStart = DispatchTime.now().uptimeNanoseconds
    let bvh = BVH(triangleCorners: tris.floatValues())
    let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart) * 1e-9
    let n = rays.count / 6
    var tHit = [Float](repeating: 0, count: n)
    var ids = [UInt32](repeating: 0, count: n)
    var times = [Double]()
    for _ in 0..<max(1, repetitions) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        rays.withUnsafeBufferPointer { r in
            tHit.withUnsafeMutableBufferPointer { t in
                ids.withUnsafeMutableBufferPointer { p in bvh.castRays(r, tHit: t, primitiveIds: p) }
            }
        }
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
    }
    times.sort()
    let median = times[times.count / 2], best = times[0]
    let hits = tHit.filter(\.isFinite).count
    print(String(format: "triangles %d  nodes %d  build %.3f s  rays %d  hit fraction %.6f  checksum %.3f",
                 bvh.triangleCount, bvh.nodeCount, buildSeconds, n, Double(hits) / Double(n),
                 tHit.reduce(0) { $1.isFinite ? $0 + Double($1) : $0 }))
    print(String(format: "median %.3f ms  (%.3f M rays/s)   best %.3f ms  (%.3f M rays/s)   over %d repetitions",
                 median * 1e3, Double(n) / median / 1e6, best * 1e3, Double(n) / best / 1e6, times.count))
} catch {
    FileHandle.standardError.write("RaycastTiming: \(error)\n".data(using: .utf8)!)
    exit(1)
}
