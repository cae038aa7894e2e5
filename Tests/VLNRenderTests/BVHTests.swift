import VLNCore
import VLNRender
import VLNScene
import XCTest

/// Ray casting against closed forms first (one triangle), then a seeded stress run against brute force.
final class BVHTests: XCTestCase {
    /// The triangle (0,0,0), (1,0,0), (0,1,0) in the plane z = 0.
    let unitTriangle = TriangleMesh(vertices: [Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 1, 0)], triangles: [SIMD3(0, 1, 2)])

    func testOneTriangleHitAtTOne() throws {
        let bvh = BVH(mesh: unitTriangle)
        let hit = try XCTUnwrap(bvh.intersect(origin: Vec3(0.25, 0.25, 1), direction: Vec3(0, 0, -1)))
        XCTAssertEqual(hit.t, 1)
        XCTAssertEqual(hit.triangleIndex, 0)
        // The hit point (0.25, 0.25, 0) = (1 − u − v)·a + u·b + v·c with b = (1,0,0), c = (0,1,0).
        XCTAssertEqual(hit.u, 0.25)
        XCTAssertEqual(hit.v, 0.25)
        // From below (the back face) too: both faces are hit.
        let back = try XCTUnwrap(bvh.intersect(origin: Vec3(0.5, 0.25, -2), direction: Vec3(0, 0, 1)))
        XCTAssertEqual(back.t, 2)
        XCTAssertEqual(back.u, 0.5)
        XCTAssertEqual(back.v, 0.25)
        // A longer direction vector: t is measured in multiples of it.
        XCTAssertEqual(bvh.intersect(origin: Vec3(0.25, 0.25, 1), direction: Vec3(0, 0, -4))?.t, 0.25)
        XCTAssertTrue(bvh.occluded(origin: Vec3(0.25, 0.25, 1), direction: Vec3(0, 0, -1)))
    }

    func testOneTriangleMisses() {
        let bvh = BVH(mesh: unitTriangle)
        // Beyond the hypotenuse u + v = 1.
        XCTAssertNil(bvh.intersect(origin: Vec3(0.75, 0.75, 1), direction: Vec3(0, 0, -1)))
        // Outside the plane's box entirely.
        XCTAssertNil(bvh.intersect(origin: Vec3(2, 2, 1), direction: Vec3(0, 0, -1)))
        // Pointing away.
        XCTAssertNil(bvh.intersect(origin: Vec3(0.25, 0.25, 1), direction: Vec3(0, 0, 1)))
        XCTAssertFalse(bvh.occluded(origin: Vec3(2, 2, 1), direction: Vec3(0, 0, -1)))
    }

    func testRayParallelToTriangleMisses() {
        let bvh = BVH(mesh: unitTriangle)
        // Above the plane, parallel to it.
        XCTAssertNil(bvh.intersect(origin: Vec3(-1, 0.25, 1), direction: Vec3(1, 0, 0)))
        // In the plane itself: det = 0, no hit.
        XCTAssertNil(bvh.intersect(origin: Vec3(-1, 0.25, 0), direction: Vec3(1, 0, 0)))
        XCTAssertFalse(bvh.occluded(origin: Vec3(-1, 0.25, 0), direction: Vec3(1, 0, 0)))
    }

    func testTMaxShorterThanHitGivesNil() {
        let bvh = BVH(mesh: unitTriangle)
        XCTAssertNil(bvh.intersect(origin: Vec3(0.25, 0.25, 1), direction: Vec3(0, 0, -1), tMax: 0.5))
        XCTAssertNil(bvh.intersect(origin: Vec3(0.25, 0.25, 1), direction: Vec3(0, 0, -1), tMax: 1))
        XCTAssertFalse(bvh.occluded(origin: Vec3(0.25, 0.25, 1), direction: Vec3(0, 0, -1), tMax: 0.5))
        XCTAssertEqual(bvh.intersect(origin: Vec3(0.25, 0.25, 1), direction: Vec3(0, 0, -1), tMax: 1.5)?.t, 1)
    }

    func testEmptyMeshNeverHits() {
        let bvh = BVH(mesh: TriangleMesh())
        XCTAssertEqual(bvh.nodeCount, 0)
        XCTAssertNil(bvh.intersect(origin: .zero, direction: Vec3(0, 0, -1)))
        XCTAssertFalse(bvh.occluded(origin: .zero, direction: Vec3(0, 0, -1)))
    }

    func testCastRaysUsesOpen3DLayoutAndMissValues() {
        let bvh = BVH(mesh: unitTriangle)
        let rays: [Float] = [0.25, 0.25, 1, 0, 0, -1,   // hit at t = 1
                             2, 2, 1, 0, 0, -1,         // miss
                             0.1, 0.2, -3, 0, 0, 1]     // hit from behind at t = 3
        var t = [Float](repeating: 0, count: 3)
        var ids = [UInt32](repeating: 0, count: 3)
        rays.withUnsafeBufferPointer { r in
            t.withUnsafeMutableBufferPointer { tp in
                ids.withUnsafeMutableBufferPointer { ip in bvh.castRays(r, tHit: tp, primitiveIds: ip) }
            }
        }
        XCTAssertEqual(t, [1, .infinity, 3])
        XCTAssertEqual(ids, [0, .max, 0])
    }

    /// 1,000 seeded random rays against a seeded random soup of 3,000 triangles: the BVH finds the same nearest
    /// hit as testing every triangle.
    func testMatchesBruteForceOnRandomSoup() {
        var rng = SeededRandom(seed: 20_240_611)
        var vertices = [Vec3](), triangles = [SIMD3<UInt32>]()
        for i in 0..<3000 {
            let c = Vec3(rng.uniform(-5, 5), rng.uniform(-5, 5), rng.uniform(-5, 5))
            for _ in 0..<3 { vertices.append(c + Vec3(rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4))) }
            triangles.append(SIMD3(UInt32(3 * i), UInt32(3 * i + 1), UInt32(3 * i + 2)))
        }
        let mesh = TriangleMesh(vertices: vertices, triangles: triangles)
        let bvh = BVH(mesh: mesh)
        XCTAssertEqual(bvh.triangleCount, 3000)
        var hits = 0, checked = 0
        var rays = [Float]()
        var expectedT = [Float](), expectedIds = [UInt32]()
        for _ in 0..<1000 {
            let o = Vec3(rng.uniform(-6, 6), rng.uniform(-6, 6), rng.uniform(-6, 6))
            let d = Vec3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1))
            let expected = bruteForce(mesh, origin: o, direction: d)
            rays += [o.x, o.y, o.z, d.x, d.y, d.z]
            expectedT.append(expected?.t ?? .infinity)
            expectedIds.append(expected.map { UInt32($0.triangleIndex) } ?? .max)
            let got = bvh.intersect(origin: o, direction: d)
            checked += 1
            guard let e = expected else { XCTAssertNil(got, "ray \(checked): BVH hit, brute force missed"); continue }
            guard let g = got else { XCTFail("ray \(checked): BVH missed, brute force hit t = \(e.t)"); continue }
            hits += 1
            XCTAssertEqual(g.t, e.t, accuracy: 1e-4, "ray \(checked)")
            XCTAssertEqual(g.triangleIndex, e.triangleIndex, "ray \(checked)")
            XCTAssertEqual(g.u, e.u, accuracy: 1e-5); XCTAssertEqual(g.v, e.v, accuracy: 1e-5)
            XCTAssertEqual(bvh.occluded(origin: o, direction: d), true)
            XCTAssertEqual(bvh.occluded(origin: o, direction: d, tMax: e.t * 0.999), bruteForce(mesh, origin: o, direction: d, tMax: e.t * 0.999) != nil)
        }
        XCTAssertGreaterThan(hits, 200, "the stress run should hit often")
        XCTAssertLessThan(hits, 1000, "and miss sometimes")

        // The batch call (4-ray packets, incoherent here) finds the same hits.
        var t = [Float](repeating: 0, count: 1000)
        var ids = [UInt32](repeating: 0, count: 1000)
        rays.withUnsafeBufferPointer { r in
            t.withUnsafeMutableBufferPointer { tp in
                ids.withUnsafeMutableBufferPointer { ip in bvh.castRays(r, tHit: tp, primitiveIds: ip) }
            }
        }
        XCTAssertEqual(ids, expectedIds)
        for i in 0..<1000 where expectedT[i].isFinite { XCTAssertEqual(t[i], expectedT[i], accuracy: 1e-4) }
        XCTAssertEqual(t.filter(\.isInfinite).count, expectedT.filter(\.isInfinite).count)
    }

    /// Coherent batches, as from a pinhole camera: the packet path agrees with one-ray-at-a-time `intersect`,
    /// bit for bit, including a remainder that is not a multiple of 4 and a tMax that cuts some hits.
    func testCastRaysMatchesIntersectOnCameraRays() {
        let mesh = RendererTests.boxRoom().mesh
        let bvh = BVH(mesh: mesh)
        let k = CameraIntrinsics(width: 37, height: 29, hfov: Float(100).radians)
        let pose = RigidTransform(rotation: Quaternion(heading: 0.7), translation: Vec3(0.5, 1.5, 1.0))
        var rays = [Float]()
        for y in 0..<k.height {
            for x in 0..<k.width {
                let d = pose.applyToDirection(k.cameraRay(x: Float(x) + 0.5, y: Float(y) + 0.5))
                rays += [pose.translation.x, pose.translation.y, pose.translation.z, d.x, d.y, d.z]
            }
        }
        let n = k.width * k.height
        XCTAssertNotEqual(n % 4, 0)
        for tMax in [Float.infinity, 2.2] {
            var t = [Float](repeating: 0, count: n)
            var ids = [UInt32](repeating: 0, count: n)
            rays.withUnsafeBufferPointer { r in
                t.withUnsafeMutableBufferPointer { tp in
                    ids.withUnsafeMutableBufferPointer { ip in bvh.castRays(r, tHit: tp, primitiveIds: ip, tMax: tMax) }
                }
            }
            var misses = 0
            for i in 0..<n {
                let hit = bvh.intersect(origin: Vec3(rays[6 * i], rays[6 * i + 1], rays[6 * i + 2]),
                                        direction: Vec3(rays[6 * i + 3], rays[6 * i + 4], rays[6 * i + 5]), tMax: tMax)
                XCTAssertEqual(t[i], hit?.t ?? .infinity, "ray \(i)")
                if hit == nil { misses += 1; XCTAssertEqual(ids[i], .max) }
                else if let h = hit, ids[i] != UInt32(h.triangleIndex) {
                    // Only a hit on the shared diagonal of a face's two triangles may go either way.
                    XCTAssertEqual(mesh.triangleInstanceIds[Int(ids[i])], mesh.triangleInstanceIds[h.triangleIndex], "ray \(i)")
                }
            }
            XCTAssertEqual(misses == 0, tMax == .infinity, "the closed room is always hit; tMax 2.2 cuts some hits")
        }
    }

    /// Möller–Trumbore over every triangle, both faces, hits with 0 < t < tMax.
    private func bruteForce(_ mesh: TriangleMesh, origin o: Vec3, direction d: Vec3, tMax: Float = .infinity) -> RayHit? {
        var best: RayHit?
        var bestT = tMax
        for i in 0..<mesh.triangleCount {
            let (a, b, c) = mesh.corners(i)
            let e1 = b - a, e2 = c - a
            let p = Vec3(d.y * e2.z - d.z * e2.y, d.z * e2.x - d.x * e2.z, d.x * e2.y - d.y * e2.x)
            let det = e1.x * p.x + e1.y * p.y + e1.z * p.z
            if det == 0 { continue }
            let inv = 1 / det
            let s = Vec3(o.x - a.x, o.y - a.y, o.z - a.z)
            let u = (s.x * p.x + s.y * p.y + s.z * p.z) * inv
            if u < 0 || u > 1 { continue }
            let q = Vec3(s.y * e1.z - s.z * e1.y, s.z * e1.x - s.x * e1.z, s.x * e1.y - s.y * e1.x)
            let v = (d.x * q.x + d.y * q.y + d.z * q.z) * inv
            if v < 0 || u + v > 1 { continue }
            let t = (e2.x * q.x + e2.y * q.y + e2.z * q.z) * inv
            if t > 0 && t < bestT { bestT = t; best = RayHit(t: t, triangleIndex: i, u: u, v: v) }
        }
        return best
    }
}
