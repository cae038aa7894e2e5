import VLNCore

/// The up axis of a file's coordinate frame.
///
/// The project's world frame is Habitat's: **Y up**, gravity −Y, metres (DESIGN.md). ScanNet and most scan
/// formats are **Z up**; loaders convert such data once, at load, with the proper rotation of −90° about +X:
///
///     (x, y, z)_zUp ↦ (x, z, −y)_yUp
///
/// i.e. the file's +Z (up) becomes world +Y, the file's +Y (forward) becomes world −Z, and x is unchanged.
/// The determinant is +1, so handedness and triangle winding are preserved.
public enum UpAxis: String, Codable, Sendable, CaseIterable {
    /// Already in the world frame (Habitat, Y up).
    case y
    /// Z up (ScanNet, Matterport raw, most scanners): converted with `(x, y, z) ↦ (x, z, −y)`.
    case z

    /// The rigid transform `worldFromFile` that maps this frame's coordinates to the Y-up world frame.
    public var worldFromFile: RigidTransform {
        switch self {
        case .y: return .identity
        case .z: return RigidTransform(rotation: Mat3(rows: Vec3(1, 0, 0), Vec3(0, 0, 1), Vec3(0, -1, 0)))
        }
    }

    /// Maps a point (or direction) in this frame to the Y-up world frame.
    @inlinable public func toYUp(_ p: Vec3) -> Vec3 {
        switch self {
        case .y: return p
        case .z: return Vec3(p.x, p.z, -p.y)
        }
    }
}

extension PointCloud {
    /// This cloud with positions converted from `upAxis` to the Y-up world frame (see `UpAxis`).
    public func convertedToYUp(from upAxis: UpAxis) -> PointCloud {
        guard upAxis != .y else { return self }
        var out = self
        out.positions = positions.map { upAxis.toYUp($0) }
        return out
    }
}

extension TriangleMesh {
    /// This mesh with vertices converted from `upAxis` to the Y-up world frame (see `UpAxis`); the rotation is
    /// proper, so winding is kept.
    public func convertedToYUp(from upAxis: UpAxis) -> TriangleMesh {
        guard upAxis != .y else { return self }
        var out = self
        out.vertices = vertices.map { upAxis.toYUp($0) }
        return out
    }
}
