import VLNCore
import VLNScene

/// Builds test scenes from axis-aligned boxes (12 triangles each, wound counter-clockwise seen from outside).
struct BoxSceneBuilder {
    var scene = Scene(name: "test")

    /// Adds a box spanning `lo`…`hi` (metres) as a new instance of `category`; returns its id.
    @discardableResult
    mutating func box(_ lo: Vec3, _ hi: Vec3, _ category: String) -> UInt32 {
        scene.addInstance(.box(lower: lo, upper: hi), category: category)
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

/// A closed room of walls 0.1 m thick around x ∈ [x0, x1], z ∈ [z0, z1], with its floor.
func addWalledRoom(_ b: inout BoxSceneBuilder, x: ClosedRange<Float>, z: ClosedRange<Float>) {
    b.floor(x: x, z: z)
    let t: Float = 0.1
    b.wall(x: (x.lowerBound - t)...(x.upperBound + t), z: (z.lowerBound - t)...z.lowerBound)
    b.wall(x: (x.lowerBound - t)...(x.upperBound + t), z: z.upperBound...(z.upperBound + t))
    b.wall(x: (x.lowerBound - t)...x.lowerBound, z: z)
    b.wall(x: x.upperBound...(x.upperBound + t), z: z)
}
