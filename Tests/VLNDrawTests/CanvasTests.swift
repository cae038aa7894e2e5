import VLNCore
import VLNDraw
import VLNImage
import XCTest

private let bg = RGB8.white
private let ink = RGB8(200, 30, 10)

/// Pixels of `c` that differ from `bg`.
private func setPixels(_ c: Canvas, background: RGB8 = bg) -> Set<[Int]> {
    var s = Set<[Int]>()
    for y in 0..<c.height { for x in 0..<c.width where c.image[x, y] != background { s.insert([x, y]) } }
    return s
}

/// Bounding box (x0, y0, x1, y1 inclusive) of `pixels`.
private func bbox(_ pixels: Set<[Int]>) -> [Int] {
    [pixels.map { $0[0] }.min()!, pixels.map { $0[1] }.min()!, pixels.map { $0[0] }.max()!, pixels.map { $0[1] }.max()!]
}

private let visible: [Character] = (33...126).map { Character(Unicode.Scalar(UInt8($0))) }

final class CanvasTests: XCTestCase {
    // MARK: Primitives

    func testFillAndSetPixelClipped() {
        var c = Canvas(width: 4, height: 3, background: .black)
        c.fill(bg)
        XCTAssertTrue(c.image.pixels.allSatisfy { $0 == bg })
        c.setPixel(x: 3, y: 2, ink)
        c.setPixel(x: -1, y: 0, ink); c.setPixel(x: 4, y: 0, ink); c.setPixel(x: 0, y: 3, ink); c.setPixel(x: 0, y: -1, ink)
        XCTAssertEqual(setPixels(c), [[3, 2]])
        XCTAssertEqual(c.pixel(x: 3, y: 2), ink)
        XCTAssertNil(c.pixel(x: 4, y: 2))
    }

    func testHorizontalLineCoversExactlyExpectedPixels() {
        var c = Canvas(width: 20, height: 10)
        c.drawLine(from: Vec2(2.5, 5.5), to: Vec2(10.5, 5.5), color: ink)
        XCTAssertEqual(setPixels(c), Set((2...10).map { [$0, 5] }))
        // Reversed direction gives the same pixels.
        var d = Canvas(width: 20, height: 10)
        d.drawLine(from: Vec2(10.5, 5.5), to: Vec2(2.5, 5.5), color: ink)
        XCTAssertEqual(d.image, c.image)
    }

    func testThickHorizontalLineIsCapsule() {
        var c = Canvas(width: 40, height: 40)
        c.drawLine(from: Vec2(10.5, 20.5), to: Vec2(30.5, 20.5), color: ink, width: 3)
        // Radius 1.5: rows 19…21; round caps reach one pixel beyond the end centres (9 and 31).
        XCTAssertEqual(setPixels(c), Set((19...21).flatMap { y in (9...31).map { [$0, y] } }))
    }

    func testDiagonalLineIs8Connected() {
        var c = Canvas(width: 20, height: 20)
        c.drawLine(from: Vec2(0.5, 0.5), to: Vec2(15.5, 7.5), color: ink)
        let px = setPixels(c)
        XCTAssertEqual(px.count, 16)                       // one pixel per column (x-major)
        XCTAssertEqual(Set(px.map { $0[0] }), Set(0...15))
        XCTAssertTrue(px.contains([0, 0]) && px.contains([15, 7]))
    }

    func testFilledRectHasWTimesHPixels() {
        var c = Canvas(width: 30, height: 20)
        c.fillRect(x: 4, y: 3, width: 7, height: 5, color: ink)
        let px = setPixels(c)
        XCTAssertEqual(px.count, 35)
        XCTAssertEqual(bbox(px), [4, 3, 10, 7])
        c.fillRect(x: 0, y: 0, width: 0, height: 5, color: .black)   // empty
        c.fillRect(x: 0, y: 0, width: 5, height: -2, color: .black)  // empty
        XCTAssertEqual(setPixels(c).count, 35)
    }

    func testStrokeRectIsOutline() {
        var c = Canvas(width: 30, height: 20)
        c.strokeRect(x: 2, y: 2, width: 6, height: 4, color: ink)
        XCTAssertEqual(setPixels(c).count, 2 * 6 + 2 * 2)   // perimeter pixels of a 6×4 rect
        XCTAssertEqual(c.image[2, 2], ink); XCTAssertEqual(c.image[7, 5], ink); XCTAssertEqual(c.image[4, 3], bg)
        var t = Canvas(width: 30, height: 20)
        t.strokeRect(x: 2, y: 2, width: 10, height: 8, color: ink, lineWidth: 2)
        XCTAssertEqual(setPixels(t).count, 10 * 8 - 6 * 4)
    }

    func testCircleAreaWithin10Percent() {
        for r: Float in [5, 5.5, 10, 24] {
            var c = Canvas(width: 64, height: 64)
            c.fillCircle(center: Vec2(32, 32), radius: r, color: ink)
            let n = Float(setPixels(c).count), area = Float.pi * r * r
            XCTAssertEqual(n, area, accuracy: 0.1 * area, "r = \(r)")
            // Symmetric about the centre (32, 32): pixel x ↔ 63 − x.
            XCTAssertTrue(setPixels(c).allSatisfy { c.image[63 - $0[0], 63 - $0[1]] == ink })
        }
    }

    func testStrokeCircleIsRing() {
        var c = Canvas(width: 64, height: 64)
        c.strokeCircle(center: Vec2(32, 32), radius: 20, color: ink, width: 2)
        let px = setPixels(c)
        let ringArea: Float = 2 * Float.pi * 20 * 2
        XCTAssertEqual(Float(px.count), ringArea, accuracy: 0.1 * ringArea)
        XCTAssertEqual(c.image[32, 32], bg)
        for p in px {
            let dx: Float = Float(p[0]) + 0.5 - 32, dy: Float = Float(p[1]) + 0.5 - 32
            let d = (dx * dx + dy * dy).squareRoot()
            XCTAssertTrue(d >= 19 && d <= 21)
        }
    }

    func testTriangleAndArrow() {
        var c = Canvas(width: 20, height: 20)
        // Right triangle with legs 10: about 50 pixels, either winding gives the same pixels.
        c.fillTriangle(Vec2(0, 0), Vec2(10, 0), Vec2(0, 10), color: ink)
        let n = setPixels(c).count
        XCTAssertEqual(Float(n), 50, accuracy: 8)
        var d = Canvas(width: 20, height: 20)
        d.fillTriangle(Vec2(0, 0), Vec2(0, 10), Vec2(10, 0), color: ink)
        XCTAssertEqual(d.image, c.image)
        // Degenerate triangle draws nothing.
        var e = Canvas(width: 20, height: 20)
        e.fillTriangle(Vec2(0, 0), Vec2(5, 5), Vec2(10, 10), color: ink)
        XCTAssertTrue(setPixels(e).isEmpty)

        var a = Canvas(width: 40, height: 20)
        a.drawArrow(from: Vec2(5.5, 10.5), to: Vec2(30.5, 10.5), color: ink, width: 1, headLength: 6)
        let px = setPixels(a)
        XCTAssertEqual(bbox(px)[0], 5)
        XCTAssertEqual(bbox(px)[2], 30)                        // tip pixel
        XCTAssertTrue(px.contains([26, 8]) && px.contains([26, 12]))  // head wider than the shaft
        XCTAssertFalse(px.contains([10, 9]) || px.contains([10, 11])) // shaft 1 px
    }

    func testBlend() {
        var c = Canvas(width: 2, height: 1, background: RGB8(0, 100, 200))
        c.blend(x: 0, y: 0, color: RGB8(200, 200, 0), alpha: 0.5)
        XCTAssertEqual(c.image[0, 0], RGB8(100, 150, 100))
        c.blend(x: 1, y: 0, color: .white, alpha: 7)      // clamped to 1
        XCTAssertEqual(c.image[1, 0], .white)
        c.blend(x: 1, y: 0, color: .black, alpha: -1)     // clamped to 0
        XCTAssertEqual(c.image[1, 0], .white)
        c.blend(x: 5, y: 5, color: .black, alpha: 1)      // off-image: no-op
    }

    // MARK: Clipping

    func testClippingAtAllEdgesWritesOnlyInBounds() {
        let w = 16, h = 12
        // A canvas embedded in a larger one: drawing with the same offsets on the larger one shows what lies
        // outside; the small one must equal the window of the large one (nothing wrapped to another row).
        let off = 40
        var small = Canvas(width: w, height: h)
        var big = Canvas(width: w + 2 * off, height: h + 2 * off)
        func both(_ f: (inout Canvas, Float, Int) -> Void) { f(&small, 0, 0); f(&big, Float(off), off) }
        both { c, o, i in
            c.drawLine(from: Vec2(-30 + o, 5.5 + o), to: Vec2(50 + o, 6.5 + o), color: ink)            // through left/right
            c.drawLine(from: Vec2(7.5 + o, -25 + o), to: Vec2(3.5 + o, 40 + o), color: ink, width: 3)  // through top/bottom
            c.fillCircle(center: Vec2(0 + o, 0 + o), radius: 6, color: RGB8(0, 0, 255))               // top-left corner
            c.strokeCircle(center: Vec2(16 + o, 12 + o), radius: 5, color: RGB8(0, 255, 0), width: 2) // bottom-right
            c.fillRect(x: -5 + i, y: 9 + i, width: 10, height: 10, color: RGB8(9, 9, 9))              // bottom-left
            c.strokeRect(x: 12 + i, y: -3 + i, width: 10, height: 6, color: RGB8(1, 2, 3), lineWidth: 2) // top-right
            c.fillTriangle(Vec2(-10 + o, 6 + o), Vec2(4 + o, 14 + o), Vec2(-3 + o, 30 + o), color: RGB8(5, 5, 5))
            c.drawArrow(from: Vec2(8 + o, 6 + o), to: Vec2(30 + o, 6 + o), color: RGB8(7, 7, 7), width: 2)
            c.drawText("Edge!", x: -7 + i, y: -3 + i, color: .black, scale: 2, background: RGB8(250, 250, 0))
            c.drawText("gy", x: 13 + i, y: 8 + i, color: .black, scale: 1, background: RGB8(0, 250, 250))
            c.blend(x: -1 + i, y: 3 + i, color: .black, alpha: 1)
        }
        for y in 0..<h { for x in 0..<w { XCTAssertEqual(small.image[x, y], big.image[x + off, y + off], "(\(x), \(y))") } }
        XCTAssertGreaterThan(setPixels(small).count, 40)
        XCTAssertEqual(small.image.pixels.count, w * h)
    }

    func testExtremeCoordinatesDoNotTrap() {
        var c = Canvas(width: 10, height: 10)
        let huge: Float = 3e38
        c.drawLine(from: Vec2(-huge, -huge), to: Vec2(huge, huge), color: ink)
        c.drawLine(from: Vec2(-huge, 5), to: Vec2(huge, 5), color: ink, width: 4)
        c.drawLine(from: Vec2(.nan, 0), to: Vec2(5, 5), color: ink)
        c.drawLine(from: Vec2(.infinity, 0), to: Vec2(5, 5), color: ink, width: 3)
        c.fillCircle(center: Vec2(huge, -huge), radius: huge, color: ink)
        c.fillCircle(center: Vec2(5, 5), radius: .infinity, color: ink)
        c.strokeCircle(center: Vec2(5, 5), radius: huge, color: ink, width: 2)
        c.fillTriangle(Vec2(-huge, -huge), Vec2(huge, 0), Vec2(0, huge), color: ink)
        c.drawArrow(from: Vec2(-huge, 0), to: Vec2(huge, 1), color: ink)
        c.fillRect(x: Int.min, y: Int.min, width: Int.max, height: Int.max, color: ink)
        c.fillRect(x: Int.max, y: Int.max, width: Int.max, height: Int.max, color: ink)
        c.strokeRect(x: Int.min, y: Int.max - 3, width: Int.max, height: Int.max, color: ink, lineWidth: 3)
        c.drawText("overflow", x: Int.max - 3, y: Int.min, color: ink, scale: 3, background: .black)
        c.drawText("overflow", x: Int.min, y: Int.max, color: ink, scale: Int.max, background: .black)
        c.setPixel(x: Int.min, y: Int.max, ink)
        var empty = Canvas(width: 0, height: 0)
        empty.drawLine(from: Vec2(0, 0), to: Vec2(5, 5), color: ink, width: 3)
        empty.fillCircle(center: Vec2(0, 0), radius: 3, color: ink)
        empty.drawText("x", x: 0, y: 0, color: ink, background: .black)
        XCTAssertEqual(empty.image.pixels.count, 0)
        XCTAssertEqual(c.image.pixels.count, 100)
    }

    // MARK: Font

    func testEveryVisibleGlyphHasPixelsAndFits5x7() {
        XCTAssertEqual(visible.count, 94)
        for ch in visible {
            let g = BitmapFont.glyph(for: ch)
            XCTAssertEqual(g.count, 7)
            XCTAssertTrue(g.contains { $0 != 0 }, "glyph \(ch) is empty")
            XCTAssertTrue(g.allSatisfy { $0 < 32 }, "glyph \(ch) wider than 5")
            // Rendered: all ink within the 5×7 glyph box at the origin.
            var c = Canvas(width: 12, height: 12)
            c.drawText(String(ch), x: 2, y: 3, color: .black)
            let px = setPixels(c)
            XCTAssertFalse(px.isEmpty)
            let b = bbox(px)
            XCTAssertTrue(b[0] >= 2 && b[1] >= 3 && b[2] <= 6 && b[3] <= 9, "glyph \(ch) bbox \(b)")
        }
        XCTAssertEqual(BitmapFont.glyph(for: " "), [0, 0, 0, 0, 0, 0, 0])
        var c = Canvas(width: 12, height: 12)
        c.drawText(" ", x: 2, y: 2, color: .black)
        XCTAssertTrue(setPixels(c).isEmpty)
    }

    func testGlyphsPairwiseDistinct() {
        var seen = [[UInt8]: Character]()
        for ch in visible {
            let g = BitmapFont.glyph(for: ch)
            XCTAssertNil(seen[g], "glyphs \(seen[g].map(String.init) ?? "") and \(ch) are identical")
            seen[g] = ch
        }
        XCTAssertEqual(seen.count, 94)
        // Lower case differs from upper case for every letter.
        for (u, l) in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz") {
            XCTAssertNotEqual(BitmapFont.glyph(for: u), BitmapFont.glyph(for: l))
        }
    }

    func testUnknownCharactersRenderAsBox() {
        XCTAssertEqual(BitmapFont.glyph(for: "é"), BitmapFont.unknownGlyph)
        XCTAssertEqual(BitmapFont.glyph(for: "\u{7F}"), BitmapFont.unknownGlyph)
        var c = Canvas(width: 10, height: 10)
        c.drawText("→", x: 1, y: 1, color: .black)
        XCTAssertEqual(setPixels(c).count, 2 * 5 + 2 * 5)   // hollow 5×7 box outline
        XCTAssertEqual(bbox(setPixels(c)), [1, 1, 5, 7])
        XCTAssertEqual(Canvas.textSize("é→", scale: 1).width, 11)
    }

    func testTextSize() {
        XCTAssertTrue(Canvas.textSize("", scale: 3) == (0, 0))
        XCTAssertTrue(Canvas.textSize("A") == (5, 7))
        XCTAssertTrue(Canvas.textSize("kitchen", scale: 2) == ((7 * 6 - 1) * 2, 14))
        XCTAssertTrue(Canvas.textSize("ab\nlonger", scale: 1) == (35, 15))
    }

    func testHiAtScale2CoversExactlyTextSize() {
        let size = Canvas.textSize("Hi", scale: 2)
        XCTAssertTrue(size == (22, 14))
        // The text's region: the background box is exactly the textSize rect grown by `scale` on every side.
        let box = RGB8(10, 200, 10)
        var b = Canvas(width: 60, height: 40)
        b.drawText("Hi", x: 7, y: 5, color: .black, scale: 2, background: box)
        XCTAssertEqual(bbox(setPixels(b)), [5, 3, 7 + size.width + 1, 5 + size.height + 1])
        XCTAssertEqual(setPixels(b).count, (size.width + 4) * (size.height + 4))
        // The ink: inside the textSize rect, touching its left, top and bottom edges; "i" is 3 columns wide
        // (font columns 1…3), so its ink ends 2 px (one font column) before the right edge.
        var c = Canvas(width: 60, height: 40)
        c.drawText("Hi", x: 7, y: 5, color: .black, scale: 2)
        let px = setPixels(c)
        XCTAssertEqual(bbox(px), [7, 5, 7 + size.width - 1 - 2, 5 + size.height - 1])
        // Every font pixel is a 2×2 block.
        let bits = "Hi".map { BitmapFont.glyph(for: $0).map { $0.nonzeroBitCount }.reduce(0, +) }.reduce(0, +)
        XCTAssertEqual(px.count, bits * 4)
        // The gap between the glyphs (font column 5 → pixels 17, 18) is empty.
        XCTAssertTrue(px.allSatisfy { $0[0] != 17 && $0[0] != 18 })
        // A text whose last glyph reaches font column 4 covers exactly the textSize rect.
        var h = Canvas(width: 60, height: 40)
        h.drawText("HM", x: 7, y: 5, color: .black, scale: 2)
        XCTAssertEqual(bbox(setPixels(h)), [7, 5, 7 + size.width - 1, 5 + size.height - 1])
    }

    func testTextBackgroundFillsBox() {
        let yellow = RGB8(255, 230, 0)
        var c = Canvas(width: 60, height: 30)
        c.drawText("Room 3", x: 10, y: 8, color: .black, scale: 1, background: yellow)
        let size = Canvas.textSize("Room 3")
        // Box = textSize grown by `scale` on every side; every box pixel is ink or background, nothing else touched.
        let x0 = 9, y0 = 7, x1 = 10 + size.width, y1 = 8 + size.height
        var inkCount = 0
        for y in 0..<c.height {
            for x in 0..<c.width {
                let p = c.image[x, y]
                if x >= x0 && x <= x1 && y >= y0 && y <= y1 {
                    XCTAssertTrue(p == yellow || p == .black, "(\(x), \(y))")
                    if p == .black { inkCount += 1 }
                } else {
                    XCTAssertEqual(p, bg, "(\(x), \(y))")
                }
            }
        }
        let bits = "Room 3".map { BitmapFont.glyph(for: $0).map { $0.nonzeroBitCount }.reduce(0, +) }.reduce(0, +)
        XCTAssertEqual(inkCount, bits)
        XCTAssertEqual(c.image[x0, y0], yellow); XCTAssertEqual(c.image[x1, y1], yellow)
    }

    func testMultilineText() {
        var c = Canvas(width: 40, height: 30)
        c.drawText("A\nB", x: 0, y: 0, color: .black)
        XCTAssertEqual(bbox(setPixels(c)), [0, 0, 4, 14])
        XCTAssertEqual(c.image[0, 8], .black)   // B's top-left at (0, 8)
    }

    /// Renders every glyph (and a sample label) at scale 3 to /tmp/font-sheet.png for visual inspection.
    func testWriteFontSheet() throws {
        let perRow = 16, s = 3
        let cellW = BitmapFont.advance * s + 6, cellH = BitmapFont.lineHeight * s + 6
        let chars: [Character] = (32...126).map { Character(Unicode.Scalar(UInt8($0))) } + ["é"]
        let rows = (chars.count + perRow - 1) / perRow
        var c = Canvas(width: perRow * cellW + 8, height: rows * cellH + 8 + 66)
        for (i, ch) in chars.enumerated() {
            let x = 4 + (i % perRow) * cellW, y = 4 + (i / perRow) * cellH
            c.strokeRect(x: x, y: y, width: 5 * s + 4, height: 7 * s + 4, color: RGB8(220, 220, 235))
            c.drawText(String(ch), x: x + 2, y: y + 2, color: .black, scale: s)
        }
        let y0 = rows * cellH + 10
        c.drawText("Kitchen -> living room (3.5 m) #42", x: 4, y: y0, color: RGB8(0, 0, 160), scale: 1)
        c.drawText("The quick brown fox jumps over", x: 4, y: y0 + 12, color: .black, scale: 2, background: RGB8(255, 240, 150))
        c.drawText("the lazy dog? {gjpqy} [0O 1lI]", x: 4, y: y0 + 36, color: .black, scale: 2)
        c.drawArrow(from: Vec2(230, Float(y0) + 4), to: Vec2(290, Float(y0) + 4), color: RGB8(200, 0, 0), width: 2)
        try PNG.write(c.image, to: "/tmp/font-sheet.png")
        XCTAssertEqual(try PNG.readRGB("/tmp/font-sheet.png"), c.image)
    }
}
