import VLNCore
import VLNScene

extension NavigationGrid {
    /// Builds the grid from a scene (see the type's documentation for the rules).
    ///
    /// - Parameters:
    ///   - scene: triangles and/or labelled points in the world frame (Y up, metres); its `floorCategories`
    ///     say what is floor.
    ///   - settings: agent size and cell size; validated first.
    /// - Throws: `VLNError.invalidValue` if `settings` are invalid, if the scene has no floor geometry at all
    ///   (no upward-facing floor-category triangle and no floor-labelled point), or if the grid would exceed
    ///   2²⁶ cells.
    /// - Complexity: O(cells + Σ triangle footprints in cells + points); deterministic.
    public init(scene: Scene, settings: NavigationSettings = .init()) throws {
        try settings.validate()
        let cs = settings.cellSize
        let mesh = scene.mesh
        let points = scene.points

        // 1. Classify geometry.
        var floorTris: [Int] = [], otherTris: [Int] = []
        var floorFlagByInstance: [UInt32: Bool] = [:]
        for t in 0..<mesh.triangleCount {
            let nrm = mesh.normal(t)
            if nrm == .zero { continue }  // degenerate: no area, no footprint
            let id = mesh.triangleInstanceIds[t]
            let isFloor: Bool
            if let f = floorFlagByInstance[id] { isFloor = f } else {
                isFloor = scene.isFloorTriangle(t); floorFlagByInstance[id] = isFloor
            }
            if isFloor && nrm.y > settings.floorMinNormalY { floorTris.append(t) } else { otherTris.append(t) }
        }
        var floorPts: [Int] = [], otherPts: [Int] = []
        for k in 0..<points.count {
            if !points.positions[k].x.isFinite || !points.positions[k].y.isFinite || !points.positions[k].z.isFinite { continue }
            if scene.isFloorPoint(k) { floorPts.append(k) } else { otherPts.append(k) }
        }
        if floorTris.isEmpty && floorPts.isEmpty {
            // No geometry of a floor category (a plain mesh): take the lowest upward-facing surfaces — those within
            // maxClimb of the lowest one — as the floor, as a navmesh builder would find them.
            let up = otherTris.filter { mesh.normal($0).y > settings.floorMinNormalY }
            let lowY = { (t: Int) -> Float in let (a, b, c) = mesh.corners(t); return min(a.y, b.y, c.y) }
            if let lowest = up.map(lowY).min() {
                let chosen = Set(up.filter { lowY($0) <= lowest + settings.maxClimb })
                floorTris = up.filter(chosen.contains)
                otherTris = otherTris.filter { !chosen.contains($0) }
            }
        }
        if floorTris.isEmpty && floorPts.isEmpty {
            throw VLNError.invalidValue(field: "scene", reason:
                "scene '\(scene.name)' has no floor geometry: no upward-facing (normal.y > \(settings.floorMinNormalY)) "
                + "triangle and no point of the floor categories \(scene.floorCategories.sorted()); "
                + "cannot build a navigation grid")
        }

        // 2. Grid extent: the scene's XZ bounds, padded, origin on a multiple of the cell size so that
        //    geometry at round coordinates falls on cell boundaries.
        var bb = AABB.empty
        for t in floorTris + otherTris {
            let (a, b, c) = mesh.corners(t); bb.formUnion(a); bb.formUnion(b); bb.formUnion(c)
        }
        for k in floorPts { bb.formUnion(points.positions[k]) }
        for k in otherPts { bb.formUnion(points.positions[k]) }
        guard !bb.isEmpty, bb.lower.x.isFinite, bb.upper.x.isFinite, bb.lower.z.isFinite, bb.upper.z.isFinite else {
            throw VLNError.invalidValue(field: "scene", reason: "scene '\(scene.name)' has no finite geometry")
        }
        let pad = settings.floorHoleClosing + 2
        let ox = ((bb.lower.x / cs).rounded(.down) - Float(pad)) * cs
        let oz = ((bb.lower.z / cs).rounded(.down) - Float(pad)) * cs
        let wD = ((bb.upper.x - ox) / cs).rounded(.down) + 1 + Float(pad)
        let hD = ((bb.upper.z - oz) / cs).rounded(.down) + 1 + Float(pad)
        guard wD * hD <= Float(1 << 26) else {
            throw VLNError.invalidValue(field: "scene", reason:
                "a \(bb.extent.x) × \(bb.extent.z) m scene at \(cs) m cells needs \(wD) × \(hD) cells (more than 2^26; is an object far away?)")
        }
        let w = Int(wD), h = Int(hD), n = w * h
        @inline(__always) func grid(_ p: Vec3) -> SIMD2<Float> { SIMD2((p.x - ox) / cs, (p.z - oz) / cs) }

        // 3. Floor from triangles: cells whose centre the triangle covers; lowest surface wins.
        var floorY = [Float](repeating: .nan, count: n)
        for t in floorTris {
            let (a, b, c) = mesh.corners(t)
            let pa = grid(a), pb = grid(b), pc = grid(c)
            let area = cross(pb - pa, pc - pa)
            if abs(area) < 1e-12 { continue }
            let lo = pointwiseMin(pa, pointwiseMin(pb, pc)), hi = pointwiseMax(pa, pointwiseMax(pb, pc))
            let i0 = max(0, Int((lo.x - 0.5).rounded(.up))), i1 = min(w - 1, Int((hi.x - 0.5).rounded(.down)))
            let j0 = max(0, Int((lo.y - 0.5).rounded(.up))), j1 = min(h - 1, Int((hi.y - 0.5).rounded(.down)))
            if i0 > i1 || j0 > j1 { continue }
            let eps: Float = -1e-6
            for j in j0...j1 {
                for i in i0...i1 {
                    let p = SIMD2(Float(i) + 0.5, Float(j) + 0.5)
                    let wa = cross(pc - pb, p - pb) / area, wb = cross(pa - pc, p - pc) / area
                    let wc = 1 - wa - wb
                    if wa >= eps && wb >= eps && wc >= eps {
                        let y = wa * a.y + wb * b.y + wc * c.y
                        let k = j * w + i
                        if floorY[k].isNaN || y < floorY[k] { floorY[k] = y }
                    }
                }
            }
        }

        // 4. Floor from labelled points: median height per cell, where no triangle floor was found.
        if !floorPts.isEmpty {
            var start = [Int](repeating: 0, count: n + 1)
            var cellOf = [Int](repeating: -1, count: floorPts.count)
            for (m, k) in floorPts.enumerated() {
                let g = grid(points.positions[k])
                let i = Int(g.x), j = Int(g.y)
                if i < 0 || j < 0 || i >= w || j >= h { continue }
                cellOf[m] = j * w + i; start[j * w + i + 1] += 1
            }
            for k in 0..<n { start[k + 1] += start[k] }
            var fill = start
            var ys = [Float](repeating: 0, count: start[n])
            for (m, k) in floorPts.enumerated() where cellOf[m] >= 0 {
                ys[fill[cellOf[m]]] = points.positions[k].y; fill[cellOf[m]] += 1
            }
            for k in 0..<n where start[k + 1] > start[k] && floorY[k].isNaN {
                let s = start[k], e = start[k + 1]
                ys[s..<e].sort()
                let c = e - s
                floorY[k] = c % 2 == 1 ? ys[s + c / 2] : 0.5 * (ys[s + c / 2 - 1] + ys[s + c / 2])
            }
        }

        // 5. Close holes: dilation then erosion by a (2r+1)² square; a filled cell gets the mean height of the
        //    original floor cells in its square.
        let r = settings.floorHoleClosing
        if r > 0 {
            let closed = morphologicalClosing(floorY.map { $0.isNaN ? UInt8(0) : 1 }, w, h, r)
            let original = floorY
            for k in 0..<n where closed[k] == 1 && original[k].isNaN {
                let ci = k % w, cj = k / w
                var sum: Float = 0, cnt: Float = 0
                for j in max(0, cj - r)...min(h - 1, cj + r) {
                    for i in max(0, ci - r)...min(w - 1, ci + r) where !original[j * w + i].isNaN {
                        sum += original[j * w + i]; cnt += 1
                    }
                }
                if cnt > 0 { floorY[k] = sum / cnt }
            }
        }

        // 6. Reference floor height for every cell (for the obstacle band): the floor height, spread by BFS a few
        //    cells into non-floor cells (under walls), else the mean floor height.
        var refY = floorY
        var sum: Double = 0, cnt = 0
        var frontier: [Int] = []
        for k in 0..<n where !floorY[k].isNaN { sum += Double(floorY[k]); cnt += 1; frontier.append(k) }
        let meanFloor = Float(sum / Double(max(cnt, 1)))
        let spread = Int((settings.agentRadius / cs).rounded(.up)) + 3
        for _ in 0..<spread {
            var next: [Int] = []
            for k in frontier {
                let i = k % w, j = k / w
                for (di, dj) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                    let a = i + di, b = j + dj
                    if a < 0 || b < 0 || a >= w || b >= h { continue }
                    let m = b * w + a
                    if refY[m].isNaN { refY[m] = refY[k]; next.append(m) }
                }
            }
            frontier = next
        }
        var minRef = Float.infinity, maxRef = -Float.infinity
        for k in 0..<n {
            if refY[k].isNaN { refY[k] = meanFloor }
            minRef = min(minRef, refY[k]); maxRef = max(maxRef, refY[k])
        }

        // 7. Obstacles: geometry strictly inside (ref + maxClimb, ref + agentHeight) over the cell. The underside of
        //    an object (a downward-facing, non-floor face) blocks from just below the floor up: a closed box standing
        //    on the floor (a wardrobe taller than the agent) has no geometry in the band inside its walls, but its
        //    bottom face at floor level marks the cells it covers as solid.
        let climb = settings.maxClimb, agentH = settings.agentHeight
        let undersideSlack: Float = 0.05
        // An underside blocks only if its object rises above maxClimb (a rug's underside does not).
        var instanceTop: [UInt32: Float] = [:]
        for t in otherTris {
            let (a, b, c) = mesh.corners(t)
            let id = mesh.triangleInstanceIds[t]
            instanceTop[id] = max(instanceTop[id] ?? -.infinity, a.y, b.y, c.y)
        }
        var obstacle = [Bool](repeating: false, count: n)
        let bandHi = maxRef + agentH
        let eps: Float = 1e-4      // cell columns are shrunk by this (cells): touching a boundary is not overlap
        let nudge: Float = 1e-3    // faces are moved this far (cells) against their normal: a face on a boundary
                                   // counts in the cell behind it
        var poly: [Vec3] = [], rowPoly: [Vec3] = [], tmp: [Vec3] = [], cellPoly: [Vec3] = []
        poly.reserveCapacity(8); rowPoly.reserveCapacity(8); tmp.reserveCapacity(8); cellPoly.reserveCapacity(8)
        for t in otherTris {
            let (a, b, c) = mesh.corners(t)
            let nr = mesh.normal(t)
            let underside = nr.y < -settings.floorMinNormalY && floorFlagByInstance[mesh.triangleInstanceIds[t]] != true
            let lift = underside ? -undersideSlack : climb
            let top = underside ? instanceTop[mesh.triangleInstanceIds[t], default: -.infinity] : .infinity
            if max(a.y, b.y, c.y) <= minRef + lift || min(a.y, b.y, c.y) >= bandHi { continue }
            let off = SIMD2(nr.x, nr.z) * nudge
            poly.removeAll(keepingCapacity: true)
            for p in [a, b, c] {
                let g = grid(p) - off
                poly.append(Vec3(g.x, p.y, g.y))   // (u, y, v): grid x, metres, grid z
            }
            var vLo = Float.infinity, vHi = -Float.infinity
            for p in poly { vLo = min(vLo, p.z); vHi = max(vHi, p.z) }
            let j0 = max(0, Int((vLo - 1 + eps).rounded(.up))), j1 = min(h - 1, Int((vHi - eps).rounded(.down)))
            if j0 > j1 { continue }
            for j in j0...j1 {
                clip(poly, into: &tmp, axis: 2, value: Float(j) + eps, keepAbove: true)
                clip(tmp, into: &rowPoly, axis: 2, value: Float(j + 1) - eps, keepAbove: false)
                if rowPoly.isEmpty { continue }
                var uLo = Float.infinity, uHi = -Float.infinity
                for p in rowPoly { uLo = min(uLo, p.x); uHi = max(uHi, p.x) }
                let i0 = max(0, Int((uLo - 1 + eps).rounded(.up))), i1 = min(w - 1, Int((uHi - eps).rounded(.down)))
                if i0 > i1 { continue }
                for i in i0...i1 {
                    let k = j * w + i
                    if obstacle[k] { continue }
                    clip(rowPoly, into: &tmp, axis: 0, value: Float(i) + eps, keepAbove: true)
                    clip(tmp, into: &cellPoly, axis: 0, value: Float(i + 1) - eps, keepAbove: false)
                    if cellPoly.isEmpty { continue }
                    var yLo = Float.infinity, yHi = -Float.infinity
                    for p in cellPoly { yLo = min(yLo, p.y); yHi = max(yHi, p.y) }
                    if yHi > refY[k] + lift && yLo < refY[k] + agentH && top > refY[k] + climb { obstacle[k] = true }
                }
            }
        }
        // Points: a scan's vertices are sparse over flat surfaces (a decimated mesh keeps few vertices there), so
        // the cells they mark are closed like the floor (gaps up to 2·floorHoleClosing cells; narrower than the
        // agent, so no passage is lost) before they join the obstacles.
        var pointObstacle = [UInt8](repeating: 0, count: n)
        for k in otherPts {
            let p = points.positions[k]
            let g = grid(p)
            let i = Int(g.x), j = Int(g.y)
            if g.x < 0 || g.y < 0 || i >= w || j >= h { continue }
            let m = j * w + i
            if p.y > refY[m] + climb && p.y < refY[m] + agentH { pointObstacle[m] = 1 }
        }
        if !otherPts.isEmpty && r > 0 { pointObstacle = morphologicalClosing(pointObstacle, w, h, r) }
        for k in 0..<n where pointObstacle[k] == 1 { obstacle[k] = true }

        // 8. Navigable = floor ∧ ¬obstacle, eroded by a disc of agentRadius around every blocking cell (distance
        //    from a cell centre to the nearest point of the blocking cell's square).
        var blocked = [Bool](repeating: true, count: n)
        var nav = [Bool](repeating: false, count: n)
        for k in 0..<n where !floorY[k].isNaN && !obstacle[k] { blocked[k] = false; nav[k] = true }
        let rad = settings.agentRadius / cs
        let rc = Int(rad.rounded(.up)) + 1
        var disc: [(Int, Int)] = []
        for dj in -rc...rc {
            for di in -rc...rc where !(di == 0 && dj == 0) {
                let dx = max(Float(abs(di)) - 0.5, 0), dz = max(Float(abs(dj)) - 0.5, 0)
                if dx * dx + dz * dz < rad * rad { disc.append((di, dj)) }
            }
        }
        if !disc.isEmpty {
            for j in 0..<h {
                for i in 0..<w where blocked[j * w + i] {
                    // Only blocking cells next to a free cell matter: the nearest blocker of any free cell is one.
                    var edge = false
                    for dj in -1...1 where !edge {
                        for di in -1...1 {
                            let a = i + di, b = j + dj
                            if a >= 0 && b >= 0 && a < w && b < h && !blocked[b * w + a] { edge = true; break }
                        }
                    }
                    if !edge { continue }
                    for (di, dj) in disc {
                        let a = i + di, b = j + dj
                        if a >= 0 && b >= 0 && a < w && b < h { nav[b * w + a] = false }
                    }
                }
            }
        }
        var states = [UInt8](repeating: CellState.outside.rawValue, count: n)
        for k in 0..<n {
            if nav[k] { states[k] = CellState.navigable.rawValue }
            else if obstacle[k] { states[k] = CellState.obstacle.rawValue }
            else if !floorY[k].isNaN { states[k] = CellState.floor.rawValue }
        }
        self.init(settings: settings, width: w, height: h, origin: Vec2(ox, oz), states: states, floorHeights: floorY)
    }
}


/// Sutherland–Hodgman clip of a convex polygon against `p[axis] ≥ value` (or `≤`), boundary kept.
@inline(__always)
func clip(_ input: [Vec3], into out: inout [Vec3], axis: Int, value: Float, keepAbove: Bool) {
    out.removeAll(keepingCapacity: true)
    guard let last = input.last else { return }
    let s: Float = keepAbove ? 1 : -1
    var p = last
    var dp = s * (p[axis] - value)
    for q in input {
        let dq = s * (q[axis] - value)
        if dp >= 0 { if dq >= 0 { out.append(q) } else { out.append(p + (q - p) * (dp / (dp - dq))) } }
        else if dq >= 0 { out.append(p + (q - p) * (dp / (dp - dq))); out.append(q) }
        p = q; dp = dq
    }
}

/// Binary dilation by a (2r+1)² square (separable running counts); cells outside the grid count as 0.
/// Closing (dilation then erosion) of a 0/1 mask by a (2r+1)² square: fills holes and gaps up to 2r cells wide.
func morphologicalClosing(_ m: [UInt8], _ w: Int, _ h: Int, _ r: Int) -> [UInt8] {
    squareDilate(squareDilate(m, w, h, r).map { 1 - $0 }, w, h, r).map { 1 - $0 }
}

func squareDilate(_ m: [UInt8], _ w: Int, _ h: Int, _ r: Int) -> [UInt8] {
    var rows = [UInt8](repeating: 0, count: w * h)
    for j in 0..<h {
        var count = 0
        let base = j * w
        for i in 0..<min(r, w) { count += Int(m[base + i]) }
        for i in 0..<w {
            if i + r < w { count += Int(m[base + i + r]) }
            if i - r - 1 >= 0 { count -= Int(m[base + i - r - 1]) }
            rows[base + i] = count > 0 ? 1 : 0
        }
    }
    var out = [UInt8](repeating: 0, count: w * h)
    for i in 0..<w {
        var count = 0
        for j in 0..<min(r, h) { count += Int(rows[j * w + i]) }
        for j in 0..<h {
            if j + r < h { count += Int(rows[(j + r) * w + i]) }
            if j - r - 1 >= 0 { count -= Int(rows[(j - r - 1) * w + i]) }
            out[j * w + i] = count > 0 ? 1 : 0
        }
    }
    return out
}
