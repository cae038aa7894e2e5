import Foundation
import VLNCore
import VLNImage
import VLNTestSupport
import XCTest

final class ImageFileTests: XCTestCase {
    // Expected values: Pillow 11 + NumPy on the same files (pixel (320, 240), pixel (0, 0), sum of all samples).

    func testRealTUMColourPNG() throws {
        let img = try PNG.read(try requireDataFile("rgbd-formats/TUM_color.png"))
        XCTAssertEqual([img.width, img.height, img.channels, img.bitDepth], [640, 480, 3, 8])
        let rgb = img.rgb()
        XCTAssertEqual(rgb[320, 240], RGB8(252, 252, 250))
        XCTAssertEqual(rgb[0, 0], RGB8(158, 161, 157))
        XCTAssertEqual(img.samples8.reduce(0) { $0 + Int($1) }, 101_558_687)
    }

    func testRealTUMDepth16BitPNG() throws {
        let depth = try PNG.readGray16(try requireDataFile("rgbd-formats/TUM_depth.png"))
        XCTAssertEqual([depth.width, depth.height], [640, 480])
        XCTAssertEqual(depth[320, 240], 10920)  // 2.184 m at TUM's 1/5000 scale
        XCTAssertEqual(depth[0, 0], 0)
        XCTAssertEqual(depth.pixels.reduce(0) { $0 + Int($1) }, 3_074_716_315)
    }

    func testReal7ScenesJPEGAndDepth() throws {
        let colour = try JPEG.read(try requireDataFile("sevenscenes-kitchen-100/frames/frame-000000.color.jpg"))
        XCTAssertEqual([colour.width, colour.height, colour.channels], [640, 480, 3])
        XCTAssertEqual(colour.rgb()[320, 240], RGB8(236, 212, 174))
        XCTAssertEqual(colour.samples8.reduce(0) { $0 + Int($1) }, 103_947_374)
        let depth = try PNG.readGray16(try requireDataFile("sevenscenes-kitchen-100/frames/frame-000000.depth.png"))
        XCTAssertEqual(depth[320, 240], 1382)  // millimetres
        XCTAssertEqual(depth.pixels.reduce(0) { $0 + Int($1) }, 526_822_367)
    }

    func testRoundTripsAllWrittenFormats() throws {
        let dir = try makeTempDir()
        var rgb = RGBImage(width: 7, height: 5, fill: .black)
        var gray = Image<UInt8>(width: 7, height: 5, fill: 0)
        var g16 = Image<UInt16>(width: 7, height: 5, fill: 0)
        var rgba = Image<RGBA8>(width: 7, height: 5, fill: RGBA8(0, 0, 0, 0))
        for y in 0..<5 { for x in 0..<7 {
            rgb[x, y] = RGB8(UInt8(x * 30), UInt8(y * 50), UInt8(x * y))
            gray[x, y] = UInt8(x * 7 + y)
            g16[x, y] = UInt16(x * 9000 + y * 7)  // exercises both bytes (byte order)
            rgba[x, y] = RGBA8(UInt8(x), UInt8(y), 9, UInt8(x * 36))
        } }
        try PNG.write(rgb, to: dir + "/rgb.png")
        try PNG.write(gray, to: dir + "/gray.png")
        try PNG.write(g16, to: dir + "/g16.png")
        try PNG.write(rgba, to: dir + "/rgba.png")
        XCTAssertEqual(try PNG.readRGB(dir + "/rgb.png"), rgb)
        XCTAssertEqual(try PNG.read(dir + "/gray.png").samples8, gray.pixels)
        XCTAssertEqual(try PNG.readGray16(dir + "/g16.png"), g16)
        let back = try PNG.read(dir + "/rgba.png")
        XCTAssertEqual(back.channels, 4)
        XCTAssertEqual(Array(back.samples8[(4 * 7 + 6) * 4..<(4 * 7 + 6) * 4 + 4]), [6, 4, 9, 216])
        XCTAssertEqual(filesIn(dir).sorted(), ["g16.png", "gray.png", "rgb.png", "rgba.png"])  // no temporaries left
    }

    func testPNGWithBrokenChunkIsAThrownErrorNamingTheFile() throws {
        let dir = try makeTempDir()
        var img = RGBImage(width: 16, height: 16, fill: RGB8(10, 20, 30))
        img[3, 3] = .white
        try PNG.write(img, to: dir + "/good.png")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/good.png")))
        // IHDR's CRC (bytes 29..<33: signature 8 + length 4 + type 4 + data 13) no longer matches its chunk.
        var badCRC = bytes
        badCRC[30] ^= 0xFF
        try Data(badCRC).write(to: URL(fileURLWithPath: dir + "/broken.png"))
        XCTAssertThrowsError(try PNG.read(dir + "/broken.png")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("broken.png"), text)
            XCTAssertTrue(text.contains("IHDR") && text.lowercased().contains("crc"), text)
        }
        // Corrupt compressed data inside IDAT.
        let idat = bytes.indices.first { bytes[$0] == 0x49 && bytes[$0 + 1] == 0x44 && bytes[$0 + 2] == 0x41 && bytes[$0 + 3] == 0x54 }!
        bytes[idat + 6] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/badidat.png"))
        XCTAssertThrowsError(try PNG.read(dir + "/badidat.png")) { XCTAssertTrue("\($0)".contains("badidat.png: cannot read PNG: IDAT"), "\($0)") }
        // Truncated in the middle of the image data.
        try Data(bytes.prefix(60)).write(to: URL(fileURLWithPath: dir + "/truncated.png"))
        XCTAssertThrowsError(try PNG.read(dir + "/truncated.png")) { XCTAssertTrue("\($0)".contains("truncated.png")) }
        // Not a PNG at all.
        try Data("hello".utf8).write(to: URL(fileURLWithPath: dir + "/text.png"))
        XCTAssertThrowsError(try PNG.read(dir + "/text.png")) { XCTAssertTrue("\($0)".contains("signature")) }
    }

    func testTruncatedJPEGIsAThrownError() throws {
        let src = try requireDataFile("sevenscenes-kitchen-100/frames/frame-000000.color.jpg")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: src))
        let dir = try makeTempDir()
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: dir + "/half.jpg"))
        XCTAssertThrowsError(try JPEG.read(dir + "/half.jpg")) { XCTAssertTrue("\($0)".contains("half.jpg"), "\($0)") }
        XCTAssertThrowsError(try JPEG.read(dir + "/missing.jpg")) { XCTAssertTrue("\($0)".contains("missing.jpg")) }
    }

    func testFailedWriteLeavesNothing() throws {
        let dir = try makeTempDir()
        XCTAssertThrowsError(try PNG.write(RGBImage(width: 2, height: 2, fill: .white), to: dir + "/no/such/dir/x.png"))
        XCTAssertThrowsError(try PNG.write(RGBImage(width: 0, height: 0, fill: .white), to: dir + "/empty.png"))
        XCTAssertEqual(filesIn(dir), [])
    }
}
