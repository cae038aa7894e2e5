import VLNCore

/// The furniture categories the house generator knows, with their plain-word semantic category, a size range and
/// a box/cylinder model. Sizes are metres: `width` along the wall, `depth` away from it, `height` up.
enum FurnitureKind: String, CaseIterable, Sendable {
    // bedroom
    case bed, nightstand, wardrobe, dresser, lamp, rug
    // kitchen
    case kitchenCounter = "kitchen counter", refrigerator, stove, sink, kitchenIsland = "kitchen island"
    case diningChair = "dining chair", trashCan = "trash can"
    // living room
    case sofa, armchair, coffeeTable = "coffee table", tvStand = "tv stand", tv, bookshelf, plant
    case floorLamp = "floor lamp"
    // bathroom
    case toilet, bathtub, shower, bathroomSink = "bathroom sink", towelRack = "towel rack", mirror
    // office
    case desk, officeChair = "office chair", filingCabinet = "filing cabinet", computerMonitor = "computer monitor"
    // dining room
    case diningTable = "dining table", sideboard
    // hallway
    case shoeRack = "shoe rack", coatRack = "coat rack", picture

    var category: String { rawValue }

    /// Whether the piece hangs on a wall (its parts start above the floor).
    var isWallMounted: Bool {
        switch self {
        case .lamp, .tv, .towelRack, .mirror, .computerMonitor, .picture: return true
        default: return false
        }
    }

    /// A random size (width, depth, height), metres, within the plausible range for the category.
    func randomSize(_ rng: inout SeededRandom) -> (w: Float, d: Float, h: Float) {
        func u(_ a: Float, _ b: Float) -> Float { snapCm(rng.uniform(a, b)) }
        switch self {
        case .bed:
            return rng.uniform(0, 1) < 0.75 ? (u(1.4, 1.8), u(2.0, 2.1), 0.55) : (u(0.9, 1.0), u(1.95, 2.05), 0.5)
        case .nightstand: return (u(0.4, 0.5), u(0.35, 0.42), u(0.5, 0.6))
        case .wardrobe: return (u(1.0, 1.6), u(0.55, 0.62), u(1.9, 2.1))
        case .dresser: return (u(0.8, 1.2), u(0.45, 0.5), u(0.75, 0.9))
        case .lamp: return (0.2, 0.18, 0.3)
        case .rug: return (u(1.2, 2.0), u(0.8, 1.4), 0.012)
        case .kitchenCounter: return (u(1.0, 2.0), 0.6, 0.9)
        case .refrigerator: return (u(0.6, 0.75), u(0.65, 0.72), u(1.7, 1.9))
        case .stove: return (0.6, 0.6, 0.9)
        case .sink: return (u(0.6, 0.9), 0.6, 0.9)
        case .kitchenIsland: return (u(1.2, 1.8), u(0.8, 0.9), 0.9)
        case .diningChair: return (0.45, 0.5, 0.9)
        case .trashCan: return (u(0.3, 0.38), 0, u(0.5, 0.65))
        case .sofa: return (u(1.8, 2.3), u(0.85, 0.95), u(0.8, 0.9))
        case .armchair: return (u(0.75, 0.9), u(0.75, 0.9), u(0.8, 0.9))
        case .coffeeTable: return (u(0.9, 1.2), u(0.5, 0.6), u(0.4, 0.45))
        case .tvStand: return (0, u(0.38, 0.45), u(0.45, 0.55))   // width follows the TV
        case .tv: return (u(0.9, 1.3), 0.06, 0)                    // height follows the width (16:9)
        case .bookshelf: return (u(0.8, 1.2), u(0.3, 0.36), u(1.8, 2.0))
        case .plant: return (u(0.4, 0.6), 0, u(0.8, 1.4))
        case .floorLamp: return (u(0.36, 0.44), 0, u(1.5, 1.75))
        case .toilet: return (0.4, u(0.65, 0.72), 0.8)
        case .bathtub: return (u(1.5, 1.7), u(0.7, 0.75), 0.55)
        case .shower: return (u(0.85, 0.95), u(0.85, 0.95), 2.0)
        case .bathroomSink: return (u(0.5, 0.7), u(0.42, 0.48), 0.85)
        case .towelRack: return (u(0.5, 0.7), 0.1, 0.5)
        case .mirror: return (0, 0.03, u(0.6, 0.8))                 // width follows the sink
        case .desk: return (u(1.2, 1.6), u(0.65, 0.75), 0.75)
        case .officeChair: return (0.6, 0.6, u(0.95, 1.1))
        case .filingCabinet: return (u(0.42, 0.5), u(0.55, 0.62), u(0.7, 1.3))
        case .computerMonitor: return (u(0.5, 0.65), 0.06, 0)
        case .diningTable: return (u(1.4, 1.8), u(0.85, 1.0), 0.75)
        case .sideboard: return (u(1.2, 1.6), u(0.42, 0.5), u(0.8, 0.9))
        case .shoeRack: return (u(0.6, 0.9), u(0.28, 0.34), u(0.45, 0.6))
        case .coatRack: return (0.44, 0, u(1.75, 1.85))
        case .picture: return (u(0.5, 0.9), 0.03, u(0.4, 0.6))
        }
    }

    /// The model in its local frame (x ∈ [0, w] along the wall, z ∈ [0, d] with the back at z = 0, front +z).
    /// Round pieces (`d == 0` in `randomSize`) use `w` as their diameter; callers pass `d = w` for them.
    func model(w: Float, d: Float, h: Float, _ rng: inout SeededRandom) -> [FurniturePart] {
        func pick(_ colors: [RGB8]) -> RGB8 { colors[Int(rng.next() % UInt64(colors.count))] }
        let wood = pick(Palette.woods), fabric = pick(Palette.fabrics)
        switch self {
        case .bed:
            let frame = wood, linen = pick(Palette.linens)
            var p: [FurniturePart] = [
                .box(Vec3(0, 0, 0), Vec3(w, 1.0, 0.06), frame),                      // headboard
                .box(Vec3(0, 0, 0.06), Vec3(w, 0.3, d), frame),                     // frame
                .box(Vec3(0.03, 0.3, 0.08), Vec3(w - 0.03, h - 0.04, d - 0.02), linen),  // mattress
                .box(Vec3(0.02, h - 0.04, 0.65), Vec3(w - 0.02, h, d - 0.01), fabric),   // blanket
            ]
            let pillows = w > 1.2 ? 2 : 1, pw = (w - 0.2) / Float(pillows) - 0.05
            for i in 0..<pillows {
                let x0 = 0.1 + Float(i) * (pw + 0.05)
                p.append(.box(Vec3(x0, h - 0.04, 0.12), Vec3(x0 + pw, h + 0.08, 0.5), Palette.white))
            }
            return p
        case .nightstand, .dresser, .filingCabinet:
            let body = self == .filingCabinet ? pick(Palette.metals) : wood
            let drawers = self == .nightstand ? 2 : (self == .dresser ? 3 : max(2, Int(h / 0.33)))
            var p: [FurniturePart] = [.box(Vec3(0, 0.04, 0), Vec3(w, h, d - 0.02), body),
                                      .box(Vec3(0.02, 0, 0.02), Vec3(w - 0.02, 0.04, d - 0.04), Palette.darkWood)]
            let dh = (h - 0.06) / Float(drawers)
            for i in 0..<drawers {
                let y0 = 0.05 + Float(i) * dh
                p.append(.box(Vec3(0.03, y0 + 0.01, d - 0.02), Vec3(w - 0.03, y0 + dh - 0.01, d - 0.005), shade(body, 1.12)))
                p.append(.box(Vec3(w / 2 - 0.06, y0 + dh / 2 - 0.01, d - 0.005), Vec3(w / 2 + 0.06, y0 + dh / 2 + 0.01, d),
                              Palette.brass))
            }
            return p
        case .wardrobe:
            return [.box(Vec3(0, 0, 0), Vec3(w, h, d - 0.02), wood),
                    .box(Vec3(0.02, 0.05, d - 0.02), Vec3(w / 2 - 0.005, h - 0.03, d - 0.005), shade(wood, 1.1)),
                    .box(Vec3(w / 2 + 0.005, 0.05, d - 0.02), Vec3(w - 0.02, h - 0.03, d - 0.005), shade(wood, 1.1)),
                    .box(Vec3(w / 2 - 0.06, 0.9, d - 0.005), Vec3(w / 2 - 0.04, 1.2, d), Palette.brass),
                    .box(Vec3(w / 2 + 0.04, 0.9, d - 0.005), Vec3(w / 2 + 0.06, 1.2, d), Palette.brass)]
        case .lamp:   // wall-mounted reading lamp
            return [.box(Vec3(w / 2 - 0.05, 1.25, 0), Vec3(w / 2 + 0.05, 1.4, 0.02), Palette.brass),
                    .box(Vec3(w / 2 - 0.015, 1.3, 0.02), Vec3(w / 2 + 0.015, 1.33, d - 0.08), Palette.brass),
                    .cylinder(x: w / 2, z: d - 0.09, bottom: 1.3, top: 1.5, radius: 0.09, segments: 10, pick(Palette.shades))]
        case .rug:
            let base = pick(Palette.rugs)
            return [.box(Vec3(0, 0, 0), Vec3(w, h * 0.6, d), base),
                    .box(Vec3(0.12, h * 0.6, 0.12), Vec3(w - 0.12, h, d - 0.12), shade(base, 1.25))]
        case .kitchenCounter, .sink:
            let cabinet = pick(Palette.cabinets), top = pick(Palette.countertops)
            var p: [FurniturePart] = [.box(Vec3(0, 0, 0), Vec3(w, 0.1, d - 0.06), Palette.darkWood),
                                      .box(Vec3(0, 0.1, 0), Vec3(w, h - 0.04, d - 0.02), cabinet),
                                      .box(Vec3(0, h - 0.04, 0), Vec3(w, h, d), top)]
            if self == .sink {
                p.append(.box(Vec3(0.08, h - 0.002, 0.1), Vec3(w - 0.08, h + 0.002, d - 0.1), Palette.steel))
                p.append(.cylinder(x: w / 2, z: 0.06, bottom: h, top: h + 0.3, radius: 0.015, segments: 8, Palette.steel))
            } else {
                let doors = max(1, Int(w / 0.5))
                let dw = w / Float(doors)
                for i in 0..<doors {
                    p.append(.box(Vec3(Float(i) * dw + 0.01, 0.12, d - 0.02), Vec3(Float(i + 1) * dw - 0.01, h - 0.06, d - 0.01),
                                  shade(cabinet, 1.08)))
                }
            }
            return p
        case .refrigerator:
            let body = pick([Palette.white, Palette.steel, RGB8(235, 235, 230)])
            return [.box(Vec3(0, 0, 0), Vec3(w, h, d - 0.03), body),
                    .box(Vec3(0.01, 0.02, d - 0.03), Vec3(w - 0.01, h * 0.62, d - 0.005), shade(body, 0.96)),
                    .box(Vec3(0.01, h * 0.62 + 0.01, d - 0.03), Vec3(w - 0.01, h - 0.02, d - 0.005), shade(body, 0.96)),
                    .box(Vec3(w - 0.08, h * 0.35, d - 0.005), Vec3(w - 0.06, h * 0.55, d), Palette.charcoal),
                    .box(Vec3(w - 0.08, h * 0.68, d - 0.005), Vec3(w - 0.06, h * 0.8, d), Palette.charcoal)]
        case .stove:
            let body = pick([Palette.white, Palette.steel])
            var p: [FurniturePart] = [.box(Vec3(0, 0, 0), Vec3(w, h - 0.02, d), body),
                                      .box(Vec3(0, h - 0.02, 0), Vec3(w, h, d), Palette.charcoal),
                                      .box(Vec3(0.08, 0.15, d - 0.005), Vec3(w - 0.08, 0.6, d), Palette.glass),
                                      .box(Vec3(0, h, 0), Vec3(w, h + 0.1, 0.05), body)]
            for (x, z) in [(w * 0.28, d * 0.32), (w * 0.72, d * 0.32), (w * 0.28, d * 0.7), (w * 0.72, d * 0.7)] {
                p.append(.cylinder(x: x, z: z, bottom: h, top: h + 0.01, radius: 0.09, segments: 10, Palette.black))
            }
            return p
        case .kitchenIsland:
            let cabinet = pick(Palette.cabinets), top = pick(Palette.countertops)
            return [.box(Vec3(0.05, 0, 0.05), Vec3(w - 0.05, h - 0.04, d - 0.2), cabinet),
                    .box(Vec3(0, h - 0.04, 0), Vec3(w, h, d), top)]
        case .diningChair:
            let seat = Float(0.46), leg = Float(0.035)
            var p: [FurniturePart] = []
            for (x, z) in [(0.02, 0.02), (w - 0.02 - leg, 0.02), (0.02, d - 0.02 - leg), (w - 0.02 - leg, d - 0.02 - leg)] {
                p.append(.box(Vec3(Float(x), 0, Float(z)), Vec3(Float(x) + leg, seat - 0.04, Float(z) + leg), wood))
            }
            p.append(.box(Vec3(0, seat - 0.04, 0), Vec3(w, seat, d), wood))
            p.append(.box(Vec3(0.01, seat, 0.01), Vec3(w - 0.01, seat + 0.03, d - 0.02), fabric))
            p.append(.box(Vec3(0.02, seat, 0.01), Vec3(w - 0.02, h, 0.05), wood))
            return p
        case .trashCan:
            let c = pick([Palette.steel, Palette.white, RGB8(60, 90, 70)])
            return [.cylinder(x: w / 2, z: w / 2, bottom: 0, top: h - 0.03, radius: w / 2, c),
                    .cylinder(x: w / 2, z: w / 2, bottom: h - 0.03, top: h, radius: w / 2, shade(c, 0.8))]
        case .sofa, .armchair:
            let arm = Float(0.16), seat = Float(0.42)
            return [.box(Vec3(0, 0.06, 0), Vec3(w, seat - 0.1, d), fabric),
                    .box(Vec3(0.04, 0, 0.04), Vec3(w - 0.04, 0.06, d - 0.04), Palette.darkWood),
                    .box(Vec3(arm, seat - 0.1, 0.2), Vec3(w - arm, seat, d - 0.02), shade(fabric, 1.1)),
                    .box(Vec3(0, seat - 0.1, 0), Vec3(w, h, 0.2), fabric),
                    .box(Vec3(0, seat - 0.1, 0.2), Vec3(arm, 0.62, d), shade(fabric, 0.92)),
                    .box(Vec3(w - arm, seat - 0.1, 0.2), Vec3(w, 0.62, d), shade(fabric, 0.92))]
        case .coffeeTable, .diningTable, .desk:
            let leg = Float(0.05), top = Float(self == .coffeeTable ? 0.04 : 0.03)
            var p: [FurniturePart] = [.box(Vec3(0, h - top, 0), Vec3(w, h, d), self == .desk ? pick(Palette.desks) : wood)]
            for (x, z) in [(0.03, 0.03), (w - 0.03 - leg, 0.03), (0.03, d - 0.03 - leg), (w - 0.03 - leg, d - 0.03 - leg)] {
                p.append(.box(Vec3(Float(x), 0, Float(z)), Vec3(Float(x) + leg, h - top, Float(z) + leg), shade(wood, 0.85)))
            }
            if self == .coffeeTable { p.append(.box(Vec3(0.08, 0.12, 0.08), Vec3(w - 0.08, 0.14, d - 0.08), shade(wood, 0.9))) }
            if self == .desk {
                p.append(.box(Vec3(w - 0.45, 0, 0.05), Vec3(w - 0.05, h - top, d - 0.05), pick(Palette.metals)))
                p.append(.box(Vec3(0.3, h, d * 0.45), Vec3(0.75, h + 0.02, d * 0.45 + 0.16), Palette.charcoal))   // keyboard
            }
            return p
        case .tvStand, .sideboard, .shoeRack:
            var p: [FurniturePart] = [.box(Vec3(0, 0.05, 0), Vec3(w, h, d), wood),
                                      .box(Vec3(0.03, 0, 0.03), Vec3(w - 0.03, 0.05, d - 0.03), Palette.darkWood)]
            if self == .shoeRack {
                p[0] = .box(Vec3(0, h - 0.03, 0), Vec3(w, h, d), wood)
                p.append(.box(Vec3(0, 0.05, 0), Vec3(0.03, h - 0.03, d), wood))
                p.append(.box(Vec3(w - 0.03, 0.05, 0), Vec3(w, h - 0.03, d), wood))
                p.append(.box(Vec3(0.03, h / 2, 0), Vec3(w - 0.03, h / 2 + 0.02, d), wood))
                var x = Float(0.06)
                while x + 0.1 < w - 0.05 {
                    p.append(.box(Vec3(x, 0.05, 0.04), Vec3(x + 0.1, 0.14, d - 0.02), pick(Palette.books)))
                    x += 0.16
                }
            } else {
                let doors = max(2, Int(w / 0.45)), dw = (w - 0.04) / Float(doors)
                for i in 0..<doors {
                    p.append(.box(Vec3(0.02 + Float(i) * dw + 0.005, 0.08, d - 0.005), Vec3(0.02 + Float(i + 1) * dw - 0.005, h - 0.04, d),
                                  shade(wood, 1.12)))
                }
            }
            return p
        case .tv:
            let hh = w * 9 / 16, y0 = Float(1.0)
            return [.box(Vec3(w / 2 - 0.15, y0 + hh * 0.3, 0), Vec3(w / 2 + 0.15, y0 + hh * 0.7, 0.02), Palette.charcoal),
                    .box(Vec3(0, y0, 0.02), Vec3(w, y0 + hh, d), Palette.black),
                    .box(Vec3(0.02, y0 + 0.02, d - 0.002), Vec3(w - 0.02, y0 + hh - 0.02, d), RGB8(25, 30, 40))]
        case .bookshelf:
            var p: [FurniturePart] = [.box(Vec3(0, 0, 0), Vec3(w, h, 0.02), wood),
                                      .box(Vec3(0, 0, 0), Vec3(0.02, h, d), wood),
                                      .box(Vec3(w - 0.02, 0, 0), Vec3(w, h, d), wood),
                                      .box(Vec3(0.02, h - 0.02, 0), Vec3(w - 0.02, h, d), wood)]
            let shelves = max(3, Int(h / 0.38))
            let sh = (h - 0.02) / Float(shelves)
            for i in 0..<shelves {
                let y = Float(i) * sh
                p.append(.box(Vec3(0.02, y, 0.02), Vec3(w - 0.02, y + 0.02, d), wood))
                var x = Float(0.03)
                while true {   // a row of books on the shelf
                    let bw = snapCm(rng.uniform(0.03, 0.07)), bh = min(sh - 0.05, snapCm(rng.uniform(0.18, 0.3)))
                    if x + bw > w - 0.03 { break }
                    if rng.uniform(0, 1) < 0.85 {
                        p.append(.box(Vec3(x, y + 0.02, 0.04), Vec3(x + bw, y + 0.02 + bh, d - 0.02), pick(Palette.books)))
                    }
                    x += bw + 0.005
                    if p.count > 120 { break }
                }
            }
            return p
        case .plant:
            let r = w / 2, pot = min(0.35, h * 0.3)
            return [.cylinder(x: r, z: r, bottom: 0, top: pot, radius: r * 0.6, pick(Palette.pots)),
                    .cylinder(x: r, z: r, bottom: pot, top: pot + 0.02, radius: r * 0.55, segments: 10, RGB8(70, 50, 35)),
                    .cylinder(x: r, z: r, bottom: pot + 0.02, top: h, radius: r, segments: 10, pick(Palette.leaves)),
                    .cylinder(x: r, z: r, bottom: h, top: h + 0.12, radius: r * 0.6, segments: 8, pick(Palette.leaves))]
        case .floorLamp, .coatRack:
            let r = w / 2
            var p: [FurniturePart] = [.cylinder(x: r, z: r, bottom: 0, top: 0.03, radius: r * 0.7, Palette.charcoal),
                                      .cylinder(x: r, z: r, bottom: 0.03, top: h - 0.05, radius: 0.015, segments: 8,
                                                self == .floorLamp ? Palette.brass : wood)]
            if self == .floorLamp {
                p.append(.cylinder(x: r, z: r, bottom: h - 0.3, top: h, radius: r, pick(Palette.shades)))
            } else {
                p.append(.cylinder(x: r, z: r, bottom: h - 0.05, top: h, radius: 0.03, segments: 8, wood))
                p.append(.box(Vec3(r - r * 0.8, h - 0.25, r - 0.015), Vec3(r + r * 0.8, h - 0.22, r + 0.015), wood))
                p.append(.box(Vec3(r - 0.015, h - 0.25, r - r * 0.8), Vec3(r + 0.015, h - 0.22, r + r * 0.8), wood))
                p.append(.box(Vec3(r + 0.02, h - 0.7, r - 0.12), Vec3(r + 0.18, h - 0.26, r + 0.1), fabric))   // a coat
            }
            return p
        case .toilet:
            return [.box(Vec3(0.02, 0.4, 0), Vec3(w - 0.02, h, 0.2), Palette.porcelain),
                    .cylinder(x: w / 2, z: 0.42, bottom: 0, top: 0.38, radius: 0.17, Palette.porcelain),
                    .box(Vec3(w / 2 - 0.1, 0, 0.15), Vec3(w / 2 + 0.1, 0.3, 0.4), Palette.porcelain),
                    .cylinder(x: w / 2, z: 0.43, bottom: 0.38, top: 0.41, radius: 0.19, pick([Palette.white, Palette.porcelain, Palette.woods[0]]))]
        case .bathtub:
            let t = Float(0.07)
            return [.box(Vec3(0, 0, 0), Vec3(w, 0.12, d), Palette.porcelain),
                    .box(Vec3(0, 0.12, 0), Vec3(w, h, t), Palette.porcelain),
                    .box(Vec3(0, 0.12, d - t), Vec3(w, h, d), Palette.porcelain),
                    .box(Vec3(0, 0.12, t), Vec3(t, h, d - t), Palette.porcelain),
                    .box(Vec3(w - t, 0.12, t), Vec3(w, h, d - t), Palette.porcelain),
                    .box(Vec3(t, 0.12, t), Vec3(w - t, 0.35, d - t), RGB8(190, 215, 230)),   // water
                    .cylinder(x: 0.12, z: 0.04, bottom: h, top: h + 0.15, radius: 0.015, segments: 8, Palette.steel)]
        case .shower:
            return [.box(Vec3(0, 0, 0), Vec3(w, 0.08, d), Palette.porcelain),
                    .box(Vec3(w - 0.01, 0.08, 0), Vec3(w, h, d), Palette.glass),
                    .box(Vec3(0, 0.08, d - 0.01), Vec3(w - 0.01, h, d), Palette.glass),
                    .box(Vec3(w / 2 - 0.01, 0.9, 0), Vec3(w / 2 + 0.01, 1.9, 0.03), Palette.steel),
                    .cylinder(x: w / 2, z: 0.14, bottom: 1.85, top: 1.88, radius: 0.1, segments: 10, Palette.steel),
                    .box(Vec3(w / 2 - 0.01, 1.88, 0), Vec3(w / 2 + 0.01, 1.9, 0.14), Palette.steel)]
        case .bathroomSink:
            return [.box(Vec3(0.05, 0, 0), Vec3(w - 0.05, h - 0.15, d - 0.05), pick(Palette.cabinets)),
                    .box(Vec3(0, h - 0.15, 0), Vec3(w, h, d), Palette.porcelain),
                    .box(Vec3(0.08, h - 0.001, 0.1), Vec3(w - 0.08, h + 0.001, d - 0.06), RGB8(200, 205, 210)),
                    .cylinder(x: w / 2, z: 0.05, bottom: h, top: h + 0.2, radius: 0.012, segments: 8, Palette.steel)]
        case .towelRack:
            let towel = pick(Palette.towels)
            return [.box(Vec3(0, 1.1, 0), Vec3(0.03, 1.16, d), Palette.steel),
                    .box(Vec3(w - 0.03, 1.1, 0), Vec3(w, 1.16, d), Palette.steel),
                    .box(Vec3(0, 1.12, d - 0.03), Vec3(w, 1.14, d - 0.01), Palette.steel),
                    .box(Vec3(0.05, 0.75, d - 0.06), Vec3(w - 0.05, 1.15, d - 0.02), towel)]
        case .mirror:
            return [.box(Vec3(0, 1.25, 0), Vec3(w, 1.25 + h, 0.01), Palette.darkWood),
                    .box(Vec3(0.02, 1.27, 0.01), Vec3(w - 0.02, 1.23 + h, d), RGB8(200, 215, 225))]
        case .officeChair:
            let c = pick([Palette.black, Palette.charcoal, RGB8(40, 60, 110)])
            return [.cylinder(x: w / 2, z: d / 2, bottom: 0, top: 0.06, radius: w / 2, segments: 10, Palette.charcoal),
                    .cylinder(x: w / 2, z: d / 2, bottom: 0.06, top: 0.42, radius: 0.03, segments: 8, Palette.steel),
                    .box(Vec3(0.05, 0.42, 0.05), Vec3(w - 0.05, 0.5, d - 0.05), c),
                    .box(Vec3(0.08, 0.5, 0.02), Vec3(w - 0.08, h, 0.08), c)]
        case .computerMonitor:   // on a wall arm above the desk
            let hh = w * 0.6
            return [.box(Vec3(w / 2 - 0.05, 1.0, 0), Vec3(w / 2 + 0.05, 1.1, 0.02), Palette.charcoal),
                    .box(Vec3(0, 0.95, 0.02), Vec3(w, 0.95 + hh, d), Palette.black),
                    .box(Vec3(0.015, 0.965, d - 0.002), Vec3(w - 0.015, 0.935 + hh, d), RGB8(30, 45, 70))]
        case .picture:
            let y0 = Float(1.35)
            return [.box(Vec3(0, y0, 0), Vec3(w, y0 + h, d - 0.01), pick([Palette.darkWood, Palette.black, Palette.brass])),
                    .box(Vec3(0.04, y0 + 0.04, d - 0.01), Vec3(w - 0.04, y0 + h - 0.04, d), pick(Palette.art))]
        }
    }
}

/// Rounds metres to whole centimetres (keeps generated sizes tidy and exactly reproducible).
func snapCm(_ x: Float) -> Float { (x * 100).rounded() / 100 }

/// Scales a colour's brightness by `f` (clamped).
func shade(_ c: RGB8, _ f: Float) -> RGB8 { RGB8(unit: c.unit * f) }

/// Plausible albedos per material.
enum Palette {
    static let white = RGB8(245, 245, 242), black = RGB8(20, 20, 22), charcoal = RGB8(55, 55, 60)
    static let steel = RGB8(175, 180, 185), brass = RGB8(180, 150, 80), glass = RGB8(190, 210, 220)
    static let porcelain = RGB8(240, 242, 245), darkWood = RGB8(70, 48, 32)
    static let woods = [RGB8(160, 115, 70), RGB8(130, 90, 55), RGB8(190, 150, 100), RGB8(105, 70, 45), RGB8(205, 175, 130)]
    static let fabrics = [RGB8(110, 120, 135), RGB8(150, 60, 55), RGB8(70, 95, 80), RGB8(190, 180, 160), RGB8(60, 70, 110),
                          RGB8(120, 110, 100)]
    static let linens = [RGB8(240, 238, 230), RGB8(225, 230, 240), RGB8(235, 225, 215)]
    static let rugs = [RGB8(150, 50, 45), RGB8(60, 80, 120), RGB8(180, 160, 120), RGB8(90, 110, 80)]
    static let cabinets = [RGB8(235, 235, 230), RGB8(120, 140, 150), RGB8(160, 115, 70), RGB8(60, 70, 65)]
    static let countertops = [RGB8(60, 60, 62), RGB8(210, 205, 195), RGB8(140, 130, 120)]
    static let books = [RGB8(150, 40, 40), RGB8(40, 70, 130), RGB8(50, 110, 60), RGB8(200, 170, 60), RGB8(90, 60, 110),
                        RGB8(220, 215, 200), RGB8(30, 30, 35)]
    static let pots = [RGB8(170, 90, 60), RGB8(230, 230, 225), RGB8(60, 60, 65)]
    static let leaves = [RGB8(50, 110, 50), RGB8(70, 130, 60), RGB8(40, 90, 45)]
    static let shades = [RGB8(240, 230, 200), RGB8(230, 225, 215), RGB8(200, 190, 170)]
    static let metals = [RGB8(150, 155, 160), RGB8(90, 95, 100), RGB8(200, 200, 195)]
    static let desks = [RGB8(205, 175, 130), RGB8(240, 240, 235), RGB8(60, 60, 62), RGB8(160, 115, 70)]
    static let towels = [RGB8(240, 240, 240), RGB8(100, 150, 200), RGB8(200, 120, 110)]
    static let art = [RGB8(70, 120, 170), RGB8(200, 140, 60), RGB8(120, 160, 90), RGB8(180, 80, 90)]
}
