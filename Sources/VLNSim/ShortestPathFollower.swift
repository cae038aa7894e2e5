import Foundation
import VLNCore
import VLNNavigation

/// A greedy oracle in the spirit of Habitat's `ShortestPathFollower`: it turns towards the next waypoint of
/// the geodesic shortest path to the goal and moves forward, and calls STOP once the goal is within
/// `stopDistance` (geodesic). It recomputes the path every step, so it follows a changing scene.
public struct ShortestPathFollower: Sendable {
    /// Goal position, world frame, metres.
    public var goal: Vec3
    /// Metres; VLN-CE's oracle stops within 0.25 m… 3 m depending on the task; default one forward step.
    public var stopDistance: Float

    /// A follower towards `goal` that stops within `stopDistance` metres (geodesic).
    public init(goal: Vec3, stopDistance: Float = 0.25) { self.goal = goal; self.stopDistance = stopDistance }

    /// The next action for an agent in `state`, or STOP when the goal is reached or unreachable.
    public func nextAction(state: AgentState, navigation: NavigationGrid, settings: AgentSettings) -> AgentAction {
        guard let path = navigation.shortestPath(from: state.position, to: goal), path.count >= 2 else { return .stop }
        let remaining = zip(path, path.dropFirst()).reduce(Float(0)) { $0 + distance($1.0, $1.1) }
        if remaining <= stopDistance { return .stop }
        // First waypoint at least a few centimetres away (the path starts at the agent's own cell).
        let target = path.dropFirst().first { simd_distanceXZ($0, state.position) > 0.05 } ?? path.last!
        let d = target - state.position
        let desired = atan2f(-d.x, -d.z)
        let delta = wrapAngle(desired - state.heading)
        if abs(delta) > settings.turnAngle / 2 { return delta > 0 ? .turnLeft : .turnRight }
        return .moveForward
    }

    /// The follower as a `Policy` for `Simulator.run`. It gives up (STOP) after 24 actions in a row without
    /// moving (a full turn on the spot: the goal is unreachable from here).
    public func policy() -> Policy {
        var still = 0
        var last: Vec3? = nil
        return { sim in
            if let l = last, simd_distanceXZ(l, sim.agent.position) < 1e-4 { still += 1 } else { still = 0 }
            last = sim.agent.position
            if still >= 24 { return .stop }
            return nextAction(state: sim.agent, navigation: sim.navigation, settings: sim.settings)
        }
    }
}
