import Foundation
import VLNCore
import VLNNavigation

/// The VLN-CE action space (Krantz et al. 2020, "Beyond the Nav-Graph"): STOP, MOVE_FORWARD 0.25 m,
/// TURN_LEFT 15°, TURN_RIGHT 15°. Raw values are VLN-CE's action names.
public enum AgentAction: String, Codable, CaseIterable, Sendable {
    /// End the episode; the agent does not move.
    case stop = "STOP"
    /// Step `AgentSettings.forwardStep` (0.25 m) along the heading, sliding along or stopping at obstacles.
    case moveForward = "MOVE_FORWARD"
    /// Turn in place by `AgentSettings.turnAngle` (15°) to the left (heading increases).
    case turnLeft = "TURN_LEFT"
    /// Turn in place by `AgentSettings.turnAngle` (15°) to the right (heading decreases).
    case turnRight = "TURN_RIGHT"

    /// VLN-CE's integer action ids (STOP 0, MOVE_FORWARD 1, TURN_LEFT 2, TURN_RIGHT 3).
    public var index: Int { AgentAction.allCases.firstIndex(of: self)! }

    /// One-letter code used in action strings: S, F, L, R.
    public var letter: Character {
        switch self { case .stop: "S"; case .moveForward: "F"; case .turnLeft: "L"; case .turnRight: "R" }
    }

    /// Parses an action sequence. Accepted: letters `F L R S` with optional repeat counts (`"3F L 2R S"`,
    /// `"FFLFS"`), or names/ids separated by commas or spaces (`"MOVE_FORWARD,TURN_LEFT,STOP"`, `"1 1 2 0"`).
    /// - Throws: `VLNError.invalidValue(field: "actions", …)` naming the offending token and its position.
    public static func parseSequence(_ text: String) throws -> [AgentAction] {
        let tokens = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        var out: [AgentAction] = []
        for (k, token) in tokens.enumerated() {
            if let a = AgentAction(rawValue: token.uppercased()) { out.append(a); continue }
            if let i = Int(token), (0..<4).contains(i) { out.append(AgentAction.allCases[i]); continue }
            // Letter runs with optional repeat counts: "3F", "FFL", "2RF".
            var count = ""
            for ch in token {
                if ch.isASCII && ch.isNumber { count.append(ch); continue }
                guard let a = AgentAction.allCases.first(where: { $0.letter == Character(ch.uppercased()) }) else {
                    throw VLNError.invalidValue(field: "actions", reason: "token \(k + 1) '\(token)': '\(ch)' is not an action (use F, L, R, S or MOVE_FORWARD, TURN_LEFT, TURN_RIGHT, STOP)")
                }
                guard let n = count.isEmpty ? 1 : Int(count), n <= 100_000 else {
                    throw VLNError.invalidValue(field: "actions", reason: "token \(k + 1) '\(token)': repeat count \(count) is over 100000")
                }
                out += Array(repeating: a, count: n)
                count = ""
            }
            if !count.isEmpty { throw VLNError.invalidValue(field: "actions", reason: "token \(k + 1) '\(token)': a count must precede an action letter") }
        }
        return out
    }
}

/// The agent's state: where it stands and which way it faces.
public struct AgentState: Equatable, Sendable {
    /// Position of the agent's base on the floor, world frame (Y up), metres.
    public var position: Vec3
    /// Rotation about +Y, radians; 0 faces −Z, positive turns left (Habitat).
    public var heading: Float

    /// From a position (world frame, metres) and a heading (radians, as stored; not wrapped).
    public init(position: Vec3, heading: Float) { self.position = position; self.heading = heading }
    /// From a position and a rotation (e.g. VLN-CE's `start_rotation`), keeping only its heading about +Y.
    public init(position: Vec3, rotation: Quaternion) { self.init(position: position, heading: rotation.heading) }

    /// The rotation as a quaternion `[x, y, z, w]` about +Y.
    public var rotation: Quaternion { Quaternion(heading: heading) }
    /// Unit forward direction in the world frame.
    public var forward: Vec3 { Vec3(-sinf(heading), 0, -cosf(heading)) }
}

/// Agent and sensor settings, VLN-CE's defaults.
public struct AgentSettings: Equatable, Sendable {
    /// MOVE_FORWARD distance, metres.
    public var forwardStep: Float = 0.25
    /// TURN_LEFT / TURN_RIGHT angle, radians.
    public var turnAngle: Float = Float(15).radians
    /// Camera height above the agent's base, metres.
    public var cameraHeight: Float = 1.25
    /// The RGB-D sensor (VLN-CE: 256×256, hfov 90°).
    public var intrinsics: CameraIntrinsics = .vlnce
    /// Agent radius and height, grid resolution.
    public var navigation = NavigationSettings()

    /// VLN-CE's defaults (the values above).
    public init() {}

    /// - Throws: `VLNError.invalidValue` naming the field.
    public func validate() throws {
        guard forwardStep > 0, forwardStep.isFinite else { throw VLNError.invalidValue(field: "forwardStep", reason: "must be positive") }
        guard turnAngle > 0, turnAngle < .pi else { throw VLNError.invalidValue(field: "turnAngle", reason: "must be in (0°, 180°)") }
        guard cameraHeight >= 0, cameraHeight.isFinite else { throw VLNError.invalidValue(field: "cameraHeight", reason: "must be ≥ 0") }
        try intrinsics.validate()
        try navigation.validate()
    }
}

