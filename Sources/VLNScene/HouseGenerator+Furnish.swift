import VLNCore

// Furniture placement for `HouseGenerator`: per-room recipes, candidate positions against walls / beside or in
// front of an anchor piece / free, and the occupancy-grid checks that keep every room walkable.

/// An axis-aligned rectangle in XZ, metres (`lo`/`hi` = (x, z)).
struct FloorRect: Sendable {
    var lo: Vec2, hi: Vec2
    var center: Vec2 { (lo + hi) * 0.5 }
    var size: Vec2 { hi - lo }
    /// Overlap extent along x and z (negative = separated).
    func overlap(_ o: FloorRect) -> Vec2 { pointwiseMin(hi, o.hi) - pointwiseMax(lo, o.lo) }
    func intersects(_ o: FloorRect, tolerance: Float = 0) -> Bool { let v = overlap(o); return v.x > tolerance && v.y > tolerance }
}

/// A piece of furniture placed in the world.
struct PlacedPiece: Sendable {
    var kind: FurnitureKind
    /// Parts in world coordinates.
    var parts: [FurniturePart]
    /// Bounds of the emitted triangles (what `Scene.bounds(ofInstance:)` reports).
    var bounds: AABB
    /// Quarter turns about +Y: the piece's front faces +z, +x, −z, −x for 0, 1, 2, 3.
    var quarterTurns: Int
    /// The wall it stands against (0 = −z wall, 1 = −x, 2 = +z, 3 = +x; the same code as `quarterTurns`), or nil.
    var wall: Int?
    var rect: FloorRect { FloorRect(lo: Vec2(bounds.lower.x, bounds.lower.z), hi: Vec2(bounds.upper.x, bounds.upper.z)) }
    /// Whether it is an obstacle for an agent (has geometry between 0.05 m and 1.5 m above the floor).
    var isObstacle: Bool { OccupancyGrid.isObstacle(bounds) }
}

/// A 0.1 m occupancy grid over the XZ plane, aligned to world multiples of the cell size: cell (i, k) covers
/// x ∈ [0.1·i, 0.1·(i+1)), z ∈ [0.1·k, 0.1·(k+1)).
struct OccupancyGrid: Sendable {
    static let cellSize: Float = 0.1
    /// Height band of an agent (metres above the floor) in which geometry is an obstacle.
    static let bandLow: Float = 0.05, bandHigh: Float = 1.5

    static func isObstacle(_ b: AABB) -> Bool { b.upper.y > bandLow && b.lower.y < bandHigh }

    /// Cells touched by the interval [lo, hi] (a degenerate interval touches one cell).
    static func cellRange(_ lo: Float, _ hi: Float) -> ClosedRange<Int> {
        let a = Int((lo / cellSize).rounded(.down))
        return a...max(a, Int((hi / cellSize).rounded(.up)) - 1)
    }
    static func cellCenter(_ i: Int) -> Float { (Float(i) + 0.5) * cellSize }

    let i0: Int, k0: Int, nx: Int, nz: Int
    var blocked: [Bool]

    init(bounds: AABB) {
        i0 = Self.cellRange(bounds.lower.x, bounds.lower.x).lowerBound - 2
        k0 = Self.cellRange(bounds.lower.z, bounds.lower.z).lowerBound - 2
        nx = Self.cellRange(bounds.upper.x, bounds.upper.x).lowerBound + 3 - i0
        nz = Self.cellRange(bounds.upper.z, bounds.upper.z).lowerBound + 3 - k0
        blocked = [Bool](repeating: false, count: nx * nz)
    }

    /// Marks the cells under the XZ extent of `b`.
    mutating func block(_ b: AABB) {
        for k in Self.cellRange(b.lower.z, b.upper.z) where k >= k0 && k < k0 + nz {
            for i in Self.cellRange(b.lower.x, b.upper.x) where i >= i0 && i < i0 + nx { blocked[(k - k0) * nx + (i - i0)] = true }
        }
    }

    func index(ofCellAt p: Vec2) -> Int? {
        let i = Int((p.x / Self.cellSize).rounded(.down)) - i0, k = Int((p.y / Self.cellSize).rounded(.down)) - k0
        return i >= 0 && i < nx && k >= 0 && k < nz ? k * nx + i : nil
    }

    /// Indices of the cells whose centres lie in the half-open rectangle [lo, hi) (as `Region.contains` decides).
    func cells(in r: FloorRect) -> [Int] {
        var out: [Int] = []
        for k in 0..<nz {
            let z = Self.cellCenter(k + k0)
            guard z >= r.lo.y, z < r.hi.y else { continue }
            for i in 0..<nx {
                let x = Self.cellCenter(i + i0)
                if x >= r.lo.x, x < r.hi.x { out.append(k * nx + i) }
            }
        }
        return out
    }

    /// Free for an agent of radius 0.1 m: the cell and its four neighbours are unblocked.
    func isFree(_ c: Int) -> Bool {
        let i = c % nx, k = c / nx
        guard i > 0, i < nx - 1, k > 0, k < nz - 1 else { return false }
        return !blocked[c] && !blocked[c - 1] && !blocked[c + 1] && !blocked[c - nx] && !blocked[c + nx]
    }

    /// Clear of obstacles within `radiusCells` cells (centre distance), i.e. on a corridor 2·radius wide.
    func isClear(_ c: Int, radiusCells r: Int) -> Bool {
        let i = c % nx, k = c / nx
        guard i >= r, i < nx - r, k >= r, k < nz - r else { return false }
        for dk in -r...r { for di in -r...r where di * di + dk * dk <= r * r {
            if blocked[c + dk * nx + di] { return false }
        } }
        return true
    }

    /// Cells reachable from `start` through cells in `allowed` (4-connected).
    func flood(from start: Int, allowed: [Bool]) -> [Bool] {
        var seen = [Bool](repeating: false, count: blocked.count)
        guard allowed[start] else { return seen }
        var stack = [start]
        seen[start] = true
        while let c = stack.popLast() {
            let i = c % nx
            for (n, ok) in [(c - 1, i > 0), (c + 1, i < nx - 1), (c - nx, c >= nx), (c + nx, c + nx < blocked.count)]
            where ok && allowed[n] && !seen[n] {
                seen[n] = true
                stack.append(n)
            }
        }
        return seen
    }
}

/// Furnishes every room of a plan.
struct HouseFurnisher {
    let plan: HousePlan
    /// Walls and door frames rasterised triangle by triangle (the furniture-free grid).
    let baseGrid: OccupancyGrid
    /// Placed pieces per room, in placement order.
    var pieces: [[PlacedPiece]]

    init(plan: HousePlan, structure: TriangleMesh, obstacleIds: Set<UInt32>) {
        self.plan = plan
        var grid = OccupancyGrid(bounds: structure.bounds)
        for t in structure.triangles.indices where obstacleIds.contains(structure.triangleInstanceIds[t]) {
            let (a, b, c) = structure.corners(t)
            var box = AABB.empty
            box.formUnion(a); box.formUnion(b); box.formUnion(c)
            if OccupancyGrid.isObstacle(box) { grid.block(box) }
        }
        baseGrid = grid
        pieces = Array(repeating: [], count: plan.rooms.count)
    }

    mutating func furnish(_ rng: inout SeededRandom) {
        for r in plan.rooms.indices {
            var room = RoomFurnisher(plan: plan, room: r, grid: baseGrid)
            room.furnish(&rng)
            pieces[r] = room.pieces
        }
    }

    /// Free cells (agent radius 0.1 m) of all rooms, given the current pieces, and a flood from the first one.
    private func houseReachability() -> (grid: OccupancyGrid, roomCells: [[Int]], reached: [Bool], allowed: [Bool]) {
        var grid = baseGrid
        for room in pieces { for p in room where p.isObstacle { grid.block(p.bounds) } }
        let roomCells = plan.rooms.map { grid.cells(in: $0.floorRect) }
        var allowed = [Bool](repeating: false, count: grid.blocked.count)
        for cells in roomCells { for c in cells where grid.isFree(c) { allowed[c] = true } }
        guard let start = allowed.firstIndex(of: true) else { return (grid, roomCells, allowed, allowed) }
        return (grid, roomCells, grid.flood(from: start, allowed: allowed), allowed)
    }

    /// Verifies that the free cells of all rooms form one connected region; if not (the per-room checks make this
    /// rare), removes the most recently placed pieces of the rooms holding unreachable cells until they do.
    mutating func ensureHouseConnected() {
        for _ in 0..<1000 {
            let (_, roomCells, reached, allowed) = houseReachability()
            let bad = plan.rooms.indices.filter { r in roomCells[r].contains { allowed[$0] && !reached[$0] } }
            guard let r = bad.last(where: { !pieces[$0].isEmpty }) else { return }
            pieces[r].removeLast()
        }
    }
}

extension PlannedRoom {
    /// The room rectangle between wall centre lines, metres.
    var floorRect: FloorRect {
        FloorRect(lo: Vec2(Float(rect.x0) / 100, Float(rect.z0) / 100), hi: Vec2(Float(rect.x1) / 100, Float(rect.z1) / 100))
    }
}

/// Places the furniture of one room.
struct RoomFurnisher {
    let type: RoomType
    /// Floor inside the walls, metres.
    let interior: FloorRect
    /// 1 m deep clear zones in front of each doorway (inside this room).
    let keepOut: [FloorRect]
    var grid: OccupancyGrid
    let roomCells: [Int]
    var inRoom: [Bool]
    /// Cells 0.5 m inside each doorway, that must stay reachable.
    var entries: [Int]
    var pieces: [PlacedPiece] = []

    init(plan: HousePlan, room r: Int, grid: OccupancyGrid) {
        type = plan.rooms[r].type
        let f = plan.rooms[r].floorRect, t = HouseGenerator.wallThickness / 2
        interior = FloorRect(lo: f.lo + t, hi: f.hi - t)
        self.grid = grid
        roomCells = grid.cells(in: f)
        inRoom = [Bool](repeating: false, count: grid.blocked.count)
        for c in roomCells { inRoom[c] = true }
        var zones: [FloorRect] = [], entries: [Int] = []
        for d in plan.doors where d.a == r || d.b == r {
            let inward = d.inward(for: r, rooms: plan.rooms)
            let line = Float(d.line) / 100, c = Float(d.center) / 100, half = Float(d.gap) / 200 + 0.1
            let along = d.alongX ? Vec2(1, 0) : Vec2(0, 1)
            let onLine = d.alongX ? Vec2(c, line) : Vec2(line, c)
            let a = onLine - along * half, b = onLine + along * half + inward * 1.0
            zones.append(FloorRect(lo: pointwiseMin(a, b), hi: pointwiseMax(a, b)))
            if let e = grid.index(ofCellAt: onLine + inward * 0.5) { entries.append(e) }
        }
        keepOut = zones
        self.entries = entries
        // Keep only the entries that are reachable in the empty room (always, for sane geometry).
        let base = self.grid
        self.entries = entries.filter { base.isFree($0) && base.isClear($0, radiusCells: 3) }
    }

    /// Room rules on the grid: all free cells one 4-connected region holding every entry; entries joined by cells
    /// with 0.3 m clearance (0.6 m wide corridors).
    func isWalkable(_ g: OccupancyGrid) -> Bool {
        var free = [Bool](repeating: false, count: g.blocked.count)
        var count = 0
        for c in roomCells where g.isFree(c) { free[c] = true; count += 1 }
        guard let start = entries.first ?? roomCells.first(where: { free[$0] }) else { return count == 0 }
        let seen = g.flood(from: start, allowed: free)
        var reached = 0
        for c in roomCells where seen[c] { reached += 1 }
        guard reached == count, entries.allSatisfy({ seen[$0] }) else { return false }
        if entries.count > 1 {
            var wide = [Bool](repeating: false, count: g.blocked.count)
            for c in roomCells where free[c] && g.isClear(c, radiusCells: 3) { wide[c] = true }
            let w = g.flood(from: entries[0], allowed: wide)
            guard entries.allSatisfy({ w[$0] }) else { return false }
        }
        return true
    }

    // MARK: Candidate placement

    /// Builds `kind` at `size`, turned `k` quarter turns, with its rotated footprint's min corner at `corner`,
    /// and accepts it if it fits. - Returns: the accepted piece.
    mutating func tryPlace(_ kind: FurnitureKind, size: (w: Float, d: Float, h: Float), k: Int, corner: Vec2, wall: Int?,
                           _ rng: inout SeededRandom) -> PlacedPiece? {
        let k = ((k % 4) + 4) % 4
        let local = kind.model(w: size.w, d: size.d, h: size.h, &rng)
        let a = rotateQuarter(.zero, k), b = rotateQuarter(Vec2(size.w, size.d), k)
        let offset = corner - pointwiseMin(a, b)
        let parts = local.map { $0.placed(quarterTurns: k, offset: offset) }
        var mb = MeshBuilder()
        for p in parts { mb.add(p, id: 1) }
        let piece = PlacedPiece(kind: kind, parts: parts, bounds: mb.mesh.bounds, quarterTurns: k, wall: wall)
        let r = piece.rect, eps: Float = 1e-4
        guard r.lo.x >= interior.lo.x - eps, r.lo.y >= interior.lo.y - eps,
              r.hi.x <= interior.hi.x + eps, r.hi.y <= interior.hi.y + eps else { return nil }
        for p in pieces where p.rect.intersects(r, tolerance: 0.002) { return nil }
        for z in keepOut where z.intersects(r) { return nil }
        if piece.isObstacle {
            var g = grid
            g.block(piece.bounds)
            guard isWalkable(g) else { return nil }
            grid = g
        }
        pieces.append(piece)
        return piece
    }

    /// World footprint size of a `w × d` piece turned `k` quarter turns.
    static func footprint(_ w: Float, _ d: Float, _ k: Int) -> Vec2 { k % 2 == 0 ? Vec2(w, d) : Vec2(d, w) }

    /// Min corner for a piece against wall `s` (0 = −z, 1 = −x, 2 = +z, 3 = +x) at along-wall start `u`,
    /// `offset` metres off the wall.
    func wallCorner(_ s: Int, u: Float, w: Float, d: Float, offset: Float) -> Vec2 {
        switch s {
        case 0: return Vec2(u, interior.lo.y + offset)
        case 1: return Vec2(interior.lo.x + offset, u)
        case 2: return Vec2(u, interior.hi.y - offset - d)
        default: return Vec2(interior.hi.x - offset - d, u)
        }
    }
    /// Along-wall range of wall `s`.
    func wallRange(_ s: Int) -> (Float, Float) { s % 2 == 0 ? (interior.lo.x, interior.hi.x) : (interior.lo.y, interior.hi.y) }
    /// Along-wall interval of a rect on wall `s`.
    static func along(_ r: FloorRect, _ s: Int) -> (Float, Float) { s % 2 == 0 ? (r.lo.x, r.hi.x) : (r.lo.y, r.hi.y) }

    /// Tries `attempts` positions against a wall. `side` fixes the wall; `uCenter` centres the piece along it;
    /// `cornerBias` is the chance of pushing it into a corner.
    @discardableResult
    mutating func placeAgainstWall(_ kind: FurnitureKind, _ rng: inout SeededRandom, side: Int? = nil, uCenter: Float? = nil,
                                   offset: Float = 0, cornerBias: Float = 0.3, attempts: Int = 30,
                                   width: Float? = nil) -> PlacedPiece? {
        for attempt in 0..<attempts {
            var size = kind.randomSize(&rng)
            if let width { size.w = width }
            if size.d == 0 { size.d = size.w }
            if attempt > attempts / 2 { size.w = snapCm(size.w * 0.85) }   // later tries: a smaller one
            let s = side ?? randomInt(&rng, 0, 3)
            let (lo, hi) = wallRange(s)
            guard hi - lo >= size.w else { continue }
            var u: Float
            if let uCenter {
                u = snapCm(min(max(uCenter - size.w / 2 + rng.uniform(-0.3, 0.3) * Float(attempt) / Float(attempts), lo), hi - size.w))
            } else if chance(&rng, cornerBias) {
                u = chance(&rng, 0.5) ? lo : hi - size.w
            } else {
                u = snapCm(rng.uniform(lo, hi - size.w))
                u = min(max(u, lo), hi - size.w)
            }
            let corner = wallCorner(s, u: u, w: size.w, d: size.d, offset: offset)
            if let p = tryPlace(kind, size: size, k: s, corner: corner, wall: s, &rng) { return p }
        }
        return nil
    }

    /// Next to `anchor` on the same wall, on side `-1` (lower along-wall coordinate) or `+1`.
    @discardableResult
    mutating func placeBeside(_ kind: FurnitureKind, _ anchor: PlacedPiece, side: Int, _ rng: inout SeededRandom,
                              gap: Float = 0.01, attempts: Int = 4) -> PlacedPiece? {
        guard let s = anchor.wall else { return nil }
        let (a0, a1) = Self.along(anchor.rect, s)
        for _ in 0..<attempts {
            var size = kind.randomSize(&rng)
            if size.d == 0 { size.d = size.w }
            let u = side < 0 ? a0 - gap - size.w : a1 + gap
            let corner = wallCorner(s, u: u, w: size.w, d: size.d, offset: 0)
            if let p = tryPlace(kind, size: size, k: s, corner: corner, wall: s, &rng) { return p }
        }
        return nil
    }

    /// In front of `anchor` on its side facing direction `dir` (0 = +z, 1 = +x, 2 = −z, 3 = −x), `gap` metres away,
    /// centred on it plus `shift` along that side; turned `k` quarter turns.
    @discardableResult
    mutating func placeInFront(_ kind: FurnitureKind, of anchor: PlacedPiece, dir: Int, k: Int, gap: Float, shift: Float = 0,
                               _ rng: inout SeededRandom, attempts: Int = 3) -> PlacedPiece? {
        let r = anchor.rect, c = r.center
        for _ in 0..<attempts {
            var size = kind.randomSize(&rng)
            if size.d == 0 { size.d = size.w }
            let f = Self.footprint(size.w, size.d, k)
            let corner: Vec2
            switch ((dir % 4) + 4) % 4 {
            case 0: corner = Vec2(c.x + shift - f.x / 2, r.hi.y + gap)
            case 1: corner = Vec2(r.hi.x + gap, c.y + shift - f.y / 2)
            case 2: corner = Vec2(c.x + shift - f.x / 2, r.lo.y - gap - f.y)
            default: corner = Vec2(r.lo.x - gap - f.x, c.y + shift - f.y / 2)
            }
            if let p = tryPlace(kind, size: size, k: k, corner: Vec2(snapCm(corner.x), snapCm(corner.y)), wall: nil, &rng) { return p }
        }
        return nil
    }

    /// Anywhere on the floor, any quarter turn; early tries near the room centre when `centred`.
    @discardableResult
    mutating func placeFree(_ kind: FurnitureKind, _ rng: inout SeededRandom, centred: Bool = false, attempts: Int = 30) -> PlacedPiece? {
        for attempt in 0..<attempts {
            var size = kind.randomSize(&rng)
            if size.d == 0 { size.d = size.w }
            let k = randomInt(&rng, 0, 3)
            let f = Self.footprint(size.w, size.d, k)
            let lo = interior.lo, hi = interior.hi - f
            guard hi.x >= lo.x, hi.y >= lo.y else { continue }
            var p: Vec2
            if centred && attempt < attempts / 2 {
                let spread = Float(attempt) / Float(attempts)
                p = interior.center - f / 2 + Vec2(rng.uniform(-1, 1), rng.uniform(-1, 1)) * spread
            } else {
                p = Vec2(rng.uniform(lo.x, hi.x), rng.uniform(lo.y, hi.y))
            }
            p = pointwiseMin(pointwiseMax(Vec2(snapCm(p.x), snapCm(p.y)), lo), hi)
            if let piece = tryPlace(kind, size: size, k: k, corner: p, wall: nil, &rng) { return piece }
        }
        return nil
    }

    /// Chairs around a table: `perLongSide` on each long side, and one at each end when `ends`.
    mutating func placeChairs(around table: PlacedPiece, perLongSide: Int, ends: Bool, sides: [Int]? = nil,
                              _ rng: inout SeededRandom) {
        let k = table.quarterTurns
        let longLength = k % 2 == 0 ? table.rect.size.x : table.rect.size.y
        for dir in sides ?? [k, k + 2] {
            for i in 0..<perLongSide {
                let shift = perLongSide == 1 ? 0 : (Float(i) + 0.5) / Float(perLongSide) * longLength - longLength / 2
                placeInFront(.diningChair, of: table, dir: dir, k: dir + 2, gap: 0.03, shift: shift, &rng, attempts: 1)
            }
        }
        if ends {
            for dir in [k + 1, k + 3] { placeInFront(.diningChair, of: table, dir: dir, k: dir + 2, gap: 0.03, &rng, attempts: 1) }
        }
    }

    // MARK: Recipes

    mutating func furnish(_ rng: inout SeededRandom) {
        let area = interior.size.x * interior.size.y, minSide = min(interior.size.x, interior.size.y)
        switch type {
        case .bedroom:
            if let bed = placeAgainstWall(.bed, &rng, cornerBias: 0.25) {
                placeBeside(.nightstand, bed, side: -1, &rng, gap: 0.02)
                placeBeside(.nightstand, bed, side: 1, &rng, gap: 0.02)
            }
            placeAgainstWall(.wardrobe, &rng, cornerBias: 0.6)
            if chance(&rng, 0.75) { placeAgainstWall(.dresser, &rng) }
            placeAgainstWall(.lamp, &rng)
            if chance(&rng, 0.5) { placeAgainstWall(.picture, &rng) }
            if chance(&rng, 0.4) { placeAgainstWall(.plant, &rng, cornerBias: 1) }
            placeFree(.rug, &rng)
        case .kitchen:
            let fridge = placeAgainstWall(.refrigerator, &rng, cornerBias: 0.8)
            var run: [PlacedPiece] = []
            if let fridge {
                let side = chance(&rng, 0.5) ? 1 : -1
                if let c = placeBeside(.kitchenCounter, fridge, side: side, &rng) ?? placeBeside(.kitchenCounter, fridge, side: -side, &rng) {
                    run.append(c)
                    let away: Int = Self.along(c.rect, c.wall!).0 < Self.along(fridge.rect, c.wall!).0 ? -1 : 1
                    if let stove = placeBeside(.stove, c, side: away, &rng) {
                        run.append(stove)
                        if let sink = placeBeside(.sink, stove, side: away, &rng) { run.append(sink) }
                    }
                }
            }
            if !run.contains(where: { $0.kind == .kitchenCounter }) { if let c = placeAgainstWall(.kitchenCounter, &rng) { run.append(c) } }
            if !run.contains(where: { $0.kind == .stove }) { placeAgainstWall(.stove, &rng) }
            if !run.contains(where: { $0.kind == .sink }) { placeAgainstWall(.sink, &rng) }
            if let last = run.last, chance(&rng, 0.6) {
                let away: Int = run.count > 1 && Self.along(last.rect, last.wall!).0 < Self.along(run[0].rect, last.wall!).0 ? -1 : 1
                placeBeside(.kitchenCounter, last, side: away, &rng)
            }
            if minSide >= 3.3, chance(&rng, 0.8), let island = placeFree(.kitchenIsland, &rng, centred: true) {
                placeChairs(around: island, perLongSide: randomInt(&rng, 1, 2), ends: false, sides: [island.quarterTurns], &rng)
            } else if chance(&rng, 0.5) {
                placeAgainstWall(.diningChair, &rng)
            }
            placeAgainstWall(.trashCan, &rng, cornerBias: 0.5)
        case .livingRoom:
            let sofa = placeAgainstWall(.sofa, &rng, cornerBias: 0.15)
            if let sofa {
                placeInFront(.coffeeTable, of: sofa, dir: sofa.quarterTurns, k: sofa.quarterTurns, gap: 0.4, &rng)
                let c = sofa.rect.center
                if let tv = placeAgainstWall(.tv, &rng, side: (sofa.wall! + 2) % 4, uCenter: sofa.wall! % 2 == 0 ? c.x : c.y, attempts: 8) {
                    placeTVStand(under: tv, &rng)
                }
            }
            if !pieces.contains(where: { $0.kind == .tv }), let tv = placeAgainstWall(.tv, &rng) { placeTVStand(under: tv, &rng) }
            placeAgainstWall(.armchair, &rng, cornerBias: 0.5)
            if area > 20, chance(&rng, 0.5) { placeAgainstWall(.armchair, &rng, cornerBias: 0.5) }
            placeAgainstWall(.bookshelf, &rng)
            placeAgainstWall(.plant, &rng, cornerBias: 1)
            placeAgainstWall(.floorLamp, &rng, cornerBias: 0.8)
            if chance(&rng, 0.6) { placeAgainstWall(.picture, &rng) }
            placeFree(.rug, &rng, centred: true)
        case .bathroom:
            var wet = false
            if area >= 5.5, chance(&rng, 0.75) { wet = placeAgainstWall(.bathtub, &rng, cornerBias: 0.9) != nil }
            if !wet || (area > 9 && chance(&rng, 0.5)) { placeAgainstWall(.shower, &rng, cornerBias: 1) }
            placeAgainstWall(.toilet, &rng)
            if let sink = placeAgainstWall(.bathroomSink, &rng, offset: 0.04) {
                let c = sink.rect.center
                placeAgainstWall(.mirror, &rng, side: sink.wall!, uCenter: sink.wall! % 2 == 0 ? c.x : c.y, attempts: 3,
                                 width: snapCm(Self.along(sink.rect, sink.wall!).1 - Self.along(sink.rect, sink.wall!).0 - 0.04))
            }
            placeAgainstWall(.towelRack, &rng)
            if chance(&rng, 0.5) { placeAgainstWall(.trashCan, &rng, cornerBias: 0.6) }
        case .office:
            if let desk = placeAgainstWall(.desk, &rng, offset: 0.08) {
                let c = desk.rect.center
                placeAgainstWall(.computerMonitor, &rng, side: desk.wall!, uCenter: desk.wall! % 2 == 0 ? c.x : c.y, attempts: 4)
                placeInFront(.officeChair, of: desk, dir: desk.quarterTurns, k: desk.quarterTurns + 2, gap: 0.05, &rng)
            }
            placeAgainstWall(.bookshelf, &rng)
            placeAgainstWall(.filingCabinet, &rng, cornerBias: 0.5)
            if chance(&rng, 0.5) { placeAgainstWall(.plant, &rng, cornerBias: 1) }
            if chance(&rng, 0.5) { placeAgainstWall(.picture, &rng) }
        case .diningRoom:
            if let table = placeFree(.diningTable, &rng, centred: true) {
                placeChairs(around: table, perLongSide: table.rect.size.x > 1.55 || table.rect.size.y > 1.55 ? 2 : 1, ends: chance(&rng, 0.6), &rng)
            }
            placeAgainstWall(.sideboard, &rng)
            placeAgainstWall(.plant, &rng, cornerBias: 1)
            if chance(&rng, 0.7) { placeAgainstWall(.picture, &rng) }
        case .hallway:
            placeAgainstWall(.shoeRack, &rng)
            placeAgainstWall(.coatRack, &rng, cornerBias: 0.9)
            placeAgainstWall(.plant, &rng, cornerBias: 1)
            placeAgainstWall(.picture, &rng)
            if chance(&rng, 0.5) { placeAgainstWall(.picture, &rng) }
            if chance(&rng, 0.5) { placeFree(.rug, &rng, centred: true) }
        }
    }

    /// A TV stand in front of a wall-mounted TV, a little wider than it.
    mutating func placeTVStand(under tv: PlacedPiece, _ rng: inout SeededRandom) {
        guard let s = tv.wall else { return }
        let (a0, a1) = Self.along(tv.rect, s)
        let tvDepth = s % 2 == 0 ? tv.rect.size.y : tv.rect.size.x
        for extra: Float in [0.4, 0.2, 0] {
            var size = FurnitureKind.tvStand.randomSize(&rng)
            size.w = snapCm(a1 - a0 + extra)
            let u = snapCm((a0 + a1) / 2 - size.w / 2)
            let corner = wallCorner(s, u: u, w: size.w, d: size.d, offset: tvDepth + 0.01)
            if tryPlace(.tvStand, size: size, k: s, corner: corner, wall: s, &rng) != nil { return }
        }
    }
}
