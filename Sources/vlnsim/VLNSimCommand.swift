import ArgumentParser
import Foundation
import VLNCore
import VLNScene
import VLNSim

/// The simulator's version (`vlnsim --version`, run manifests).
let vlnsimVersion = "0.1.0"

@main
struct VLNSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vlnsim",
        abstract: "An embodied navigation simulator for vision-and-language navigation, CPU-only and headless.",
        discussion: """
        World frame: Y up, metres, an agent at heading 0 faces −Z (Habitat). Actions: STOP, MOVE_FORWARD 0.25 m, \
        TURN_LEFT 15°, TURN_RIGHT 15° (VLN-CE). Scenes: a scene manifest (.json), an OBJ or PLY mesh, or a labelled \
        PLY point cloud (ScanNet convention, z-up, converted at load).
        """,
        version: vlnsimVersion,
        subcommands: [EpisodeCommand.self, RenderCommand.self, GenerateSceneCommand.self, SceneInfoCommand.self, ImageInfoCommand.self,
                      EmbedCommand.self, ClassifyCommand.self, RGBDCommand.self, MapCommand.self, BenchCommand.self,
                      MakeSuiteCommand.self]
    )
}

/// Options every command that reads a scene shares.
struct SceneOptions: ParsableArguments {
    @Option(name: .long, help: "Scene: a manifest (.json), a mesh (.obj/.ply) or a labelled point cloud (.ply).")
    var scene: String?

    @Option(name: .long, help: "Shared data folder that `$DATA` in manifests refers to (default: $VLNSIM_DATA or ../shared/data).")
    var data: String?

    var dataPath: String { data ?? DataPath.resolve() }

    /// Loads the scene and prints the loaders' warnings (`Scene.warnings`) to stderr, one `warning: …` line each.
    func loadScene(orFromEpisode episodeScene: String? = nil) throws -> Scene {
        guard let path = scene ?? episodeScene.map({ DataPath.expand($0, dataPath: dataPath) }) else {
            throw ValidationError("no scene: pass --scene PATH (or name one in the episode file)")
        }
        let loaded = try Scene.load(path: path, dataPath: dataPath)
        for w in loaded.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        return loaded
    }
}

/// Turns a thrown error into one line on stderr and a non-zero exit, never a crash.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let e as VLNError {
        FileHandle.standardError.write(Data("error: \(e.description)\n".utf8))
        throw ExitCode(1)
    }
}

/// Parses "x,y,z" (metres).
struct Vec3Argument: ExpressibleByArgument {
    var value: Vec3
    init?(argument: String) {
        let parts = argument.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, parts.allSatisfy(\.isFinite) else { return nil }
        value = Vec3(parts[0], parts[1], parts[2])
    }
    static var defaultCompletionKind: CompletionKind { .default }
}
