import Foundation
import VLNCore

/// Conversions between the camera conventions of RGB-D datasets and the project's.
///
/// - Camera axes: 7-Scenes, 3DMatch, TUM RGB-D, ScanNet and Redwood/Open3D store OpenCV-convention
///   camera-to-world poses (camera x right, y down, +z forward); the project uses OpenGL (x right, y up, −z
///   forward). `worldFromCamera_GL = worldFromCamera_CV · diag(1, −1, −1)`, and back the same way (the flip is its
///   own inverse). The world frame is unchanged.
/// - Pixel centres: those datasets' `K` puts pixel `(u, v)`'s centre at integer coordinates (OpenCV, Open3D:
///   a ray through pixel `u` is `(u − cx) / fx`); the project's `CameraIntrinsics` puts it at `u + 0.5`. So
///   `cx_project = cx_file + 0.5`, `cy_project = cy_file + 0.5`; writers subtract 0.5 again.
public enum CameraConventions {
    /// `worldFromCamera_GL = worldFromCamera_CV · diag(1, −1, −1)` (also maps GL back to CV).
    public static func flipCameraAxes(_ pose: RigidTransform) -> RigidTransform {
        RigidTransform(rotation: Mat3(columns: pose.rotation.c0, -pose.rotation.c1, -pose.rotation.c2),
                       translation: pose.translation)
    }

    /// The project's intrinsics from a file's `K` (pixel centres at integers) and the image size.
    public static func intrinsics(width: Int, height: Int, fileFx fx: Double, fy: Double, cx: Double, cy: Double) -> CameraIntrinsics {
        CameraIntrinsics(width: width, height: height, fx: Float(fx), fy: Float(fy), cx: Float(cx + 0.5), cy: Float(cy + 0.5))
    }

    /// The file convention's `(fx, fy, cx, cy)` of the project's intrinsics (pixel centres at integers).
    public static func fileIntrinsics(_ k: CameraIntrinsics) -> (fx: Double, fy: Double, cx: Double, cy: Double) {
        (Double(k.fx), Double(k.fy), Double(k.cx) - 0.5, Double(k.cy) - 0.5)
    }
}
