import VLNCore

/// One frame's 2D segment lifted to 3D, before it joins an instance. World frame, metres.
public struct SegmentSummary: Sendable {
    /// Mean of the segment's patch positions.
    public var centre: Vec3
    /// Box of the patch positions.
    public var lower: Vec3, upper: Vec3
    /// L2-normalised mean of the patches' (fp16-stored) features.
    public var feature: [Float]
    /// Patches in the segment.
    public var patchCount: Int
    /// Mean metric scale of the patches (side of a patch, metres).
    public var meanScale: Float
}

/// A live instance offered to an `InstanceMerge`, nearest first.
public struct InstanceCandidate: Sendable {
    /// The instance id (its storage slot).
    public var id: Int32
    /// Mean of its patch positions; box of its patch positions. World frame, metres.
    public var centre: Vec3, lower: Vec3, upper: Vec3
    /// L2-normalised mean of its patches' features.
    public var feature: [Float]
    /// Its patches.
    public var patchCount: Int
    /// Centre distance to the segment, metres.
    public var distance: Float
}

/// Decides whether a new segment joins one of the k nearest live instances (Dynam3D §3.1 merges a frame's
/// instances with the k = 2 nearest by a learned MLP; a learned merge can conform to this protocol).
public protocol InstanceMerge: Sendable {
    /// The index in `candidates` (nearest first) of the instance the segment joins, or nil for a new instance.
    func choose(segment: SegmentSummary, candidates: [InstanceCandidate]) -> Int?
}

/// vlnsim's merge without learned parts. With both boxes grown by half of S's mean patch scale (a patch is a square
/// of that side), a segment S joins candidate I when
/// 1. the grown boxes overlap (the 3D overlap of their patches; it implies that the centre distance is at most the
///    sum of the boxes' half-diagonals);
/// 2. the centre of the smaller of the two lies inside the other's grown box — two views of one object, whose
///    centres fall within each other's extent, merge, while two objects that merely touch stay apart;
/// 3. their feature cosine is ≥ `minimumCosine` (keeps touching objects of different kinds apart).
/// Among the candidates that pass, S joins the one with the highest cosine (ties: the nearer).
public struct GeometricInstanceMerge: InstanceMerge {
    /// Lowest feature cosine for a merge.
    public var minimumCosine: Float

    public init(minimumCosine: Float = 0.8) { self.minimumCosine = minimumCosine }

    public func choose(segment s: SegmentSummary, candidates: [InstanceCandidate]) -> Int? {
        let pad = Vec3(repeating: s.meanScale / 2)
        let sLo = s.lower - pad, sHi = s.upper + pad
        var best: (index: Int, cosine: Float)?
        for (index, c) in candidates.enumerated() {
            let cLo = c.lower - pad, cHi = c.upper + pad
            guard all(sLo .<= cHi), all(cLo .<= sHi) else { continue }
            let sVolume = (s.upper - s.lower + 2 * pad), cVolume = (c.upper - c.lower + 2 * pad)
            let smallerInside = sVolume.x * sVolume.y * sVolume.z <= cVolume.x * cVolume.y * cVolume.z
                ? all(s.centre .>= cLo) && all(s.centre .<= cHi)
                : all(c.centre .>= sLo) && all(c.centre .<= sHi)
            guard smallerInside else { continue }
            var cosine: Float = 0
            for j in 0..<min(s.feature.count, c.feature.count) { cosine += s.feature[j] * c.feature[j] }
            guard cosine >= minimumCosine else { continue }
            if best == nil || cosine > best!.cosine { best = (index, cosine) }
        }
        return best?.index
    }
}
