import VLNCore

/// A walked path as a polyline of world points (metres, Y up), measured by arc length in the XZ plane — the
/// plane `NavigationGrid.geodesicDistance` measures in.
struct PathPolyline: Sendable {
    /// The corners, world frame, metres.
    let points: [Vec3]
    /// Arc length (XZ, metres) at each corner; `cumulative[0] = 0`.
    let cumulative: [Float]

    /// - Precondition: at least one point.
    init(_ points: [Vec3]) {
        precondition(!points.isEmpty, "a path needs a point")
        self.points = points
        var c: [Float] = [0]
        for k in points.indices.dropFirst() { c.append(c[k - 1] + Self.xzDistance(points[k - 1], points[k])) }
        cumulative = c
    }

    /// Total XZ length, metres.
    var length: Float { cumulative[cumulative.count - 1] }

    /// The point at arc length `s` (clamped to [0, length]); y interpolated linearly.
    func point(at s: Float) -> Vec3 {
        let s = min(max(s, 0), length)
        var k = 1
        while k < points.count - 1 && cumulative[k] < s { k += 1 }
        guard points.count > 1 else { return points[0] }
        let seg = cumulative[k] - cumulative[k - 1]
        let t = seg > 0 ? (s - cumulative[k - 1]) / seg : 0
        return points[k - 1] + (points[k] - points[k - 1]) * t
    }

    /// Unit XZ direction (x, z) of travel around arc length `s`, averaged over `[s − window, s + window]`;
    /// nil for a path of length 0.
    func direction(at s: Float, window: Float = 0.5) -> Vec2? {
        let a = point(at: s - window), b = point(at: s + window)
        let d = Vec2(b.x - a.x, b.z - a.z)
        let l = length2(d)
        return l > 1e-6 ? d / l : nil
    }

    /// Points every `spacing` metres of arc length from the start, then the end (the last leg is shorter unless the
    /// length is a multiple of `spacing`) — as VLN-CE's ground-truth `locations` (0.25 m steps).
    func resampled(every spacing: Float) -> [Vec3] {
        precondition(spacing > 0)
        var out: [Vec3] = []
        var k = 0
        while Float(k) * spacing < length - 1e-4 {
            out.append(point(at: Float(k) * spacing))
            k += 1
        }
        out.append(points[points.count - 1])
        return out
    }

    static func xzDistance(_ a: Vec3, _ b: Vec3) -> Float { length2(Vec2(a.x - b.x, a.z - b.z)) }
}
