import CMemoryKernels
import VLNCore
@testable import VLNMemory
import XCTest

/// The token memory's batched C kernels against their definitions, written here as plain sequential loops: the same
/// bits for every row count and every length (tails included). Run with and without `VLNSIM_SIMD=baseline`.
final class MemoryKernelTests: XCTestCase {
    private let lengths = [1, 3, 4, 5, 7, 8, 9, 383, 384]

    private func randomRows(_ count: Int, _ n: Int, _ rng: inout SeededRandom) -> [[Float]] {
        (0..<count).map { _ in (0..<n).map { _ in rng.uniform(-1.7, 1.7) } }
    }

    /// `dots`: `((0 + a₀b₀) + a₁b₁) + …` in float, per row, for 1 to 11 rows (several batches of 8).
    func testDotsEqualTheSequentialSums() {
        var rng = SeededRandom(seed: 11)
        for n in lengths {
            for count in 1...11 {
                let a = randomRows(1, n, &rng)[0], rows = randomRows(count, n, &rng)
                let expected = rows.map { row -> Float in
                    var s: Float = 0
                    for j in 0..<n { s += a[j] * row[j] }
                    return s
                }
                var got = [Float](repeating: .nan, count: count)
                got.withUnsafeMutableBufferPointer { dots(a, count: count, row: { rows[$0] }, into: $0.baseAddress!) }
                XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "n \(n), rows \(count)")
            }
        }
    }

    /// `vln_sum_squares`: `((0 + r₀²) + r₁²) + …` in double, per row, for 1 to 4 rows at once.
    func testSumSquaresEqualTheSequentialSums() {
        var rng = SeededRandom(seed: 12)
        for n in lengths {
            for count in 1...4 {
                let rows = randomRows(count, n, &rng).map { $0.map { Double($0) * 1000.25 } }
                let expected = rows.map { row -> Double in
                    var s = 0.0
                    for v in row { s += v * v }
                    return s
                }
                var got = [Double](repeating: .nan, count: count)
                withRowPointers(rows) { pointers in
                    got.withUnsafeMutableBufferPointer { vln_sum_squares(pointers, count, n, $0.baseAddress!) }
                }
                XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "n \(n), rows \(count)")
            }
        }
    }

    /// `vln_quotients_to_f32` is `Float(x / d)` (zeros when d is not positive); `vln_products_to_f32` is `Float(x · f)`.
    func testQuotientsAndProductsEqualTheScalarConversions() {
        var rng = SeededRandom(seed: 13)
        for n in lengths {
            let src = randomRows(1, n, &rng)[0].map { Double($0) * 3.3 + 1e-3 }
            for divisor in [7.0, 0.3, 1e-30, 0.0, -2.0] {
                var out = [Float](repeating: .nan, count: n)
                src.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { vln_quotients_to_f32(s.baseAddress!, divisor, $0.baseAddress!, n) } }
                let expected = src.map { divisor > 0 ? Float($0 / divisor) : 0 }
                XCTAssertEqual(out.map(\.bitPattern), expected.map(\.bitPattern), "n \(n), divisor \(divisor)")
            }
            for factor in [0.125, 1 / 3.0, 0.0, 1e300] {
                var out = [Float](repeating: .nan, count: n)
                src.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { vln_products_to_f32(s.baseAddress!, factor, $0.baseAddress!, n) } }
                let expected = src.map { Float($0 * factor) }
                XCTAssertEqual(out.map(\.bitPattern), expected.map(\.bitPattern), "n \(n), factor \(factor)")
            }
        }
    }

    /// `vln_f32_to_f16_accumulate` (streaming stores into an aligned row, ordinary ones into a misaligned row) stores
    /// what `vln_f32_to_f16` stores and adds the stored halves' values to the sum.
    func testFusedConversionStoresTheHalvesAndAddsThem() {
        checkFusedConversion(seed: 14, negativeZeroFirst: false, initialSum: 0.5, vln_f32_to_f16_accumulate) { 0.5 + $0 }
    }

    /// `vln_f32_to_f16_start_sum` stores what `vln_f32_to_f16` stores and writes `0 + half` over whatever the sum held
    /// (so −0 becomes +0, as adding to a row of zeros gives), into aligned (streamed) and misaligned rows.
    func testStartSumStoresTheHalvesAndOverwritesTheSum() {
        checkFusedConversion(seed: 15, negativeZeroFirst: true, initialSum: .nan, vln_f32_to_f16_start_sum) { 0.0 + $0 }
    }

    /// Runs a fused conversion `kernel(src, dst, sum, n)` on random rows (the first value −0 if asked) into a row at a
    /// 16-byte boundary and 2 bytes past it; the stored halves must equal `vln_f32_to_f16`'s and each sum, starting at
    /// `initialSum`, must have the bits of `expected(Double(half))`.
    private func checkFusedConversion(seed: UInt64, negativeZeroFirst: Bool, initialSum: Double,
                                      _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<UInt16>, UnsafeMutablePointer<Double>, Int) -> Void,
                                      expected: (Double) -> Double) {
        var rng = SeededRandom(seed: seed)
        for n in lengths {
            var src = randomRows(1, n, &rng)[0].map { $0 * 300 }
            if negativeZeroFirst { src[0] = -0.0 }
            var reference = [UInt16](repeating: 0, count: n)
            src.withUnsafeBufferPointer { s in reference.withUnsafeMutableBufferPointer { vln_f32_to_f16(s.baseAddress!, $0.baseAddress!, n) } }
            var halves = [Float](repeating: 0, count: n)
            reference.withUnsafeBufferPointer { h in halves.withUnsafeMutableBufferPointer { vln_f16_to_f32(h.baseAddress!, $0.baseAddress!, n) } }
            for offset in [0, 1] {                    // row at a 16-byte boundary, then 2 bytes past it
                var dst = [UInt16](repeating: 0xFFFF, count: n + 8)
                var sum = [Double](repeating: initialSum, count: n)
                dst.withUnsafeMutableBufferPointer { d in
                    let aligned = Int(bitPattern: d.baseAddress!) % 16 == 0 ? 0 : (16 - Int(bitPattern: d.baseAddress!) % 16) / 2
                    src.withUnsafeBufferPointer { s in sum.withUnsafeMutableBufferPointer { acc in
                        kernel(s.baseAddress!, d.baseAddress! + aligned + offset, acc.baseAddress!, n)
                    }}
                    vln_store_fence()
                    XCTAssertEqual(Array(d[(aligned + offset)..<(aligned + offset + n)]), reference, "n \(n), offset \(offset)")
                }
                XCTAssertEqual(sum.map(\.bitPattern), halves.map { expected(Double($0)).bitPattern }, "n \(n), offset \(offset)")
            }
        }
    }

    /// `vln_f16_sum_rows` is `((0 + row₀) + row₁) + …` over scattered rows in list order (zeros for no rows).
    func testSumRowsEqualsTheSequentialSum() {
        var rng = SeededRandom(seed: 16)
        for n in lengths {
            let slotCount = 9
            var rows = [UInt16](repeating: 0, count: slotCount * n)
            let values = randomRows(slotCount, n, &rng).flatMap { $0 }.map { $0 * 40 }
            values.withUnsafeBufferPointer { v in rows.withUnsafeMutableBufferPointer { vln_f32_to_f16(v.baseAddress!, $0.baseAddress!, values.count) } }
            rows[n] = 0x8000                                              // −0 in the first listed row
            var floats = [Float](repeating: 0, count: rows.count)
            rows.withUnsafeBufferPointer { h in floats.withUnsafeMutableBufferPointer { vln_f16_to_f32(h.baseAddress!, $0.baseAddress!, rows.count) } }
            for slots: [Int32] in [[], [1], [1, 7, 3], [8, 0, 5, 5, 2, 6]] {
                var expected = [Double](repeating: 0, count: n)
                for s in slots { for j in 0..<n { expected[j] += Double(floats[Int(s) * n + j]) } }
                var got = [Double](repeating: .nan, count: n)
                rows.withUnsafeBufferPointer { r in slots.withUnsafeBufferPointer { l in got.withUnsafeMutableBufferPointer { out in
                    vln_f16_sum_rows(r.baseAddress!, l.baseAddress, l.count, n, out.baseAddress!)
                }}}
                XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "n \(n), slots \(slots)")
            }
        }
    }

    private func withRowPointers<T>(_ rows: [[T]], _ body: (UnsafePointer<UnsafePointer<T>?>) -> Void) {
        func nest(_ k: Int, _ pointers: inout [UnsafePointer<T>?]) {
            if k == rows.count { pointers.withUnsafeBufferPointer { body($0.baseAddress!) }; return }
            rows[k].withUnsafeBufferPointer { pointers.append($0.baseAddress!); nest(k + 1, &pointers) }
        }
        var pointers: [UnsafePointer<T>?] = []
        nest(0, &pointers)
    }
}
