import CBLAS
import CEncoderKernels
import Foundation

/// A dense `rows × columns` matrix of `Float`, row-major: element `(r, c)` is `values[r * columns + c]`.
public struct Matrix: Sendable, Equatable {
    /// Number of rows (≥ 0).
    public let rows: Int
    /// Number of columns (≥ 0).
    public let columns: Int
    /// The `rows · columns` elements, row after row.
    public var values: [Float]

    /// - Precondition: `rows, columns ≥ 0`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0)
        self.rows = rows; self.columns = columns
        values = [Float](repeating: value, count: rows * columns)
    }

    /// - Precondition: `values.count == rows · columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns, "\(values.count) values for \(rows)×\(columns)")
        self.rows = rows; self.columns = columns; self.values = values
    }

    @inlinable public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// Row `r` (a slice of `values`).
    public func row(_ r: Int) -> ArraySlice<Float> { values[(r * columns)..<((r + 1) * columns)] }

    /// The transpose, `columns × rows`.
    public func transposed() -> Matrix {
        var t = Matrix(rows: columns, columns: rows)
        values.withUnsafeBufferPointer { src in
            t.values.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    for c in 0..<columns { dst[c * rows + r] = src[r * columns + c] }
                }
            }
        }
        return t
    }

    /// `self · other` (or `self · otherᵀ` with `transposeOther`) through `cblas_sgemm`.
    /// - Precondition: the inner dimensions agree.
    public func multiplied(by other: Matrix, transposeOther: Bool = false) -> Matrix {
        let n = transposeOther ? other.rows : other.columns
        let k = transposeOther ? other.columns : other.rows
        precondition(k == columns, "inner dimensions differ: \(rows)×\(columns) · \(transposeOther ? "(\(other.rows)×\(other.columns))ᵀ" : "\(other.rows)×\(other.columns)")")
        var out = Matrix(rows: rows, columns: n)
        guard rows > 0, n > 0 else { return out }
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.values.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(m: rows, n: n, k: k, a: a.baseAddress!, lda: max(columns, 1), b: b.baseAddress!, ldb: max(other.columns, 1),
                               transposeB: transposeOther, c: c.baseAddress!, ldc: n)
                }
            }
        }
        return out
    }
}

/// OpenBLAS: matrix products and its kernel set, always on one thread.
///
/// vlnsim keeps OpenBLAS single-threaded and spreads independent work (texts, frames) over threads itself
/// (`Parallel`, on a fixed partition), so that every product is computed the same way whatever the thread count:
/// OpenBLAS's own threading splits a product differently for different thread counts, and its AVX2 kernels then
/// round differently (outputs not bit-identical between 1 and 2 threads).
///
/// A dynamic-architecture OpenBLAS (Debian 12's 0.3.21) picks its kernels by CPU model and falls back to the
/// SSE3 "Prescott" kernels on CPUs newer than itself (e.g. Emerald Rapids, model 207): 3–4× slower than it could be.
/// Before the first product, if `OPENBLAS_CORETYPE` is not set and the kernels in use lack the vector width that
/// vlnsim's SIMD level allows (`SIMDLevel.current`: the CPU's, capped by `VLNSIM_SIMD`), `BLAS` re-selects
/// "SkylakeX" (AVX-512 F/DQ/BW/VL) or "Haswell" (AVX2 + FMA), as the user could with `OPENBLAS_CORETYPE`.
public enum BLAS {
    /// The kernel set OpenBLAS uses, e.g. "SkylakeX", "Haswell", "Zen", "Prescott".
    public static var coreName: String {
        _ = configured
        return openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// Runs once, before the first BLAS call made through this type (see the type's documentation).
    static let configured: Void = {
        defer { openblas_set_num_threads(1) }
        if let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !forced.isEmpty { return }
        let current = openblas_get_corename().map { String(cString: $0) }?.lowercased() ?? ""
        switch SIMDLevel.current {  // the kernel sets whose widest vectors are that level's
        case .avx512 where !["skylakex", "cooperlake", "sapphirerapids"].contains(current): _ = vln_openblas_reselect_core("SkylakeX")
        case .avx2 where !["haswell", "zen"].contains(current): _ = vln_openblas_reselect_core("Haswell")
        default: break
        }
    }()

    /// The number of threads OpenBLAS uses: always 1 (see the type's documentation).
    public static var threadCount: Int {
        _ = configured
        return Int(openblas_get_num_threads())
    }

    /// `C ← alpha · op(A) · op(B) + beta · C`, all row-major (`cblas_sgemm` with `CblasRowMajor`).
    ///
    /// - Parameters:
    ///   - m, n, k: `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
    ///   - a, lda: `A`, with `lda` elements between rows (`A` is `m × k`, or `k × m` when `transposeA`).
    ///   - b, ldb: `B`, with `ldb` elements between rows (`B` is `k × n`, or `n × k` when `transposeB`).
    ///   - c, ldc: `C`, with `ldc` elements between rows.
    /// - Precondition: `m, n, k ≥ 0`; leading dimensions at least the row lengths.
    @inline(__always)
    public static func sgemm(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                             b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false, beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        assert(m >= 0 && n >= 0 && k >= 0)
        assert(lda >= max(1, transposeA ? m : k) && ldb >= max(1, transposeB ? k : n) && ldc >= max(1, n))
        _ = configured
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// A fully connected layer `y = x · Wᵀ + b` (PyTorch's `nn.Linear`), with `W` stored transposed (`inputs × outputs`)
/// so that the product is a plain row-major `cblas_sgemm`.
///
/// The product runs on `MatrixProducts.path`, chosen once per process:
/// - **packed AVX2** (CPUs whose widest vectors are AVX2, e.g. AMD EPYC Zen 1–3): fp32 with `Wᵀ` packed once into
///   16-column panels (`vln_gemm_packed`), the bias and GELU (`applyGELU`) applied before the store; as exact as
///   `sgemm` (each output within about 1e-7 of Σ|xᵢ wᵢ| on MiniLM's shapes).
/// - **AMX bf16x3** (Intel CPUs with AMX-BF16: Sapphire Rapids and later): `Wᵀ` also packed for AMX tiles and `x · Wᵀ`
///   computed as bf16x3 (three bfloat16 products accumulated in fp32; see `MatrixProducts`): about 3 × faster there
///   (≈ 300 against ≈ 100 GFLOP/s on MiniLM's shapes), each output within about 2e-6 of Σ|xᵢ wᵢ| of the exact value
///   on MiniLM's shapes (sums of 384 or more products, whose errors partly cancel), but up to 3·2⁻¹⁶ ≈ 4.6e-5 of it
///   for sums of a few products (≈ 2e-5 seen for one product). These bounds hold for inputs and products of
///   magnitude above about 1e-35: the tiles read bfloat16 subnormals as zero, so tinier values lose their lo parts
///   (≈ 2⁻⁸ relative error) and fp32 subnormal inputs count as 0.
/// - **OpenBLAS** `sgemm` elsewhere (AVX-512 CPUs without AMX, CPUs below AVX2), the bias and GELU in C loops after.
///
/// Each output row depends only on its own input row on every path.
public struct Linear: Sendable {
    /// Input features per row (`in_features`).
    public let inputs: Int
    /// Output features per row (`out_features`).
    public let outputs: Int
    /// `Wᵀ`, `inputs × outputs`, row-major.
    public let weightT: [Float]
    /// `b`, `outputs` values.
    public let bias: [Float]
    /// `Wᵀ` in AMX tiles (`vln_amx_pack_b`), when the products use AMX.
    let packedWeightT: [UInt16]?
    /// `Wᵀ` in 16-column panels (`vln_gemm_pack_b`), when the products use the packed AVX2 kernel.
    let packedFP32WeightT: [Float]?

    /// From PyTorch's layout: `weight` is `outputs × inputs`, row-major.
    /// - Precondition: `weight.count == outputs · inputs`, `bias.count == outputs`.
    public init(weight: [Float], bias: [Float], inputs: Int, outputs: Int) {
        precondition(weight.count == inputs * outputs && bias.count == outputs)
        self.inputs = inputs; self.outputs = outputs
        weightT = Matrix(rows: outputs, columns: inputs, values: weight).transposed().values
        self.bias = bias
        packedWeightT = MatrixProducts.packForAMX(weightT, inputs: inputs, outputs: outputs)
        packedFP32WeightT = MatrixProducts.packForAVX2(weightT, inputs: inputs, outputs: outputs)
    }

    /// Reads `<prefix>.weight` (`outputs × inputs`) and `<prefix>.bias` (`outputs`) from `file`.
    /// - Throws: `VLNError.badFile` naming the tensor if one is missing or has another shape.
    public init(_ file: SafeTensors, _ prefix: String, inputs: Int, outputs: Int) throws {
        self.init(weight: try file.floats(prefix + ".weight", shape: [outputs, inputs]),
                  bias: try file.floats(prefix + ".bias", shape: [outputs]), inputs: inputs, outputs: outputs)
    }

    /// Several layers on the same input as one (outputs side by side: `[y₀ | y₁ | …]`), e.g. query, key, value.
    /// - Precondition: the layers share `inputs`.
    public init(concatenating layers: [Linear]) {
        let inputs = layers[0].inputs
        precondition(layers.allSatisfy { $0.inputs == inputs })
        let outputs = layers.reduce(0) { $0 + $1.outputs }
        var w = [Float](repeating: 0, count: inputs * outputs)
        var column = 0
        for l in layers {
            for i in 0..<inputs {
                for o in 0..<l.outputs { w[i * outputs + column + o] = l.weightT[i * l.outputs + o] }
            }
            column += l.outputs
        }
        self.inputs = inputs; self.outputs = outputs
        weightT = w
        bias = layers.flatMap(\.bias)
        packedWeightT = MatrixProducts.packForAMX(w, inputs: inputs, outputs: outputs)
        packedFP32WeightT = MatrixProducts.packForAVX2(w, inputs: inputs, outputs: outputs)
    }

    /// `y = x · Wᵀ` (no bias: for callers that fuse the bias into the next step) for `rows` input rows; layout as
    /// `apply`.
    public func applyWithoutBias(rows: Int, x: UnsafePointer<Float>, ldx: Int, y: UnsafeMutablePointer<Float>, ldy: Int) {
        product(rows: rows, x: x, ldx: ldx, y: y, ldy: ldy, epilogue: VLN_GEMM_PLAIN)
    }

    /// `y = x · Wᵀ + b` for `rows` input rows.
    /// - Parameters:
    ///   - x: `rows × inputs`, row-major, `ldx` elements between rows.
    ///   - y: `rows × outputs`, row-major, `ldy` elements between rows; overwritten.
    public func apply(rows: Int, x: UnsafePointer<Float>, ldx: Int, y: UnsafeMutablePointer<Float>, ldy: Int) {
        product(rows: rows, x: x, ldx: ldx, y: y, ldy: ldy, epilogue: VLN_GEMM_BIAS)
    }

    /// `y = GELU(x · Wᵀ + b)` for `rows` input rows (GELU's erf form, as `VectorMath.geluInPlace`); layout as `apply`.
    public func applyGELU(rows: Int, x: UnsafePointer<Float>, ldx: Int, y: UnsafeMutablePointer<Float>, ldy: Int) {
        product(rows: rows, x: x, ldx: ldx, y: y, ldy: ldy, epilogue: VLN_GEMM_BIAS_GELU)
    }

    /// The product on `MatrixProducts.path`, then the epilogue (fused into the packed AVX2 kernel).
    private func product(rows: Int, x: UnsafePointer<Float>, ldx: Int, y: UnsafeMutablePointer<Float>, ldy: Int, epilogue: vln_gemm_epilogue) {
        guard rows > 0, outputs > 0 else { return }
        if let packed = packedFP32WeightT {
            let status = packed.withUnsafeBufferPointer { p in
                bias.withUnsafeBufferPointer { b in vln_gemm_packed(rows, outputs, inputs, x, ldx, p.baseAddress!, b.baseAddress!, epilogue, y, ldy) }
            }
            if status == 0 { return }
        }
        // AMX, or (without it, or when its scratch allocation failed) OpenBLAS; then the epilogue on its own.
        let amxStatus = packedWeightT?.withUnsafeBufferPointer { p in vln_amx_gemm_bf16x3(rows, outputs, inputs, x, ldx, p.baseAddress!, y, ldy) }
        if amxStatus != 0 {
            weightT.withUnsafeBufferPointer { w in
                BLAS.sgemm(m: rows, n: outputs, k: inputs, a: x, lda: ldx, b: w.baseAddress!, ldb: outputs, beta: 0, c: y, ldc: ldy)
            }
        }
        bias.withUnsafeBufferPointer { b in
            switch epilogue {
            case VLN_GEMM_BIAS: vln_add_bias_rows(y, rows, outputs, ldy, b.baseAddress!)
            case VLN_GEMM_BIAS_GELU:
                for r in 0..<rows { vln_bias_gelu(y + r * ldy, 1, outputs, b.baseAddress!) }
            default: break
            }
        }
    }
}

/// How dense products of weights (`Linear`) are computed.
///
/// On CPUs with Intel AMX (AMX-TILE, AMX-BF16) and AVX512-BF16, where Linux grants the process the tile state,
/// `Linear` uses "bf16x3" on AMX tiles: each fp32 operand is split into bfloat16 `hi = bf16(x)` and
/// `lo = bf16(x − hi)`, and `A·B ≈ Ahi·Bhi + Ahi·Blo + Alo·Bhi`, with exact bf16 products and fp32 accumulation
/// (Henry, Tang & Heinecke, ARITH 2019; XLA's `BF16_BF16_F32_X3` dot algorithm). An infinite input (or a finite one
/// of magnitude ≥ ≈ 3.396e38) then gives NaN, where fp32 gives ±∞, in the outputs it reaches. Elsewhere, or with
/// the environment variable `VLNSIM_AMX=0` (or `VLNSIM_SIMD` below `avx512`), products are fp32: the packed AVX2
/// kernel where the SIMD level is AVX2, else OpenBLAS `cblas_sgemm` (see `path`). The choice is made once per process.
public enum MatrixProducts {
    /// The ways `Linear` computes its products.
    public enum Path: String, Sendable {
        /// bf16x3 on AMX tiles (Intel Sapphire Rapids and later).
        case amxBF16x3 = "bf16x3 on AMX tiles"
        /// fp32 with the weights packed once, AVX2 + FMA, bias and GELU fused (`vln_gemm_packed`).
        case packedAVX2 = "fp32, packed weights, AVX2 + FMA"
        /// fp32 OpenBLAS `cblas_sgemm`.
        case openBLAS = "fp32 OpenBLAS sgemm"
    }

    /// The path of this process, chosen once: AMX where `vln_amx_available` (the CPU has it, `VLNSIM_AMX` is not 0 and
    /// `VLNSIM_SIMD` allows AVX-512); else the packed AVX2 kernel where the SIMD level (`SIMDLevel.current`) is AVX2;
    /// else OpenBLAS (AVX-512 CPUs without AMX, whose OpenBLAS kernels use the full vector width, and CPUs below AVX2).
    /// `VLNSIM_PACKED=0` turns the packed AVX2 kernel off (OpenBLAS instead), to compare the two.
    public static let path: Path = {
        _ = BLAS.configured  // OpenBLAS's kernel choice, made here, on the thread that loads a model, not in a worker
        if vln_amx_available() != 0 { return .amxBF16x3 }
        if SIMDLevel.current == .avx2, vln_gemm_available() != 0, ProcessInfo.processInfo.environment["VLNSIM_PACKED"] != "0" { return .packedAVX2 }
        return .openBLAS
    }()

    /// Whether `Linear` computes its products on AMX tiles (bf16x3) rather than in fp32.
    public static var usesAMX: Bool { path == .amxBF16x3 }
    /// Whether the CPU has what the AMX path needs (`KernelPath.amxFlags`), whatever `VLNSIM_AMX` and `VLNSIM_SIMD` say.
    public static var cpuHasAMX: Bool { KernelPath.missing(KernelPath.amxFlags).isEmpty }

    /// `a · b` (`a`: `m × k`, `b`: `k × n`) by the packed AVX2 kernel (`vln_gemm_packed`), whatever `path` is, or nil
    /// on a CPU without AVX2 and FMA. For tests.
    public static func packedAVX2Product(_ a: Matrix, _ b: Matrix, bias: [Float]? = nil, gelu: Bool = false) -> Matrix? {
        precondition(a.columns == b.rows, "inner dimensions differ: \(a.rows)×\(a.columns) · \(b.rows)×\(b.columns)")
        precondition(bias == nil || bias!.count == b.columns)
        guard vln_gemm_available() != 0 else { return nil }
        var c = Matrix(rows: a.rows, columns: b.columns)
        guard a.rows > 0, b.columns > 0 else { return c }
        // One value stands in for an empty operand (k = 0), so that every pointer is valid; none is read then.
        let aValues = a.values.isEmpty ? [0] : a.values, bValues = b.values.isEmpty ? [0] : b.values
        var packed = [Float](repeating: 0, count: max(1, vln_gemm_packed_count(b.rows, b.columns)))
        bValues.withUnsafeBufferPointer { bv in
            packed.withUnsafeMutableBufferPointer { vln_gemm_pack_b(bv.baseAddress!, b.rows, b.columns, b.columns, $0.baseAddress!) }
        }
        let biasValues = bias ?? [Float](repeating: 0, count: b.columns)
        let epilogue = gelu ? VLN_GEMM_BIAS_GELU : (bias == nil ? VLN_GEMM_PLAIN : VLN_GEMM_BIAS)
        let status = aValues.withUnsafeBufferPointer { av in
            packed.withUnsafeBufferPointer { p in
                biasValues.withUnsafeBufferPointer { bb in
                    c.values.withUnsafeMutableBufferPointer { cv in
                        vln_gemm_packed(a.rows, b.columns, a.columns, av.baseAddress!, max(a.columns, 1), p.baseAddress!, bb.baseAddress!, epilogue,
                                        cv.baseAddress!, b.columns)
                    }
                }
            }
        }
        return status == 0 ? c : nil
    }

    /// `Wᵀ` (`inputs × outputs`) packed for `vln_gemm_packed`, or nil off the packed AVX2 path.
    static func packForAVX2(_ weightT: [Float], inputs: Int, outputs: Int) -> [Float]? {
        guard path == .packedAVX2, inputs > 0, outputs > 0 else { return nil }
        var packed = [Float](repeating: 0, count: vln_gemm_packed_count(inputs, outputs))
        weightT.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBufferPointer { vln_gemm_pack_b(w.baseAddress!, inputs, outputs, outputs, $0.baseAddress!) }
        }
        return packed
    }

    /// `a · b` by bf16x3 on AMX tiles (`a`: `m × k`, `b`: `k × n`, result `m × n`, all row-major), or nil where
    /// `usesAMX` is false. For tests and for measuring the method against fp32.
    public static func amxProduct(_ a: Matrix, _ b: Matrix) -> Matrix? {
        precondition(a.columns == b.rows, "inner dimensions differ: \(a.rows)×\(a.columns) · \(b.rows)×\(b.columns)")
        guard usesAMX else { return nil }
        var c = Matrix(rows: a.rows, columns: b.columns)
        guard a.rows > 0, b.columns > 0, a.columns > 0 else { return c }  // nothing to compute, or an empty sum (0)
        guard let packed = packForAMX(b.values, inputs: b.rows, outputs: b.columns) else { return nil }
        let status = a.values.withUnsafeBufferPointer { av in
            packed.withUnsafeBufferPointer { p in
                c.values.withUnsafeMutableBufferPointer { cv in
                    vln_amx_gemm_bf16x3(a.rows, b.columns, a.columns, av.baseAddress!, max(a.columns, 1), p.baseAddress!, cv.baseAddress!, b.columns)
                }
            }
        }
        return status == 0 ? c : nil
    }

    /// `Wᵀ` (`inputs × outputs`) packed for `vln_amx_gemm_bf16x3`, or nil without AMX.
    static func packForAMX(_ weightT: [Float], inputs: Int, outputs: Int) -> [UInt16]? {
        guard path == .amxBF16x3, inputs > 0, outputs > 0 else { return nil }
        var packed = [UInt16](repeating: 0, count: vln_amx_packed_count(inputs, outputs))
        weightT.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBufferPointer { vln_amx_pack_b(w.baseAddress!, inputs, outputs, outputs, $0.baseAddress!) }
        }
        return packed
    }
}
