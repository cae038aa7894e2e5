// raycast_256: closest-hit ray casting of 256×256 pinhole rays against a ~150k-triangle mesh, one thread.
//
// Input (written by /work/shared/anchors/o3d_anchors.py or ../scripts/bench-raycast.sh into $ANCHOR_OUT, default
// /tmp/vlnsim-anchors): mesh_tris.npy (float64, {T, 3, 3} triangle corners) and rays_256.npy (float32,
// {256, 256, 6} [ox, oy, oz, dx, dy, dz], Open3D's layout). The BVH is built once, outside the measured region.
// Each iteration casts all 65,536 rays and checks its own output: the hit fraction must equal Open3D's
// ($VLNSIM_EXPECTED_HIT_FRACTION, printed by the anchor) within 0.1 %.
import Benchmark
import Foundation
import VLNCore
import VLNRender
import VLNScene

final class RaycastFixture: @unchecked Sendable {
    let bvh: BVH
    let rays: [Float]
    var tHit: [Float]
    var primitiveIds: [UInt32]
    let expectedHitFraction: Double?
    var rayCount: Int { tHit.count }

    init() throws {
        let dir = ProcessInfo.processInfo.environment["ANCHOR_OUT"] ?? "/tmp/vlnsim-anchors"
        let trisPath = dir + "/mesh_tris.npy", raysPath = dir + "/rays_256.npy"
        let tris = try NPYArray(contentsOf: trisPath)
        guard tris.shape.count == 3, tris.shape[1] == 3, tris.shape[2] == 3 else {
            throw VLNError.badFile(path: trisPath, field: "shape", reason: "expected {T, 3, 3}, got \(tris.shape)")
        }
        let rayArray = try NPYArray(contentsOf: raysPath)
        guard rayArray.shape.last == 6 else {
            throw VLNError.badFile(path: raysPath, field: "shape", reason: "expected {..., 6}, got \(rayArray.shape)")
        }
        bvh = BVH(triangleCorners: tris.floatValues())
        rays = try rayArray.values(Float.self)
        let n = rays.count / 6
        tHit = [Float](repeating: 0, count: n)
        primitiveIds = [UInt32](repeating: 0, count: n)
        expectedHitFraction = ProcessInfo.processInfo.environment["VLNSIM_EXPECTED_HIT_FRACTION"].flatMap(Double.init)
        print("raycast_256: \(bvh.triangleCount) triangles, \(bvh.nodeCount) BVH nodes, \(n) rays")
    }

    func cast() {
        rays.withUnsafeBufferPointer { r in
            tHit.withUnsafeMutableBufferPointer { t in
                primitiveIds.withUnsafeMutableBufferPointer { p in
                    bvh.castRays(r, tHit: t, primitiveIds: p)
                }
            }
        }
    }

    /// The fraction of rays that hit; stops the run if it differs from Open3D's by more than 0.1 % (`fatalError`,
    /// not `precondition`, which `-Ounchecked` removes).
    func checkedHitFraction() -> Double {
        var hits = 0
        for (t, p) in zip(tHit, primitiveIds) where t.isFinite {
            if p == .max { fatalError("raycast_256: finite t with no primitive id") }
            hits += 1
        }
        let fraction = Double(hits) / Double(rayCount)
        if let expected = expectedHitFraction, abs(fraction - expected) > 0.001 {
            fatalError("raycast_256: hit fraction \(fraction) differs from Open3D's \(expected) by more than 0.1 %")
        }
        return fraction
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .custom("rays/s", polarity: .prefersLarger, useScalingFactor: false)],
        timeUnits: .milliseconds,
        warmupIterations: 3,
        maxDuration: .seconds(10),
        maxIterations: 60
    )

    Benchmark("raycast_256", closure: { (benchmark: Benchmark, fixture: RaycastFixture) in
        let clock = ContinuousClock()
        let start = clock.now
        benchmark.startMeasurement()
        fixture.cast()
        benchmark.stopMeasurement()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        benchmark.measurement(.custom("rays/s", polarity: .prefersLarger, useScalingFactor: false),
                              Int(Double(fixture.rayCount) / seconds))
        blackHole(fixture.checkedHitFraction())
        blackHole(fixture.tHit)
        blackHole(fixture.primitiveIds)
    }, setup: {
        let fixture = try RaycastFixture()
        fixture.cast()
        print("raycast_256: hit fraction \(fixture.checkedHitFraction()) (Open3D: \(fixture.expectedHitFraction.map { "\($0)" } ?? "not given"))")
        return fixture
    })

    // render_vlnce_256: a full `Renderer.render` (RGB, z-depth, instance ids) of the same mesh with VLN-CE's sensor
    // (256×256, hfov 90°) from the anchor's eye, on the renderer's default 2 threads. Checks that every pixel hit.
    Benchmark("render_vlnce_256", configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal]),
              closure: { (benchmark: Benchmark, fixture: (Renderer, Camera)) in
        let frame = fixture.0.render(camera: fixture.1)
        if frame.depth.pixels.contains(0) { fatalError("render_vlnce_256: a pixel saw nothing inside the closed room") }
        blackHole(frame)
    }, setup: {
        let dir = ProcessInfo.processInfo.environment["ANCHOR_OUT"] ?? "/tmp/vlnsim-anchors"
        let c = try NPYArray(contentsOf: dir + "/mesh_tris.npy").floatValues()
        var mesh = TriangleMesh()
        for t in 0..<(c.count / 9) {
            for k in 0..<3 { mesh.vertices.append(Vec3(c[9 * t + 3 * k], c[9 * t + 3 * k + 1], c[9 * t + 3 * k + 2])) }
            let b = UInt32(3 * t)
            mesh.triangles.append(SIMD3(b, b + 1, b + 2))
        }
        mesh.triangleInstanceIds = Array(repeating: 1, count: mesh.triangles.count)
        mesh.triangleColors = Array(repeating: RGB8(200, 180, 160), count: mesh.triangles.count)
        let renderer = Renderer(scene: Scene(name: "anchor", mesh: mesh))
        // The anchor's eye (0, −5, 1.5) looking at the origin, z up (the mesh is z-up).
        let eye = Vec3(0, -5, 1.5), forward = normalize(-eye), right = normalize(cross(forward, Vec3(0, 0, 1)))
        let up = cross(right, forward)
        let pose = RigidTransform(rotation: Mat3(columns: right, up, -forward), translation: eye)
        return (renderer, Camera(intrinsics: .vlnce, worldFromCamera: pose))
    })
}
