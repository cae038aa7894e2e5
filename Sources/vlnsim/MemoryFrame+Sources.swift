import VLNCore
import VLNMemory
import VLNRGBD

// Glue from posed RGB-D frames to the token memory's input. It lives in the CLI target: VLNMemory imports neither
// the simulator nor the RGB-D readers (DESIGN.md, layers). The simulator's `Observation.memoryFrame(features:)`
// lives in VLNBench, beside the benchmark's perception loop that uses it too.

extension RGBDFrame {
    /// This frame as a memory frame, its pose mapped by `alignedFromRecording` (e.g. the rotation that puts the
    /// recording's gravity along −Y; identity keeps the recording's world frame).
    /// - Parameters:
    ///   - segments: 2D segment ids of the same size as the depth (0 = none), e.g. from `GraphSegmenter`; nil: none.
    ///   - step: the frame's index, stored as the patches' step.
    ///   - name: for warnings and errors (the colour file's name).
    func memoryFrame(features: FeatureMap, segments: InstanceImage?, step: Int, name: String,
                     alignedFromRecording: RigidTransform = .identity) -> MemoryFrame {
        MemoryFrame(depth: depth, intrinsics: intrinsics, worldFromCamera: alignedFromRecording * worldFromCamera,
                    features: features, segments: segments, step: step, name: name)
    }
}
