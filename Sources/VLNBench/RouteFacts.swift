import Foundation
import VLNCore

/// Left or right of the walker, seen along the direction of travel.
enum Side: Sendable, Equatable {
    case left, right
    var word: String { self == .left ? "left" : "right" }
}

/// A change of heading, classified as annotators name it.
enum TurnKind: Sendable, Equatable {
    /// 40°–70°.
    case slight(Side)
    /// 70°–150°.
    case full(Side)
    /// More than 150°.
    case around

    /// Classifies a signed heading change (radians, positive = left); nil below 40° (walking on).
    static func classify(_ angle: Float) -> TurnKind? {
        let a = abs(angle) * 180 / .pi, side: Side = angle > 0 ? .left : .right
        if a < 40 { return nil }
        if a < 70 { return .slight(side) }
        if a < 150 { return .full(side) }
        return .around
    }
}

/// What a walk along a path passes, in the order it happens: the facts an R2R annotator would describe.
///
/// Frame (DESIGN.md): Y up, heading 0 faces −Z, positive turns are to the left. A point lies on the walker's left
/// when `cross(d, v).y > 0` for the direction of travel `d` and the offset `v` to the point, i.e.
/// `d.z·v.x − d.x·v.z > 0` in XZ.
struct RouteFacts: Sendable {
    /// A landmark the path passes within `passDistance` of its footprint.
    struct Pass: Sendable {
        var landmark: Landmark
        /// Arc length of the closest approach, metres.
        var arc: Float
        /// Distance of the closest approach, metres (0: the path crosses it, e.g. a rug).
        var distance: Float
        /// Side at the closest approach; nil when the path crosses it.
        var side: Side?
    }

    /// Something that happens along the path.
    enum Step: Sendable {
        /// The heading changes; `landmark`: a named piece within 1 m of the corner ("turn left at the sofa").
        case turn(TurnKind, arc: Float, landmark: Landmark?)
        /// The path enters room `room` (index into `Scene.regions`) from room `from`.
        case enter(room: Int, from: Int?, arc: Float)
        /// The path passes a landmark.
        case pass(Pass)

        var arc: Float {
            switch self {
            case let .turn(_, arc, _): return arc
            case let .enter(_, _, arc): return arc
            case let .pass(p): return p.arc
            }
        }
    }

    /// Where the walker stops, relative to a landmark.
    enum StopRelation: Sendable, Equatable {
        /// The landmark is ahead of the final heading (within 50°).
        case ahead
        /// On this side.
        case beside(Side)
        /// Behind (more than 130° from the final heading): the walker has just passed it.
        case behind
    }

    /// Room of the start, index into `Scene.regions`.
    var startRoom: Int?
    /// Room of the goal.
    var goalRoom: Int?
    /// Turn needed at the start to face the first metre of the path, from the start heading.
    var initialTurn: TurnKind?
    /// Turns, room entries and passed landmarks, by arc length.
    var steps: [Step]
    /// The landmark to stop by (within `stopDistance` of the goal), nil if none.
    var stopLandmark: Landmark?
    /// Where that landmark is at the stop.
    var stopRelation: StopRelation?
    /// Whether the goal is within 1 m of the goal room's centre.
    var goalNearRoomCenter: Bool
    /// Length of the path stretch inside each hallway entered, by room index (for "walk down the hallway").
    var roomStretch: [Int: Float]
    /// Path length, metres.
    var length: Float

    /// A landmark counts as passed within this distance of its footprint, metres.
    static let passDistance: Float = 1.5
    /// A landmark names the stop within this distance of the goal, metres.
    static let stopDistance: Float = 1.5

    /// Analyses `path` (world points, start first) in `house`, for an agent starting with `startHeading` (radians).
    init(path: PathPolyline, startHeading: Float, house: SuiteHouse, excluded: Set<UInt32> = []) {
        length = path.length
        let goal = path.points[path.points.count - 1]
        let samples = stride(from: Float(0), through: path.length, by: 0.25).map { ($0, path.point(at: $0)) }
        startRoom = house.room(at: path.points[0])
        goalRoom = house.room(at: goal)

        // Initial orientation: the start heading against the direction to the point 1 m along the path.
        let ahead = path.point(at: min(1.0, path.length)), p0 = path.points[0]
        let d0 = Vec2(ahead.x - p0.x, ahead.z - p0.z)
        if length2(d0) > 1e-3 {
            initialTurn = TurnKind.classify(wrapAngle(heading(of: d0) - startHeading))
        }

        // Stop landmark: the most salient named piece near the goal.
        let g2 = Vec2(goal.x, goal.z)
        let usable = house.landmarks.filter { LandmarkVocabulary.isNameable($0) && !excluded.contains($0.instance) }
        // Only pieces in the goal's room (one behind a wall is near but not where the walker stands).
        let goalRoom = self.goalRoom
        let stopCandidates = usable.filter { $0.distance(to: g2) <= Self.stopDistance && $0.category != "rug" && $0.room == goalRoom }
        stopLandmark = stopCandidates.max { a, b in
            let sa = LandmarkVocabulary.salience(a.category) - 0.3 * a.distance(to: g2)
            let sb = LandmarkVocabulary.salience(b.category) - 0.3 * b.distance(to: g2)
            return sa != sb ? sa < sb : a.instance > b.instance
        }
        if let lm = stopLandmark, let dEnd = path.direction(at: path.length, window: 1.0) {
            let v = lm.closestPoint(to: g2) - g2
            let lv = length2(v)
            if lv < 0.05 {
                stopRelation = .beside(Self.side(of: lm.center - g2, along: dEnd))
            } else {
                let cosA = (v.x * dEnd.x + v.y * dEnd.y) / lv
                stopRelation = cosA > 0.643 ? .ahead : cosA < -0.643 ? .behind : .beside(Self.side(of: v, along: dEnd))
            }
        }
        if let r = goalRoom {
            goalNearRoomCenter = length2(house.scene.regions[r].center - g2) < 1.0
        } else {
            goalNearRoomCenter = false
        }

        let stopID = stopLandmark?.instance
        var steps: [Step] = []
        // Rooms: runs of samples in one region; runs shorter than 0.75 m are walked through unnamed.
        let sampleRooms = samples.map { house.room(at: $0.1) }
        var runs: [(room: Int, from: Float, to: Float)] = []
        for (k, (s, _)) in samples.enumerated() {
            guard let r = sampleRooms[k] else { continue }
            if let last = runs.last, last.room == r { runs[runs.count - 1].to = s } else { runs.append((r, s, s)) }
        }
        var kept: [(room: Int, from: Float, to: Float)] = []
        for (k, run) in runs.enumerated() {
            let isEnd = k == 0 || k == runs.count - 1
            if isEnd || run.to - run.from >= 0.75 {
                if let last = kept.last, last.room == run.room { kept[kept.count - 1].to = run.to } else { kept.append(run) }
            }
        }
        var stretch: [Int: Float] = [:]
        for run in kept { stretch[run.room, default: 0] += run.to - run.from }
        roomStretch = stretch
        for k in kept.indices.dropFirst() {
            steps.append(.enter(room: kept[k].room, from: kept[k - 1].room, arc: kept[k].from))
        }

        // Turns: corners of the path, corners within 1.2 m of the first of a group summed.
        var corners: [(arc: Float, angle: Float)] = []
        let pts = path.points
        if pts.count > 2 {
            for k in 1..<(pts.count - 1) {
                let a = Vec2(pts[k].x - pts[k - 1].x, pts[k].z - pts[k - 1].z), b = Vec2(pts[k + 1].x - pts[k].x, pts[k + 1].z - pts[k].z)
                guard length2(a) > 1e-4, length2(b) > 1e-4 else { continue }
                corners.append((path.cumulative[k], wrapAngle(heading(of: b) - heading(of: a))))
            }
        }
        var groups: [(arc: Float, angle: Float)] = []
        var groupStart: Float = -10
        for c in corners {
            if let last = groups.last, c.arc - groupStart <= 1.2 {
                groups[groups.count - 1] = (last.arc, last.angle + c.angle)
            } else {
                groups.append(c)
                groupStart = c.arc
            }
        }
        let entries = steps.map(\.arc)
        for g in groups where g.arc >= 1.0 && g.arc <= path.length - 0.75 {
            guard let kind = TurnKind.classify(g.angle) else { continue }
            // A slight bend on the way through a doorway is part of walking through it.
            if case .slight = kind, entries.contains(where: { g.arc >= $0 - 1.5 && g.arc <= $0 + 1.0 }) { continue }
            let p = path.point(at: g.arc), p2 = Vec2(p.x, p.z)
            let here = house.room(at: p)
            let near = usable.filter { $0.uniqueInRoom && $0.category != "rug" && $0.room == here && $0.distance(to: p2) <= 1.0
                && $0.instance != stopID && LandmarkVocabulary.salience($0.category) >= 0.5 }
            let lm = near.max { a, b in
                LandmarkVocabulary.salience(a.category) != LandmarkVocabulary.salience(b.category)
                    ? LandmarkVocabulary.salience(a.category) < LandmarkVocabulary.salience(b.category) : a.instance > b.instance
            }
            steps.append(.turn(kind, arc: g.arc, landmark: lm))
        }

        // Landmarks passed: closest approach of each footprint to the samples.
        for lm in usable where lm.uniqueInRoom && lm.instance != stopID {
            // Closest approach from where the walker is in the landmark's room (not through a wall).
            var best: (s: Float, d: Float, p: Vec2) = (0, .infinity, .zero)
            for (k, (s, p)) in samples.enumerated() where sampleRooms[k] == lm.room {
                let d = lm.distance(to: Vec2(p.x, p.z))
                if d < best.d - 1e-5 { best = (s, d, Vec2(p.x, p.z)) }
            }
            guard best.d <= Self.passDistance, best.s >= 0.75, best.s <= path.length - 1.0 else { continue }
            if lm.category == "rug" {
                guard best.d == 0 else { continue }
                steps.append(.pass(Pass(landmark: lm, arc: best.s, distance: 0, side: nil)))
                continue
            }
            guard best.d > 0, let d = path.direction(at: best.s) else { continue }
            steps.append(.pass(Pass(landmark: lm, arc: best.s, distance: best.d, side: Self.side(of: lm.closestPoint(to: best.p) - best.p, along: d))))
        }
        self.steps = steps.enumerated().sorted { a, b in a.element.arc != b.element.arc ? a.element.arc < b.element.arc : a.offset < b.offset }.map(\.element)
    }

    /// Which side of a walker heading along `d` (unit XZ) the offset `v` (XZ) lies on.
    static func side(of v: Vec2, along d: Vec2) -> Side { d.y * v.x - d.x * v.y > 0 ? .left : .right }
}
