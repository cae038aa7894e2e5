import Foundation
import VLNCore
import VLNEncoders
import VLNMemory

/// The features a memory stores, chosen with `--features`.
enum MemoryFeatureKind: String, CaseIterable, Codable {
    /// Ground truth ("perfect perception", simulated scenes only): each patch gets the all-MiniLM-L6-v2 embedding of
    /// its majority instance's category (`GroundTruthSemanticEncoder`).
    case gt
    /// MobileNetV2 patch logits → softmax over ImageNet's 1000 classes → mean of the class names' all-MiniLM-L6-v2
    /// embeddings (`ImageNetLanguageBridge`): in the text space, works on any image.
    case bridge
    /// Raw MobileNetV2 features (1280 channels after ReLU6): no text space, so no text queries.
    case mobilenet

    /// The text encoder whose space the features live in, or nil for raw image features.
    var textSpace: String? { self == .mobilenet ? nil : "all-MiniLM-L6-v2" }

    /// What the features are, in words.
    var summary: String {
        switch self {
        case .gt: "ground-truth categories embedded by all-MiniLM-L6-v2 (384-d)"
        case .bridge: "MobileNetV2 patch logits mapped into all-MiniLM-L6-v2 space through ImageNet class names (384-d)"
        case .mobilenet: "raw MobileNetV2 features (1280-d, no text space)"
        }
    }
}

/// Turns a frame into the feature map the memory stores, with the grid chosen by `--grid`.
///
/// Grid handling, stated once:
/// - `gt`: `GroundTruthSemanticEncoder` with patch side p. Without `--grid`, p = 16 (the encoder's default: 16×16 on a
///   256×256 frame). With `--grid G`, p = ⌈max(W, H) / G⌉ and the instance-id image is first resampled (nearest) to
///   G·p × G·p pixels, so the map is exactly G×G and its patch (r, c) is the majority id of the image's uniform block
///   (r, c) — the block the memory lifts at its centre.
/// - `bridge`, `mobilenet`: MobileNetV2's stride-32 map. Without `--grid`, the frame at its own size (640×480 →
///   15×20, 256×256 → 8×8). With `--grid G`, the frame is resized (PIL bilinear) to 32G × 32G pixels first, so the
///   network computes a G×G map over the same uniform blocks (non-square frames are stretched).
struct MemoryFeatureEncoder {
    let kind: MemoryFeatureKind
    /// `--grid`, or nil for the encoder's own grid.
    let grid: Int?
    /// Largest `--grid` the network encoders accept (a 32G-pixel square input).
    static let maxNetworkGrid = 64
    private let text: MiniLM?
    private var groundTruth: GroundTruthSemanticEncoder?
    private let bridge: ImageNetLanguageBridge?
    private let network: MobileNetV2Encoder?
    private let patchSize: Int

    /// - Parameters:
    ///   - categories: instance id → category of a simulated scene (required for `gt`).
    ///   - imageWidth, imageHeight: the frames' size, pixels.
    ///   - models: the model cache (nil: `$VLNSIM_MODELS` or `~/.cache/vlnsim`).
    /// - Throws: `VLNError.invalidValue` naming `--features` or `--grid` for a combination that cannot work; the
    ///   encoders' errors (missing weights, with how to get them).
    init(kind: MemoryFeatureKind, grid: Int?, categories: [UInt32: String]?, imageWidth: Int, imageHeight: Int,
         models: String?) throws {
        self.kind = kind; self.grid = grid
        if let g = grid {
            guard g >= 1, g <= min(imageWidth, imageHeight) else {
                throw VLNError.invalidValue(field: "--grid", reason: "\(g) must be within 1…\(min(imageWidth, imageHeight)) (the frames are \(imageWidth)×\(imageHeight) pixels; a patch needs at least one pixel)")
            }
            if kind != .gt, g > Self.maxNetworkGrid {
                throw VLNError.invalidValue(field: "--grid", reason: "\(g) is over \(Self.maxNetworkGrid) for --features \(kind.rawValue) (MobileNetV2 would run on a \(32 * g)×\(32 * g) frame)")
            }
        }
        patchSize = grid.map { (max(imageWidth, imageHeight) + $0 - 1) / $0 } ?? 16
        switch kind {
        case .gt:
            guard let categories else {
                throw VLNError.invalidValue(field: "--features gt", reason: "ground-truth features need a simulated scene's instance categories; real RGB-D frames have none (use --features bridge or mobilenet)")
            }
            let t = try MiniLM(models: models)
            text = t
            groundTruth = try GroundTruthSemanticEncoder(textEncoder: t, categories: categories, patchSize: patchSize)
            bridge = nil; network = nil
        case .bridge:
            text = nil; groundTruth = nil; network = nil
            bridge = try ImageNetLanguageBridge(models: models)
        case .mobilenet:
            text = nil; groundTruth = nil; bridge = nil
            network = MobileNetV2Encoder(network: try MobileNetV2(models: models))
        }
    }

    /// The grid of a `width × height` frame (rows, columns) and how it is obtained, in words.
    func gridDescription(width: Int, height: Int) -> (rows: Int, columns: Int, note: String) {
        switch (kind, grid) {
        case (.gt, nil):
            return ((height + patchSize - 1) / patchSize, (width + patchSize - 1) / patchSize,
                    "ground-truth patches of \(patchSize)×\(patchSize) px (the encoder's default)")
        case let (.gt, g?):
            let exact = width == g * patchSize && height == g * patchSize
            return (g, g, exact ? "ground-truth patches of \(patchSize)×\(patchSize) px"
                    : "instance ids resampled (nearest) to \(g * patchSize)×\(g * patchSize) px, patches of \(patchSize)×\(patchSize) px")
        case (_, nil):
            let x = try? ImageNetPreprocessing.patchGrid(RGBImage(width: width, height: height, fill: .black), multiple: MobileNetV2.stride)
            let h = x?.height ?? height, w = x?.width ?? width
            return (h / MobileNetV2.stride, w / MobileNetV2.stride,
                    "MobileNetV2's stride-32 map of the \(w)×\(h) frame" + (w != width || h != height ? " (resized from \(width)×\(height))" : ""))
        case let (_, g?):
            return (g, g, "MobileNetV2's stride-32 map of the frame resized to \(32 * g)×\(32 * g) px")
        }
    }

    /// The feature map of one frame.
    /// - Parameters:
    ///   - instanceIDs: the renderer's instance ids (simulated frames; required for `gt`).
    ///   - categories: the scene's current instance categories (simulated frames); an id not seen before (an object
    ///     added by a scene event) makes the ground-truth encoder embed the new categories.
    mutating func featureMap(rgb: RGBImage, instanceIDs: InstanceImage?, categories: [UInt32: String]?) throws -> FeatureMap {
        switch kind {
        case .gt:
            guard var encoder = groundTruth, let text, let ids = instanceIDs else {
                throw VLNError.invalidValue(field: "--features gt", reason: "this frame has no instance ids (not simulated)")
            }
            if let categories {
                encoder = try encoder.including(categories: categories, textEncoder: text)
                groundTruth = encoder
            }
            var input = ids
            if let g = grid, ids.width != g * patchSize || ids.height != g * patchSize {
                input = Self.resampleNearest(ids, width: g * patchSize, height: g * patchSize)
            }
            return try encoder.featureMap(FeatureMapInput(rgb: rgb, instanceIDs: input))
        case .bridge, .mobilenet:
            var image = rgb
            if let g = grid { image = PILResample.bilinear(rgb, width: 32 * g, height: 32 * g) }
            let input = FeatureMapInput(rgb: image)
            return try kind == .bridge ? bridge!.featureMap(input) : network!.featureMap(input)
        }
    }

    /// Nearest-neighbour resampling of an id image: output pixel (x, y) takes input pixel
    /// `(⌊(x + ½)·W/w⌋, ⌊(y + ½)·H/h⌋)`.
    static func resampleNearest(_ ids: InstanceImage, width w: Int, height h: Int) -> InstanceImage {
        var out = InstanceImage(width: w, height: h, fill: 0)
        for y in 0..<h {
            let sy = min(ids.height - 1, ((2 * y + 1) * ids.height) / (2 * h))
            for x in 0..<w {
                let sx = min(ids.width - 1, ((2 * x + 1) * ids.width) / (2 * w))
                out.pixels[y * w + x] = ids.pixels[sy * ids.width + sx]
            }
        }
        return out
    }

    /// The names that label instances and zones: the scene's categories (gt), ImageNet's class names (bridge), or
    /// ImageNet's classes through MobileNetV2's classifier (mobilenet; `featureScale` rescales a unit feature to the
    /// patches' mean norm before the classifier).
    func labeller(featureScale: Float) throws -> MemoryLabeller {
        switch kind {
        case .gt:
            let e = groundTruth!.embeddings, names = e.keys.sorted()
            return .vocabulary(try LabelVocabulary(names: names, embeddings: names.map { e[$0]! }), kind: "scene categories")
        case .bridge:
            return .vocabulary(try MemoryLabeller.imageNetVocabulary(bridge!), kind: "ImageNet classes")
        case .mobilenet:
            return .classifier(network!.network, scale: featureScale)
        }
    }
}

/// Names a memory's features (instances, zones).
enum MemoryLabeller {
    /// The best cosine match in a vocabulary in the features' space.
    case vocabulary(LabelVocabulary, kind: String)
    /// MobileNetV2's ImageNet classifier applied to the feature rescaled by `scale` (raw MobileNetV2 features).
    case classifier(MobileNetV2, scale: Float)

    /// The vocabulary's names (nil for the classifier: ImageNet's classes).
    var names: [String] {
        switch self {
        case let .vocabulary(v, _): v.names
        case .classifier: ImageNetClasses.names
        }
    }

    /// What the names are, in words.
    var kind: String {
        switch self {
        case let .vocabulary(_, kind): kind
        case .classifier: "ImageNet classes (MobileNetV2's classifier)"
        }
    }

    /// The best name for a feature and its score: the cosine (vocabulary) or the softmax probability (classifier).
    func label(_ feature: [Float]) -> (name: String, score: Float) {
        switch self {
        case let .vocabulary(v, _):
            return v.label(of: feature)
        case let .classifier(network, scale):
            let logits = network.logits(features: feature.map { $0 * scale }, rows: 1)
            let m = logits.max() ?? 0
            var best = 0, sum: Float = 0
            for (k, l) in logits.enumerated() {
                sum += Foundation.exp(l - m)
                if l > logits[best] { best = k }
            }
            return (ImageNetClasses.names[best], 1 / sum)
        }
    }

    /// ImageNet's class names with the bridge's (L2-normalised) class-name embeddings.
    static func imageNetVocabulary(_ bridge: ImageNetLanguageBridge) throws -> LabelVocabulary {
        let m = bridge.classEmbeddings
        return try LabelVocabulary(names: ImageNetClasses.names, embeddings: (0..<m.rows).map { Array(m.row($0)) })
    }
}
