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
