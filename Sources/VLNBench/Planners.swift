import Foundation
import VLNCore
import VLNEpisodes
import VLNSim

/// What the runner tells a planner about an episode.
public struct PlannerEpisode: Sendable {
    /// The episode id as text.
    public var episodeID: String
    /// `scene_id`.
    public var sceneID: String
    /// `instruction.instruction_text`.
    public var instruction: String
    /// Where the agent starts (world frame, metres; heading in radians, 0 faces −Z).
    public var start: AgentState
    /// The goal positions (world frame, metres). **For oracles only**: a planner that follows the instruction must
    /// not read them (nor the simulator's scene or navigation grid; it sees `Simulator.observe()` and its own pose).
    public var goals: [Vec3]
    /// The lifelong chain and the episode's place in it, nil for a single episode.
    public var chain: ChainRef?
    /// The action budget: the runner stops the episode after this many actions.
    public var maxSteps: Int

    /// An episode description from its parts (see the properties).
    public init(episodeID: String, sceneID: String, instruction: String, start: AgentState, goals: [Vec3], chain: ChainRef?, maxSteps: Int) {
        self.episodeID = episodeID; self.sceneID = sceneID; self.instruction = instruction; self.start = start
        self.goals = goals; self.chain = chain; self.maxSteps = maxSteps
    }
}

/// A planner's state kept across the episodes of a lifelong chain (a token memory, a map, notes). The runner makes
/// one per chain (`Planner.makeChainState()`) and one per single episode, and hands it to every `policy` call of
/// that chain, in chain order, on one thread.
public protocol PlannerChainState: AnyObject {}

/// Per-episode context given to `Planner.policy(for:context:)`: the episode's seed, the chain state, and a place to
/// record notes that end up in the episode's result line.
public final class PlannerContext {
    /// The episode's seed: a stable hash of (run seed, episode id) — the same in every process, worker and shard.
    /// A planner that draws random numbers seeds its generator with it (`SeededRandom(seed:)`).
    public let seed: UInt64
    /// The chain's state (a fresh one for a single episode), nil if the planner keeps none.
    public let chainState: PlannerChainState?
    /// What the agent has perceived, in the full perception loop (`vlnsim bench --perception`): the latest
    /// observation (rendered just before each policy call, after the step's scene events), its ground-truth feature map,
    /// and the chain's Dynam3D token memory (queries in VLNMemory's `MemoryQueries`). Nil in the blind loop, where a
    /// policy that needs a view calls `Simulator.observe()` itself.
    public let perception: PerceptionState?
    /// Stall messages recorded so far (the result line's `stalls`).
    public private(set) var stalls: [String] = []

    /// A context with `seed`, `chainState` and, in the full perception loop, `perception`.
    public init(seed: UInt64, chainState: PlannerChainState?, perception: PerceptionState? = nil) {
        self.seed = seed; self.chainState = chainState; self.perception = perception
    }

    /// Records that the planner got stuck (e.g. "no progress for 24 actions at step 131"): written to the episode's
    /// `stalls` list.
    public func recordStall(_ message: String) { stalls.append(message) }
}

/// A planner the benchmark runner can run: given an episode and its context, it returns the `Policy` that chooses
/// each action from the simulator. Conformers are shared by all worker threads (hence `Sendable`: keep
/// configuration only; per-episode state lives in the returned closure, per-chain state in `PlannerChainState`).
///
/// Future planners (D-PoT, deep-research tool loops, LLM-backed reasoners) conform to this protocol: in the full
/// perception loop the policy closure reads what the agent sees and remembers from `context.perception` (observation,
/// features, token memory; updated before every call); in the blind loop it calls `Simulator.observe()` (rendering
/// happens only then). It must be deterministic given the episode, the seed and the chain state, or results will differ
/// between workers, shards and resumed runs.
public protocol Planner: Sendable {
    /// Name in results, summaries and `--planner` (lowercase, no spaces or commas).
    var name: String { get }
    /// One line for `--help` and the manifest.
    var summary: String { get }
    /// Settings that change results, recorded in the manifest (a resume or merge with other settings is refused).
    var settings: JSONValue { get }
    /// A fresh per-chain state, or nil if the planner keeps none (the default).
    func makeChainState() -> PlannerChainState?
    /// The policy for one episode.
    /// - Throws: `VLNError` if the planner cannot run this episode (recorded as the episode's error).
    func policy(for episode: PlannerEpisode, context: PlannerContext) throws -> Policy
}

extension Planner {
    /// No per-chain state.
    public func makeChainState() -> PlannerChainState? { nil }
    /// No settings.
    public var settings: JSONValue { .object([:]) }
}

/// The episode seed: a stable hash of (run seed, episode id), independent of the process (Swift's `Hasher` is
/// seeded per process and would not do), the worker count and the shard.
public func episodeSeed(runSeed: UInt64, episodeID: String) -> UInt64 {
    stableHash64("vlnsim-bench/\(runSeed)/\(episodeID)")
}

// MARK: Baselines

/// The shortest-path oracle: `ShortestPathFollower` towards the goal (the nearest one, by geodesic distance from the
/// start, when an episode has several), stopping within `stopDistance` metres (geodesic).
public struct OraclePlanner: Planner {
    public let name = "oracle"
    public let summary = "shortest-path follower to the goal (sees the goal: an upper bound)"
    /// Metres; the follower calls STOP within this geodesic distance of the goal (its default, one forward step).
    public var stopDistance: Float = 0.25
    public var settings: JSONValue { .object(["stop_distance": .double(Double(stopDistance))]) }
    /// An oracle that stops within `stopDistance` metres of the goal.
    public init(stopDistance: Float = 0.25) { self.stopDistance = stopDistance }

    public func policy(for episode: PlannerEpisode, context: PlannerContext) throws -> Policy {
        guard !episode.goals.isEmpty else { throw VLNError.invalidValue(field: "goals", reason: "the oracle needs a goal") }
        let goals = episode.goals, stop = stopDistance
        var follow: Policy? = goals.count == 1 ? Self.follower(goal: goals[0], stopDistance: stop, context: context) : nil
        return { sim in
            if follow == nil {
                // Several goals: follow the one nearest (geodesic) to where the agent starts.
                var best = goals[0], bestD = Float.infinity
                for g in goals {
                    if let d = sim.distanceField(to: [g]).distance(from: sim.agent.position), d < bestD { best = g; bestD = d }
                }
                follow = Self.follower(goal: best, stopDistance: stop, context: context)
            }
            return follow!(sim)
        }
    }

    static func follower(goal: Vec3, stopDistance: Float, context: PlannerContext) -> Policy {
        let follower = ShortestPathFollower(goal: goal, stopDistance: stopDistance)
        // Each stall lands in the episode's `stalls` list (episodes.jsonl).
        return follower.policy(onStall: { context.recordStall($0) })
    }
}

/// Forward-only: MOVE_FORWARD `forwardSteps` times from the start heading, then STOP.
///
/// 37 steps is VLN-CE's hand-crafted baseline (vlnce_baselines/nonlearning_agents.py, `HandcraftedAgent`:
/// "9.27m avg oracle path length in Train. Fwd step size: 0.25m. 9.25m/0.25m = 37"; Krantz et al. 2020, "Beyond the
/// Nav-Graph", arXiv:2004.02857). That agent first turns right a random 0…24 times; this one keeps the start
/// heading (the `handcrafted` planner turns). Collided steps count as steps, so its path is at most 37 × 0.25 m.
public struct ForwardOnlyPlanner: Planner {
    public let name = "forward"
    public var summary: String { "MOVE_FORWARD × \(forwardSteps) from the start heading, then STOP (VLN-CE's hand-crafted count, no turn)" }
    /// MOVE_FORWARD actions before STOP (VLN-CE: 37).
    public var forwardSteps: Int = 37
    public var settings: JSONValue { .object(["forward_steps": .int(forwardSteps)]) }
    /// A forward-only agent taking `forwardSteps` steps.
    public init(forwardSteps: Int = 37) { self.forwardSteps = forwardSteps }

    public func policy(for episode: PlannerEpisode, context: PlannerContext) throws -> Policy {
        var left = forwardSteps
        return { _ in
            guard left > 0 else { return .stop }
            left -= 1
            return .moveForward
        }
    }
}

/// VLN-CE's hand-crafted agent (vlnce_baselines/nonlearning_agents.py, `HandcraftedAgent`): TURN_RIGHT a uniformly
/// random 0…24 times (`np.random.randint(0, 360 / 15 + 1)`), then MOVE_FORWARD 37 times, then STOP. The turn count
/// is drawn from the episode seed.
public struct HandcraftedPlanner: Planner {
    public let name = "handcrafted"
    public let summary = "TURN_RIGHT random 0…24 times, MOVE_FORWARD × 37, STOP (VLN-CE's HandcraftedAgent)"
    /// MOVE_FORWARD actions after the turns (VLN-CE: 37).
    public var forwardSteps: Int = 37
    public var settings: JSONValue { .object(["forward_steps": .int(forwardSteps), "max_turns": .int(24)]) }
    /// VLN-CE's hand-crafted agent.
    public init(forwardSteps: Int = 37) { self.forwardSteps = forwardSteps }

    public func policy(for episode: PlannerEpisode, context: PlannerContext) throws -> Policy {
        var rng = SeededRandom(seed: context.seed)
        var turns = Int(rng.next() % 25), left = forwardSteps
        return { _ in
            if turns > 0 { turns -= 1; return .turnRight }
            if left > 0 { left -= 1; return .moveForward }
            return .stop
        }
    }
}

/// VLN-CE's random agent (vlnce_baselines/nonlearning_agents.py, `RandomAgent`): each action drawn independently
/// with the oracle action frequencies of R2R-CE's training set, P(STOP, MOVE_FORWARD, TURN_LEFT, TURN_RIGHT) =
/// (0.02, 0.68, 0.15, 0.15), until it draws STOP or the budget (`--max-steps`) runs out. Draws come from
/// `SeededRandom(seed: episode seed)`: an integer r = next() mod 100 picks STOP for r < 2, MOVE_FORWARD for r < 70,
/// TURN_LEFT for r < 85, else TURN_RIGHT.
public struct RandomPlanner: Planner {
    public let name = "random"
    public let summary = "each action random with P(STOP, FORWARD, LEFT, RIGHT) = (0.02, 0.68, 0.15, 0.15) (VLN-CE's RandomAgent), seeded per episode"
    /// Percent of STOP, MOVE_FORWARD, TURN_LEFT, TURN_RIGHT (sums to 100).
    public let percent: [Int] = [2, 68, 15, 15]
    public var settings: JSONValue { .object(["percent_stop_forward_left_right": .array(percent.map(JSONValue.int))]) }
    /// VLN-CE's random agent.
    public init() {}

    public func policy(for episode: PlannerEpisode, context: PlannerContext) throws -> Policy {
        var rng = SeededRandom(seed: context.seed)
        let bounds = [percent[0], percent[0] + percent[1], percent[0] + percent[1] + percent[2]]
        return { _ in
            let r = Int(rng.next() % 100)
            if r < bounds[0] { return .stop }
            if r < bounds[1] { return .moveForward }
            if r < bounds[2] { return .turnLeft }
            return .turnRight
        }
    }
}

/// The baselines by name, for `--planner`.
public enum BaselinePlanners {
    /// oracle, forward, random, handcrafted.
    public static let all: [any Planner] = [OraclePlanner(), ForwardOnlyPlanner(), RandomPlanner(), HandcraftedPlanner()]

    /// The planners named in a comma-separated list, in the order given.
    /// - Throws: `VLNError.invalidValue(field: "--planner", …)` for an unknown or repeated name, or an empty list.
    public static func parse(_ list: String) throws -> [any Planner] {
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty, !names.contains("") else {
            throw VLNError.invalidValue(field: "--planner", reason: "'\(list)': give planner names separated by commas, e.g. oracle,forward")
        }
        var out: [any Planner] = []
        for n in names {
            guard let p = all.first(where: { $0.name == n.lowercased() }) else {
                throw VLNError.invalidValue(field: "--planner", reason: "unknown planner '\(n)' (known: \(all.map(\.name).joined(separator: ", ")))")
            }
            guard !out.contains(where: { $0.name == p.name }) else { throw VLNError.invalidValue(field: "--planner", reason: "'\(n)' is given twice") }
            out.append(p)
        }
        return out
    }
}
