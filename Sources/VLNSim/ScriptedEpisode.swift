import Foundation
import VLNCore

/// A navigation goal: a point and a success radius (VLN-CE: success iff the agent calls STOP at a geodesic
/// distance to the goal strictly less than 3.0 m, see `EpisodeResult.success`; a scripted episode may use any
/// radius).
public struct NavigationGoal: Equatable, Sendable {
    /// World frame, metres.
    public var position: Vec3
    /// Metres.
    public var radius: Float
    /// - Parameters:
    ///   - position: world frame, metres.
    ///   - radius: success distance, metres (success needs a distance strictly below it); VLN-CE's 3.0 by default.
    public init(position: Vec3, radius: Float = 3.0) { self.position = position; self.radius = radius }
}

/// A scripted episode: a start, an action sequence, optional goal, instruction and scene events.
///
/// File format (JSON, snake_case; only `actions` is required):
/// ```
/// { "scene": "house_0001.json",                 // relative to this file; the CLI's --scene overrides it
///   "start_position": [x, y, z],                // metres, world frame (Y up); default: a seeded random navigable point
///   "start_rotation": [x, y, z, w],             // quaternion about +Y (VLN-CE), or "start_heading_deg": 90
///   "goal": {"position": [x, y, z], "radius": 3.0},
///   "instruction": "Walk past the sofa and stop at the fridge.",
///   "actions": "3F L 2F S",                     // or ["MOVE_FORWARD", "TURN_LEFT", "STOP"]
///   "events": [ {"step": 4, "type": "remove", "instance": 12},
///               {"step": 6, "type": "move", "instance": 3, "translation": [0.5, 0, 0], "yaw_deg": 90},
///               {"step": 8, "type": "add", "category": "box", "position": [x, y, z], "size": [0.6, 0.8, 0.6]} ] }
/// ```
public struct ScriptedEpisode: Sendable {
    /// The scene file (absolute, or resolved against the episode file's folder); nil: given elsewhere.
    public var scene: String?
    /// Where the agent starts; nil: a seeded random navigable point.
    public var start: AgentState?
    /// The goal and its success radius; nil: no goal (no success or distance is reported).
    public var goal: NavigationGoal?
    /// The natural-language instruction, carried into trajectory.json and the map.
    public var instruction: String?
    /// The scripted actions; nothing may follow STOP.
    public var actions: [AgentAction]
    /// Scene edits at given steps.
    public var events: [SceneEvent]

    /// An episode from its parts; see the properties for what nil means.
    public init(scene: String? = nil, start: AgentState? = nil, goal: NavigationGoal? = nil, instruction: String? = nil,
                actions: [AgentAction], events: [SceneEvent] = []) {
        self.scene = scene; self.start = start; self.goal = goal; self.instruction = instruction
        self.actions = actions; self.events = events
    }

    /// Loads an episode file. A relative `scene` is resolved against the file's folder.
    /// - Throws: `VLNError.badFile` naming the file and the field (`events[1].type`, `start_rotation`, …).
    public static func load(path: String) throws -> ScriptedEpisode {
        let file = try loadJSON(EpisodeFile.self, path: path)
        func bad(_ field: String, _ reason: String) -> VLNError { .badFile(path: path, field: field, reason: reason) }
        var episode = ScriptedEpisode(actions: [])
        if let s = file.scene {
            episode.scene = s.hasPrefix("/") || s.hasPrefix("$") ? s
                : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(s).path
        }
        do {
            switch file.actions {
            case let .text(t): episode.actions = try AgentAction.parseSequence(t)
            case let .list(l): episode.actions = try AgentAction.parseSequence(l.joined(separator: ","))
            }
        } catch let e as VLNError { throw bad("actions", e.description) }
        if let p = file.startPosition {
            guard p.count == 3, p.allSatisfy(\.isFinite) else { throw bad("start_position", "expected three finite numbers [x, y, z]") }
            var heading: Float = 0
            if let r = file.startRotation {
                guard r.count == 4, r.allSatisfy(\.isFinite) else { throw bad("start_rotation", "expected a quaternion [x, y, z, w]") }
                let q = Quaternion(r)
                guard abs(q.norm - 1) < 1e-3 else { throw bad("start_rotation", "not a unit quaternion (norm \(q.norm))") }
                guard q.rotate(Vec3(0, 1, 0)).y > 0.999 else {
                    throw bad("start_rotation", "must be a rotation about +Y (the agent stays upright), as in VLN-CE")
                }
                heading = q.heading
            } else if let h = file.startHeadingDeg {
                heading = h.headingRadians
            }
            episode.start = AgentState(position: Vec3(p[0], p[1], p[2]), heading: heading)
        }
        if let g = file.goal {
            guard g.position.count == 3, g.position.allSatisfy(\.isFinite) else { throw bad("goal.position", "expected [x, y, z]") }
            let radius = g.radius ?? 3.0
            guard radius > 0 else { throw bad("goal.radius", "must be positive") }
            episode.goal = NavigationGoal(position: Vec3(g.position[0], g.position[1], g.position[2]), radius: radius)
        }
        episode.instruction = file.instruction
        episode.events = try parseEvents(file.events ?? [], path: path)
        return episode
    }

    /// Parses a JSON array of scene events in the episode-file format above (`[{"step": 4, "type": "remove",
    /// "instance": 12}, …]`), e.g. the `events` extension field of a VLN-CE episode.
    /// - Throws: `VLNError.badFile` naming `path` and the field (`\(field)[k].type`, …).
    public static func parseEvents(json: Data, path: String, field: String = "events") throws -> [SceneEvent] {
        let list: [EpisodeFile.Event]
        do { list = try JSONDecoder().decode([EpisodeFile.Event].self, from: json) } catch {
            throw VLNError.badFile(path: path, field: field, reason: "expected a list of events: \(error)")
        }
        return try parseEvents(list, path: path, field: field)
    }

    private static func parseEvents(_ events: [EpisodeFile.Event], path: String, field: String = "events") throws -> [SceneEvent] {
        func bad(_ field: String, _ reason: String) -> VLNError { .badFile(path: path, field: field, reason: reason) }
        var out: [SceneEvent] = []
        for (k, e) in events.enumerated() {
            let f = "\(field)[\(k)]"
            guard e.step >= 0 else { throw bad("\(f).step", "must be ≥ 0") }
            func vec(_ v: [Float]?, _ name: String) throws -> Vec3 {
                guard let v, v.count == 3, v.allSatisfy(\.isFinite) else { throw bad("\(f).\(name)", "expected [x, y, z]") }
                return Vec3(v[0], v[1], v[2])
            }
            func instance() throws -> UInt32 {
                guard let i = e.instance, i > 0 else { throw bad("\(f).instance", "expected an instance id ≥ 1") }
                return i
            }
            let edit: SceneEdit
            switch e.type {
            case "remove": edit = .remove(instance: try instance())
            case "move": edit = .move(instance: try instance(), translation: try vec(e.translation ?? [0, 0, 0], "translation"),
                                      yaw: (e.yawDeg ?? 0).headingRadians)
            case "add":
                guard let c = e.category, !c.isEmpty else { throw bad("\(f).category", "missing category") }
                edit = .add(category: c, position: try vec(e.position, "position"), size: try vec(e.size, "size"))
            default: throw bad("\(f).type", "unknown event type '\(e.type)' (expected remove, move or add)")
            }
            out.append(SceneEvent(step: e.step, edit: edit))
        }
        return out
    }
}

/// The episode file as stored.
private struct EpisodeFile: Decodable {
    enum Actions: Decodable {
        case text(String), list([String])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s) } else { self = .list(try c.decode([String].self)) }
        }
    }
    struct Goal: Decodable { var position: [Float]; var radius: Float? }
    struct Event: Decodable {
        var step: Int
        var type: String
        var instance: UInt32?
        var translation: [Float]?
        var yawDeg: Float?
        var category: String?
        var position: [Float]?
        var size: [Float]?
        enum CodingKeys: String, CodingKey { case step, type, instance, translation, yawDeg = "yaw_deg", category, position, size }
    }
    var scene: String?
    var startPosition: [Float]?
    var startRotation: [Float]?
    var startHeadingDeg: Float?
    var goal: Goal?
    var instruction: String?
    var actions: Actions
    var events: [Event]?
    enum CodingKeys: String, CodingKey {
        case scene, startPosition = "start_position", startRotation = "start_rotation", startHeadingDeg = "start_heading_deg"
        case goal, instruction, actions, events
    }
}
