import VLNCore

/// The constants of the token memory. Defaults are Dynam3D's (Wang, Lee & Lee 2025; official code
/// MrZihan/Dynam3D @ ca7295e, `Dynam3D_VLN/vlnce_baselines/models/feature_fields.py`), except where a field says
/// vlnsim departs from it.
public struct TokenMemoryConfiguration: Codable, Equatable, Sendable {
    /// A stored patch is a candidate for deletion when its view depth z (metres, along the camera's −z axis)
    /// satisfies `0 < z ≤ deletionRange` (official: 3.0 m, `delete_old_features_from_camera_frustum`).
    public var deletionRange: Float = 3.0
    /// …and `z < D(⌊v⌋, ⌊u⌋) + occlusionTolerance` with D the frame's depth at its pixel (official: 0.1 m).
    public var occlusionTolerance: Float = 0.1
    /// Patches whose depth exceeds this are not lifted (metres). Default = `deletionRange`: a patch lifted from
    /// farther away could never be replaced by an observation from the pose it was seen from, so a looping tour
    /// would add such patches without bound. The official code lifts every valid depth (up to 10 m); set this to
    /// 10 to do the same.
    public var maxLiftDepth: Float = 3.0
    /// Edge of the fixed zone grid in the world frame, metres (official: 2 m cells keyed by `(c // 2)·2 + 1`).
    public var zoneSize: Float = 2.0
    /// A new segment is compared with this many live instances, the nearest by centre (paper, VLN setting: k = 2).
    public var mergeNeighbours: Int = 2
    /// A segment joins a neighbour only if their features' cosine is at least this. vlnsim's parameter-free
    /// geometric tests (see `GeometricInstanceMerge`) decide most cases; this constant only keeps touching objects
    /// of different kinds apart. The paper's merge is a learned MLP, not available offline.
    public var mergeCosine: Float = 0.8
    /// Instances within this distance of the agent enter the VLM token set (metres; paper: 5 m).
    public var instanceTokenRadius: Float = 5
    /// Zones within this distance of the agent enter the VLM token set (metres; paper: 100 m).
    public var zoneTokenRadius: Float = 100

    public init() {}

    /// Checks every field.
    /// - Throws: `VLNError.invalidValue` naming the field.
    public func validate() throws {
        func positive(_ v: Float, _ name: String) throws {
            guard v.isFinite, v > 0 else { throw VLNError.invalidValue(field: name, reason: "must be positive and finite, got \(v)") }
        }
        try positive(deletionRange, "deletionRange"); try positive(maxLiftDepth, "maxLiftDepth")
        try positive(instanceTokenRadius, "instanceTokenRadius")
        guard zoneSize.isFinite, zoneSize >= 0.01 else { throw VLNError.invalidValue(field: "zoneSize", reason: "must be at least 0.01 m, got \(zoneSize)") }
        try positive(zoneTokenRadius, "zoneTokenRadius")
        guard occlusionTolerance.isFinite, occlusionTolerance >= 0 else {
            throw VLNError.invalidValue(field: "occlusionTolerance", reason: "must be ≥ 0, got \(occlusionTolerance)")
        }
        guard mergeNeighbours >= 0 else { throw VLNError.invalidValue(field: "mergeNeighbours", reason: "must be ≥ 0") }
        guard mergeCosine.isFinite, (-1...1).contains(mergeCosine) else {
            throw VLNError.invalidValue(field: "mergeCosine", reason: "must be in [-1, 1], got \(mergeCosine)")
        }
    }
}

/// One posed RGB-D observation with its feature map and 2D segments: what the memory inserts each step.
public struct MemoryFrame: Sendable {
    /// Metric z-depth, `height × width`, metres; 0 or non-finite = invalid (DESIGN.md conventions).
    public var depth: DepthImage
    /// Pinhole intrinsics of `depth`, pixels.
    public var intrinsics: CameraIntrinsics
    /// Camera pose (OpenGL camera axes: x right, y up, looking along −z) in the world frame (Habitat: Y up).
    public var worldFromCamera: RigidTransform
    /// Patch features over the image, any grid (`G_h × G_w`, e.g. 24×24, 16×16 or MobileNetV2's stride-32 grid).
    public var features: FeatureMap
    /// 2D segment ids, same size as `depth` (0 = no segment): the simulator's instance ids or a segmenter's output.
    /// `nil`: the patches join no instance.
    public var segments: InstanceImage?
    /// The episode step (stored as each new patch's "step last observed").
    public var step: Int
    /// A name for warnings and errors (a file name or "frame 12").
    public var name: String

    /// A frame; `name` defaults to "frame <step>". Sizes are checked by `TokenMemory.insert`.
    public init(depth: DepthImage, intrinsics: CameraIntrinsics, worldFromCamera: RigidTransform, features: FeatureMap,
                segments: InstanceImage? = nil, step: Int, name: String? = nil) {
        self.depth = depth; self.intrinsics = intrinsics; self.worldFromCamera = worldFromCamera
        self.features = features; self.segments = segments; self.step = step; self.name = name ?? "frame \(step)"
    }
}

/// What one `TokenMemory.insert` did.
public struct MemoryUpdateReport: Codable, Equatable, Sendable {
    /// Frame index in the memory's history (0-based).
    public var frame: Int
    /// The episode step of the frame.
    public var step: Int
    /// Live patches before the update.
    public var patchesBefore: Int
    /// Patches deleted by the dynamic update (the new observation replaces them).
    public var deleted: Int
    /// Patches lifted from this frame.
    public var inserted: Int
    /// Instances that died (lost their last patch) and zones that died (lost their last instance).
    public var instancesRemoved: Int, zonesRemoved: Int
    /// New instances created from this frame's segments, and segments merged into live instances.
    public var instancesCreated: Int, segmentsMerged: Int
    /// Live tokens after the update.
    public var livePatches: Int, liveInstances: Int, liveZones: Int
    /// Wall time of each phase, milliseconds (not part of equality).
    public var timing: MemoryUpdateTiming
    /// Why part of the frame was skipped (e.g. every depth invalid); empty when nothing was.
    public var warnings: [String]

    /// Equal counts and warnings; timings are ignored (they differ from run to run).
    public static func == (a: Self, b: Self) -> Bool {
        a.frame == b.frame && a.step == b.step && a.patchesBefore == b.patchesBefore && a.deleted == b.deleted
            && a.inserted == b.inserted && a.instancesRemoved == b.instancesRemoved && a.zonesRemoved == b.zonesRemoved
            && a.instancesCreated == b.instancesCreated && a.segmentsMerged == b.segmentsMerged
            && a.livePatches == b.livePatches && a.liveInstances == b.liveInstances && a.liveZones == b.liveZones
            && a.warnings == b.warnings
    }
}

/// Milliseconds per phase of one update, named as in ../shared/anchors/dynam3d_update_anchor.py.
public struct MemoryUpdateTiming: Codable, Sendable {
    /// Projection of every stored patch and the deletion test.
    public var deleteTest: Double = 0
    /// Deleted patches leave their instances; emptied instances and zones die; survivors are refreshed.
    public var cascade: Double = 0
    /// Back-projection of the frame's patches.
    public var lift: Double = 0
    /// Writing the new patches (fp16 features), merging segments into instances, refreshing touched zones.
    public var insert: Double = 0
    /// The sum of the phases.
    public var total: Double { deleteTest + cascade + lift + insert }
}
