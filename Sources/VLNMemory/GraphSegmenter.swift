import VLNCore

/// A classical 2D segmenter for RGB-D frames: Felzenszwalb & Huttenlocher's graph-based segmentation on colour, depth
/// and surface normals. Its segments feed the token memory's instance layer (`MemoryFrame.segments`: every frame's
/// segments are lifted to 3D instances) where Dynam3D uses FastSAM masks, which are not available offline.
///
/// Algorithm (Felzenszwalb & Huttenlocher 2004, "Efficient Graph-Based Image Segmentation", IJCV 59(2):167–181), run
/// at **half resolution** for speed:
/// 1. *Blocks.* The frame is cut into 2×2-pixel blocks (1 pixel wide in the last column or row of an odd size). A
///    block's colour `c` (sRGB, 0…255 per channel) and depth `d` (metres) are the means over its pixels with valid
///    depth; a block with none is left out of the graph. Its point is `P = d · intrinsics.cameraRay(centre)`, the
///    block centre back-projected into the OpenGL camera frame.
/// 2. *Normals.* Each block's depth is smoothed over the `5 × 5` blocks around it, among those within
///    `normalMaxJump` (10 %) relative depth of it, and back-projected; the tangents are central differences of
///    these points `normalStep` (2) blocks away horizontally and vertically (one-sided where a side is missing or
///    jumps more than 10 %), and `n = normalize(t_x × t_y)`, turned to face the camera. No normal where an axis has
///    neither side.
/// 3. *Graph.* 8-connected: each block has an edge to its right, lower, lower-right and lower-left neighbour (when
///    both have valid depth), with index `4·i + direction` (`i = by·⌈W/2⌉ + bx`, direction 0…3 in that order) and
///    weight
///
///        w = ‖c₁ − c₂‖ + 1000 · |d₁ − d₂| / min(d₁, d₂) + 100 · ‖n₁ − n₂‖
///
///    colour Euclidean in RGB (not Lab), depth difference relative to depth, and the chord between the unit normals
///    (`2 sin(θ/2)` for normals θ apart; 0 when either normal is missing). So a 1 % depth step weighs as much as 10
///    colour levels, and a 90° crease 141.
/// 4. *Sort* by weight, ties by edge index (a stable radix sort on the weights' bit patterns).
/// 5. *Merge* (FH Algorithm 1, union-find): components `C₁ ≠ C₂` joined by an edge of weight `w` merge when
///    `w ≤ min(Int(C₁) + k/|C₁|, Int(C₂) + k/|C₂|)`, `Int(C)` being the largest weight in C's minimum spanning
///    tree and `|C|` its number of **full-resolution pixels** with valid depth (so `k` and `minSize` do not depend
///    on the working resolution).
/// 6. *Small components* (FH §4.1): the sorted edges again; their two components merge when either has fewer than
///    `minSize` pixels.
/// 7. *Upsampling* with refinement: a pixel with valid depth takes the segment of whichever of its own block and the
///    three blocks towards its nearest corner is closest to it in `‖c − c_b‖ + 1000 · |d − d_b| / min(d, d_b)` (its
///    own block on ties, then the horizontal, vertical, diagonal neighbour). A colour edge or depth step that runs
///    through a block thus lands on the right pixel; a crease (seen by the normals only) is placed to within its
///    block, 2 pixels.
/// 8. *Ids* 1…n in raster order of first appearance; 0 for pixels whose depth is invalid (≤ 0 or non-finite).
///
/// Deterministic: one thread, no randomness, every tie broken by an index: the same input gives the same ids.
///
/// Defaults (`k = 5000`, `minSize = 1000`) were chosen on the 7-Scenes kitchen (640×480, fx = 585 px): 19…38
/// segments per frame over its 100 frames, median 27 (frames 0, 50, 99: 27, 27, 29) — table tops, cabinet fronts,
/// chair backs, magazines, mugs, patches of wall and floor. Smaller `k` or `minSize` give more segments (k = 2500:
/// median 38; minSize = 500: median 39). 7-Scenes' colour and depth come from two sensors and are used as if
/// registered, so some colour edges there sit a few pixels off the depth edges.
///
/// - Complexity: O(W·H) (the union-find's inverse-Ackermann factor aside). Measured on 7-Scenes frames 0, 50 and 99
///   (640×480), release build, one thread on an AMD EPYC (`/proc/cpuinfo` model name: "AMD EPYC"; a 2-core VM
///   shared with other jobs): 22–24 ms per frame (fastest of 40 runs 22 ms, median 23–24 ms). The time goes to the
///   radix sort, the union-find and the normals, about a fifth each.
public struct GraphSegmenter: Sendable {
    /// FH's scale parameter `k`, in weight units × pixels: a component of `|C|` pixels absorbs an edge up to
    /// `k / |C|` heavier than its own largest internal edge, so larger `k` gives larger segments. ≥ 0.
    public var k: Float
    /// Smallest segment after FH's post-processing, pixels at full resolution (with valid depth). A segment can end
    /// smaller when invalid depth isolates it or the upsampling moves pixels at its border. ≥ 0.
    public var minSize: Int

    /// Weight of the relative depth difference `|d₁ − d₂| / min(d₁, d₂)`, colour levels per unit.
    static let depthWeight: Float = 1000
    /// Weight of the normal chord `‖n₁ − n₂‖`, colour levels per unit.
    static let normalWeight: Float = 100
    /// Distance of the points whose difference gives a tangent, blocks.
    static let normalStep = 2
    /// Radius of the depth smoothing before the normals, blocks (a `(2r + 1)²` window).
    static let normalSmoothing = 2
    /// Largest relative depth difference `|d₁ − d₂| / min(d₁, d₂)` between blocks used together for a normal.
    static let normalMaxJump: Float = 0.1

    /// - Parameters:
    ///   - k: FH's scale parameter, weight units × pixels (default 5000).
    ///   - minSize: smallest segment, full-resolution pixels (default 1000).
    public init(k: Float = 5000, minSize: Int = 1000) {
        self.k = k; self.minSize = minSize
    }

    /// Segment ids, same size as the inputs (0 = invalid depth / no segment), 1…n in raster order of first appearance.
    /// - Parameters:
    ///   - rgb: colour, `height × width`, registered to `depth`.
    ///   - depth: z-depth, metres, `height × width`; ≤ 0 or non-finite = invalid.
    ///   - intrinsics: pinhole of `depth`, pixels (used for the normals).
    /// - Returns: ids `height × width`, row-major; `0` exactly where the depth is invalid.
    /// - Throws: VLNError.invalidValue naming the field if rgb, depth and intrinsics sizes differ (`rgb`,
    ///   `intrinsics`), for a negative or non-finite `k` or a negative `minSize`, or for intrinsics that fail
    ///   `CameraIntrinsics.validate()` (`fx/fy`, `cx/cy`). An empty (0-pixel) frame gives an empty image.
    public func segment(rgb: RGBImage, depth: DepthImage, intrinsics: CameraIntrinsics) throws -> InstanceImage {
        guard rgb.width == depth.width, rgb.height == depth.height else {
            throw VLNError.invalidValue(field: "rgb", reason: "is \(rgb.width)×\(rgb.height) but depth is \(depth.width)×\(depth.height)")
        }
        guard intrinsics.width == depth.width, intrinsics.height == depth.height else {
            throw VLNError.invalidValue(field: "intrinsics", reason: "are for \(intrinsics.width)×\(intrinsics.height) but depth is \(depth.width)×\(depth.height)")
        }
        guard k.isFinite, k >= 0 else { throw VLNError.invalidValue(field: "k", reason: "must be finite and ≥ 0, got \(k)") }
        guard minSize >= 0 else { throw VLNError.invalidValue(field: "minSize", reason: "must be ≥ 0, got \(minSize)") }
        guard ((depth.width + 1) / 2) * ((depth.height + 1) / 2) <= 1 << 30 else {     // edge indices fit 32 bits
            throw VLNError.invalidValue(field: "depth", reason: "\(depth.width)×\(depth.height) is too large (more than 2³⁰ 2×2 blocks)")
        }
        var out = InstanceImage(width: depth.width, height: depth.height, fill: 0)
        guard depth.width > 0, depth.height > 0 else { return out }
        try intrinsics.validate()
        var blocks = SegmenterBlocks(rgb: rgb, depth: depth, intrinsics: intrinsics)
        blocks.estimateNormals()
        var edges = blocks.weightedEdges()
        Self.sortByWeightThenIndex(&edges)
        let roots = Self.components(edges: edges, blocks: blocks, k: k, minSize: minSize)
        Self.upsample(blocks: blocks, roots: roots, rgb: rgb, depth: depth, into: &out)
        return out
    }

    /// FH's Algorithm 1 over the sorted edges, then its post-processing of small components.
    /// - Returns: the root block of every block's component (−1 for a block without valid depth).
    @inline(never)
    static func components(edges: [UInt64], blocks: SegmenterBlocks, k: Float, minSize: Int) -> [Int32] {
        let n = blocks.count, bw = blocks.width
        var parent = [Int32](repeating: 0, count: n)
        for i in 0..<n { parent[i] = Int32(i) }
        var size = blocks.pixels
        var threshold = blocks.pixels.map { $0 > 0 ? k / Float($0) : 0 }
        let offset = [1, bw, bw + 1, bw - 1]
        parent.withUnsafeMutableBufferPointer { P in size.withUnsafeMutableBufferPointer { S in
        threshold.withUnsafeMutableBufferPointer { T in edges.withUnsafeBufferPointer { E in
            @inline(__always) func find(_ x: Int) -> Int {
                var x = x
                while Int(P[x]) != x { let g = P[Int(P[x])]; P[x] = g; x = Int(g) }
                return x
            }
            @inline(__always) func join(_ a: Int, _ b: Int) -> Int {
                let (r, c) = S[a] > S[b] || (S[a] == S[b] && a < b) ? (a, b) : (b, a)
                P[c] = Int32(r); S[r] += S[c]
                return r
            }
            // Algorithm 1: C1 ≠ C2 joined by o_q merge when w(o_q) ≤ min(Int(C1) + k/|C1|, Int(C2) + k/|C2|); the
            // merged component's Int is w(o_q), the largest edge of its minimum spanning tree.
            for e in E {
                let w = Float(bitPattern: UInt32(truncatingIfNeeded: e >> 32))
                let id = Int(truncatingIfNeeded: e & 0xFFFF_FFFF)
                let p = id >> 2, q = p + offset[id & 3]
                let a = find(p), b = find(q)
                guard a != b, w <= T[a], w <= T[b] else { continue }
                let r = join(a, b)
                T[r] = w + k / Float(S[r])
            }
            // Post-processing (FH §4.1): a component smaller than minSize joins its neighbour across each edge in
            // ascending order until it is large enough.
            if minSize > 1 {
                for e in E {
                    let id = Int(truncatingIfNeeded: e & 0xFFFF_FFFF)
                    let p = id >> 2, q = p + offset[id & 3]
                    let a = find(p), b = find(q)
                    guard a != b, Int(S[a]) < minSize || Int(S[b]) < minSize else { continue }
                    _ = join(a, b)
                }
            }
            for i in 0..<n { P[i] = blocks.pixels[i] > 0 ? Int32(find(i)) : -1 }
        }}}}
        return parent
    }

    /// Full-resolution labels: each pixel with valid depth takes the segment of the nearest (in colour and depth)
    /// of its own block and the three blocks towards its corner; ids are numbered in raster order.
    @inline(never)
    static func upsample(blocks: SegmenterBlocks, roots: [Int32], rgb: RGBImage, depth: DepthImage, into out: inout InstanceImage) {
        let w = depth.width, h = depth.height, bw = blocks.width, bh = blocks.height, dw = depthWeight
        var idOfRoot = [UInt32](repeating: 0, count: blocks.count)
        var next: UInt32 = 0
        roots.withUnsafeBufferPointer { R in depth.pixels.withUnsafeBufferPointer { D in rgb.pixels.withUnsafeBufferPointer { C in
        blocks.r.withUnsafeBufferPointer { BR in blocks.g.withUnsafeBufferPointer { BG in blocks.b.withUnsafeBufferPointer { BB in
        blocks.depth.withUnsafeBufferPointer { BD in out.pixels.withUnsafeMutableBufferPointer { O in
        idOfRoot.withUnsafeMutableBufferPointer { ID in
            for y in 0..<h {
                let by = y >> 1, ny = y & 1 == 1 ? by + 1 : by - 1
                let nyOK = ny >= 0 && ny < bh
                for x in 0..<w {
                    let i = y * w + x
                    let d = D[i]
                    guard d > 0, d.isFinite else { continue }
                    let bx = x >> 1, nx = x & 1 == 1 ? bx + 1 : bx - 1
                    let own = by * bw + bx
                    // Candidates: own, horizontal, vertical, diagonal neighbour (−1: outside or without depth).
                    let jh = nx >= 0 && nx < bw ? by * bw + nx : -1
                    let jv = nyOK ? ny * bw + bx : -1
                    let jd = jh >= 0 && nyOK ? ny * bw + nx : -1
                    var root = R[own]
                    let rh = jh >= 0 ? R[jh] : -1, rv = jv >= 0 ? R[jv] : -1, rd = jd >= 0 ? R[jd] : -1
                    if (rh >= 0 && rh != root) || (rv >= 0 && rv != root) || (rd >= 0 && rd != root) {
                        let c = C[i]
                        let cr = Float(c.r), cg = Float(c.g), cb = Float(c.b)
                        @inline(__always) func cost(_ j: Int) -> Float {
                            let dr = BR[j] - cr, dg = BG[j] - cg, db = BB[j] - cb, bd = BD[j]
                            return (dr * dr + dg * dg + db * db).squareRoot() + dw * abs(bd - d) / min(bd, d)
                        }
                        var best = cost(own)
                        if rh >= 0 { let cj = cost(jh); if cj < best { best = cj; root = rh } }
                        if rv >= 0 { let cj = cost(jv); if cj < best { best = cj; root = rv } }
                        if rd >= 0 { let cj = cost(jd); if cj < best { root = rd } }
                    }
                    let r = Int(root)
                    if ID[r] == 0 { next += 1; ID[r] = next }
                    O[i] = ID[r]
                }
            }
        }}}}}}}}}
    }

    /// Stable LSD radix sort of `keys` by their upper 32 bits (8-bit digits; a digit that every key shares is
    /// skipped). With keys `weightBits << 32 | edgeIndex` made in ascending edge index, the order is by weight, then
    /// edge index. Non-negative finite floats order as their bit patterns.
    @inline(never)
    static func sortByWeightThenIndex(_ keys: inout [UInt64]) {
        let n = keys.count
        var scratch = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 256)
        for shift in stride(from: UInt64(32), to: 64, by: 8) {
            let skip: Bool = keys.withUnsafeBufferPointer { K in scratch.withUnsafeMutableBufferPointer { O in
                counts.withUnsafeMutableBufferPointer { N in
                    for j in 0..<256 { N[j] = 0 }
                    for v in K { N[Int(truncatingIfNeeded: v >> shift) & 255] += 1 }
                    if N.contains(n) { return true }
                    var sum = 0
                    for j in 0..<256 { let c = N[j]; N[j] = sum; sum += c }
                    for v in K {
                        let d = Int(truncatingIfNeeded: v >> shift) & 255
                        O[N[d]] = v; N[d] += 1
                    }
                    return false
                }
            }}
            if !skip { swap(&keys, &scratch) }
        }
    }
}

/// The half-resolution grid of a frame: block `(bx, by)` covers pixels `2bx…2bx+1 × 2by…2by+1` (clipped at the
/// image's last row and column). Per block, over its pixels with valid depth: mean colour, mean depth, the count.
struct SegmenterBlocks {
    /// Blocks per row and per column: `⌈W/2⌉`, `⌈H/2⌉`.
    let width: Int, height: Int
    var count: Int { width * height }
    /// Mean colour, 0…255 per channel.
    var r: [Float], g: [Float], b: [Float]
    /// Mean z-depth, metres; 0 = no valid pixel.
    var depth: [Float]
    /// Pixels with valid depth, 0…4.
    var pixels: [Int32]
    /// Back-projected block centre (OpenGL camera frame, metres): `depth · cameraRay(centre)`.
    var point: [Vec3]
    /// Unit surface normal facing the camera (OpenGL camera frame), or zero where unknown.
    var normal: [Vec3]

    init(rgb: RGBImage, depth img: DepthImage, intrinsics k: CameraIntrinsics) {
        let w = img.width, h = img.height
        width = (w + 1) / 2; height = (h + 1) / 2
        let n = width * height, bw = width, bh = height
        var r = [Float](repeating: 0, count: n), g = r, b = r, depth = r
        var pixels = [Int32](repeating: 0, count: n)
        var point = [Vec3](repeating: .zero, count: n)
        img.pixels.withUnsafeBufferPointer { D in rgb.pixels.withUnsafeBufferPointer { C in
            for by in 0..<bh {
                let y0 = 2 * by, y1 = min(2 * by + 1, h - 1)
                for bx in 0..<bw {
                    let x0 = 2 * bx, x1 = min(2 * bx + 1, w - 1)
                    var sr: Float = 0, sg: Float = 0, sb: Float = 0, sd: Float = 0, m: Int32 = 0
                    for y in y0...y1 {
                        for x in x0...x1 {
                            let d = D[y * w + x]
                            guard d > 0, d.isFinite else { continue }
                            let c = C[y * w + x]
                            sr += Float(c.r); sg += Float(c.g); sb += Float(c.b); sd += d; m += 1
                        }
                    }
                    guard m > 0 else { continue }
                    let i = by * bw + bx, s = 1 / Float(m)
                    r[i] = sr * s; g[i] = sg * s; b[i] = sb * s; depth[i] = sd * s; pixels[i] = m
                    point[i] = depth[i] * k.cameraRay(x: Float(x0 + x1) / 2 + 0.5, y: Float(y0 + y1) / 2 + 0.5)
                }
            }
        }}
        self.r = r; self.g = g; self.b = b; self.depth = depth; self.pixels = pixels; self.point = point
        normal = [Vec3](repeating: .zero, count: n)
    }

    /// Fills `normal` (step 2 of `GraphSegmenter`): smoothed depth, central (or one-sided) differences of the
    /// back-projected points, cross product, turned to face the camera.
    mutating func estimateNormals() {
        let s = GraphSegmenter.normalStep, sr = GraphSegmenter.normalSmoothing, jump = GraphSegmenter.normalMaxJump
        let bw = width, bh = height
        var smooth = point
        depth.withUnsafeBufferPointer { D in point.withUnsafeBufferPointer { P in
        smooth.withUnsafeMutableBufferPointer { Q in normal.withUnsafeMutableBufferPointer { N in
            @inline(__always) func near(_ a: Float, _ c: Float) -> Bool { c > 0 && abs(a - c) <= jump * min(a, c) }
            if sr > 0 {
                for by in 0..<bh {
                    let ylo = max(0, by - sr), yhi = min(bh - 1, by + sr)
                    for bx in 0..<bw {
                        let i = by * bw + bx, d0 = D[i]
                        guard d0 > 0 else { continue }
                        let xlo = max(0, bx - sr), xhi = min(bw - 1, bx + sr)
                        var sum: Float = 0, m: Float = 0
                        for yy in ylo...yhi {
                            for xx in xlo...xhi {
                                let d = D[yy * bw + xx]
                                if near(d0, d) { sum += d; m += 1 }
                            }
                        }
                        Q[i] = P[i] * (sum / (m * d0))
                    }
                }
            }
            for by in 0..<bh {
                for bx in 0..<bw {
                    let i = by * bw + bx, d0 = D[i]
                    guard d0 > 0 else { continue }
                    let p0 = Q[i]
                    let l = bx - s >= 0 && near(d0, D[i - s]), rr = bx + s < bw && near(d0, D[i + s])
                    let u = by - s >= 0 && near(d0, D[i - s * bw]), dn = by + s < bh && near(d0, D[i + s * bw])
                    guard l || rr, u || dn else { continue }
                    let tx = (rr ? Q[i + s] : p0) - (l ? Q[i - s] : p0)
                    let ty = (dn ? Q[i + s * bw] : p0) - (u ? Q[i - s * bw] : p0)
                    let c = cross(tx, ty)
                    let len = length(c)
                    guard len > 0, len.isFinite else { continue }
                    N[i] = dot(c, p0) > 0 ? -c / len : c / len
                }
            }
        }}}}
    }

    /// Keys `weightBits << 32 | edgeIndex` in ascending edge index; edge `4·i + direction` joins block `i` to its
    /// neighbour to the right (0), below (1), below right (2) or below left (3). Only edges between blocks with
    /// valid depth exist.
    func weightedEdges() -> [UInt64] {
        let bw = width, bh = height, dw = GraphSegmenter.depthWeight, nw = GraphSegmenter.normalWeight
        var out = [UInt64](repeating: 0, count: 4 * count)
        var m = 0
        r.withUnsafeBufferPointer { R in g.withUnsafeBufferPointer { G in b.withUnsafeBufferPointer { B in
        depth.withUnsafeBufferPointer { D in normal.withUnsafeBufferPointer { N in out.withUnsafeMutableBufferPointer { O in
            @inline(__always) func add(_ i: Int, _ j: Int, _ dir: Int) {
                let dq = D[j]
                guard dq > 0 else { return }
                let dr = R[i] - R[j], dg = G[i] - G[j], db = B[i] - B[j], dp = D[i]
                let np = N[i], nq = N[j]
                let normalTerm: Float = np == .zero || nq == .zero ? 0 : length(np - nq)
                let w = (dr * dr + dg * dg + db * db).squareRoot() + dw * abs(dp - dq) / min(dp, dq) + nw * normalTerm
                O[m] = UInt64(w.bitPattern) << 32 | UInt64(4 * i + dir); m += 1
            }
            for by in 0..<bh {
                for bx in 0..<bw {
                    let i = by * bw + bx
                    guard D[i] > 0 else { continue }
                    if bx + 1 < bw { add(i, i + 1, 0) }
                    if by + 1 < bh {
                        add(i, i + bw, 1)
                        if bx + 1 < bw { add(i, i + bw + 1, 2) }
                        if bx > 0 { add(i, i + bw - 1, 3) }
                    }
                }
            }
        }}}}}}
        out.removeLast(out.count - m)
        return out
    }
}
