import VLNCore
import VLNMemory
import VLNRGBD
import VLNSim

// Glue from the simulator's observations and posed RGB-D frames to the token memory's input. It lives in the CLI
// target: VLNMemory imports neither the simulator nor the RGB-D readers (DESIGN.md, layers).

extension Observation {
    /// This observation as a memory frame: its depth, intrinsics and camera pose, the given feature map, and the
    /// renderer's instance ids as segments (ground-truth segmentation), named "step N".
    func memoryFrame(features: FeatureMap) -> MemoryFrame {
        MemoryFrame(depth: depth, intrinsics: camera.intrinsics, worldFromCamera: camera.worldFromCamera,
                    features: features, segments: instanceIds, step: step, name: "step \(step)")
    }
}

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
