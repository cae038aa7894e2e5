// Geometry primitives shared by every layer.
//
// Frames (DESIGN.md): the world is Habitat's — Y up, gravity −Y, metres; an agent at heading 0 faces −Z.
// Cameras use the OpenGL convention (x right, y up, looking along −z). Poses are named `aFromB`: a transform
// that maps coordinates in frame B to frame A; composition reads right to left, `aFromC = aFromB * bFromC`.

import Foundation

/// A point or direction in 3-D, metres where it is a point.
public typealias Vec3 = SIMD3<Float>
/// A point in the horizontal XZ plane, metres (x = world x, y = world z).
public typealias Vec2 = SIMD2<Float>

/// Dot product `a · b`.
@inlinable public func dot(_ a: Vec3, _ b: Vec3) -> Float { (a * b).sum() }
/// Cross product `a × b` (right-handed).
@inlinable public func cross(_ a: Vec3, _ b: Vec3) -> Vec3 {
    Vec3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
/// The z-component of the cross product of two plane vectors: twice the signed area of the triangle they span
/// (positive when `b` is counter-clockwise from `a` in a frame with x right and y up).
@inlinable public func cross<T: BinaryFloatingPoint & SIMDScalar>(_ a: SIMD2<T>, _ b: SIMD2<T>) -> T { a.x * b.y - a.y * b.x }
/// Euclidean length `|a|`.
@inlinable public func length(_ a: Vec3) -> Float { dot(a, a).squareRoot() }
/// `a / |a|`; NaN components for the zero vector (callers check the length where it can be zero).
@inlinable public func normalize(_ a: Vec3) -> Vec3 { a / length(a) }
/// Euclidean distance `|a − b|`, metres for points.
@inlinable public func distance(_ a: Vec3, _ b: Vec3) -> Float { length(a - b) }

/// A unit quaternion `[x, y, z, w]` (Habitat's and VLN-CE's order; scalar last) describing a rotation.
public struct Quaternion: Equatable, Hashable, Codable, Sendable {
    /// Vector part (x, y, z) and scalar part w.
    public var x: Float, y: Float, z: Float, w: Float

    /// From the four components, as given (not normalised).
    public init(x: Float, y: Float, z: Float, w: Float) { self.x = x; self.y = y; self.z = z; self.w = w }
    /// From `[x, y, z, w]`. - Precondition: four elements.
    public init(_ xyzw: [Float]) { precondition(xyzw.count == 4); self.init(x: xyzw[0], y: xyzw[1], z: xyzw[2], w: xyzw[3]) }

    /// No rotation.
    public static let identity = Quaternion(x: 0, y: 0, z: 0, w: 1)

    /// Rotation by `angle` radians about the unit `axis` (right-handed).
    public init(axis: Vec3, angle: Float) {
        let s = sin(angle / 2)
        self.init(x: axis.x * s, y: axis.y * s, z: axis.z * s, w: cos(angle / 2))
    }

    /// Rotation about +Y by `heading` radians: the agent's orientation in Habitat (heading 0 faces −Z,
    /// positive headings turn left, towards −X).
    public init(heading: Float) { self.init(axis: Vec3(0, 1, 0), angle: heading) }

    /// `[x, y, z, w]`, the order of VLN-CE's `start_rotation`.
    public var xyzw: [Float] { [x, y, z, w] }
    /// Euclidean norm (1 for a rotation).
    public var norm: Float { (x * x + y * y + z * z + w * w).squareRoot() }
    /// This quaternion scaled to norm 1 (NaN components for the zero quaternion).
    public var normalized: Quaternion { let n = norm; return Quaternion(x: x / n, y: y / n, z: z / n, w: w / n) }

    /// The heading (rotation about +Y, radians in (−π, π]) of the forward axis −Z after this rotation.
    ///
    /// A half turn gives `Float.pi`: `atan2` alone gives ±3.1415927 (π rounded to nearest; `Float.pi` is π
    /// rounded toward zero, one ulp less), and −3.1415927 when the forward axis' x is −0, as for `[0, 1, 0, 0]`.
    public var heading: Float {
        let f = rotate(Vec3(0, 0, -1))
        let h = atan2(-f.x, -f.z)
        return abs(h) >= .pi ? .pi : h
    }

    /// Hamilton product: `(a * b).rotate(v) == a.rotate(b.rotate(v))`.
    public static func * (a: Quaternion, b: Quaternion) -> Quaternion {
        Quaternion(x: a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
                   y: a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
                   z: a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
                   w: a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z)
    }

    /// `v` rotated by this (normalised) rotation.
    public func rotate(_ v: Vec3) -> Vec3 { Mat3(self) * v }
}

/// A 3×3 matrix stored as three columns.
public struct Mat3: Equatable, Sendable {
    /// The three columns: `m * v = c0 · v.x + c1 · v.y + c2 · v.z`.
    public var c0: Vec3, c1: Vec3, c2: Vec3
    /// From three columns.
    public init(columns c0: Vec3, _ c1: Vec3, _ c2: Vec3) { self.c0 = c0; self.c1 = c1; self.c2 = c2 }
    /// From rows, as a matrix is written on paper.
    public init(rows r0: Vec3, _ r1: Vec3, _ r2: Vec3) {
        self.init(columns: Vec3(r0.x, r1.x, r2.x), Vec3(r0.y, r1.y, r2.y), Vec3(r0.z, r1.z, r2.z))
    }
    /// The identity matrix.
    public static let identity = Mat3(columns: Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1))

    /// The rotation matrix of a (normalised on the way) quaternion.
    public init(_ q0: Quaternion) {
        let q = q0.normalized
        let (x, y, z, w) = (q.x, q.y, q.z, q.w)
        self.init(rows: Vec3(1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)),
                  Vec3(2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)),
                  Vec3(2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)))
    }

    /// The transposed matrix (the inverse when this is a rotation).
    public var transpose: Mat3 {
        Mat3(rows: c0, c1, c2)
    }
    /// First row.
    public var row0: Vec3 { Vec3(c0.x, c1.x, c2.x) }
    /// Second row.
    public var row1: Vec3 { Vec3(c0.y, c1.y, c2.y) }
    /// Third row.
    public var row2: Vec3 { Vec3(c0.z, c1.z, c2.z) }
    /// The determinant, `c0 · (c1 × c2)` (+1 for a rotation).
    public var determinant: Float { dot(c0, cross(c1, c2)) }

    /// Matrix–vector product `m · v`.
    @inlinable public static func * (m: Mat3, v: Vec3) -> Vec3 { m.c0 * v.x + m.c1 * v.y + m.c2 * v.z }
    /// Matrix product `a · b` (apply `b` first, then `a`).
    public static func * (a: Mat3, b: Mat3) -> Mat3 { Mat3(columns: a * b.c0, a * b.c1, a * b.c2) }
}

/// A rigid transform `p ↦ rotation · p + translation`. Name instances by the frames they map,
/// e.g. `worldFromCamera` maps camera coordinates to world coordinates.
public struct RigidTransform: Equatable, Sendable {
    /// Rotation part, applied before the translation.
    public var rotation: Mat3
    /// Metres.
    public var translation: Vec3

    /// From a rotation matrix and a translation (metres); the defaults give the identity.
    public init(rotation: Mat3 = .identity, translation: Vec3 = .zero) {
        self.rotation = rotation; self.translation = translation
    }
    /// From a quaternion (normalised on the way, see `Mat3.init(_:)`) and a translation, metres.
    public init(rotation: Quaternion, translation: Vec3) { self.init(rotation: Mat3(rotation), translation: translation) }
    /// The identity transform.
    public static let identity = RigidTransform()

    /// Maps a point: `rotation · p + translation`.
    @inlinable public func apply(_ p: Vec3) -> Vec3 { rotation * p + translation }
    /// Rotates a direction (no translation).
    @inlinable public func applyToDirection(_ d: Vec3) -> Vec3 { rotation * d }
    /// The inverse transform (`bFromA` for an `aFromB`), assuming `rotation` is orthonormal (it uses the transpose).
    public var inverse: RigidTransform {
        let rt = rotation.transpose
        return RigidTransform(rotation: rt, translation: -(rt * translation))
    }
    /// `aFromC = aFromB * bFromC`.
    public static func * (a: RigidTransform, b: RigidTransform) -> RigidTransform {
        RigidTransform(rotation: a.rotation * b.rotation, translation: a.rotation * b.translation + a.translation)
    }

    /// The 4×4 homogeneous matrix, row-major.
    public var matrix4x4: [[Float]] {
        [[rotation.c0.x, rotation.c1.x, rotation.c2.x, translation.x],
         [rotation.c0.y, rotation.c1.y, rotation.c2.y, translation.y],
         [rotation.c0.z, rotation.c1.z, rotation.c2.z, translation.z],
         [0, 0, 0, 1]]
    }
}

/// An axis-aligned box, metres. Empty when `lower > upper` on any axis.
public struct AABB: Equatable, Sendable {
    /// Smallest and largest corner, metres.
    public var lower: Vec3, upper: Vec3
    /// From the two corners, metres (not checked: `lower > upper` on an axis gives an empty box).
    public init(lower: Vec3, upper: Vec3) { self.lower = lower; self.upper = upper }
    /// The empty box (lower +∞, upper −∞): the identity of `formUnion`.
    public static let empty = AABB(lower: Vec3(repeating: .infinity), upper: Vec3(repeating: -.infinity))
    /// Whether `lower > upper` on any axis (a single point, `lower == upper`, is not empty).
    public var isEmpty: Bool { any(lower .> upper) }
    /// `upper − lower`, metres (negative for the empty box).
    public var extent: Vec3 { upper - lower }
    /// Midpoint, metres.
    public var center: Vec3 { (lower + upper) * 0.5 }
    /// Grows the box to contain `p` / `b`.
    public mutating func formUnion(_ p: Vec3) { lower = pointwiseMin(lower, p); upper = pointwiseMax(upper, p) }
    /// Grows the box to contain the box `b` (an empty `b` leaves it unchanged).
    public mutating func formUnion(_ b: AABB) { lower = pointwiseMin(lower, b.lower); upper = pointwiseMax(upper, b.upper) }
    /// Whether `p` lies in the closed box.
    public func contains(_ p: Vec3) -> Bool { all(p .>= lower) && all(p .<= upper) }
    /// Surface area, m² (0 for an empty box).
    public var surfaceArea: Float {
        if isEmpty { return 0 }
        let e = extent
        return 2 * (e.x * e.y + e.y * e.z + e.z * e.x)
    }
}

/// Approximate equality, defined once: |a − b| ≤ absolute + relative·max(|a|, |b|).
public func approximatelyEqual(_ a: Float, _ b: Float, absolute: Float = 1e-5, relative: Float = 1e-5) -> Bool {
    abs(a - b) <= absolute + relative * max(abs(a), abs(b))
}

extension Float {
    /// Degrees → radians (not wrapped; for a heading given in degrees, use `headingRadians`).
    @inlinable public var radians: Float { self * .pi / 180 }
    /// Radians → degrees (not wrapped; for a heading as written to a file or printed, use `headingDegrees`).
    @inlinable public var degrees: Float { self * 180 / .pi }

    /// This heading in degrees (any finite value, e.g. from the CLI or an episode file) in radians in (−π, π].
    ///
    /// Wrapped in degrees first, which is exact, so that 540° and −180° are exactly the half turn 180° is
    /// (`Float.pi`); wrapping 540° after conversion would leave a rounding error of a few ulps.
    public var headingRadians: Float {
        var d = fmodf(self, 360)
        if d <= -180 { d += 360 }
        if d > 180 { d -= 360 }
        return d.radians
    }

    /// This angle (radians, any finite value) as a heading in degrees in (−180°, 180°] — the form every heading
    /// written to a file or printed takes (DESIGN.md: 0 faces −Z, positive turns left).
    ///
    /// Wrapped to (−π, π] first (`wrapAngle`), then scaled by 180 / `Float.pi`, so that the half turn `Float.pi`
    /// is exactly 180°: `degrees` gives −180.00002 for −`Float.pi`. A value that rounds to −180° is written
    /// 180° (the same heading), and −0 is written 0.
    public var headingDegrees: Float {
        var d = Float(Double(wrapAngle(self)) / Double(Float.pi) * 180)
        if d <= -180 { d += 360 }
        return d + 0  // −0 + 0 = +0
    }
}

/// `angle` (radians, finite) wrapped to (−π, π] — with π = `Float.pi`, so the interval is
/// (−3.1415925, 3.1415925]. No rounding: the result differs from `angle` by a multiple of 2 · `Float.pi`.
public func wrapAngle(_ angle: Float) -> Float {
    var x = fmodf(angle, 2 * .pi)
    if x <= -.pi { x += 2 * .pi }
    if x > .pi { x -= 2 * .pi }
    return x
}
