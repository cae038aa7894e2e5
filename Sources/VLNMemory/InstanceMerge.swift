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
        guard !candidates.isEmpty else { return [] }
        // This runs for every segment of every frame: the overlapping candidates and their cosines live on the stack.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: candidates.count) { listed in
            var n = 0
            for i in candidates.indices where overlaps(candidates[i]) { listed[n] = i; n += 1 }
            guard n > 0 else { return [] }
            return withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { cosines in
                dots(s.feature, count: n, row: { candidates[listed[$0]].feature }, into: cosines.baseAddress!)
                var picks: [Int] = []
                for j in 0 ..< n where cosines[j] >= minimumCosine { picks.append(listed[j]) }
                return picks
            }
        }
    }
}

/// out[i] = dot(a, row(i)) for i < count: up to 8 rows per `vln_dots` call (each sum in index order, so the value of
/// the sequential sum `dot`, bit for bit), the rows' storage borrowed in place; by `dot` itself when `a` is empty or a
/// row has another length.
func dots(_ a: [Float], count: Int, row: (Int) -> [Float], into out: UnsafeMutablePointer<Float>) {
    guard !a.isEmpty, (0 ..< count).allSatisfy({ row($0).count == a.count }) else {
        for i in 0 ..< count { out[i] = dot(a, row(i)) }
        return
    }
    a.withUnsafeBufferPointer { a in
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 8) { pointers in
            var from = 0
            while from < count {
                let batch = min(8, count - from)
                /// Lists row `from + k`'s storage and keeps it borrowed while the next rows are listed; after the
                /// last, the kernel.
                func list(_ k: Int) {
                    guard k < batch else { return vln_dots(a.baseAddress!, pointers.baseAddress!, batch, a.count, out + from) }
                    row(from + k).withUnsafeBufferPointer { pointers[k] = $0.baseAddress; list(k + 1) }
                }
                list(0)
                from += batch
            }
        }
    }
}

func dot(_ a: [Float], _ b: [Float]) -> Float {
    var s: Float = 0
    for j in 0..<min(a.count, b.count) { s += a[j] * b[j] }
    return s
}
