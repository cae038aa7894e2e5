import VLNCore

/// A float image tensor, `channels × height × width`, planar (PyTorch's CHW; one image of an NCHW batch):
/// element `(c, y, x)` = (channel, row, column), origin top-left, is `values[(c · height + y) · width + x]`.
///
/// The input layout of `MobileNetV2`; torchvision's preprocessed tensors (`.npy`, shape `1 × 3 × H × W`) load as
/// they are.
public struct ImageTensor: Sendable, Equatable {
    /// Number of planes (3 for RGB).
    public let channels: Int
    /// Rows, pixels.
    public let height: Int
    /// Columns, pixels.
    public let width: Int
    /// `channels · height · width` values, layout as above.
    public var values: [Float]

    /// - Precondition: sizes ≥ 0 and `values.count == channels · height · width`.
    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(channels >= 0 && height >= 0 && width >= 0)
        precondition(values.count == channels * height * width, "\(values.count) values for \(channels)×\(height)×\(width)")
        self.channels = channels; self.height = height; self.width = width; self.values = values
    }

    /// Element `(c, y, x)`.
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { values[(c * height + y) * width + x] }
        set { values[(c * height + y) * width + x] = newValue }
    }
}

/// PIL's resampling of 8-bit images (Pillow `src/libImaging/Resample.c`), reproduced exactly so that the tensors
/// match torchvision's, which resizes PIL images with it.
public enum PILResample {
    /// `Image.resize((width, height), Image.Resampling.BILINEAR)` of an RGB image, bit for bit.
    ///
    /// PIL's bilinear filter is a separable triangle `max(0, 1 − |x|)` whose support grows with the downscale
    /// factor (antialiased: support = `scale` when `scale = in / out > 1`), pixel-centre aligned
    /// (`centre = (out + 0.5) · scale`). Per output pixel the weights over the inputs within the support are
    /// normalised to sum 1 and turned into 22-bit fixed point (`Int(0.5 + w · 2²²)`); each pass sums
    /// `value · weight` from `2²¹` (rounding) and keeps `sum >> 22` clamped to 0…255. The horizontal pass runs
    /// first (skipped when the width is unchanged), into an 8-bit intermediate image, then the vertical pass.
    ///
    /// - Precondition: `width, height ≥ 1`; the image is not empty.
    /// - Complexity: O(`width · image.height · support` + `width · height · support`).
    public static func bilinear(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        precondition(width >= 1 && height >= 1 && image.width >= 1 && image.height >= 1)
        if width == image.width && height == image.height { return image }
        let vertical = coefficients(inSize: image.height, outSize: height, support: 1)
        let firstRow = vertical.bounds[0], lastRow = vertical.bounds[2 * (height - 1)] + vertical.bounds[2 * (height - 1) + 1]
        // Horizontal pass on the rows the vertical pass reads (as PIL), interleaved RGB bytes.
        var source = [UInt8](repeating: 0, count: image.width * image.height * 3)
        for (i, p) in image.pixels.enumerated() { source[3 * i] = p.r; source[3 * i + 1] = p.g; source[3 * i + 2] = p.b }
        var rows = [UInt8]()
        var rowOffset = 0
        var sourceWidth = image.width
        if width != image.width {
            let horizontal = coefficients(inSize: image.width, outSize: width, support: 1)
            rows = [UInt8](repeating: 0, count: width * (lastRow - firstRow) * 3)
            source.withUnsafeBufferPointer { src in
                rows.withUnsafeMutableBufferPointer { dst in
                    for y in firstRow..<lastRow {
                        let inRow = src.baseAddress! + y * image.width * 3
                        let outRow = dst.baseAddress! + (y - firstRow) * width * 3
                        for x in 0..<width {
                            let lo = horizontal.bounds[2 * x], n = horizontal.bounds[2 * x + 1]
                            var s0 = half, s1 = half, s2 = half
                            for k in 0..<n {
                                let w = horizontal.weights[x * horizontal.size + k]
                                let p = inRow + (lo + k) * 3
                                s0 += Int(p[0]) * w; s1 += Int(p[1]) * w; s2 += Int(p[2]) * w
                            }
                            outRow[3 * x] = clip8(s0); outRow[3 * x + 1] = clip8(s1); outRow[3 * x + 2] = clip8(s2)
                        }
                    }
                }
            }
            rowOffset = firstRow
            sourceWidth = width
        } else {
            rows = source
        }
        if height == image.height {
            var out = [RGB8](repeating: .black, count: width * height)
            for i in 0..<(width * height) { out[i] = RGB8(rows[3 * i], rows[3 * i + 1], rows[3 * i + 2]) }
            return RGBImage(width: width, height: height, pixels: out)
        }
        // Vertical pass.
        var out = [RGB8](repeating: .black, count: width * height)
        rows.withUnsafeBufferPointer { src in
            for y in 0..<height {
                let lo = vertical.bounds[2 * y] - rowOffset, n = vertical.bounds[2 * y + 1]
                for x in 0..<sourceWidth {
                    var s0 = half, s1 = half, s2 = half
                    for k in 0..<n {
                        let w = vertical.weights[y * vertical.size + k]
                        let p = src.baseAddress! + ((lo + k) * sourceWidth + x) * 3
                        s0 += Int(p[0]) * w; s1 += Int(p[1]) * w; s2 += Int(p[2]) * w
                    }
                    out[y * width + x] = RGB8(clip8(s0), clip8(s1), clip8(s2))
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    static let precisionBits = 22  // PIL: 32 − 8 − 2
    static let half = 1 << (precisionBits - 1)

    @inline(__always) static func clip8(_ v: Int) -> UInt8 { UInt8(clamping: v >> precisionBits) }

    /// PIL's `precompute_coeffs` + `normalize_coeffs_8bpc` for the box `[0, inSize)`: per output index `o`, the
    /// first input `bounds[2o]`, the count `bounds[2o + 1]`, and fixed-point weights `weights[o · size + k]`.
    static func coefficients(inSize: Int, outSize: Int, support filterSupport: Double) -> (bounds: [Int], weights: [Int], size: Int) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filterSupport * filterScale
        let size = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int](repeating: 0, count: 2 * outSize)
        var weights = [Int](repeating: 0, count: outSize * size)
        var k = [Double](repeating: 0, count: size)
        let ss = 1 / filterScale
        for o in 0..<outSize {
            let centre = (Double(o) + 0.5) * scale
            let lo = max(Int(centre - support + 0.5), 0)  // C's (int) truncates toward zero, as Int(_:) does
            let count = min(Int(centre + support + 0.5), inSize) - lo
            var sum = 0.0
            for i in 0..<count {
                var x = (Double(i + lo) - centre + 0.5) * ss
                if x < 0 { x = -x }
                let w = x < 1 ? 1 - x : 0
                k[i] = w; sum += w
            }
            for i in 0..<count {
                let w = sum != 0 ? k[i] / sum : k[i]
                let f = w * Double(1 << precisionBits)
                weights[o * size + i] = w < 0 ? Int(-0.5 + f) : Int(0.5 + f)
            }
            bounds[2 * o] = lo; bounds[2 * o + 1] = count
        }
        return (bounds, weights, size)
    }
}

/// torchvision's ImageNet preprocessing of 8-bit RGB images (the `transforms` of `MobileNet_V2_Weights.IMAGENET1K_V1`:
/// `Resize(256, BILINEAR)`, `CenterCrop(224)`, `ToTensor()`, `Normalize(mean, std)`), and a whole-frame variant for
/// feature maps.
public enum ImageNetPreprocessing {
    /// ImageNet channel means (R, G, B), on the 0…1 scale.
    public static let mean: [Float] = [0.485, 0.456, 0.406]
    /// ImageNet channel standard deviations (R, G, B), on the 0…1 scale.
    public static let std: [Float] = [0.229, 0.224, 0.225]

    /// torchvision's classification preprocessing: the shorter side resized to `resize` with PIL's bilinear
    /// (`PILResample.bilinear`), the longer to `Int(resize · long / short)` (truncated, as torchvision); the centre
    /// `crop × crop` square, its offsets `round((side − crop) / 2)` with ties to even (Python's `round`); then
    /// `(v / 255 − mean[c]) / std[c]` in `Float`.
    /// - Returns: `3 × crop × crop`, RGB.
    /// - Throws: `VLNError.invalidValue` (field `image`) for a zero-size image.
    /// - Precondition: `crop ≥ 1`, `resize ≥ crop`.
    public static func classification(_ image: RGBImage, resize: Int = 256, crop: Int = 224) throws -> ImageTensor {
        precondition(crop >= 1 && resize >= crop)
        try checkNotEmpty(image)
        let short = min(image.width, image.height), long = max(image.width, image.height)
        let newLong = Int(Double(resize * long) / Double(short))
        let (w, h) = image.width <= image.height ? (resize, newLong) : (newLong, resize)
        let resized = PILResample.bilinear(image, width: w, height: h)
        let top = Int((Double(h - crop) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(w - crop) / 2).rounded(.toNearestOrEven))
        return normalized(resized, x0: left, y0: top, width: crop, height: crop)
    }

    /// Whole-frame preprocessing for a feature map (no crop): the image resized with PIL's bilinear so that each
    /// side is a multiple of `multiple` (the network's stride; MobileNetV2: 32), then normalised as
    /// `classification`. Each side becomes `max(multiple, round(side · s / multiple) · multiple)`, where
    /// `s = shorterSide / min(width, height)` if `shorterSide` is given, else 1 (the frame's own scale). A 640×480
    /// frame stays 640×480 (20×15 patches of 32 pixels); with `shorterSide: 224` it becomes 288×224 (9×7 patches).
    /// - Returns: `3 × H × W`, RGB.
    /// - Throws: `VLNError.invalidValue` (field `image`) for a zero-size image.
    /// - Precondition: `multiple ≥ 1`; `shorterSide ≥ 1` when given.
    public static func patchGrid(_ image: RGBImage, multiple: Int = 32, shorterSide: Int? = nil) throws -> ImageTensor {
        precondition(multiple >= 1 && (shorterSide ?? 1) >= 1)
        try checkNotEmpty(image)
        let s = shorterSide.map { Double($0) / Double(min(image.width, image.height)) } ?? 1
        func side(_ n: Int) -> Int { max(multiple, Int((Double(n) * s / Double(multiple)).rounded()) * multiple) }
        let w = side(image.width), h = side(image.height)
        let resized = PILResample.bilinear(image, width: w, height: h)
        return normalized(resized, x0: 0, y0: 0, width: w, height: h)
    }

    /// The region `[x0, x0 + width) × [y0, y0 + height)` of `image` as `(v / 255 − mean[c]) / std[c]`, `3 × height × width`.
    /// - Precondition: the region lies within the image.
    public static func normalized(_ image: RGBImage, x0: Int, y0: Int, width: Int, height: Int) -> ImageTensor {
        precondition(x0 >= 0 && y0 >= 0 && width >= 0 && height >= 0 && x0 + width <= image.width && y0 + height <= image.height)
        var v = [Float](repeating: 0, count: 3 * width * height)
        // torchvision: ToTensor gives Float(v) / 255, Normalize then (x − mean) / std, each rounded to Float.
        let plane = width * height
        for y in 0..<height {
            for x in 0..<width {
                let p = image.pixels[(y0 + y) * image.width + x0 + x]
                let i = y * width + x
                v[i] = (Float(p.r) / 255 - mean[0]) / std[0]
                v[plane + i] = (Float(p.g) / 255 - mean[1]) / std[1]
                v[2 * plane + i] = (Float(p.b) / 255 - mean[2]) / std[2]
            }
        }
        return ImageTensor(channels: 3, height: height, width: width, values: v)
    }

    static func checkNotEmpty(_ image: RGBImage) throws {
        guard image.width > 0, image.height > 0 else {
            throw VLNError.invalidValue(field: "image", reason: "the image is \(image.width)×\(image.height): nothing to encode")
        }
    }
}
