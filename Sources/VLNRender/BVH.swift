import VLNCore
import VLNScene

/// The nearest intersection of a ray with a triangle mesh.
public struct RayHit: Equatable, Sendable {
    /// Ray parameter of the hit: the hit point is `origin + t · direction` (metres when `direction` is a unit
    /// vector; with a camera ray scaled to z = −1, `t` is the z-depth).
    public var t: Float
    /// Index of the triangle hit, in the numbering of the mesh the BVH was built from.
    public var triangleIndex: Int
    /// Barycentric coordinates of the hit: the point is `(1 − u − v)·a + u·b + v·c` for the triangle's corners
    /// `(a, b, c)` in the mesh's winding order.
    public var u: Float, v: Float

    /// From the ray parameter, the triangle index and the barycentric `u`, `v` of the hit.
    public init(t: Float, triangleIndex: Int, u: Float, v: Float) {
        self.t = t; self.triangleIndex = triangleIndex; self.u = u; self.v = v
    }
}

/// A bounding-volume hierarchy over a triangle mesh for ray casting (closest hit and any hit).
///
/// Built with a binned surface-area heuristic (16 bins per axis, leaves of at most 4 triangles; Wald 2007,
/// "On fast Construction of SAH-based Bounding Volume Hierarchies"). Nodes are flattened depth-first into one
/// array of 32-byte nodes (the left child of an inner node follows it; the right child is stored). Triangles are
/// reordered to leaf order and stored as `v0, e1 = v1 − v0, e2 = v2 − v0` for the Möller–Trumbore test
/// (Möller & Trumbore 1997). Both faces of a triangle are hit; degenerate triangles are never hit.
///
/// The structure is immutable after construction, so one BVH may be shared by any number of threads.
public final class BVH: @unchecked Sendable {
    /// Node layout, 8 × 4 bytes: `minX, minY, minZ, a, maxX, maxY, maxZ, b` where for a leaf `a` is the first
    /// triangle (leaf order) and `b` the triangle count (≥ 1), and for an inner node `a` is the index of the right
    /// child (the left child is the next node) and `b` is 0.
    /// Nodes and triangle data live in 64-byte-aligned storage owned by the BVH, so that a 32-byte node never
    /// straddles two cache lines (an Array's elements are only 16-byte aligned).
    let nodes: UnsafeMutableRawPointer
    /// 9 floats per triangle in leaf order: v0, e1, e2.
    let triangleData: UnsafeMutablePointer<Float>
    /// Original mesh index of each triangle in leaf order.
    let triangleIds: [UInt32]

    /// Number of triangles of the mesh.
    public var triangleCount: Int { triangleIds.count }
    /// Number of nodes of the hierarchy (0 for an empty mesh).
    public let nodeCount: Int

    /// Largest depth of the tree the traversal stack supports; the builder never exceeds it.
    static let stackSize = 64

    /// Builds the hierarchy over `mesh`.
    /// - Complexity: O(n log n) for n triangles.
    public convenience init(mesh: TriangleMesh) {
        var corners = [Float]()
        corners.reserveCapacity(mesh.triangleCount * 9)
        for i in 0..<mesh.triangleCount {
            let (a, b, c) = mesh.corners(i)
            corners.append(a.x); corners.append(a.y); corners.append(a.z)
            corners.append(b.x); corners.append(b.y); corners.append(b.z)
            corners.append(c.x); corners.append(c.y); corners.append(c.z)
        }
        self.init(triangleCorners: corners)
    }

    /// Builds the hierarchy over a triangle soup.
    /// - Parameter triangleCorners: shape `{n, 3, 3}`, row-major: triangle i is corners `a, b, c`, each `x, y, z`.
    /// - Precondition: `triangleCorners.count` is a multiple of 9 and `n < UInt32.max`.
    public init(triangleCorners: [Float]) {
        precondition(triangleCorners.count % 9 == 0, "triangleCorners must hold 9 floats per triangle")
        let n = triangleCorners.count / 9
        precondition(n < Int(UInt32.max))
        var builder = BVHBuilder(corners: triangleCorners)
        builder.build()
        nodeCount = builder.nodes.count / 8
        let nodeStorage = UnsafeMutableRawPointer.allocate(byteCount: max(builder.nodes.count * 4, 64), alignment: 64)
        builder.nodes.withUnsafeBytes { b in
            if let base = b.baseAddress { nodeStorage.copyMemory(from: base, byteCount: b.count) }
        }
        nodes = nodeStorage
        let data = UnsafeMutableRawPointer.allocate(byteCount: max(n * 36, 64), alignment: 64).bindMemory(to: Float.self, capacity: max(n * 9, 16))
        var ids = [UInt32](repeating: 0, count: n)
        triangleCorners.withUnsafeBufferPointer { c in
            for (k, i) in builder.order.enumerated() {
                let s = Int(i) * 9, d = k * 9
                for j in 0..<3 {
                    let v0 = c[s + j]
                    data[d + j] = v0
                    data[d + 3 + j] = c[s + 3 + j] - v0
                    data[d + 6 + j] = c[s + 6 + j] - v0
                }
                ids[k] = i
            }
        }
        triangleData = data
        triangleIds = ids
    }

    deinit {
        nodes.deallocate()
        triangleData.deallocate()
    }

    /// The nearest hit of the ray `origin + t · direction` with `0 < t < tMax`.
    /// - Parameters:
    ///   - origin: ray origin, world frame (metres).
    ///   - direction: ray direction, any non-zero length; `t` is measured in multiples of it.
    ///   - tMax: hits at `t ≥ tMax` are ignored.
    /// - Returns: the nearest hit, or nil on a miss (no triangle hit in `(0, tMax)`).
    public func intersect(origin: Vec3, direction: Vec3, tMax: Float = .infinity) -> RayHit? {
        guard !triangleIds.isEmpty else { return nil }
        var ray = (origin.x, origin.y, origin.z, direction.x, direction.y, direction.z)
        let r = withUnsafeBytes(of: &ray) { rb in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * BVH.stackSize) { stack in
                withPointers { n, tri in
                    BVH.closestHit(nodes: n, tris: tri, stack: stack.baseAddress!,
                                   ray: rb.baseAddress!.assumingMemoryBound(to: Float.self), tMax: tMax)
                }
            }
        }
        guard r.index != UInt32.max else { return nil }
        return RayHit(t: r.t, triangleIndex: Int(triangleIds[Int(r.index)]), u: r.u, v: r.v)
    }

    /// Whether anything is hit by the ray `origin + t · direction` with `0 < t < tMax` (any hit; stops at the
    /// first triangle found, so it is cheaper than `intersect`).
    public func occluded(origin: Vec3, direction: Vec3, tMax: Float = .infinity) -> Bool {
        guard !triangleIds.isEmpty else { return false }
        var ray = (origin.x, origin.y, origin.z, direction.x, direction.y, direction.z)
        return withUnsafeBytes(of: &ray) { rb in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * BVH.stackSize) { stack in
                withPointers { n, tri in
                    BVH.anyHit(nodes: n, tris: tri, stack: stack.baseAddress!,
                               ray: rb.baseAddress!.assumingMemoryBound(to: Float.self), tMax: tMax)
                }
            }
        }
    }

    /// Casts a batch of rays (closest hit), one thread, in Open3D's `RaycastingScene.cast_rays` layout.
    ///
    /// Rays are traced in packets of 4 consecutive rays (SIMD lanes), so batches whose neighbouring rays are
    /// coherent (a camera's pixels in row-major order) are fastest; each ray gets the same hit as `intersect`.
    /// - Parameters:
    ///   - rays: shape `{n, 6}`, row-major `[ox, oy, oz, dx, dy, dz]` per ray (world frame; `t` is measured in
    ///     multiples of the direction).
    ///   - tHit: `n` outputs: the hit's `t`, `+infinity` on a miss.
    ///   - primitiveIds: `n` outputs: the triangle hit (the mesh's numbering), `UInt32.max` on a miss.
    ///   - tMax: hits at `t ≥ tMax` are ignored.
    /// - Precondition: `rays.count == 6 · n`, `tHit.count == primitiveIds.count == n`.
    /// - Complexity: O(n log T) for T triangles; no allocation.
    public func castRays(_ rays: UnsafeBufferPointer<Float>, tHit: UnsafeMutableBufferPointer<Float>,
                         primitiveIds: UnsafeMutableBufferPointer<UInt32>, tMax: Float = .infinity) {
        let n = tHit.count
        precondition(rays.count == 6 * n && primitiveIds.count == n, "castRays: rays must be 6·n floats, outputs n")
        guard n > 0, let r = rays.baseAddress, let th = tHit.baseAddress, let pid = primitiveIds.baseAddress else { return }
        guard !triangleIds.isEmpty else {
            th.update(repeating: .infinity, count: n); pid.update(repeating: .max, count: n); return
        }
        BVH.withScratch { scratch in
            triangleIds.withUnsafeBufferPointer { ids in
                withPointers { nd, tri in
                    BVH.castMany(nodes: nd, tris: tri, ids: ids.baseAddress!, stack: scratch.stack,
                                 entries: scratch.entries, rays: r, count: n, tMax: tMax, tHit: th, primitiveIds: pid)
                }
            }
        }
    }

    /// Per-thread scratch memory of the traversal kernels: the node stack, the packet kernel's entry distances
    /// and room for one packet of rays. Lives on the stack of the calling thread for the duration of `body`.
    struct Scratch {
        /// `2 · stackSize` words: node indices, then the single-ray kernel's entry distances.
        var stack: UnsafeMutablePointer<UInt32>
        /// `stackSize` entry-distance vectors of the packet kernel.
        var entries: UnsafeMutablePointer<SIMD4<Float>>
        /// 24 floats: 4 rays `[ox, oy, oz, dx, dy, dz]`.
        var rays: UnsafeMutablePointer<Float>
    }

    /// Two blocks of at most 1 KiB each, which `withUnsafeTemporaryAllocation` places on the stack (a larger block
    /// would go to the heap).
    @inline(__always) static func withScratch<R>(_ body: (Scratch) -> R) -> R {
        withUnsafeTemporaryAllocation(of: SIMD4<Float>.self, capacity: stackSize) { entries in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * stackSize + 24) { words in
                let stack = words.baseAddress!
                let rays = UnsafeMutableRawPointer(stack + 2 * stackSize).bindMemory(to: Float.self, capacity: 24)
                return body(Scratch(stack: stack, entries: entries.baseAddress!, rays: rays))
            }
        }
    }

    /// `1 / d`, with zero and tiny components replaced by ±1e-20 so the slab test never computes `0 · ∞`.
    @inline(__always) static func safeInverse(_ d: Float) -> Float {
        1 / (abs(d) < 1e-20 ? (d.sign == .minus ? -1e-20 : 1e-20) : d)
    }

    /// Minimum and maximum that compile to single `minss`/`maxss` instructions (no NaN handling: the slab test
    /// never produces NaN, as `safeInverse` is finite).
    @inline(__always) static func fmin(_ a: Float, _ b: Float) -> Float { a < b ? a : b }
    @inline(__always) static func fmax(_ a: Float, _ b: Float) -> Float { a > b ? a : b }

    @inline(__always)
    func withPointers<R>(_ body: (UnsafeRawPointer, UnsafePointer<Float>) -> R) -> R {
        // The storage lives as long as `self`, which the caller holds for the duration of `body`.
        withExtendedLifetime(self) { body(UnsafeRawPointer(nodes), UnsafePointer(triangleData)) }
    }

    /// Casts rays in packets of 4 consecutive rays (Open3D's pinhole rays are row-major, so neighbours are
    /// coherent), the remainder one by one.
    static func castMany(nodes: UnsafeRawPointer, tris: UnsafePointer<Float>, ids: UnsafePointer<UInt32>,
                         stack: UnsafeMutablePointer<UInt32>, entries: UnsafeMutablePointer<SIMD4<Float>>,
                         rays: UnsafePointer<Float>, count: Int, tMax: Float,
                         tHit: UnsafeMutablePointer<Float>, primitiveIds: UnsafeMutablePointer<UInt32>) {
        var i = 0
        while i + 4 <= count {
            let (t, index) = closestHit4(nodes: nodes, tris: tris, stack: stack, entries: entries,
                                         rays: rays + 6 * i, tMax: SIMD4(repeating: tMax))
            for lane in 0..<4 {
                if index[lane] != UInt32.max {
                    tHit[i + lane] = t[lane]; primitiveIds[i + lane] = ids[Int(index[lane])]
                } else {
                    tHit[i + lane] = .infinity; primitiveIds[i + lane] = .max
                }
            }
            i += 4
        }
        while i < count {
            let r = closestHit(nodes: nodes, tris: tris, stack: stack, ray: rays + 6 * i, tMax: tMax)
            if r.index != UInt32.max {
                tHit[i] = r.t; primitiveIds[i] = ids[Int(r.index)]
            } else {
                tHit[i] = .infinity; primitiveIds[i] = .max
            }
            i += 1
        }
    }

    @inline(__always) static func vmin(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { a.replacing(with: b, where: b .< a) }
    @inline(__always) static func vmax(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { a.replacing(with: b, where: b .> a) }
    @inline(__always) static func hmin(_ a: SIMD4<Float>) -> Float {
        let m = vmin(a, SIMD4(a[2], a[3], a[0], a[1]))
        return fmin(m[0], m[1])
    }

    /// The packet kernel: nearest hits of 4 rays traversed together (one SIMD lane per ray; a node is visited if
    /// any lane's ray enters it before that lane's nearest hit so far). Per lane, the arithmetic of the box and
    /// triangle tests is that of `closestHit`, so the hits are the same (up to which of two triangles at exactly
    /// the same t is reported). Returns leaf-order triangle indices, `UInt32.max` for a miss.
    /// - Parameters:
    ///   - rays: 4 consecutive rays `[ox, oy, oz, dx, dy, dz]`.
    ///   - stack: `stackSize` node indices; `entries`: `stackSize` entry-distance vectors.
    @inline(__always)
    static func closestHit4(nodes: UnsafeRawPointer, tris: UnsafePointer<Float>, stack: UnsafeMutablePointer<UInt32>,
                            entries: UnsafeMutablePointer<SIMD4<Float>>, rays r: UnsafePointer<Float>,
                            tMax: SIMD4<Float>) -> (t: SIMD4<Float>, index: SIMD4<UInt32>) {
        let ox = SIMD4(r[0], r[6], r[12], r[18]), oy = SIMD4(r[1], r[7], r[13], r[19]), oz = SIMD4(r[2], r[8], r[14], r[20])
        let dx = SIMD4(r[3], r[9], r[15], r[21]), dy = SIMD4(r[4], r[10], r[16], r[22]), dz = SIMD4(r[5], r[11], r[17], r[23])
        let ix = SIMD4(safeInverse(dx[0]), safeInverse(dx[1]), safeInverse(dx[2]), safeInverse(dx[3]))
        let iy = SIMD4(safeInverse(dy[0]), safeInverse(dy[1]), safeInverse(dy[2]), safeInverse(dy[3]))
        let iz = SIMD4(safeInverse(dz[0]), safeInverse(dz[1]), safeInverse(dz[2]), safeInverse(dz[3]))
        let zero = SIMD4<Float>(repeating: 0), inf = SIMD4<Float>(repeating: .infinity)
        var best = tMax
        var bestIndex = SIMD4<UInt32>(repeating: .max)

        /// Per lane: the entry distance into `node`'s box, +∞ where the ray misses it within `[0, best]`.
        // `best` is passed in rather than captured: a captured `var` may be boxed on the heap where this kernel is
        // not inlined.
        @inline(__always) func entry(_ node: UInt32, _ best: SIMD4<Float>) -> SIMD4<Float> {
            let p = (nodes + Int(node) &* 32).assumingMemoryBound(to: Float.self)
            let t0x = (SIMD4(repeating: p[0]) - ox) * ix, t1x = (SIMD4(repeating: p[4]) - ox) * ix
            let t0y = (SIMD4(repeating: p[1]) - oy) * iy, t1y = (SIMD4(repeating: p[5]) - oy) * iy
            let t0z = (SIMD4(repeating: p[2]) - oz) * iz, t1z = (SIMD4(repeating: p[6]) - oz) * iz
            let tn = vmax(vmax(vmin(t0x, t1x), vmin(t0y, t1y)), vmax(vmin(t0z, t1z), zero))
            let tf = vmin(vmin(vmax(t0x, t1x), vmax(t0y, t1y)), vmin(vmax(t0z, t1z), best))
            return inf.replacing(with: tn, where: tn .<= tf)
        }

        if !any(entry(0, best) .< inf) { return (best, bestIndex) }
        var sp = 0
        var node: UInt32 = 0
        while true {
            let header = (nodes + Int(node) &* 32).assumingMemoryBound(to: UInt32.self)
            let a = header[3], cnt = header[7]
            if cnt == 0 {
                let left = node &+ 1, right = a
                let tl = entry(left, best), tr = entry(right, best)
                let hitL = any(tl .< inf), hitR = any(tr .< inf)
                if hitL {
                    if hitR {
                        if hmin(tl) <= hmin(tr) {
                            stack[sp] = right; entries[sp] = tr; node = left
                        } else {
                            stack[sp] = left; entries[sp] = tl; node = right
                        }
                        sp &+= 1
                    } else {
                        node = left
                    }
                    continue
                } else if hitR {
                    node = right
                    continue
                }
            } else {
                var k = Int(a)
                let end = k &+ Int(cnt)
                while k < end {
                    let q = tris + k &* 9
                    let e1x = SIMD4(repeating: q[3]), e1y = SIMD4(repeating: q[4]), e1z = SIMD4(repeating: q[5])
                    let e2x = SIMD4(repeating: q[6]), e2y = SIMD4(repeating: q[7]), e2z = SIMD4(repeating: q[8])
                    let px = dy * e2z - dz * e2y, py = dz * e2x - dx * e2z, pz = dx * e2y - dy * e2x
                    let det = e1x * px + e1y * py + e1z * pz
                    // det = 0 gives an infinite or NaN u below, which fails the range test.
                    let inv = SIMD4<Float>(repeating: 1) / det
                    let tx = ox - SIMD4(repeating: q[0]), ty = oy - SIMD4(repeating: q[1]), tz = oz - SIMD4(repeating: q[2])
                    let u = (tx * px + ty * py + tz * pz) * inv
                    let qx = ty * e1z - tz * e1y, qy = tz * e1x - tx * e1z, qz = tx * e1y - ty * e1x
                    let v = (dx * qx + dy * qy + dz * qz) * inv
                    let t = (e2x * qx + e2y * qy + e2z * qz) * inv
                    let hit = (u .>= zero) .& (u .<= 1) .& (v .>= zero) .& (u + v .<= 1) .& (t .> zero) .& (t .< best)
                    if any(hit) {
                        best = best.replacing(with: t, where: hit)
                        bestIndex = bestIndex.replacing(with: UInt32(truncatingIfNeeded: k), where: hit)
                    }
                    k &+= 1
                }
            }
            // Pop the next node that some lane can still reach before its nearest hit.
            var found = false
            while sp > 0 {
                sp &-= 1
                if any(entries[sp] .< best) { node = stack[sp]; found = true; break }
            }
            if !found { break }
        }
        return (best, bestIndex)
    }

    /// The traversal kernel: nearest hit of one ray. Returns the hit's leaf-order triangle index, or
    /// `UInt32.max` on a miss. All memory is reached through the raw pointers, so the loop has no ARC traffic.
    /// `stack` holds `2 · stackSize` words: node indices, then the entry distances (bit patterns) of those nodes.
    @inline(__always)
    static func closestHit(nodes: UnsafeRawPointer, tris: UnsafePointer<Float>, stack: UnsafeMutablePointer<UInt32>,
                           ray: UnsafePointer<Float>, tMax: Float) -> (t: Float, index: UInt32, u: Float, v: Float) {
        let ox = ray[0], oy = ray[1], oz = ray[2]
        let dx = ray[3], dy = ray[4], dz = ray[5]
        let ix = safeInverse(dx), iy = safeInverse(dy), iz = safeInverse(dz)
        // Slab test with the near plane chosen by the sign of the direction: node floats 0…2 are the lower
        // corner and 4…6 the upper, so the near plane of axis k is at float `k + (d_k < 0 ? 4 : 0)`.
        let nx = ix < 0 ? 4 : 0, ny = iy < 0 ? 5 : 1, nz = iz < 0 ? 6 : 2
        let fx = 4 - nx, fy = 6 - ny, fz = 8 - nz
        let distances = stack + stackSize
        var best = tMax
        var bestIndex = UInt32.max
        var bu: Float = 0, bv: Float = 0

        /// Entry distance of the ray into `node`'s box, or +∞ if it misses the box within `[0, tBest]`.
        @inline(__always) func entry(_ node: UInt32, _ tBest: Float) -> Float {
            let p = (nodes + Int(node) &* 32).assumingMemoryBound(to: Float.self)
            let t0x = (p[nx] - ox) * ix, t1x = (p[fx] - ox) * ix
            let t0y = (p[ny] - oy) * iy, t1y = (p[fy] - oy) * iy
            let t0z = (p[nz] - oz) * iz, t1z = (p[fz] - oz) * iz
            let tn = fmax(fmax(t0x, t0y), fmax(t0z, 0))
            let tf = fmin(fmin(t1x, t1y), fmin(t1z, tBest))
            return tn <= tf ? tn : .infinity
        }

        if entry(0, best) == .infinity { return (0, .max, 0, 0) }
        var sp = 0
        var node: UInt32 = 0
        while true {
            let header = (nodes + Int(node) &* 32).assumingMemoryBound(to: UInt32.self)
            let a = header[3], cnt = header[7]
            if cnt == 0 {
                let left = node &+ 1, right = a
                let tl = entry(left, best), tr = entry(right, best)
                if tl != .infinity {
                    if tr != .infinity {
                        if tl <= tr {
                            stack[sp] = right; distances[sp] = tr.bitPattern; node = left
                        } else {
                            stack[sp] = left; distances[sp] = tl.bitPattern; node = right
                        }
                        sp &+= 1
                    } else {
                        node = left
                    }
                    continue
                } else if tr != .infinity {
                    node = right
                    continue
                }
            } else {
                var k = Int(a)
                let end = k &+ Int(cnt)
                while k < end {
                    let h = BVH.mollerTrumbore(tris + k &* 9, ox, oy, oz, dx, dy, dz)
                    if h.t < best { best = h.t; bestIndex = UInt32(truncatingIfNeeded: k); bu = h.u; bv = h.v }
                    k &+= 1
                }
            }
            // Pop the next node that can still hold a nearer hit (its entry distance was stored with it).
            var found = false
            while sp > 0 {
                sp &-= 1
                if Float(bitPattern: distances[sp]) < best { node = stack[sp]; found = true; break }
            }
            if !found { break }
        }
        return (best, bestIndex, bu, bv)
    }

    /// Möller–Trumbore (1997) against one triangle stored as `v0, e1, e2` (9 floats): the hit distance along the
    /// ray and barycentrics, or `t = +inf` for a miss (parallel, outside, or `t ≤ 0`). Both faces count.
    @inline(__always)
    static func mollerTrumbore(_ q: UnsafePointer<Float>, _ ox: Float, _ oy: Float, _ oz: Float,
                               _ dx: Float, _ dy: Float, _ dz: Float) -> (t: Float, u: Float, v: Float) {
        let e1x = q[3], e1y = q[4], e1z = q[5]
        let e2x = q[6], e2y = q[7], e2z = q[8]
        let px = dy * e2z - dz * e2y, py = dz * e2x - dx * e2z, pz = dx * e2y - dy * e2x
        let det = e1x * px + e1y * py + e1z * pz
        if det != 0 {
            let inv = 1 / det
            let tx = ox - q[0], ty = oy - q[1], tz = oz - q[2]
            let u = (tx * px + ty * py + tz * pz) * inv
            if u >= 0 && u <= 1 {
                let qx = ty * e1z - tz * e1y, qy = tz * e1x - tx * e1z, qz = tx * e1y - ty * e1x
                let v = (dx * qx + dy * qy + dz * qz) * inv
                if v >= 0 && u + v <= 1 {
                    let t = (e2x * qx + e2y * qy + e2z * qz) * inv
                    if t > 0 { return (t, u, v) }
                }
            }
        }
        return (.infinity, 0, 0)
    }

    /// Any-hit traversal: true as soon as one triangle is hit in `(0, tMax)`.
    @inline(__always)
    static func anyHit(nodes: UnsafeRawPointer, tris: UnsafePointer<Float>, stack: UnsafeMutablePointer<UInt32>,
                       ray: UnsafePointer<Float>, tMax: Float) -> Bool {
        let ox = ray[0], oy = ray[1], oz = ray[2]
        let dx = ray[3], dy = ray[4], dz = ray[5]
        let ix = BVH.safeInverse(dx), iy = BVH.safeInverse(dy), iz = BVH.safeInverse(dz)
        let nx = ix < 0 ? 4 : 0, ny = iy < 0 ? 5 : 1, nz = iz < 0 ? 6 : 2
        let fx = 4 - nx, fy = 6 - ny, fz = 8 - nz
        @inline(__always) func hits(_ node: UInt32) -> Bool {
            let p = (nodes + Int(node) &* 32).assumingMemoryBound(to: Float.self)
            let tn = fmax(fmax((p[nx] - ox) * ix, (p[ny] - oy) * iy), fmax((p[nz] - oz) * iz, 0))
            let tf = fmin(fmin((p[fx] - ox) * ix, (p[fy] - oy) * iy), fmin((p[fz] - oz) * iz, tMax))
            return tn <= tf
        }
        if !hits(0) { return false }
        var sp = 0
        stack[0] = 0; sp = 1
        while sp > 0 {
            sp &-= 1
            let node = stack[sp]
            let header = (nodes + Int(node) &* 32).assumingMemoryBound(to: UInt32.self)
            let a = header[3], cnt = header[7]
            if cnt == 0 {
                if hits(a) { stack[sp] = a; sp &+= 1 }
                if hits(node &+ 1) { stack[sp] = node &+ 1; sp &+= 1 }
                continue
            }
            var k = Int(a)
            let end = k &+ Int(cnt)
            while k < end {
                if BVH.mollerTrumbore(tris + k &* 9, ox, oy, oz, dx, dy, dz).t < tMax { return true }
                k &+= 1
            }
        }
        return false
    }
}

/// An axis-aligned box as six scalars (Swift's generic SIMD min/max are slow in unspecialised builds).
struct Box {
    var lo: (Float, Float, Float) = (.infinity, .infinity, .infinity)
    var hi: (Float, Float, Float) = (-.infinity, -.infinity, -.infinity)

    @inline(__always) mutating func grow(_ x: Float, _ y: Float, _ z: Float) {
        lo = (BVH.fmin(lo.0, x), BVH.fmin(lo.1, y), BVH.fmin(lo.2, z))
        hi = (BVH.fmax(hi.0, x), BVH.fmax(hi.1, y), BVH.fmax(hi.2, z))
    }
    @inline(__always) mutating func grow(_ b: Box) {
        lo = (BVH.fmin(lo.0, b.lo.0), BVH.fmin(lo.1, b.lo.1), BVH.fmin(lo.2, b.lo.2))
        hi = (BVH.fmax(hi.0, b.hi.0), BVH.fmax(hi.1, b.hi.1), BVH.fmax(hi.2, b.hi.2))
    }
    /// Half the surface area (0 for an empty box).
    var halfArea: Float {
        let ex = hi.0 - lo.0, ey = hi.1 - lo.1, ez = hi.2 - lo.2
        return ex < 0 ? 0 : ex * ey + ey * ez + ez * ex
    }
    func extent(_ axis: Int) -> Float {
        axis == 0 ? hi.0 - lo.0 : (axis == 1 ? hi.1 - lo.1 : hi.2 - lo.2)
    }
    func lower(_ axis: Int) -> Float { axis == 0 ? lo.0 : (axis == 1 ? lo.1 : lo.2) }
}

/// Binned-SAH builder producing the flattened node array and the leaf order of the triangles.
struct BVHBuilder {
    static let binCount = 16
    static let maxLeafSize = 4
    /// Below this depth splits follow the SAH; deeper, they halve the range by count, which bounds the tree depth
    /// by `sahDepthLimit + log2(n)` and so keeps it within the traversal stack.
    static let sahDepthLimit = 32

    var nodes: [UInt32] = []
    /// Triangle indices, permuted into leaf order as the build proceeds.
    var order: [UInt32]
    /// Per triangle: its bounds and its bounds' centre (the centroid used for binning).
    var boxes: [Box]
    var centroids: [Float] // 3 per triangle

    init(corners: [Float]) {
        let n = corners.count / 9
        order = (0..<n).map { UInt32($0) }
        boxes = [Box](repeating: Box(), count: n)
        centroids = [Float](repeating: 0, count: 3 * n)
        corners.withUnsafeBufferPointer { c in
            for i in 0..<n {
                var b = Box()
                for j in 0..<3 { b.grow(c[9 * i + 3 * j], c[9 * i + 3 * j + 1], c[9 * i + 3 * j + 2]) }
                boxes[i] = b
                centroids[3 * i] = (b.lo.0 + b.hi.0) * 0.5
                centroids[3 * i + 1] = (b.lo.1 + b.hi.1) * 0.5
                centroids[3 * i + 2] = (b.lo.2 + b.hi.2) * 0.5
            }
        }
    }

    mutating func build() {
        guard !order.isEmpty else { return }
        nodes.reserveCapacity(order.count * 4)
        buildNode(begin: 0, end: order.count, depth: 0)
    }

    /// Bounds of the triangles and of their centroids over `order[begin..<end]`.
    private func bounds(_ begin: Int, _ end: Int) -> (box: Box, centroids: Box) {
        var b = Box(), c = Box()
        for j in begin..<end {
            let i = Int(order[j])
            b.grow(boxes[i])
            c.grow(centroids[3 * i], centroids[3 * i + 1], centroids[3 * i + 2])
        }
        return (b, c)
    }

    /// Builds the subtree over `order[begin..<end]`, appending its nodes depth-first; returns its node index.
    @discardableResult
    private mutating func buildNode(begin: Int, end: Int, depth: Int) -> Int {
        let (b, cb) = bounds(begin, end)
        let index = nodes.count / 8
        nodes += [b.lo.0.bitPattern, b.lo.1.bitPattern, b.lo.2.bitPattern, UInt32(begin),
                  b.hi.0.bitPattern, b.hi.1.bitPattern, b.hi.2.bitPattern, UInt32(end - begin)]
        let count = end - begin
        if count <= BVHBuilder.maxLeafSize { return index }

        var mid = -1
        if depth < BVHBuilder.sahDepthLimit {
            mid = sahSplit(begin: begin, end: end, centroidBounds: cb)
        }
        if mid <= begin || mid >= end {
            // Median split by count along the widest centroid axis (also for coincident centroids).
            let ex = cb.extent(0), ey = cb.extent(1), ez = cb.extent(2)
            let axis = ex >= ey && ex >= ez ? 0 : (ey >= ez ? 1 : 2)
            let c = centroids
            order[begin..<end].sort { c[3 * Int($0) + axis] < c[3 * Int($1) + axis] }
            mid = (begin + end) / 2
        }
        nodes[8 * index + 7] = 0
        buildNode(begin: begin, end: mid, depth: depth + 1)
        let right = buildNode(begin: mid, end: end, depth: depth + 1)
        nodes[8 * index + 3] = UInt32(right)
        return index
    }

    /// Partitions `order[begin..<end]` at the cheapest binned-SAH plane (cost `A_left · N_left + A_right · N_right`)
    /// and returns the split index, or −1 when the centroids coincide (the caller then splits at the median).
    /// A node with more than `maxLeafSize` triangles is always split.
    private mutating func sahSplit(begin: Int, end: Int, centroidBounds cb: Box) -> Int {
        let nb = BVHBuilder.binCount
        var bestCost = Float.infinity, bestAxis = -1, bestBin = 0
        var bins = [Box](repeating: Box(), count: nb)
        var binN = [Int](repeating: 0, count: nb)
        var rightArea = [Float](repeating: 0, count: nb)
        var rightN = [Int](repeating: 0, count: nb)
        for axis in 0..<3 where cb.extent(axis) > 0 {
            let scale = Float(nb) / cb.extent(axis)
            let base = cb.lower(axis)
            for k in 0..<nb { bins[k] = Box(); binN[k] = 0 }
            for j in begin..<end {
                let i = Int(order[j])
                let k = Swift.min(nb - 1, Int((centroids[3 * i + axis] - base) * scale))
                binN[k] += 1
                bins[k].grow(boxes[i])
            }
            var acc = Box(), cnt = 0
            for k in stride(from: nb - 1, to: 0, by: -1) {
                acc.grow(bins[k]); cnt += binN[k]
                rightArea[k] = acc.halfArea; rightN[k] = cnt
            }
            acc = Box(); cnt = 0
            for k in 0..<(nb - 1) {
                acc.grow(bins[k]); cnt += binN[k]
                guard cnt > 0, rightN[k + 1] > 0 else { continue }
                let cost = acc.halfArea * Float(cnt) + rightArea[k + 1] * Float(rightN[k + 1])
                if cost < bestCost { bestCost = cost; bestAxis = axis; bestBin = k }
            }
        }
        guard bestAxis >= 0 else { return -1 }
        let scale = Float(nb) / cb.extent(bestAxis), base = cb.lower(bestAxis)
        var i = begin, j = end - 1
        while i <= j {
            let t = Int(order[i])
            let k = Swift.min(nb - 1, Int((centroids[3 * t + bestAxis] - base) * scale))
            if k <= bestBin { i += 1 } else { order.swapAt(i, j); j -= 1 }
        }
        return i
    }
}
