import CMemoryKernels
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

/// Decides which of the k nearest live instances a new segment merges with (Dynam3D §3.1 merges a frame's
/// instances with the k = 2 nearest by a learned MLP; a learned merge can conform to this protocol).
public protocol InstanceMerge: Sendable {
    /// The indices in `candidates` (nearest first) of the instances the segment merges with: none gives a new
    /// instance; several are fused with the segment into one instance (the one with the lowest id keeps it).
    func choose(segment: SegmentSummary, candidates: [InstanceCandidate]) -> [Int]
}

/// vlnsim's merge without learned parts. With both boxes grown on every side by S's mean patch scale (the side of
/// one patch square), a segment S joins candidate I when
/// 1. the grown boxes overlap (the 3D overlap of their patches; it implies that the centre distance is at most the
///    sum of the boxes' half-diagonals);
/// 2. their feature cosine is ≥ `minimumCosine` (keeps touching objects of different kinds apart).
/// S merges with every candidate that passes, so that fragments of one object seen piecewise are fused again when a
/// view covers them together.
public struct GeometricInstanceMerge: InstanceMerge {
    /// Lowest feature cosine for a merge.
    public var minimumCosine: Float

    /// The rule with its one constant (`TokenMemoryConfiguration.mergeCosine`, 0.8 by default).
    public init(minimumCosine: Float = 0.8) { self.minimumCosine = minimumCosine }

    /// Every candidate that passes both tests (see the type), in `candidates` order.
    public func choose(segment s: SegmentSummary, candidates: [InstanceCandidate]) -> [Int] {
        let pad = Vec3(repeating: s.meanScale)
        let sLo = s.lower - pad, sHi = s.upper + pad
        func overlaps(_ c: InstanceCandidate) -> Bool { all(sLo .<= c.upper + pad) && all(c.lower - pad .<= sHi) }
        // This runs for every segment of every frame with k (default 2) candidates: up to 8 overlapping candidates
        // go through one `vln_dots` call without intermediate arrays; more, or features of another length, through
        // `dots` (the same values: each cosine summed in index order).
        let overlapping = candidates.count(where: overlaps)
        guard overlapping <= 8, candidates.allSatisfy({ !overlaps($0) || $0.feature.count == s.feature.count }), !s.feature.isEmpty else {
            let indices = candidates.indices.filter { overlaps(candidates[$0]) }
            return zip(indices, dots(s.feature, indices.map { candidates[$0].feature })).filter { $0.1 >= minimumCosine }.map(\.0)
        }
        guard overlapping > 0 else { return [] }
        return withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 8) { rows in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 8) { cosines in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 8) { indices in
                    /// Lists the row of each overlapping candidate from `from` on, each inside its own
                    /// `withUnsafeBufferPointer`, then computes the cosines.
                    func list(from: Int, _ listed: Int) {
                        guard from < candidates.count else {
                            s.feature.withUnsafeBufferPointer { a in
                                vln_dots(a.baseAddress!, rows.baseAddress!, listed, a.count, cosines.baseAddress!)
                            }
                            return
                        }
                        guard overlaps(candidates[from]) else { return list(from: from + 1, listed) }
                        candidates[from].feature.withUnsafeBufferPointer { b in
                            rows[listed] = b.baseAddress; indices[listed] = from
                            list(from: from + 1, listed + 1)
                        }
                    }
                    list(from: 0, 0)
                    var picks: [Int] = []
                    for j in 0 ..< overlapping where cosines[j] >= minimumCosine { picks.append(indices[j]) }
                    return picks
                }
            }
        }
    }
}

/// `dot(a, b)` for each b, several at once (`vln_dots`: each sum in index order, the same values).
func dots(_ a: [Float], _ bs: [[Float]]) -> [Float] {
    guard !a.isEmpty, bs.allSatisfy({ $0.count == a.count }) else { return bs.map { dot(a, $0) } }
    var out = [Float](repeating: 0, count: bs.count)
    a.withUnsafeBufferPointer { a in
        var from = 0
        while from < bs.count {
            let batch = min(8, bs.count - from)
            func call(_ k: Int, _ rows: inout [UnsafePointer<Float>?]) {
                if k == batch {
                    rows.withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { o in
                        vln_dots(a.baseAddress!, r.baseAddress!, batch, a.count, o.baseAddress! + from)
                    }}
                    return
                }
                bs[from + k].withUnsafeBufferPointer { b in rows.append(b.baseAddress!); call(k + 1, &rows) }
            }
            var rows: [UnsafePointer<Float>?] = []
            call(0, &rows)
            from += batch
        }
    }
    return out
}

func dot(_ a: [Float], _ b: [Float]) -> Float {
    var s: Float = 0
    for j in 0..<min(a.count, b.count) { s += a[j] * b[j] }
    return s
}
