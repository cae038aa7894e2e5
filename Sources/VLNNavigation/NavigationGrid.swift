import VLNCore
import VLNScene

/// The state of one grid cell, for drawing top-down maps.
public enum CellState: UInt8, Sendable, CaseIterable {
    /// No walkable floor here (outside the scene, under a wall, a hole).
    case outside = 0
    /// Walkable floor, but the agent's centre cannot stand here: an obstacle or the floor's edge is closer
    /// than `agentRadius`.
    case floor = 1
    /// Geometry inside the agent's height band above the local floor (a wall, furniture).
    case obstacle = 2
    /// The agent's centre can stand here.
    case navigable = 3
}

/// A 2-D navigation grid over a scene's XZ bounds: which cells an agent's centre can stand on, the floor
/// height there, islands (connected components), geodesic distances and collision with sliding — Habitat's
/// `PathFinder` vocabulary (`isNavigable`, `snapPoint`, `geodesicDistance`, `tryStep`) on a raster instead of a
/// navmesh.
///
/// **Building.** Floor: every cell whose centre is covered by an upward-facing (normal.y > `floorMinNormalY`)
/// triangle of a floor category (`Scene.isFloorTriangle`), floor height = the lowest such surface at the
/// centre; and every cell holding floor-labelled points (`Scene.isFloorPoint`), floor height = their median
/// y. Holes are closed (`NavigationSettings.floorHoleClosing`). Obstacles: a cell is an obstacle if any other
/// triangle (clipped to the cell's column) or non-floor point has geometry strictly between
/// `floor + maxClimb` and `floor + agentHeight`. Vertical faces lying exactly on a cell boundary are counted in
/// the cell behind the face (opposite its normal), so a closed box blocks exactly the cells it covers.
/// Navigable = floor ∧ ¬obstacle ∧ no obstacle or non-floor cell within `agentRadius` of the cell centre
/// (distance measured to the nearest point of the blocking cell's square).
///
/// The grid is 2-D: one floor height per cell (single storey). Dynamic scenes rebuild it from the edited
/// scene; building a ~10k-triangle house of 15 × 12 m at 5 cm takes a few tens of milliseconds in release.
///
/// Coordinates: world frame (Y up, metres). Cell `(i, j)` covers world x ∈ [origin.x + i·cellSize, +cellSize),
/// z ∈ [origin.y + j·cellSize, +cellSize); `i` runs along x, `j` along z.
public struct NavigationGrid: Sendable {
    /// The settings the grid was built with.
    public let settings: NavigationSettings
    /// Number of cells along x.
    public let width: Int
    /// Number of cells along z.
    public let height: Int
    /// World XZ (x, z) of cell (0, 0)'s lower corner, metres.
    public let origin: Vec2
    /// XZ cell size, metres.
    public var cellSize: Float { settings.cellSize }

    /// `CellState.rawValue` per cell, index `j · width + i`.
    @usableFromInline let states: [UInt8]
    /// Floor height (world y, metres) per cell; NaN where there is no floor.
    let floorHeights: [Float]
    /// Island id per cell, −1 where not navigable.
    let islands: [Int32]
    /// Navigable cell indices grouped by island: island k's cells are `islandCells[islandStart[k]..<islandStart[k+1]]`.
    let islandCells: [Int32]
    let islandStart: [Int]

    init(settings: NavigationSettings, width: Int, height: Int, origin: Vec2, states: [UInt8], floorHeights: [Float]) {
        self.settings = settings; self.width = width; self.height = height; self.origin = origin
        self.states = states; self.floorHeights = floorHeights
        // Islands: 8-connected components of navigable cells, numbered in row-major order of their first cell.
        let n = width * height
        var island = [Int32](repeating: -1, count: n)
        var cellsByIsland: [Int32] = []
        var starts: [Int] = [0]
        var stack: [Int] = []
        let nav = CellState.navigable.rawValue
        for seed in 0..<n where states[seed] == nav && island[seed] < 0 {
            let id = Int32(starts.count - 1)
            island[seed] = id; stack.append(seed)
            while let c = stack.popLast() {
                cellsByIsland.append(Int32(c))
                let ci = c % width, cj = c / width
                for dj in -1...1 {
                    let j = cj + dj
                    if j < 0 || j >= height { continue }
                    for di in -1...1 {
                        let i = ci + di
                        if i < 0 || i >= width || (di == 0 && dj == 0) { continue }
                        let m = j * width + i
                        if states[m] == nav && island[m] < 0 { island[m] = id; stack.append(m) }
                    }
                }
            }
            starts.append(cellsByIsland.count)
        }
        // Sort each island's cells so sampling does not depend on the traversal order.
        for k in 0..<(starts.count - 1) { cellsByIsland[starts[k]..<starts[k + 1]].sort() }
        islands = island; islandCells = cellsByIsland; islandStart = starts
    }

    // MARK: Cells

    /// The cell containing the world point `p` (its y is ignored), or nil if `p` lies outside the grid.
    public func cellIndex(of p: Vec3) -> (i: Int, j: Int)? {
        let u = (p.x - origin.x) / cellSize, v = (p.z - origin.y) / cellSize
        guard u.isFinite, v.isFinite, u >= 0, v >= 0 else { return nil }
        let i = Int(u), j = Int(v)
        guard i < width, j < height else { return nil }
        return (i, j)
    }

    /// World centre of cell `(i, j)`; y is the cell's floor height, or 0 where the cell has no floor.
    /// - Precondition: `0 ≤ i < width`, `0 ≤ j < height`.
    public func cellCenter(i: Int, j: Int) -> Vec3 {
        precondition(i >= 0 && i < width && j >= 0 && j < height, "cell (\(i), \(j)) outside the grid")
        let y = floorHeights[j * width + i]
        return Vec3(origin.x + (Float(i) + 0.5) * cellSize, y.isNaN ? 0 : y, origin.y + (Float(j) + 0.5) * cellSize)
    }

    /// The state of cell `(i, j)`. - Precondition: the cell is inside the grid.
    public func cellState(i: Int, j: Int) -> CellState {
        precondition(i >= 0 && i < width && j >= 0 && j < height, "cell (\(i), \(j)) outside the grid")
        return CellState(rawValue: states[j * width + i])!
    }

    /// Floor height (world y, metres) of cell `(i, j)`, or nil if it has no floor.
    /// - Precondition: the cell is inside the grid.
    public func floorHeight(i: Int, j: Int) -> Float? {
        precondition(i >= 0 && i < width && j >= 0 && j < height, "cell (\(i), \(j)) outside the grid")
        let y = floorHeights[j * width + i]
        return y.isNaN ? nil : y
    }

    /// World XZ bounds of the grid, metres (y spans the floor heights).
    public var bounds: AABB {
        var lo = Float.infinity, hi = -Float.infinity
        for y in floorHeights where !y.isNaN { lo = min(lo, y); hi = max(hi, y) }
        if lo > hi { lo = 0; hi = 0 }
        return AABB(lower: Vec3(origin.x, lo, origin.y),
                    upper: Vec3(origin.x + Float(width) * cellSize, hi, origin.y + Float(height) * cellSize))
    }

    // MARK: Navigability

    /// Whether the agent's centre can stand at `p`: its cell is navigable and `p.y` is within
    /// `settings.maxYDelta` of the cell's floor height.
    public func isNavigable(_ p: Vec3) -> Bool {
        guard let c = cellIndex(of: p) else { return false }
        let k = c.j * width + c.i
        return states[k] == CellState.navigable.rawValue && abs(p.y - floorHeights[k]) <= settings.maxYDelta
    }

    /// The nearest navigable position to `p` in the XZ plane (p's y is ignored).
    ///
    /// If `p`'s own cell is navigable, returns `p`'s x and z; otherwise the centre of the nearest navigable cell.
    /// - Parameter maxDistance: search radius, metres; `settings.maxSnapDistance` when nil.
    /// - Returns: the position with y = the floor height there, or nil if no navigable cell centre lies within
    ///   `maxDistance`.
    public func snapPoint(_ p: Vec3, maxDistance: Float? = nil) -> Vec3? {
        guard let k = snapCell(p, maxDistance: maxDistance ?? settings.maxSnapDistance) else { return nil }
        let i = k % width, j = k / width
        if let c = cellIndex(of: p), c.i == i, c.j == j { return Vec3(p.x, floorHeights[k], p.z) }
        return cellCenter(i: i, j: j)
    }

    /// Index of the navigable cell nearest to `p` (its own if navigable), within `maxDistance` metres.
    func snapCell(_ p: Vec3, maxDistance: Float) -> Int? {
        let u = (p.x - origin.x) / cellSize, v = (p.z - origin.y) / cellSize
        guard u.isFinite, v.isFinite else { return nil }
        let nav = CellState.navigable.rawValue
        let ci = Int(u.rounded(.down)), cj = Int(v.rounded(.down))
        if ci >= 0, ci < width, cj >= 0, cj < height, states[cj * width + ci] == nav { return cj * width + ci }
        let maxCells = maxDistance / cellSize
        var best = -1
        var bestD2 = maxCells * maxCells
        let maxRing = Int(maxCells.rounded(.up)) + 1
        var ring = 1
        while ring <= maxRing {
            // Every cell of this ring is at least (ring − 1) cells away from p (in Chebyshev and so Euclidean).
            let lowerBound = Float(ring - 1)
            if best >= 0 && lowerBound * lowerBound > bestD2 { break }
            for dj in -ring...ring {
                let j = cj + dj
                if j < 0 || j >= height { continue }
                let step = (dj == -ring || dj == ring) ? 1 : 2 * ring
                var di = -ring
                while di <= ring {
                    let i = ci + di
                    if i >= 0 && i < width && states[j * width + i] == nav {
                        let du = Float(i) + 0.5 - u, dv = Float(j) + 0.5 - v
                        let d2 = du * du + dv * dv
                        let k = j * width + i
                        if d2 < bestD2 || (d2 == bestD2 && best >= 0 && k < best) { bestD2 = d2; best = k }
                    }
                    di += step
                }
            }
            ring += 1
        }
        return best >= 0 ? best : nil
    }

    // MARK: Islands

    /// Number of islands (8-connected components of navigable cells).
    public var islandCount: Int { islandStart.count - 1 }

    /// The island of the cell containing `p` (y ignored), or nil if that cell is not navigable.
    /// Islands are numbered 0..<islandCount in row-major order (z, then x) of their first cell.
    public func islandID(of p: Vec3) -> Int? {
        guard let c = cellIndex(of: p) else { return nil }
        let id = islands[c.j * width + c.i]
        return id >= 0 ? Int(id) : nil
    }

    /// Area of island `id`, m² (cell count × cellSize²). - Precondition: `0 ≤ id < islandCount`.
    public func islandArea(_ id: Int) -> Float {
        precondition(id >= 0 && id < islandCount, "no island \(id) (islandCount = \(islandCount))")
        return Float(islandStart[id + 1] - islandStart[id]) * cellSize * cellSize
    }

    /// Total navigable area, m² (navigable cell count × cellSize²).
    public var navigableArea: Float { Float(islandCells.count) * cellSize * cellSize }

    /// Area of the cells in `state`, m² (cell count × cellSize²); e.g. `.floor`: floor the agent's centre cannot
    /// stand on. O(width · height).
    public func area(of state: CellState) -> Float {
        Float(states.reduce(0) { $0 + ($1 == state.rawValue ? 1 : 0) }) * cellSize * cellSize
    }

    /// The island with the largest area (the lowest id on ties), or nil if nothing is navigable.
    public var largestIsland: Int? {
        var best: Int? = nil, bestCount = 0
        for k in 0..<islandCount where islandStart[k + 1] - islandStart[k] > bestCount {
            best = k; bestCount = islandStart[k + 1] - islandStart[k]
        }
        return best
    }

    /// A random navigable position, optionally on one island: a uniformly chosen navigable cell, jittered
    /// uniformly within the cell. Deterministic for a given generator state.
    /// - Returns: a point with y = floor height, or nil if there is no navigable cell (on that island).
    /// - Precondition: `island`, if given, is in `0..<islandCount`.
    public func randomNavigablePoint(using rng: inout SeededRandom, island: Int? = nil) -> Vec3? {
        let range: Range<Int>
        if let island {
            precondition(island >= 0 && island < islandCount, "no island \(island) (islandCount = \(islandCount))")
            range = islandStart[island]..<islandStart[island + 1]
        } else {
            range = 0..<islandCells.count
        }
        guard !range.isEmpty else { return nil }
        let k = Int(islandCells[range.lowerBound + Int(rng.next() % UInt64(range.count))])
        let i = k % width, j = k / width
        // Jitter within the cell's inner 90 % so that rounding never moves the point into a neighbour cell.
        let u = rng.uniform(0.05, 0.95), v = rng.uniform(0.05, 0.95)
        return Vec3(origin.x + (Float(i) + u) * cellSize, floorHeights[k], origin.y + (Float(j) + v) * cellSize)
    }
}
