import VLNCore
import VLNScene

// The rasterising mesh path of `Renderer` (`Renderer.Mode.rasterize`).
//
// Per row band (the whole frame on one thread):
// 1. Culling: the BVH is walked from the root, the child nearer to the eye first; a node whose box lies wholly
//    outside one plane of the band's view frustum (the near plane and the four planes through the camera centre and
//    the band's pixel rectangle, widened by one pixel) is skipped with its subtree, and so is a node whose box is
//    hidden: every pixel centre its projection can reach already holds a surface nearer than the whole box (by a
//    margin of 1e-4 on 1/z), per tile of 8 × 8 pixels (the smallest 1/z of the tile, recomputed when a fill has
//    touched it since). Both tests are conservative: a skipped triangle could not have won a pixel. A triangle of a
//    visited leaf is skipped when it lies outside one frustum plane.
// 2. Set-up, in double precision: the corners go to the camera frame; the triangle is clipped (Sutherland–Hodgman
//    1974) against the near plane z = −`rasterNearPlane` and a guard band one image size wide around the image,
//    projected, and its vertices snapped to 1/65536 pixel (`subpixelBits`). The plane of the unclipped triangle gives
//    1/z as an affine function of the pixel coordinates (Heckbert & Moreton 1991: 1/z, not z, is linear in screen
//    space), so the z-depth needs no interpolation from clipped vertices.
// 3. Coverage: Pineda (1988) edge functions evaluated exactly in 64-bit integers at the pixel centres
//    `(x + 0.5, y + 0.5)`, the ray caster's sample points, with the top-left rule of Direct3D's rasterisation
//    rules for centres exactly on an edge: two triangles sharing an edge never both cover, and never both miss, a
//    pixel centre on it (no cracks, no double hits), whatever the clipping.
//    Per row, the span of covered columns is found exactly (a double-precision estimate corrected by integer
//    tests) for boxes at least 8 pixels wide; narrower boxes test every pixel centre.
// 4. Depth test on 1/z (float), 4 pixels at a time along a span, with ties to the lower mesh triangle index: an
//    order-independent total order, so the frame depends neither on the traversal order, nor on the culling, nor on
//    the band layout. The z-buffer and the winner's record index live in the output depth and id images until
//    step 5 overwrites them.
// 5. Resolve: per covered pixel the z-depth `1 / (1/z)` from the winner's plane in double precision, the
//    instance id, and the ray caster's shading `albedo · (0.35 + 0.65 · |n · v|)` with `v` the pixel's unit viewing
//    ray, computed in the camera frame (`n · v = (Rᵀn) · r / |r|` for the camera ray r = ((x − cx)/fx, −(y − cy)/fy, −1)),
//    so colours may differ from the ray caster's by one level where the rounding falls differently. Groups of four
//    covered pixels along a row are resolved together (SIMD, the same operations per lane as for one pixel, so the
//    same bits).
//
// Every value written for a pixel depends only on the scene, the camera and the pixel, so any thread count gives
// bit-identical frames.

extension Renderer {
    /// Near clipping distance of `Mode.rasterize`: z-depth, metres. The ray caster sees everything at z > 0; the
    /// rasteriser drops the parts of triangles nearer than this (0.1 mm).
    public static let rasterNearPlane: Float = 1e-4
    /// Fractional bits of the snapped screen coordinates for an image of at most `size` pixels on its longer side:
    /// 16 (1/65536 pixel) up to 8192 pixels, 8 (1/256 pixel, as Direct3D) up to 2^20. The edge functions then stay
    /// below 2^63: vertices lie within the guard band, |coordinate| ≤ 2 · size · 2^bits, so
    /// |E| ≤ 2 · (3 · size · 2^bits)² ≤ 2^62.2.
    static func subpixelBits(size: Int) -> Int64 {
        precondition(size <= 1 << 20, "rasterize: images up to 2^20 pixels on a side")
        return size <= 8192 ? 16 : 8
    }

    /// A triangle that survived culling and clipping: what the depth tie-break and the resolve pass need.
    struct RasterRecord {
        /// `1/z = a·x + b·y + c`, z the z-depth (metres) seen through the point `(x, y)` of the image (pixels).
        var a: Double, b: Double, c: Double
        /// `n · r = sa·x + sb·y + sc` for the unit normal n and the camera ray r through `(x, y)` (camera frame).
        var sa: Float, sb: Float, sc: Float
        /// Mesh triangle index (the tie-break of the depth test).
        var meshIndex: UInt32
        /// Albedo times 255 (levels) and instance id of the triangle.
        var albedo255: SIMD4<Float>   // (r, g, b, 0)
        var instance: UInt32
    }

    /// Renders the mesh into rows `rows` of the full-frame buffers by rasterisation (see the notes at the top of
    /// this file). Pixels no triangle covers are left as they are (background colour, depth 0, id 0).
    func rasterizeRows(_ rows: Range<Int>, camera: Camera, bvh: BVH, rgb: UnsafeMutablePointer<RGB8>,
                       depth: UnsafeMutablePointer<Float>, ids: UnsafeMutablePointer<UInt32>) {
        let k = camera.intrinsics
        let w = k.width, h = k.height
        guard !rows.isEmpty, w > 0 else { return }
        let pose = camera.worldFromCamera
        // Camera axes in the world frame (the columns of worldFromCamera's rotation), and the camera centre.
        let ax = SIMD3<Double>(pose.rotation.c0), ay = SIMD3<Double>(pose.rotation.c1), az = SIMD3<Double>(pose.rotation.c2)
        let eye = SIMD3<Double>(pose.translation)
        let fx = Double(k.fx), fy = Double(k.fy), cx = Double(k.cx), cy = Double(k.cy)
        let near = Double(Renderer.rasterNearPlane)

        // Half-spaces `p·(x, y, w, 1) ≥ 0` in camera coordinates with w = −z (the z-depth): the near plane and the
        // planes through the camera centre at screen x = xmin, x = xmax, y = ymin, y = ymax (pixels, y down).
        func planes(xmin: Double, xmax: Double, ymin: Double, ymax: Double) -> [SIMD4<Double>] {
            [SIMD4(0, 0, 1, -near), SIMD4(fx, 0, cx - xmin, 0), SIMD4(-fx, 0, xmax - cx, 0),
             SIMD4(0, -fy, cy - ymin, 0), SIMD4(0, fy, ymax - cy, 0)]
        }
        let y0 = rows.lowerBound, y1 = rows.upperBound
        let band = planes(xmin: -1, xmax: Double(w + 1), ymin: Double(y0 - 1), ymax: Double(y1 + 1))
        let guardWidth = Double(max(w, h))
        let guardBand = planes(xmin: -guardWidth, xmax: Double(w) + guardWidth, ymin: -guardWidth, ymax: Double(h) + guardWidth)
        // The band's planes in the world frame, for the node boxes: n · p + offset ≥ 0.
        var nodePlanes = [SIMD4<Float>]()
        for p in band {
            let n = ax * p.x + ay * p.y - az * p.z
            nodePlanes.append(SIMD4<Float>(Float(n.x), Float(n.y), Float(n.z), Float(p.w - (n * eye).sum())))
        }

        let triangleCount = bvh.triangleCount
        let records = UnsafeMutablePointer<RasterRecord>.allocate(capacity: max(triangleCount, 1))
        defer { records.deallocate() }
        var recordCount = 0
        // Clipping scratch: two polygons of at most 3 + 5 vertices (camera frame), and the snapped screen vertices.
        let poly = UnsafeMutablePointer<SIMD3<Double>>.allocate(capacity: 32)
        defer { poly.deallocate() }
        let screen = UnsafeMutablePointer<SIMD2<Int64>>.allocate(capacity: 16)
        defer { screen.deallocate() }
        let guardPlanes = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: 5)
        defer { guardPlanes.deallocate() }
        for i in 0..<5 { guardPlanes[i] = guardBand[i] }
        let bits = Renderer.subpixelBits(size: max(w, h))
        let unit = Double(Int64(1) << bits)

        // Occlusion: per tile of 8 × 8 pixels (clipped to the band), the smallest 1/z stored (0 while a pixel is
        // empty), recomputed when a query finds the tile dirty (a triangle was filled over it since).
        let tileSize = 8, tilesX = (w + tileSize - 1) / tileSize
        let tileY0 = y0 / tileSize, tileRows = (y1 - 1) / tileSize - tileY0 + 1
        let tileMin = UnsafeMutablePointer<Float>.allocate(capacity: tilesX * tileRows)
        defer { tileMin.deallocate() }
        tileMin.initialize(repeating: 0, count: tilesX * tileRows)
        let tileDirty = UnsafeMutablePointer<Bool>.allocate(capacity: tilesX * tileRows)
        defer { tileDirty.deallocate() }
        tileDirty.initialize(repeating: false, count: tilesX * tileRows)
        /// Whether every pixel centre the box `lo…hi` (world frame) can cover in this band already holds a surface
        /// nearer than all of the box (by a relative margin of 1e-4 on 1/z, far above the rounding of the 1/z
        /// values compared), so that no triangle inside can win a pixel.
        func occluded(_ lo: SIMD3<Double>, _ hi: SIMD3<Double>) -> Bool {
            // Camera coordinates (x, y, w = −z) of the box's corners: those of `lo` plus the edge vectors' images.
            let d = lo - eye, e = hi - lo
            let c0 = SIMD3((ax * d).sum(), (ay * d).sum(), -(az * d).sum())
            let ex = SIMD3(ax.x, ay.x, -az.x) * e.x, ey = SIMD3(ax.y, ay.y, -az.y) * e.y, ez = SIMD3(ax.z, ay.z, -az.z) * e.z
            var minW = Double.infinity
            var sx0 = Double.infinity, sx1 = -Double.infinity, sy0 = Double.infinity, sy1 = -Double.infinity
            for corner in 0..<8 {
                var c = c0
                if corner & 1 != 0 { c += ex }
                if corner & 2 != 0 { c += ey }
                if corner & 4 != 0 { c += ez }
                if c.z <= near { return false }   // reaches the near plane: no bound on its 1/z
                minW = min(minW, c.z)
                let iw = 1 / c.z
                let sx = fx * c.x * iw + cx, sy = -fy * c.y * iw + cy
                sx0 = min(sx0, sx); sx1 = max(sx1, sx); sy0 = min(sy0, sy); sy1 = max(sy1, sy)
            }
            return hidden(minW: minW, sx0, sx1, sy0, sy1)
        }
        /// Whether every pixel centre of the band within the screen box `sx0…sx1 × sy0…sy1` (pixels) holds a
        /// surface nearer than z-depth `minW` (by the margin above): then geometry inside that box and no nearer
        /// than `minW` cannot win a pixel.
        func hidden(minW: Double, _ sx0: Double, _ sx1: Double, _ sy0: Double, _ sy1: Double) -> Bool {
            // Pixel centres within the screen box, widened by 0.01 pixel (snapping moves vertices by far less);
            // none: the box covers no pixel centre of the band.
            let colLo = max(Int((sx0 - 0.51).rounded(.up)), 0), colHi = min(Int((sx1 - 0.49).rounded(.down)), w - 1)
            let rowLo = max(Int((sy0 - 0.51).rounded(.up)), y0), rowHi = min(Int((sy1 - 0.49).rounded(.down)), y1 - 1)
            if colLo > colHi || rowLo > rowHi { return true }
            let limit = Float(1 / minW * (1 + 1e-4))
            for ty in (rowLo / tileSize)...(rowHi / tileSize) {
                for tx in (colLo / tileSize)...(colHi / tileSize) {
                    let t = (ty - tileY0) * tilesX + tx
                    if tileDirty[t] {
                        var m = Float.infinity
                        for yy in max(ty * tileSize, y0)..<min(ty * tileSize + tileSize, y1) {
                            let row = depth + yy * w
                            for xx in (tx * tileSize)..<min(tx * tileSize + tileSize, w) { m = min(m, row[xx]) }
                        }
                        tileMin[t] = m; tileDirty[t] = false
                    }
                    if !(limit < tileMin[t]) { return false }
                }
            }
            return true
        }
        /// Marks the tiles over the pixel box `box` (columns, rows) dirty.
        func touch(_ box: (Int, Int, Int, Int)) {
            for ty in (box.2 / tileSize)...(box.3 / tileSize) {
                for tx in (box.0 / tileSize)...(box.1 / tileSize) { tileDirty[(ty - tileY0) * tilesX + tx] = true }
            }
        }

        withExtendedLifetime(bvh) {
            leafCorners.withUnsafeBufferPointer { cornersBuffer in
              bvh.triangleIds.withUnsafeBufferPointer { triIds in
                triangleNormals.withUnsafeBufferPointer { normals in
                  triangleAlbedo.withUnsafeBufferPointer { albedo in
                    triangleInstances.withUnsafeBufferPointer { instances in
                    let corners = cornersBuffer.baseAddress!
                    let nodes = UnsafeRawPointer(bvh.nodes)
                    let np = (nodePlanes[0], nodePlanes[1], nodePlanes[2], nodePlanes[3], nodePlanes[4])
                    let bp = (band[0], band[1], band[2], band[3], band[4])

                    /// Whether the box of `node` lies wholly outside one of the band's planes.
                    @inline(__always) func culled(_ node: UInt32) -> Bool {
                        let f = (nodes + Int(node) &* 32).assumingMemoryBound(to: Float.self)
                        @inline(__always) func outside(_ p: SIMD4<Float>) -> Bool {
                            let x = p.x > 0 ? f[4] : f[0], y = p.y > 0 ? f[5] : f[1], z = p.z > 0 ? f[6] : f[2]
                            return p.x * x + p.y * y + p.z * z + p.w < 0
                        }
                        return outside(np.0) || outside(np.1) || outside(np.2) || outside(np.3) || outside(np.4)
                    }

                    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: BVH.stackSize) { stackBuffer in
                        let stack = stackBuffer.baseAddress!
                        if culled(0) { return }
                        var sp = 0
                        stack[0] = 0; sp = 1
                        /// Squared distance from the eye to the box of `node` (0 inside it).
                        @inline(__always) func distance2(_ node: UInt32) -> Float {
                            let f = (nodes + Int(node) &* 32).assumingMemoryBound(to: Float.self)
                            let ex = Float(eye.x), ey = Float(eye.y), ez = Float(eye.z)
                            let dx = max(f[0] - ex, 0, ex - f[4]), dy = max(f[1] - ey, 0, ey - f[5]), dz = max(f[2] - ez, 0, ez - f[6])
                            return dx * dx + dy * dy + dz * dz
                        }
                        while sp > 0 {
                            sp &-= 1
                            let node = stack[sp]
                            let header = (nodes + Int(node) &* 32).assumingMemoryBound(to: UInt32.self)
                            let a = header[3], count = header[7]
                            if recordCount > 0 {
                                let f = (nodes + Int(node) &* 32).assumingMemoryBound(to: Float.self)
                                if occluded(SIMD3(Double(f[0]), Double(f[1]), Double(f[2])), SIMD3(Double(f[4]), Double(f[5]), Double(f[6]))) {
                                    continue
                                }
                            }
                            if count == 0 {
                                // Near to far: the child nearer to the eye is pushed last, so visited first, and the
                                // z-buffer fills with near surfaces before the far ones are tested for occlusion.
                                let left = node &+ 1, right = a
                                let keepLeft = !culled(left), keepRight = !culled(right)
                                if keepLeft && keepRight {
                                    let leftFirst = distance2(left) <= distance2(right)
                                    stack[sp] = leftFirst ? right : left; stack[sp &+ 1] = leftFirst ? left : right; sp &+= 2
                                } else if keepLeft {
                                    stack[sp] = left; sp &+= 1
                                } else if keepRight {
                                    stack[sp] = right; sp &+= 1
                                }
                                continue
                            }
                            for leafIndex in Int(a)..<(Int(a) + Int(count)) {
                                let q = corners + 9 * leafIndex
                                @inline(__always) func toCamera(_ j: Int) -> SIMD3<Double> {
                                    let p = SIMD3<Double>(Double(q[3 * j]), Double(q[3 * j + 1]), Double(q[3 * j + 2])) - eye
                                    return SIMD3((ax * p).sum(), (ay * p).sum(), (az * p).sum())
                                }
                                let v0 = toCamera(0), v1 = toCamera(1), v2 = toCamera(2)
                                @inline(__always) func value(_ p: SIMD4<Double>, _ v: SIMD3<Double>) -> Double {
                                    p.x * v.x + p.y * v.y - p.z * v.z + p.w   // w = −z
                                }
                                @inline(__always) func allOutside(_ p: SIMD4<Double>) -> Bool {
                                    value(p, v0) < 0 && value(p, v1) < 0 && value(p, v2) < 0
                                }
                                if allOutside(bp.0) || allOutside(bp.1) || allOutside(bp.2) || allOutside(bp.3) || allOutside(bp.4) {
                                    continue
                                }
                                // Plane n · P = d of the triangle, camera frame; a pixel's point is P = z · r with
                                // r = ((x − cx)/fx, −(y − cy)/fy, −1), so 1/z = n · r / d.
                                let e1 = v1 - v0, e2 = v2 - v0
                                let n = SIMD3(e1.y * e2.z - e1.z * e2.y, e1.z * e2.x - e1.x * e2.z, e1.x * e2.y - e1.y * e2.x)
                                let d = (n * v0).sum()
                                guard d != 0, d.isFinite else { continue }   // edge-on: the plane holds the eye
                                let pa = n.x / (fx * d), pb = -n.y / (fy * d)
                                let pc = (-n.x * cx / fx + n.y * cy / fy - n.z) / d

                                // Clip against the near plane and the guard band where a corner lies outside.
                                poly[0] = v0; poly[1] = v1; poly[2] = v2
                                var vertexCount = 3
                                var src = poly, dst = poly + 16
                                for plane in 0..<5 {
                                    let p = guardPlanes[plane]
                                    var anyOut = false
                                    for i in 0..<vertexCount where value(p, src[i]) < 0 { anyOut = true; break }
                                    if !anyOut { continue }
                                    var m = 0
                                    for i in 0..<vertexCount {
                                        let cur = src[i], next = src[i + 1 == vertexCount ? 0 : i + 1]
                                        let dc = value(p, cur), dn = value(p, next)
                                        if dc >= 0 { dst[m] = cur; m += 1 }
                                        if (dc >= 0) != (dn >= 0) {
                                            // From the inside corner towards the outside one, so that the two
                                            // triangles sharing this edge compute the same point.
                                            let (inV, outV, dIn, dOut) = dc >= 0 ? (cur, next, dc, dn) : (next, cur, dn, dc)
                                            dst[m] = inV + (outV - inV) * (dIn / (dIn - dOut)); m += 1
                                        }
                                    }
                                    vertexCount = m
                                    swap(&src, &dst)
                                    if vertexCount < 3 { break }
                                }
                                if vertexCount < 3 { continue }
                                for i in 0..<vertexCount {
                                    let v = src[i]
                                    let iw = 1 / -v.z
                                    let sx = fx * v.x * iw + cx, sy = -fy * v.y * iw + cy
                                    // Nearest, halves away from zero (|sx| is far below 2^52 / unit, so it is exact).
                                    let qx = sx * unit, qy = sy * unit
                                    screen[i] = SIMD2(Int64(qx + (qx < 0 ? -0.5 : 0.5)), Int64(qy + (qy < 0 ? -0.5 : 0.5)))
                                }
                                let mesh = Int(triIds[leafIndex])
                                // The unit normal in the camera frame: n · r = n.x (x − cx)/fx − n.y (y − cy)/fy − n.z.
                                let nw = SIMD3<Double>(Double(normals[3 * mesh]), Double(normals[3 * mesh + 1]), Double(normals[3 * mesh + 2]))
                                let nc = SIMD3((ax * nw).sum(), (ay * nw).sum(), (az * nw).sum())
                                records[recordCount] = RasterRecord(
                                    a: pa, b: pb, c: pc,
                                    sa: Float(nc.x / fx), sb: Float(-nc.y / fy), sc: Float(-nc.x * cx / fx + nc.y * cy / fy - nc.z),
                                    meshIndex: UInt32(mesh),
                                    albedo255: SIMD4(albedo[3 * mesh], albedo[3 * mesh + 1], albedo[3 * mesh + 2], 0) * 255,
                                    instance: instances[mesh])
                                recordCount += 1
                                let record = UInt32(recordCount)   // 1-based; 0 = nothing in the id image
                                for i in 1..<(vertexCount - 1) {
                                    if let box = Renderer.fillTriangle(screen[0], screen[i], screen[i + 1],
                                                          subpixelBits: bits, plane: (Float(pa), Float(pb), Float(pc)),
                                                          record: record, meshIndex: triIds[leafIndex],
                                                          records: records, rows: rows, width: w,
                                                          zBuffer: depth, recordImage: ids) { touch(box) }
                                }
                            }
                        }
                    }
                    }
                  }
                }
              }
            }
        }

        // Resolve: z-depth, shading and instance id of each covered pixel. 1/|r| for the row's camera rays first, in
        // a loop of its own (independent square roots and divisions, which then overlap).
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: 2 * w)   // ((x + 0.5 − cx) / fx)² per column
        defer { columns.deallocate() }
        let inverseLength = columns + w                                       // 1 / |r| along the row
        for x in 0..<w { let r = (Float(x) + 0.5 - k.cx) / k.fx; columns[x] = r * r }
        let magic = SIMD4<Float>(repeating: 8_388_608)   // 2^23: v + 2^23 holds round(v) in its low bits (0 ≤ v < 2^22)
        let rgbBytes = UnsafeMutableRawPointer(rgb)       // RGB8: 3 bytes, stride 3
        for y in rows {
            let py = Double(y) + 0.5, fy = Float(y) + 0.5
            let ry = (fy - k.cy) / k.fy, ry2 = ry * ry + 1
            for x in 0..<w { inverseLength[x] = 1 / (columns[x] + ry2).squareRoot() }
            let row = y &* w
            // Four covered pixels at a time: the same operations in the same order per lane as the one-pixel loop
            // below (IEEE arithmetic, no fused multiply-add), so the same bits; the one-pixel loop takes the rest.
            var x = 0
            let lanesD = SIMD4<Double>(0, 1, 2, 3), lanesF = SIMD4<Float>(0, 1, 2, 3)
            let one = SIMD4<Float>(repeating: 1), ambient = SIMD4<Float>(repeating: Renderer.ambient)
            let diffuse = SIMD4<Float>(repeating: Renderer.diffuse)
            let idRow = UnsafeMutableRawPointer(ids + row), depthRow = UnsafeMutableRawPointer(depth + row)
            /// The one-pixel resolve of column `x`.
            @inline(__always) func resolve(_ x: Int) {
                let fx = Float(x) + 0.5, px = Double(x) + 0.5   // exact
                let p = row &+ x
                let r = ids[p]
                if r != 0 {
                    let rec = records + (Int(r) &- 1)
                    depth[p] = Float(1 / (rec.pointee.a * px + rec.pointee.b * py + rec.pointee.c))
                    let cosine = min(abs(rec.pointee.sa * fx + rec.pointee.sb * fy + rec.pointee.sc) * inverseLength[x], 1)
                    let shade = Renderer.ambient + Renderer.diffuse * cosine
                    // round(albedo · 255 · shade), each in [0, 255]: RGB8(unit:)'s `⌊c · 255 + 0.5⌋` but for the
                    // rounding of the product and of halves (to even), so at most one level apart.
                    let c = unsafeBitCast(rec.pointee.albedo255 * shade + magic, to: SIMD4<UInt32>.self)
                    let o = p &* 3
                    rgbBytes.storeBytes(of: UInt8(truncatingIfNeeded: c[0]), toByteOffset: o, as: UInt8.self)
                    rgbBytes.storeBytes(of: UInt8(truncatingIfNeeded: c[1]), toByteOffset: o &+ 1, as: UInt8.self)
                    rgbBytes.storeBytes(of: UInt8(truncatingIfNeeded: c[2]), toByteOffset: o &+ 2, as: UInt8.self)
                    ids[p] = rec.pointee.instance
                }
            }
            while x &+ 4 <= w {
                let r4 = idRow.loadUnaligned(fromByteOffset: x &* 4, as: SIMD4<UInt32>.self)
                if any(r4 .== 0) {
                    resolve(x); resolve(x &+ 1); resolve(x &+ 2); resolve(x &+ 3)
                    x &+= 4
                    continue
                }
                let q0 = records + (Int(r4[0]) &- 1), q1 = records + (Int(r4[1]) &- 1)
                let q2 = records + (Int(r4[2]) &- 1), q3 = records + (Int(r4[3]) &- 1)
                let a = SIMD4(q0.pointee.a, q1.pointee.a, q2.pointee.a, q3.pointee.a)
                let b = SIMD4(q0.pointee.b, q1.pointee.b, q2.pointee.b, q3.pointee.b)
                let c = SIMD4(q0.pointee.c, q1.pointee.c, q2.pointee.c, q3.pointee.c)
                let pxs = SIMD4<Double>(repeating: Double(x) + 0.5) + lanesD
                let ax: SIMD4<Double> = a * pxs
                let by: SIMD4<Double> = b * py
                let inverseZ: SIMD4<Double> = ax + by + c
                let z = SIMD4<Float>(1 / inverseZ)
                depthRow.storeBytes(of: z, toByteOffset: x &* 4, as: SIMD4<Float>.self)
                let sa = SIMD4(q0.pointee.sa, q1.pointee.sa, q2.pointee.sa, q3.pointee.sa)
                let sb = SIMD4(q0.pointee.sb, q1.pointee.sb, q2.pointee.sb, q3.pointee.sb)
                let sc = SIMD4(q0.pointee.sc, q1.pointee.sc, q2.pointee.sc, q3.pointee.sc)
                let fxs = SIMD4<Float>(repeating: Float(x) + 0.5) + lanesF
                let length = UnsafeRawPointer(inverseLength).loadUnaligned(fromByteOffset: x &* 4, as: SIMD4<Float>.self)
                // min(|n · r| / |r|, 1) as the one-pixel loop's `min(_, 1)`: 1 where 1 < value.
                let sx: SIMD4<Float> = sa * fxs
                let sy: SIMD4<Float> = sb * fy
                let sum: SIMD4<Float> = sx + sy + sc
                let absolute = unsafeBitCast(unsafeBitCast(sum, to: SIMD4<UInt32>.self) & 0x7fff_ffff, to: SIMD4<Float>.self)  // |sum|
                let magnitude: SIMD4<Float> = absolute * length
                let cosine = magnitude.replacing(with: one, where: one .< magnitude)
                let shade = ambient + diffuse * cosine
                @inline(__always) func colour(_ q: UnsafeMutablePointer<RasterRecord>, _ s: Float, _ k: Int) {
                    let c = unsafeBitCast(q.pointee.albedo255 * s + magic, to: SIMD4<UInt32>.self)
                    let o = (row &+ x &+ k) &* 3
                    rgbBytes.storeBytes(of: UInt8(truncatingIfNeeded: c[0]), toByteOffset: o, as: UInt8.self)
                    rgbBytes.storeBytes(of: UInt8(truncatingIfNeeded: c[1]), toByteOffset: o &+ 1, as: UInt8.self)
                    rgbBytes.storeBytes(of: UInt8(truncatingIfNeeded: c[2]), toByteOffset: o &+ 2, as: UInt8.self)
                }
                colour(q0, shade[0], 0); colour(q1, shade[1], 1); colour(q2, shade[2], 2); colour(q3, shade[3], 3)
                idRow.storeBytes(of: SIMD4(q0.pointee.instance, q1.pointee.instance, q2.pointee.instance, q3.pointee.instance),
                                 toByteOffset: x &* 4, as: SIMD4<UInt32>.self)
                x &+= 4
            }
            while x < w { resolve(x); x &+= 1 }
        }
    }

    /// The depth test of pixel `p`: the triangle (`record`, `meshIndex`) with 1/z = `z` takes the pixel if `z` is
    /// larger than the stored 1/z, or equal to it (and not 0, the empty pixel's) with a lower mesh index. Written
    /// with selects rather than branches where the outcome is unpredictable.
    @inline(__always)
    static func depthTest(_ z: Float, _ record: UInt32, _ meshIndex: UInt32, _ p: Int, _ zBuffer: UnsafeMutablePointer<Float>,
                          _ recordImage: UnsafeMutablePointer<UInt32>, _ records: UnsafePointer<RasterRecord>) {
        let current = zBuffer[p], currentRecord = recordImage[p]
        var wins = z > current
        if z == current && current > 0 { wins = meshIndex < records[Int(currentRecord) - 1].meshIndex }
        zBuffer[p] = wins ? z : current
        recordImage[p] = wins ? record : currentRecord
    }

    /// Fills one screen triangle (vertices in 1/2^subpixelBits pixel, y down) into the rows `rows`: a pixel centre is
    /// covered when every edge function is positive, or zero on a top or left edge (Direct3D's top-left rule), which
    /// per row gives an exact span of columns; a covered pixel takes the triangle if its 1/z is larger than the
    /// stored one, or equal with a lower mesh index.
    /// - Returns: the box of pixels (first and last column, first and last row) the fill may have changed, nil if none.
    @inline(__always)
    static func fillTriangle(_ v0: SIMD2<Int64>, _ v1: SIMD2<Int64>, _ v2: SIMD2<Int64>, subpixelBits: Int64,
                             plane: (Float, Float, Float),
                             record: UInt32, meshIndex: UInt32, records: UnsafePointer<RasterRecord>,
                             rows: Range<Int>, width: Int, zBuffer: UnsafeMutablePointer<Float>,
                             recordImage: UnsafeMutablePointer<UInt32>) -> (Int, Int, Int, Int)? {
        var a = v0, b = v1, c = v2
        // Edge function of a → b at p: (b − a) × (p − a), positive inside for a clockwise triangle on screen (y down).
        let area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
        if area == 0 { return nil }
        if area < 0 { swap(&b, &c) }
        let half = Int64(1) << (subpixelBits - 1), shift = subpixelBits
        let minX = min(a.x, b.x, c.x), maxX = max(a.x, b.x, c.x)
        let minY = min(a.y, b.y, c.y), maxY = max(a.y, b.y, c.y)
        // Pixels whose centre (i + 1/2, in 1/2^bits units) lies in the box; `>>` rounds towards −∞.
        let xLo = max(Int(-((half - minX) >> shift)), 0), xHi = min(Int((maxX - half) >> shift), width - 1)
        let yLo = max(Int(-((half - minY) >> shift)), rows.lowerBound), yHi = min(Int((maxY - half) >> shift), rows.upperBound - 1)
        if xLo > xHi || yLo > yHi { return nil }

        // Per edge: E(p) = dx · (p.y − a.y) − dy · (p.x − a.x) + bias, covered iff all three are ≥ 0, where the bias
        // is 0 for a top edge (horizontal, dx > 0) or a left edge (dy < 0) and −1 otherwise (E ≥ 1 ⇔ E > 0).
        @inline(__always) func edge(_ p: SIMD2<Int64>, _ q: SIMD2<Int64>) -> (dx: Int64, dy: Int64, c: Int64) {
            let dx = q.x - p.x, dy = q.y - p.y
            let topLeft = (dy == 0 && dx > 0) || dy < 0
            return (dx, dy, dy * p.x - dx * p.y + (topLeft ? 0 : -1))
        }
        let e0 = edge(a, b), e1 = edge(b, c), e2 = edge(c, a)
        let unit = Int64(1) << shift
        let stepX0 = -e0.dy * unit, stepX1 = -e1.dy * unit, stepX2 = -e2.dy * unit   // per column
        let px0 = Int64(xLo) << shift + half
        let (za, zb, zc) = plane
        let inverse0 = 1 / Double(stepX0), inverse1 = 1 / Double(stepX1), inverse2 = 1 / Double(stepX2)
        let last = xHi - xLo
        /// Narrows `lo...hi` (column offsets from `xLo`) to the columns where the edge function, `f` at `xLo` and
        /// changing by `step` per column, is ≥ 0: exact, from a double-precision estimate corrected by integer tests
        /// (the products stay below 2^63: |f| < 2^62.2, and the offsets are clamped to the box first).
        @inline(__always) func narrow(_ f: Int64, _ step: Int64, _ inverse: Double, _ lo: inout Int, _ hi: inout Int) {
            if step > 0 {
                guard f < 0 else { return }
                var k = min(Int(Double(-f) * inverse), last + 1)   // the smallest k with f + k · step ≥ 0
                while k <= last && f &+ Int64(k) &* step < 0 { k += 1 }
                while k > 0 && f &+ Int64(k - 1) &* step >= 0 { k -= 1 }
                lo = max(lo, k)
            } else if f < 0 {
                hi = -1   // step ≤ 0: negative on the whole row
            } else if step < 0 {
                var k = min(Int(Double(f) * -inverse), last)   // the largest k with f + k · step ≥ 0
                while k > 0 && f &+ Int64(k) &* step < 0 { k -= 1 }
                while k < last && f &+ Int64(k + 1) &* step >= 0 { k += 1 }
                hi = min(hi, k)
            }
        }
        if last < 8 {
            // Narrow boxes: test every pixel centre of the box's rows (cheaper than finding each row's span).
            for y in yLo...yHi {
                let py = Int64(y) << shift + half
                var f0 = e0.dx * py - e0.dy * px0 + e0.c
                var f1 = e1.dx * py - e1.dy * px0 + e1.c
                var f2 = e2.dx * py - e2.dy * px0 + e2.c
                let rowZ = zb * (Float(y) + 0.5) + zc
                let row = y * width
                var fx = Float(xLo) + 0.5
                var inside = false
                for x in xLo...xHi {
                    if (f0 | f1 | f2) >= 0 {
                        inside = true
                        let z = za * fx + rowZ
                        let p = row + x
                        Renderer.depthTest(z, record, meshIndex, p, zBuffer, recordImage, records)
                    } else if inside {
                        break   // convex: once left on this row, not entered again
                    }
                    f0 &+= stepX0; f1 &+= stepX1; f2 &+= stepX2
                    fx += 1
                }
            }
            return (xLo, xHi, yLo, yHi)
        }
        for y in yLo...yHi {
            let py = Int64(y) << shift + half
            var lo = 0, hi = last
            narrow(e0.dx * py - e0.dy * px0 + e0.c, stepX0, inverse0, &lo, &hi)
            narrow(e1.dx * py - e1.dy * px0 + e1.c, stepX1, inverse1, &lo, &hi)
            narrow(e2.dx * py - e2.dy * px0 + e2.c, stepX2, inverse2, &lo, &hi)
            if lo > hi { continue }
            let rowZ = zb * (Float(y) + 0.5) + zc
            let row = y &* width
            var x = xLo &+ lo
            let end = xLo &+ hi &+ 1
            var fx = Float(x) + 0.5   // exact: pixel coordinates are far below 2^23
            // Four pixels at a time: 1/z = za · x + rowZ per lane, as in the one-pixel test; a tie in a lane (equal
            // 1/z over a non-empty pixel, rare) sends the group to the one-pixel test.
            let zRow = UnsafeMutableRawPointer(zBuffer + row), rRow = UnsafeMutableRawPointer(recordImage + row)
            let lanes = SIMD4<Float>(0, 1, 2, 3), zero = SIMD4<Float>(repeating: 0)
            let record4 = SIMD4<UInt32>(repeating: record)
            while x &+ 4 <= end {
                let z = za * (SIMD4(repeating: fx) + lanes) + rowZ
                let current = zRow.loadUnaligned(fromByteOffset: x &* 4, as: SIMD4<Float>.self)
                if any((z .== current) .& (current .> zero)) {
                    for k in 0..<4 {
                        Renderer.depthTest(za * (fx + Float(k)) + rowZ, record, meshIndex, row &+ x &+ k, zBuffer, recordImage, records)
                    }
                } else {
                    let wins = z .> current
                    if any(wins) {
                        let currentRecord = rRow.loadUnaligned(fromByteOffset: x &* 4, as: SIMD4<UInt32>.self)
                        zRow.storeBytes(of: current.replacing(with: z, where: wins), toByteOffset: x &* 4, as: SIMD4<Float>.self)
                        rRow.storeBytes(of: currentRecord.replacing(with: record4, where: wins),
                                        toByteOffset: x &* 4, as: SIMD4<UInt32>.self)
                    }
                }
                x &+= 4; fx += 4
            }
            while x < end {
                Renderer.depthTest(za * fx + rowZ, record, meshIndex, row &+ x, zBuffer, recordImage, records)
                x &+= 1; fx += 1
            }
        }
        return (xLo, xHi, yLo, yHi)
    }
}
