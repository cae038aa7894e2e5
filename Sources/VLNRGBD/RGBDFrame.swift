import VLNCore

/// One posed RGB-D frame in the project's conventions (DESIGN.md).
///
/// - `color`: `height × width` 8-bit RGB, registered to the depth image (same size, same camera).
/// - `depth`: z-depth along the optical axis in metres, `height × width`; 0 = invalid (no measurement).
/// - `worldFromCamera`: camera (OpenGL convention: x right, y up, looking along −z) to the recording's world
///   frame, metres. The world frame is the dataset's own (not gravity-aligned in general).
/// - `intrinsics`: pinhole of the depth camera, pixels, pixel centres at integer + 0.5 (`CameraIntrinsics`).
/// - `timestamp`: seconds, when the format records one (TUM), else nil.
public struct RGBDFrame: Sendable {
    /// Colour, `height × width` 8-bit RGB, registered to `depth`.
    public var color: RGBImage
    /// Z-depth, metres, `height × width`; 0 = invalid.
    public var depth: DepthImage
    /// Pose: OpenGL camera → the recording's world frame, metres.
    public var worldFromCamera: RigidTransform
    /// Pinhole of the depth camera, pixels (pixel centres at integer + 0.5).
    public var intrinsics: CameraIntrinsics
    /// Seconds, when the format records one (TUM); else nil.
    public var timestamp: Double?

    /// - Precondition: colour, depth and intrinsics have the same size.
    public init(color: RGBImage, depth: DepthImage, worldFromCamera: RigidTransform, intrinsics: CameraIntrinsics,
                timestamp: Double? = nil) {
        precondition(color.width == depth.width && color.height == depth.height
                     && depth.width == intrinsics.width && depth.height == intrinsics.height,
                     "colour \(color.width)×\(color.height), depth \(depth.width)×\(depth.height), intrinsics \(intrinsics.width)×\(intrinsics.height)")
        self.color = color; self.depth = depth; self.worldFromCamera = worldFromCamera
        self.intrinsics = intrinsics; self.timestamp = timestamp
    }

    /// The posed camera of this frame.
    public var camera: Camera { Camera(intrinsics: intrinsics, worldFromCamera: worldFromCamera) }
}
