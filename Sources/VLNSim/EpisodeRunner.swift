import Foundation
import VLNCore
import VLNNavigation

/// One row of `trajectory.json`: the agent's state after `step` actions.
public struct TrajectoryStep: Codable, Equatable, Sendable {
    /// Number of actions taken so far (0 = the start state).
    public var step: Int
    /// The action that led to this state (nil for the start, step 0), as VLN-CE names it.
    public var action: String?
    /// Agent base position, world frame (Y up), metres.
    public var position: [Float]
    /// Agent rotation `[x, y, z, w]` about +Y.
    public var rotation: [Float]
    /// Heading in degrees in (−180°, 180°] (0 faces −Z, positive turns left; a half turn is 180), from
    /// `Float.headingDegrees`.
    public var headingDeg: Float
    /// Whether the MOVE_FORWARD that led here hit an obstacle (the agent slid or stayed).
    public var collided: Bool
    /// Geodesic distance to the goal, metres; nil without a goal or when no path exists.
    public var distanceToGoal: Float?
    /// Scene events applied before this step's action, in words.
    public var events: [String]?

    /// A row from its fields (units and conventions as documented on each; `headingDeg` in (−180°, 180°]).
    public init(step: Int, action: String?, position: [Float], rotation: [Float], headingDeg: Float, collided: Bool,
                distanceToGoal: Float?, events: [String]?) {
        self.step = step; self.action = action; self.position = position; self.rotation = rotation
        self.headingDeg = headingDeg; self.collided = collided; self.distanceToGoal = distanceToGoal; self.events = events
    }
}

/// The outcome of a scripted episode.
public struct EpisodeResult: Sendable {
    /// The agent's state after reset (step 0) and after every action.
    public var steps: [TrajectoryStep]
    /// Positions visited, one per step (including the start).
    public var path: [Vec3] { steps.map { Vec3($0.position[0], $0.position[1], $0.position[2]) } }
    /// The geodesic shortest path from the start to the goal in the initial scene, if there is a goal and a path.
    public var shortestPath: [Vec3]?
    /// The episode's goal, if any.
    public var goal: NavigationGoal?
    /// Whether STOP was called (VLN-CE counts success only then).
    public var stopped: Bool

    /// An outcome from its parts, e.g. to score a trajectory recorded elsewhere.
    public init(steps: [TrajectoryStep], shortestPath: [Vec3]?, goal: NavigationGoal?, stopped: Bool) {
        self.steps = steps; self.shortestPath = shortestPath; self.goal = goal; self.stopped = stopped
    }
    /// Sum of the euclidean lengths of the steps taken, metres.
    public var pathLength: Float {
        zip(path, path.dropFirst()).reduce(0) { $0 + distance($1.0, $1.1) }
    }
    /// Geodesic distance from the final position to the goal, metres.
    public var finalDistanceToGoal: Float? { steps.last?.distanceToGoal }
    /// Success as habitat-lab's `Success` measure defines it, which VLN-CE uses: STOP was called and the final
    /// geodesic distance to the goal is strictly less than the goal radius, `d < radius` — stopping exactly at the
    /// radius is not a success. False without a path to the goal; nil without a goal.
    /// Source: habitat-lab `habitat/tasks/nav/nav.py`, `Success.update_metric`
    /// (`is_stop_called and distance_to_target < success_distance`); VLN-CE's `SUCCESS_DISTANCE` is 3.0 m.
    public var success: Bool? {
        guard let goal, let d = finalDistanceToGoal else { return goal == nil ? nil : false }
        return stopped && d < goal.radius
    }
}

extension SceneEdit {
    /// A short description for logs and trajectory.json; a move's yaw in whole degrees in (−180°, 180°] (the
    /// same turn as the one given: 270° is written −90°).
    public var summary: String {
        switch self {
        case let .remove(id): return "remove instance \(id)"
        case let .move(id, t, yaw):
            var deg = yaw.headingDegrees.rounded()
            if deg <= -180 { deg += 360 }  // −179.6° rounds to −180°
            return String(format: "move instance %u by (%.2f, %.2f, %.2f) m, yaw %.0f°", id, t.x, t.y, t.z, deg + 0 /* −0 → 0 */)
        case let .add(category, p, s):
            return String(format: "add %@ %.2f×%.2f×%.2f m at (%.2f, %.2f, %.2f)", category, s.x, s.y, s.z, p.x, p.y, p.z)
        }
    }
}

/// Chooses the agent's next action from the simulator's current state (a planner, an oracle, a script).
public typealias Policy = (Simulator) -> AgentAction

extension Simulator {
    /// Runs `episode` from `start`: applies each scene event before the action of its step, takes the
    /// episode's actions — or, with a `policy`, asks it for each action until STOP or `maxSteps` — and, when an
    /// `observer` is given, renders and passes it the observation after reset and after every action (without
    /// an observer nothing is rendered).
    ///
    /// - Throws: `VLNError.invalidValue` naming the field (`start_position`, `goal`, `actions`,
    ///   `events[k].step`, `events[k].instance`, …) for a start that is not navigable, a goal off the navigable
    ///   area, no actions, actions after STOP, an event past the last action or on a missing instance; whatever
    ///   `observer` throws.
    public func run(_ episode: ScriptedEpisode, from start: AgentState, policy: Policy? = nil, maxSteps: Int = 500,
                    observer: ((Observation) throws -> Void)? = nil) throws -> EpisodeResult {
        if policy == nil {
            guard !episode.actions.isEmpty else { throw VLNError.invalidValue(field: "actions", reason: "no actions") }
            if let s = episode.actions.firstIndex(of: .stop), s < episode.actions.count - 1 {
                throw VLNError.invalidValue(field: "actions", reason: "STOP is action \(s + 1) of \(episode.actions.count): "
                                            + "the \(episode.actions.count - s - 1) after it would never run")
            }
        }
        let budget = policy == nil ? episode.actions.count : maxSteps
        for (k, e) in episode.events.enumerated() where e.step > budget {
            throw VLNError.invalidValue(field: "events[\(k)].step",
                                        reason: "step \(e.step) is after the episode's last action (\(budget) actions)")
        }
        try reset(to: start)
        let goal = episode.goal
        if let g = goal?.position, navigation.snapPoint(g) == nil {
            throw VLNError.invalidValue(field: "goal", reason: String(format: "(%.2f, %.2f, %.2f) is not within %.1f m of the navigable area of %@",
                                                                       g.x, g.y, g.z, settings.navigation.maxSnapDistance, scene.name))
        }
        let shortest = goal.flatMap { navigation.shortestPath(from: agent.position, to: $0.position) }
        func record(_ action: AgentAction?, collided: Bool) -> TrajectoryStep {
            TrajectoryStep(step: stepCount, action: action?.rawValue, position: [agent.position.x, agent.position.y, agent.position.z],
                           rotation: agent.rotation.xyzw, headingDeg: agent.heading.headingDegrees, collided: collided,
                           distanceToGoal: goal.flatMap { distanceField(to: [$0.position]).distance(from: agent.position) },
                           events: nil)
        }
        var steps: [TrajectoryStep] = []
        for i in 0...budget {
            // Events of step i happen before action i; they are listed on the state they changed.
            var done: [String] = []
            for (k, e) in episode.events.enumerated() where e.step == i {
                do { try apply(e.edit) } catch let VLNError.invalidValue(field, reason) {
                    throw VLNError.invalidValue(field: "events[\(k)].\(field)", reason: reason)
                }
                done.append(e.edit.summary)
            }
            if i == 0 {
                steps.append(record(nil, collided: false))
                if let observer { try observer(observe()) }
            }
            if !done.isEmpty { steps[steps.count - 1].events = done }
            if i == budget || stopped { break }
            let action = policy?(self) ?? episode.actions[i]
            let collided = step(action)
            steps.append(record(action, collided: collided))
            if let observer { try observer(observe()) }
        }
        return EpisodeResult(steps: steps, shortestPath: shortest, goal: goal, stopped: stopped)
    }
}
