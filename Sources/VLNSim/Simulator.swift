import Foundation
import VLNCore
import VLNNavigation
import VLNRender
import VLNScene

/// What the agent perceives after a step: RGB, depth and instance ids from its camera, with the pose and
/// intrinsics that produced them.
public struct Observation: Sendable {
    /// Step index: 0 after reset, then one per action.
    public var step: Int
    /// Shaded colour, `height × width`.
    public var rgb: RGBImage
    /// Metric z-depth along the optical axis, metres; 0 = no surface.
    public var depth: DepthImage
    /// Scene instance id per pixel, 0 = none.
    public var instanceIds: InstanceImage
    /// The agent state the observation was taken from.
    public var agent: AgentState
    /// The camera: intrinsics and worldFromCamera (OpenGL camera frame).
    public var camera: Camera
}

/// A change to the scene during an episode (a dynamic scene). Applied before the action of step `step`.
public enum SceneEdit: Equatable, Sendable {
    /// Instance `id` disappears.
    case remove(instance: UInt32)
    /// Instance `id` is translated by `translation` (metres, world frame) and turned by `yaw` radians about +Y
    /// around the centre of its bounding box.
    case move(instance: UInt32, translation: Vec3, yaw: Float)
    /// A box-shaped object of `category` appears, standing on the floor at `position` (the centre of its base),
    /// with `size` (x, y, z extents, metres).
    case add(category: String, position: Vec3, size: Vec3)
}

/// A scene edit scheduled at a step of an episode.
public struct SceneEvent: Equatable, Sendable {
    /// Applied before the action with this index (0-based), i.e. after `step` actions have been taken.
    public var step: Int
    /// What changes.
    public var edit: SceneEdit
    /// `edit`, applied before action number `step` (0-based).
    public init(step: Int, edit: SceneEdit) { self.step = step; self.edit = edit }
}

/// The simulator: a scene, its renderer and navigation grid, and one agent with the VLN-CE action space.
///
/// Deterministic: the same scene, start state and actions give the same trajectory and observations.
public final class Simulator {
    /// The scene as it is now (scene events change it).
    public private(set) var scene: Scene
    /// Agent, sensor and grid settings (VLN-CE defaults).
    public let settings: AgentSettings
    /// The navigation grid of the current scene (rebuilt after each scene event).
    public private(set) var navigation: NavigationGrid
    /// Where the agent stands and faces; its heading is kept in (−π, π] (`wrapAngle`).
    public private(set) var agent: AgentState
    /// Number of actions taken since the last reset.
    public private(set) var stepCount = 0
    /// Whether STOP has been called.
    public private(set) var stopped = false
    /// Incremented whenever a scene edit rebuilds the navigation grid (so caches keyed on it go stale).
    public private(set) var navigationVersion = 0
    private var fieldCache: [(goals: [Vec3], version: Int, field: GeodesicDistanceField)] = []
    private let renderer: Renderer

    /// Builds the renderer and the navigation grid. The agent starts at the first navigable point found
    /// (call `reset(to:)` to place it).
    /// - Throws: `VLNError` if the settings are invalid or the scene has no navigable floor.
    public init(scene: Scene, settings: AgentSettings = AgentSettings()) throws {
        try settings.validate()
        self.scene = scene
        self.settings = settings
        navigation = try NavigationGrid(scene: scene, settings: settings.navigation)
        renderer = Renderer(scene: scene)
        var rng = SeededRandom(seed: 0)
        guard let p = navigation.randomNavigablePoint(using: &rng, island: navigation.largestIsland) else {
            throw VLNError.invalidValue(field: "scene", reason: "scene \(scene.name) has no navigable area for an agent of radius \(settings.navigation.agentRadius) m")
        }
        agent = AgentState(position: p, heading: 0)
    }

    /// Places the agent. The position is moved onto the floor (its y becomes the floor height); the heading
    /// (any finite number of radians) is wrapped to (−π, π].
    /// - Throws: `VLNError.invalidValue(field: "start_position", …)` if the position is not navigable
    ///   (outside the floor, inside an obstacle, or closer than the agent radius to one), with the nearest
    ///   navigable point in the message.
    public func reset(to state: AgentState) throws {
        guard state.position.x.isFinite, state.position.y.isFinite, state.position.z.isFinite, state.heading.isFinite else {
            throw VLNError.invalidValue(field: "start_position", reason: "not finite: \(state.position), heading \(state.heading)")
        }
        guard navigation.isNavigable(state.position), let floor = navigation.snapPoint(state.position) else {
            let hint = navigation.snapPoint(state.position).map { String(format: "; nearest navigable point (%.2f, %.2f, %.2f)", $0.x, $0.y, $0.z) } ?? ""
            throw VLNError.invalidValue(field: "start_position",
                reason: String(format: "(%.2f, %.2f, %.2f) is not navigable in scene %@", state.position.x, state.position.y, state.position.z, scene.name) + hint)
        }
        agent = AgentState(position: Vec3(state.position.x, floor.y, state.position.z), heading: wrapAngle(state.heading))
        stepCount = 0
        stopped = false
    }

    /// Threads `observe()` renders a frame on (the renderer's `threadCount`; default: the machine's cores, each frame
    /// cut into row bands). 1 renders on the calling thread: for a runner that already spreads episodes over worker
    /// threads, and for one-core timings. Frames are bit-identical whatever the count. Not to be set while `observe()`
    /// runs.
    public var renderThreads: Int {
        get { renderer.threadCount }
        set { renderer.threadCount = max(1, newValue) }
    }

    /// The camera of the current agent state: at `cameraHeight` above the base, looking along the heading.
    public var camera: Camera { settings.camera(of: agent) }

    /// Renders the current view.
    public func observe() -> Observation {
        let cam = camera
        let frame = renderer.render(camera: cam)
        return Observation(step: stepCount, rgb: frame.rgb, depth: frame.depth, instanceIds: frame.instanceIds,
                           agent: agent, camera: cam)
    }

    /// Takes one action. MOVE_FORWARD moves `forwardStep` along the heading with collision and sliding
    /// (`NavigationGrid.tryStep`); turns change the heading; STOP ends the episode (later actions are ignored).
    /// - Returns: whether a MOVE_FORWARD was cut short by a collision.
    @discardableResult
    public func step(_ action: AgentAction) -> Bool {
        guard !stopped else { return false }
        stepCount += 1
        switch action {
        case .stop:
            stopped = true
            return false
        case .turnLeft:
            agent.heading = wrapAngle(agent.heading + settings.turnAngle)
        case .turnRight:
            agent.heading = wrapAngle(agent.heading - settings.turnAngle)
        case .moveForward:
            let target = agent.position + agent.forward * settings.forwardStep
            let end = navigation.tryStep(from: agent.position, to: target)
            let collided = simd_distanceXZ(end, target) > 1e-3
            agent.position = end
            return collided
        }
        return false
    }

    /// Applies a scene edit and rebuilds what depends on the geometry (renderer and navigation grid).
    /// - Throws: `VLNError.invalidValue` for an unknown instance, or if the edit leaves no navigable floor.
    public func apply(_ edit: SceneEdit) throws {
        try scene.apply(edit)
        renderer.update(scene: scene)
        navigation = try NavigationGrid(scene: scene, settings: settings.navigation)
        navigationVersion += 1
        fieldCache.removeAll()
    }

    /// The geodesic distance field to `goals` on the current navigation grid, computed once per goal set and
    /// navigation version (the last four are kept), so an oracle or a per-step distance-to-goal measure costs a
    /// lookup instead of a path search. See `GeodesicDistanceField` for its accuracy.
    public func distanceField(to goals: [Vec3]) -> GeodesicDistanceField {
        if let hit = fieldCache.first(where: { $0.goals == goals && $0.version == navigationVersion }) { return hit.field }
        let field = navigation.distanceField(to: goals)
        if fieldCache.count >= 4 { fieldCache.removeFirst() }
        fieldCache.append((goals, navigationVersion, field))
        return field
    }
}

extension Scene {
    /// Applies a scene edit to the geometry and instances (what `Simulator.apply(_:)` does before rebuilding its
    /// renderer and navigation grid): a move turns the instance about the centre of its bounding box, an addition
    /// is a box standing on the floor.
    /// - Throws: `VLNError.invalidValue` for an unknown instance or a size that is not positive and finite.
    public mutating func apply(_ edit: SceneEdit) throws {
        switch edit {
        case let .remove(id):
            try removeInstance(id)
        case let .move(id, translation, yaw):
            guard let b = bounds(ofInstance: id) else {
                throw VLNError.invalidValue(field: "instance", reason: "no instance \(id) with geometry in scene \(name)")
            }
            let c = b.center
            // p ↦ R (p − c) + c + t
            let r = Mat3(Quaternion(heading: yaw))
            let t = RigidTransform(rotation: r, translation: c + translation - r * c)
            try moveInstance(id, by: t)
        case let .add(category, position, size):
            guard all(size .> 0), size.x.isFinite, size.y.isFinite, size.z.isFinite else {
                throw VLNError.invalidValue(field: "size", reason: String(format: "must be positive and finite, got [%g, %g, %g]", size.x, size.y, size.z))
            }
            addInstance(TriangleMesh.box(center: position + Vec3(0, size.y / 2, 0), size: size, color: RGB8(180, 60, 160)), category: category)
        }
    }
}

@inline(__always) func simd_distanceXZ(_ a: Vec3, _ b: Vec3) -> Float {
    let d = Vec2(a.x - b.x, a.z - b.z)
    return (d * d).sum().squareRoot()
}

extension AgentSettings {
    /// The agent's camera: `cameraHeight` above its base, looking along its heading (OpenGL camera frame, so
    /// `worldFromCamera`'s rotation is the agent's rotation about +Y).
    public func camera(of agent: AgentState) -> Camera {
        Camera(intrinsics: intrinsics,
               worldFromCamera: RigidTransform(rotation: agent.rotation, translation: agent.position + Vec3(0, cameraHeight, 0)))
    }
}

extension Observation {
    /// Renders `scene` as seen by an agent in `state`, without a simulator: no navigation grid is built, so any
    /// pose in any scene (even one without a floor) can be rendered.
    public static func render(scene: Scene, agent state: AgentState, settings: AgentSettings = AgentSettings()) -> Observation {
        let cam = settings.camera(of: state)
        let frame = Renderer(scene: scene).render(camera: cam)
        return Observation(step: 0, rgb: frame.rgb, depth: frame.depth, instanceIds: frame.instanceIds, agent: state, camera: cam)
    }
}
