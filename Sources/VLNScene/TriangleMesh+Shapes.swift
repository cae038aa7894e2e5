import VLNCore

extension TriangleMesh {
    /// An axis-aligned box of 12 triangles with outward-facing counter-clockwise faces.
    /// - Parameters:
    ///   - center: box centre, metres.
    ///   - size: extents along x, y, z, metres.
    ///   - color: albedo of every face.
    ///   - instanceId: instance id of every triangle (0 = none).
    public static func box(center: Vec3, size: Vec3, color: RGB8 = RGB8(200, 200, 200), instanceId: UInt32 = 0) -> TriangleMesh {
        let h = size / 2
        var v: [Vec3] = []
        for i in 0..<8 {  // bit 0: +x, bit 1: +y, bit 2: +z
            v.append(center + Vec3(i & 1 == 0 ? -h.x : h.x, i & 2 == 0 ? -h.y : h.y, i & 4 == 0 ? -h.z : h.z))
        }
        let faces: [SIMD3<UInt32>] = [
            [0, 4, 6], [0, 6, 2], [1, 3, 7], [1, 7, 5],  // −x, +x
            [0, 1, 5], [0, 5, 4], [2, 6, 7], [2, 7, 3],  // −y, +y
            [0, 2, 3], [0, 3, 1], [4, 5, 7], [4, 7, 6],  // −z, +z
        ]
        return TriangleMesh(vertices: v, triangles: faces, triangleInstanceIds: Array(repeating: instanceId, count: 12),
                            triangleColors: Array(repeating: color, count: 12))
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
