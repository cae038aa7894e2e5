import Foundation
import VLNCore

/// Loading scenes from manifests and geometry files, and writing them back.
extension Scene {
    /// Loads a scene from a manifest (see `SceneManifest`).
    ///
    /// Geometry files are concatenated in order (meshes, then point clouds) and converted from the manifest's
    /// `up_axis` to the Y-up world frame. Instance ids: an OBJ numbers its groups 1, 2, …, so each OBJ's ids are
    /// offset by the largest id loaded before it; ids stored in a PLY are kept as they are. Instance categories
    /// come from OBJ group names, or (for PLY files with a `label_set`) from the majority label of each instance's
    /// vertices; the manifest's `instances` then override or add entries. The geometry readers' warnings (see
    /// `TriangleMesh.loadOBJ`) are collected in `warnings`.
    /// - Parameters:
    ///   - manifestPath: the `.json` manifest.
    ///   - dataPath: the directory substituted for `$DATA` (default `DataPath.resolve()`).
    /// - Throws: `VLNError.badFile` naming the manifest and the field for a bad manifest or a referenced file that
    ///   does not exist (the reason names the missing file); errors of the geometry readers.
    public static func load(manifestPath: String, dataPath: String = DataPath.resolve()) throws -> Scene {
        let m = try SceneManifest.read(path: manifestPath)
        let folder = URL(fileURLWithPath: manifestPath).deletingLastPathComponent().path
        func resolve(_ p: String) -> String {
            if p.hasPrefix(DataPath.placeholder) || p.hasPrefix("/") { return DataPath.expand(p, dataPath: dataPath) }
            return folder + "/" + DataPath.expand(p, dataPath: dataPath)
        }
        func labelSet(_ name: String?, field: String) throws -> LabelSet? {
            guard let name else { return nil }
            guard name == "nyu40" else {
                throw VLNError.badFile(path: manifestPath, field: field, reason: "unknown label set \"\(name)\" (known: nyu40)")
            }
            let tsv = dataPath + "/" + LabelSet.nyu40RelativePath
            guard FileManager.default.fileExists(atPath: tsv) else {
                throw VLNError.badFile(path: manifestPath, field: field,
                                       reason: "label set nyu40 needs '\(tsv)', which does not exist (data directory "
                                       + "'\(dataPath)'; set \(DataPath.environmentVariable))")
            }
            return try LabelSet.nyu40(mappingsPath: tsv)
        }
        func existing(_ entry: SceneManifest.Geometry, field: String) throws -> String {
            let p = resolve(entry.path)
            guard FileManager.default.fileExists(atPath: p) else {
                let hint = entry.path.hasPrefix(DataPath.placeholder)
                    ? " ($DATA is '\(dataPath)': run from the repository's root, or set \(DataPath.environmentVariable) or --data to the data folder)"
                    : ""
                throw VLNError.badFile(path: manifestPath, field: field,
                                       reason: "the referenced file '\(p)' does not exist" + hint)
            }
            return p
        }

        var scene = Scene(name: m.name)
        var maxId: UInt32 = 0
        for (i, entry) in m.meshes.enumerated() {
            let field = "meshes[\(i)].path"
            let path = try existing(entry, field: field)
            let names = try labelSet(entry.labelSet, field: "meshes[\(i)].label_set")
            if let n = names { scene.labelNames.merge(n.names) { a, _ in a } }
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "obj":
                var (mesh, instances, warnings) = try TriangleMesh.loadOBJ(path: path)
                scene.warnings += warnings
                let offset = maxId
                if offset > 0 { mesh.triangleInstanceIds = mesh.triangleInstanceIds.map { $0 == 0 ? 0 : $0 + offset } }
                for var info in instances { info.id += offset; scene.instances[info.id] = info }
                scene.mesh.append(mesh.convertedToYUp(from: m.upAxis))
            case "ply":
                let ply = try PLY.read(path: path)
                guard ply.hasFaces else {
                    throw VLNError.badFile(path: manifestPath, field: field,
                                           reason: "'\(path)' has no faces; list it under point_clouds")
                }
                let mesh = ply.mesh()
                if let labels = ply.semanticLabels, let ids = ply.instanceIds {
                    let cloud = PointCloud(positions: ply.positions, semanticLabels: labels, instanceIds: ids)
                    for (id, info) in cloud.instancesByMajorityLabel(labelNames: names?.names ?? [:])
                    where scene.instances[id] == nil { scene.instances[id] = info }
                }
                for id in Set(mesh.triangleInstanceIds) where id != 0 && scene.instances[id] == nil {
                    scene.instances[id] = InstanceInfo(id: id, category: "object")
                }
                scene.mesh.append(mesh.convertedToYUp(from: m.upAxis))
            default:
                throw VLNError.badFile(path: manifestPath, field: field,
                                       reason: "unknown mesh format '\(path)' (.obj or .ply)")
            }
            maxId = max(maxId, scene.mesh.triangleInstanceIds.max() ?? 0)
        }
        for (i, entry) in m.pointClouds.enumerated() {
            let field = "point_clouds[\(i)].path"
            let path = try existing(entry, field: field)
            guard URL(fileURLWithPath: path).pathExtension.lowercased() == "ply" else {
                throw VLNError.badFile(path: manifestPath, field: field, reason: "unknown point cloud format '\(path)' (.ply)")
            }
            let names = try labelSet(entry.labelSet, field: "point_clouds[\(i)].label_set")
            if let n = names { scene.labelNames.merge(n.names) { a, _ in a } }
            let cloud = try PLY.read(path: path).pointCloud(pointRadius: entry.pointRadius ?? 0.03)
            for (id, info) in cloud.instancesByMajorityLabel(labelNames: names?.names ?? scene.labelNames)
            where scene.instances[id] == nil { scene.instances[id] = info }
            if scene.points.isEmpty { scene.points.pointRadius = cloud.pointRadius }
            scene.points.append(cloud.convertedToYUp(from: m.upAxis))
        }
        for info in m.instances { scene.instances[info.id] = info }
        scene.regions = m.regions.map { Region(label: $0.label, footprint: $0.footprint.map { Vec2($0[0], $0[1]) }) }
        if let nav = m.navigable { scene.floorCategories = Set(nav.floorCategories) }
        scene.provenance = m.provenance?.jsonString ?? ""
        return scene
    }

    /// Loads a scene from a manifest (`.json`), a mesh (`.obj`, Y up) or a PLY file.
    ///
    /// A PLY with a per-vertex `label` property is taken as a ScanNet-style scan: Z up (converted, see `UpAxis`),
    /// labels are NYU40 ids, named from `<dataPath>/mp3d-navmaps/matterport_category_mappings.tsv` when that file
    /// exists, and each instance's category is its majority label. Any other PLY is taken as Y up. A PLY with faces
    /// gives a mesh, without faces (no `face` element, or `element face 0`) a point cloud. The scene's name is the
    /// file name without extension.
    /// - Throws: `VLNError.badFile` for an unknown extension or a PLY without vertices; the errors of the readers.
    public static func load(path: String, dataPath: String = DataPath.resolve()) throws -> Scene {
        let url = URL(fileURLWithPath: path)
        let name = url.deletingPathExtension().lastPathComponent
        switch url.pathExtension.lowercased() {
        case "json":
            return try load(manifestPath: path, dataPath: dataPath)
        case "obj":
            let (mesh, instances, warnings) = try TriangleMesh.loadOBJ(path: path)
            var scene = Scene(name: name, mesh: mesh, provenance: SceneManifest.Provenance(source: path).jsonString)
            for i in instances { scene.instances[i.id] = i }
            scene.warnings = warnings
            return scene
        case "ply":
            let ply = try PLY.read(path: path)
            guard !ply.positions.isEmpty else {
                throw VLNError.badFile(path: path, field: "vertex", reason: "no vertices: a PLY scene needs at least one vertex")
            }
            let scanNet = ply.semanticLabels != nil
            let axis: UpAxis = scanNet ? .z : .y
            var scene = Scene(name: name, provenance: SceneManifest.Provenance(source: path).jsonString)
            if scanNet {
                let tsv = dataPath + "/" + LabelSet.nyu40RelativePath
                if FileManager.default.fileExists(atPath: tsv) { scene.labelNames = try LabelSet.nyu40(mappingsPath: tsv).names }
            }
            let cloud = ply.pointCloud()
            if ply.instanceIds != nil {
                scene.instances = cloud.instancesByMajorityLabel(labelNames: scene.labelNames)
            }
            if ply.hasFaces {
                scene.mesh = ply.mesh().convertedToYUp(from: axis)
                for id in Set(scene.mesh.triangleInstanceIds) where id != 0 && scene.instances[id] == nil {
                    scene.instances[id] = InstanceInfo(id: id, category: "object")
                }
            } else {
                scene.points = cloud.convertedToYUp(from: axis)
            }
            return scene
        default:
            throw VLNError.badFile(path: path, reason: "unknown scene file type '.\(url.pathExtension)' (.json, .obj or .ply)")
        }
    }

    /// Writes the scene into `directory` (which must exist) as `<name>.obj` + `<name>.mtl` (the mesh, if any),
    /// `<name>_points.ply` (the point cloud, if any) and the manifest `<name>.json` (up_axis "y"), each file
    /// atomically and the manifest last, so a manifest never names a file that is not there.
    ///
    /// Instance ids are renumbered 1…n in increasing order of the mesh's ids (see `TriangleMesh.writeOBJ`);
    /// instances without triangles follow. The manifest lists every instance's category, the regions, the floor
    /// categories and the provenance (`Scene.provenance` in the JSON form of `SceneManifest.Provenance`, or free
    /// text, kept as `source`). Point-cloud label names are not written.
    /// - Returns: the manifest's path.
    /// - Throws: `VLNError.io` if a file cannot be written.
    @discardableResult
    public func write(to directory: String, name: String) throws -> String {
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var manifest = SceneManifest(name: name, upAxis: .y)
        var renumber: [UInt32: UInt32] = [:]
        if !mesh.isEmpty {
            renumber = try mesh.writeOBJ(to: "\(dir)/\(name).obj", instances: instances)
            manifest.meshes = [SceneManifest.Geometry(path: "\(name).obj")]
        }
        var next = UInt32(renumber.count) + 1
        for id in Set(instances.keys).union(points.instanceIds).sorted() where id != 0 && renumber[id] == nil {
            renumber[id] = next; next += 1
        }
        if !points.isEmpty {
            var cloud = points
            cloud.instanceIds = points.instanceIds.map { $0 == 0 ? 0 : renumber[$0]! }
            try PLY.write(cloud, to: "\(dir)/\(name)_points.ply")
            manifest.pointClouds = [SceneManifest.Geometry(path: "\(name)_points.ply", pointRadius: points.pointRadius)]
        }
        manifest.instances = renumber.sorted { $0.value < $1.value }.map { old, new in
            InstanceInfo(id: new, category: instances[old]?.category ?? "object")
        }
        manifest.regions = regions.map { r in SceneManifest.RegionEntry(label: r.label, footprint: r.footprint.map { [$0.x, $0.y] }) }
        manifest.navigable = SceneManifest.Navigable(floorCategories: floorCategories.sorted())
        manifest.provenance = SceneManifest.Provenance(sceneProvenance: provenance)
        let path = "\(dir)/\(name).json"
        try manifest.write(to: path)
        return path
    }
}
