import VLNCore
import VLNScene

/// Builds test scenes from axis-aligned boxes (12 triangles each, wound counter-clockwise seen from outside).
struct BoxSceneBuilder {
    var scene = Scene(name: "test")

    /// Adds a box spanning `lo`…`hi` (metres) as a new instance of `category`; returns its id.
    @discardableResult
    mutating func box(_ lo: Vec3, _ hi: Vec3, _ category: String) -> UInt32 {
        scene.addInstance(boxMesh(lo, hi), category: category)
    }

    /// A floor slab whose top is at y = 0 over x ∈ [x0, x1], z ∈ [z0, z1].
    @discardableResult
    mutating func floor(x: ClosedRange<Float>, z: ClosedRange<Float>) -> UInt32 {
        box(Vec3(x.lowerBound, -0.1, z.lowerBound), Vec3(x.upperBound, 0, z.upperBound), "floor")
    }

    /// A wall 2.5 m high over x ∈ [x0, x1], z ∈ [z0, z1].
    @discardableResult
    mutating func wall(x: ClosedRange<Float>, z: ClosedRange<Float>) -> UInt32 {
        box(Vec3(x.lowerBound, 0, z.lowerBound), Vec3(x.upperBound, 2.5, z.upperBound), "wall")
    }
}

func boxMesh(_ lo: Vec3, _ hi: Vec3) -> TriangleMesh {
    var v: [Vec3] = []
    for k in 0..<8 {
        v.append(Vec3(k & 1 == 0 ? lo.x : hi.x, k & 2 == 0 ? lo.y : hi.y, k & 4 == 0 ? lo.z : hi.z))
    }
    // Faces as quads of corner indices (bit 0 = x, bit 1 = y, bit 2 = z) with their outward normals.
    let faces: [([Int], Vec3)] = [
        ([0, 2, 6, 4], Vec3(-1, 0, 0)), ([1, 3, 7, 5], Vec3(1, 0, 0)),
        ([0, 1, 5, 4], Vec3(0, -1, 0)), ([2, 3, 7, 6], Vec3(0, 1, 0)),
        ([0, 1, 3, 2], Vec3(0, 0, -1)), ([4, 5, 7, 6], Vec3(0, 0, 1)),
    ]
    var tris: [SIMD3<UInt32>] = []
    for (q, n) in faces {
        for t in [(q[0], q[1], q[2]), (q[0], q[2], q[3])] {
            let a = v[t.0], b = v[t.1], c = v[t.2]
            if dot(cross(b - a, c - a), n) >= 0 { tris.append(SIMD3(UInt32(t.0), UInt32(t.1), UInt32(t.2))) }
            else { tris.append(SIMD3(UInt32(t.0), UInt32(t.2), UInt32(t.1))) }
        }
    }
    return TriangleMesh(vertices: v, triangles: tris)
}

/// A closed room of walls 0.1 m thick around x ∈ [x0, x1], z ∈ [z0, z1], with its floor.
func addWalledRoom(_ b: inout BoxSceneBuilder, x: ClosedRange<Float>, z: ClosedRange<Float>) {
    b.floor(x: x, z: z)
    let t: Float = 0.1
    b.wall(x: (x.lowerBound - t)...(x.upperBound + t), z: (z.lowerBound - t)...z.lowerBound)
    b.wall(x: (x.lowerBound - t)...(x.upperBound + t), z: z.upperBound...(z.upperBound + t))
    b.wall(x: (x.lowerBound - t)...x.lowerBound, z: z)
    b.wall(x: x.upperBound...(x.upperBound + t), z: z)
}
