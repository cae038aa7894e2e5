import VLNCore

extension TriangleMesh {
    /// An axis-aligned box of 12 triangles with outward-facing counter-clockwise faces.
    /// - Parameters:
    ///   - lower, upper: opposite corners, metres.
    ///   - color: albedo of every face.
    ///   - instanceId: instance id of every triangle (0 = none).
    public static func box(lower l: Vec3, upper u: Vec3, color: RGB8 = RGB8(200, 200, 200), instanceId: UInt32 = 0) -> TriangleMesh {
        var v: [Vec3] = []
        for i in 0..<8 {  // corner index: bit 0 +x, bit 1 +y, bit 2 +z
            v.append(Vec3(i & 1 == 0 ? l.x : u.x, i & 2 == 0 ? l.y : u.y, i & 4 == 0 ? l.z : u.z))
        }
        let faces: [SIMD3<UInt32>] = [
            [0, 4, 6], [0, 6, 2], [1, 3, 7], [1, 7, 5],  // −x, +x
            [0, 1, 5], [0, 5, 4], [2, 6, 7], [2, 7, 3],  // −y, +y
            [0, 2, 3], [0, 3, 1], [4, 5, 7], [4, 7, 6],  // −z, +z
        ]
        return TriangleMesh(vertices: v, triangles: faces, triangleInstanceIds: Array(repeating: instanceId, count: 12),
                            triangleColors: Array(repeating: color, count: 12))
    }

    /// An axis-aligned box centred at `center` with extents `size` (metres); see `box(lower:upper:color:instanceId:)`.
    public static func box(center: Vec3, size: Vec3, color: RGB8 = RGB8(200, 200, 200), instanceId: UInt32 = 0) -> TriangleMesh {
        box(lower: center - size / 2, upper: center + size / 2, color: color, instanceId: instanceId)
    }

    /// A horizontal rectangle at height `y` spanning `x0…x1 × z0…z1`, facing +Y (2 triangles).
    public static func floorRectangle(x0: Float, z0: Float, x1: Float, z1: Float, y: Float = 0,
                                      color: RGB8 = RGB8(170, 160, 150), instanceId: UInt32 = 0) -> TriangleMesh {
        let v = [Vec3(x0, y, z0), Vec3(x1, y, z0), Vec3(x1, y, z1), Vec3(x0, y, z1)]
        // (x0,z0) → (x0,z1) → (x1,z1) is counter-clockwise seen from +Y.
        return TriangleMesh(vertices: v, triangles: [[0, 3, 2], [0, 2, 1]], triangleInstanceIds: [instanceId, instanceId],
                            triangleColors: [color, color])
    }
}
