import Foundation
import VLNCore

/// One episode's entry in a VLN-CE ground-truth file (`{episode_id: {locations, actions, forward_steps}}`, e.g.
/// R2R_VLNCE_v1-3_preprocessed/*_gt.json.gz): the shortest-path follower's run. VLN-CE's `NDTW` measure uses
/// `locations` as the reference path.
public struct VLNCEGroundTruthPath: Equatable, Sendable {
    /// Agent positions, world frame (Y up), metres, 0.25 m apart along the path.
    public var locations: [SIMD3<Double>]
    /// Actions: 0 STOP, 1 MOVE_FORWARD (0.25 m), 2 TURN_LEFT (15°), 3 TURN_RIGHT (15°).
    public var actions: [Int]
    /// The number of MOVE_FORWARD actions.
    public var forwardSteps: Int
    /// Other keys, kept.
    public var extra: [String: JSONValue] = [:]
}

/// A VLN-CE ground-truth file, keyed by episode id (as text).
public struct VLNCEGroundTruth: Equatable, Sendable {
    /// Ground-truth paths by episode id, as text (`"1"`, not `1`: JSON object keys).
    public var paths: [String: VLNCEGroundTruthPath]

    /// A ground-truth file of these paths.
    public init(paths: [String: VLNCEGroundTruthPath]) { self.paths = paths }

    /// Reads a `.json` or `.json.gz` ground-truth file.
    /// - Throws: `VLNError.badFile` naming the file, the episode id and the field.
    public static func load(path: String) throws -> VLNCEGroundTruth {
        guard case let .object(top) = try readJSONValue(path: path) else {
            throw VLNError.badFile(path: path, reason: "expected a JSON object keyed by episode id")
        }
        var paths: [String: VLNCEGroundTruthPath] = [:]
        paths.reserveCapacity(top.count)
        for (id, value) in top {
            guard case let .object(o) = value else {
                throw VLNError.badFile(path: path, field: "episode \(id)", reason: "an entry must be an object, not \(value.typeName)")
            }
            let r = FieldReader(object: o, path: path, context: "episode \(id)", prefix: "")
            let locations = try r.array("locations").enumerated().map { k, p in
                let a = try r.vector(p, count: 3, field: "locations[\(k)]")
                return SIMD3(a[0], a[1], a[2])
            }
            let actions = try r.array("actions").map { a -> Int in
                guard case let .int(i) = a else { throw r.fail("actions", "'actions' must be an array of integers") }
                return i
            }
            guard case let .int(forward) = try r.value("forward_steps") else { throw r.fail("forward_steps", "'forward_steps' must be an integer") }
            paths[id] = VLNCEGroundTruthPath(locations: locations, actions: actions, forwardSteps: forward,
                                             extra: o.filter { !["locations", "actions", "forward_steps"].contains($0.key) })
        }
        return VLNCEGroundTruth(paths: paths)
    }

    /// The file's JSON value.
    public var json: JSONValue {
        .object(paths.mapValues { p in
            var o = p.extra
            o["locations"] = .array(p.locations.map(point))
            o["actions"] = .array(p.actions.map(JSONValue.int))
            o["forward_steps"] = .int(p.forwardSteps)
            return .object(o)
        })
    }

    /// Writes the file atomically, gzipped when `path` ends in `.gz`.
    public func write(to path: String) throws { try writeMaybeGzipped(json.jsonData(), to: path) }
}
