import VLNCore

// Primitive solids for procedural furniture and walls, and the small mesh builder that emits them.
// Everything here is axis-aligned in XZ (furniture is only ever turned by quarter turns about +Y), so a box stays
// a box after placement and a cylinder stays upright.

/// One solid part of a furniture model, in the model's local frame or in the world frame (metres, Y up).
///
/// Local frame of a model: x ∈ [0, width] along the wall, z ∈ [0, depth] with z = 0 at the back (against the
/// wall) and the front facing +z, y ∈ [0, height] above the floor (wall-mounted parts start higher).
struct FurniturePart: Sendable {
    enum Shape: Sendable {
        /// An axis-aligned box.
        case box(lower: Vec3, upper: Vec3)
        /// An upright cylinder: centre (x, z), bottom and top heights, radius; `segments` facets around.
        case cylinder(center: Vec2, bottom: Float, top: Float, radius: Float, segments: Int)
    }
    var shape: Shape
    var color: RGB8

    static func box(_ lower: Vec3, _ upper: Vec3, _ color: RGB8) -> FurniturePart {
        FurniturePart(shape: .box(lower: pointwiseMin(lower, upper), upper: pointwiseMax(lower, upper)), color: color)
    }
    static func cylinder(x: Float, z: Float, bottom: Float, top: Float, radius: Float, segments: Int = 12,
                         _ color: RGB8) -> FurniturePart {
        FurniturePart(shape: .cylinder(center: Vec2(x, z), bottom: bottom, top: top, radius: radius, segments: segments),
                      color: color)
    }

    /// This part after a quarter-turn rotation about +Y and a translation in XZ.
    /// - Parameters:
    ///   - quarterTurns: 0…3; turn k maps local (x, z) to (x, z), (z, −x), (−x, −z), (−z, x) — a proper rotation by
    ///     k·90° about +Y, so the local front (+z) faces +z, +x, −z, −x in the world.
    ///   - offset: XZ translation applied after the rotation, metres.
    func placed(quarterTurns k: Int, offset: Vec2) -> FurniturePart {
        switch shape {
        case let .box(lower, upper):
            let a = rotateQuarter(Vec2(lower.x, lower.z), k) + offset
            let b = rotateQuarter(Vec2(upper.x, upper.z), k) + offset
            return .box(Vec3(min(a.x, b.x), lower.y, min(a.y, b.y)), Vec3(max(a.x, b.x), upper.y, max(a.y, b.y)), color)
        case let .cylinder(center, bottom, top, radius, segments):
            return FurniturePart(shape: .cylinder(center: rotateQuarter(center, k) + offset, bottom: bottom, top: top,
                                                  radius: radius, segments: segments), color: color)
        }
    }
}

/// Rotates the XZ point `p` by `k` quarter turns about +Y (see `FurniturePart.placed`). Exact: no trigonometry.
func rotateQuarter(_ p: Vec2, _ k: Int) -> Vec2 {
    switch ((k % 4) + 4) % 4 {
    case 0: return p
    case 1: return Vec2(p.y, -p.x)
    case 2: return Vec2(-p.x, -p.y)
    default: return Vec2(-p.y, p.x)
    }
}

/// Appends boxes, cylinders and quads to a `TriangleMesh`, each triangle tagged with an instance id and a colour.
/// Front faces wind counter-clockwise seen from outside, so `TriangleMesh.normal(_:)` points outwards.
struct MeshBuilder {
    var mesh = TriangleMesh()

    /// A planar quad `a b c d`, counter-clockwise seen from the side its normal points to; two triangles.
    mutating func addQuad(_ a: Vec3, _ b: Vec3, _ c: Vec3, _ d: Vec3, id: UInt32, color: RGB8) {
        let base = UInt32(mesh.vertices.count)
        mesh.vertices += [a, b, c, d]
        mesh.triangles += [SIMD3(base, base + 1, base + 2), SIMD3(base, base + 2, base + 3)]
        mesh.triangleInstanceIds += [id, id]
        mesh.triangleColors += [color, color]
    }

    /// An axis-aligned box with outward normals: 8 vertices, 12 triangles.
    mutating func addBox(lower l: Vec3, upper u: Vec3, id: UInt32, color: RGB8) {
        mesh.append(.box(lower: l, upper: u, color: color, instanceId: id))
    }

    /// An upright closed cylinder with outward normals: `4·segments` triangles.
    mutating func addCylinder(center: Vec2, bottom: Float, top: Float, radius: Float, segments: Int, id: UInt32,
                              color: RGB8) {
        let n = max(segments, 3)
        let base = UInt32(mesh.vertices.count)
        mesh.vertices.append(Vec3(center.x, bottom, center.y))   // base + 0: bottom centre
        mesh.vertices.append(Vec3(center.x, top, center.y))      // base + 1: top centre
        for s in 0..<n {
            let angle = 2 * Float.pi * Float(s) / Float(n)
            let x = center.x + radius * cosf(angle), z = center.y + radius * sinf(angle)
            mesh.vertices.append(Vec3(x, bottom, z))             // base + 2 + 2s
            mesh.vertices.append(Vec3(x, top, z))                // base + 3 + 2s
        }
        for s in 0..<n {
            let b0 = base + 2 + UInt32(2 * s), t0 = b0 + 1
            let b1 = base + 2 + UInt32(2 * ((s + 1) % n)), t1 = b1 + 1
            mesh.triangles.append(SIMD3(b0, t0, b1))          // side
            mesh.triangles.append(SIMD3(b1, t0, t1))          // side
            mesh.triangles.append(SIMD3(base + 1, t1, t0))    // top cap, +Y
            mesh.triangles.append(SIMD3(base, b0, b1))        // bottom cap, −Y
        }
        mesh.triangleInstanceIds += Array(repeating: id, count: 4 * n)
        mesh.triangleColors += Array(repeating: color, count: 4 * n)
    }

    mutating func add(_ part: FurniturePart, id: UInt32) {
        switch part.shape {
        case let .box(lower, upper): addBox(lower: lower, upper: upper, id: id, color: part.color)
        case let .cylinder(center, bottom, top, radius, segments):
            addCylinder(center: center, bottom: bottom, top: top, radius: radius, segments: segments, id: id,
                        color: part.color)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
