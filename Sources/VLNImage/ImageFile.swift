import CImageIO
import Foundation
import VLNCore

/// An 8-bit RGBA colour (straight alpha).
public struct RGBA8: Equatable, Hashable, Sendable {
    /// Red, green, blue and alpha, 0…255 (alpha 255 = opaque).
    public var r: UInt8, g: UInt8, b: UInt8, a: UInt8
    /// From red, green, blue and alpha, 0…255.
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8) { self.r = r; self.g = g; self.b = b; self.a = a }
}

/// A decoded image file as stored: `height × width` pixels of `channels` interleaved samples, row-major.
/// 8-bit files fill `samples8`; 16-bit files fill `samples16` (host byte order).
public struct DecodedImage: Sendable {
    /// Columns, pixels.
    public var width: Int
    /// Rows, pixels.
    public var height: Int
    /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    public var channels: Int
    /// 8 or 16.
    public var bitDepth: Int
    /// `height · width · channels` interleaved samples of an 8-bit file; empty for a 16-bit file.
    public var samples8: [UInt8]
    /// `height · width · channels` interleaved samples of a 16-bit file (host byte order); empty for an 8-bit file.
    public var samples16: [UInt16]

    /// The image as 8-bit RGB: gray is replicated, alpha dropped, 16-bit samples scaled by 255/65535.
    public func rgb() -> RGBImage {
        var out = RGBImage(width: width, height: height, fill: .black)
        let n = width * height
        func s(_ i: Int) -> UInt8 {
            bitDepth == 8 ? samples8[i] : UInt8((UInt32(samples16[i]) * 255 + 32767) / 65535)
        }
        for p in 0..<n {
            let base = p * channels
            out.pixels[p] = channels >= 3 ? RGB8(s(base), s(base + 1), s(base + 2)) : RGB8(s(base), s(base), s(base))
        }
        return out
    }
}

/// Errors of the image codecs: always name the file.
private func codecError(_ path: String, _ what: String, _ err: [CChar]) -> VLNError {
    let msg = String(cString: err)
    return .badFile(path: path, reason: "\(what): \(msg.isEmpty ? "unknown error" : msg)")
}

private func decoded(_ img: inout vln_image) -> DecodedImage {
    defer { vln_image_free(&img) }
    let n = Int(img.width) * Int(img.height) * Int(img.channels)
    var out = DecodedImage(width: Int(img.width), height: Int(img.height), channels: Int(img.channels),
                           bitDepth: Int(img.bit_depth), samples8: [], samples16: [])
    if img.bit_depth == 16 {
        img.data.withMemoryRebound(to: UInt16.self, capacity: n) { out.samples16 = Array(UnsafeBufferPointer(start: $0, count: n)) }
    } else {
        out.samples8 = Array(UnsafeBufferPointer(start: img.data, count: n))
    }
    return out
}

/// PNG files through libpng (errors caught by the setjmp shim in CImageIO).
public enum PNG {
    /// Reads a PNG as stored (palette → RGB, tRNS → alpha, gray below 8 bits → 8-bit).
    /// - Throws: `VLNError.badFile` naming the file and libpng's reason (bad signature, CRC error, truncation…).
    public static func read(_ path: String) throws -> DecodedImage {
        var img = vln_image()
        var err = [CChar](repeating: 0, count: 512)
        guard vln_png_read(path, &img, &err, err.count) == 0 else { throw codecError(path, "cannot read PNG", err) }
        return decoded(&img)
    }

    /// Reads a PNG as 8-bit RGB.
    public static func readRGB(_ path: String) throws -> RGBImage { try read(path).rgb() }

    /// Reads a single-channel 16-bit PNG (a depth map: millimetres in 7-Scenes/ScanNet, 1/5000 m in TUM).
    /// - Throws: `VLNError.badFile` if the file is not 16-bit gray.
    public static func readGray16(_ path: String) throws -> Image<UInt16> {
        let d = try read(path)
        guard d.bitDepth == 16, d.channels == 1 else {
            throw VLNError.badFile(path: path, reason: "expected a 16-bit single-channel PNG, found \(d.bitDepth)-bit with \(d.channels) channel(s)")
        }
        return Image(width: d.width, height: d.height, pixels: d.samples16)
    }

    /// Writes 8-bit RGB, atomically (a temporary file renamed into place).
    public static func write(_ image: RGBImage, to path: String) throws {
        var bytes = [UInt8](); bytes.reserveCapacity(image.pixels.count * 3)
        for p in image.pixels { bytes.append(p.r); bytes.append(p.g); bytes.append(p.b) }
        try write(bytes, width: image.width, height: image.height, channels: 3, to: path)
    }

    /// Writes 8-bit RGBA, atomically.
    public static func write(_ image: Image<RGBA8>, to path: String) throws {
        var bytes = [UInt8](); bytes.reserveCapacity(image.pixels.count * 4)
        for p in image.pixels { bytes += [p.r, p.g, p.b, p.a] }
        try write(bytes, width: image.width, height: image.height, channels: 4, to: path)
    }

    /// Writes 8-bit gray, atomically.
    public static func write(_ image: Image<UInt8>, to path: String) throws {
        try write(image.pixels, width: image.width, height: image.height, channels: 1, to: path)
    }

    /// Writes 16-bit gray (e.g. depth in millimetres), atomically.
    public static func write(_ image: Image<UInt16>, to path: String) throws {
        guard image.width > 0, image.height > 0 else { throw VLNError.invalidValue(field: path, reason: "zero-size image") }
        try writeAtomically(to: path) { tmp in
            var err = [CChar](repeating: 0, count: 512)
            let rc = image.pixels.withUnsafeBufferPointer { buf -> Int32 in
                var img = vln_image(width: Int32(image.width), height: Int32(image.height), channels: 1, bit_depth: 16,
                                    data: UnsafeMutableRawPointer(mutating: buf.baseAddress!).assumingMemoryBound(to: UInt8.self))
                return vln_png_write(tmp, &img, &err, err.count)
            }
            guard rc == 0 else { throw codecError(path, "cannot write PNG", err) }
        }
    }

    private static func write(_ bytes: [UInt8], width: Int, height: Int, channels: Int, to path: String) throws {
        guard width > 0, height > 0 else { throw VLNError.invalidValue(field: path, reason: "zero-size image") }
        try writeAtomically(to: path) { tmp in
            var err = [CChar](repeating: 0, count: 512)
            let rc = bytes.withUnsafeBufferPointer { buf -> Int32 in
                var img = vln_image(width: Int32(width), height: Int32(height), channels: Int32(channels), bit_depth: 8,
                                    data: UnsafeMutablePointer(mutating: buf.baseAddress!))
                return vln_png_write(tmp, &img, &err, err.count)
            }
            guard rc == 0 else { throw codecError(path, "cannot write PNG", err) }
        }
    }
}

/// JPEG files through libjpeg-turbo (errors caught by the setjmp shim in CImageIO).
public enum JPEG {
    /// Reads a JPEG as decoded: 3 channels RGB, or 1 channel for grayscale files.
    /// - Throws: `VLNError.badFile` naming the file (not a JPEG, truncated data, …).
    public static func read(_ path: String) throws -> DecodedImage {
        var img = vln_image()
        var err = [CChar](repeating: 0, count: 512)
        guard vln_jpeg_read(path, &img, &err, err.count) == 0 else { throw codecError(path, "cannot read JPEG", err) }
        return decoded(&img)
    }

    /// Reads a JPEG as 8-bit RGB.
    public static func readRGB(_ path: String) throws -> RGBImage { try read(path).rgb() }
}

/// Reads a colour image by extension: `.png`, or `.jpg`/`.jpeg`.
public func readColorImage(_ path: String) throws -> RGBImage {
    switch URL(fileURLWithPath: path).pathExtension.lowercased() {
    case "png": return try PNG.readRGB(path)
    case "jpg", "jpeg": return try JPEG.readRGB(path)
    default: throw VLNError.badFile(path: path, reason: "unknown image extension (expected .png, .jpg or .jpeg)")
    }
}
