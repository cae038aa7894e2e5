import Foundation
import VLNCore
import VLNNavigation
import VLNScene
import VLNSim

/// A piece of furniture an instruction can name: a scene instance with its footprint and room.
struct Landmark: Sendable {
    /// Scene instance id.
    var instance: UInt32
    /// `InstanceInfo.category` ("sofa", "kitchen counter", …).
    var category: String
    /// Axis-aligned bounds of its triangles, world frame, metres.
    var bounds: AABB
    /// Index into `Scene.regions` of the room holding its footprint centre, or nil.
    var room: Int?
    /// Whether no other instance of the same category stands in the same room (so "the sofa" is unambiguous).
    var uniqueInRoom: Bool

    /// Footprint centre, XZ, metres.
    var center: Vec2 { Vec2((bounds.lower.x + bounds.upper.x) / 2, (bounds.lower.z + bounds.upper.z) / 2) }

    /// Distance in the XZ plane from `p` (x, z) to the footprint rectangle, metres; 0 inside it.
    func distance(to p: Vec2) -> Float { length2(p - closestPoint(to: p)) }

    /// The point of the footprint rectangle nearest to `p` (x, z).
    func closestPoint(to p: Vec2) -> Vec2 {
        Vec2(min(max(p.x, bounds.lower.x), bounds.upper.x), min(max(p.y, bounds.lower.z), bounds.upper.z))
    }
}

/// A doorway of a generated house, found from its "door frame" instance.
struct Doorway: Sendable {
    /// The door frame's instance id.
    var instance: UInt32
    /// Centre of the opening on the wall line, XZ, metres.
    var center: Vec2
    /// Whether the wall runs along X (the doorway is crossed along Z).
    var alongX: Bool
    /// Clear width between the jambs, metres.
    var clearWidth: Float
}

/// A generated house prepared for sampling episodes: the scene `HouseGenerator(seed:)` makes, the navigation grid
/// the simulator builds for it (VLN-CE's default agent: radius 0.1 m, height 1.5 m, 5 cm cells), its landmarks and
/// doorways.
struct SuiteHouse {
    let seed: UInt64
    /// `generated/house-<seed>`.
    let sceneID: String
    let scene: Scene
    let grid: NavigationGrid
    /// The island episodes use (the largest).
    let island: Int
    /// Furniture, by instance id.
    let landmarks: [Landmark]
    /// Doorways, by instance id.
    let doorways: [Doorway]
    /// Bounds of every instance with geometry, by id (walls included), for overlap checks.
    let instanceBounds: [UInt32: AABB]

    /// Categories that are structure, never landmarks.
    static let structure: Set<String> = ["wall", "floor", "ceiling", "door frame"]

    /// Generates house `seed` and builds its grid.
    /// - Throws: `VLNError.invalidValue` if the house has no navigable floor (never for the generator's houses).
    init(seed: UInt64, settings: NavigationSettings = AgentSettings().navigation) throws {
        self.seed = seed
        sceneID = SceneResolver.generatedID(seed: seed)
        scene = HouseGenerator(seed: seed).generate()
        grid = try NavigationGrid(scene: scene, settings: settings)
        guard let island = grid.largestIsland else {
            throw VLNError.invalidValue(field: "scene", reason: "\(sceneID) has no navigable floor")
        }
        self.island = island
        instanceBounds = Self.boundsByInstance(scene)
        let ids = instanceBounds.keys.sorted()
        var marks: [Landmark] = []
        var doors: [Doorway] = []
        for id in ids {
            guard let category = scene.category(ofInstance: id), let b = instanceBounds[id] else { continue }
            if category == "door frame" {
                let e = b.extent, alongX = e.x > e.z
                doors.append(Doorway(instance: id, center: Vec2(b.center.x, b.center.z), alongX: alongX,
                                     clearWidth: (alongX ? e.x : e.z) - 0.08))
            } else if !Self.structure.contains(category) {
                let c = b.center
                marks.append(Landmark(instance: id, category: category, bounds: b,
                                      room: scene.regions.firstIndex { $0.contains(Vec2(c.x, c.z)) }, uniqueInRoom: true))
            }
        }
        for k in marks.indices {
            marks[k].uniqueInRoom = !marks.indices.contains { $0 != k && marks[$0].category == marks[k].category && marks[$0].room == marks[k].room }
        }
        landmarks = marks
        doorways = doors
    }

    /// The index of the room holding the XZ point `p`, or nil.
    func room(at p: Vec3) -> Int? { scene.regions.firstIndex { $0.contains(Vec2(p.x, p.z)) } }

    /// The landmark with instance id `id`.
    func landmark(_ id: UInt32) -> Landmark? { landmarks.first { $0.instance == id } }

    /// Bounds of every instance's triangles, in one pass over the mesh.
    static func boundsByInstance(_ scene: Scene) -> [UInt32: AABB] {
        var out: [UInt32: AABB] = [:]
        let mesh = scene.mesh
        for t in mesh.triangles.indices {
            let id = mesh.triangleInstanceIds[t]
            guard id != 0 else { continue }
            let (a, b, c) = mesh.corners(t)
            var box = out[id] ?? .empty
            box.formUnion(a); box.formUnion(b); box.formUnion(c)
            out[id] = box
        }
        return out
    }
}

/// Euclidean length of a 2-D vector.
@inline(__always) func length2(_ v: Vec2) -> Float { (v * v).sum().squareRoot() }

/// The heading (radians, VLN-CE: 0 faces −Z, positive turns left) of the XZ direction `d` (x, z).
func heading(of d: Vec2) -> Float { atan2f(-d.x, -d.y) }
