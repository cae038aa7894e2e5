import Foundation

/// Pinhole intrinsics. `fx, fy, cx, cy` are in pixels; pixel centres are at integer + 0.5, so for a
/// symmetric camera `cx = width / 2`. The image `(x, y)` = (column, row) has its origin at the top-left.
public struct CameraIntrinsics: Equatable, Codable, Sendable {
    /// Image width and height, pixels.
    public var width: Int
    /// Image height, pixels.
    public var height: Int
    /// Focal lengths and principal point, pixels (image x right, y down, origin at the top-left corner).
    public var fx: Float, fy: Float, cx: Float, cy: Float

    /// From the four pinhole parameters, pixels. Call `validate()` on values from users or files.
    public init(width: Int, height: Int, fx: Float, fy: Float, cx: Float, cy: Float) {
        self.width = width; self.height = height; self.fx = fx; self.fy = fy; self.cx = cx; self.cy = cy
    }

    /// A symmetric pinhole with square pixels and horizontal field of view `hfov` (radians), as Habitat's
    /// sensors: `fx = fy = (width / 2) / tan(hfov / 2)`, principal point at the image centre.
    public init(width: Int, height: Int, hfov: Float) {
        let f = Float(width) / 2 / tan(hfov / 2)
        self.init(width: width, height: height, fx: f, fy: f, cx: Float(width) / 2, cy: Float(height) / 2)
    }

    /// VLN-CE's default sensor: 256×256, hfov 90°.
    public static let vlnce = CameraIntrinsics(width: 256, height: 256, hfov: Float(90).radians)

    /// Horizontal field of view, radians.
    public var hfov: Float { 2 * atan(Float(width) / 2 / fx) }

    /// Checks the values a user can get wrong.
    /// - Throws: `VLNError.invalidValue` naming the field (width/height, fx/fy, cx/cy).
    public func validate() throws {
        guard width > 0, height > 0 else { throw VLNError.invalidValue(field: "width/height", reason: "must be positive, got \(width)×\(height)") }
        guard fx.isFinite, fy.isFinite, fx > 0, fy > 0 else { throw VLNError.invalidValue(field: "fx/fy", reason: "must be positive and finite") }
        guard cx.isFinite, cy.isFinite else { throw VLNError.invalidValue(field: "cx/cy", reason: "must be finite") }
    }

    /// Direction in the camera frame (OpenGL: x right, y up, −z forward) through pixel centre `(x, y)`,
    /// scaled so that its z-component is −1 (so a point at z-depth `d` is `d · ray`).
    @inlinable public func cameraRay(x: Float, y: Float) -> Vec3 {
        Vec3((x - cx) / fx, -(y - cy) / fy, -1)
    }

    /// Projects a camera-frame point (OpenGL) to pixel coordinates and z-depth (metres, positive in front).
    /// Returns nil for points at or behind the camera plane.
    @inlinable public func project(_ p: Vec3) -> (x: Float, y: Float, depth: Float)? {
        let d = -p.z
        guard d > 1e-6 else { return nil }
        return (fx * p.x / d + cx, -fy * p.y / d + cy, d)
    }
}

/// A posed pinhole camera.
public struct Camera: Equatable, Sendable {
    /// Resolution and pinhole parameters, pixels.
    public var intrinsics: CameraIntrinsics
    /// Maps camera coordinates (OpenGL convention) to world coordinates.
    public var worldFromCamera: RigidTransform
    /// From the pinhole parameters and the pose mapping camera coordinates (OpenGL axes) to world coordinates.
    public init(intrinsics: CameraIntrinsics, worldFromCamera: RigidTransform) {
        self.intrinsics = intrinsics; self.worldFromCamera = worldFromCamera
    }
}
