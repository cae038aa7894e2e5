import Foundation
import VLNCore
import VLNEpisodes
import VLNSim

extension VLNCEEpisode {
    /// The episode as the simulator runs it: start state, goal, instruction and scene events (no actions: a
    /// policy chooses them).
    ///
    /// - Start: `start_position` (metres, world frame, Y up) and the heading of `start_rotation` `[x, y, z, w]`,
    ///   which must be a unit quaternion about +Y (VLN-CE's agents stay upright).
    /// - Goal: the first of `goals`, with its `radius` or VLN-CE's `SUCCESS_DISTANCE` 3.0 m when absent (R2R-CE
    ///   files give 3.0). Success needs STOP at a geodesic distance strictly below it.
    /// - Events: the `events` extension, parsed by `ScriptedEpisode.parseEvents`.
    /// - Parameter path: the episode file, for messages.
    /// - Throws: `VLNError.badFile` naming the file, the episode and the field (`start_rotation`, `goals`,
    ///   `events[k].type`, …).
    public func scriptedEpisode(path: String) throws -> ScriptedEpisode {
        let context = "episode \(episodeID)"
        func bad(_ field: String, _ reason: String) -> VLNError { .badFile(path: path, field: "\(context): \(field)", reason: reason) }
        let q = Quaternion(x: startRotation.x.float, y: startRotation.y.float, z: startRotation.z.float, w: startRotation.w.float)
        guard [startRotation.x, startRotation.y, startRotation.z, startRotation.w].allSatisfy(\.isFinite), abs(q.norm - 1) < 1e-3 else {
            throw bad("start_rotation", "not a unit quaternion [x, y, z, w]")
        }
        guard q.rotate(Vec3(0, 1, 0)).y > 0.999 else { throw bad("start_rotation", "must be a rotation about +Y (the agent stays upright)") }
        guard let g = goals.first else { throw bad("goals", "no goal") }
        let radius = g.radius ?? 3.0
        guard radius > 0, radius.isFinite else { throw bad("goals[0].radius", "must be positive") }
        var events: [SceneEvent] = []
        if let e = self.events {
            do { events = try ScriptedEpisode.parseEvents(json: try e.jsonData(), path: path, field: "\(context): events") }
            catch let error as VLNError { throw error }
            catch { throw bad("events", "\(error)") }
        }
        return ScriptedEpisode(start: AgentState(position: vec3(startPosition), rotation: q),
                               goal: NavigationGoal(position: vec3(g.position), radius: Float(radius)),
                               instruction: instructionText, actions: [], events: events)
    }
}

private func vec3(_ p: SIMD3<Double>) -> Vec3 { Vec3(Float(p.x), Float(p.y), Float(p.z)) }

private extension Double { var float: Float { Float(self) } }
