import VLNCore
import VLNScene

/// Fuses a posed RGB-D sequence into one voxel-downsampled coloured point cloud: every frame is back-projected
/// (`Lifter`, world frame) and accumulated into one `VoxelGrid`, so each output point is the mean of all the points,
/// from all frames, that fell into its voxel. Memory is O(voxels), not O(frames).
public struct RGBDFusion: Sendable {
    /// Voxel side, metres (> 0).
    public var voxelSize: Float
    /// Use every `stride`-th pixel in x and y (≥ 1).
    public var stride: Int
    /// Keep depths `minDepth < d ≤ maxDepth`, metres.
    public var minDepth: Float
    /// Largest depth kept, metres (inclusive); unbounded by default.
    public var maxDepth: Float

    /// Options with the given values (metres, pixels for `stride`); call `validate()` on values from users.
    public init(voxelSize: Float = 0.05, stride: Int = 1, minDepth: Float = 0, maxDepth: Float = .greatestFiniteMagnitude) {
        self.voxelSize = voxelSize; self.stride = stride; self.minDepth = minDepth; self.maxDepth = maxDepth
    }

    /// - Throws: `VLNError.invalidValue` naming the field.
    public func validate() throws {
        guard voxelSize > 0, voxelSize.isFinite else { throw VLNError.invalidValue(field: "voxel", reason: "must be positive and finite, got \(voxelSize)") }
        guard stride >= 1 else { throw VLNError.invalidValue(field: "stride", reason: "must be ≥ 1, got \(stride)") }
        guard minDepth >= 0, maxDepth > minDepth, !maxDepth.isNaN else {
            throw VLNError.invalidValue(field: "max-depth", reason: "need 0 ≤ min depth < max depth, got \(minDepth)…\(maxDepth)")
        }
    }

    /// What `fuse` produced.
    public struct Result: Sendable {
        /// Voxel-downsampled points (world frame of the recording, metres) with mean colours.
        public var cloud: PointCloud
        /// `worldFromCamera` of every frame, in order (the camera path).
        public var cameraPoses: [RigidTransform]
        /// Points back-projected before downsampling.
        public var liftedPoints: Int
    }

    /// Fuses every frame of `sequence` (or the frames in `frames`).
    /// - Parameter progress: called with the number of frames done after each frame.
    /// - Throws: `validate()`'s errors; the first frame that cannot be read (`RGBDSequence.frame(at:)`).
    public func fuse(_ sequence: RGBDSequence, frames: [Int]? = nil, progress: (Int) -> Void = { _ in }) throws -> Result {
        try validate()
        let lifter = Lifter()
        let grid = VoxelGrid(voxelSize: voxelSize)
        let indices = frames ?? Array(0..<sequence.count)
        var lifted = 0
        for (done, i) in indices.enumerated() {
            let f = try sequence.frame(at: i)
            lifted += lifter.lift(depth: f.depth, color: f.color, intrinsics: f.intrinsics, worldFromCamera: f.worldFromCamera,
                                  stride: stride, minDepth: minDepth, maxDepth: maxDepth)
            grid.insert(lifter)
            progress(done + 1)
        }
        return Result(cloud: grid.pointCloud(), cameraPoses: indices.map { sequence.entries[$0].worldFromCamera }, liftedPoints: lifted)
    }
}
