// A plain timing loop for raycast_256 (the same work as the package-benchmark target), for profilers
// (`valgrind --tool=callgrind`, `perf record`) and for machines where package-benchmark cannot be built.
//   swift run -c release --scratch-path ../.build-bench RaycastTiming [repetitions, default 30]
// Prints the median and the best time of one cast of all rays (one thread) and the rays/s they give.
//   RaycastTiming render [frames]   renders the mesh with VLN-CE's sensor (256×256, hfov 90°), 2 threads
import Foundation
import VLNCore
import VLNRender
import VLNScene

let dir = ProcessInfo.processInfo.environment["ANCHOR_OUT"] ?? "/tmp/vlnsim-anchors"
let renderMode = CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "render"
let countArgument = CommandLine.arguments.count > (renderMode ? 2 : 1) ? CommandLine.arguments[renderMode ? 2 : 1] : ""
let repetitions = Int(countArgument) ?? 30

func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }

if renderMode {
    do {
        let c = try NPYArray(contentsOf: dir + "/mesh_tris.npy").floatValues()
        var mesh = TriangleMesh()
        for t in 0..<(c.count / 9) {
            for k in 0..<3 { mesh.vertices.append(Vec3(c[9 * t + 3 * k], c[9 * t + 3 * k + 1], c[9 * t + 3 * k + 2])) }
            mesh.triangles.append(SIMD3(UInt32(3 * t), UInt32(3 * t + 1), UInt32(3 * t + 2)))
        }
        mesh.triangleInstanceIds = Array(repeating: 1, count: mesh.triangles.count)
        mesh.triangleColors = Array(repeating: RGB8(200, 180, 160), count: mesh.triangles.count)
        let renderer = Renderer(scene: Scene(name: "anchor", mesh: mesh))
        let eye = Vec3(0, -5, 1.5), forward = normalize(-eye), right = normalize(cross(forward, Vec3(0, 0, 1)))
        let camera = Camera(intrinsics: .vlnce, worldFromCamera: RigidTransform(
            rotation: Mat3(columns: right, cross(right, forward), -forward), translation: eye))
        for threads in [1, 2] {
            renderer.threadCount = threads
            var times = [Double]()
            var frame = renderer.render(camera: camera)
            for _ in 0..<max(1, repetitions) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                frame = renderer.render(camera: camera)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            }
            let m = median(times)
            print(String(format: "render 256x256, %d thread(s): median %.3f ms (%.1f frames/s), %d pixels hit",
                         threads, m * 1e3, 1 / m, frame.depth.pixels.filter { $0 > 0 }.count))
        }
    } catch {
        FileHandle.standardError.write("RaycastTiming: \(error)\n".data(using: .utf8)!)
        exit(1)
    }
    exit(0)
}

do {
    let tris = try NPYArray(contentsOf: dir + "/mesh_tris.npy")
    let rays = try NPYArray(contentsOf: dir + "/rays_256.npy").values(Float.self)
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
