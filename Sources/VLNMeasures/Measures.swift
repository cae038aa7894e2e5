import Foundation

/// What the measures need from an episode (VLN-CE episode fields; world frame, metres).
public struct MeasureEpisode: Sendable {
    /// The goal positions (`goals[].position`); distance to goal is to the nearest one.
    public var goals: [MeasurePoint]
    /// d0 for SPL: the episode's `info.geodesic_distance`, start to goal, metres.
    public var shortestPathLength: Double
    /// The reference path R for nDTW. VLN-CE's `NDTW` uses the ground-truth file's `locations` (0.25 m steps);
    /// an episode's `reference_path` is the sparser R2R waypoint path.
    public var referencePath: [MeasurePoint]

    /// From goal positions and the reference path (world frame, metres) and d0 (metres).
    public init(goals: [MeasurePoint], shortestPathLength: Double, referencePath: [MeasurePoint]) {
        self.goals = goals; self.shortestPathLength = shortestPathLength; self.referencePath = referencePath
    }
}

/// What an agent did in an episode.
public struct AgentTrajectory: Sendable {
    /// The agent's position at the start and after every action (STOP included), world frame, metres; turns
    /// repeat the position.
    public var positions: [MeasurePoint]
    /// Whether the agent called STOP (success requires it).
    public var stopCalled: Bool
    /// Actions taken, STOP included; `nil` = `positions.count − 1` (one position per action after the start).
    public var steps: Int?
    /// Steps whose motion collided (habitat-lab `Collisions`, nav.py: counts `sim.previous_step_collided`); `nil` if
    /// the recorder did not say.
    public var collisions: Int?

    /// From the positions (start first, metres), whether STOP was called, and optional step and collision counts.
    public init(positions: [MeasurePoint], stopCalled: Bool, steps: Int? = nil, collisions: Int? = nil) {
        self.positions = positions; self.stopCalled = stopCalled; self.steps = steps; self.collisions = collisions
    }
}

/// Settings of the measures (VLN-CE's defaults).
public struct MeasureSettings: Sendable {
    /// Success threshold in metres, strict (`d < successDistance`): VLN-CE's `SUCCESS_DISTANCE` = 3.0
    /// (vlnce_task.yaml). It is also nDTW's threshold d_th. As in habitat-lab, `goals[].radius` is not used.
    public var successDistance: Double = 3.0
    /// How DTW is computed (exact by default).
    public var dtw: DTWMode = .exact
    /// Distance from an agent position to a goal (geodesic in the simulator, euclidean without one).
    public var goalDistance: GoalDistance = .euclidean

    /// VLN-CE's defaults: 3.0 m, exact DTW, euclidean goal distance.
    public init(successDistance: Double = 3.0, dtw: DTWMode = .exact, goalDistance: GoalDistance = .euclidean) {
        self.successDistance = successDistance; self.dtw = dtw; self.goalDistance = goalDistance
    }
}

/// The standard VLN measures of one episode (VLN-CE's set; names as VLN-CE reports them).
public struct EpisodeMeasures: Sendable, Equatable {
    /// NE, metres: goal distance (`MeasureSettings.goalDistance`) from the final position to the nearest goal
    /// (habitat-lab nav.py `DistanceToGoal`); `+∞` if no goal is reachable from it.
    public var distanceToGoal: Double
    /// 1 if STOP was called and `distanceToGoal < successDistance` (strict), else 0 (habitat-lab nav.py `Success`).
    public var success: Double
    /// 1 if any position of the path had goal distance `< successDistance`, else 0 (VLN-CE
    /// habitat_extensions/measures.py `OracleSuccess`; STOP not required).
    public var oracleSuccess: Double
    /// Oracle NE, metres: the smallest goal distance over the path's positions (VLN-CE measures.py
    /// `OracleNavigationError`); `+∞` if the goal was reachable from none.
    public var oracleNavigationError: Double
    /// SPL = S · d0 / max(d0, PL) (Anderson et al. 2018, "On Evaluation of Embodied Navigation Agents",
    /// arXiv:1807.06757; habitat-lab nav.py `SPL`), d0 = `info.geodesic_distance`, PL = `pathLength`. When
    /// max(d0, PL) = 0 (start on the goal, no motion), SPL = S (the limit of an optimal path).
    public var spl: Double
    /// PL, metres: the sum of euclidean distances between consecutive positions (VLN-CE measures.py `PathLength`).
    public var pathLength: Double
    /// Actions taken, STOP included (VLN-CE measures.py `StepsTaken`).
    public var steps: Int
    /// Collided steps, if the trajectory recorded them.
    public var collisions: Int?
    /// nDTW = exp(−DTW(P, R) / (|R| · d_th)), d_th = `successDistance` (Magalhães et al. 2019, arXiv:1907.05446;
    /// VLN-CE measures.py `NDTW`). P is the path with a position appended only when it differs from the last one
    /// appended (as VLN-CE's `NDTW.update_metric` does); DTW euclidean, exact or fastdtw per settings.
    public var ndtw: Double
    /// SDTW = S · nDTW (Magalhães et al. 2019; VLN-CE measures.py `SDTW`).
    public var sdtw: Double

    public init(distanceToGoal: Double, success: Double, oracleSuccess: Double, oracleNavigationError: Double, spl: Double,
                pathLength: Double, steps: Int, collisions: Int?, ndtw: Double, sdtw: Double) {
        self.distanceToGoal = distanceToGoal; self.success = success; self.oracleSuccess = oracleSuccess
        self.oracleNavigationError = oracleNavigationError; self.spl = spl; self.pathLength = pathLength
        self.steps = steps; self.collisions = collisions; self.ndtw = ndtw; self.sdtw = sdtw
    }
}

/// The path as VLN-CE's `NDTW` measure records it: a position is appended only when it differs (exactly) from the
/// last one appended.
public func movingPositions(_ positions: [MeasurePoint]) -> [MeasurePoint] {
    var out: [MeasurePoint] = []
    out.reserveCapacity(positions.count)
    for p in positions where out.last != p { out.append(p) }
    return out
}

/// PL in metres: Σ ‖p_{k+1} − p_k‖ over consecutive positions (VLN-CE measures.py `PathLength`); 0 for fewer than 2.
public func pathLength(_ positions: [MeasurePoint]) -> Double {
    var total = 0.0
    for k in positions.indices.dropFirst() { total += euclideanDistance(positions[k], positions[k - 1]) }
    return total
}

/// SPL = S · d0 / max(d0, PL) (Anderson et al. 2018, arXiv:1807.06757); S when max(d0, PL) = 0.
/// - Parameters: success S ∈ {0, 1}; shortestPathLength d0 and pathLength PL in metres.
public func successWeightedByPathLength(success: Double, shortestPathLength d0: Double, pathLength: Double) -> Double {
    let denominator = max(d0, pathLength)
    return denominator > 0 ? success * d0 / denominator : success
}

/// nDTW = exp(−DTW(P, R) / (|R| · d_th)) (Magalhães et al. 2019, arXiv:1907.05446, eq. 2; VLN-CE measures.py `NDTW`).
/// - Parameters: path P (already reduced by `movingPositions`), reference R, threshold d_th in metres.
/// - Returns: a value in [0, 1]; 0 if either path is empty.
public func normalizedDTW(path: [MeasurePoint], reference: [MeasurePoint], threshold: Double, mode: DTWMode = .exact) -> Double {
    if path.isEmpty || reference.isEmpty { return 0 }
    return (-dynamicTimeWarping(path, reference, mode: mode) / (Double(reference.count) * threshold)).exp
}

extension Double {
    fileprivate var exp: Double { Foundation.exp(self) }
}

/// Computes every measure of one episode.
/// - Parameters:
///   - trajectory: the agent's positions (start first), STOP flag, steps and collisions.
///   - episode: goals, d0, reference path.
///   - settings: success distance, DTW mode, goal distance.
/// - Returns: the measures; `distanceToGoal` is `+∞` (and success 0) when the final position cannot reach a goal.
///   An empty `positions` gives NE = +∞, PL = 0, nDTW = 0.
public func computeMeasures(_ trajectory: AgentTrajectory, episode: MeasureEpisode, settings: MeasureSettings = .init()) -> EpisodeMeasures {
    let ps = trajectory.positions
    let goalDistance = settings.goalDistance
    let ne = ps.last.map { goalDistance.toNearest($0, of: episode.goals) } ?? .infinity
    let success: Double = trajectory.stopCalled && ne < settings.successDistance ? 1 : 0
    var oracleNE = Double.infinity
    for p in ps { oracleNE = min(oracleNE, goalDistance.toNearest(p, of: episode.goals)) }
    let oracleSuccess: Double = oracleNE < settings.successDistance ? 1 : 0
    let pl = pathLength(ps)
    let ndtw = normalizedDTW(path: movingPositions(ps), reference: episode.referencePath, threshold: settings.successDistance,
                             mode: settings.dtw)
    return EpisodeMeasures(
        distanceToGoal: ne, success: success, oracleSuccess: oracleSuccess, oracleNavigationError: oracleNE,
        spl: successWeightedByPathLength(success: success, shortestPathLength: episode.shortestPathLength, pathLength: pl),
        pathLength: pl, steps: trajectory.steps ?? max(0, ps.count - 1), collisions: trajectory.collisions,
        ndtw: ndtw, sdtw: success * ndtw)
}
