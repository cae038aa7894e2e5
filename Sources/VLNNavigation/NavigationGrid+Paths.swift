import VLNCore
import VLNScene

// Geodesic distance, shortest paths and collision. Internally positions are in grid units
// (u, v) = ((x − origin.x) / cellSize, (z − origin.z) / cellSize); cell (i, j) spans [i, i+1) × [j, j+1).

extension NavigationGrid {
    // MARK: Public queries

    /// Geodesic (shortest walkable) distance between two world points, metres, measured in the XZ plane.
    ///
    /// Endpoints whose cell is not navigable are first snapped to the nearest navigable cell centre within
    /// `settings.maxSnapDistance` (the snap offset is not counted). The path is any-angle (Lazy Theta*, Nash,
    /// Koenig & Tovey 2010, then line-of-sight string pulling over navigable cells), so on open floor it is the
    /// straight line and around corners it wraps them within about one cell of the exact Euclidean shortest path —
    /// not the up-to-8 % overestimate of an 8-connected grid path.
    /// - Returns: the distance, or nil if no path exists (an endpoint cannot be snapped, or the endpoints lie on
    ///   different islands).
    public func geodesicDistance(from start: Vec3, to end: Vec3) -> Float? {
        guard let path = gridPath(from: start, to: end) else { return nil }
        return pathLength(path) * cellSize
    }

    /// The geodesic distance from `start` to the nearest of `goals`, metres: the minimum over the goals of
    /// `geodesicDistance(from:to:)`.
    /// - Returns: nil if no goal is reachable (or `goals` is empty).
    /// - Complexity: one search per distinct goal; for many queries to the same goals use `distanceField(to:)`.
    public func geodesicDistance(from start: Vec3, to goals: [Vec3]) -> Float? {
        var best: Float? = nil
        var seen = Set<SIMD3<Float>>()
        for g in goals where seen.insert(g).inserted {
            if let d = geodesicDistance(from: start, to: g), d < (best ?? .infinity) { best = d }
        }
        return best
    }

    /// The shortest path from `start` to `end` as world waypoints (first = start, last = end, after snapping as
    /// in `geodesicDistance`), y = the floor height under each waypoint. Consecutive waypoints see each other
    /// over navigable cells; the polyline's XZ length is `geodesicDistance(from: start, to: end)`.
    /// - Returns: nil if no path exists.
    public func shortestPath(from start: Vec3, to end: Vec3) -> [Vec3]? {
        gridPath(from: start, to: end)?.map(worldPoint)
    }

    /// A geodesic distance field to `goals` for many queries (e.g. an oracle follower choosing its next step).
    /// Goals off the navigable cells are snapped as in `geodesicDistance`; goals that cannot be snapped are
    /// ignored. See `GeodesicDistanceField` for its accuracy.
    /// - Complexity: O(cells · log cells) plus one line-of-sight test per cell.
    public func distanceField(to goals: [Vec3]) -> GeodesicDistanceField {
        var sources: [(Int, SIMD2<Float>)] = []
        var used = Set<Int>()
        for g in goals {
            if let e = endpoint(g), used.insert(e.cell).inserted { sources.append(e) }
        }
        let tree = search(sources: sources, target: nil)
        return GeodesicDistanceField(grid: self, goals: goals, tree: tree)
    }

    /// Moves from `start` towards `end` with collision and sliding, like Habitat's `tryStep`; deterministic.
    ///
    /// The agent moves along the segment as far as it stays on navigable cells (stopping 10⁻³ cell short of the
    /// first non-navigable cell). If blocked, it slides: each axis-aligned component (x, then z) of the
    /// remaining motion is tried from the stopping point in the same way, and the longer resulting move is
    /// kept (x on ties). The result is never in a non-navigable cell: if `start` is not navigable it is first
    /// snapped (within `settings.maxSnapDistance`); if nothing can be snapped, `start` is returned unchanged.
    /// - Returns: the end position, y = the floor height there.
    public func tryStep(from start: Vec3, to end: Vec3) -> Vec3 {
        guard let s = endpoint(start) else { return start }
        let a = s.pos, b = gridPosition(end)
        let (p1, t1) = moveAlong(a, b)
        if t1 >= 1 { return worldPoint(p1) }
        let remaining = (b - a) * (1 - t1)
        let (px, _) = moveAlong(p1, p1 + SIMD2(remaining.x, 0))
        let (pz, _) = moveAlong(p1, p1 + SIMD2(0, remaining.y))
        let dx = lengthSquared2(px - p1), dz = lengthSquared2(pz - p1)
        return worldPoint(dz > dx ? pz : px)
    }

    // MARK: Internals

    @inline(__always) func isNavigableCell(_ i: Int, _ j: Int) -> Bool {
        i >= 0 && j >= 0 && i < width && j < height && states[j * width + i] == CellState.navigable.rawValue
    }

    func gridPosition(_ p: Vec3) -> SIMD2<Float> { SIMD2((p.x - origin.x) / cellSize, (p.z - origin.y) / cellSize) }

    func worldPoint(_ g: SIMD2<Float>) -> Vec3 {
        let i = min(max(Int(g.x.rounded(.down)), 0), width - 1), j = min(max(Int(g.y.rounded(.down)), 0), height - 1)
        let y = floorHeights[j * width + i]
        return Vec3(origin.x + g.x * cellSize, y.isNaN ? 0 : y, origin.y + g.y * cellSize)
    }

    @inline(__always) func centre(_ k: Int) -> SIMD2<Float> {
        SIMD2(Float(k % width) + 0.5, Float(k / width) + 0.5)
    }

    /// The navigable cell for a query point and the position used for it: the point itself if its cell is
    /// navigable, else the centre of the nearest navigable cell within `maxSnapDistance`.
    func endpoint(_ p: Vec3) -> (cell: Int, pos: SIMD2<Float>)? {
        guard let k = snapCell(p, maxDistance: settings.maxSnapDistance) else { return nil }
        if let c = cellIndex(of: p), c.j * width + c.i == k { return (k, gridPosition(p)) }
        return (k, centre(k))
    }

    /// The parameter t ∈ [0, 1] at which the segment a → b (grid units) first enters a non-navigable cell (0 if
    /// `a`'s cell is not navigable), or nil if every cell it crosses is navigable. A segment through a cell corner
    /// passes diagonally (consistent with 8-connected islands).
    func firstBlocked(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float? {
        var i = Int(a.x.rounded(.down)), j = Int(a.y.rounded(.down))
        if !isNavigableCell(i, j) { return 0 }
        let ei = Int(b.x.rounded(.down)), ej = Int(b.y.rounded(.down))
        let d = b - a
        let si = d.x > 0 ? 1 : (d.x < 0 ? -1 : 0), sj = d.y > 0 ? 1 : (d.y < 0 ? -1 : 0)
        let invX = si != 0 ? 1 / d.x : 0, invZ = sj != 0 ? 1 / d.y : 0
        while i != ei || j != ej {
            let tx: Float = si > 0 ? (Float(i + 1) - a.x) * invX : (si < 0 ? (Float(i) - a.x) * invX : .infinity)
            let tz: Float = sj > 0 ? (Float(j + 1) - a.y) * invZ : (sj < 0 ? (Float(j) - a.y) * invZ : .infinity)
            let t: Float
            if abs(tx - tz) <= 1e-6 { t = tx; i += si; j += sj }
            else if tx < tz { t = tx; i += si }
            else { t = tz; j += sj }
            if t > 1 { return nil }
            if !isNavigableCell(i, j) { return max(t, 0) }
        }
        return nil
    }

    @inline(__always) func lineOfSight(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Bool { firstBlocked(a, b) == nil }

    /// Moves from a towards b as far as the segment stays navigable. Returns the end point and the fraction of
    /// the segment travelled.
    func moveAlong(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> (SIMD2<Float>, Float) {
        guard let tb = firstBlocked(a, b) else { return (b, 1) }
        let len = lengthSquared2(b - a).squareRoot()
        if len <= 0 { return (a, 1) }
        for backoff: Float in [1e-3, 1e-2] {
            let t = max(0, tb - backoff / len)
            let p = a + (b - a) * t
            if isNavigableCell(Int(p.x.rounded(.down)), Int(p.y.rounded(.down))) { return (p, t) }
        }
        return (a, 0)
    }

    func pathLength(_ path: [SIMD2<Float>]) -> Float {
        var s: Float = 0
        for k in path.indices.dropFirst() { s += lengthSquared2(path[k] - path[k - 1]).squareRoot() }
        return s
    }

    /// Any-angle path in grid units between two world points, or nil.
    func gridPath(from start: Vec3, to end: Vec3) -> [SIMD2<Float>]? {
        guard let s = endpoint(start), let t = endpoint(end), islands[s.cell] == islands[t.cell] else { return nil }
        if lineOfSight(s.pos, t.pos) { return [s.pos, t.pos] }
        let tree = search(sources: [s], target: t)
        guard tree.g[t.cell].isFinite else { return nil }
        var path: [SIMD2<Float>] = []
        var k = t.cell
        while true {
            path.append(tree.position(k))
            let p = Int(tree.parent[k])
            if p == k || p < 0 { break }
            k = p
        }
        path.reverse()
        // Greedy string pulling: from each kept waypoint jump to the farthest visible one.
        var out = [path[0]]
        var cur = 0
        while cur < path.count - 1 {
            var next = cur + 1
            var k2 = path.count - 1
            while k2 > cur + 1 { if lineOfSight(path[cur], path[k2]) { next = k2; break }; k2 -= 1 }
            out.append(path[next]); cur = next
        }
        return out
    }

    /// Lazy Theta* (Nash, Koenig & Tovey 2010, "Lazy Theta*: Any-Angle Path Planning and Path Length Analysis
    /// in 3D") over navigable cells, 8-connected, from `sources` (g = 0) towards `target` (A* with the Euclidean
    /// heuristic) or over the whole reachable grid (Dijkstra) when `target` is nil. Node positions are cell
    /// centres except the sources and the target, which sit at their exact points. Deterministic: ties in the
    /// open list break by cell index.
    func search(sources: [(cell: Int, pos: SIMD2<Float>)], target: (cell: Int, pos: SIMD2<Float>)?) -> SearchTree {
        let n = width * height
        var tree = SearchTree(width: width, count: n)
        for s in sources where tree.exactSlot[s.cell] < 0 { tree.setExact(s.cell, s.pos) }
        if let t = target { tree.setExact(t.cell, t.pos) }
        var closed = [Bool](repeating: false, count: n)
        var heap = MinHeap()
        let goal = target?.pos
        @inline(__always) func h(_ p: SIMD2<Float>) -> Float {
            guard let goal else { return 0 }
            return lengthSquared2(p - goal).squareRoot()
        }
        for s in sources where tree.parent[s.cell] < 0 {
            tree.g[s.cell] = 0; tree.parent[s.cell] = Int32(s.cell); heap.push(h(s.pos), Int32(s.cell))
        }
        let nav = CellState.navigable.rawValue
        let w = width, hh = height
        /// The 8-connected neighbours of cell `s` inside the grid.
        @inline(__always) func forEachNeighbour(of s: Int, _ body: (Int) -> Void) {
            let si = s % w, sj = s / w
            for dj in -1...1 {
                for di in -1...1 where !(di == 0 && dj == 0) {
                    let i = si + di, j = sj + dj
                    if i >= 0 && j >= 0 && i < w && j < hh { body(j * w + i) }
                }
            }
        }
        while let (_, s32) = heap.pop() {
            let s = Int(s32)
            if closed[s] { continue }
            let ps = Int(tree.parent[s])
            let posS = tree.position(s)
            if ps != s && !lineOfSight(tree.position(ps), posS) {
                // Lazy Theta*'s SetVertex: the assumed shortcut is blocked; take the best closed neighbour.
                var best = Float.infinity, bp = -1
                forEachNeighbour(of: s) { m in
                    guard closed[m] else { return }
                    let c = tree.g[m] + lengthSquared2(tree.position(m) - posS).squareRoot()
                    if c < best { best = c; bp = m }
                }
                if bp >= 0 { tree.g[s] = best; tree.parent[s] = Int32(bp) }
            }
            closed[s] = true
            if let t = target, s == t.cell { break }
            let pp = Int(tree.parent[s])
            let posP = tree.position(pp), gP = tree.g[pp]
            forEachNeighbour(of: s) { m in
                guard !closed[m] && states[m] == nav else { return }
                let pm = tree.position(m)
                let cand = gP + lengthSquared2(posP - pm).squareRoot()
                if cand < tree.g[m] {
                    tree.g[m] = cand; tree.parent[m] = Int32(pp); heap.push(cand + h(pm), Int32(m))
                }
            }
        }
        return tree
    }
}

@inline(__always) func lengthSquared2(_ v: SIMD2<Float>) -> Float { v.x * v.x + v.y * v.y }

/// A search result: cost (grid units) and any-angle parent per cell.
struct SearchTree: Sendable {
    let width: Int
    var g: [Float]
    var parent: [Int32]
    /// Per cell: index into `exact` if the node sits at an exact point (a source or the target), else −1.
    var exactSlot: [Int32]
    /// Exact positions of the sources and the target (grid units); other nodes sit at their cell centres.
    var exact: [SIMD2<Float>] = []

    init(width: Int, count: Int) {
        self.width = width
        g = [Float](repeating: .infinity, count: count)
        parent = [Int32](repeating: -1, count: count)
        exactSlot = [Int32](repeating: -1, count: count)
    }

    mutating func setExact(_ k: Int, _ p: SIMD2<Float>) {
        if exactSlot[k] >= 0 { exact[Int(exactSlot[k])] = p } else { exactSlot[k] = Int32(exact.count); exact.append(p) }
    }

    @inline(__always) func position(_ k: Int) -> SIMD2<Float> {
        let s = exactSlot[k]
        if s >= 0 { return exact[Int(s)] }
        return SIMD2(Float(k % width) + 0.5, Float(k / width) + 0.5)
    }
}

/// A binary min-heap of (key, cell), ties broken by cell index (deterministic).
struct MinHeap {
    private var keys: [Float] = []
    private var vals: [Int32] = []

    @inline(__always) private func less(_ a: Int, _ b: Int) -> Bool {
        keys[a] < keys[b] || (keys[a] == keys[b] && vals[a] < vals[b])
    }

    mutating func push(_ key: Float, _ val: Int32) {
        keys.append(key); vals.append(val)
        var c = keys.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            if !less(c, p) { break }
            keys.swapAt(c, p); vals.swapAt(c, p); c = p
        }
    }

    mutating func pop() -> (Float, Int32)? {
        guard !keys.isEmpty else { return nil }
        let top = (keys[0], vals[0])
        let last = keys.count - 1
        keys.swapAt(0, last); vals.swapAt(0, last)
        keys.removeLast(); vals.removeLast()
        var p = 0
        let n = keys.count
        while true {
            let l = 2 * p + 1, r = l + 1
            var m = p
            if l < n && less(l, m) { m = l }
            if r < n && less(r, m) { m = r }
            if m == p { break }
            keys.swapAt(p, m); vals.swapAt(p, m); p = m
        }
        return top
    }
}
