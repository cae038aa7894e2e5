import VLNCore

/// The ground plane of a recording's world frame, for top-down views: `up` is the unit normal pointing away from the
/// floor; `axisU`, `axisV` span the plane (`axisU × axisV = up`, a right-handed frame), so a world point `p` maps to
/// map coordinates `(dot(p, axisU), dot(p, axisV))` metres and height `dot(p, up)`.
public struct GroundPlane: Sendable, Equatable {
    /// Unit normal of the plane, pointing away from the floor (world frame).
    public var up: Vec3
    /// First unit axis in the plane: map coordinate `u = dot(p, axisU)`, metres.
    public var axisU: Vec3
    /// Second unit axis in the plane, `up × axisU`: map coordinate `v = dot(p, axisV)`, metres.
    public var axisV: Vec3
    /// How the plane was chosen, in words (for `rgbd info`/`fuse` output).
    public var source: String

    /// A plane with normal `up` (normalised); `axisU` is the world axis least aligned with `up`, made orthogonal.
    public init(up u: Vec3, source: String) {
        let up = normalize(u)
        let axes = [Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1)]
        let least = axes.min { abs(dot($0, up)) < abs(dot($1, up)) }!
        let a = normalize(least - up * dot(least, up))
        self.up = up; axisU = a; axisV = cross(up, a); self.source = source
    }

    /// Map coordinates `(u, v)` of a world point, metres.
    @inlinable public func project(_ p: Vec3) -> Vec2 { Vec2(dot(p, axisU), dot(p, axisV)) }
    /// Height of a world point above the plane through the origin, metres.
    @inlinable public func height(_ p: Vec3) -> Float { dot(p, up) }

    /// Chooses the ground plane of a recording:
    /// 1. the plane orthogonal to `gravity` (a unit down vector, e.g. 7-Scenes' `gravity-direction.txt`) if given;
    /// 2. else the plane spanned by the two largest-variance axes of `points` (principal component analysis; a room's
    ///    horizontal extent usually exceeds its height), its normal oriented along the mean of the cameras' up
    ///    vectors (OpenGL +y of each `worldFromCamera`; hand-held cameras are held roughly upright).
    /// - Parameters:
    ///   - points: world points, metres (e.g. a fused cloud); fewer than 3 fall back to the cameras' mean up.
    ///   - cameraPoses: `worldFromCamera` (OpenGL) of the frames.
    public static func estimate(points: [Vec3], cameraPoses: [RigidTransform], gravity: Vec3?) -> GroundPlane {
        var camUp = Vec3.zero
        for p in cameraPoses { camUp += p.rotation.c1 }
        if let g = gravity, length(g) > 0 { return GroundPlane(up: -g, source: "orthogonal to the recording's gravity direction") }
        guard points.count >= 3 else {
            return GroundPlane(up: length(camUp) > 0 ? camUp : Vec3(0, 1, 0), source: "orthogonal to the cameras' mean up vector")
        }
        // Covariance in Double.
        var mean = SIMD3<Double>.zero
        for p in points { mean += SIMD3<Double>(Double(p.x), Double(p.y), Double(p.z)) }
        mean /= Double(points.count)
        var c = [[Double]](repeating: [0, 0, 0], count: 3)
        for p in points {
            let d = SIMD3<Double>(Double(p.x), Double(p.y), Double(p.z)) - mean
            for i in 0..<3 { for j in 0..<3 { c[i][j] += d[i] * d[j] } }
        }
        let normal = smallestEigenvector(c)
        var up = Vec3(Float(normal.x), Float(normal.y), Float(normal.z))
        if dot(up, camUp) < 0 { up = -up }
        return GroundPlane(up: up, source: "spanned by the fused points' two largest-variance axes (no gravity given)")
    }

    /// Eigenvector of the smallest eigenvalue of a symmetric 3×3 matrix (Jacobi rotations).
    static func smallestEigenvector(_ m0: [[Double]]) -> SIMD3<Double> {
        var a = m0
        var v: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        for _ in 0..<50 {
            var p = 0, q = 1
            for (i, j) in [(0, 1), (0, 2), (1, 2)] where abs(a[i][j]) > abs(a[p][q]) { p = i; q = j }
            if abs(a[p][q]) < 1e-15 * (abs(a[0][0]) + abs(a[1][1]) + abs(a[2][2]) + 1e-300) { break }
            let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
            let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
            let cs = 1 / (t * t + 1).squareRoot(), sn = t * cs
            for k in 0..<3 {
                let akp = a[k][p], akq = a[k][q]
                a[k][p] = cs * akp - sn * akq; a[k][q] = sn * akp + cs * akq
            }
            for k in 0..<3 {
                let apk = a[p][k], aqk = a[q][k]
                a[p][k] = cs * apk - sn * aqk; a[q][k] = sn * apk + cs * aqk
            }
            for k in 0..<3 {
                let vkp = v[k][p], vkq = v[k][q]
                v[k][p] = cs * vkp - sn * vkq; v[k][q] = sn * vkp + cs * vkq
            }
        }
        let i = (0..<3).min { a[$0][$0] < a[$1][$1] }!
        return SIMD3<Double>(v[0][i], v[1][i], v[2][i])
    }
}
