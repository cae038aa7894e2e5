import VLNCore
import VLNDraw
import XCTest

final class AnnotationTests: XCTestCase {
    func testScaleBarLengthIsTheLongestNiceLengthThatFits() {
        XCTAssertEqual(Canvas.scaleBarLength(pixelsPerMetre: 100, maxPixels: 150), 1)
        XCTAssertEqual(Canvas.scaleBarLength(pixelsPerMetre: 100, maxPixels: 200), 2)
        XCTAssertEqual(Canvas.scaleBarLength(pixelsPerMetre: 240, maxPixels: 150), 0.5)
        XCTAssertEqual(Canvas.scaleBarLength(pixelsPerMetre: 20, maxPixels: 150), 5)
        XCTAssertNil(Canvas.scaleBarLength(pixelsPerMetre: 0, maxPixels: 150))
        XCTAssertNil(Canvas.scaleBarLength(pixelsPerMetre: .nan, maxPixels: 150))
    }

    func testScaleBarIsDrawnAtItsLength() {
        var c = Canvas(width: 200, height: 40)
        XCTAssertEqual(c.drawScaleBar(x: 10, y: 30, pixelsPerMetre: 100, maxPixels: 150), 1)
        // The bar's two rows: 100 pixels from x = 10.
        XCTAssertEqual(c.image[10, 29], .black)
        XCTAssertEqual(c.image[109, 29], .black)
        XCTAssertEqual(c.image[110, 29], .white)
        XCTAssertEqual(c.image[9, 29], .white)
    }

    func testPaletteRampEndsAndClamps() {
        XCTAssertEqual(Palette.ramp(0), Palette.blues.first)
        XCTAssertEqual(Palette.ramp(1), Palette.blues.last)
        XCTAssertEqual(Palette.ramp(-3), Palette.blues.first)
        XCTAssertEqual(Palette.ramp(.nan), Palette.blues.first)
        XCTAssertEqual(Palette.ramp(0.5, Palette.viridis), Palette.viridis[2])
        XCTAssertEqual(instanceColor(0), .black)
        XCTAssertEqual(instanceColor(7), instanceColor(7))
        XCTAssertNotEqual(instanceColor(7), instanceColor(8))
    }

    func testLabelLayoutMovesAnOverlappingLabelThenDropsIt() {
        var c = Canvas(width: 200, height: 100)
        var layout = LabelLayout()
        XCTAssertTrue(layout.place("sofa", at: Vec2(100, 50), on: &c))
        XCTAssertTrue(layout.place("sofa", at: Vec2(100, 50), on: &c), "moved below")
        XCTAssertTrue(layout.place("sofa", at: Vec2(100, 50), on: &c), "moved above")
        XCTAssertFalse(layout.place("sofa", at: Vec2(100, 50), on: &c), "no room left")
        XCTAssertEqual(layout.boxes.count, 3)
        XCTAssertFalse(layout.place("outside", at: Vec2(-50, 50), on: &c))
        layout.reserve(x: 0, y: 0, width: 200, height: 20)
        XCTAssertFalse(layout.place("title", at: Vec2(100, 5), on: &c))
    }
}
