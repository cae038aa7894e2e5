import Foundation
import VLNCore

/// The scene manifest: the JSON file the project ships its scenes in (schema `vlnsim-scene`, version 1,
/// snake_case keys).
///
/// ```
/// { "format": "vlnsim-scene", "version": 1, "name": "house_0001",
///   "up_axis": "y",                                   // "y" (default) or "z"; z-up data is converted at load
///   "meshes": [ {"path": "house_0001.obj"} ],         // OBJ or PLY by extension, relative to the manifest's folder
///   "point_clouds": [ {"path": "$DATA/…/x.ply", "label_set": "nyu40", "point_radius": 0.03} ],
///   "instances": [ {"id": 1, "category": "bed"} ],    // optional; overrides/complements geometry categories
///   "regions": [ {"label": "bedroom", "footprint": [[x, z], …]} ],   // metres, world XZ plane
///   "navigable": {"floor_categories": ["floor"]},
///   "provenance": {"source": "…", "license": "…", "generator": "…", "seed": 1} }
/// ```
/// Required: `format`, `version`, `name`, and at least one of `meshes` / `point_clouds` (each entry's `path`).
/// `$DATA` in a path stands for the data directory (see `DataPath`).
public struct SceneManifest: Codable, Equatable, Sendable {
    /// The `format` value every manifest must carry.
    public static let formatName = "vlnsim-scene"
    /// The schema `version` this build reads and writes.
    public static let currentVersion = 1

    /// A geometry file: a mesh (OBJ or PLY with faces) or a point cloud (PLY).
    public struct Geometry: Codable, Equatable, Sendable {
        /// Relative to the manifest's folder, absolute, or starting with `$DATA`.
        public var path: String
        /// Names of the file's per-vertex `label` ids; only `"nyu40"` is known.
        public var labelSet: String?
        /// Splat radius for point clouds, metres (default 0.03).
        public var pointRadius: Float?
        /// A geometry entry; nil fields are left out of the JSON.
        public init(path: String, labelSet: String? = nil, pointRadius: Float? = nil) {
            self.path = path; self.labelSet = labelSet; self.pointRadius = pointRadius
        }
        enum CodingKeys: String, CodingKey { case path, labelSet = "label_set", pointRadius = "point_radius" }
    }

    /// A labelled region; `footprint` is a polygon of `[x, z]` pairs, metres.
    public struct RegionEntry: Codable, Equatable, Sendable {
        /// Region label (`label`), e.g. "kitchen".
        public var label: String
        /// Footprint polygon (`footprint`), at least 3 `[x, z]` points in the world XZ plane, metres.
        public var footprint: [[Float]]
        /// A region entry from its label and `[x, z]` points, metres.
        public init(label: String, footprint: [[Float]]) { self.label = label; self.footprint = footprint }
    }

    /// The `navigable` object: what counts as walkable floor. Without it a scene's floor categories are `["floor"]`.
    public struct Navigable: Codable, Equatable, Sendable {
        /// Categories (instance categories or label names) whose upward surfaces are walkable floor.
        public var floorCategories: [String]
        /// From the floor categories (written as `floor_categories`).
        public init(floorCategories: [String]) { self.floorCategories = floorCategories }
        enum CodingKeys: String, CodingKey { case floorCategories = "floor_categories" }
    }

    /// Where the scene came from.
    public struct Provenance: Codable, Equatable, Sendable {
        /// `source`: where the data comes from (dataset, URL, or the generator and seed), free text.
        public var source: String?
        /// `license`: the licence or terms of use of the data, free text.
        public var license: String?
        /// `generator`: how the files were produced (converter, generator), free text.
        public var generator: String?
        /// `seed`: the seed of a procedural generator, when there is one.
        public var seed: UInt64?
        /// Provenance from its fields; nil fields are left out of the JSON.
        public init(source: String? = nil, license: String? = nil, generator: String? = nil, seed: UInt64? = nil) {
            self.source = source; self.license = license; self.generator = generator; self.seed = seed
        }

        /// Compact JSON with sorted keys — the form kept in `Scene.provenance`.
        public var jsonString: String {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: (try? e.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
        }

        /// Parses `Scene.provenance`: the JSON form of `jsonString`, or else any free text, taken as `source`.
        /// Nil for an empty string.
        public init?(sceneProvenance text: String) {
            if text.isEmpty { return nil }
            if text.hasPrefix("{"), let p = try? JSONDecoder().decode(Provenance.self, from: Data(text.utf8)) {
                self = p
            } else {
                self.init(source: text)
            }
        }
    }

    /// `format`: must be `formatName` ("vlnsim-scene"); required.
    public var format: String
    /// `version`: the schema version, `currentVersion` (1); required.
    public var version: Int
    /// `name`: the scene's short identifier (`Scene.name`); required.
    public var name: String
    /// `up_axis`: the up axis of the geometry files, `"y"` (default) or `"z"`; converted to Y-up at load.
    public var upAxis: UpAxis
    /// `meshes`: triangle-mesh files (OBJ, or PLY with faces), loaded in order; default none.
    public var meshes: [Geometry]
    /// `point_clouds`: point-cloud files (PLY), loaded after the meshes; default none.
    public var pointClouds: [Geometry]
    /// `instances`: id (≥ 1, unique) and category; overrides or adds to the categories from the geometry; default none.
    public var instances: [InstanceInfo]
    /// `regions`: labelled room footprints; default none.
    public var regions: [RegionEntry]
    /// `navigable`: the floor categories; nil (absent) means `["floor"]`.
    public var navigable: Navigable?
    /// `provenance`: where the scene came from; optional.
    public var provenance: Provenance?

    /// A manifest of the current `format` and `version`; `read(path:)`, not this, checks that it has geometry.
    public init(name: String, upAxis: UpAxis = .y, meshes: [Geometry] = [], pointClouds: [Geometry] = [],
                instances: [InstanceInfo] = [], regions: [RegionEntry] = [], navigable: Navigable? = nil,
                provenance: Provenance? = nil) {
        format = SceneManifest.formatName; version = SceneManifest.currentVersion
        self.name = name; self.upAxis = upAxis; self.meshes = meshes; self.pointClouds = pointClouds
        self.instances = instances; self.regions = regions; self.navigable = navigable; self.provenance = provenance
    }

    enum CodingKeys: String, CodingKey {
        case format, version, name, upAxis = "up_axis", meshes, pointClouds = "point_clouds", instances, regions,
             navigable, provenance
    }

    /// Decodes the snake_case JSON; optional fields take their defaults (`up_axis` "y", empty lists, nil).
    /// Checks only types; `read(path:)` checks the format, version and values.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        version = try c.decode(Int.self, forKey: .version)
        name = try c.decode(String.self, forKey: .name)
        upAxis = try c.decodeIfPresent(UpAxis.self, forKey: .upAxis) ?? .y
        meshes = try c.decodeIfPresent([Geometry].self, forKey: .meshes) ?? []
        pointClouds = try c.decodeIfPresent([Geometry].self, forKey: .pointClouds) ?? []
        instances = try c.decodeIfPresent([InstanceInfo].self, forKey: .instances) ?? []
        regions = try c.decodeIfPresent([RegionEntry].self, forKey: .regions) ?? []
        navigable = try c.decodeIfPresent(Navigable.self, forKey: .navigable)
        provenance = try c.decodeIfPresent(Provenance.self, forKey: .provenance)
    }

    /// Encodes the snake_case JSON, leaving out empty lists and nil objects (`up_axis` is always written).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(version, forKey: .version)
        try c.encode(name, forKey: .name)
        try c.encode(upAxis, forKey: .upAxis)
        if !meshes.isEmpty { try c.encode(meshes, forKey: .meshes) }
        if !pointClouds.isEmpty { try c.encode(pointClouds, forKey: .pointClouds) }
        if !instances.isEmpty { try c.encode(instances, forKey: .instances) }
        if !regions.isEmpty { try c.encode(regions, forKey: .regions) }
        try c.encodeIfPresent(navigable, forKey: .navigable)
        try c.encodeIfPresent(provenance, forKey: .provenance)
    }

    /// Reads and checks a manifest.
    /// - Throws: `VLNError.io` if the file cannot be read; `VLNError.badFile(path:field:reason:)` naming the field
    ///   (e.g. `meshes[0].path`) for a missing or mistyped field, an unknown `format`, an unsupported `version`, or
    ///   a manifest without geometry.
    public static func read(path: String) throws -> SceneManifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VLNError.io(path: path, reason: "cannot read the scene manifest (missing or unreadable)")
        }
        // Format and version first, so a future version is reported as such rather than as a schema mismatch.
        struct Head: Decodable { var format: String?; var version: Int? }
        let head: Head
        head = try decodeJSON(Head.self, from: data, path: path)
        guard let format = head.format else {
            throw VLNError.badFile(path: path, field: "format", reason: "missing field 'format' (expected \"\(formatName)\")")
        }
        guard format == formatName else {
            throw VLNError.badFile(path: path, field: "format", reason: "unknown format \"\(format)\" (expected \"\(formatName)\")")
        }
        guard let version = head.version else {
            throw VLNError.badFile(path: path, field: "version", reason: "missing field 'version'")
        }
        guard version == currentVersion else {
            throw VLNError.badFile(path: path, field: "version",
                                   reason: "unsupported version \(version) (this build reads version \(currentVersion))")
        }
        let m: SceneManifest
        m = try decodeJSON(SceneManifest.self, from: data, path: path)
        guard !m.meshes.isEmpty || !m.pointClouds.isEmpty else {
            throw VLNError.badFile(path: path, field: "meshes", reason: "the scene has no geometry: give meshes or point_clouds")
        }
        var seen = Set<UInt32>()
        for (i, inst) in m.instances.enumerated() {
            guard inst.id >= 1 else { throw VLNError.badFile(path: path, field: "instances[\(i)].id", reason: "instance ids start at 1 (0 means none)") }
            guard seen.insert(inst.id).inserted else {
                throw VLNError.badFile(path: path, field: "instances[\(i)].id", reason: "instance id \(inst.id) appears twice")
            }
        }
        for (i, c) in m.pointClouds.enumerated() {
            if let r = c.pointRadius, !(r > 0 && r <= 1) {
                throw VLNError.badFile(path: path, field: "point_clouds[\(i)].point_radius", reason: "must be in (0, 1] metres, got \(r)")
            }
        }
        for (i, r) in m.regions.enumerated() {
            for (j, p) in r.footprint.enumerated() where p.count != 2 {
                throw VLNError.badFile(path: path, field: "regions[\(i)].footprint[\(j)]",
                                       reason: "a footprint point is [x, z], found \(p.count) numbers")
            }
            guard r.footprint.count >= 3 else {
                throw VLNError.badFile(path: path, field: "regions[\(i)].footprint", reason: "a footprint needs at least 3 points, found \(r.footprint.count)")
            }
        }
        return m
    }

    /// Writes the manifest as pretty-printed JSON, atomically.
    public func write(to path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try e.encode(self)
        data.append(10)
        try writeAtomically(data, to: path)
    }
}
