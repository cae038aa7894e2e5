import Foundation
import VLNCore
import VLNDraw
import VLNMemory

/// Top-down pictures of a token memory: `patches.png`, `instances.png`, `zones.png`.
///
/// View: the memory's XZ plane seen from +Y (above), world +x to the right and +z downwards (−z up), as the
/// simulator's `trajectory.png`. Patches more than `ceilingMargin` above the highest camera (ceilings, which would
/// cover everything) are not drawn, nor instances whose centre is there; zones are all drawn. Each picture has a
/// title, a scale bar and the camera path (thin black line, open circle at the first camera, filled at the last).
struct MemoryMaps {
    let memory: TokenMemory
    let labeller: MemoryLabeller
    /// Camera centres, memory frame, in order.
    let cameraPath: [Vec3]
    /// First line of every picture.
    let title: String
    /// Features and grid, in words (second line).
    let featureNote: String
    /// Metres above the highest camera beyond which patches and instances are not drawn.
    let ceilingMargin: Float = 1.0

    private let margin = 14, header = 36, footer = 44
    /// Live patches: id, position, metric side.
    private let drawn: [(id: Int32, position: Vec3, scale: Float)]
    private let heightCut: Float
    private let lower: Vec2, upper: Vec2
    /// Pixels per metre.
    let pixelsPerMetre: Float
    private let width: Int, height: Int, offsetX: Float

    init(memory: TokenMemory, labeller: MemoryLabeller, cameraPath: [Vec3], title: String, featureNote: String) {
        self.memory = memory; self.labeller = labeller; self.cameraPath = cameraPath; self.title = title; self.featureNote = featureNote
        let cut = (cameraPath.map(\.y).max() ?? .infinity) + ceilingMargin
        heightCut = cut
        drawn = memory.livePatchIDs.compactMap { id in memory.patch(id).map { (id, $0.position, $0.scale) } }
            .filter { $0.position.y <= cut }.sorted { ($0.position.y, $0.id) < ($1.position.y, $1.id) }
        var lo = Vec2(repeating: .infinity), hi = Vec2(repeating: -.infinity)
        for p in drawn.map(\.position) + cameraPath {
            lo = pointwiseMin(lo, Vec2(p.x, p.z)); hi = pointwiseMax(hi, Vec2(p.x, p.z))
        }
        if lo.x > hi.x { lo = Vec2(-1, -1); hi = Vec2(1, 1) }
        lo -= 0.4; hi += 0.4
        lower = lo; upper = hi
        let longer = max(hi.x - lo.x, hi.y - lo.y)
        // At least 20 px/m, but no picture side above 4,000 px (a recording with a pose hundreds of metres off).
        pixelsPerMetre = min(min(400, max(20, 760 / longer)), 4000 / longer)
        let mapW = Int(((hi.x - lo.x) * pixelsPerMetre).rounded(.up)), mapH = Int(((hi.y - lo.y) * pixelsPerMetre).rounded(.up))
        width = max(mapW + 2 * margin, 600)
        height = mapH + 2 * margin + header + footer
        offsetX = Float(width - mapW) / 2
    }

    /// Pixel of a world point (x right, z down).
    func pixel(_ p: Vec3) -> Vec2 {
        Vec2(offsetX + (p.x - lower.x) * pixelsPerMetre, Float(margin + header) + (p.z - lower.y) * pixelsPerMetre)
    }

    // MARK: - The three pictures

    /// Every drawn patch as a square of its metric side, coloured by the first three principal components of the
    /// patch features (see `FeatureProjection`).
    func patches() -> RGBImage {
        var canvas = base(subtitle: "patches: \(memory.livePatchCount) live (\(drawn.count) drawn), colour = top 3 principal components of their features")
        let features = drawn.map { memory.patchFeature($0.id)! }
        let colours = FeatureProjection(features).colours
        for (k, p) in drawn.enumerated() { square(&canvas, p.position, side: p.scale, colour: colours[k]) }
        path(&canvas)
        footer(&canvas, legend: "R, G, B = principal components 1-3 of the distinct patch features, 2nd-98th percentile -> 0-255")
        return canvas.image
    }

    /// Every drawn instance as the XZ box of its patches in its own colour, labelled with its best name.
    func instances() -> RGBImage {
        let shown = memory.liveInstanceIDs.compactMap { id -> (id: Int32, token: InstanceToken, label: String)? in
            guard let t = memory.instance(id), t.centre.y <= heightCut else { return nil }
            return (id, t, labeller.label(memory.instanceFeature(id)!).name)
        }
        var canvas = base(subtitle: "instances: \(memory.liveInstanceCount) live (\(shown.count) drawn), boxes of their patches, labels: \(labeller.kind)")
        for p in drawn { square(&canvas, p.position, side: p.scale, colour: RGB8(222, 222, 222)) }
        func area(_ t: InstanceToken) -> Float { (t.upper.x - t.lower.x) * (t.upper.z - t.lower.z) }
        let byArea = shown.sorted { (area($0.token), $1.id) > (area($1.token), $0.id) }
        for s in byArea {
            let a = pixel(s.token.lower), b = pixel(s.token.upper), colour = instanceColor(UInt32(s.id) + 1)
            let x = Int(a.x.rounded(.down)), y = Int(a.y.rounded(.down))
            let w = max(3, Int(b.x.rounded(.up)) - x), h = max(3, Int(b.y.rounded(.up)) - y)
            canvas.blendRect(x: x, y: y, width: w, height: h, color: colour, alpha: 0.2)
            canvas.strokeRect(x: x, y: y, width: w, height: h, color: colour, lineWidth: 2)
        }
        path(&canvas)
        var layout = reservedLayout(canvas)
        for s in shown.sorted(by: { ($0.token.patchCount, $1.id) > ($1.token.patchCount, $0.id) }) {
            let c = pixel(s.token.centre)
            canvas.fillCircle(center: c, radius: 2.5, color: instanceColor(UInt32(s.id) + 1).darker)
            layout.place(ascii(s.label), at: c + Vec2(0, -8), on: &canvas, color: .black, background: RGB8(255, 255, 240))
        }
        footer(&canvas, legend: "dot: instance centre (mean of its patches); labels placed in order of patch count")
        return canvas.image
    }

    /// The fixed zone grid (`zoneSize` cells in XZ); each column holding live zones is shaded by its zones' instance
    /// count and labelled with each zone's best name and count (one line per zone, lowest first).
    func zones() -> RGBImage {
        let size = memory.configuration.zoneSize
        let live = memory.liveZoneIDs.compactMap { memory.zone($0) }
        var canvas = base(subtitle: "zones: \(live.count) live on the \(formatMetres(size)) grid, shaded by instance count, labelled with their best \(labeller.kind == "scene categories" ? "category" : "name")")
        for p in drawn { square(&canvas, p.position, side: p.scale, colour: RGB8(228, 228, 228)) }
        var columns: [SIMD2<Int32>: [ZoneToken]] = [:]
        for z in live { columns[SIMD2(z.cell.x, z.cell.z), default: []].append(z) }
        let maxCount = max(1, columns.values.map { $0.reduce(0) { $0 + $1.instances.count } }.max() ?? 1)
        // Grid lines over the drawn extent.
        let gx0 = Int32((lower.x / size).rounded(.down)), gx1 = Int32((upper.x / size).rounded(.up))
        let gz0 = Int32((lower.y / size).rounded(.down)), gz1 = Int32((upper.y / size).rounded(.up))
        let top = pixel(Vec3(0, 0, lower.y)).y, bottom = pixel(Vec3(0, 0, upper.y)).y
        let left = pixel(Vec3(lower.x, 0, 0)).x, right = pixel(Vec3(upper.x, 0, 0)).x
        for (cell, zs) in columns.sorted(by: { ($0.key.y, $0.key.x) < ($1.key.y, $1.key.x) }) {
            let count = zs.reduce(0) { $0 + $1.instances.count }
            let a = pixel(Vec3(Float(cell.x) * size, 0, Float(cell.y) * size)), b = pixel(Vec3(Float(cell.x + 1) * size, 0, Float(cell.y + 1) * size))
            // Clipped to the drawn extent (a cell may reach past it).
            let x0 = max(Int(a.x), Int(left)), x1 = min(Int(b.x), Int(right)), y0 = max(Int(a.y), Int(top)), y1 = min(Int(b.y), Int(bottom))
            canvas.blendRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0,
                             color: Palette.ramp(0.15 + 0.7 * Float(count) / Float(maxCount)), alpha: 0.8)
        }
        for i in gx0...gx1 {
            let x = pixel(Vec3(Float(i) * size, 0, 0)).x
            if x >= left && x <= right { canvas.drawLine(from: Vec2(x, top), to: Vec2(x, bottom), color: RGB8(150, 150, 150)) }
        }
        for j in gz0...gz1 {
            let y = pixel(Vec3(0, 0, Float(j) * size)).y
            if y >= top && y <= bottom { canvas.drawLine(from: Vec2(left, y), to: Vec2(right, y), color: RGB8(150, 150, 150)) }
        }
        path(&canvas)
        var layout = reservedLayout(canvas)
        for (cell, zs) in columns.sorted(by: { ($0.key.y, $0.key.x) < ($1.key.y, $1.key.x) }) {
            // The centre of the cell's visible part.
            let a = pixel(Vec3(Float(cell.x) * size, 0, Float(cell.y) * size)), b = pixel(Vec3(Float(cell.x + 1) * size, 0, Float(cell.y + 1) * size))
            let centre = Vec2((max(a.x, left) + min(b.x, right)) / 2, (max(a.y, top) + min(b.y, bottom)) / 2)
            let lines = zs.sorted { $0.cell.y < $1.cell.y }.map { z -> String in
                let name = labeller.label(memory.zoneFeature(z.id)!).name
                let y0 = Float(z.cell.y) * size
                return zs.count > 1 ? String(format: "y %g..%g m: %@ (%d)", y0, y0 + size, name, z.instances.count) : "\(name) (\(z.instances.count))"
            }
            for z in zs { canvas.fillCircle(center: pixel(z.centre), radius: 2.5, color: .black) }
            layout.place(ascii(lines.joined(separator: "\n")), at: centre, on: &canvas, color: .black, background: RGB8(255, 255, 255))
        }
        footer(&canvas, legend: "shade: instances per column of zones (0 lightest, \(maxCount) darkest); (n): instances; dot: zone centre")
        return canvas.image
    }

    // MARK: - Parts

    private func base(subtitle: String) -> Canvas {
        var canvas = Canvas(width: width, height: height, background: .white)
        // 1 m grid, faint.
        let x0 = Int(lower.x.rounded(.up)), x1 = Int(upper.x.rounded(.down)), z0 = Int(lower.y.rounded(.up)), z1 = Int(upper.y.rounded(.down))
        let top = pixel(Vec3(0, 0, lower.y)).y, bottom = pixel(Vec3(0, 0, upper.y)).y
        let left = pixel(Vec3(lower.x, 0, 0)).x, right = pixel(Vec3(upper.x, 0, 0)).x
        if x0 <= x1 { for i in x0...x1 { let x = pixel(Vec3(Float(i), 0, 0)).x; canvas.drawLine(from: Vec2(x, top), to: Vec2(x, bottom), color: RGB8(238, 238, 238)) } }
        if z0 <= z1 { for j in z0...z1 { let y = pixel(Vec3(0, 0, Float(j))).y; canvas.drawLine(from: Vec2(left, y), to: Vec2(right, y), color: RGB8(238, 238, 238)) } }
        canvas.drawText(clip(ascii(title + " - " + featureNote), width), x: margin, y: 6, color: .black)
        canvas.drawText(clip(ascii(subtitle), width), x: margin, y: 20, color: RGB8(60, 60, 60))
        return canvas
    }

    /// A label layout that keeps labels off the title and footer.
    private func reservedLayout(_ canvas: Canvas) -> LabelLayout {
        var layout = LabelLayout()
        layout.reserve(x: 0, y: 0, width: canvas.width, height: header + 4)
        layout.reserve(x: 0, y: canvas.height - footer, width: canvas.width, height: footer)
        return layout
    }

    private func footer(_ canvas: inout Canvas, legend: String) {
        let y = height - footer
        canvas.fillRect(x: 0, y: y, width: width, height: footer, color: .white)
        canvas.drawScaleBar(x: margin, y: y + 18, pixelsPerMetre: pixelsPerMetre, maxPixels: 150)
        let axes = "top view: +x right, -z up (as trajectory.png); grid 1 m"
        canvas.drawText(axes, x: width - margin - Canvas.textSize(axes).width, y: y + 6, color: RGB8(90, 90, 90))
        canvas.drawText(clip(ascii(legend), width), x: margin, y: y + 26, color: RGB8(60, 60, 60))
    }

    private func square(_ canvas: inout Canvas, _ p: Vec3, side: Float, colour: RGB8) {
        let c = pixel(p), s = max(2, side * pixelsPerMetre)
        canvas.fillRect(x: Int((c.x - s / 2).rounded()), y: Int((c.y - s / 2).rounded()), width: Int(s.rounded()), height: Int(s.rounded()), color: colour)
    }

    private func path(_ canvas: inout Canvas) {
        guard let first = cameraPath.first, let last = cameraPath.last else { return }
        canvas.drawPolyline(cameraPath.map(pixel), color: .black, width: 1.5)
        canvas.strokeCircle(center: pixel(first), radius: 5, color: .black, width: 2)
        canvas.fillCircle(center: pixel(last), radius: 4, color: .black)
    }

    private func clip(_ s: String, _ width: Int) -> String {
        let columns = max(10, (width - 2 * margin) / BitmapFont.advance)
        return s.count <= columns ? s : String(s.prefix(columns - 3)) + "..."
    }
}

func formatMetres(_ v: Float) -> String { String(format: "%g m", v) }

/// `s` with the characters the bitmap font lacks replaced: × → x, − and – → -, … → ..., others → ?.
func ascii(_ s: String) -> String {
    var out = ""
    for ch in s {
        switch ch {
        case "×": out += "x"
        case "−", "–", "—": out += "-"
        case "…": out += "..."
        case "→": out += "->"
        default: out += ch.isASCII ? String(ch) : "?"
        }
    }
    return out
}

extension RGB8 {
    /// 60 % of the colour (for markers on a fill of the colour).
    var darker: RGB8 { RGB8(unit: unit * 0.6) }
}

/// Colours for features: the projection of each feature on the first three principal components of the set,
/// found by orthogonal (subspace) power iteration from a fixed seed — deterministic — and mapped to R, G, B by
/// robust min/max (the 2nd and 98th percentiles of each component map to 0 and 255, clamped). The components and
/// the percentiles come from the *distinct* features (exact duplicates count once: with ground-truth features every
/// category then weighs the same, instead of the floor and walls taking the whole colour range), at most
/// `maxFitRows` of them (every k-th); all features are projected. A component with no spread (fewer than four
/// distinct features) is drawn at mid-level.
struct FeatureProjection {
    let colours: [RGB8]
    static let maxFitRows = 4000, iterations = 60

    init(_ features: [[Float]]) {
        guard let d = features.first?.count, d > 0 else { colours = features.map { _ in RGB8(128, 128, 128) }; return }
        var seen = Set<[Float]>()
        let distinct = features.filter { seen.insert($0).inserted }
        let n = distinct.count, stride = max(1, (n + Self.maxFitRows - 1) / Self.maxFitRows)
        let fit = Swift.stride(from: 0, to: n, by: stride).map { distinct[$0] }
        var mean = [Float](repeating: 0, count: d)
        for f in fit { for j in 0..<d { mean[j] += f[j] } }
        for j in 0..<d { mean[j] /= Float(fit.count) }
        let centred = fit.map { f in (0..<d).map { f[$0] - mean[$0] } }
        let k = min(3, d)
        var rng = SeededRandom(seed: 1)
        var basis = (0..<k).map { _ in (0..<d).map { _ in rng.uniform(-1, 1) } }
        Self.orthonormalise(&basis)
        for _ in 0..<Self.iterations {
            // basis ← orthonormalise(Xᵀ X basis)
            var next = [[Float]](repeating: [Float](repeating: 0, count: d), count: k)
            for x in centred {
                for c in 0..<k {
                    var s: Float = 0
                    for j in 0..<d { s += x[j] * basis[c][j] }
                    for j in 0..<d { next[c][j] += s * x[j] }
                }
            }
            basis = next
            Self.orthonormalise(&basis)
        }
        for c in 0..<k {   // sign: the largest-magnitude entry positive
            if let m = basis[c].indices.max(by: { abs(basis[c][$0]) < abs(basis[c][$1]) }), basis[c][m] < 0 { basis[c] = basis[c].map { -$0 } }
        }
        func project(_ f: [Float]) -> [Float] {
            (0..<3).map { c in
                guard c < k else { return 0 }
                var s: Float = 0
                for j in 0..<d { s += (f[j] - mean[j]) * basis[c][j] }
                return s
            }
        }
        let fitted = fit.map(project)
        var ranges: [(Float, Float)] = []
        for c in 0..<3 {
            let v = fitted.map { $0[c] }.sorted()
            ranges.append((v[Int(Float(v.count - 1) * 0.02)], v[Int(Float(v.count - 1) * 0.98)]))
        }
        colours = features.map(project).map { p in
            RGB8(unit: Vec3((0..<3).map { c -> Float in
                let (lo, hi) = ranges[c]
                return hi - lo > 1e-6 ? (p[c] - lo) / (hi - lo) : 0.5
            }))
        }
    }

    /// Modified Gram–Schmidt; a vector that vanishes becomes zero.
    private static func orthonormalise(_ v: inout [[Float]]) {
        for i in v.indices {
            for j in 0..<i {
                var s: Float = 0
                for t in v[i].indices { s += v[i][t] * v[j][t] }
                for t in v[i].indices { v[i][t] -= s * v[j][t] }
            }
            let n = v[i].reduce(0) { $0 + $1 * $1 }.squareRoot()
            v[i] = n > 1e-20 ? v[i].map { $0 / n } : v[i].map { _ in 0 }
        }
    }
}
