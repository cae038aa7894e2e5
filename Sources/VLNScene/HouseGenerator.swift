import VLNCore

/// A seeded procedural multi-room house: floors, walls with doorways, ceilings and furniture, with one region per
/// room. The same seed always gives the bit-identical scene (SplitMix64 via `SeededRandom`, no system randomness,
/// no dictionary iteration order in the output).
///
/// World frame (DESIGN.md): Y up, metres, floor at y = 0; the house is centred near the origin in XZ.
///
/// - Layout: the house rectangle is split recursively into `roomCount` rooms, 2.5–6 m on a side, that tile it
///   without overlap. Room types: always a living room, a kitchen, a bedroom and a bathroom, plus extras (bedroom,
///   office, dining room, hallway). Doorways (0.9–1.0 m clear, 2.1 m high) are cut along a random spanning tree of
///   the room-adjacency graph (plus sometimes one extra door), so every room is reachable from every other.
/// - Geometry: per room a "floor" quad facing +Y and a "ceiling" quad at 2.6 m facing −Y; "wall" boxes 0.1 m thick,
///   2.6 m high, centred on the room boundaries, with gaps and lintels at doorways and a "door frame" instance per
///   doorway; furniture of `furnitureCategories`, one instance per piece, built from boxes and cylinders.
/// - Furniture is placed per room type, large pieces against walls, never inside the 1 m clear zone in front of a
///   doorway, never overlapping another piece. Each placement is checked on a 0.1 m occupancy grid (obstacles are
///   geometry between 0.05 m and 1.5 m above the floor): the room's free cells, eroded by the 0.1 m agent radius,
///   must stay one connected region, and its doorways must stay joined by corridors at least 0.6 m wide; a piece
///   that breaks either rule is dropped.
public struct HouseGenerator: Sendable {
    /// Generator version, part of the scene's provenance; bumped whenever the output for a seed changes.
    public static let version = 1
    /// Wall height, metres.
    public static let wallHeight: Float = 2.6
    /// Wall thickness, metres (walls are centred on room boundaries).
    public static let wallThickness: Float = 0.1
    /// Clear height of a doorway, metres.
    public static let doorHeight: Float = 2.1
    /// Every furniture category the generator can place (plain words, as in `InstanceInfo.category`).
    public static let furnitureCategories: [String] = FurnitureKind.allCases.map(\.category)
    /// Room labels used for regions.
    public static let roomLabels: [String] = RoomType.allCases.map(\.rawValue)

    /// Seed of the generator; the same seed gives the same house.
    public let seed: UInt64
    /// Number of rooms, or nil for a seeded choice of 4–7.
    public let roomCount: Int?

    /// - Parameters:
    ///   - seed: any value; the same seed gives the bit-identical scene.
    ///   - roomCount: number of rooms, 4…8, or nil to pick 4–7 from the seed.
    /// - Precondition: `roomCount` is nil or in 4…8 (a house needs at least its four required room types).
    public init(seed: UInt64, roomCount: Int? = nil) {
        precondition(roomCount.map { (4...8).contains($0) } ?? true, "roomCount must be in 4...8")
        self.seed = seed
        self.roomCount = roomCount
    }

    /// Builds the house.
    /// - Returns: a scene named `house_<seed>` with instances for floors, walls, door frames, ceilings and
    ///   furniture, one region per room (footprint = the room rectangle between wall centre lines, XZ, metres) and
    ///   `floorCategories = ["floor"]`.
    /// - Complexity: a few milliseconds to tens of milliseconds; the house has roughly 2k–20k triangles.
    public func generate() -> Scene {
        var rng = SeededRandom(seed: seed ^ 0x486F_7573_6547_656E)   // "HouseGen": keeps seed 0 away from state 0
        let n = roomCount ?? 4 + randomInt(&rng, 0, 3)
        let plan = HousePlan.make(roomCount: n, &rng)

        var builder = MeshBuilder()
        var instances: [InstanceInfo] = []
        func newInstance(_ category: String) -> UInt32 {
            let id = UInt32(instances.count + 1)
            instances.append(InstanceInfo(id: id, category: category))
            return id
        }
        func m(_ cm: Int) -> Float { Float(cm) / 100 }

        // Floors, CCW seen from above (normal +Y).
        for room in plan.rooms {
            let r = room.rect, id = newInstance("floor")
            builder.addQuad(Vec3(m(r.x0), 0, m(r.z0)), Vec3(m(r.x0), 0, m(r.z1)), Vec3(m(r.x1), 0, m(r.z1)),
                            Vec3(m(r.x1), 0, m(r.z0)), id: id, color: room.type.floorColor(&rng))
        }
        // Walls, lintels and door frames.
        let wallColor = [RGB8(236, 232, 222), RGB8(228, 230, 232), RGB8(238, 228, 210), RGB8(222, 230, 222)][randomInt(&rng, 0, 3)]
        let h = Self.wallHeight, t = Self.wallThickness / 2
        for seg in plan.wallSegments() {
            let id = newInstance("wall")
            if seg.alongX {
                builder.addBox(lower: Vec3(m(seg.lo), 0, m(seg.line) - t), upper: Vec3(m(seg.hi), h, m(seg.line) + t),
                               id: id, color: wallColor)
            } else {
                builder.addBox(lower: Vec3(m(seg.line) - t, 0, m(seg.lo)), upper: Vec3(m(seg.line) + t, h, m(seg.hi)),
                               id: id, color: wallColor)
            }
        }
        let frameColor = [Palette.white, Palette.woods[0], Palette.woods[2]][randomInt(&rng, 0, 2)]
        for door in plan.doors {
            let lo = door.center - door.gap / 2, hi = door.center + door.gap / 2
            let jamb: Float = 0.04, fd: Float = t + 0.01, top = Self.doorHeight + jamb
            // (along-wall lo, hi), across half-depth, y range → world box
            func box(_ a: Float, _ b: Float, _ half: Float, _ y0: Float, _ y1: Float) -> (Vec3, Vec3) {
                door.alongX ? (Vec3(a, y0, m(door.line) - half), Vec3(b, y1, m(door.line) + half))
                            : (Vec3(m(door.line) - half, y0, a), Vec3(m(door.line) + half, y1, b))
            }
            let lintel = box(m(lo), m(hi), t, top, h)
            builder.addBox(lower: lintel.0, upper: lintel.1, id: newInstance("wall"), color: wallColor)
            let fid = newInstance("door frame")
            for (a, b, y0, y1) in [(m(lo), m(lo) + jamb, Float(0), top), (m(hi) - jamb, m(hi), 0, top),
                                   (m(lo), m(hi), Self.doorHeight, top)] {
                let bx = box(a, b, fd, y0, y1)
                builder.addBox(lower: bx.0, upper: bx.1, id: fid, color: frameColor)
            }
        }
        // Ceilings, facing down.
        for room in plan.rooms {
            let r = room.rect, id = newInstance("ceiling")
            builder.addQuad(Vec3(m(r.x0), h, m(r.z0)), Vec3(m(r.x1), h, m(r.z0)), Vec3(m(r.x1), h, m(r.z1)),
                            Vec3(m(r.x0), h, m(r.z1)), id: id, color: RGB8(245, 245, 243))
        }

        // Furniture, then the whole-house reachability check (drops pieces if it ever fails).
        let structure = builder.mesh
        let obstacleIds = Set(instances.filter { $0.category == "wall" || $0.category == "door frame" }.map(\.id))
        var furnished = HouseFurnisher(plan: plan, structure: structure, obstacleIds: obstacleIds)
        furnished.furnish(&rng)
        furnished.ensureHouseConnected()
        for room in furnished.pieces {
            for piece in room {
                let id = newInstance(piece.kind.category)
                for part in piece.parts { builder.add(part, id: id) }
            }
        }

        let regions = plan.rooms.map { room in
            Region(label: room.type.rawValue, footprint: [Vec2(m(room.rect.x0), m(room.rect.z0)), Vec2(m(room.rect.x1), m(room.rect.z0)),
                                                          Vec2(m(room.rect.x1), m(room.rect.z1)), Vec2(m(room.rect.x0), m(room.rect.z1))])
        }
        var byId: [UInt32: InstanceInfo] = [:]
        for info in instances { byId[info.id] = info }
        return Scene(name: "house_\(seed)", mesh: builder.mesh, instances: byId, regions: regions,
                     floorCategories: ["floor"],
                     provenance: "vlnsim HouseGenerator v\(Self.version), seed \(seed), \(plan.rooms.count) rooms; "
                         + "procedural (boxes and cylinders), no external assets")
    }
}

// MARK: - Random helpers (explicit, so the output never depends on the standard library's sampling algorithms)

/// Uniform integer in `lo...hi` (inclusive). Modulo bias is irrelevant at these ranges.
func randomInt(_ rng: inout SeededRandom, _ lo: Int, _ hi: Int) -> Int {
    precondition(hi >= lo)
    return lo + Int(rng.next() % UInt64(hi - lo + 1))
}

func chance(_ rng: inout SeededRandom, _ p: Float) -> Bool { rng.uniform(0, 1) < p }

// MARK: - Floor plan

enum RoomType: String, CaseIterable, Sendable {
    case livingRoom = "living room", kitchen, bedroom, bathroom, hallway, office, diningRoom = "dining room"

    func floorColor(_ rng: inout SeededRandom) -> RGB8 {
        switch self {
        case .kitchen: return [RGB8(200, 195, 185), RGB8(170, 170, 168), RGB8(215, 205, 190)][randomInt(&rng, 0, 2)]
        case .bathroom: return [RGB8(220, 228, 232), RGB8(235, 235, 235), RGB8(190, 200, 205)][randomInt(&rng, 0, 2)]
        default: return [RGB8(176, 132, 88), RGB8(150, 108, 70), RGB8(196, 160, 115), RGB8(128, 92, 62)][randomInt(&rng, 0, 3)]
        }
    }
}

/// An axis-aligned rectangle in XZ, integer centimetres: x ∈ [x0, x1], z ∈ [z0, z1].
struct CmRect: Equatable, Sendable {
    var x0: Int, z0: Int, x1: Int, z1: Int
    var width: Int { x1 - x0 }
    var depth: Int { z1 - z0 }
    var area: Int { width * depth }
}

struct PlannedRoom: Sendable {
    var rect: CmRect
    var type: RoomType
}

/// A doorway between rooms `a` and `b`, in a wall centred on the line `z = line` (`alongX`) or `x = line`.
struct PlannedDoor: Sendable {
    var a: Int, b: Int
    var alongX: Bool
    /// Wall centre line, cm.
    var line: Int
    /// Centre of the opening along the wall, cm.
    var center: Int
    /// Clear width between the jambs, cm.
    var clear: Int
    /// Gap cut into the wall (clear width + two 4 cm jambs), cm.
    var gap: Int { clear + 8 }

    /// Unit step (x, z) from the wall line into room `r` (one of `a`, `b`).
    func inward(for r: Int, rooms: [PlannedRoom]) -> Vec2 {
        let rect = rooms[r].rect
        if alongX { return rect.z0 == line ? Vec2(0, 1) : Vec2(0, -1) }
        return rect.x0 == line ? Vec2(1, 0) : Vec2(-1, 0)
    }
}

struct WallSegment: Sendable {
    var alongX: Bool
    var line: Int, lo: Int, hi: Int
}

struct HousePlan: Sendable {
    var rooms: [PlannedRoom]
    var doors: [PlannedDoor]

    static let minSide = 250, maxSide = 600, minSharedForDoor = 180, doorMargin = 35

    /// Draws layouts until one satisfies every constraint (usually the first few tries).
    static func make(roomCount n: Int, _ rng: inout SeededRandom) -> HousePlan {
        for _ in 0..<10_000 {
            var area: Float = 0
            for _ in 0..<n { area += rng.uniform(11, 18) }
            let aspect = rng.uniform(1.0, 1.6)
            var w = snap5(Int((area * aspect).squareRoot() * 100)), d = snap5(Int(area / (area * aspect).squareRoot() * 100))
            if chance(&rng, 0.5) { swap(&w, &d) }
            guard let rects = split(CmRect(x0: 0, z0: 0, x1: w, z1: d), n, &rng) else { continue }
            let types = assignTypes(rects, &rng)
            let ox = snap5(w / 2), oz = snap5(d / 2)
            let rooms = zip(rects, types).map { r, t in
                PlannedRoom(rect: CmRect(x0: r.x0 - ox, z0: r.z0 - oz, x1: r.x1 - ox, z1: r.z1 - oz), type: t)
            }
            guard let doors = planDoors(rooms, &rng) else { continue }
            let plan = HousePlan(rooms: rooms, doors: doors)
            precondition(plan.isConnected, "door planner produced a disconnected house")
            return plan
        }
        preconditionFailure("no valid floor plan found for \(n) rooms")
    }

    static func snap5(_ v: Int) -> Int { (v + 2) / 5 * 5 }

    /// Recursive split of `r` into `n` rooms, each 2.5–6 m on a side; nil if a draw violates the limits.
    static func split(_ r: CmRect, _ n: Int, _ rng: inout SeededRandom) -> [CmRect]? {
        if n == 1 {
            let ok = (minSide...maxSide).contains(r.width) && (minSide...maxSide).contains(r.depth)
            return ok ? [r] : nil
        }
        let alongX = r.width != r.depth ? r.width > r.depth : chance(&rng, 0.5)   // cut across the longer side
        let n1 = n / 2 + (n % 2 == 1 && chance(&rng, 0.5) ? 1 : 0)
        let len = alongX ? r.width : r.depth
        let cut = snap5(Int(Float(len) * Float(n1) / Float(n) * rng.uniform(0.85, 1.15)))
        guard cut >= minSide, len - cut >= minSide else { return nil }
        let (a, b) = alongX
            ? (CmRect(x0: r.x0, z0: r.z0, x1: r.x0 + cut, z1: r.z1), CmRect(x0: r.x0 + cut, z0: r.z0, x1: r.x1, z1: r.z1))
            : (CmRect(x0: r.x0, z0: r.z0, x1: r.x1, z1: r.z0 + cut), CmRect(x0: r.x0, z0: r.z0 + cut, x1: r.x1, z1: r.z1))
        guard let left = split(a, n1, &rng), let right = split(b, n - n1, &rng) else { return nil }
        return left + right
    }

    /// Living room = largest, bathroom = smallest, a hallway (if drawn) = the most elongated of the rest.
    static func assignTypes(_ rects: [CmRect], _ rng: inout SeededRandom) -> [RoomType] {
        var extras: [RoomType] = []
        var pool: [RoomType] = [.diningRoom, .office, .hallway, .bedroom]
        for _ in 0..<(rects.count - 4) {
            let i = randomInt(&rng, 0, pool.count - 1)
            extras.append(pool[i])
            if pool[i] != .bedroom { pool.remove(at: i) }
        }
        let order = rects.indices.sorted { rects[$0].area != rects[$1].area ? rects[$0].area > rects[$1].area : $0 < $1 }
        var types = [RoomType?](repeating: nil, count: rects.count)
        types[order.first!] = .livingRoom
        types[order.last!] = .bathroom
        if let hi = extras.firstIndex(of: .hallway) {
            extras.remove(at: hi)
            let rest = order.dropFirst().dropLast()
            func elongation(_ r: CmRect) -> Float { Float(max(r.width, r.depth)) / Float(min(r.width, r.depth)) }
            let pick = rest.max { a, b in elongation(rects[a]) != elongation(rects[b]) ? elongation(rects[a]) < elongation(rects[b]) : a > b }!
            types[pick] = .hallway
        }
        var remaining: [RoomType] = [.kitchen, .bedroom] + extras
        for i in stride(from: remaining.count - 1, to: 0, by: -1) { remaining.swapAt(i, randomInt(&rng, 0, i)) }
        for i in rects.indices where types[i] == nil { types[i] = remaining.removeLast() }
        return types.map { $0! }
    }

    /// Doors along a random spanning tree of the adjacency graph (rooms sharing ≥ 1.8 m of wall), grown from the
    /// living room; bathrooms get a single door when possible. Nil if the adjacency graph is disconnected.
    static func planDoors(_ rooms: [PlannedRoom], _ rng: inout SeededRandom) -> [PlannedDoor]? {
        struct Edge { var a: Int, b: Int, alongX: Bool, line: Int, lo: Int, hi: Int }
        var edges: [Edge] = []
        for i in rooms.indices { for j in rooms.indices where j > i {
            let p = rooms[i].rect, q = rooms[j].rect
            if p.x1 == q.x0 || q.x1 == p.x0 {
                let lo = max(p.z0, q.z0), hi = min(p.z1, q.z1)
                if hi - lo >= minSharedForDoor { edges.append(Edge(a: i, b: j, alongX: false, line: p.x1 == q.x0 ? p.x1 : p.x0, lo: lo, hi: hi)) }
            }
            if p.z1 == q.z0 || q.z1 == p.z0 {
                let lo = max(p.x0, q.x0), hi = min(p.x1, q.x1)
                if hi - lo >= minSharedForDoor { edges.append(Edge(a: i, b: j, alongX: true, line: p.z1 == q.z0 ? p.z1 : p.z0, lo: lo, hi: hi)) }
            }
        } }
        func door(_ e: Edge) -> PlannedDoor {
            let clear = 90 + 2 * randomInt(&rng, 0, 5)
            let half = (clear + 8) / 2
            let c = randomInt(&rng, e.lo + doorMargin + half, e.hi - doorMargin - half)
            return PlannedDoor(a: e.a, b: e.b, alongX: e.alongX, line: e.line, center: c, clear: clear)
        }
        let isBath = rooms.map { $0.type == .bathroom }
        var visited = [Bool](repeating: false, count: rooms.count)
        visited[rooms.firstIndex { $0.type == .livingRoom }!] = true
        var used = [Bool](repeating: false, count: edges.count)
        var doors: [PlannedDoor] = []
        while visited.contains(false) {
            let frontier = edges.indices.filter { visited[edges[$0].a] != visited[edges[$0].b] }
            if frontier.isEmpty { return nil }
            let preferred = frontier.filter { !isBath[visited[edges[$0].a] ? edges[$0].a : edges[$0].b] }
            let choice = preferred.isEmpty ? frontier : preferred
            let e = choice[randomInt(&rng, 0, choice.count - 1)]
            used[e] = true
            visited[edges[e].a] = true; visited[edges[e].b] = true
            doors.append(door(edges[e]))
        }
        let extra = edges.indices.filter { !used[$0] && !isBath[edges[$0].a] && !isBath[edges[$0].b] }
        if !extra.isEmpty, chance(&rng, 0.4) { doors.append(door(edges[extra[randomInt(&rng, 0, extra.count - 1)]])) }
        return doors
    }

    /// Whether the room graph joined by doors is connected (union–find).
    var isConnected: Bool {
        var parent = Array(rooms.indices)
        func find(_ x: Int) -> Int { var x = x; while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }; return x }
        for d in doors { parent[find(d.a)] = find(d.b) }
        let root = find(0)
        return rooms.indices.allSatisfy { find($0) == root }
    }

    /// Wall centre-line segments (cm) after merging shared room edges and cutting doorway gaps. Walls along X are
    /// extended by half the wall thickness at their outer ends so corners close.
    func wallSegments() -> [WallSegment] {
        var raw: [WallSegment] = []
        for r in rooms.map(\.rect) {
            raw += [WallSegment(alongX: true, line: r.z0, lo: r.x0, hi: r.x1), WallSegment(alongX: true, line: r.z1, lo: r.x0, hi: r.x1),
                    WallSegment(alongX: false, line: r.x0, lo: r.z0, hi: r.z1), WallSegment(alongX: false, line: r.x1, lo: r.z0, hi: r.z1)]
        }
        raw.sort { ($0.alongX ? 0 : 1, $0.line, $0.lo, $0.hi) < ($1.alongX ? 0 : 1, $1.line, $1.lo, $1.hi) }
        var merged: [WallSegment] = []
        for s in raw {
            if let last = merged.last, last.alongX == s.alongX, last.line == s.line, s.lo <= last.hi {
                merged[merged.count - 1].hi = max(last.hi, s.hi)
            } else {
                merged.append(s)
            }
        }
        let half = Int(HouseGenerator.wallThickness * 100) / 2
        var out: [WallSegment] = []
        for s in merged {
            let gaps = doors.filter { $0.alongX == s.alongX && $0.line == s.line && $0.center > s.lo && $0.center < s.hi }
                .map { ($0.center - $0.gap / 2, $0.center + $0.gap / 2) }.sorted { $0.0 < $1.0 }
            var start = s.lo - (s.alongX ? half : 0)
            for (a, b) in gaps {
                if a > start { out.append(WallSegment(alongX: s.alongX, line: s.line, lo: start, hi: a)) }
                start = b
            }
            let end = s.hi + (s.alongX ? half : 0)
            if end > start { out.append(WallSegment(alongX: s.alongX, line: s.line, lo: start, hi: end)) }
        }
        return out
    }
}
