import VLNCore

/// Raster drawing into an `RGBImage`, for top-down maps and overlays. No anti-aliasing.
///
/// Units and conventions:
/// - All coordinates are **pixels**; the origin is the **top-left** corner of the image, **x grows right**,
///   **y grows down**.
/// - Integer coordinates (`setPixel`, rects, text) address whole pixels: pixel `(x, y)` is column `x`, row `y`.
/// - Float coordinates (`Vec2`: lines, circles, triangles, arrows) are continuous: pixel `(x, y)` covers the
///   square `[x, x+1) × [y, y+1)` and its centre is `(x + 0.5, y + 0.5)`. A shape covers a pixel when it
///   contains the pixel's centre.
/// - Everything is clipped to the image: drawing partly or wholly outside, with huge or non-finite
///   coordinates, never traps (non-finite shapes draw nothing).
public struct Canvas: Sendable {
    /// The image drawn into.
    public var image: RGBImage

    /// Image width, pixels.
    public var width: Int { image.width }
    /// Image height, pixels.
    public var height: Int { image.height }

    /// Wraps an existing image.
    public init(image: RGBImage) { self.image = image }

    /// A new `width × height` image filled with `background`.
    /// - Precondition: `width, height ≥ 0`.
    public init(width: Int, height: Int, background: RGB8 = .white) {
        image = RGBImage(width: width, height: height, fill: background)
    }

    // MARK: Pixels

    /// Fills the whole image with `color`.
    public mutating func fill(_ color: RGB8) {
        for i in image.pixels.indices { image.pixels[i] = color }
    }

    /// Sets pixel `(x, y)`; does nothing outside the image.
    @inlinable public mutating func setPixel(x: Int, y: Int, _ color: RGB8) {
        guard image.contains(x: x, y: y) else { return }
        image.pixels[y * image.width + x] = color
    }

    /// The colour of pixel `(x, y)`, or nil outside the image.
    public func pixel(x: Int, y: Int) -> RGB8? {
        image.contains(x: x, y: y) ? image.pixels[y * image.width + x] : nil
    }

    /// Mixes `color` into pixel `(x, y)`: `old · (1 − alpha) + color · alpha`, rounded; `alpha` is clamped to
    /// [0, 1] (NaN counts as 0). Does nothing outside the image.
    public mutating func blend(x: Int, y: Int, color: RGB8, alpha: Float) {
        guard image.contains(x: x, y: y) else { return }
        let a = alpha.isNaN ? 0 : min(max(alpha, 0), 1)
        let i = y * image.width + x
        let o = image.pixels[i]
        func mix(_ p: UInt8, _ q: UInt8) -> UInt8 { UInt8(Float(p) * (1 - a) + Float(q) * a + 0.5) }
        image.pixels[i] = RGB8(mix(o.r, color.r), mix(o.g, color.g), mix(o.b, color.b))
    }

    // MARK: Rectangles

    /// Fills the `width × height` pixels whose top-left pixel is `(x, y)` (empty if a size is ≤ 0).
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, color: RGB8) {
        guard w > 0, h > 0 else { return }
        let x0 = max(x, 0), x1 = min(sat(x, w), image.width)
        let y0 = max(y, 0), y1 = min(sat(y, h), image.height)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            let base = row * image.width
            for col in x0..<x1 { image.pixels[base + col] = color }
        }
    }

    /// Like `fillRect`, blending `color` with `alpha` (see `blend`).
    public mutating func blendRect(x: Int, y: Int, width w: Int, height h: Int, color: RGB8, alpha: Float) {
        guard w > 0, h > 0 else { return }
        let x0 = max(x, 0), x1 = min(sat(x, w), image.width)
        let y0 = max(y, 0), y1 = min(sat(y, h), image.height)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 { for col in x0..<x1 { blend(x: col, y: row, color: color, alpha: alpha) } }
    }

    /// The outline of the rect `fillRect(x:y:width:height:)` would fill, `lineWidth` pixels thick, inside the rect.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, color: RGB8, lineWidth: Int = 1) {
        guard w > 0, h > 0, lineWidth > 0 else { return }
        let t = min(lineWidth, w, h)
        fillRect(x: x, y: y, width: w, height: t, color: color)                              // top
        fillRect(x: x, y: sat(y, h - t), width: w, height: t, color: color)                  // bottom
        fillRect(x: x, y: sat(y, t), width: t, height: h - 2 * t, color: color)              // left
        fillRect(x: sat(x, w - t), y: sat(y, t), width: t, height: h - 2 * t, color: color)  // right
    }

    // MARK: Lines

    /// A straight line from `a` to `b` (float pixel coordinates, see the type's documentation).
    ///
    /// - `width ≤ 1`: a 1-pixel line, one pixel per column (or per row, if the line is steeper than 45°): for each
    ///   column `i` from `⌊a.x⌋` to `⌊b.x⌋`, the pixel containing the segment's point at `x = i + 0.5` (clamped to
    ///   the segment). Both end pixels `(⌊a.x⌋, ⌊a.y⌋)` and `(⌊b.x⌋, ⌊b.y⌋)` are included; 8-connected.
    /// - `width > 1`: a capsule — every pixel whose centre is within `width / 2` of the segment (the same as stamping
    ///   discs of diameter `width` along it), so ends are round and joints of a polyline are seamless.
    ///
    /// The pixels drawn do not depend on the image size (clipping only drops pixels).
    public mutating func drawLine(from a: Vec2, to b: Vec2, color: RGB8, width: Float = 1) {
        guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite, !width.isNaN else { return }
        let p = SIMD2<Double>(Double(a.x), Double(a.y)), q = SIMD2<Double>(Double(b.x), Double(b.y))
        if width <= 1 {
            thinLine(p, q, color)
        } else {
            capsule(p, q, radius: Double(width) / 2, color)
        }
    }

    /// A polyline through `points` (see `drawLine`).
    public mutating func drawPolyline(_ points: [Vec2], color: RGB8, width: Float = 1) {
        if points.count == 1 { drawLine(from: points[0], to: points[0], color: color, width: width) }
        for i in points.indices.dropFirst() { drawLine(from: points[i - 1], to: points[i], color: color, width: width) }
    }

    private mutating func thinLine(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ color: RGB8) {
        let d = b - a
        if abs(d.x) >= abs(d.y) {
            // x-major: one pixel per column.
            guard let cols = cellSpan(a.x, b.x, image.width) else { return }
            let lo = min(a.x, b.x), hi = max(a.x, b.x)
            for col in cols {
                let x = min(max(Double(col) + 0.5, lo), hi)
                let y = d.x == 0 ? a.y : a.y + (x - a.x) * (d.y / d.x)
                if let row = cell(y, image.height) { image.pixels[row * image.width + col] = color }
            }
        } else {
            guard let rows = cellSpan(a.y, b.y, image.height) else { return }
            let lo = min(a.y, b.y), hi = max(a.y, b.y)
            for row in rows {
                let y = min(max(Double(row) + 0.5, lo), hi)
                let x = a.x + (y - a.y) * (d.x / d.y)
                if let col = cell(x, image.width) { image.pixels[row * image.width + col] = color }
            }
        }
    }

    private mutating func capsule(_ a: SIMD2<Double>, _ b: SIMD2<Double>, radius r: Double, _ color: RGB8) {
        guard r.isFinite else { return }
        let d = b - a, len2 = (d * d).sum(), r2 = r * r
        guard let rows = pixelSpan(min(a.y, b.y) - r, max(a.y, b.y) + r, image.height) else { return }
        for row in rows {
            let yc = Double(row) + 0.5
            // x-range of the segment where its y is within r of this row's centre.
            var tl = 0.0, th = 1.0
            if d.y != 0 {
                let t0 = (yc - r - a.y) / d.y, t1 = (yc + r - a.y) / d.y
                tl = max(0, min(t0, t1)); th = min(1, max(t0, t1))
                if tl > th { continue }
            } else if abs(yc - a.y) > r {
                continue
            }
            let xa = a.x + d.x * tl, xb = a.x + d.x * th
            guard let cols = pixelSpan(min(xa, xb) - r, max(xa, xb) + r, image.width) else { continue }
            let base = row * image.width
            for col in cols {
                let p = SIMD2<Double>(Double(col) + 0.5, yc)
                let t = len2 > 0 ? min(max(((p - a) * d).sum() / len2, 0), 1) : 0
                let e = p - (a + d * t)
                if (e * e).sum() <= r2 { image.pixels[base + col] = color }
            }
        }
    }

    // MARK: Circles

    /// Every pixel whose centre is within `radius` of `center` (pixels). Nothing if `radius < 0`.
    public mutating func fillCircle(center: Vec2, radius: Float, color: RGB8) {
        guard center.x.isFinite, center.y.isFinite, radius.isFinite, radius >= 0 else { return }
        let c = dvec(center), r = Double(radius)
        guard let rows = pixelSpan(c.y - r, c.y + r, image.height) else { return }
        for row in rows {
            let dy = Double(row) + 0.5 - c.y
            let h2 = r * r - dy * dy
            if h2 < 0 { continue }
            let h = h2.squareRoot()
            guard let cols = pixelSpan(c.x - h, c.x + h, image.width) else { continue }
            let base = row * image.width
            for col in cols {
                let dx = Double(col) + 0.5 - c.x
                if dx * dx + dy * dy <= r * r { image.pixels[base + col] = color }
            }
        }
    }

    /// A ring: every pixel whose centre's distance from `center` is within `width / 2` of `radius` (pixels).
    public mutating func strokeCircle(center: Vec2, radius: Float, color: RGB8, width: Float = 1) {
        guard center.x.isFinite, center.y.isFinite, radius.isFinite, width.isFinite, radius >= 0, width > 0 else { return }
        let c = dvec(center), r = Double(radius), w = Double(width)
        let ro = r + w / 2, ri = max(r - w / 2, 0)
        guard let rows = pixelSpan(c.y - ro, c.y + ro, image.height),
              let cols = pixelSpan(c.x - ro, c.x + ro, image.width) else { return }
        for row in rows {
            let dy = Double(row) + 0.5 - c.y
            let base = row * image.width
            for col in cols {
                let dx = Double(col) + 0.5 - c.x
                let d2 = dx * dx + dy * dy
                if d2 <= ro * ro && d2 >= ri * ri { image.pixels[base + col] = color }
            }
        }
    }

    // MARK: Triangles and arrows

    /// Every pixel whose centre is inside the triangle `a b c` or on its edges (either winding).
    /// A degenerate (zero-area) triangle draws nothing.
    public mutating func fillTriangle(_ a0: Vec2, _ b0: Vec2, _ c0: Vec2, color: RGB8) {
        guard [a0, b0, c0].allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return }
        let a = dvec(a0), b = dvec(b0), c = dvec(c0)
        let area = cross(b - a, c - a)
        guard area != 0 else { return }
        let s: Double = area > 0 ? 1 : -1
        guard let rows = pixelSpan(min(a.y, b.y, c.y), max(a.y, b.y, c.y), image.height),
              let cols = pixelSpan(min(a.x, b.x, c.x), max(a.x, b.x, c.x), image.width) else { return }
        for row in rows {
            let base = row * image.width
            for col in cols {
                let p = SIMD2<Double>(Double(col) + 0.5, Double(row) + 0.5)
                if s * cross(b - a, p - a) >= 0 && s * cross(c - b, p - b) >= 0 && s * cross(a - c, p - c) >= 0 {
                    image.pixels[base + col] = color
                }
            }
        }
    }

    /// An arrow from `a` to `b` with a filled triangular head whose tip is `b` (e.g. an agent's heading marker).
    /// - Parameters:
    ///   - width: shaft width (see `drawLine`).
    ///   - headLength: length of the head along the arrow, pixels; default `max(5, 3 · width)`, at most the arrow's
    ///     length. The head's base is `headLength · 1.2` wide.
    public mutating func drawArrow(from a: Vec2, to b: Vec2, color: RGB8, width: Float = 1, headLength: Float? = nil) {
        guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { return }
        let d = b - a, len = (d * d).sum().squareRoot()
        guard len > 0, len.isFinite else { return }
        let dir = d / len, perp = Vec2(-dir.y, dir.x)
        let hl = min(max(headLength ?? max(5, 3 * width), 0), len)
        let base = b - dir * hl
        drawLine(from: a, to: base + dir * min(1, hl), color: color, width: width)
        fillTriangle(b, base + perp * (hl * 0.6), base - perp * (hl * 0.6), color: color)
    }

    // MARK: Text

    /// The size of `text` drawn with `drawText` at `scale` (pixels): `width = (6 · longest line − 1) · scale`,
    /// `height = (8 · lines − 1) · scale` — exactly the box from the first glyph's top-left pixel to the last glyph
    /// column/row, without the trailing 1 px spacing. Lines are separated by "\n" (or "\r\n", "\r"); every other
    /// character is one 6-pixel cell. Empty text is `(0, 0)`. `scale` is clamped to 1 … 4096.
    public static func textSize(_ text: String, scale: Int = 1) -> (width: Int, height: Int) {
        guard !text.isEmpty else { return (0, 0) }
        let s = clampScale(scale)
        var lines = 1, longest = 0, current = 0
        for ch in text {
            if isLineBreak(ch) { lines += 1; current = 0 } else { current += 1; longest = max(longest, current) }
        }
        return (longest > 0 ? (longest * BitmapFont.advance - 1) * s : 0, (lines * BitmapFont.lineHeight - 1) * s)
    }

    /// Instance convenience for `Canvas.textSize(_:scale:)`.
    public func textSize(_ text: String, scale: Int = 1) -> (width: Int, height: Int) { Canvas.textSize(text, scale: scale) }

    /// Draws `text` with `BitmapFont`, its top-left glyph pixel at `(x, y)`; each font pixel becomes a
    /// `scale × scale` block. Characters outside printable ASCII are drawn as a hollow box; "\n" starts a new line.
    /// - Parameter background: if set, first fills a box behind the text: the `textSize` rect grown by `scale`
    ///   pixels on every side, i.e. `(x − scale, y − scale)` of size `(width + 2·scale) × (height + 2·scale)`.
    public mutating func drawText(_ text: String, x: Int, y: Int, color: RGB8, scale: Int = 1, background: RGB8? = nil) {
        let s = Canvas.clampScale(scale)
        if let bg = background {
            let size = Canvas.textSize(text, scale: s)
            if size.width > 0 || size.height > 0 {
                fillRect(x: sat(x, -s), y: sat(y, -s), width: size.width + 2 * s, height: size.height + 2 * s, color: bg)
            }
        }
        var line = 0, column = 0
        for ch in text {
            if Canvas.isLineBreak(ch) { line += 1; column = 0; continue }
            defer { column += 1 }
            let gx = sat(x, column * BitmapFont.advance * s), gy = sat(y, line * BitmapFont.lineHeight * s)
            // Skip glyphs wholly outside the image.
            if gx >= image.width || gy >= image.height || sat(gx, 5 * s) <= 0 || sat(gy, 7 * s) <= 0 { continue }
            let rows = BitmapFont.index(of: ch).map { i in (0..<7).map { BitmapFont.table[i * 7 + $0] } } ?? BitmapFont.unknownGlyph
            for (r, bits) in rows.enumerated() where bits != 0 {
                for c in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(c)) != 0 {
                    fillRect(x: gx + c * s, y: gy + r * s, width: s, height: s, color: color)
                }
            }
        }
    }

    // MARK: Helpers

    static func clampScale(_ s: Int) -> Int { min(max(s, 1), 4096) }
    static func isLineBreak(_ c: Character) -> Bool { c == "\n" || c == "\r\n" || c == "\r" }
}

/// `a + b`, saturating at `Int.min` / `Int.max` instead of trapping.
@inline(__always) private func sat(_ a: Int, _ b: Int) -> Int {
    let (r, o) = a.addingReportingOverflow(b)
    return o ? (b > 0 ? Int.max : Int.min) : r
}

@inline(__always) private func dvec(_ v: Vec2) -> SIMD2<Double> { SIMD2<Double>(Double(v.x), Double(v.y)) }

/// Indices `i` in `0 ..< count` whose pixel centre `i + 0.5` lies in `[lo, hi]`, or nil if none / not finite.
private func pixelSpan<F: BinaryFloatingPoint>(_ lo: F, _ hi: F, _ count: Int) -> ClosedRange<Int>? {
    guard lo.isFinite, hi.isFinite, lo <= hi, count > 0 else { return nil }
    let l = max((lo - 0.5).rounded(.up), 0), h = min((hi - 0.5).rounded(.down), F(count - 1))
    guard l <= h else { return nil }
    return Int(l)...Int(h)
}

/// Cells `⌊lo⌋ … ⌊hi⌋` (either order) intersected with `0 ..< count`, or nil if none.
private func cellSpan(_ a: Double, _ b: Double, _ count: Int) -> ClosedRange<Int>? {
    let l = max(min(a, b).rounded(.down), 0), h = min(max(a, b).rounded(.down), Double(count - 1))
    guard count > 0, l <= h else { return nil }
    return Int(l)...Int(h)
}

/// Cell `⌊v⌋` if it lies in `0 ..< count`.
private func cell(_ v: Double, _ count: Int) -> Int? {
    guard v.isFinite, v >= 0, v < Double(count) else { return nil }
    return Int(v.rounded(.down))
}
