import CEncoderKernels
import Foundation
import VLNCore
import VLNEncoders
import XCTest

/// Dense products (fp32 `sgemm` and bf16x3 on AMX tiles) against the same products summed in Double.
final class MatrixProductTests: XCTestCase {
    /// Uniform values in [−scale, scale), seeded.
    static func randomMatrix(_ rows: Int, _ columns: Int, scale: Float, seed: UInt64) -> Matrix {
        var g = SeededRandom(seed: seed)
        return Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in g.uniform(-scale, scale) })
    }

    /// The largest |c − Σ a·b| / Σ|a·b| over all elements, sums in Double.
    static func worstRelativeError(_ a: Matrix, _ b: Matrix, _ c: Matrix) -> Double {
        var worst = 0.0
        for i in 0..<a.rows {
            for j in 0..<b.columns {
                var exact = 0.0, magnitude = 0.0
                for q in 0..<a.columns {
                    let p = Double(a[i, q]) * Double(b[q, j])
                    exact += p; magnitude += abs(p)
                }
                worst = max(worst, abs(Double(c[i, j]) - exact) / max(magnitude, .leastNormalMagnitude))
            }
        }
        return worst
    }

    /// `layer.applyWithoutBias` (or `apply` with `bias`) on the first `layer.inputs` columns of each row of `x`
    /// (`x.columns` apart), into rows `ldy` apart that start filled with `fill`.
    static func applied(_ layer: Linear, to x: Matrix, ldy: Int? = nil, fill: Float = .nan, bias: Bool = false) -> [Float] {
        let ldy = ldy ?? layer.outputs
        var y = [Float](repeating: fill, count: x.rows * ldy)
        x.values.withUnsafeBufferPointer { xv in
            y.withUnsafeMutableBufferPointer {
                if bias {
                    layer.apply(rows: x.rows, x: xv.baseAddress!, ldx: x.columns, y: $0.baseAddress!, ldy: ldy)
                } else {
                    layer.applyWithoutBias(rows: x.rows, x: xv.baseAddress!, ldx: x.columns, y: $0.baseAddress!, ldy: ldy)
                }
            }
        }
        return y
    }

    /// Skips, naming the instructions the CPU lacks (or the setting that turned the path off), unless `Linear`
    /// computes its products on AMX tiles in this process.
    static func requireAMX() throws {
        guard !MatrixProducts.usesAMX else { return }
        let missing = KernelPath.missing(KernelPath.amxFlags)
        throw XCTSkip(missing.isEmpty ? "AMX products turned off in this run (VLNSIM_AMX=0 or VLNSIM_SIMD below avx512)"
                                      : "this CPU lacks \(missing.joined(separator: ", ")): no AMX bf16x3 products to test")
    }

    // Shapes of MiniLM's products (k = 384 and 1536) and ones that are not multiples of the 32 × 32 tiles.
    static let shapes = [(m: 37, k: 100, n: 50), (m: 1, k: 384, n: 1152), (m: 70, k: 1536, n: 384), (m: 33, k: 31, n: 17)]

    func testFP32ProductIsExactToSinglePrecision() {
        for (i, s) in Self.shapes.enumerated() {
            let a = Self.randomMatrix(s.m, s.k, scale: 2, seed: UInt64(i)), b = Self.randomMatrix(s.k, s.n, scale: 0.1, seed: UInt64(100 + i))
            XCTAssertLessThan(Self.worstRelativeError(a, b, a.multiplied(by: b)), 1e-6, "\(s)")
        }
    }

    /// Skips, naming what the CPU lacks, unless it can run the packed AVX2 kernel (which the tests check on every CPU
    /// that has AVX2 and FMA, whichever path `Linear` takes in this process).
    static func requirePackedAVX2() throws {
        guard vln_gemm_available() == 0 else { return }
        let missing = KernelPath.missing(SIMDLevel.avx2.requiredFlags)
        throw XCTSkip(missing.isEmpty ? "packed AVX2 products turned off in this run (VLNSIM_SIMD=baseline)"
                                      : "this CPU lacks \(missing.joined(separator: ", ")): no packed AVX2 products to test")
    }

    /// The packed AVX2 kernel sums in fp32 like sgemm: errors near 2⁻²⁴ of Σ|a·b|. The shapes include rows past the
    /// 6-row blocks and the 48-row blocks, columns past the 16-column panels, and k past the 384-step blocks.
    func testPackedAVX2ProductIsExactToSinglePrecision() throws {
        try Self.requirePackedAVX2()
        for (i, s) in (Self.shapes + [(m: 103, k: 1000, n: 33), (m: 5, k: 385, n: 16), (m: 49, k: 7, n: 1)]).enumerated() {
            let a = Self.randomMatrix(s.m, s.k, scale: 2, seed: UInt64(i)), b = Self.randomMatrix(s.k, s.n, scale: 0.1, seed: UInt64(100 + i))
            let c = try XCTUnwrap(MatrixProducts.packedAVX2Product(a, b))
            XCTAssertEqual(c.rows, s.m); XCTAssertEqual(c.columns, s.n)
            XCTAssertLessThan(Self.worstRelativeError(a, b, c), 1e-6, "\(s)")
        }
        // k = 0: an empty sum, zeros (plus the bias).
        XCTAssertEqual(MatrixProducts.packedAVX2Product(Matrix(rows: 3, columns: 0), Matrix(rows: 0, columns: 4)), Matrix(rows: 3, columns: 4))
        XCTAssertEqual(MatrixProducts.packedAVX2Product(Matrix(rows: 2, columns: 0), Matrix(rows: 0, columns: 2), bias: [1, -2])?.values, [1, -2, 1, -2])
    }

    /// The fused epilogues: + bias, and GELU(· + bias) against the exact GELU x·Φ(x) of the Double sum (the kernel's
    /// GELU approximation: |error| ≤ 7.7e-7 · max(1, |GELU|)).
    func testPackedAVX2BiasAndGELUEpilogues() throws {
        try Self.requirePackedAVX2()
        let (m, k, n) = (13, 400, 37)
        let a = Self.randomMatrix(m, k, scale: 1, seed: 21), b = Self.randomMatrix(k, n, scale: 0.2, seed: 22)
        let bias = (0..<n).map { Float($0 % 7) - 3 }
        let withBias = try XCTUnwrap(MatrixProducts.packedAVX2Product(a, b, bias: bias))
        let gelu = try XCTUnwrap(MatrixProducts.packedAVX2Product(a, b, bias: bias, gelu: true))
        for i in 0..<m {
            for j in 0..<n {
                var exact = Double(bias[j]), magnitude = abs(Double(bias[j]))
                for q in 0..<k { exact += Double(a[i, q]) * Double(b[q, j]); magnitude += abs(Double(a[i, q]) * Double(b[q, j])) }
                XCTAssertEqual(Double(withBias[i, j]), exact, accuracy: 1e-6 * magnitude, "bias (\(i), \(j))")
                let geluExact = exact * 0.5 * (1 + erf(exact / 2.0.squareRoot()))
                XCTAssertEqual(Double(gelu[i, j]), geluExact, accuracy: 1e-6 * magnitude + 3e-7 * abs(exact), "GELU (\(i), \(j))")
            }
        }
    }

    /// `Linear.applyGELU` on this process's path equals `apply` followed by GELU, on strided rows (padding untouched).
    func testLinearApplyGELUIsApplyThenGELU() {
        let rows = 13, inputs = 70, outputs = 37, ldy = 40
        let x = Self.randomMatrix(rows, inputs, scale: 1, seed: 31), w = Self.randomMatrix(outputs, inputs, scale: 0.3, seed: 32)
        let layer = Linear(weight: w.values, bias: (0..<outputs).map { Float($0 % 5) - 2 }, inputs: inputs, outputs: outputs)
        var y = [Float](repeating: -7, count: rows * ldy), z = [Float](repeating: -7, count: rows * ldy)
        x.values.withUnsafeBufferPointer { xv in
            y.withUnsafeMutableBufferPointer { layer.applyGELU(rows: rows, x: xv.baseAddress!, ldx: inputs, y: $0.baseAddress!, ldy: ldy) }
            z.withUnsafeMutableBufferPointer { layer.apply(rows: rows, x: xv.baseAddress!, ldx: inputs, y: $0.baseAddress!, ldy: ldy) }
        }
        for r in 0..<rows {
            var g = Array(z[(r * ldy)..<(r * ldy + outputs)])
            g.withUnsafeMutableBufferPointer { VectorMath.geluInPlace($0.baseAddress!, count: outputs) }
            for o in 0..<outputs { XCTAssertEqual(y[r * ldy + o], g[o], accuracy: 1e-6 * max(1, abs(g[o])), "row \(r), output \(o)") }
            XCTAssertEqual(y[(r * ldy + outputs)..<((r + 1) * ldy)], [-7, -7, -7], "padding after row \(r)")
        }
    }

    /// A row of the packed kernel's product is the same bits alone or among others, wherever it falls in the blocks.
    func testPackedAVX2RowsDoNotDependOnTheOtherRows() throws {
        try Self.requirePackedAVX2()
        let a = Self.randomMatrix(101, 700, scale: 1, seed: 7), b = Self.randomMatrix(700, 40, scale: 0.2, seed: 8)
        let all = try XCTUnwrap(MatrixProducts.packedAVX2Product(a, b))
        for r in [0, 5, 6, 47, 48, 100] {
            let one = try XCTUnwrap(MatrixProducts.packedAVX2Product(Matrix(rows: 1, columns: 700, values: Array(a.row(r))), b))
            XCTAssertEqual(one.values, Array(all.row(r)), "row \(r)")
        }
    }

    /// BERT self-attention of one sequence on the packed kernel against the same attention in Double:
    /// softmax(Q Kᵀ / √dh) V per head. The shapes cover Kᵀ through 8 × 8 transposes with a tail of keys (t = 37, 17),
    /// keys one by one (dh = 8 with t = 1), V read in place (dh = 32, 16; t = 400 spans two k-blocks of the product)
    /// and V packed (dh = 8, 24).
    func testPackedAVX2AttentionMatchesDouble() throws {
        try Self.requirePackedAVX2()
        for (t, heads, dh) in [(37, 12, 32), (1, 2, 8), (17, 3, 24), (400, 1, 16)] {
            let hidden = heads * dh, ld = 3 * hidden + 5
            let qkv = Self.randomMatrix(t, ld, scale: 2, seed: UInt64(t))
            var ctx = [Float](repeating: .nan, count: t * hidden)
            var scratch = [Float](repeating: 0, count: vln_attention_scratch_count(t, dh))
            let scale = 1 / Float(dh).squareRoot()
            let status = qkv.values.withUnsafeBufferPointer { q in
                ctx.withUnsafeMutableBufferPointer { c in
                    scratch.withUnsafeMutableBufferPointer { vln_attention(t, heads, dh, q.baseAddress!, ld, scale, c.baseAddress!, hidden, $0.baseAddress!) }
                }
            }
            XCTAssertEqual(status, 0)
            var worst = 0.0
            for h in 0..<heads {
                for i in 0..<t {
                    var s = (0..<t).map { j in (0..<dh).reduce(0.0) { $0 + Double(qkv[i, h * dh + $1]) * Double(qkv[j, hidden + h * dh + $1]) } / Double(dh).squareRoot() }
                    let m = s.max()!
                    s = s.map { Foundation.exp($0 - m) }
                    let sum = s.reduce(0, +)
                    for d in 0..<dh {
                        let exact = (0..<t).reduce(0.0) { $0 + s[$1] / sum * Double(qkv[$1, 2 * hidden + h * dh + d]) }
                        worst = max(worst, abs(Double(ctx[i * hidden + h * dh + d]) - exact))
                    }
                }
            }
            XCTAssertLessThan(worst, 1e-5, "t \(t), heads \(heads), dh \(dh)")
        }
    }

    /// bf16x3 keeps about 16 significand bits per operand: errors near 2⁻¹⁶ of Σ|a·b|, where one bfloat16 product
    /// (8 bits) would give about 2⁻⁹ ≈ 2e-3.
    func testAMXProductIsWithinBF16x3Accuracy() throws {
        try Self.requireAMX()
        for (i, s) in Self.shapes.enumerated() {
            let a = Self.randomMatrix(s.m, s.k, scale: 2, seed: UInt64(i)), b = Self.randomMatrix(s.k, s.n, scale: 0.1, seed: UInt64(100 + i))
            let c = try XCTUnwrap(MatrixProducts.amxProduct(a, b))
            XCTAssertEqual(c.rows, s.m); XCTAssertEqual(c.columns, s.n)
            XCTAssertLessThan(Self.worstRelativeError(a, b, c), 1e-5, "\(s)")
        }
    }

    /// An output row depends on its input row only: a text embeds the same alone or in a batch.
    func testAMXRowsDoNotDependOnTheOtherRows() throws {
        try Self.requireAMX()
        let a = Self.randomMatrix(45, 384, scale: 1, seed: 7), b = Self.randomMatrix(384, 96, scale: 0.2, seed: 8)
        let all = try XCTUnwrap(MatrixProducts.amxProduct(a, b))
        for r in [0, 17, 44] {
            let one = try XCTUnwrap(MatrixProducts.amxProduct(Matrix(rows: 1, columns: 384, values: Array(a.row(r))), b))
            XCTAssertEqual(one.values, Array(all.row(r)), "row \(r)")
        }
    }

    /// Strided rows (ldx > inputs, ldy > outputs) and more rows than one A panel (672 rows for 384 inputs): each
    /// output checked against the Double sum, the padding between rows left alone.
    func testLinearOnStridedRowsAcrossPanels() {
        let rows = 700, inputs = 384, outputs = 48, ldx = 400, ldy = 50
        let x = Self.randomMatrix(rows, ldx, scale: 1, seed: 11), w = Self.randomMatrix(outputs, inputs, scale: 0.2, seed: 12)
        let layer = Linear(weight: w.values, bias: [Float](repeating: 0, count: outputs), inputs: inputs, outputs: outputs)
        let y = Self.applied(layer, to: x, ldy: ldy, fill: -7)
        for i in 0..<rows { XCTAssertEqual(y[(i * ldy + outputs)..<((i + 1) * ldy)], [-7, -7], "padding after row \(i)") }
        let xDense = Matrix(rows: rows, columns: inputs, values: (0..<rows).flatMap { x.row($0).prefix(inputs) })
        let yDense = Matrix(rows: rows, columns: outputs, values: (0..<rows).flatMap { y[($0 * ldy)..<($0 * ldy + outputs)] })
        XCTAssertLessThan(Self.worstRelativeError(xDense, w.transposed(), yDense), MatrixProducts.usesAMX ? 1e-5 : 1e-6)
    }

    func testLinearAddsTheBiasToTheProduct() {
        let x = Self.randomMatrix(5, 64, scale: 1, seed: 3), w = Self.randomMatrix(40, 64, scale: 0.3, seed: 4)
        let bias = (0..<40).map { Float($0) - 20 }
        let layer = Linear(weight: w.values, bias: bias, inputs: 64, outputs: 40)
        let y = Self.applied(layer, to: x, bias: true)
        for i in 0..<5 {
            for o in 0..<40 {
                var exact = Double(bias[o]), magnitude = abs(Double(bias[o]))
                for q in 0..<64 {
                    exact += Double(x[i, q]) * Double(w[o, q]); magnitude += abs(Double(x[i, q]) * Double(w[o, q]))
                }
                XCTAssertEqual(Double(y[i * 40 + o]), exact, accuracy: 1e-5 * magnitude, "row \(i), output \(o)")
            }
        }
    }

    /// k = 0: the product is the zero matrix (AMX is there, so not nil); likewise an empty result (n = 0).
    func testAMXProductWithoutInnerDimensionIsZero() throws {
        try Self.requireAMX()
        XCTAssertEqual(MatrixProducts.amxProduct(Matrix(rows: 3, columns: 0), Matrix(rows: 0, columns: 4)), Matrix(rows: 3, columns: 4))
        XCTAssertEqual(MatrixProducts.amxProduct(Matrix(rows: 3, columns: 5), Matrix(rows: 5, columns: 0)), Matrix(rows: 3, columns: 0))
    }

    /// The kernel itself with k = 0 (nothing packed): C is overwritten with zeros, not a division by zero.
    func testAMXKernelWithoutInnerDimensionWritesZeros() throws {
        try Self.requireAMX()
        let a = [Float](repeating: 1, count: 2), packed = [UInt16](repeating: 0, count: 1)
        var c = [Float](repeating: 5, count: 2 * 4)  // 2 × 3, ldc 4
        let status = c.withUnsafeMutableBufferPointer { vln_amx_gemm_bf16x3(2, 3, 0, a, 1, packed, $0.baseAddress!, 4) }
        XCTAssertEqual(status, 0)
        XCTAssertEqual(c, [0, 0, 0, 5, 0, 0, 0, 5])
    }

    /// Short sums (k = 1…8), where the split's errors do not average out: each output within the bound that
    /// `Linear`'s documentation states for any k.
    func testAMXErrorBoundHoldsForShortSums() throws {
        try Self.requireAMX()
        let documentedBound = 3 * 0x1p-16 * 1.05  // "up to 3·2⁻¹⁶ ≈ 4.6e-5", with room for the fp32 sums of 3k terms
        for k in [1, 2, 3, 8] {
            let a = Self.randomMatrix(64, k, scale: 2, seed: UInt64(20 + k)), b = Self.randomMatrix(k, 64, scale: 0.1, seed: UInt64(40 + k))
            let c = try XCTUnwrap(MatrixProducts.amxProduct(a, b))
            XCTAssertLessThan(Self.worstRelativeError(a, b, c), documentedBound, "k = \(k)")
        }
    }

    /// Documented difference from fp32: an infinite input (or a finite one of magnitude ≥ ≈ 3.396e38, whose hi part
    /// rounds to infinity) gives NaN, not ±∞, in the outputs it reaches (its lo part is ∞ − ∞ or x − ∞); the
    /// other rows and columns are unaffected.
    func testAMXNonFiniteInputsGiveNaNOnlyWhereTheyReach() throws {
        try Self.requireAMX()
        var a = Matrix(rows: 3, columns: 2, repeating: 1), b = Matrix(rows: 2, columns: 3, repeating: 0.5)
        a[0, 0] = .infinity; a[1, 1] = 3.4e38; b[0, 2] = -.infinity
        let c = try XCTUnwrap(MatrixProducts.amxProduct(a, b)), fp32 = a.multiplied(by: b)
        XCTAssertEqual(fp32[0, 0], .infinity); XCTAssertEqual(fp32[1, 0], 1.7e38); XCTAssertEqual(fp32[2, 2], -.infinity)  // fp32, for comparison
        for i in 0..<3 {
            for j in 0..<3 {
                XCTAssertEqual(c[i, j].isNaN, i < 2 || j == 2, "(\(i), \(j)): \(c[i, j])")
            }
        }
        XCTAssertEqual(c[2, 0], 1); XCTAssertEqual(c[2, 1], 1)
    }

    /// The kernel keeps ~1 MiB of scratch per calling thread (here 700 rows × 384 inputs); a thread that ends must
    /// not take it with it. 64 threads one after another, each applying the layer once: the resident memory grows by
    /// far less than 64 MiB.
    func testLinearScratchIsFreedWhenItsThreadEnds() throws {
        try Self.requireAMX()
        final class Work: @unchecked Sendable {
            let layer: Linear, x: Matrix
            init(rows: Int, inputs: Int, outputs: Int) {
                x = MatrixProductTests.randomMatrix(rows, inputs, scale: 1, seed: 30)
                layer = Linear(weight: MatrixProductTests.randomMatrix(outputs, inputs, scale: 0.2, seed: 31).values,
                               bias: [Float](repeating: 0, count: outputs), inputs: inputs, outputs: outputs)
            }
            func run() { _ = MatrixProductTests.applied(layer, to: x) }
        }
        func residentKiB() throws -> Int {
            let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
            return try XCTUnwrap(Int(fields[1])) * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
        }
        func onNewThread(_ work: Work) {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(work).toOpaque()
            XCTAssertEqual(pthread_create(&thread, nil, { context in
                let work = Unmanaged<Work>.fromOpaque(context!).takeRetainedValue()
                work.run()
                return nil
            }, context), 0)
            pthread_join(thread, nil)
        }
        let work = Work(rows: 700, inputs: 384, outputs: 48)
        onNewThread(work)  // thread stacks and the allocator's arenas set up
        let before = try residentKiB()
        for _ in 0..<64 { onNewThread(work) }
        XCTAssertLessThan(try residentKiB() - before, 16 * 1024, "KiB kept after 64 threads ended")
    }

    /// Documented difference from fp32: bfloat16 subnormals count as zero, so an fp32 subnormal input is 0 and a
    /// tiny one (1e-36, whose lo part is subnormal) keeps only about 8 bits; 1e-30 still has the full accuracy.
    func testAMXTinyInputsLoseTheirLowParts() throws {
        try Self.requireAMX()
        let subnormal = Float(1e-39 as Double)  // converted at run time: as a Float literal it is a compile-time warning
        let a = Matrix(rows: 3, columns: 1, values: [subnormal, 1.0123457e-36, 1.0123457e-30]), b = Matrix(rows: 1, columns: 1, values: [1e30])
        let c = try XCTUnwrap(MatrixProducts.amxProduct(a, Matrix(rows: 1, columns: 1, values: [1.2345678])))
        XCTAssertEqual(try XCTUnwrap(MatrixProducts.amxProduct(Matrix(rows: 1, columns: 1, values: [subnormal]), b)).values, [0])
        XCTAssertEqual(a.multiplied(by: b)[0, 0], 1e-9, accuracy: 1e-15)  // fp32, for comparison
        let relative = (0..<3).map { abs(Double(c[$0, 0]) - Double(a[$0, 0]) * 1.2345678) / (Double(a[$0, 0]) * 1.2345678) }
        XCTAssertEqual(relative[0], 1)
        XCTAssertGreaterThan(relative[1], 0x1p-12); XCTAssertLessThan(relative[1], 0x1p-8)
        XCTAssertLessThan(relative[2], 3 * 0x1p-16)
    }

    /// The same layer applied on several threads at once (tile configuration and scratch are per thread): every
    /// result bit-identical to the one computed alone, with shapes that need different scratch sizes interleaved.
    func testLinearOnSeveralThreadsAtOnceMatchesOneThread() {
        let layer = Linear(weight: Self.randomMatrix(96, 384, scale: 0.2, seed: 50).values, bias: [Float](repeating: 0, count: 96),
                           inputs: 384, outputs: 96)
        let inputs = [700, 33, 1].map { Self.randomMatrix($0, 384, scale: 1, seed: UInt64(51 + $0)) }
        func apply(_ x: Matrix) -> [Float] { Self.applied(layer, to: x) }
        let alone = inputs.map(apply)
        let mismatches = ManagedAtomicCounter()
        DispatchQueue.concurrentPerform(iterations: 150) { i in
            if apply(inputs[i % 3]) != alone[i % 3] { mismatches.increment() }
        }
        XCTAssertEqual(mismatches.value, 0)
    }

    final class ManagedAtomicCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func increment() { lock.lock(); count += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    }
}
