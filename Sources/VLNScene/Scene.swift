import VLNCore

/// One object instance of a scene: its id (as stored per triangle / per point) and semantic category.
public struct InstanceInfo: Equatable, Codable, Sendable {
    /// Instance id, ≥ 1 (0 means "no instance").
    public var id: UInt32
    /// Semantic category in plain words ("bed", "kitchen counter", "wall", "floor").
    public var category: String
    /// From an id (≥ 1 for an instance; not checked here) and a category.
    public init(id: UInt32, category: String) { self.id = id; self.category = category }
}

/// A labelled region (room or zone) of a scene: a label and its footprint on the floor.
public struct Region: Equatable, Codable, Sendable {
    /// Room label ("bedroom", "kitchen", …).
    public var label: String
    /// Footprint polygon in the XZ plane, metres, `[x, z]` pairs, either winding.
    public var footprint: [Vec2]
    /// From a label and a footprint polygon of XZ points, metres.
    public init(label: String, footprint: [Vec2]) { self.label = label; self.footprint = footprint }

    /// Whether the XZ point `p` lies inside the footprint (even–odd rule).
    public func contains(_ p: Vec2) -> Bool {
        var inside = false
        var j = footprint.count - 1
        for i in footprint.indices {
            let a = footprint[i], b = footprint[j]
            if (a.y > p.y) != (b.y > p.y), p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }

    /// Centroid of the footprint's vertices.
    public var center: Vec2 { footprint.reduce(Vec2.zero, +) / Float(max(footprint.count, 1)) }
}

/// A scene: geometry (a triangle mesh and/or a labelled point cloud) in the world frame (Y up, metres),
/// its instances with categories, its regions, and what counts as navigable floor.
///
/// Scenes are dynamic: `removeInstance`, `moveInstance` and `addInstance` change the geometry in place; the
/// renderer and the navigation grid are rebuilt (or updated) from the changed scene.
public struct Scene: Sendable {
    /// A short identifier (the manifest's `name`), used in messages and maps.
    public var name: String
    /// All triangles, world frame; empty for a pure point-cloud scene.
    public var mesh: TriangleMesh
    /// All points, world frame; empty for a pure mesh scene.
    public var points: PointCloud
    /// Instances by id.
    public var instances: [UInt32: InstanceInfo]
    /// Rooms or zones with their floor footprints (may be empty, e.g. a single scanned room).
    public var regions: [Region]
    /// Names of the point cloud's semantic label ids (e.g. NYU40 id → "floor").
    public var labelNames: [UInt16: String]
    /// Categories (of instances or of point labels) whose upward-facing surfaces are walkable floor.
    public var floorCategories: Set<String>
    /// Where the scene came from (dataset, generator and seed, licence), free text.
    public var provenance: String
    /// What the loaders worked around and a user should know — a missing material library, a material no library
    /// defines — each `path:line (statement): what`, naming the file and line; empty for a clean load. The CLI
    /// prints them to stderr as `warning: …`.
    public var warnings: [String] = []

    /// A scene from its parts; by default empty, with `"floor"` as the only walkable category.
    public init(name: String, mesh: TriangleMesh = TriangleMesh(), points: PointCloud = PointCloud(),
                instances: [UInt32: InstanceInfo] = [:], regions: [Region] = [], labelNames: [UInt16: String] = [:],
                floorCategories: Set<String> = ["floor"], provenance: String = "") {
        self.name = name; self.mesh = mesh; self.points = points; self.instances = instances
        self.regions = regions; self.labelNames = labelNames; self.floorCategories = floorCategories
        self.provenance = provenance
    }

    /// Bounds of all geometry, metres.
    public var bounds: AABB {
        var b = mesh.bounds
        b.formUnion(points.bounds)
        return b
    }

    /// The category of instance `id`, or nil if unknown.
    public func category(ofInstance id: UInt32) -> String? { instances[id]?.category }

    /// Whether triangle `i` of `mesh` belongs to a floor instance.
    public func isFloorTriangle(_ i: Int) -> Bool {
        guard let c = instances[mesh.triangleInstanceIds[i]]?.category else { return false }
        return floorCategories.contains(c)
    }

    /// Whether point `i` of `points` is labelled floor (by its semantic label or its instance's category).
    public func isFloorPoint(_ i: Int) -> Bool {
        if let n = labelNames[points.semanticLabels[i]], floorCategories.contains(n) { return true }
        if let c = instances[points.instanceIds[i]]?.category, floorCategories.contains(c) { return true }
        return false
    }

    /// The region whose footprint contains the world point `p` (first match), if any.
    public func region(containing p: Vec3) -> Region? { regions.first { $0.contains(Vec2(p.x, p.z)) } }

    /// Axis-aligned bounds of instance `id` over triangles and points, or nil if it has no geometry.
    public func bounds(ofInstance id: UInt32) -> AABB? {
        var b = AABB.empty
        for i in mesh.triangles.indices where mesh.triangleInstanceIds[i] == id {
            let (p, q, r) = mesh.corners(i)
            b.formUnion(p); b.formUnion(q); b.formUnion(r)
        }
        for i in points.positions.indices where points.instanceIds[i] == id { b.formUnion(points.positions[i]) }
        return b.isEmpty ? nil : b
    }

    // MARK: Dynamic edits

    /// Removes instance `id` and all of its triangles and points.
    /// - Throws: `VLNError.invalidValue` if the scene has no such instance.
    public mutating func removeInstance(_ id: UInt32) throws {
        guard instances[id] != nil else { throw VLNError.invalidValue(field: "instance", reason: "no instance \(id) in scene \(name)") }
        mesh = mesh.filteringTriangles { mesh.triangleInstanceIds[$0] != id }
        points = points.filtering { points.instanceIds[$0] != id }
        instances[id] = nil
    }

    /// Moves instance `id` rigidly: every one of its triangles and points `p` becomes `transform.apply(p)`
    /// (world frame). Vertices shared with other instances are duplicated first, so nothing else moves.
    /// - Throws: `VLNError.invalidValue` if the scene has no such instance.
    public mutating func moveInstance(_ id: UInt32, by transform: RigidTransform) throws {
        guard instances[id] != nil else { throw VLNError.invalidValue(field: "instance", reason: "no instance \(id) in scene \(name)") }
        let ids = mesh.triangleInstanceIds
        var moved = mesh.filteringTriangles { ids[$0] == id }.transformed(by: transform)
        moved.triangleInstanceIds = Array(repeating: id, count: moved.triangleCount)
        mesh = mesh.filteringTriangles { ids[$0] != id }
        mesh.append(moved)
        for i in points.positions.indices where points.instanceIds[i] == id {
            points.positions[i] = transform.apply(points.positions[i])
        }
    }

    /// Adds `object` (world coordinates) as a new instance of `category`.
    /// - Returns: the new instance id (one more than the largest in use).
    @discardableResult
    public mutating func addInstance(_ object: TriangleMesh, category: String) -> UInt32 {
        let id = (instances.keys.max() ?? 0) + 1
        var m = object
        m.triangleInstanceIds = Array(repeating: id, count: m.triangleCount)
        mesh.append(m)
        instances[id] = InstanceInfo(id: id, category: category)
        return id
    }
}
