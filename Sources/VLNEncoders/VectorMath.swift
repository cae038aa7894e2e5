/// Element-wise kernels on `Float` buffers used by the encoders: `exp`, GELU, LayerNorm, softmax. Eight lanes at a
/// time (`SIMD8<Float>`); accuracy is stated per function.
enum VectorMath {
    typealias V = SIMD8<Float>

    /// `eˣ` for 8 lanes, relative error ≤ 2e-7 on [−87, 88] (Cephes `expf`: `x = n·ln 2 + r`, |r| ≤ ln 2 / 2,
    /// degree-6 polynomial in `r`, then `2ⁿ` by building the exponent bits). Below −87 it returns ≈ 0.
    @inline(__always)
    static func exp(_ x: V) -> V {
        let x = x.clamped(lowerBound: V(repeating: -87.3), upperBound: V(repeating: 88.3))
        let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_40e-4
        var p = V(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_1e-1
        p = p * r * r + r + 1
        let bits = (SIMD8<Int32>(n) &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: V.self)
    }

    /// `erf(x)` for 8 lanes, absolute error ≤ 1.5e-7 (Abramowitz & Stegun 7.1.26, the approximation PyTorch's
    /// vectorised CPU `erf` uses): `erf(|x|) = 1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵)·e^(−x²)`, `t = 1/(1 + p|x|)`.
    @inline(__always)
    static func erf(_ x: V) -> V {
        let negative = x .< 0
        let ax = x.replacing(with: -x, where: negative)
        let t = 1 / (ax * 0.327_591_1 + 1)
        var poly = V(repeating: 1.061_405_429)
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        poly = poly * t
        let y = 1 - poly * exp(-(x * x))
        return y.replacing(with: -y, where: negative)
    }

    /// GELU in place, the exact (erf) form: `x · ½ · (1 + erf(x / √2))` (Hendrycks & Gimpel 2016,
    /// arXiv:1606.08415; BERT's `hidden_act = "gelu"`).
    static func geluInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let raw = UnsafeMutableRawPointer(p)
        while i + 8 <= count {
            let x = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            let y = x * 0.5 * (1 + erf(x * 0.707_106_781_186_547_5))
            raw.storeBytes(of: y, toByteOffset: i * 4, as: V.self)
            i += 8
        }
        while i < count {
            var x = V(repeating: 0); x[0] = p[i]
            p[i] = (x * 0.5 * (1 + erf(x * 0.707_106_781_186_547_5)))[0]
            i += 1
        }
    }

    /// LayerNorm of each row in place: `(x − mean) / √(var + eps) · gamma + beta`, biased variance (Ba et al. 2016,
    /// arXiv:1607.06450; PyTorch's `nn.LayerNorm`).
    /// - Parameters:
    ///   - x: `rows × width`, row-major.
    ///   - gamma, beta: `width` values each.
    /// - Precondition: `width` is a multiple of 8.
    static func layerNormInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                 eps: Float) {
        precondition(width % 8 == 0)
        let g = UnsafeRawPointer(gamma), b = UnsafeRawPointer(beta)
        for r in 0..<rows {
            let row = UnsafeMutableRawPointer(x + r * width)
            var sum = V(repeating: 0)
            for i in stride(from: 0, to: width, by: 8) { sum += row.loadUnaligned(fromByteOffset: i * 4, as: V.self) }
            let mean = sum.sum() / Float(width)
            var sq = V(repeating: 0)
            for i in stride(from: 0, to: width, by: 8) {
                let d = row.loadUnaligned(fromByteOffset: i * 4, as: V.self) - mean
                sq += d * d
            }
            let inv = 1 / (sq.sum() / Float(width) + eps).squareRoot()
            for i in stride(from: 0, to: width, by: 8) {
                let d = (row.loadUnaligned(fromByteOffset: i * 4, as: V.self) - mean) * inv
                let y = d * g.loadUnaligned(fromByteOffset: i * 4, as: V.self) + b.loadUnaligned(fromByteOffset: i * 4, as: V.self)
                row.storeBytes(of: y, toByteOffset: i * 4, as: V.self)
            }
        }
    }

    /// `a += b`, element-wise.
    static func addInPlace(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        let ra = UnsafeMutableRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 8 <= count {
            ra.storeBytes(of: ra.loadUnaligned(fromByteOffset: i * 4, as: V.self) + rb.loadUnaligned(fromByteOffset: i * 4, as: V.self),
                          toByteOffset: i * 4, as: V.self)
            i += 8
        }
        while i < count { a[i] += b[i]; i += 1 }
    }

    /// Softmax of each row in place (max subtracted first): `eˣⁱ / Σⱼ eˣʲ`.
    /// - Parameters:
    ///   - x: `rows × width`, `ld` elements between rows.
    static func softmaxRowsInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, ld: Int) {
        for r in 0..<rows {
            let row = x + r * ld
            var m = -Float.infinity
            for i in 0..<width { m = max(m, row[i]) }
            var sum: Float = 0
            var i = 0
            let raw = UnsafeMutableRawPointer(row)
            while i + 8 <= width {
                let e = exp(raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) - m)
                raw.storeBytes(of: e, toByteOffset: i * 4, as: V.self)
                sum += e.sum()
                i += 8
            }
            while i < width {
                var v = V(repeating: 0); v[0] = row[i] - m
                let e = exp(v)[0]
                row[i] = e; sum += e; i += 1
            }
            let inv = 1 / sum
            for j in 0..<width { row[j] *= inv }
        }
    }
}
