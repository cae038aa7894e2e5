import CEncoderKernels

/// Element-wise kernels on `Float` buffers used by the encoders (C, `CEncoderKernels`: vectorised, with AVX-512
/// and AVX2 variants chosen at run time). Accuracy: `exp` relative error ≤ 2e-7 on [−87, 88]; GELU's erf
/// absolute error ≤ 1.5e-7 (Abramowitz & Stegun 7.1.26, as PyTorch's vectorised CPU GELU).
public enum VectorMath {
    /// GELU in place, the exact (erf) form: `x · ½ · (1 + erf(x / √2))` (Hendrycks & Gimpel 2016,
    /// arXiv:1606.08415; BERT's `hidden_act = "gelu"`).
    @inline(__always)
    public static func geluInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) { vln_gelu_inplace(p, count) }

    /// LayerNorm of each row in place: `(x − mean) / √(var + eps) · gamma + beta`, biased variance (Ba et al. 2016,
    /// arXiv:1607.06450; PyTorch's `nn.LayerNorm`). `x` is `rows × width`, row-major; gamma, beta `width` values.
    @inline(__always)
    public static func layerNormInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, gamma: UnsafePointer<Float>,
                                 beta: UnsafePointer<Float>, eps: Float) {
        vln_layernorm_rows(x, rows, width, gamma, beta, eps)
    }

    /// `a += b`, element-wise.
    @inline(__always)
    public static func addInPlace(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) { vln_add_inplace(a, b, count) }

    /// Softmax of each row in place (max subtracted first); `x` is `rows × width` with `ld` elements between rows.
    @inline(__always)
    public static func softmaxRowsInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, ld: Int) { vln_softmax_rows(x, rows, width, ld) }

    /// `eˣ` element-wise (for tests).
    public static func exp(_ x: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { vln_exp(xb.baseAddress!, $0.baseAddress!, x.count) } }
        return y
    }
}
