// A plain timing loop for the MiniLM benchmark (the same work as the package-benchmark target EncoderBenchmarks),
// for profilers and for machines where package-benchmark cannot be built.
//   swift run -c release --scratch-path ../.build-bench EncoderTiming [repetitions, default 10]
// Each repetition tokenises and embeds the 256 R2R instructions of the PyTorch anchor, OpenBLAS on one thread;
// prints the median and best time and the sentences/s they give.
import EncoderBenchmarkSupport
import Foundation
import VLNCore
import VLNEncoders

let repetitions = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10 : 10

// `EncoderTiming sgemm`: GFLOP/s of one 2048×384 · 384×1536 product (MiniLM's feed-forward shape), one thread, as
// fp32 OpenBLAS sgemm and, unless `Linear` uses OpenBLAS itself, as `Linear`'s product on this process's path (bf16x3 on
// AMX tiles, counted as the fp32 FLOPs it stands for, or the packed AVX2 kernel).
if CommandLine.arguments.dropFirst().first == "sgemm" {
    let a = Matrix(rows: 2048, columns: 384, repeating: 0.5), b = Matrix(rows: 384, columns: 1536, repeating: 0.25)
    var out = [Float](repeating: 0, count: 2048 * 1536)  // C, reused: both products write into a buffer made once
    func gflops(_ product: () -> Float) -> Double {
        var times = [Double]()
        for _ in 0..<20 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let c00 = product()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            if c00 != 48 { fatalError("sgemm: wrong product \(c00)") }
        }
        times.sort()
        return 2 * 2048 * 384 * 1536 / times[times.count / 2] / 1e9
    }
    print(String(format: "sgemm 2048x384·384x1536, OpenBLAS %@ (%d thread): median %.1f GFLOP/s", BLAS.coreName, BLAS.threadCount,
                 gflops {
                     a.values.withUnsafeBufferPointer { av in
                         b.values.withUnsafeBufferPointer { bv in
                             out.withUnsafeMutableBufferPointer {
                                 BLAS.sgemm(m: 2048, n: 1536, k: 384, a: av.baseAddress!, lda: 384, b: bv.baseAddress!, ldb: 1536, c: $0.baseAddress!, ldc: 1536)
                             }
                         }
                     }
                     return out[0]
                 }))
    if MatrixProducts.path != .openBLAS {
        // `Linear` on this process's path (bf16x3 on AMX tiles, or the packed AVX2 kernel); it takes W (outputs × inputs), i.e. bᵀ.
        let layer = Linear(weight: b.transposed().values, bias: [Float](repeating: 0, count: 1536), inputs: 384, outputs: 1536)
        var y = [Float](repeating: 0, count: 2048 * 1536)
        print(String(format: "Linear (%@), same product: median %.1f GFLOP/s (fp32 FLOPs)", MatrixProducts.path.rawValue, gflops {
            a.values.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { layer.applyWithoutBias(rows: 2048, x: x.baseAddress!, ldx: 384, y: $0.baseAddress!, ldy: 1536) }
            }
            return y[0]
        }))
    }
    exit(0)
}
do {
    let fixture = try MiniLMFixture()
    print(fixture.summary)
    fixture.check(fixture.embedAll())  // warm-up and self-check
    var times = [Double](), cpuTimes = [Double]()
    for _ in 0..<max(1, repetitions) {
        let t0 = DispatchTime.now().uptimeNanoseconds, c0 = threadCPUSeconds()
        let e = fixture.embedAll()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        cpuTimes.append(threadCPUSeconds() - c0)
        if e.count != fixture.sentences.count { fatalError() }
    }
    times.sort(); cpuTimes.sort()
    let median = times[times.count / 2], best = times[0], n = Double(fixture.sentences.count)
    print(String(format: "minilm median %.1f ms  (%.1f sentences/s)   best %.1f ms  (%.1f sentences/s)   over %d repetitions",
                 median * 1e3, n / median, best * 1e3, n / best, times.count))
    // CPU time of this thread: what the work costs when other processes share the cores (wall time then grows).
    print(String(format: "minilm thread CPU time: median %.1f ms (%.1f sentences/s per CPU-second)", cpuTimes[cpuTimes.count / 2] * 1e3,
                 n / cpuTimes[cpuTimes.count / 2]))
} catch {
    FileHandle.standardError.write("EncoderTiming: \(error)\n".data(using: .utf8)!)
    exit(1)
}
