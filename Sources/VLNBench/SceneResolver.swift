import Foundation
import VLNCore
import VLNScene

/// Turns a VLN-CE `scene_id` into a scene.
///
/// Three forms, tried in this order:
/// 1. `generated/house-<seed>` (a vlnsim suite): the house `HouseGenerator(seed:)` makes, regenerated
///    identically on any machine (the generator is versioned: `HouseGenerator.version`).
/// 2. A path, absolute or relative to the episode file's folder, of a scene vlnsim loads (manifest `.json`, mesh
///    `.obj`/`.ply`, labelled point cloud `.ply`).
/// 3. By base name in the `--scenes` folders: `mp3d/{scan}/{scan}.glb` → `{scan}`, looked up as
///    `DIR/{scan}.{json,obj,ply}` or `DIR/{scan}/{scan}.{json,obj,ply}`, folders in the order given.
///
/// Loaded scenes are cached by `scene_id`; the resolver is not thread-safe (one per worker).
public final class SceneResolver {
    /// The folder relative `scene_id` paths are resolved against (the episode file's folder).
    public let baseDirectory: String
    /// Folders searched by base name, in order.
    public let sceneDirectories: [String]
    /// Shared data folder that `$DATA` in manifests refers to.
    public let dataPath: String
    private var cache: [String: Scene] = [:]

    /// - Parameters:
    ///   - baseDirectory: the folder relative scene paths are resolved against, normally the episode file's.
    ///   - sceneDirectories: the `--scenes` folders.
    public init(baseDirectory: String, sceneDirectories: [String] = [], dataPath: String = DataPath.resolve()) {
        self.baseDirectory = baseDirectory; self.sceneDirectories = sceneDirectories; self.dataPath = dataPath
    }

    /// Drops `sceneID`'s scene from the cache (the next `scene(_:)` loads it again), so that a long run over many
    /// scenes does not keep them all.
    public func evict(_ sceneID: String) { cache[sceneID] = nil }

    /// The seed of a `generated/house-<seed>` scene id, or nil for any other id.
    public static func generatedSeed(_ sceneID: String) -> UInt64? {
        let prefix = "generated/house-"
        guard sceneID.hasPrefix(prefix) else { return nil }
        return UInt64(sceneID.dropFirst(prefix.count))
    }

    /// The scene id of the generated house with `seed`.
    public static func generatedID(seed: UInt64) -> String { "generated/house-\(seed)" }

    /// The file a non-generated `sceneID` resolves to, or nil if none exists.
    public func path(of sceneID: String) -> String? {
        let fm = FileManager.default
        let direct = sceneID.hasPrefix("/") ? sceneID : URL(fileURLWithPath: baseDirectory).appendingPathComponent(sceneID).path
        let loadable = ["json", "obj", "ply"]
        if fm.fileExists(atPath: direct), loadable.contains(URL(fileURLWithPath: direct).pathExtension.lowercased()) { return direct }
        let base = URL(fileURLWithPath: sceneID).deletingPathExtension().lastPathComponent
        for dir in sceneDirectories {
            for ext in loadable {
                for candidate in ["\(dir)/\(base).\(ext)", "\(dir)/\(base)/\(base).\(ext)"] where fm.fileExists(atPath: candidate) {
                    return candidate
                }
            }
        }
        return nil
    }

    /// The scene for `sceneID` (cached).
    /// - Throws: `VLNError.invalidValue(field: "scene_id", …)` naming the id and where it was looked for; whatever
    ///   loading the scene file throws.
    public func scene(_ sceneID: String) throws -> Scene {
        if let s = cache[sceneID] { return s }
        let scene: Scene
        if let seed = Self.generatedSeed(sceneID) {
            scene = HouseGenerator(seed: seed).generate()
        } else if let p = path(of: sceneID) {
            scene = try Scene.load(path: p, dataPath: dataPath)
        } else {
            let dirs = sceneDirectories.isEmpty ? "no --scenes folder given" : "--scenes " + sceneDirectories.joined(separator: ", ")
            throw VLNError.invalidValue(field: "scene_id", reason: "unknown scene '\(sceneID)': not generated/house-<seed>, "
                                        + "not a scene file relative to \(baseDirectory), not found by base name (\(dirs))")
        }
        cache[sceneID] = scene
        return scene
    }
}
