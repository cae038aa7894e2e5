/// An 8-bit RGB colour.
public struct RGB8: Equatable, Hashable, Sendable {
    /// Red, green, blue, 0…255 (sRGB as stored in image files).
    public var r: UInt8, g: UInt8, b: UInt8
    /// From red, green and blue, 0…255.
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    /// Black, (0, 0, 0).
    public static let black = RGB8(0, 0, 0)
    /// White, (255, 255, 255).
    public static let white = RGB8(255, 255, 255)
    /// From components in [0, 1] (clamped).
    public init(unit c: Vec3) {
        let s = simd_clamp01(c) * 255 + 0.5
        self.init(UInt8(s.x), UInt8(s.y), UInt8(s.z))
    }
    /// Components in [0, 1].
    public var unit: Vec3 { Vec3(Float(r), Float(g), Float(b)) / 255 }
}

@inlinable func simd_clamp01(_ v: Vec3) -> Vec3 { pointwiseMin(pointwiseMax(v, .zero), Vec3(repeating: 1)) }

/// A 2-D image, `height × width`, row-major: pixel `(x, y)` = (column, row) is `pixels[y * width + x]`,
/// origin top-left.
public struct Image<Pixel>: Sendable where Pixel: Sendable {
    /// Size in pixels.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// Row-major pixels, `width · height` of them.
    public var pixels: [Pixel]

    /// - Precondition: `width, height ≥ 0`.
    public init(width: Int, height: Int, fill: Pixel) {
        precondition(width >= 0 && height >= 0)
        self.width = width; self.height = height
        pixels = Array(repeating: fill, count: width * height)
    }
    /// - Precondition: `pixels.count == width * height`.
    public init(width: Int, height: Int, pixels: [Pixel]) {
        precondition(pixels.count == width * height, "pixel count \(pixels.count) != \(width)×\(height)")
        self.width = width; self.height = height; self.pixels = pixels
    }

    /// The pixel at column `x`, row `y`. - Precondition: `contains(x: x, y: y)` (only the flat index is checked).
    @inlinable public subscript(x: Int, y: Int) -> Pixel {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }
    /// Whether `(x, y)` is inside the image: `0 ≤ x < width` and `0 ≤ y < height`.
    @inlinable public func contains(x: Int, y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }
}

extension Image: Equatable where Pixel: Equatable {}

/// Colour image, 8-bit RGB.
public typealias RGBImage = Image<RGB8>
/// Depth image: z-depth along the optical axis, metres; 0 or non-finite = invalid (DESIGN.md).
public typealias DepthImage = Image<Float>
/// Instance-id image: the scene's instance id per pixel, 0 = none.
public typealias InstanceImage = Image<UInt32>
