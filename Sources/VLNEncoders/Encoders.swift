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
