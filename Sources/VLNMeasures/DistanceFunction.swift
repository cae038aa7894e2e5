import VLNCore

/// A position in the world frame (Habitat's: Y up, metres), in double precision.
///
/// Measures are computed in `Double` so that values read from files (VLN-CE JSON holds float32 positions; recorded
/// trajectories may hold float64) are scored exactly as numpy scores them; simulator positions (`Vec3`, float32)
/// convert without loss through `MeasurePoint(_:)`.
public typealias MeasurePoint = SIMD3<Double>

extension SIMD3 where Scalar == Double {
    /// The float32 simulator position `v`, widened without loss.
    public init(_ v: Vec3) { self.init(Double(v.x), Double(v.y), Double(v.z)) }
}

/// Straight-line distance in metres, `sqrt(dx² + dy² + dz²)`, summed in that order as numpy's
/// `np.linalg.norm(a - b, ord=2)` does for 3-vectors (VLN-CE's `euclidean_distance`, habitat_extensions/utils.py).
@inlinable public func euclideanDistance(_ a: MeasurePoint, _ b: MeasurePoint) -> Double {
    let dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z
    return (dx * dx + dy * dy + dz * dz).squareRoot()
}

/// The distance from an agent position to a goal position that the goal measures (distance to goal, success,
/// oracle success/NE, SDTW through success) use; injected so that the measures depend on no simulator.
///
/// VLN-CE measures the geodesic distance on the scene's navmesh (`sim.geodesic_distance`, habitat-lab
/// habitat/tasks/nav/nav.py `DistanceToGoal`); tests and simulator-free scoring use `.euclidean`. Path length and
/// DTW are always euclidean, as in VLN-CE.
public struct GoalDistance: Sendable {
    /// A name for reports: `"euclidean"`, `"geodesic"`, or the caller's.
    public let name: String
    /// Metres from the first point (agent) to the second (goal), or `nil` when no path exists (the goal is
    /// unreachable from there, or the point is off the navigable area): the measures then take it as +∞.
    public let distance: @Sendable (_ from: MeasurePoint, _ to: MeasurePoint) -> Double?

    /// - Parameters:
    ///   - name: a name for reports.
    ///   - distance: metres from agent to goal, `nil` if unreachable.
    public init(name: String, distance: @escaping @Sendable (_ from: MeasurePoint, _ to: MeasurePoint) -> Double?) {
        self.name = name
        self.distance = distance
    }

    /// Adapts a float32 distance (e.g. the simulator's geodesic distance on its navigation grid).
    public init(name: String, float distance: @escaping @Sendable (_ from: Vec3, _ to: Vec3) -> Float?) {
        self.init(name: name) { a, b in
            distance(Vec3(Float(a.x), Float(a.y), Float(a.z)), Vec3(Float(b.x), Float(b.y), Float(b.z))).map(Double.init)
        }
    }

    /// Straight-line distance (`euclideanDistance`); never `nil`.
    public static let euclidean = GoalDistance(name: "euclidean") { euclideanDistance($0, $1) }

    /// The distance from `p` to the nearest of `goals` (habitat-lab `DistanceToGoal` takes the minimum over the
    /// episode's goals), `+∞` if none is reachable or `goals` is empty.
    public func toNearest(_ p: MeasurePoint, of goals: [MeasurePoint]) -> Double {
        var best = Double.infinity
        for g in goals {
            if let d = distance(p, g), d < best { best = d }
        }
        return best
    }
}
