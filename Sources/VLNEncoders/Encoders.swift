import VLNCore

/// Turns text into one fixed-length embedding vector (e.g. all-MiniLM-L6-v2: 384 values, L2-normalised).
///
/// Embeddings of the same encoder are compared with the dot product (cosine similarity when normalised).
public protocol TextEncoder: Sendable {
    /// Length of every embedding.
    var dimension: Int { get }

    /// The embedding of `text`, `dimension` values.
    /// - Throws: `VLNError` if the text cannot be encoded (an encoder may accept any text, including empty).
    func embed(_ text: String) throws -> [Float]

    /// The embeddings of several texts, in order; the same values as `embed` one at a time (up to rounding),
    /// usually faster.
    func embed(batch texts: [String]) throws -> [[Float]]
}

extension TextEncoder {
    /// Default: `embed(_:)` on each text in turn.
    public func embed(batch texts: [String]) throws -> [[Float]] { try texts.map(embed) }
}

/// A grid of feature vectors over an image: `patchesHigh × patchesWide` patches of `channels` values each,
/// row-major, channels last — the feature of patch `(x, y)` = (column, row), origin top-left, is
/// `values[(y · patchesWide + x) · channels ..< (y · patchesWide + x + 1) · channels]`.
///
/// A patch covers `image.width / patchesWide × image.height / patchesHigh` pixels of the image it came from
/// (the encoder's stride; MobileNetV2: 32 pixels).
public struct FeatureMap: Sendable, Equatable {
    /// Rows of patches.
    public let patchesHigh: Int
    /// Columns of patches.
    public let patchesWide: Int
    /// Values per patch feature.
    public let channels: Int
    /// `patchesHigh · patchesWide · channels` values, layout as above.
    public var values: [Float]

    /// - Precondition: sizes ≥ 0 and `values.count == patchesHigh · patchesWide · channels`.
    public init(patchesHigh: Int, patchesWide: Int, channels: Int, values: [Float]) {
        precondition(patchesHigh >= 0 && patchesWide >= 0 && channels >= 0)
        precondition(values.count == patchesHigh * patchesWide * channels,
                     "\(values.count) values for \(patchesHigh)×\(patchesWide)×\(channels)")
        self.patchesHigh = patchesHigh; self.patchesWide = patchesWide; self.channels = channels; self.values = values
    }

    /// A map of zeros.
    public init(patchesHigh: Int, patchesWide: Int, channels: Int) {
        self.init(patchesHigh: patchesHigh, patchesWide: patchesWide, channels: channels,
                  values: [Float](repeating: 0, count: patchesHigh * patchesWide * channels))
    }

    /// The feature of patch `(x, y)` = (column, row).
    /// - Precondition: `0 ≤ x < patchesWide`, `0 ≤ y < patchesHigh`.
    public subscript(x: Int, y: Int) -> ArraySlice<Float> {
        get {
            precondition(x >= 0 && y >= 0 && x < patchesWide && y < patchesHigh, "patch (\(x), \(y)) outside \(patchesWide)×\(patchesHigh)")
            let start = (y * patchesWide + x) * channels
            return values[start..<(start + channels)]
        }
        set {
            precondition(x >= 0 && y >= 0 && x < patchesWide && y < patchesHigh && newValue.count == channels)
            let start = (y * patchesWide + x) * channels
            values.replaceSubrange(start..<(start + channels), with: newValue)
        }
    }
}

/// What a feature-map encoder may look at: the colour image and, in simulation, the instance ids per pixel.
public struct FeatureMapInput: Sendable {
    /// Colour, `height × width`.
    public var rgb: RGBImage
    /// Instance ids, same size as `rgb` (0 = none); `nil` for real images.
    public var instanceIDs: InstanceImage?

    /// From a colour image and, in simulation, its instance ids (the sizes are not checked here).
    public init(rgb: RGBImage, instanceIDs: InstanceImage? = nil) {
        self.rgb = rgb; self.instanceIDs = instanceIDs
    }
}

/// Turns an image into a `FeatureMap` (an image encoder such as MobileNetV2, or a ground-truth semantic encoder
/// that reads instance ids). The token memory lifts each patch to 3D with depth and pose.
public protocol FeatureMapEncoder: Sendable {
    /// Length of every patch feature.
    var channels: Int { get }

    /// The feature map of `input`.
    /// - Throws: `VLNError.invalidValue` for an input the encoder cannot use (e.g. a zero-size image, or no
    ///   instance ids for an encoder that needs them).
    func featureMap(_ input: FeatureMapInput) throws -> FeatureMap
}

extension FeatureMapEncoder {
    /// The feature maps of several frames, in order, on up to `threads` threads (one frame per thread at a time,
    /// each frame's products single-threaded; see `Parallel`): the same maps as `featureMap` one frame at a time,
    /// bit for bit, whatever `threads` is.
    /// - Throws: the error of the first frame (in order) that fails.
    /// - Precondition: `threads ≥ 1`.
    public func featureMaps(_ inputs: [FeatureMapInput], threads: Int = Parallel.defaultThreadCount) throws -> [FeatureMap] {
        try Parallel.map(inputs.count, threads: threads) { try featureMap(inputs[$0]) }
    }
}
