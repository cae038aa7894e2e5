// A plain timing loop for the MiniLM benchmark (the same work as the package-benchmark target EncoderBenchmarks),
// for profilers and for machines where package-benchmark cannot be built.
//   swift run -c release --scratch-path ../.build-bench EncoderTiming [repetitions, default 10]
// Each repetition tokenises and embeds the 256 R2R instructions of the PyTorch anchor, OpenBLAS on one thread;
// prints the median and best time and the sentences/s they give.
import EncoderBenchmarkSupport
import Foundation
import VLNEncoders

let repetitions = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10 : 10

// `EncoderTiming sgemm`: GFLOP/s of one 2048×384 · 384×1536 product (MiniLM's feed-forward shape), one thread.
if CommandLine.arguments.dropFirst().first == "sgemm" {
    BLAS.setThreadCount(1)
    let a = Matrix(rows: 2048, columns: 384, repeating: 0.5), b = Matrix(rows: 384, columns: 1536, repeating: 0.25)
    var times = [Double]()
    for _ in 0..<20 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let c = a.multiplied(by: b)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        if c[0, 0] != 48 { fatalError("sgemm: wrong product") }
    }
    times.sort()
    print(String(format: "sgemm 2048x384·384x1536, OpenBLAS %@ (%d thread): median %.1f GFLOP/s", BLAS.coreName, BLAS.threadCount,
                 2 * 2048 * 384 * 1536 / times[times.count / 2] / 1e9))
    exit(0)
}
do {
    let fixture = try MiniLMFixture()
    print(fixture.summary)
    fixture.check(fixture.embedAll())  // warm-up and self-check
    var times = [Double](), cpuTimes = [Double]()
    func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
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
