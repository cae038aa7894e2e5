// MobileNetV2 at batch 1 on one OpenBLAS thread, timed as ../shared/anchors/torch_encoders.py times PyTorch: a
// warm-up call, then calls for at least `seconds` (default 3), best and median per-call time; images/s = 1 / time.
// The input is N(0, 1) noise (seeded), 3 × 224 × 224, like the anchor's torch.randn(1, 3, 224, 224).
// Before timing, if the shared reference data is there ($VLNSIM_DATA/reference), the logits of the synthetic
// reference input are checked against PyTorch's (max |diff| ≤ 1e-3); every timed call's logits must equal the first's.
// Usage: MobileNetTiming [seconds]      (model cache: $VLNSIM_MODELS or ~/.cache/vlnsim)
import Foundation
import VLNCore
import VLNEncoders

let seconds = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 3 : 3
let model: MobileNetV2
do { model = try MobileNetV2() } catch { fatalError("MobileNetTiming: \(error)") }
let workspace = MobileNetV2.Workspace()

if let data = ProcessInfo.processInfo.environment["VLNSIM_DATA"],
   let npy = try? NPYArray(contentsOf: data + "/reference/mobilenet_input_synthetic.npy"),
   let json = try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data + "/reference/mobilenet_reference.json"))) as? [String: Any],
   let images = json["images"] as? [String: Any], let synthetic = images["synthetic"] as? [String: Any],
   let fromNpy = synthetic["from_npy_input"] as? [String: Any], let reference = fromNpy["logits"] as? [Double] {
    let out = try! model.forward(ImageTensor(channels: 3, height: 224, width: 224, values: npy.floatValues()), workspace: workspace)
    let diff = zip(out.logits, reference).map { abs(Double($0) - $1) }.max()!
    if diff > 1e-3 { fatalError("MobileNetTiming: logits differ from PyTorch's by \(diff) on the synthetic reference input") }
    print("check: synthetic reference input, max |logit − PyTorch| = \(diff)")
}

func normal(_ rng: inout SeededRandom) -> Float {
    let u1 = max(Double(rng.next() >> 11) * 0x1p-53, 0x1p-60), u2 = Double(rng.next() >> 11) * 0x1p-53
    return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
}
var rng = SeededRandom(seed: 0)
var noise = [Float]()
for _ in 0..<(3 * 224 * 224) { noise.append(normal(&rng)) }
let input = ImageTensor(channels: 3, height: 224, width: 224, values: noise)
let first = try! model.forward(input, workspace: workspace).logits
guard first.allSatisfy(\.isFinite) else { fatalError("MobileNetTiming: non-finite logits") }
var times = [Double]()
let start = DispatchTime.now().uptimeNanoseconds
while Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds || times.count < 3 {
    let t = DispatchTime.now().uptimeNanoseconds
    let logits = try! model.forward(input, workspace: workspace).logits
    times.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9)
    if logits != first { fatalError("MobileNetTiming: logits changed between calls") }
}
times.sort()
let best = times[0], median = times[times.count / 2]
print(String(format: "MobileNetV2 batch 1, 1 thread (OpenBLAS %@): %d calls, best %.2f ms, median %.2f ms (%.1f images/s best, %.1f median)",
             BLAS.coreName, times.count, best * 1e3, median * 1e3, 1 / best, 1 / median))
