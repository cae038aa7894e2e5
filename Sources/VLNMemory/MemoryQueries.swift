import Foundation
import CMemoryKernels
import VLNCore

/// A patch token: one lifted feature-map cell. World frame (Habitat: Y up), metres.
public struct PatchToken: Codable, Equatable, Sendable {
    /// Its id (storage slot; valid while it lives).
    public var id: Int32
    /// Position of the patch (on the ray through its block centre), world frame, metres.
    public var position: Vec3
    /// Side of the patch at its depth, metres (`d · (W/G_w) / fx`).
    public var scale: Float
    /// Unit vector from the camera centre that saw it to the patch (world frame).
    public var viewDirection: Vec3
    /// Episode step and memory frame index it was observed at.
    public var step: Int, frame: Int
    /// Its instance, or nil.
    public var instance: Int32?
}

/// An instance token. World frame, metres.
public struct InstanceToken: Codable, Equatable, Sendable {
    /// Its id (storage slot; valid while it lives).
    public var id: Int32
    /// Mean of its patch positions.
    public var centre: Vec3
    /// Box of its patch positions.
    public var lower: Vec3, upper: Vec3
    /// Its live patches.
    public var patchCount: Int
    /// Steps it was first created at and last observed at (a segment merged into it).
    public var firstSeenStep: Int, lastSeenStep: Int
    /// Its zone.
    public var zone: Int32
    /// `upper − lower`, metres.
    public var extent: Vec3 { upper - lower }
    /// Centre of the box of its patch positions, `(lower + upper) / 2`, metres: the object-centre estimate that
    /// `TokenMemory.localise` reports (see there for why it is not `centre`).
    public var boxCentre: Vec3 { (lower + upper) * 0.5 }
}

/// A zone token: one `zoneSize` cube of the fixed world grid holding live instances.
public struct ZoneToken: Codable, Equatable, Sendable {
    /// Its id (storage slot; valid while it lives).
    public var id: Int32
    /// Grid cell `⌊p / zoneSize⌋`.
    public var cell: SIMD3<Int32>
    /// Mean of its instances' centres, metres.
    public var centre: Vec3
    /// Its instances, ascending ids.
    public var instances: [Int32]
}

/// Names for features: the best match of an instance feature against named embeddings in the same space
/// (the scene's categories embedded by the text encoder, or ImageNet's class names).
public struct LabelVocabulary: Sendable {
    /// The names, in the order given.
    public let names: [String]
    /// L2-normalised embeddings, one per name.
    public let embeddings: [[Float]]

    /// - Throws: `VLNError.invalidValue` if the counts differ, a name repeats, or the embeddings' lengths differ.
    public init(names: [String], embeddings: [[Float]]) throws {
        guard names.count == embeddings.count, !names.isEmpty else {
            throw VLNError.invalidValue(field: "vocabulary", reason: "\(names.count) names for \(embeddings.count) embeddings")
        }
        guard Set(names).count == names.count else { throw VLNError.invalidValue(field: "vocabulary", reason: "a name repeats") }
        guard Set(embeddings.map(\.count)).count == 1 else { throw VLNError.invalidValue(field: "vocabulary", reason: "embeddings differ in length") }
        self.names = names
        self.embeddings = embeddings.map(normalised)
    }

    /// The best-matching name and its cosine.
    public func label(of feature: [Float]) -> (name: String, score: Float) {
        var best = (0, -Float.infinity)
        for (i, e) in embeddings.enumerated() {
            let s = dot(e, feature)
            if s > best.1 { best = (i, s) }
        }
        return (names[best.0], best.1)
    }
}

/// Where an instance is, seen from an agent.
public struct InstanceLocalisation: Codable, Equatable, Sendable {
    /// The instance.
    public var instance: InstanceToken
    /// Its best label in the vocabulary given, if any.
    public var label: String?
    /// The estimate of the object's centre: the centre of the instance's patch box (`instance.boxCentre`), world
    /// frame, metres. Not the patch mean `instance.centre`: see `TokenMemory.localise`.
    public var position: Vec3
    /// Euclidean distance from the agent position to `position`, metres.
    public var distance: Float
    /// Horizontal angle from the agent's forward direction to `position`, degrees in (−180, 180], positive to the
    /// left (counter-clockwise seen from above, as Habitat headings).
    public var bearingDegrees: Float
}

/// An agent pose for queries: position (metres, world frame) and heading (radians; Habitat: 0 faces −Z,
/// positive turns left, i.e. counter-clockwise about +Y).
public struct AgentPose: Codable, Equatable, Sendable {
    /// Agent base position, world frame, metres.
    public var position: Vec3
    /// Heading, radians (0 faces −Z, positive turns left).
    public var heading: Float
    /// A pose from position (metres) and heading (radians).
    public init(position: Vec3, heading: Float) { self.position = position; self.heading = heading }

    /// A world point in the agent frame: x right, y up, −z forward (Habitat's agent frame), metres.
    public func agentFrame(_ p: Vec3) -> Vec3 {
        Quaternion(heading: -heading).rotate(p - position)
    }
}

/// The token set Dynam3D feeds its VLM (paper §3.3): the current view's patches, the instances within
/// `instanceTokenRadius` and the zones within `zoneTokenRadius` of the agent, positions in the agent frame.
/// Features are left out of the JSON (they are large); `TokenMemory.*Feature(_:)` gives them by id.
public struct VLMTokenSet: Codable, Sendable {
    /// One token: id, agent-frame position, distance and label.
    public struct Token: Codable, Sendable {
        /// The patch, instance or zone id.
        public var id: Int32
        /// Position in the agent frame (x right, y up, −z forward), metres.
        public var position: Vec3
        /// Distance to the agent, metres.
        public var distance: Float
        /// Best label in the vocabulary given (instances and zones), else nil.
        public var label: String?
    }
    /// The pose the set was taken at.
    public var agent: AgentPose
    /// The three token lists, nearest first (patches: in id order).
    public var patches: [Token], instances: [Token], zones: [Token]
}

extension TokenMemory {
    /// Ids of the live patches, ascending.
    public var livePatchIDs: [Int32] { (0..<pAlive.count).filter { pAlive[$0] }.map(Int32.init) }
    /// Ids of the live instances, ascending.
    public var liveInstanceIDs: [Int32] { (0..<iAlive.count).filter { iAlive[$0] }.map(Int32.init) }
    /// Ids of the live zones, ascending.
    public var liveZoneIDs: [Int32] { (0..<zAlive.count).filter { zAlive[$0] }.map(Int32.init) }

    /// The patch with this id, or nil if none is live.
    public func patch(_ id: Int32) -> PatchToken? {
        let i = Int(id)
        guard pAlive.indices.contains(i), pAlive[i] else { return nil }
        return PatchToken(id: id, position: Vec3(px[i], py[i], pz[i]), scale: pScale[i], viewDirection: pDirection[i],
                          step: Int(pStep[i]), frame: Int(pFrame[i]), instance: pInstance[i] >= 0 ? pInstance[i] : nil)
    }

    /// The stored (fp16) feature of a live patch, as fp32; nil if none is live.
    public func patchFeature(_ id: Int32) -> [Float]? {
        let i = Int(id), d = featureDimension
        guard pAlive.indices.contains(i), pAlive[i] else { return nil }
        var out = [Float](repeating: 0, count: d)
        pFeature.withUnsafeBufferPointer { f in out.withUnsafeMutableBufferPointer { o in
            vln_f16_to_f32(f.baseAddress! + i * d, o.baseAddress!, d)
        }}
        return out
    }

    /// The instance with this id, or nil if none is live.
    public func instance(_ id: Int32) -> InstanceToken? {
        let i = Int(id)
        guard iAlive.indices.contains(i), iAlive[i] else { return nil }
        return InstanceToken(id: id, centre: iCentre[i], lower: iLower[i], upper: iUpper[i], patchCount: iMembers[i].count,
                             firstSeenStep: Int(iFirstSeen[i]), lastSeenStep: Int(iLastSeen[i]), zone: iZone[i])
    }

    /// The patches of a live instance (ascending ids); empty if none is live.
    public func patches(ofInstance id: Int32) -> [Int32] {
        let i = Int(id)
        guard iAlive.indices.contains(i), iAlive[i] else { return [] }
        return iMembers[i].sorted()
    }

    /// The L2-normalised mean patch feature of a live instance; nil if none is live.
    public func instanceFeature(_ id: Int32) -> [Float]? {
        let i = Int(id), d = featureDimension
        guard iAlive.indices.contains(i), iAlive[i], d > 0 else { return nil }
        return normalisedFeature(i)
    }

    /// The zone with this id, or nil if none is live.
    public func zone(_ id: Int32) -> ZoneToken? {
        let z = Int(id)
        guard zAlive.indices.contains(z), zAlive[z] else { return nil }
        return ZoneToken(id: id, cell: zCell[z], centre: zCentre[z], instances: zMembers[z].sorted())
    }

    /// The L2-normalised mean of a live zone's (normalised) instance features, as the official code's zone tokens
    /// before its learned instance→zone transformer; nil if none is live. Computed on each call (members in
    /// ascending id order), so the update never pays for it.
    public func zoneFeature(_ id: Int32) -> [Float]? {
        let z = Int(id), d = featureDimension
        guard zAlive.indices.contains(z), zAlive[z] else { return nil }
        var f = [Double](repeating: 0, count: d), feature = [Float](repeating: 0, count: d)
        feature.withUnsafeMutableBufferPointer { feature in
            for inst in zMembers[z].sorted() {
                normalisedFeature(Int(inst), into: feature.baseAddress!)
                for j in 0..<d { f[j] += Double(feature[j]) }
            }
        }
        let norm = f.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return f.map { Float(norm > 0 ? $0 / norm : 0) }
    }

    /// Live instances ranked by the cosine of their feature with `query` (e.g. a text embedding in the same space),
    /// best first, ties by id; at most `top`.
    /// - Throws: `VLNError.invalidValue` if `query` has another length than the memory's features.
    public func rankInstances(_ query: [Float], top: Int = 10) throws -> [(id: Int32, score: Float)] {
        let d = featureDimension, ids = liveInstanceIDs
        guard query.count == d else { throw VLNError.invalidValue(field: "query", reason: "\(query.count) values, the memory's features have \(d)") }
        var features = [Float](repeating: 0, count: iAlive.count * d)
        features.withUnsafeMutableBufferPointer { f in for id in ids { normalisedFeature(Int(id), into: f.baseAddress! + Int(id) * d) } }
        return try rank(query, ids: ids, features: features, top: top)
    }

    /// Live zones ranked by cosine with `query`, as `rankInstances`.
    public func rankZones(_ query: [Float], top: Int = 10) throws -> [(id: Int32, score: Float)] {
        let d = featureDimension
        var features = [Float](repeating: 0, count: zAlive.count * d)
        for z in liveZoneIDs { features.replaceSubrange(Int(z) * d ..< (Int(z) + 1) * d, with: zoneFeature(z)!) }
        return try rank(query, ids: liveZoneIDs, features: features, top: top)
    }

    private func rank(_ query: [Float], ids: [Int32], features: [Float], top: Int) throws -> [(id: Int32, score: Float)] {
        let d = featureDimension
        guard query.count == d else { throw VLNError.invalidValue(field: "query", reason: "\(query.count) values, the memory's features have \(d)") }
        let q = normalised(query)
        let scored = ids.map { id -> (id: Int32, score: Float) in
            let base = Int(id) * d
            var s: Float = 0
            for j in 0..<d { s += q[j] * features[base + j] }
            return (id, s)
        }
        return Array(scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(max(top, 0)))
    }

    /// Where a live instance is from `agent`: its estimated object centre, the distance and bearing of that point,
    /// and its label when a vocabulary is given. Nil if the instance is not live.
    ///
    /// The object's centre is estimated by the centre of the instance's patch box (`InstanceToken.boxCentre`), as
    /// ConceptGraphs-style maps report an object's box centre, not by the patch mean (`InstanceToken.centre`, which
    /// the merge, the zones and the VLM token set use, as the official code). The patches sample only the surfaces
    /// in view, densest where they were seen closest and from above, so their mean is pulled towards the top and the
    /// near side of a large object: after an oracle tour of generated house 42, a bed's mean lay 0.59 m from its box
    /// centre while its patch box centre lay 0.06 m from it (issue 9; precision/recall over six houses in README).
    public func localise(_ id: Int32, from agent: AgentPose, vocabulary: LabelVocabulary? = nil) -> InstanceLocalisation? {
        guard let token = instance(id) else { return nil }
        let position = token.boxCentre
        let local = agent.agentFrame(position)
        let bearing = wrapAngle(atan2(-local.x, -local.z)).degrees
        return InstanceLocalisation(instance: token, label: vocabulary.map { $0.label(of: instanceFeature(id)!).name },
                                    position: position, distance: distance(position, agent.position),
                                    bearingDegrees: bearing == -180 ? 180 : bearing)
    }

    /// The VLM token set at `agent` (paper §3.3): the patches of the last inserted frame, the instances within
    /// `configuration.instanceTokenRadius` and the zones within `configuration.zoneTokenRadius`, nearest first
    /// (ties by id), positions in the agent frame; instance and zone labels from `vocabulary` when given.
    public func vlmTokens(at agent: AgentPose, vocabulary: LabelVocabulary? = nil) -> VLMTokenSet {
        /// The tokens within `radius`, nearest first (ties by id), labelled only then (labels cost a feature each).
        func near(_ ids: [Int32], _ position: (Int32) -> Vec3, _ radius: Float, _ feature: (Int32) -> [Float]?) -> [VLMTokenSet.Token] {
            var within: [(id: Int32, p: Vec3, d: Float)] = []
            for id in ids {
                let p = position(id), d = distance(p, agent.position)
                if d <= radius { within.append((id, p, d)) }
            }
            within.sort { $0.d != $1.d ? $0.d < $1.d : $0.id < $1.id }
            return within.map { t in
                var label: String?
                if let vocabulary, let f = feature(t.id) { label = vocabulary.label(of: f).name }
                return VLMTokenSet.Token(id: t.id, position: agent.agentFrame(t.p), distance: t.d, label: label)
            }
        }
        let patches = near(lastInsertedPatches.filter { pAlive[Int($0)] }, { Vec3(self.px[Int($0)], self.py[Int($0)], self.pz[Int($0)]) },
                           .infinity, { _ in nil }).sorted { $0.id < $1.id }
        return VLMTokenSet(agent: agent, patches: patches,
                           instances: near(liveInstanceIDs, { self.iCentre[Int($0)] }, configuration.instanceTokenRadius, instanceFeature),
                           zones: near(liveZoneIDs, { self.zCentre[Int($0)] }, configuration.zoneTokenRadius, zoneFeature))
    }

    /// Checks the memory's invariants; returns the violations (empty when consistent):
    /// every live patch is in a live instance or none, and is listed there; every live instance is in a live zone
    /// whose cell holds its centre; no token references a dead slot; instance centres equal the mean of their
    /// patches (1e-4 m) and boxes their patches' box; the live counts match; free slots are exactly the dead ones.
    public func invariantViolations() -> [String] {
        var v: [String] = []
        func fail(_ s: String) { if v.count < 20 { v.append(s) } }
        var patches = 0
        for i in 0..<pAlive.count {
            let inst = Int(pInstance[i])
            if !pAlive[i] {
                if inst != -1 { fail("dead patch \(i) references instance \(inst)") }
                if !px[i].isNaN { fail("dead patch \(i) has a position") }
                continue
            }
            patches += 1
            if !(px[i].isFinite && py[i].isFinite && pz[i].isFinite) { fail("live patch \(i) has a non-finite position") }
            guard inst >= 0 else { continue }
            guard inst < iAlive.count, iAlive[inst] else { fail("patch \(i) references dead instance \(inst)"); continue }
            let at = Int(pMemberIndex[i])
            if at < 0 || at >= iMembers[inst].count || iMembers[inst][at] != Int32(i) { fail("patch \(i) is not at its place in instance \(inst)") }
        }
        if patches != livePatchCount { fail("\(patches) live patches, count says \(livePatchCount)") }
        func freeListMatches(_ free: [Int32], _ alive: [Bool]) -> Bool {
            var seen = [Bool](repeating: false, count: alive.count)
            for s in free {
                guard s >= 0, Int(s) < alive.count, !alive[Int(s)], !seen[Int(s)] else { return false }
                seen[Int(s)] = true
            }
            return free.count == alive.filter { !$0 }.count
        }
        if !freeListMatches(freePatches, pAlive) { fail("patch free list does not list exactly the dead slots") }
        var instances = 0
        for i in 0..<iAlive.count {
            guard iAlive[i] else {
                if !iMembers[i].isEmpty { fail("dead instance \(i) has patches") }
                if iZone[i] != -1 { fail("dead instance \(i) is in zone \(iZone[i])") }
                continue
            }
            instances += 1
            if !(all(iCentre[i] .== iCentre[i]) && iCentre[i].x.isFinite && iCentre[i].y.isFinite && iCentre[i].z.isFinite) {
                fail("live instance \(i) has a non-finite centre"); continue
            }
            let members = iMembers[i]
            if members.isEmpty { fail("live instance \(i) has no patches") }
            var sum = SIMD3<Double>.zero, lo = Vec3(repeating: .infinity), hi = Vec3(repeating: -.infinity)
            for s in members {
                let p = Vec3(px[Int(s)], py[Int(s)], pz[Int(s)])
                if !pAlive[Int(s)] || pInstance[Int(s)] != Int32(i) { fail("instance \(i) lists patch \(s), which is not its own") }
                sum += SIMD3<Double>(Double(p.x), Double(p.y), Double(p.z))
                lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p)
            }
            if !members.isEmpty {
                let mean = sum / Double(members.count), c = iCentre[i]
                if abs(mean.x - Double(c.x)) > 1e-4 || abs(mean.y - Double(c.y)) > 1e-4 || abs(mean.z - Double(c.z)) > 1e-4 {
                    fail("instance \(i): centre \(c) is not the mean \(mean) of its patches")
                }
                if lo != iLower[i] || hi != iUpper[i] { fail("instance \(i): box is not its patches' box") }
            }
            let z = Int(iZone[i])
            guard z >= 0, z < zAlive.count, zAlive[z] else { fail("live instance \(i) is in no live zone"); continue }
            if zCell[z] != zoneCell(of: iCentre[i]) { fail("instance \(i) is in zone \(z) but its centre is in cell \(zoneCell(of: iCentre[i]))") }
            let at = Int(iZoneIndex[i])
            if at < 0 || at >= zMembers[z].count || zMembers[z][at] != Int32(i) { fail("instance \(i) is not at its place in zone \(z)") }
        }
        if instances != liveInstanceCount { fail("\(instances) live instances, count says \(liveInstanceCount)") }
        if !freeListMatches(freeInstances, iAlive) { fail("instance free list does not list exactly the dead slots") }
        var zones = 0
        for z in 0..<zAlive.count {
            guard zAlive[z] else {
                if !zMembers[z].isEmpty { fail("dead zone \(z) has instances") }
                continue
            }
            zones += 1
            if zMembers[z].isEmpty { fail("live zone \(z) has no instances") }
            if !(zCentre[z].x.isFinite && zCentre[z].y.isFinite && zCentre[z].z.isFinite) { fail("live zone \(z) has a non-finite centre") }
            if zoneOfCell[zCell[z]] != Int32(z) { fail("zone \(z) is not the zone of its cell") }
            for inst in zMembers[z] where !iAlive[Int(inst)] || iZone[Int(inst)] != Int32(z) { fail("zone \(z) lists instance \(inst), which is not its own") }
        }
        if zones != liveZoneCount || zoneOfCell.count != zones { fail("\(zones) live zones, count says \(liveZoneCount), cell map \(zoneOfCell.count)") }
        if !freeListMatches(freeZones, zAlive) { fail("zone free list does not list exactly the dead slots") }
        return v
    }
}

func normalised(_ a: [Float]) -> [Float] {
    let n = dot(a, a).squareRoot()
    return n > 0 ? a.map { $0 / n } : a
}
