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
    @usableFromInline let nodes: [UInt32]
    /// 9 floats per triangle in leaf order: v0, e1, e2.
    @usableFromInline let triangleData: [Float]
    /// Original mesh index of each triangle in leaf order.
    @usableFromInline let triangleIds: [UInt32]

    /// Number of triangles of the mesh.
    public var triangleCount: Int { triangleIds.count }
    /// Number of nodes of the hierarchy (0 for an empty mesh).
    public var nodeCount: Int { nodes.count / 8 }

    /// Largest depth of the tree the traversal stack supports; the builder never exceeds it.
    static let stackSize = 64

    /// Builds the hierarchy over `mesh`.
    /// - Complexity: O(n log n) for n triangles.
    public convenience init(mesh: TriangleMesh) {
        var corners = [Float]()
        corners.reserveCapacity(mesh.triangleCount * 9)
        for i in 0..<mesh.triangleCount {
            let (a, b, c) = mesh.corners(i)
            corners += [a.x, a.y, a.z, b.x, b.y, b.z, c.x, c.y, c.z]
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
        nodes = builder.nodes
        var data = [Float](repeating: 0, count: n * 9)
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
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: BVH.stackSize) { stack in
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
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: BVH.stackSize) { stack in
                withPointers { n, tri in
                    BVH.anyHit(nodes: n, tris: tri, stack: stack.baseAddress!,
                               ray: rb.baseAddress!.assumingMemoryBound(to: Float.self), tMax: tMax)
                }
            }
        }
    }

    /// Casts a batch of rays (closest hit), one thread, in Open3D's `RaycastingScene.cast_rays` layout.
    /// - Parameters:
    ///   - rays: shape `{n, 6}`, row-major `[ox, oy, oz, dx, dy, dz]` per ray (world frame; `t` is measured in
    ///     multiples of the direction).
    ///   - tHit: `n` outputs: the hit's `t`, `+infinity` on a miss.
    ///   - primitiveIds: `n` outputs: the triangle hit (the mesh's numbering), `UInt32.max` on a miss.
    ///   - tMax: hits at `t ≥ tMax` are ignored.
    /// - Precondition: `rays.count == 6 · n`, `tHit.count == primitiveIds.count == n`.
    public func castRays(_ rays: UnsafeBufferPointer<Float>, tHit: UnsafeMutableBufferPointer<Float>,
                         primitiveIds: UnsafeMutableBufferPointer<UInt32>, tMax: Float = .infinity) {
        let n = tHit.count
        precondition(rays.count == 6 * n && primitiveIds.count == n, "castRays: rays must be 6·n floats, outputs n")
        guard n > 0, let r = rays.baseAddress, let th = tHit.baseAddress, let pid = primitiveIds.baseAddress else { return }
        guard !triangleIds.isEmpty else {
            th.update(repeating: .infinity, count: n); pid.update(repeating: .max, count: n); return
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: BVH.stackSize) { stack in
            triangleIds.withUnsafeBufferPointer { ids in
                withPointers { nd, tri in
                    BVH.castMany(nodes: nd, tris: tri, ids: ids.baseAddress!, stack: stack.baseAddress!,
                                 rays: r, count: n, tMax: tMax, tHit: th, primitiveIds: pid)
                }
            }
        }
    }

    /// `1 / d`, with zero and tiny components replaced by ±1e-20 so the slab test never computes `0 · ∞`.
    @inline(__always) static func safeInverse(_ d: Float) -> Float {
        1 / (abs(d) < 1e-20 ? (d.sign == .minus ? -1e-20 : 1e-20) : d)
    }

    @inline(__always)
    func withPointers<R>(_ body: (UnsafeRawPointer, UnsafePointer<Float>) -> R) -> R {
        nodes.withUnsafeBytes { n in
            triangleData.withUnsafeBufferPointer { t in body(n.baseAddress!, t.baseAddress!) }
        }
    }

    static func castMany(nodes: UnsafeRawPointer, tris: UnsafePointer<Float>, ids: UnsafePointer<UInt32>,
                         stack: UnsafeMutablePointer<UInt32>, rays: UnsafePointer<Float>, count: Int, tMax: Float,
                         tHit: UnsafeMutablePointer<Float>, primitiveIds: UnsafeMutablePointer<UInt32>) {
        for i in 0..<count {
            let r = closestHit(nodes: nodes, tris: tris, stack: stack, ray: rays + 6 * i, tMax: tMax)
            if r.index != UInt32.max {
                tHit[i] = r.t; primitiveIds[i] = ids[Int(r.index)]
            } else {
                tHit[i] = .infinity; primitiveIds[i] = .max
            }
        }
    }

    /// The traversal kernel: nearest hit of one ray. Returns the hit's leaf-order triangle index, or
    /// `UInt32.max` on a miss. All memory is reached through the raw pointers, so the loop has no ARC traffic.
    @inline(__always)
    static func closestHit(nodes: UnsafeRawPointer, tris: UnsafePointer<Float>, stack: UnsafeMutablePointer<UInt32>,
                           ray: UnsafePointer<Float>, tMax: Float) -> (t: Float, index: UInt32, u: Float, v: Float) {
        let ox = ray[0], oy = ray[1], oz = ray[2]
        let dx = ray[3], dy = ray[4], dz = ray[5]
        let ix = BVH.safeInverse(dx), iy = BVH.safeInverse(dy), iz = BVH.safeInverse(dz)
        // Slab test with the near plane chosen by the sign of the direction: node floats 0…2 are the lower
        // corner and 4…6 the upper, so the near plane of axis k is at float `k + (d_k < 0 ? 4 : 0)`.
        let nx = ix < 0 ? 4 : 0, ny = iy < 0 ? 5 : 1, nz = iz < 0 ? 6 : 2
        let fx = 4 - nx, fy = 6 - ny, fz = 8 - nz
        let oix = ox * ix, oiy = oy * iy, oiz = oz * iz
        var best = tMax
        var bestIndex = UInt32.max
        var bu: Float = 0, bv: Float = 0

        @inline(__always) func entry(_ node: UInt32, _ tBest: Float) -> Float {
            let p = (nodes + Int(node) &* 32).assumingMemoryBound(to: Float.self)
            let t0x = p[nx] * ix - oix, t1x = p[fx] * ix - oix
            let t0y = p[ny] * iy - oiy, t1y = p[fy] * iy - oiy
            let t0z = p[nz] * iz - oiz, t1z = p[fz] * iz - oiz
            let tn = max(max(t0x, t0y), max(t0z, 0))
            let tf = min(min(t1x, t1y), min(t1z, tBest))
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
                        if tl <= tr { stack[sp] = right; node = left } else { stack[sp] = left; node = right }
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
                    let q = tris + k &* 9
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
                                if t > 0 && t < best { best = t; bestIndex = UInt32(truncatingIfNeeded: k); bu = u; bv = v }
                            }
                        }
                    }
                    k &+= 1
                }
            }
            // Pop the next node that can still hold a nearer hit.
            var found = false
            while sp > 0 {
                sp &-= 1
                let s = stack[sp]
                if entry(s, best) != .infinity { node = s; found = true; break }
            }
            if !found { break }
        }
        return (best, bestIndex, bu, bv)
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
        let oix = ox * ix, oiy = oy * iy, oiz = oz * iz
        @inline(__always) func hits(_ node: UInt32) -> Bool {
            let p = (nodes + Int(node) &* 32).assumingMemoryBound(to: Float.self)
            let tn = max(max(p[nx] * ix - oix, p[ny] * iy - oiy), max(p[nz] * iz - oiz, 0))
            let tf = min(min(p[fx] * ix - oix, p[fy] * iy - oiy), min(p[fz] * iz - oiz, tMax))
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
                let q = tris + k &* 9
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
                            if t > 0 && t < tMax { return true }
                        }
                    }
                }
                k &+= 1
            }
        }
        return false
    }
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
    var lo: [Float], hi: [Float], cen: [Float] // per triangle, 3 floats each

    init(corners: [Float]) {
        let n = corners.count / 9
        order = (0..<n).map { UInt32($0) }
        lo = [Float](repeating: 0, count: 3 * n); hi = lo; cen = lo
        for i in 0..<n {
            for k in 0..<3 {
                let a = corners[9 * i + k], b = corners[9 * i + 3 + k], c = corners[9 * i + 6 + k]
                let l = min(a, min(b, c)), h = max(a, max(b, c))
                lo[3 * i + k] = l; hi[3 * i + k] = h; cen[3 * i + k] = (l + h) * 0.5
            }
        }
    }

    mutating func build() {
        guard !order.isEmpty else { return }
        nodes.reserveCapacity(order.count / 2 * 8 * 2)
        buildNode(begin: 0, end: order.count, depth: 0)
    }

    private func bounds(_ begin: Int, _ end: Int) -> (lo: SIMD3<Float>, hi: SIMD3<Float>, clo: SIMD3<Float>, chi: SIMD3<Float>) {
        var bl = SIMD3<Float>(repeating: .infinity), bh = -bl, cl = bl, ch = -bl
        for j in begin..<end {
            let i = Int(order[j])
            let l = SIMD3(lo[3 * i], lo[3 * i + 1], lo[3 * i + 2]), h = SIMD3(hi[3 * i], hi[3 * i + 1], hi[3 * i + 2])
            let c = SIMD3(cen[3 * i], cen[3 * i + 1], cen[3 * i + 2])
            bl = pointwiseMin(bl, l); bh = pointwiseMax(bh, h); cl = pointwiseMin(cl, c); ch = pointwiseMax(ch, c)
        }
        return (bl, bh, cl, ch)
    }

    private static func area(_ l: SIMD3<Float>, _ h: SIMD3<Float>) -> Float {
        let e = h - l
        if e.x < 0 { return 0 }
        return e.x * e.y + e.y * e.z + e.z * e.x
    }

    /// Builds the subtree over `order[begin..<end]`, appending its nodes depth-first; returns its node index.
    @discardableResult
    private mutating func buildNode(begin: Int, end: Int, depth: Int) -> Int {
        let b = bounds(begin, end)
        let index = nodes.count / 8
        nodes += [b.lo.x.bitPattern, b.lo.y.bitPattern, b.lo.z.bitPattern, UInt32(begin),
                  b.hi.x.bitPattern, b.hi.y.bitPattern, b.hi.z.bitPattern, UInt32(end - begin)]
        let count = end - begin
        if count <= BVHBuilder.maxLeafSize { return index }

        var mid = -1
        let ext = b.chi - b.clo
        if depth < BVHBuilder.sahDepthLimit {
            mid = sahSplit(begin: begin, end: end, clo: b.clo, ext: ext, parentArea: BVHBuilder.area(b.lo, b.hi))
        }
        if mid <= begin || mid >= end {
            // Median split by count along the widest centroid axis (also for coincident centroids).
            let axis = ext.x >= ext.y && ext.x >= ext.z ? 0 : (ext.y >= ext.z ? 1 : 2)
            let c = cen
            order[begin..<end].sort { c[3 * Int($0) + axis] < c[3 * Int($1) + axis] }
            mid = (begin + end) / 2
        }
        nodes[8 * index + 7] = 0
        buildNode(begin: begin, end: mid, depth: depth + 1)
        let right = buildNode(begin: mid, end: end, depth: depth + 1)
        nodes[8 * index + 3] = UInt32(right)
        return index
    }

    /// Partitions `order[begin..<end]` by the cheapest binned-SAH plane; returns the split index, or −1 to use the
    /// median fallback (all centroids coincide). A node with more than `maxLeafSize` triangles is always split.
    private mutating func sahSplit(begin: Int, end: Int, clo: SIMD3<Float>, ext: SIMD3<Float>, parentArea: Float) -> Int {
        let nb = BVHBuilder.binCount
        var bestCost = Float.infinity, bestAxis = -1, bestBin = 0
        var binLo = [SIMD3<Float>](repeating: .zero, count: nb), binHi = binLo
        var binN = [Int](repeating: 0, count: nb)
        var rightArea = [Float](repeating: 0, count: nb)
        var rightN = [Int](repeating: 0, count: nb)
        for axis in 0..<3 where ext[axis] > 0 {
            let scale = Float(nb) / ext[axis]
            let base = clo[axis]
            for k in 0..<nb { binLo[k] = SIMD3(repeating: .infinity); binHi[k] = SIMD3(repeating: -.infinity); binN[k] = 0 }
            for j in begin..<end {
                let i = Int(order[j])
                let k = min(nb - 1, Int((cen[3 * i + axis] - base) * scale))
                binN[k] += 1
                binLo[k] = pointwiseMin(binLo[k], SIMD3(lo[3 * i], lo[3 * i + 1], lo[3 * i + 2]))
                binHi[k] = pointwiseMax(binHi[k], SIMD3(hi[3 * i], hi[3 * i + 1], hi[3 * i + 2]))
            }
            var l = SIMD3<Float>(repeating: .infinity), h = -l, cnt = 0
            for k in stride(from: nb - 1, to: 0, by: -1) {
                l = pointwiseMin(l, binLo[k]); h = pointwiseMax(h, binHi[k]); cnt += binN[k]
                rightArea[k] = BVHBuilder.area(l, h); rightN[k] = cnt
            }
            l = SIMD3(repeating: .infinity); h = -l; cnt = 0
            for k in 0..<(nb - 1) {
                l = pointwiseMin(l, binLo[k]); h = pointwiseMax(h, binHi[k]); cnt += binN[k]
                guard cnt > 0, rightN[k + 1] > 0 else { continue }
                let cost = BVHBuilder.area(l, h) * Float(cnt) + rightArea[k + 1] * Float(rightN[k + 1])
                if cost < bestCost { bestCost = cost; bestAxis = axis; bestBin = k }
            }
        }
        guard bestAxis >= 0 else { return -1 }
        let scale = Float(nb) / ext[bestAxis], base = clo[bestAxis]
        var i = begin, j = end - 1
        while i <= j {
            let t = Int(order[i])
            let k = min(nb - 1, Int((cen[3 * t + bestAxis] - base) * scale))
            if k <= bestBin { i += 1 } else { order.swapAt(i, j); j -= 1 }
        }
        return i
    }
}
