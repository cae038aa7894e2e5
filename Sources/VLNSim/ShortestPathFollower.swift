import Foundation
import VLNCore
import VLNNavigation

/// The shortest-path oracle: a greedy follower of the geodesic distance field to a goal, after habitat-lab's
/// `ShortestPathFollower` and habitat-sim's `GreedyGeodesicFollower`, which choose the action whose simulated
/// outcome lowers the geodesic distance most. Ours simulates the move itself rather than walking a path, so it
/// does not stall where a string-pulled path cuts a corner the agent's body cannot (door jambs).
///
/// **Each decision.** With d = the field distance (geodesic, metres) from the agent to the goal:
/// - d ≤ `stopDistance` → STOP (the goal is reached);
/// - else every heading the agent can reach by turning — the current heading plus k turn angles, the 24
///   multiples of 15° for VLN-CE — is tried by simulating one MOVE_FORWARD with the simulator's own collision
///   and sliding (`NavigationGrid.tryStep`) and reading the field at the end point. The lowest resulting
///   distance wins if it is at least `minimumProgress` below d; among candidates within `tieTolerance` of the
///   lowest, the one needing the fewest turns wins (then the left turn). Facing it → MOVE_FORWARD; otherwise
///   turn the shorter way towards it (left on a half turn);
/// - if no single step gets closer (a local minimum at a jamb or in a slot narrower than the heading grid
///   resolves), every pair of steps is tried and the first step of the best pair taken — but only a pair
///   whose second step also gains `minimumProgress` over the first, so the greedy choice after it is sure to
///   move on;
/// - if no pair gets closer either, or the goal is unreachable (another island, or too far from the navigable
///   area to be snapped onto it), STOP without reaching the goal: a *stall*, which `policy(onStall:)` reports.
///
/// Every MOVE_FORWARD it takes (or every pair, after a fallback) lowers d by at least `minimumProgress`, and at
/// most 12 turns separate two moves, so it cannot loop: a colliding step that gains nothing is never taken,
/// let alone repeated. Deterministic.
///
/// - Complexity: per decision 24 `tryStep`s and 25 field lookups (24² more in the rare fallback); the field is
///   `Simulator.distanceField(to:)`, built once per goal and navigation version, so no path search runs per
///   step. A scene event that rebuilds the navigation grid invalidates that cache and the follower then follows
///   the new field.
public struct ShortestPathFollower: Sendable {
    /// Goal position, world frame (Y up), metres. Off the navigable area it is snapped as in
    /// `NavigationGrid.distanceField(to:)` (within `NavigationSettings.maxSnapDistance`).
    public var goal: Vec3
    /// STOP once the geodesic distance to the goal (the distance field's) is at most this, metres. The default,
    /// 0.25 m, is one MOVE_FORWARD: from there a further step could overshoot.
    public var stopDistance: Float

    /// Metres a MOVE_FORWARD must lower the distance to the goal to be taken (4 % of a 0.25 m step): progress
    /// smaller than this is field noise or a slide along a wall.
    public static let minimumProgress: Float = 0.01
    /// Metres within which two candidate headings count as equally good (then the one needing fewer turns wins).
    public static let tieTolerance: Float = 0.001

    /// A follower towards `goal` (world frame, metres) that stops within `stopDistance` metres (geodesic).
    public init(goal: Vec3, stopDistance: Float = 0.25) { self.goal = goal; self.stopDistance = stopDistance }

    /// The next action for the agent of `sim`, from `sim.distanceField(to: [goal])` (see the type's
    /// description). Stateless: it is also the choice `policy()` makes (the policy adds a progress watchdog and
    /// stall reports). STOP when the goal is reached, unreachable, or no step brings the agent closer.
    public func nextAction(in sim: Simulator) -> AgentAction {
        nextAction(state: sim.agent, field: sim.distanceField(to: [goal]), settings: sim.settings)
    }

    /// The next action for an agent in `state` (world frame, metres, heading in radians) on `field`, a
    /// distance field to this follower's goal (`Simulator.distanceField(to: [goal])` or
    /// `NavigationGrid.distanceField(to:)`); `settings` gives the forward step and turn angle.
    public func nextAction(state: AgentState, field: GeodesicDistanceField, settings: AgentSettings) -> AgentAction {
        decide(state: state, field: field, settings: settings).action
    }

    /// The follower as a `Policy` for `Simulator.run`, keeping state across the calls of one episode (make one
    /// policy per episode; it also starts afresh when `sim.stepCount` is 0 or the navigation grid changes).
    ///
    /// It takes `nextAction(in:)`'s actions, skips re-evaluating the candidates while it turns on the spot towards
    /// a chosen heading, and as a guard STOPs if the distance to the goal has not dropped by `minimumProgress`
    /// in 3 × the number of headings (72) actions, which the decision rule should never allow.
    /// - Parameter onStall: called once, just before a STOP that does not reach the goal (`stopDistance`), with a
    ///   one-line description: position, heading, geodesic distance left, actions taken and actions without
    ///   progress, and why it gave up (unreachable goal, local minimum, no progress).
    public func policy(onStall: ((String) -> Void)? = nil) -> Policy {
        var best = Float.infinity          // lowest distance reached so far, metres
        var sinceProgress = 0              // actions since `best` last dropped by minimumProgress
        var version = -1                   // navigation version the state refers to
        var turning: (position: Vec3, target: Float)? = nil  // heading being turned to, from this position
        var reported = false
        return { sim in
            if sim.stepCount == 0 || sim.navigationVersion != version {
                best = .infinity; sinceProgress = 0; version = sim.navigationVersion; turning = nil; reported = false
            }
            let agent = sim.agent, settings = sim.settings
            func stall(_ reason: String, distance: Float?) -> AgentAction {
                if !reported, let onStall {
                    reported = true
                    let left = distance.map { String(format: "%.2f m (geodesic) from", $0) } ?? "no path to"
                    onStall(String(format: "oracle stalled at (%.2f, %.2f, %.2f), heading %.0f°, %@ the goal (%.2f, %.2f, %.2f) ",
                                   agent.position.x, agent.position.y, agent.position.z, agent.heading.headingDegrees,
                                   left, goal.x, goal.y, goal.z)
                            + "after \(sim.stepCount) actions, \(sinceProgress) without progress: \(reason)")
                }
                return .stop
            }
            // Still turning on the spot towards the heading chosen from here: nothing to re-evaluate.
            if let t = turning, t.position == agent.position {
                let turns = Int((wrapAngle(t.target - agent.heading) / settings.turnAngle).rounded())
                if turns != 0 {
                    sinceProgress += 1
                    return turns > 0 ? .turnLeft : .turnRight
                }
            }
            turning = nil
            let field = sim.distanceField(to: [goal])
            let decision = decide(state: agent, field: field, settings: settings)
            if let d = decision.distance, d <= best - Self.minimumProgress { best = d; sinceProgress = 0 }
            if let reason = decision.stall { return stall(reason, distance: decision.distance) }
            if decision.action != .stop && sinceProgress >= 3 * candidateCount(settings.turnAngle) {
                return stall("the distance to the goal has not dropped by \(Self.minimumProgress) m in \(sinceProgress) actions",
                             distance: decision.distance)
            }
            if decision.action == .turnLeft || decision.action == .turnRight {
                turning = (agent.position, agent.heading + Float(decision.turns) * settings.turnAngle)
            }
            if decision.action != .stop { sinceProgress += 1 }
            return decision.action
        }
    }

    /// The policy with no stall report (kept for callers of the former API).
    public func policy() -> Policy { policy(onStall: nil) }

    // MARK: Decision

    struct Decision {
        var action: AgentAction
        /// Turns towards the chosen heading, positive = left; 0 for MOVE_FORWARD and STOP.
        var turns: Int
        /// Field distance from the agent to the goal, metres (nil: unreachable).
        var distance: Float?
        /// Why the follower gives up, for a STOP short of the goal.
        var stall: String?
    }

    /// Number of distinct headings reachable by turning: 24 for 15°.
    func candidateCount(_ turnAngle: Float) -> Int {
        let kMax = Int(Float.pi / turnAngle + 1e-4)
        let fullCircle = abs(Float(2 * kMax) * turnAngle - 2 * .pi) < 1e-3
        return 2 * kMax + (fullCircle ? 0 : 1)
    }

    /// Signed turn count of candidate `m` in tie-break order: 0, +1, −1, +2, −2, …
    @inline(__always) func turns(ofCandidate m: Int) -> Int { m % 2 == 1 ? (m + 1) / 2 : -(m / 2) }

    func decide(state: AgentState, field: GeodesicDistanceField, settings: AgentSettings) -> Decision {
        guard let d = field.distance(from: state.position) else {
            let reason = field.hasGoals
                ? "the goal is on another island of the navigation grid"
                : String(format: "the goal is more than %.2f m from the navigable area", field.grid.settings.maxSnapDistance)
            return Decision(action: .stop, turns: 0, distance: nil, stall: reason)
        }
        if d <= stopDistance { return Decision(action: .stop, turns: 0, distance: d, stall: nil) }
        let grid = field.grid
        let n = candidateCount(settings.turnAngle)
        let step = settings.forwardStep
        let p = state.position
        // Simulated MOVE_FORWARD along heading + k·turnAngle: the simulator's own arithmetic (AgentState.forward,
        // tryStep), so candidate 0 is exactly the move the simulator would make.
        func moved(from q: Vec3, turns k: Int) -> Vec3 {
            let h = k == 0 ? state.heading : wrapAngle(state.heading + Float(k) * settings.turnAngle)
            let forward = AgentState(position: q, heading: h).forward
            return grid.tryStep(from: q, to: q + forward * step)
        }
        func chosen(_ values: [Float]) -> Int? {
            let lowest = values.min() ?? .infinity
            guard lowest <= d - Self.minimumProgress else { return nil }
            return values.firstIndex { $0 <= lowest + Self.tieTolerance }
        }
        func decision(_ m: Int) -> Decision {
            let k = turns(ofCandidate: m)
            return Decision(action: k == 0 ? .moveForward : (k > 0 ? .turnLeft : .turnRight), turns: k, distance: d, stall: nil)
        }
        var ends = [Vec3](repeating: p, count: n)
        var values = [Float](repeating: .infinity, count: n)
        for m in 0..<n {
            ends[m] = moved(from: p, turns: turns(ofCandidate: m))
            values[m] = field.distance(from: ends[m]) ?? .infinity
        }
        if let m = chosen(values) { return decision(m) }
        // Fallback: two steps. A pair counts only if its second step gains minimumProgress over its first (and the
        // pair over d), so the one-step choice from the first step's end takes the second step or a better one.
        var pairValues = [Float](repeating: .infinity, count: n)
        for m1 in 0..<n where simd_distanceXZ(ends[m1], p) > 1e-4 && values[m1].isFinite {
            let k1 = turns(ofCandidate: m1)
            for m2 in 0..<n {
                let e2 = moved(from: ends[m1], turns: k1 + turns(ofCandidate: m2))
                if let v = field.distance(from: e2), v <= values[m1] - Self.minimumProgress { pairValues[m1] = min(pairValues[m1], v) }
            }
        }
        if let m = chosen(pairValues) { return decision(m) }
        return Decision(action: .stop, turns: 0, distance: d, stall:
            "no step or pair of steps in any of the \(n) headings brings the agent closer (a local minimum of the distance field)")
    }
}
