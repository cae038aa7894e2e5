// minilm_r2r_256: all-MiniLM-L6-v2 sentence embeddings of 256 real R2R instructions (the PyTorch anchor's
// sentences, /work/shared/anchors/torch_encoders.py), OpenBLAS on one thread. One iteration tokenises and embeds
// all 256 (as sentence-transformers' `encode` does) and reports sentences/s (a custom metric). The fixture checks
// its output: unit-length finite embeddings, batched == single, and the reference embedding of
// ../shared/data/reference/minilm_reference.json within cosine 0.9999.
import Benchmark
import EncoderBenchmarkSupport
import Foundation

let benchmarks: @Sendable () -> Void = {
    let sentencesPerSecond = BenchmarkMetric.custom("sentences/s", polarity: .prefersLarger, useScalingFactor: false)
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, sentencesPerSecond],
        timeUnits: .milliseconds,
        warmupIterations: 2,
        maxDuration: .seconds(20),
        maxIterations: 15
    )

    Benchmark("minilm_r2r_256", closure: { (benchmark: Benchmark, fixture: MiniLMFixture) in
        let clock = ContinuousClock()
        let start = clock.now
        benchmark.startMeasurement()
        let embeddings = fixture.embedAll()
        benchmark.stopMeasurement()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        benchmark.measurement(sentencesPerSecond, Int(Double(fixture.sentences.count) / seconds))
        blackHole(embeddings)
    }, setup: {
        let fixture = try MiniLMFixture()
        print(fixture.summary)
        fixture.check(fixture.embedAll())
        return fixture
    })
}
