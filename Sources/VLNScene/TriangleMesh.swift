import VLNCore

/// An indexed triangle mesh in world coordinates (metres, Y up).
///
/// Every triangle carries the instance it belongs to (0 = none) and a flat albedo colour. Front faces wind
/// counter-clockwise; the renderer shades both sides.
public struct TriangleMesh: Sendable {
    /// Vertex positions, metres.
    public var vertices: [Vec3]
    /// Vertex indices of each triangle, into `vertices`.
    public var triangles: [SIMD3<UInt32>]
    /// Instance id of each triangle (same count as `triangles`), 0 = none.
    public var triangleInstanceIds: [UInt32]
    /// Albedo of each triangle (same count as `triangles`).
    public var triangleColors: [RGB8]

    /// From vertices (metres) and triangles; missing instance ids are 0 and missing colours grey (200, 200, 200).
    /// - Precondition: given per-triangle arrays have `triangles.count` entries (indices are not checked here).
    public init(vertices: [Vec3] = [], triangles: [SIMD3<UInt32>] = [], triangleInstanceIds: [UInt32]? = nil,
                triangleColors: [RGB8]? = nil) {
        self.vertices = vertices
        self.triangles = triangles
        self.triangleInstanceIds = triangleInstanceIds ?? Array(repeating: 0, count: triangles.count)
        self.triangleColors = triangleColors ?? Array(repeating: RGB8(200, 200, 200), count: triangles.count)
        precondition(self.triangleInstanceIds.count == triangles.count && self.triangleColors.count == triangles.count)
    }

    /// Number of triangles.
    public var triangleCount: Int { triangles.count }
    /// Whether there are no triangles (vertices alone do not count).
    public var isEmpty: Bool { triangles.isEmpty }

    /// The three corners of triangle `i`.
    @inlinable public func corners(_ i: Int) -> (Vec3, Vec3, Vec3) {
        let t = triangles[i]
        return (vertices[Int(t.x)], vertices[Int(t.y)], vertices[Int(t.z)])
    }

    /// Unit normal of triangle `i` (counter-clockwise winding), or zero for a degenerate triangle.
    public func normal(_ i: Int) -> Vec3 {
        let (a, b, c) = corners(i)
        let n = cross(b - a, c - a)
        let l = length(n)
        return l > 0 ? n / l : .zero
    }

    /// Axis-aligned bounds of all vertices (referenced or not), metres; `AABB.empty` for no vertices.
    public var bounds: AABB {
        var b = AABB.empty
        for v in vertices { b.formUnion(v) }
        return b
    }

    /// Appends `other`, offsetting its indices.
    public mutating func append(_ other: TriangleMesh) {
        let base = UInt32(vertices.count)
        vertices += other.vertices
        triangles += other.triangles.map { $0 &+ SIMD3(repeating: base) }
        triangleInstanceIds += other.triangleInstanceIds
        triangleColors += other.triangleColors
    }

    /// Keeps the triangles for which `keep(triangleIndex)` is true and drops vertices no triangle uses.
    public func filteringTriangles(_ keep: (Int) -> Bool) -> TriangleMesh {
        var remap = [Int32](repeating: -1, count: vertices.count)
        var out = TriangleMesh()
        for i in triangles.indices where keep(i) {
            var t = triangles[i]
            for k in 0..<3 {
                let v = Int(t[k])
                if remap[v] < 0 { remap[v] = Int32(out.vertices.count); out.vertices.append(vertices[v]) }
                t[k] = UInt32(remap[v])
            }
            out.triangles.append(t)
            out.triangleInstanceIds.append(triangleInstanceIds[i])
            out.triangleColors.append(triangleColors[i])
        }
        return out
    }

    /// Applies `transform` to every vertex.
    public func transformed(by transform: RigidTransform) -> TriangleMesh {
        var m = self
        m.vertices = vertices.map(transform.apply)
        return m
    }
}
