// mobilenetv2_batch1: MobileNetV2 (torchvision's ImageNet weights from the model cache) on one 3 × 224 × 224 input
// of seeded N(0, 1) noise, batch 1, one OpenBLAS thread — the work ../shared/anchors/torch_encoders.py times for
// PyTorch. The network and its workspace are made once, outside the measured region; each iteration is one
// forward pass (feature map, pooled feature, logits) and checks its logits equal the first pass's.
import Benchmark
import Foundation
import VLNCore
import VLNEncoders

final class MobileNetFixture: @unchecked Sendable {
    let model: MobileNetV2
    let workspace = MobileNetV2.Workspace()
    let input: ImageTensor
    let expected: [Float]

    init() throws {
        model = try MobileNetV2()
        var rng = SeededRandom(seed: 0)
        func normal() -> Float {
            let u1 = max(Double(rng.next() >> 11) * 0x1p-53, 0x1p-60), u2 = Double(rng.next() >> 11) * 0x1p-53
            return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
        }
        input = ImageTensor(channels: 3, height: 224, width: 224, values: (0..<(3 * 224 * 224)).map { _ in normal() })
        expected = try model.forward(input, workspace: workspace).logits
        guard expected.allSatisfy(\.isFinite) else { fatalError("mobilenetv2_batch1: non-finite logits") }
    }

    func run() -> [Float] {
        let logits = try! model.forward(input, workspace: workspace).logits
        if logits != expected { fatalError("mobilenetv2_batch1: logits changed between iterations") }
        return logits
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .milliseconds,
        warmupIterations: 3,
        maxDuration: .seconds(10),
        maxIterations: 300
    )

    Benchmark("mobilenetv2_batch1", closure: { (benchmark: Benchmark, fixture: MobileNetFixture) in
        blackHole(fixture.run())
    }, setup: {
        try MobileNetFixture()
    })
}
