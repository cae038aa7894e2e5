// Primary-visibility timing on generated houses: `Renderer.render` (RGB, z-depth, instance ids) with the agent's
// camera (1.25 m above a navigable point, hfov 90°), one thread, at 128 × 128 and 256 × 256, over a fixed set of
// poses in a few houses. Plain loop, no package-benchmark (for profilers, and where package-benchmark cannot run).
//   swift build -c release --build-path ../.build-bench-raster --product RenderTiming
//   ../.build-bench-raster/release/RenderTiming [repetitions, default 15] [rasterize | rayCast [size]]
// (the last form times one mode only, at one size or both, for profilers: e.g. under
// `valgrind --tool=callgrind`, whose instruction counts do not depend on the load of a shared machine).
// For each size it prints the median over repetitions of the mean time per frame (all poses of all houses; CPU time
// of the thread, CLOCK_THREAD_CPUTIME_ID, less disturbed than wall-clock time by other processes on a shared
// machine, though not immune to them) of `Renderer.render` in `.rayCast` and in `.rasterize` mode, and the split
// of the ray caster's time (differences of medians, so noisy under load): ray
// generation, BVH traversal (`BVH.castRays` over the same rays: box and triangle tests), allocation of the output
// images, and the rest (shading, the writes, the band dispatch). Each timed pass checks its own output: the number
// of pixels hit must be the same in every repetition, and the two modes must agree on the instance id of ≥ 99 % of
// the pixels.
import Foundation
import VLNCore
import VLNNavigation
import VLNRender
import VLNScene
import VLNSim

let repetitions = CommandLine.arguments.count > 1 ? max(1, Int(CommandLine.arguments[1]) ?? 15) : 15
let only = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : nil
let seeds: [UInt64] = [1, 2, 3]
let posesPerHouse = 20

func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
/// CPU time of this thread, nanoseconds: on a machine shared with other builders it counts only the time this
/// thread ran (wall-clock time would include the time it waited for a core).
func now() -> UInt64 { UInt64((threadCPUSeconds() * 1e9).rounded()) }

struct House {
    var renderer: Renderer
    var bvh: BVH
    var poses: [RigidTransform]
    var triangles: Int
}

var houses = [House]()
for seed in seeds {
    let scene = HouseGenerator(seed: seed).generate()
    let grid = try NavigationGrid(scene: scene, settings: NavigationSettings())
    var rng = SeededRandom(seed: 1000 + seed)
    var poses = [RigidTransform]()
    let settings = AgentSettings()
    while poses.count < posesPerHouse {
        guard let p = grid.randomNavigablePoint(using: &rng, island: grid.largestIsland) else { break }
        let heading = rng.uniform(-.pi, .pi)
        poses.append(settings.camera(of: AgentState(position: p, heading: heading)).worldFromCamera)
    }
    let renderer = Renderer(scene: scene)
    renderer.threadCount = 1
    houses.append(House(renderer: renderer, bvh: renderer.bvh!, poses: poses, triangles: scene.mesh.triangleCount))
}
print("houses (seeds \(seeds.map(String.init).joined(separator: ", "))): \(houses.map { String($0.triangles) }.joined(separator: ", ")) triangles, \(posesPerHouse) poses each, one thread, \(repetitions) repetitions")

let sizes = CommandLine.arguments.count > 3 ? [Int(CommandLine.arguments[3]) ?? 128] : [128, 256]
for size in sizes {
    let k = CameraIntrinsics(width: size, height: size, hfov: Float(90).radians)
    let frames = houses.reduce(0) { $0 + $1.poses.count }
    var rays = [Float](repeating: 0, count: 6 * size * size)
    var tHit = [Float](repeating: 0, count: size * size)
    var prim = [UInt32](repeating: 0, count: size * size)

    /// One pass over all poses; returns seconds per frame and a checksum (pixels hit).
    func pass(_ body: (House, Camera) -> Int) -> (Double, Int) {
        var hits = 0
        let t0 = now()
        for h in houses { for pose in h.poses { hits += body(h, Camera(intrinsics: k, worldFromCamera: pose)) } }
        return (Double(now() - t0) * 1e-9 / Double(frames), hits)
    }
    func rayGen(_ cam: Camera) {
        let o = cam.worldFromCamera.translation
        rays.withUnsafeMutableBufferPointer { r in
            for y in 0..<size { for x in 0..<size {
                let d = cam.worldFromCamera.applyToDirection(k.cameraRay(x: Float(x) + 0.5, y: Float(y) + 0.5))
                let i = 6 * (y * size + x)
                r[i] = o.x; r[i + 1] = o.y; r[i + 2] = o.z; r[i + 3] = d.x; r[i + 4] = d.y; r[i + 5] = d.z
            } }
        }
    }
    let timed: [(String, (House, Camera) -> Int)] = [
        ("render, .rayCast", { h, cam in
            h.renderer.mode = .rayCast
            return h.renderer.render(camera: cam).instanceIds.pixels.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }),
        ("render, .rasterize", { h, cam in
            h.renderer.mode = .rasterize
            return h.renderer.render(camera: cam).instanceIds.pixels.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }),
        ("  ray generation", { _, cam in rayGen(cam); return Int(rays[3] > 0 ? 1 : 0) }),
        ("  ray generation + BVH.castRays", { h, cam in
            rayGen(cam)
            rays.withUnsafeBufferPointer { r in tHit.withUnsafeMutableBufferPointer { t in prim.withUnsafeMutableBufferPointer { p in
                h.bvh.castRays(r, tHit: t, primitiveIds: p) } } }
            return prim.reduce(0) { $0 + ($1 != .max ? 1 : 0) } }),
        ("  output allocation", { _, _ in
            let f = RenderedFrame(rgb: RGBImage(width: size, height: size, pixels: [RGB8](repeating: Renderer.background, count: size * size)),
                                  depth: DepthImage(width: size, height: size, pixels: [Float](repeating: 0, count: size * size)),
                                  instanceIds: InstanceImage(width: size, height: size, pixels: [UInt32](repeating: 0, count: size * size)))
            return Int(f.depth.pixels[size] == 0 ? 1 : 0) }),
    ]
    if let only {
        var times = [Double]()
        for _ in 0..<repetitions {
            times.append(pass { h, cam in
                h.renderer.mode = only == "rayCast" ? .rayCast : .rasterize
                return h.renderer.render(camera: cam).instanceIds.pixels.count }.0)
        }
        print(String(format: "%d × %d, .%@ only: median %.3f ms/frame", size, size, only, median(times) * 1e3))
        continue
    }
    var medians = [Double]()
    print("\(size) × \(size):")
    for (name, body) in timed {
        _ = pass(body)
        var times = [Double](), check: Int? = nil
        for _ in 0..<repetitions {
            let (t, hits) = pass(body)
            if let c = check, c != hits { fatalError("\(name): \(hits) pixels hit, \(c) in an earlier repetition") }
            check = hits; times.append(t)
        }
        let m = median(times)
        medians.append(m)
        print(String(format: "  %-34@ median %.3f ms/frame (min %.3f, max %.3f)   checksum %d", name as NSString,
                     m * 1e3, times.min()! * 1e3, times.max()! * 1e3, check ?? 0))
    }
    let traversal = medians[3] - medians[2]
    let rest = medians[0] - medians[3] - medians[4]
    print(String(format: "  split of the ray caster: ray generation %.0f %%, BVH traversal %.0f %%, allocation %.0f %%, shading and the rest %.0f %%",
                 100 * medians[2] / medians[0], 100 * traversal / medians[0], 100 * medians[4] / medians[0], 100 * rest / medians[0]))
    print(String(format: "  rasteriser / ray caster: %.3f (%.1f× faster); rasteriser %.0f frames/s on one core",
                 medians[1] / medians[0], medians[0] / medians[1], 1 / medians[1]))
    // Agreement check: instance ids of the two modes on every pose.
    var same = 0, total = 0
    for h in houses {
        for pose in h.poses {
            let cam = Camera(intrinsics: k, worldFromCamera: pose)
            h.renderer.mode = .rayCast
            let a = h.renderer.render(camera: cam).instanceIds.pixels
            h.renderer.mode = .rasterize
            let b = h.renderer.render(camera: cam).instanceIds.pixels
            for i in a.indices where a[i] == b[i] { same += 1 }
            total += a.count
        }
    }
    let agreement = Double(same) / Double(total)
    print(String(format: "  instance ids equal on %.3f %% of the pixels", 100 * agreement))
    if agreement < 0.99 { fatalError("RenderTiming: the modes agree on only \(agreement) of the pixels") }
}
