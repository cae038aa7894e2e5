import Foundation
import VLNCore

/// MobileNetV2's final feature map of a whole frame as a `FeatureMap`: 1280 channels (after ReLU6, not
/// normalised), one patch per 32×32 pixels of the resized frame.
///
/// The frame is resized (PIL bilinear) so that its sides are multiples of 32 (`ImageNetPreprocessing.patchGrid`),
/// normalised with ImageNet's mean and std, and run through the network; the map is
/// `H' / 32 × W' / 32 × 1280` for the resized `H' × W'`, channels last.
public struct MobileNetV2Encoder: FeatureMapEncoder {
    /// The network that computes the feature map.
    public let network: MobileNetV2
    /// The resized frame's shorter side (see `ImageNetPreprocessing.patchGrid`); `nil` keeps the frame's scale.
    public let shorterSide: Int?
    let pool = WorkspacePool { MobileNetV2.Workspace() }

    /// 1280 (`MobileNetV2.featureChannels`).
    public var channels: Int { MobileNetV2.featureChannels }

    /// - Precondition: `shorterSide ≥ 1` when given.
    public init(network: MobileNetV2, shorterSide: Int? = nil) {
        precondition((shorterSide ?? 1) >= 1)
        self.network = network; self.shorterSide = shorterSide
    }

    /// The network's outputs for a whole frame (feature map, pooled feature, logits).
    /// - Throws: `VLNError.invalidValue` (field `image`) for a zero-size image.
    public func encode(_ image: RGBImage) throws -> MobileNetV2.Output {
        let x = try ImageNetPreprocessing.patchGrid(image, multiple: MobileNetV2.stride, shorterSide: shorterSide)
        return try pool.with { try network.forward(x, workspace: $0) }
    }

    /// The 1280-channel feature map of `input.rgb` (instance ids are not used).
    /// - Throws: `VLNError.invalidValue` (field `image`) for a zero-size image.
    public func featureMap(_ input: FeatureMapInput) throws -> FeatureMap { try encode(input.rgb).featureMap }
}

/// Language-aligned patch features for real images, from MobileNetV2 and a text encoder: per patch, the softmax
/// over the 1000 ImageNet classes of the classifier applied to that patch's 1280-d feature, times the text
/// embeddings of the class names, L2-normalised: `f = normalise(Σ_k softmax(W·x + b)_k · e_k)`.
///
/// A text query embedded with the same text encoder is then matched against patches by cosine (dot product).
/// This is an approximation of a vision-language model (not CLIP): it only knows ImageNet's 1000 classes, through
/// their names, and the classifier was trained on pooled features, not single patches (applying it per patch is
/// the class-activation-map view: the mean of the patch logits is the image's logits). With all-MiniLM-L6-v2 the
/// features have 384 channels.
///
/// Class-name embeddings are computed once (the plain names, e.g. "dining table") and, when a cache file is given,
/// stored there (safetensors, `class_embeddings` 1000 × dimension, with the text encoder's name and a hash of the
/// names in its metadata; a stale or unreadable cache is recomputed).
public struct ImageNetLanguageBridge: FeatureMapEncoder {
    /// The MobileNetV2 encoder whose per-patch features are classified.
    public let images: MobileNetV2Encoder
    /// `1000 × channels`, row `k` the L2-normalised embedding of `ImageNetClasses.names[k]`, row-major.
    public let classEmbeddings: Matrix

    /// The text encoder's embedding length (384 with all-MiniLM-L6-v2).
    public var channels: Int { classEmbeddings.columns }

    /// Loads MobileNetV2 and all-MiniLM-L6-v2 from the model cache; the class-name embeddings are cached in
    /// `<cache>/mobilenet-v2/imagenet_class_embeddings.all-MiniLM-L6-v2.safetensors`.
    /// - Parameters:
    ///   - models: the model cache; `nil` = `$VLNSIM_MODELS` or `~/.cache/vlnsim`.
    ///   - shorterSide: see `MobileNetV2Encoder`.
    /// - Throws: as `MobileNetV2.init(models:)` and `MiniLM.init(models:)`.
    public init(models: String? = nil, shorterSide: Int? = nil) throws {
        let network = try MobileNetV2(models: models)
        let text = try MiniLM(models: models)
        let cache = try ModelPath.resolve(.mobileNetV2, in: models) + "/imagenet_class_embeddings.all-MiniLM-L6-v2.safetensors"
        try self.init(network: network, textEncoder: text, textEncoderName: "all-MiniLM-L6-v2", cacheFile: cache, shorterSide: shorterSide)
    }

    /// - Parameters:
    ///   - textEncoder: embeds the class names (and, by the caller, the queries).
    ///   - textEncoderName: identifies the text encoder in the cache's metadata.
    ///   - cacheFile: where to keep the class-name embeddings; `nil` computes them every time.
    /// - Throws: whatever `textEncoder` throws.
    public init(network: MobileNetV2, textEncoder: TextEncoder, textEncoderName: String, cacheFile: String? = nil,
                shorterSide: Int? = nil) throws {
        images = MobileNetV2Encoder(network: network, shorterSide: shorterSide)
        classEmbeddings = try ImageNetLanguageBridge.classNameEmbeddings(textEncoder, name: textEncoderName, cacheFile: cacheFile)
    }

    /// The class-name embeddings, read from `cacheFile` when it holds them for this text encoder and these names,
    /// else computed (and written there, atomically; a failed write is ignored).
    static func classNameEmbeddings(_ text: TextEncoder, name: String, cacheFile: String?) throws -> Matrix {
        let names = ImageNetClasses.names
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the names, newline-separated
        for byte in names.joined(separator: "\n").utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let metadata = ["text_encoder": name, "names_fnv1a": String(hash, radix: 16), "count": String(names.count)]
        let d = text.dimension
        if let cacheFile, FileManager.default.fileExists(atPath: cacheFile),
           let file = try? SafeTensors(contentsOf: cacheFile), file.metadata == metadata,
           let values = try? file.floats("class_embeddings", shape: [names.count, d]) {
            return Matrix(rows: names.count, columns: d, values: values)
        }
        let embeddings = try text.embed(batch: names)
        var values = [Float]()
        values.reserveCapacity(names.count * d)
        for e in embeddings { values += normalised(e) }
        if let cacheFile {
            try? SafeTensors.write(["class_embeddings": (shape: [names.count, d], values: values)], metadata: metadata, to: cacheFile)
        }
        return Matrix(rows: names.count, columns: d, values: values)
    }

    /// The language-aligned map of a network output: one `channels`-d unit vector per feature-map cell.
    public func languageFeatures(_ output: MobileNetV2.Output) -> FeatureMap {
        let map = output.featureMap
        let cells = map.patchesHigh * map.patchesWide
        var probabilities = images.network.logits(features: map.values, rows: cells)  // cells × 1000
        let k = MobileNetV2.classCount
        for r in 0..<cells {
            let row = r * k
            var m = -Float.infinity
            for j in 0..<k { m = max(m, probabilities[row + j]) }
            var sum: Float = 0
            for j in 0..<k {
                let e = Foundation.exp(probabilities[row + j] - m)
                probabilities[row + j] = e; sum += e
            }
            let inv = 1 / sum
            for j in 0..<k { probabilities[row + j] *= inv }
        }
        let p = Matrix(rows: cells, columns: k, values: probabilities)
        var out = p.multiplied(by: classEmbeddings).values  // cells × channels
        let c = channels
        for r in 0..<cells {
            var n: Float = 0
            for j in 0..<c { n += out[r * c + j] * out[r * c + j] }
            let inv = 1 / max(n.squareRoot(), 1e-12)
            for j in 0..<c { out[r * c + j] *= inv }
        }
        return FeatureMap(patchesHigh: map.patchesHigh, patchesWide: map.patchesWide, channels: c, values: out)
    }

    /// The language-aligned feature map of `input.rgb`: `H' / 32 × W' / 32 × channels`, unit vectors.
    /// - Throws: `VLNError.invalidValue` (field `image`) for a zero-size image.
    public func featureMap(_ input: FeatureMapInput) throws -> FeatureMap { languageFeatures(try images.encode(input.rgb)) }
}

/// `v / max(‖v‖₂, 1e-12)`.
func normalised(_ v: [Float]) -> [Float] {
    let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let inv = 1 / max(n, 1e-12)
    return v.map { $0 * inv }
}
