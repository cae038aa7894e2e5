import CMemoryKernels
import Foundation
import VLNCore

/// Dynam3D's layered 3D token memory (Wang, Lee & Lee 2025, "Dynam3D: Dynamic Layered 3D Tokens Empower VLM for
/// Vision-and-Language Navigation", §3.1–3.2; official code MrZihan/Dynam3D, CUDA only), built online from posed
/// RGB-D frames with feature maps and 2D segments:
///
/// - **patch tokens**: every feature-map cell with valid depth, lifted to 3D (`insert`);
/// - **instance tokens**: the frame's segments, merged online with the k nearest live instances (`InstanceMerge`);
/// - **zone tokens**: a fixed `zoneSize`-metre grid in the world frame aggregating the live instances.
///
/// Each `insert` first runs the dynamic update (stored patches that the new view sees through are deleted, then
/// emptied instances and zones), then lifts and merges the new patches. Ids are storage slots: a patch, instance or
/// zone id stays valid until the token dies, after which its slot is reused (LIFO). Everything is single-threaded
/// and deterministic: the same frames give the same memory, bit for bit.
///
/// Storage: patch positions and scales fp32, features **fp16** (IEEE binary16, round to nearest even; cosine to
/// the fp32 feature ≥ 0.9999 for unit-scale features); per instance the exact fp64 sum of its patches' features, its
/// fp32 L2-normalised mean feature computed from that sum when a merge or a query asks for it (the update never
/// stores it); zone features computed when asked for. Memory per stored patch: `bytesPerPatch` (2·D + 53 bytes; 821
/// at D = 384).
///
/// Departures from the official code, and why:
/// - depth is read at the pixel holding the block centre, and the patch lies on the centre's ray (the official code
///   reads the top-left pixel of the block but places the patch on the centre ray, so a slanted surface's patches
///   sit off the surface and are never deleted; its VLN policy also lifts row 0 for every column);
/// - patches deeper than `maxLiftDepth` (default = the 3 m deletion range) are not lifted (see the configuration);
/// - ids and storage stay aligned, and an instance that loses patches has its centre, extent and feature
///   recomputed (the official code's reused ids drift from its appended rows, so some instances never die);
/// - zone membership follows each instance's current centre;
/// - the instance merge is geometric and parameter-free (see `GeometricInstanceMerge`); the paper's is learned.
public struct TokenMemory: Sendable {
    /// The constants in use.
    public let configuration: TokenMemoryConfiguration
    /// Values per feature (patch, instance and zone), fixed by the first frame or at `init`.
    public private(set) var featureDimension: Int
    /// Frames inserted so far.
    public internal(set) var frameCount = 0
    /// How segments join instances.
    public var merge: any InstanceMerge

    // Patch layer, one row per slot. A free slot has NaN position (so the deletion test never selects it),
    // instance -1 and is on `freePatches`.
    var px: [Float] = [], py: [Float] = [], pz: [Float] = []
    var pFeature: [UInt16] = []          // binary16 bits, featureDimension per row
    var pScale: [Float] = []
    var pDirection: [Vec3] = []
    var pStep: [Int32] = [], pFrame: [Int32] = []
    var pInstance: [Int32] = []          // -1: in no instance
    var pMemberIndex: [Int32] = []       // index in iMembers[pInstance]
    var pAlive: [Bool] = []
    var freePatches: [Int32] = []
    /// Live patches.
    public internal(set) var livePatchCount = 0

    // Instance layer.
    var iAlive: [Bool] = []
    var iMembers: [[Int32]] = []
    var iPositionSum: [SIMD3<Double>] = []
    // Exact sums of the members' binary16 features, D per row, kept only where needed: an instance that loses more
    // patches than it keeps is marked stale (`iSumStale`) instead of reading its survivors' features, and its sum is
    // recomputed from its members when a merge or a query needs its feature, or a save its sum (the same value: the
    // sums are exact, so independent of order and of the path taken); one that loses fewer has theirs subtracted
    // (fewer rows read than either recomputing or, later, a stale recompute). A free slot's row is left as it was
    // (`newInstance`'s caller overwrites it; `save` writes zeros).
    var iFeatureSum: [Double] = []
    var iSumStale: [Bool] = []
    var iCentre: [Vec3] = [], iLower: [Vec3] = [], iUpper: [Vec3] = []
    var iZone: [Int32] = [], iZoneIndex: [Int32] = []
    var iLastSeen: [Int32] = [], iFirstSeen: [Int32] = []
    var freeInstances: [Int32] = []
    /// Live instances.
    public internal(set) var liveInstanceCount = 0

    // Zone layer.
    var zAlive: [Bool] = []
    var zCell: [SIMD3<Int32>] = []
    var zMembers: [[Int32]] = []
    var zCentre: [Vec3] = []
    var zoneOfCell: [SIMD3<Int32>: Int32] = [:]
    var freeZones: [Int32] = []
    /// Live zones.
    public internal(set) var liveZoneCount = 0

    /// The patches lifted from the last frame (the "current view" of the VLM token set), ascending slots.
    public internal(set) var lastInsertedPatches: [Int32] = []

    /// An empty memory.
    /// - Parameters:
    ///   - featureDimension: values per feature, or nil to take it from the first frame.
    ///   - merge: the instance merge rule (default: the parameter-free geometric rule).
    /// - Throws: `VLNError.invalidValue` for an invalid configuration field.
    public init(configuration: TokenMemoryConfiguration = TokenMemoryConfiguration(), featureDimension: Int? = nil,
                merge: (any InstanceMerge)? = nil) throws {
        try configuration.validate()
        if let d = featureDimension, d <= 0 { throw VLNError.invalidValue(field: "featureDimension", reason: "must be positive, got \(d)") }
        self.configuration = configuration
        self.featureDimension = featureDimension ?? 0
        self.merge = merge ?? GeometricInstanceMerge(minimumCosine: configuration.mergeCosine)
    }

    /// Bytes of storage per stored patch: position 12, fp16 feature 2·D, scale 4, direction 16 (a SIMD3's stride),
    /// step and frame 8, instance and member index 8, alive flag 1, its entry in its instance's member list 4:
    /// 2·D + 53 (the free-slot stack adds 4 per free slot; instances and zones are counted apart).
    public var bytesPerPatch: Int {
        2 * featureDimension + 3 * MemoryLayout<Float>.size + MemoryLayout<Float>.size + MemoryLayout<Vec3>.stride
            + 4 * MemoryLayout<Int32>.size + MemoryLayout<Bool>.size + MemoryLayout<Int32>.size
    }

    /// Patch storage slots, live and free (the store only grows when no slot is free).
    public var patchSlots: Int { px.count }
    /// Instance storage slots, live and free.
    public var instanceSlots: Int { iAlive.count }
    /// Zone storage slots, live and free.
    public var zoneSlots: Int { zAlive.count }

    // MARK: - Update

    /// Inserts one frame: the dynamic update (deletion test, cascade), then the lift, the instance merge and the
    /// zone refresh (paper §3.2, "dynamic layer-wise update").
    ///
    /// Skipped with a warning in the report: a frame whose depth is invalid everywhere (the memory is unchanged apart
    /// from the frame count, an empty `lastInsertedPatches`, and the feature dimension if this was the first frame).
    /// Patches that would land more than 10⁶ m from the origin (absurd intrinsics) are not lifted, with a warning.
    /// - Throws: `VLNError.invalidValue` naming `frame.name` and the field, the memory left unchanged, for: invalid
    ///   intrinsics; a pose that is not finite, not a rotation, or more than 10⁶ m from the origin; a depth image or
    ///   segment image of another size; a feature map that is empty, finer than the image, of another channel count
    ///   than the memory's, with a wrong number of values, or with a NaN, infinite or beyond-fp16 value; a negative
    ///   step.
    @discardableResult
    public mutating func insert(_ frame: MemoryFrame) throws -> MemoryUpdateReport {
        try validate(frame)
        if featureDimension == 0 { featureDimension = frame.features.channels }
        var report = MemoryUpdateReport(frame: frameCount, step: frame.step, patchesBefore: livePatchCount, deleted: 0,
                                        inserted: 0, instancesRemoved: 0, zonesRemoved: 0, instancesCreated: 0,
                                        segmentsMerged: 0, livePatches: 0, liveInstances: 0, liveZones: 0,
                                        timing: MemoryUpdateTiming(), warnings: [])
        defer { frameCount += 1 }
        if !frame.depth.pixels.contains(where: { $0 > 0 && $0.isFinite }) {
            report.warnings.append("\(frame.name): every depth value is invalid (0 or not finite); frame skipped")
            lastInsertedPatches = []
            fillCounts(&report)
            return report
        }
        var clock = Stopwatch()
        let deleted = deletionTest(frame)
        report.timing.deleteTest = clock.lap()
        var touched = Touched()
        report.instancesRemoved = cascade(deleted, touched: &touched)
        report.timing.cascade = clock.lap()
        let (lifted, farAway) = lift(frame)
        if farAway > 0 {
            report.warnings.append("\(frame.name): \(farAway) patches lie more than \(Int(Self.maximumCoordinate)) m from the origin (check the intrinsics and pose); not lifted")
        }
        report.timing.lift = clock.lap()
        (report.instancesCreated, report.segmentsMerged) = insertLifted(lifted, frame: frame, touched: &touched)
        report.zonesRemoved = refreshZones(touched)
        report.timing.insert = clock.lap()
        report.deleted = deleted.count
        report.inserted = lifted.count
        fillCounts(&report)
        return report
    }

    private func fillCounts(_ r: inout MemoryUpdateReport) {
        r.livePatches = livePatchCount; r.liveInstances = liveInstanceCount; r.liveZones = liveZoneCount
    }

    private func validate(_ frame: MemoryFrame) throws {
        let n = frame.name
        do { try frame.intrinsics.validate() } catch let VLNError.invalidValue(field, reason) {
            throw VLNError.invalidValue(field: "\(n): intrinsics \(field)", reason: reason)
        }
        guard frame.depth.width == frame.intrinsics.width, frame.depth.height == frame.intrinsics.height else {
            throw VLNError.invalidValue(field: "\(n): depth", reason: "\(frame.depth.width)×\(frame.depth.height) image for \(frame.intrinsics.width)×\(frame.intrinsics.height) intrinsics")
        }
        let t = frame.worldFromCamera
        let finite = [t.rotation.c0, t.rotation.c1, t.rotation.c2, t.translation].allSatisfy { v in (0..<3).allSatisfy { v[$0].isFinite } }
        guard finite else { throw VLNError.invalidValue(field: "\(n): worldFromCamera", reason: "pose has a NaN or infinite entry") }
        guard (0..<3).allSatisfy({ abs(t.translation[$0]) <= 1e6 }) else {
            throw VLNError.invalidValue(field: "\(n): worldFromCamera", reason: "camera more than 1,000 km from the origin (\(t.translation))")
        }
        let rtr = t.rotation.transpose * t.rotation
        let identity: [Vec3] = [Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1)], columns: [Vec3] = [rtr.c0, rtr.c1, rtr.c2]
        var orthonormal = true
        for (a, b) in zip(columns, identity) { let e = a - b; orthonormal = orthonormal && max(e.x.magnitude, e.y.magnitude, e.z.magnitude) < 1e-3 }
        guard orthonormal, abs(t.rotation.determinant - 1) < 1e-3 else {
            throw VLNError.invalidValue(field: "\(n): worldFromCamera", reason: "rotation is not a rotation (RᵀR ≠ I or det R ≠ 1)")
        }
        guard frame.depth.pixels.count == frame.depth.width * frame.depth.height else {
            throw VLNError.invalidValue(field: "\(n): depth", reason: "\(frame.depth.pixels.count) values for \(frame.depth.width)×\(frame.depth.height)")
        }
        let f = frame.features
        guard f.values.count == f.patchesHigh * f.patchesWide * f.channels else {
            throw VLNError.invalidValue(field: "\(n): features", reason: "\(f.values.count) values for \(f.patchesHigh)×\(f.patchesWide)×\(f.channels)")
        }
        // fp16 storage: a NaN, an infinity or a value beyond binary16's range (65504) would poison the exact sums.
        guard f.values.withUnsafeBufferPointer({ $0.isEmpty || vln_all_within($0.baseAddress!, $0.count, 65504) != 0 }) else {
            throw VLNError.invalidValue(field: "\(n): features", reason: "a value is NaN, infinite or beyond ±65504 (fp16 storage)")
        }
        guard f.patchesHigh > 0, f.patchesWide > 0, f.channels > 0 else {
            throw VLNError.invalidValue(field: "\(n): features", reason: "empty feature map \(f.patchesHigh)×\(f.patchesWide)×\(f.channels)")
        }
        guard f.patchesHigh <= frame.depth.height, f.patchesWide <= frame.depth.width else {
            throw VLNError.invalidValue(field: "\(n): features", reason: "grid \(f.patchesHigh)×\(f.patchesWide) is finer than the \(frame.depth.height)×\(frame.depth.width) depth image")
        }
        guard featureDimension == 0 || f.channels == featureDimension else {
            throw VLNError.invalidValue(field: "\(n): features", reason: "\(f.channels) channels, the memory holds \(featureDimension)")
        }
        if let s = frame.segments, s.width != frame.depth.width || s.height != frame.depth.height || s.pixels.count != s.width * s.height {
            throw VLNError.invalidValue(field: "\(n): segments", reason: "\(s.width)×\(s.height), depth is \(frame.depth.width)×\(frame.depth.height)")
        }
        guard frame.step >= 0, frame.step <= Int(Int32.max) else { throw VLNError.invalidValue(field: "\(n): step", reason: "must be in 0…2³¹−1, got \(frame.step)") }
    }

    /// The dynamic update's deletion test (paper §3.2; official `delete_old_features_from_camera_frustum`, with the
    /// rule of vlnsim's issue 9): a stored patch at camera-frame point `(x, y, −z)` is deleted when
    /// `0 < z ≤ deletionRange`, its pixel `(⌊u⌋, ⌊v⌋)` with `u = fx·x/z + cx`, `v = −fy·y/z + cy` lies inside the
    /// image, the depth D there is valid, and `z < D + occlusionTolerance`.
    /// - Returns: the slots to delete, ascending.
    func deletionTest(_ frame: MemoryFrame) -> [Int32] {
        let c = frame.worldFromCamera.inverse, k = frame.intrinsics
        let r0 = c.rotation.row0, r1 = c.rotation.row1, r2 = c.rotation.row2, t = c.translation
        // In chunks of 4,096 patches through a stack buffer: no heap allocation per chunk or per frame but the result.
        var out: [Int32] = []
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 12) { rt in
            // Rotation rows (row-major), then the translation.
            rt[0] = r0.x; rt[1] = r0.y; rt[2] = r0.z; rt[3] = r1.x; rt[4] = r1.y; rt[5] = r1.z
            rt[6] = r2.x; rt[7] = r2.y; rt[8] = r2.z; rt[9] = t.x; rt[10] = t.y; rt[11] = t.z
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4096) { O in
                px.withUnsafeBufferPointer { X in py.withUnsafeBufferPointer { Y in pz.withUnsafeBufferPointer { Z in
                    frame.depth.pixels.withUnsafeBufferPointer { D in
                        var start = 0
                        while start < X.count {
                            let n = min(4096, X.count - start)
                            let found = vln_deletion_test(X.baseAddress! + start, Y.baseAddress! + start, Z.baseAddress! + start, n,
                                                          rt.baseAddress!, rt.baseAddress! + 9, configuration.deletionRange, k.fx, k.fy,
                                                          k.cx, k.cy, Int32(frame.depth.width), Int32(frame.depth.height),
                                                          D.baseAddress, configuration.occlusionTolerance, O.baseAddress)
                            for j in 0..<found { O[j] += Int32(start) }
                            out.append(contentsOf: UnsafeBufferPointer(rebasing: O[..<found]))
                            start += n
                        }
                    }
                }}}
            }
        }
        return out
    }

    /// Instances and zones an update changed (ids may repeat, and may have died since: `refreshZones` sorts them,
    /// drops repeats and skips the dead).
    struct Touched {
        var instances: [Int32] = [], zones: [Int32] = []
        /// Live instances that may not be listed in the zone of their centre yet (new, or moved out of their zone's
        /// cell): the nearest-instance search checks them explicitly until `refreshZones` files them.
        var unfiled: [Int32] = []
    }

    /// Notes `inst` as unfiled if it is not listed in the zone of its current centre.
    private func noteFiling(_ inst: Int, _ touched: inout Touched) {
        let z = Int(iZone[inst])
        if z < 0 || zCell[z] != zoneCell(of: iCentre[inst]) { touched.unfiled.append(Int32(inst)) }
    }

    /// Removes the deleted patches from storage and their instances; an instance left empty dies (and leaves its
    /// zone), the others are refreshed. Returns the number of instances that died.
    private mutating func cascade(_ deleted: [Int32], touched: inout Touched) -> Int {
        // The deleted patches of each instance (ascending, as `deleted`), instances ascending. An instance that loses
        // every patch dies without touching its sums; one that keeps fewer patches than it loses has its sums
        // recomputed from the survivors rather than decremented.
        var hits: [(inst: Int32, start: Int32, count: Int32)] = []
        var byInstance = [Int32](repeating: 0, count: deleted.count)
        var cursor = [Int32](repeating: 0, count: iAlive.count)      // losses per instance, then fill positions
        pInstance.withUnsafeBufferPointer { I in cursor.withUnsafeMutableBufferPointer { C in
            var hit: [Int32] = []
            for s in deleted {
                let inst = Int(I[Int(s)])
                guard inst >= 0 else { continue }
                if C[inst] == 0 { hit.append(Int32(inst)) }
                C[inst] += 1
            }
            hit.sort()
            var start: Int32 = 0
            for inst in hit {
                let n = C[Int(inst)]
                hits.append((inst, start, n)); C[Int(inst)] = start; start += n
            }
            for s in deleted {
                let inst = Int(I[Int(s)])
                guard inst >= 0 else { continue }
                byInstance[Int(C[inst])] = s; C[inst] += 1
            }
        }}
        var dead = 0
        var subtractions: [(inst: Int32, start: Int32, count: Int32)] = []     // current sums that lose rows
        for (inst32, start, count) in hits {
            let inst = Int(inst32), lost = Int(count), kept = iMembers[inst].count - lost
            if kept == 0 {
                iMembers[inst] = []
                killInstance(inst, touched: &touched); dead += 1
                continue
            }
            let subtract = lost <= kept
            // Swap-remove each lost patch from the member list (its last member takes its place), in ascending order.
            var members = iMembers[inst]
            iMembers[inst] = []
            var positionSum = iPositionSum[inst]
            members.withUnsafeMutableBufferPointer { list in
            pMemberIndex.withUnsafeMutableBufferPointer { M in
            pInstance.withUnsafeMutableBufferPointer { I in
                var length = list.count
                for j in Int(start) ..< Int(start + count) {
                    let i = Int(byInstance[j]), at = Int(M[i])
                    length -= 1
                    let last = list[length]
                    if Int(last) != i { list[at] = last; M[Int(last)] = Int32(at) }
                    I[i] = -1; M[i] = -1
                }
            }}}
            members.removeLast(lost)
            // The box is folded again over the survivors (in list order), and with it their position sum.
            let (survivorSum, lower, upper) = positionStatistics(members)
            if subtract {
                // Fewer lost than kept: the lost patches' positions and (if current) features are subtracted, the
                // features after this loop (`subtractFeatures`).
                px.withUnsafeBufferPointer { X in py.withUnsafeBufferPointer { Y in pz.withUnsafeBufferPointer { Z in
                    for j in Int(start) ..< Int(start + count) {
                        let i = Int(byInstance[j])
                        positionSum -= SIMD3<Double>(Double(X[i]), Double(Y[i]), Double(Z[i]))
                    }
                }}}
                iPositionSum[inst] = positionSum
                if !iSumStale[inst] { subtractions.append((inst32, start, count)) }
            } else {
                // More lost than kept: the survivors' position sum; the feature sum is left stale (recomputed from the
                // survivors only if a merge, a query or a save needs it).
                iPositionSum[inst] = survivorSum
                iSumStale[inst] = true
            }
            iMembers[inst] = members
            iLower[inst] = lower; iUpper[inst] = upper
            refreshCentre(inst); touched.instances.append(inst32)
            noteFiling(inst, &touched)
        }
        subtractFeatures(subtractions, rows: byInstance)
        px.withUnsafeMutableBufferPointer { X in py.withUnsafeMutableBufferPointer { Y in pz.withUnsafeMutableBufferPointer { Z in
            pInstance.withUnsafeMutableBufferPointer { I in pMemberIndex.withUnsafeMutableBufferPointer { M in
                pAlive.withUnsafeMutableBufferPointer { A in
                    for s in deleted {
                        let i = Int(s)
                        X[i] = .nan; Y[i] = .nan; Z[i] = .nan; I[i] = -1; M[i] = -1; A[i] = false
                    }
                }
            }}
        }}}
        freePatches.append(contentsOf: deleted)
        livePatchCount -= deleted.count
        return dead
    }

    /// Subtracts the fp16 feature rows `rows[start ..< start + count]` from each listed instance's sum (exact), in list
    /// order, asking for the rows six ahead across instances and for the next instance's sum row (scattered, cold
    /// rows: one at a time, the misses would not overlap).
    private mutating func subtractFeatures(_ work: [(inst: Int32, start: Int32, count: Int32)], rows: [Int32]) {
        guard !work.isEmpty else { return }
        let d = featureDimension, ahead = 6
        var flat: [Int32] = []
        for w in work { flat.append(contentsOf: rows[Int(w.start) ..< Int(w.start + w.count)]) }
        pFeature.withUnsafeBufferPointer { f in iFeatureSum.withUnsafeMutableBufferPointer { acc in flat.withUnsafeBufferPointer { list in
            let f = f.baseAddress!, acc = acc.baseAddress!
            for k in 0 ..< min(ahead, list.count) { vln_prefetch(f + Int(list[k]) * d, 2 * d, 0) }
            vln_prefetch(acc + Int(work[0].inst) * d, 8 * d, 1)
            var k = 0
            for (w, item) in work.enumerated() {
                if w + 1 < work.count { vln_prefetch(acc + Int(work[w + 1].inst) * d, 8 * d, 1) }
                for _ in 0 ..< Int(item.count) {
                    if k + ahead < list.count { vln_prefetch(f + Int(list[k + ahead]) * d, 2 * d, 0) }
                    vln_f16_accumulate(f + Int(list[k]) * d, acc + Int(item.inst) * d, d, -1)
                    k += 1
                }
            }
        }}}
    }

    /// Recomputes a stale instance's feature sum from its members (nothing when it is current).
    mutating func ensureFeatureSum(_ inst: Int) {
        guard iSumStale[inst] else { return }
        let d = featureDimension
        pFeature.withUnsafeBufferPointer { f in iFeatureSum.withUnsafeMutableBufferPointer { acc in iMembers[inst].withUnsafeBufferPointer { list in
            vln_f16_sum_rows(f.baseAddress!, list.baseAddress, list.count, d, acc.baseAddress! + inst * d)
        }}}
        iSumStale[inst] = false
    }

    /// A live instance's exact feature sum: its row, or (stale) computed from its members into `scratch` (D values).
    func currentFeatureSum<R>(_ inst: Int, _ body: (UnsafePointer<Double>) -> R) -> R {
        let d = featureDimension
        if !iSumStale[inst] { return iFeatureSum.withUnsafeBufferPointer { body($0.baseAddress! + inst * d) } }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: d) { scratch in
            featureSum(iMembers[inst], into: scratch.baseAddress!)
            return body(UnsafePointer(scratch.baseAddress!))
        }
    }

    /// Sum (fp64, in list order) and box (`pointwiseMin`/`pointwiseMax` folded in list order) of the positions of
    /// some patches.
    private func positionStatistics(_ patches: [Int32]) -> (sum: SIMD3<Double>, lower: Vec3, upper: Vec3) {
        var sum = SIMD3<Double>.zero, lo = Vec3(repeating: .infinity), hi = Vec3(repeating: -.infinity)
        px.withUnsafeBufferPointer { X in py.withUnsafeBufferPointer { Y in pz.withUnsafeBufferPointer { Z in
            patches.withUnsafeBufferPointer { list in
                for s in list {
                    let p = Vec3(X[Int(s)], Y[Int(s)], Z[Int(s)])
                    sum += SIMD3<Double>(Double(p.x), Double(p.y), Double(p.z))
                    lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p)
                }
            }
        }}}
        return (sum, lo, hi)
    }

    /// The exact fp64 sum of some patches' fp16 features, D values, into `sum` (overwritten).
    func featureSum(_ patches: [Int32], into sum: UnsafeMutablePointer<Double>) {
        let d = featureDimension
        pFeature.withUnsafeBufferPointer { f in patches.withUnsafeBufferPointer { list in
            vln_f16_sum_rows(f.baseAddress!, list.baseAddress, list.count, d, sum)
        }}
    }

    private mutating func killInstance(_ inst: Int, touched: inout Touched) {
        if iZone[inst] >= 0 { touched.zones.append(iZone[inst]); removeFromZone(inst) }
        iAlive[inst] = false; iSumStale[inst] = false
        iPositionSum[inst] = .zero
        iCentre[inst] = Vec3(repeating: .nan); iLower[inst] = Vec3(repeating: .nan); iUpper[inst] = Vec3(repeating: .nan)
        liveInstanceCount -= 1
        freeInstances.append(Int32(inst))
    }

    /// A lifted patch before it is stored.
    struct LiftedPatch {
        var position: Vec3, direction: Vec3, scale: Float, row: Int, column: Int, segment: UInt32
    }

    /// Back-projects the frame's patches: patch (r, c) of a `G_h × G_w` grid reads the depth d at pixel
    /// `(⌊(c + ½)·W/G_w⌋, ⌊(r + ½)·H/G_h⌋)` and lies at `d · ray(block centre)` in the camera frame (the centre moved
    /// at most 1/64 pixel into that pixel, see `insidePixel`), mapped to the world
    /// by `worldFromCamera`. Its metric scale is the block's width at depth d, `d · (W/G_w) / fx`
    /// (= `d·tan(hfov/2)·2/G` for a symmetric camera, as the paper); its viewing direction is the world-frame unit
    /// vector from the camera centre to it. Invalid depth, or depth beyond `maxLiftDepth`, lifts nothing.
    func lift(_ frame: MemoryFrame) -> (patches: [LiftedPatch], farAway: Int) {
        let f = frame.features, k = frame.intrinsics, w = frame.depth.width, h = frame.depth.height
        let pose = frame.worldFromCamera
        var out: [LiftedPatch] = [], farAway = 0
        out.reserveCapacity(f.patchesHigh * f.patchesWide)
        for r in 0..<f.patchesHigh {
            let yPixel = ((2 * r + 1) * h) / (2 * f.patchesHigh)
            let yCentre = Self.insidePixel(Float((2 * r + 1) * h) / Float(2 * f.patchesHigh))
            for c in 0..<f.patchesWide {
                let xPixel = ((2 * c + 1) * w) / (2 * f.patchesWide)
                let d = frame.depth[xPixel, yPixel]
                guard d > 0, d.isFinite, d <= configuration.maxLiftDepth else { continue }
                let xCentre = Self.insidePixel(Float((2 * c + 1) * w) / Float(2 * f.patchesWide))
                let ray = k.cameraRay(x: xCentre, y: yCentre)
                let direction = pose.applyToDirection(ray), position = pose.apply(d * ray)
                guard all(position .<= Vec3(repeating: Self.maximumCoordinate)), all(position .>= Vec3(repeating: -Self.maximumCoordinate)) else {
                    farAway += 1; continue
                }
                out.append(LiftedPatch(position: position, direction: direction / length(direction),
                                       scale: d * (Float(w) / Float(f.patchesWide)) / k.fx, row: r, column: c,
                                       segment: frame.segments?[xPixel, yPixel] ?? 0))
            }
        }
        return (out, farAway)
    }

    /// Lifted patches must lie within this many metres of the origin on every axis (a bad intrinsic, e.g. fx = 10⁻⁹,
    /// would throw them to astronomical coordinates).
    static let maximumCoordinate: Float = 1e6

    /// A block-centre coordinate moved at most 1/64 pixel into the pixel that holds it: when the centre falls on a
    /// pixel edge (e.g. every row of a 24-row grid on 480 rows, or 16×16 on 256), the lifted point would project
    /// back to either side of the edge under float rounding, and a re-observation from the same pose might test it
    /// against the neighbouring pixel's depth. 1/64 pixel is 0.1 mm at 3 m with fx = 585.
    static func insidePixel(_ b: Float) -> Float {
        let base = b.rounded(.down), margin: Float = 1 / 64
        return min(max(b, base + margin), base + 1 - margin)
    }

    /// Stores the lifted patches, groups them by segment and merges each segment (ascending id) into a live
    /// instance or a new one. Returns how many instances were created and how many segments merged.
    private mutating func insertLifted(_ lifted: [LiftedPatch], frame: MemoryFrame,
                                       touched: inout Touched) -> (created: Int, merged: Int) {
        let d = featureDimension, step = Int32(frame.step), frameIndex = Int32(frameCount)
        var slots: [Int32] = []
        slots.reserveCapacity(lifted.count)
        for p in lifted {
            let s: Int
            if let free = freePatches.popLast() {
                s = Int(free)
            } else {
                s = px.count
                px.append(0); py.append(0); pz.append(0); pScale.append(0); pDirection.append(.zero)
                pStep.append(0); pFrame.append(0); pInstance.append(-1); pMemberIndex.append(-1); pAlive.append(false)
                pFeature.append(contentsOf: repeatElement(0, count: d))
            }
            px[s] = p.position.x; py[s] = p.position.y; pz[s] = p.position.z
            pScale[s] = p.scale; pDirection[s] = p.direction; pStep[s] = step; pFrame[s] = frameIndex
            pInstance[s] = -1; pMemberIndex[s] = -1; pAlive[s] = true
            slots.append(Int32(s))
        }
        livePatchCount += lifted.count
        lastInsertedPatches = slots.sorted()

        let grid = ZoneGrid(zoneOfCell)     // zones change only after the merges (refreshZones)
        // Group by segment (0 = none), ascending segment id, patches in lift order: sorted (segment, lift index) keys.
        var keys: [UInt64] = []
        keys.reserveCapacity(lifted.count)
        for (n, p) in lifted.enumerated() { keys.append(UInt64(p.segment) << 32 | UInt64(n)) }
        keys.sort()
        var next = 0
        while next < keys.count, keys[next] >> 32 == 0 { next += 1 }
        storeFeatures(keys, 0 ..< next, lifted: lifted, slots: slots, map: frame.features, sum: nil)
        // Scratch reused by every segment (allocated once per frame): the segment's exact sum, its members, the
        // norm kernel's rows and results, and the features handed to `merge` — those arrays are uniquely referenced
        // again once the previous segment's summary and candidates are gone, so they are rewritten in place.
        let k = configuration.mergeNeighbours
        var members: [Int32] = [], featureSum = [Double](repeating: 0, count: d)
        members.reserveCapacity(lifted.count)
        var rows = [UnsafePointer<Double>?](repeating: nil, count: 1 + k), squares = [Double](repeating: 0, count: 1 + k)
        var summaryFeature = [Float](repeating: 0, count: d)
        var candidateFeatures = (0 ..< k).map { _ in [Float](repeating: 0, count: d) }
        var candidates: [InstanceCandidate] = []
        candidates.reserveCapacity(k)
        var created = 0, merged = 0
        while next < keys.count {
            let segment = keys[next] >> 32, first = next
            while next < keys.count, keys[next] >> 32 == segment { next += 1 }
            featureSum.withUnsafeMutableBufferPointer { sum in
                // The exact sum of the stored fp16 features.
                storeFeatures(keys, first ..< next, lifted: lifted, slots: slots, map: frame.features, sum: sum.baseAddress!)
            }
            members.removeAll(keepingCapacity: true)
            for key in keys[first ..< next] { members.append(slots[Int(key & 0xFFFF_FFFF)]) }
            let (positionSum, lower, upper) = positionStatistics(members)
            let scale = pScale.withUnsafeBufferPointer { S in members.reduce(Float(0)) { $0 + S[Int($1)] } }
            let c = positionSum / Double(members.count), centre = Vec3(Float(c.x), Float(c.y), Float(c.z))
            let nearest = nearestIDs(to: centre, count: k, alsoChecking: touched.unfiled, grid: grid)
            // Ask for the candidates' sum rows now (scattered, cold; read below by the norms), and for the row a new
            // instance would take.
            iFeatureSum.withUnsafeBufferPointer { sums in
                for n in nearest where !iSumStale[n.id] { vln_prefetch(sums.baseAddress! + n.id * d, 8 * d, 0) }
                if let free = freeInstances.last { vln_prefetch(sums.baseAddress! + Int(free) * d, 8 * d, 1) }
            }
            if Self.checksNearestSearch,
               nearestByScan(to: centre, count: k).map(\.id) != nearest.map(\.id) {
                Self.nearestSearchMismatches += 1
            }
            for n in nearest { ensureFeatureSum(n.id) }
            // The segment's and the candidates' features: L2-normalised sums, their squared norms summed together
            // (each in index order, as one at a time).
            candidates.removeAll(keepingCapacity: true)
            featureSum.withUnsafeBufferPointer { segmentSum in iFeatureSum.withUnsafeBufferPointer { sums in
                let count = 1 + nearest.count
                rows.withUnsafeMutableBufferPointer { r in squares.withUnsafeMutableBufferPointer { q in
                    r[0] = segmentSum.baseAddress!
                    for (j, n) in nearest.enumerated() { r[1 + j] = sums.baseAddress! + n.id * d }
                    var from = 0
                    while from < count {
                        let batch = min(4, count - from)
                        vln_sum_squares(r.baseAddress! + from, batch, d, q.baseAddress! + from)
                        from += batch
                    }
                }}
                summaryFeature.withUnsafeMutableBufferPointer { out in
                    vln_quotients_to_f32(segmentSum.baseAddress!, squares[0].squareRoot(), out.baseAddress!, d)     // Float(sum_j / norm), 0 if norm = 0
                }
                for (j, n) in nearest.enumerated() {
                    let row = sums.baseAddress! + n.id * d, squared = squares[1 + j]
                    let inverse = squared > 0 ? 1 / squared.squareRoot() : 0
                    candidateFeatures[j].withUnsafeMutableBufferPointer { out in
                        vln_products_to_f32(row, inverse, out.baseAddress!, d)          // Float(row_j · inverse)
                    }
                    candidates.append(InstanceCandidate(id: Int32(n.id), centre: iCentre[n.id], lower: iLower[n.id], upper: iUpper[n.id],
                                                        feature: candidateFeatures[j], patchCount: iMembers[n.id].count, distance: n.distance))
                }
            }}
            let summary = SegmentSummary(centre: centre, lower: lower, upper: upper, feature: summaryFeature,
                                         patchCount: members.count, meanScale: scale / Float(members.count))
            let picks = merge.choose(segment: summary, candidates: candidates)
            precondition(picks.allSatisfy(candidates.indices.contains), "InstanceMerge returned \(picks) for \(candidates.count) candidates")
            // The chosen instances, ascending, each once (picks may repeat).
            let chosen = Self.sortedUnique(picks.map { candidates[$0].id })
            let target: Int, isNew: Bool
            if let first = chosen.first {
                target = Int(first); merged += 1; isNew = false
                for other in chosen.dropFirst() { absorb(Int(other), into: target, touched: &touched) }
            } else {
                target = newInstance(step: step); created += 1; isNew = true
            }
            let base = iMembers[target].count
            iMembers[target].append(contentsOf: members)
            pInstance.withUnsafeMutableBufferPointer { I in pMemberIndex.withUnsafeMutableBufferPointer { M in
                for (j, s) in members.enumerated() { I[Int(s)] = Int32(target); M[Int(s)] = Int32(base + j) }
            }}
            iPositionSum[target] += positionSum
            featureSum.withUnsafeBufferPointer { sum in iFeatureSum.withUnsafeMutableBufferPointer { acc in
                // A new instance's row is overwritten (it holds what its slot held before; 0 + x = x bit for bit here,
                // as these sums are never −0); else added, exactly: sums of binary16 values.
                // A stale target stays stale (its sum is recomputed from all its members when needed).
                let row = acc.baseAddress! + target * d
                if isNew {
                    row.update(from: sum.baseAddress!, count: d)
                } else if !iSumStale[target] {
                    for j in 0..<d { row[j] += sum[j] }
                }
            }}
            iLastSeen[target] = step
            // The box grows by the segment's: the same as folding the members' positions in list order.
            if isNew {
                iLower[target] = summary.lower; iUpper[target] = summary.upper
            } else {
                iLower[target] = pointwiseMin(iLower[target], summary.lower); iUpper[target] = pointwiseMax(iUpper[target], summary.upper)
            }
            refreshCentre(target)
            touched.instances.append(Int32(target))
            noteFiling(target, &touched)
        }
        vln_store_fence()       // the streaming stores of the new rows, before anything another thread may see
        return (created, merged)
    }

    /// Stores the fp16 features of the lifted patches `keys[range]` (a key's low 32 bits: the patch's index in
    /// `lifted`) in their slots and, when `sum` is given, their exact sum into it (overwritten: the first row's
    /// `0 + x`, then the others added in key order). Asks for the frame's row and (for a patch in no segment, written
    /// with ordinary stores; a segment's rows are streamed) the slot's row two keys ahead, across segments: the slots
    /// are scattered, so the hardware does not guess them.
    private mutating func storeFeatures(_ keys: [UInt64], _ range: Range<Int>, lifted: [LiftedPatch], slots: [Int32],
                                        map: FeatureMap, sum: UnsafeMutablePointer<Double>?) {
        let d = featureDimension, wide = map.patchesWide
        map.values.withUnsafeBufferPointer { v in pFeature.withUnsafeMutableBufferPointer { f in
            keys.withUnsafeBufferPointer { keys in lifted.withUnsafeBufferPointer { lifted in slots.withUnsafeBufferPointer { slots in
                let v = v.baseAddress!, f = f.baseAddress!
                for i in range {
                    let ahead = i + 2
                    if ahead < keys.count {
                        let m = Int(keys[ahead] & 0xFFFF_FFFF), q = lifted[m]
                        vln_prefetch(v + (q.row * wide + q.column) * d, 4 * d, 0)
                        if keys[ahead] >> 32 == 0 { vln_prefetch(f + Int(slots[m]) * d, 2 * d, 1) }
                    }
                    let n = Int(keys[i] & 0xFFFF_FFFF), p = lifted[n]
                    let source = v + (p.row * wide + p.column) * d, row = f + Int(slots[n]) * d
                    if let sum {
                        if i == range.lowerBound { vln_f32_to_f16_start_sum(source, row, sum, d) } else { vln_f32_to_f16_accumulate(source, row, sum, d) }
                    } else {
                        vln_f32_to_f16(source, row, d)
                    }
                }
            }}}
        }}
    }

    /// Moves every patch of instance `source` into `target` (sums added exactly, boxes joined), then `source` dies.
    private mutating func absorb(_ source: Int, into target: Int, touched: inout Touched) {
        var list = iMembers[target]
        iMembers[target] = []
        pInstance.withUnsafeMutableBufferPointer { I in pMemberIndex.withUnsafeMutableBufferPointer { M in
            for s in iMembers[source] { I[Int(s)] = Int32(target); M[Int(s)] = Int32(list.count); list.append(s) }
        }}
        iMembers[target] = list
        iPositionSum[target] += iPositionSum[source]
        let d = featureDimension
        if iSumStale[target] || iSumStale[source] {
            iSumStale[target] = true
        } else {
            iFeatureSum.withUnsafeMutableBufferPointer { acc in
                for j in 0..<d { acc[target * d + j] += acc[source * d + j] }
            }
        }
        iFirstSeen[target] = min(iFirstSeen[target], iFirstSeen[source])
        // Target's box is the fold of its members in list order, source's of its: appending source's members
        // continues the fold.
        iLower[target] = pointwiseMin(iLower[target], iLower[source]); iUpper[target] = pointwiseMax(iUpper[target], iUpper[source])
        iMembers[source] = []
        killInstance(source, touched: &touched)
    }

    private mutating func newInstance(step: Int32) -> Int {
        let d = featureDimension
        let inst: Int
        if let free = freeInstances.popLast() {
            inst = Int(free)
        } else {
            inst = iAlive.count
            iAlive.append(false); iMembers.append([]); iPositionSum.append(.zero)
            iFeatureSum.append(contentsOf: repeatElement(0, count: d)); iSumStale.append(false)
            iCentre.append(.zero); iLower.append(.zero); iUpper.append(.zero); iZone.append(-1); iZoneIndex.append(-1)
            iLastSeen.append(0); iFirstSeen.append(0)
        }
        iAlive[inst] = true; iSumStale[inst] = false; iMembers[inst] = []; iPositionSum[inst] = .zero
        iFirstSeen[inst] = step; iLastSeen[inst] = step; iZone[inst] = -1; iZoneIndex[inst] = -1
        liveInstanceCount += 1
        return inst
    }

    /// Recomputes a live instance's centre (mean of its patches) and extent (box of its patches). Its feature is
    /// computed from its sums when asked for (`normalisedFeature`).
    mutating func refreshInstance(_ inst: Int) {
        refreshCentre(inst)
        (_, iLower[inst], iUpper[inst]) = positionStatistics(iMembers[inst])
    }

    /// A live instance's centre from its position sum: `Vec3(sum / n)`.
    private mutating func refreshCentre(_ inst: Int) {
        let n = iMembers[inst].count
        precondition(n > 0)
        let c = iPositionSum[inst] / Double(n)
        iCentre[inst] = Vec3(Float(c.x), Float(c.y), Float(c.z))
    }

    /// A live instance's feature: the L2-normalised mean of its patches' features, `Float(sum_j / ‖sum‖)` from the
    /// exact fp64 sums (norm summed in index order), written to `out` (D values); zeros for a zero sum.
    func normalisedFeature(_ inst: Int, into out: UnsafeMutablePointer<Float>) {
        let d = featureDimension
        currentFeatureSum(inst) { sum in
            var norm = 0.0
            for j in 0..<d { let v = sum[j]; norm += v * v }
            let scale = norm > 0 ? 1 / norm.squareRoot() : 0
            for j in 0..<d { out[j] = Float(sum[j] * scale) }
        }
    }

    /// `normalisedFeature` as an array.
    func normalisedFeature(_ inst: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: featureDimension) { buffer, initialised in
            normalisedFeature(inst, into: buffer.baseAddress!)
            initialised = featureDimension
        }
    }

    /// Live instances nearest to `point` by centre distance (ties: lower id first), at most `count`. Searches the
    /// zone grid in growing shells of cells around `point`'s cell (an instance is listed in the zone of its centre)
    /// and stops once the k-th distance is within the shells searched; instances in `alsoChecking` (changed during
    /// the current update and not yet in the zone of their centre) are always considered. Gives the same answer as a
    /// scan over every live instance (`nearestInstancesByScan`).
    func nearestInstances(to point: Vec3, count: Int, alsoChecking extra: [Int32] = [], grid: ZoneGrid? = nil) -> [InstanceCandidate] {
        nearestIDs(to: point, count: count, alsoChecking: extra, grid: grid).map { candidate($0.id, distance: $0.distance) }
    }

    /// The ids and centre distances behind `nearestInstances`. Cells of a shell whose box lies farther from `point`
    /// than the k-th distance found so far (by a margin beyond float rounding) are not read.
    func nearestIDs(to point: Vec3, count: Int, alsoChecking extra: [Int32] = [], grid: ZoneGrid? = nil) -> [(id: Int, distance: Float)] {
        guard count > 0, liveInstanceCount > 0 else { return [] }
        let grid = grid ?? ZoneGrid(zoneOfCell)
        guard grid.usable else { return nearestByScan(to: point, count: count) }
        var best = NearestList(count: count)
        iCentre.withUnsafeBufferPointer { centre in
            for i in extra where iAlive[Int(i)] { best.consider(Int(i), distance(centre[Int(i)], point), checkRepeat: true) }
            let lo = grid.lower, hi = grid.upper
            let c = zoneCell(of: point), size = Double(configuration.zoneSize)
            let p = SIMD3<Double>(Double(point.x), Double(point.y), Double(point.z))
            // A centre filed in cell k lies in [k·size, (k + 1)·size] up to the rounding of ⌊centre / size⌋; the
            // margin below (1e-4 relative) covers that and the float rounding of `distance`.
            let slack = 1e-4 * (1 + max(abs(p.x), abs(p.y), abs(p.z)))
            /// Distance along one axis from the point to the cell at offset `d` from its own cell.
            func gap(_ axis: Int, _ d: Int) -> Double {
                if d == 0 { return 0 }
                let k = Double(Int(c[axis]) + d)
                return d > 0 ? max(0, k * size - p[axis]) : max(0, p[axis] - (k + 1) * size)
            }
            let checkRepeat = !extra.isEmpty      // an instance of `extra` may also be listed in a zone
            let reach = max(Int(c.x) - Int(lo.x), Int(hi.x) - Int(c.x), Int(c.y) - Int(lo.y), Int(hi.y) - Int(c.y),
                            Int(c.z) - Int(lo.z), Int(hi.z) - Int(c.z))
            var r = 0
            while r <= reach {
                let x0 = max(-r, Int(lo.x) - Int(c.x)), x1 = min(r, Int(hi.x) - Int(c.x))
                let y0 = max(-r, Int(lo.y) - Int(c.y)), y1 = min(r, Int(hi.y) - Int(c.y))
                let z0 = max(-r, Int(lo.z) - Int(c.z)), z1 = min(r, Int(hi.z) - Int(c.z))
                if x0 <= x1, y0 <= y1, z0 <= z1 {
                    for dx in x0...x1 {
                        let gx = gap(0, dx)
                        for dy in y0...y1 {
                            let gy = gap(1, dy), onShell = abs(dx) == r || abs(dy) == r
                            for dz in z0...z1 where onShell || abs(dz) == r {
                                // Skip a cell that lies beyond the k-th distance found so far.
                                if best.isFull {
                                    let gz = gap(2, dz), bound = (gx * gx + gy * gy + gz * gz).squareRoot()
                                    if bound - slack * (1 + bound) > Double(best.worst) { continue }
                                }
                                let z = grid.zone(Int(c.x) + dx, Int(c.y) + dy, Int(c.z) + dz)
                                guard z >= 0 else { continue }
                                zMembers[Int(z)].withUnsafeBufferPointer { members in
                                    for i in members { best.consider(Int(i), distance(centre[Int(i)], point), checkRepeat: checkRepeat) }
                                }
                            }
                        }
                    }
                }
                // Every centre in a cell beyond shell r is at least r zone edges away from any point of the centre cell.
                if best.isFull, best.worst <= Float(r) * configuration.zoneSize { break }
                r += 1
            }
        }
        return best.items
    }

    /// The same as `nearestInstances`, by a scan over every live instance (for tests).
    func nearestInstancesByScan(to point: Vec3, count: Int) -> [InstanceCandidate] {
        nearestByScan(to: point, count: count).map { candidate($0.id, distance: $0.distance) }
    }

    func nearestByScan(to point: Vec3, count: Int) -> [(id: Int, distance: Float)] {
        guard count > 0 else { return [] }
        var best: [(Float, Int)] = []
        for i in 0..<iAlive.count where iAlive[i] {
            let dist = distance(iCentre[i], point)
            if best.count < count || (dist, i) < best[best.count - 1] {
                var at = best.count
                while at > 0 && (dist, i) < best[at - 1] { at -= 1 }
                best.insert((dist, i), at: at)
                if best.count > count { best.removeLast() }
            }
        }
        return best.map { (id: $0.1, distance: $0.0) }
    }

    private func candidate(_ i: Int, distance: Float) -> InstanceCandidate {
        InstanceCandidate(id: Int32(i), centre: iCentre[i], lower: iLower[i], upper: iUpper[i],
                          feature: normalisedFeature(i),
                          patchCount: iMembers[i].count, distance: distance)
    }

    // MARK: - Zones

    /// The zone cell of a point: `⌊p / zoneSize⌋` per axis.
    /// Never traps: a coordinate that is not finite, or beyond ±10⁹ cells, is clamped (lifted points and poses are
    /// bounded far inside that range).
    public func zoneCell(of p: Vec3) -> SIMD3<Int32> {
        let s = configuration.zoneSize
        func cell(_ v: Float) -> Int32 {
            let c = (v / s).rounded(.down)
            return c.isNaN ? 0 : Int32(min(max(c, -1e9), 1e9))
        }
        return SIMD3<Int32>(cell(p.x), cell(p.y), cell(p.z))
    }

    /// Moves each touched live instance to the zone of its current centre, then recomputes every zone whose
    /// membership or members changed; an empty zone dies. Returns the number of zones that died.
    private mutating func refreshZones(_ touched: Touched) -> Int {
        var zones = touched.zones
        for inst32 in Self.sortedUnique(touched.instances) where iAlive[Int(inst32)] {
            let inst = Int(inst32), old = iZone[inst], cell = zoneCell(of: iCentre[inst])
            if old >= 0 && zCell[Int(old)] == cell { zones.append(old); continue }
            if old >= 0 { removeFromZone(inst); zones.append(old) }
            let z = zoneOfCell[cell] ?? newZone(cell)
            iZone[inst] = z; iZoneIndex[inst] = Int32(zMembers[Int(z)].count); zMembers[Int(z)].append(inst32)
            zones.append(z)
        }
        var died = 0
        for z in Self.sortedUnique(zones) where zAlive[Int(z)] {
            if zMembers[Int(z)].isEmpty { killZone(Int(z)); died += 1 } else { refreshZone(Int(z)) }
        }
        return died
    }

    /// The ids ascending, each once.
    private static func sortedUnique(_ ids: [Int32]) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(ids.count)
        for id in ids.sorted() where out.last != id { out.append(id) }
        return out
    }

    private mutating func removeFromZone(_ inst: Int) {
        let z = Int(iZone[inst]), at = Int(iZoneIndex[inst]), last = zMembers[z].removeLast()
        if Int(last) != inst { zMembers[z][at] = last; iZoneIndex[Int(last)] = Int32(at) }
        iZone[inst] = -1; iZoneIndex[inst] = -1
    }

    private mutating func newZone(_ cell: SIMD3<Int32>) -> Int32 {
        let z: Int
        if let free = freeZones.popLast() {
            z = Int(free)
        } else {
            z = zAlive.count
            zAlive.append(false); zCell.append(.zero); zMembers.append([]); zCentre.append(.zero)
        }
        zAlive[z] = true; zCell[z] = cell; zMembers[z] = []
        zoneOfCell[cell] = Int32(z)
        liveZoneCount += 1
        return Int32(z)
    }

    private mutating func killZone(_ z: Int) {
        zAlive[z] = false
        zoneOfCell[zCell[z]] = nil
        zCentre[z] = Vec3(repeating: .nan)
        liveZoneCount -= 1
        freeZones.append(Int32(z))
    }

    /// A zone's position is the mean of its instances' centres (its feature is computed when asked for, see
    /// `zoneFeature`: the update never needs it).
    private mutating func refreshZone(_ z: Int) {
        var c = SIMD3<Double>.zero
        for inst in zMembers[z].sorted() {
            let p = iCentre[Int(inst)]
            c += SIMD3<Double>(Double(p.x), Double(p.y), Double(p.z))
        }
        c /= Double(zMembers[z].count)
        zCentre[z] = Vec3(Float(c.x), Float(c.y), Float(c.z))
    }
}

/// The k nearest so far, ordered by (distance, id): the nearest-instance search's list.
struct NearestList {
    private(set) var items: [(id: Int, distance: Float)] = []
    let count: Int
    /// The last item's (distance, id) once the list is full: most candidates are farther, and are turned away by
    /// this one comparison without reading the list.
    private var worstDistance: Float = .infinity, worstID = Int.max
    init(count: Int) { self.count = count; items.reserveCapacity(count) }
    var isFull: Bool { items.count == count }
    /// The k-th distance (when full).
    var worst: Float { worstDistance }

    /// Takes instance `i` at `dist` if it is among the k nearest (ties: lower id); `checkRepeat`: `i` may be listed
    /// already.
    @inline(__always)
    mutating func consider(_ i: Int, _ dist: Float, checkRepeat: Bool) {
        guard items.count < count || (dist, i) < (worstDistance, worstID) else { return }
        insert(i, dist, checkRepeat: checkRepeat)
    }

    private mutating func insert(_ i: Int, _ dist: Float, checkRepeat: Bool) {
        if checkRepeat && items.contains(where: { $0.id == i }) { return }
        // Farther items move up one place (the last one drops out when the list is full): in place, as
        // `Array.insert`'s general path costs more than this list of k items.
        if items.count < count { items.append((i, dist)) }
        var at = items.count - 1
        while at > 0 && (dist, i) < (items[at - 1].distance, items[at - 1].id) { items[at] = items[at - 1]; at -= 1 }
        items[at] = (i, dist)
        if isFull { (worstID, worstDistance) = items[items.count - 1] }
    }
}

/// The live zones' cells as a dense box of zone ids (−1: none), for the nearest-instance search.
struct ZoneGrid {
    let lower: SIMD3<Int32>, upper: SIMD3<Int32>
    private let size: SIMD3<Int>, zones: [Int32]

    /// False when the zones are too spread out for a dense box (more than 64 cells per zone and 4,096 in all):
    /// the search then scans the instances instead.
    let usable: Bool

    init(_ zoneOfCell: [SIMD3<Int32>: Int32]) {
        var lo = SIMD3<Int32>(repeating: .max), hi = SIMD3<Int32>(repeating: .min)
        for cell in zoneOfCell.keys { lo = pointwiseMin(lo, cell); hi = pointwiseMax(hi, cell) }
        lower = lo; upper = hi
        let n = SIMD3<Int>(Int(hi.x) - Int(lo.x) + 1, Int(hi.y) - Int(lo.y) + 1, Int(hi.z) - Int(lo.z) + 1)
        guard !zoneOfCell.isEmpty, n.x * n.y * n.z <= max(4096, 64 * zoneOfCell.count) else {
            size = .zero; zones = []; usable = false; return
        }
        size = n; usable = true
        var z = [Int32](repeating: -1, count: n.x * n.y * n.z)
        for (cell, id) in zoneOfCell {
            z[((Int(cell.z) - Int(lo.z)) * n.y + Int(cell.y) - Int(lo.y)) * n.x + Int(cell.x) - Int(lo.x)] = id
        }
        zones = z
    }

    /// The zone of a cell inside the box, or −1.
    func zone(_ x: Int, _ y: Int, _ z: Int) -> Int32 {
        zones[((z - Int(lower.z)) * size.y + y - Int(lower.y)) * size.x + x - Int(lower.x)]
    }
}


// MARK: - Benchmark support

extension TokenMemory {
    /// Stores already-lifted patches as consecutive segments (`segmentSizes` patches each, in order), each becoming a
    /// new instance placed in its zone: the code paths of `insert` without the deletion test, the lift and the
    /// merge. For benchmarks that need a memory of a given size (e.g. 100,000 patches scattered over a house, as
    /// ../shared/anchors/dynam3d_update_anchor.py builds its state).
    /// - Precondition: `positions.count == segmentSizes.reduce(0, +)`, `features.count == positions.count · D`, sizes > 0.
    @_spi(Benchmarks)
    public mutating func storeSegments(positions: [Vec3], features: [Float], segmentSizes: [Int], step: Int = 0) {
        if featureDimension == 0 { featureDimension = features.count / max(positions.count, 1) }
        precondition(positions.count == segmentSizes.reduce(0, +) && features.count == positions.count * featureDimension)
        var touched = Touched(), start = 0
        for size in segmentSizes {
            precondition(size > 0)
            let lifted = (start..<start + size).map { i in
                LiftedPatch(position: positions[i], direction: Vec3(0, 0, -1), scale: 0.1, row: 0, column: i - start, segment: 1)
            }
            let map = FeatureMap(patchesHigh: 1, patchesWide: size, channels: featureDimension,
                                 values: Array(features[start * featureDimension ..< (start + size) * featureDimension]))
            let frame = MemoryFrame(depth: DepthImage(width: 1, height: 1, fill: 0), intrinsics: .vlnce,
                                    worldFromCamera: .identity, features: map, step: step)
            let mergeBefore = merge
            merge = NeverMerge()
            _ = insertLifted(lifted, frame: frame, touched: &touched)
            merge = mergeBefore
            start += size
        }
        _ = refreshZones(touched)
    }

    /// Makes every storage array uniquely owned (copies what a value copy shares), so that a timed update on a copy
    /// does not pay for copy-on-write, with room for `headroom` more patches, instances and zones (a copy has no spare
    /// capacity, so an update that grew a store would pay for copying all of it, which a memory that grows by
    /// doubling pays only now and then).
    @_spi(Benchmarks)
    public mutating func makeStorageUnique(headroom: Int = 1) {
        let d = featureDimension
        func own<T>(_ a: inout [T], _ per: Int = 1) { a.reserveCapacity(a.count + per * headroom) }
        own(&px); own(&py); own(&pz); own(&pFeature, d); own(&pScale); own(&pDirection); own(&pStep); own(&pFrame)
        own(&pInstance); own(&pMemberIndex); own(&pAlive); own(&freePatches); own(&iAlive); own(&iMembers)
        own(&iPositionSum); own(&iFeatureSum, d); own(&iSumStale); own(&iCentre); own(&iLower); own(&iUpper); own(&iZone)
        own(&iZoneIndex); own(&iLastSeen); own(&iFirstSeen); own(&freeInstances); own(&zAlive); own(&zCell)
        own(&zMembers); own(&zCentre); own(&freeZones)
    }
}

extension TokenMemory {
    /// Reads what an update reads apart from the fp16 feature rows (positions, patch links, member lists, instance sums,
    /// centres and boxes), untimed, so that a benchmark can time an update whose metadata is in cache as in an agent's
    /// loop, where the 2·D-byte rows of a large memory (77 MB at 100,000 patches) cannot stay cached anyway.
    @_spi(Benchmarks)
    public func touchStorage() -> Double {
        var s = 0.0
        // The positions last: the deletion test reads them first.
        for v in iFeatureSum { s += v }
        for i in 0..<iAlive.count { s += Double(iMembers[i].count) + Double(iCentre[i].x) + Double(iLower[i].x) + Double(iUpper[i].x) }
        for i in 0..<px.count { s += Double(pInstance[i]) + Double(pMemberIndex[i]) }
        for i in 0..<px.count { s += Double(px[i]) + Double(py[i]) + Double(pz[i]) }
        return s
    }
}

extension TokenMemory {
    /// When set (tests), every nearest-instance search during an update is compared with a full scan, and
    /// `nearestSearchMismatches` counts the differences. Not thread-safe: for single-threaded tests only.
    @_spi(Benchmarks) nonisolated(unsafe) public static var checksNearestSearch = false
    @_spi(Benchmarks) nonisolated(unsafe) public static var nearestSearchMismatches = 0

    /// The k nearest live instances by the zone-grid search and by a full scan (ids, nearest first): equal.
    @_spi(Benchmarks)
    public func nearestInstanceIDs(to point: Vec3, count: Int) -> (grid: [Int32], scan: [Int32]) {
        (nearestIDs(to: point, count: count).map { Int32($0.id) }, nearestByScan(to: point, count: count).map { Int32($0.id) })
    }

    /// The deletion test alone (it changes nothing): the patches `frame` would delete, ascending.
    @_spi(Benchmarks)
    public func patchesDeleted(by frame: MemoryFrame) -> [Int32] { deletionTest(frame) }
}

struct NeverMerge: InstanceMerge {
    func choose(segment: SegmentSummary, candidates: [InstanceCandidate]) -> [Int] { [] }
}
