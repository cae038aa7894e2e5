import VLNCore

/// What `vlnsim rgbd info` prints about a sequence.
public struct RGBDSequenceSummary: Sendable {
    /// The sequence's dataset format.
    public var format: RGBDFormat
    /// Number of frames in the sequence.
    public var frameCount: Int
    /// Depth camera intrinsics (project convention: pixel centres at integer + 0.5).
    public var intrinsics: CameraIntrinsics
    /// Smallest and largest valid depth over the sampled frames, metres; nil if no valid depth.
    public var depthRange: ClosedRange<Float>?
    /// Median valid depth over the sampled frames, metres.
    public var medianDepth: Float?
    /// Fraction of valid depth pixels over the sampled frames.
    public var validDepthFraction: Double
    /// Frames whose depth was read for the statistics.
    public var sampledFrames: [Int]
    /// Sum of the distances between consecutive camera centres, metres.
    public var trajectoryLength: Float
    /// Last minus first timestamp, seconds; nil without timestamps.
    public var duration: Double?
    /// The loader's notes (`RGBDSequence.notes`).
    public var notes: [String]
}

extension RGBDSequence {
    /// Statistics of the sequence: the depth range from at most `maxSampledFrames` frames spread evenly over the
    /// sequence (first and last included), the trajectory length from every pose.
    /// - Throws: the first sampled depth image that cannot be read.
    public func summary(maxSampledFrames: Int = 20) throws -> RGBDSequenceSummary {
        let m = max(1, min(maxSampledFrames, count))
        let sample = m == 1 ? [0] : (0..<m).map { $0 * (count - 1) / (m - 1) }
        var lo = Float.infinity, hi = -Float.infinity, valid = 0, total = 0
        var hist = [Int](repeating: 0, count: 4096)  // 1 cm bins up to 40.96 m, for the median
        for i in sample {
            let d = try depth(at: i)
            total += d.pixels.count
            for v in d.pixels where v > 0 && v.isFinite {
                valid += 1; lo = min(lo, v); hi = max(hi, v)
                hist[min(4095, Int(v * 100))] += 1
            }
        }
        var median: Float? = nil
        if valid > 0 {
            var acc = 0
            for (b, c) in hist.enumerated() { acc += c; if acc * 2 >= valid { median = (Float(b) + 0.5) / 100; break } }
        }
        let centres = entries.map(\.worldFromCamera.translation)
        let length = zip(centres, centres.dropFirst()).reduce(Float(0)) { $0 + distance($1.0, $1.1) }
        let times = entries.compactMap(\.timestamp)
        return RGBDSequenceSummary(format: format, frameCount: count, intrinsics: intrinsics,
                                   depthRange: valid > 0 ? lo...hi : nil, medianDepth: median,
                                   validDepthFraction: total > 0 ? Double(valid) / Double(total) : 0,
                                   sampledFrames: sample, trajectoryLength: length,
                                   duration: times.count == count && count > 0 ? times.last! - times.first! : nil, notes: notes)
    }
}
