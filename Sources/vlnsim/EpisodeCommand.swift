import ArgumentParser
import Foundation
import VLNCore
import VLNImage
import VLNRGBD
import VLNScene
import VLNSim
import VLNBench
import VLNEpisodes

struct EpisodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "episode",
        abstract: "Run a scripted episode and write trajectory.png, trajectory.json and (with --save-frames) per-step RGB-D.",
        discussion: """
        The actions come from --episode FILE (JSON: start, goal, instruction, actions, scene events; see README; or a \
        VLN-CE episode file with --episode-id ID, its scene_id found relative to the file or by base name in --scenes), \
        from --actions (e.g. "3F L 2F S" or "MOVE_FORWARD,TURN_LEFT,STOP"), or from --oracle (a shortest-path \
        follower walks to the goal). Without a start the agent starts at a random navigable point drawn with --seed.

        Output (--out DIR): trajectory.png (top-down map in Habitat's colours: navigable grey, start blue, goal red, \
        shortest path green, path taken), trajectory.json (pose per step), frames/rgb_NNNN.png, \
        frames/depth_NNNN.png (16-bit millimetres), frames/instance_NNNN.png; with --export-rgbd, rgbd/ (a posed RGB-D \
        folder in the 7-Scenes or TUM layout that `vlnsim rgbd`, Open3D and SLAM tools read); with --memory, the \
        Dynam3D token memory built from every observation (as `vlnsim map` does): memory.vlnmem, labels.json, \
        patches.png, instances.png and zones.png. Nothing is written if the episode fails.
        """)

    @OptionGroup var sceneOptions: SceneOptions

    @Option(name: .long, help: "Episode file: vlnsim's episode JSON, or a VLN-CE episode file (.json/.json.gz, with --episode-id).")
    var episode: String?

    @Option(name: .long, help: "The episode to run from a VLN-CE file given with --episode (its episode_id).")
    var episodeId: String?

    @Option(name: .long, help: "Folder to find a VLN-CE episode's scene in by base name (mp3d/{scan}/{scan}.glb → DIR/{scan}.json|obj|ply or DIR/{scan}/{scan}.*); repeatable.")
    var scenes: [String] = []

    @Option(name: .long, help: "Action string, overriding the episode file's: letters F L R S with optional counts, or names.")
    var actions: String?

    @Flag(name: .long, help: "Let a shortest-path follower choose the actions (needs a goal, or picks one with --seed).")
    var oracle = false

    @Option(name: .long, help: "Action budget of --oracle.")
    var maxSteps: Int = 500

    @Option(name: .long, help: "Start position x,y,z in metres (world frame, Y up). Negative values: --start=-1,0,2.")
    var start: Vec3Argument?

    @Option(name: .long, help: "Start heading in degrees (0 faces −Z, positive turns left); also for a random start.")
    var heading: Float?

    @Option(name: .long, help: "Goal position x,y,z in metres. Negative values: --goal=-1,0,2.")
    var goal: Vec3Argument?

    @Option(name: .long, help: "Goal success radius in metres: success needs STOP at a geodesic distance strictly less than it (default: the episode file's, else 3.0 as in VLN-CE).")
    var goalRadius: Float?

    @Option(name: .long, help: "Seed for a random start (and oracle goal) when none is given.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Output folder.")
    var out: String = "out/episode"

    @Flag(name: .long, help: "Also write per-step RGB, depth and instance PNGs into OUT/frames.")
    var saveFrames = false

    @Option(name: .long, help: "Top-down map resolution, pixels per metre (default: the longer side about 720 px).")
    var mapScale: Float?

    @Option(name: .long, help: "Also write the observations as a posed RGB-D folder OUT/rgbd in this layout: 7scenes (mm depth) or tum (depth/5000, 10 Hz timestamps).")
    var exportRgbd: RGBDFormat?

    @Flag(name: .long, help: "Also build the token memory from every observation (gt features when the scene has instances, else bridge; the renderer's instance ids as segments) and write OUT/memory.vlnmem, labels.json, patches.png, instances.png, zones.png (see `vlnsim map`).")
    var memory = false

    @Option(name: .long, help: "Model cache for --memory (default: $VLNSIM_MODELS or ~/.cache/vlnsim).")
    var models: String?

    func validate() throws {
        if episode == nil && actions == nil && !oracle {
            throw ValidationError("give the actions: --episode FILE, --actions STRING or --oracle")
        }
        if actions != nil && oracle { throw ValidationError("--actions and --oracle exclude each other") }
        if episodeId != nil && episode == nil { throw ValidationError("--episode-id picks an episode of a VLN-CE file: give the file with --episode") }
        if episodeId != nil && actions == nil && !oracle {
            throw ValidationError("a VLN-CE episode has no actions: give --actions STRING or --oracle")
        }
        if let r = goalRadius, !(r > 0 && r.isFinite) { throw ValidationError("--goal-radius must be positive") }
        if let m = mapScale, !(4...400).contains(m) { throw ValidationError("--map-scale must be within 4…400 pixels per metre") }
        if let h = heading, !h.isFinite { throw ValidationError("--heading must be finite") }
        guard (1...100_000).contains(maxSteps) else { throw ValidationError("--max-steps must be within 1…100000") }
        guard !out.isEmpty else { throw ValidationError("--out must name a folder") }
        if let f = exportRgbd, f != .sevenScenes, f != .tum { throw ValidationError("--export-rgbd writes 7scenes or tum") }
    }

    func run() throws {
        try reportingErrors {
            var ep: ScriptedEpisode
            let scene: Scene
            if let path = episode, let id = episodeId {
                (ep, scene) = try loadVLNCEEpisode(path: path, id: id)
            } else {
                ep = try episode.map { try ScriptedEpisode.load(path: $0) } ?? ScriptedEpisode(actions: [])
                scene = try sceneOptions.loadScene(orFromEpisode: ep.scene)
            }
            if let a = actions { ep.actions = try AgentAction.parseSequence(a) }
            let sim = try Simulator(scene: scene)
            var rng = SeededRandom(seed: seed)
            if let s = start { ep.start = AgentState(position: s.value, heading: (heading ?? 0).headingRadians) }
            else if let h = heading, ep.start != nil { ep.start!.heading = h.headingRadians }
            let startState = try ep.start ?? {
                guard let p = sim.navigation.randomNavigablePoint(using: &rng, island: sim.navigation.largestIsland) else {
                    throw VLNError.invalidValue(field: "scene", reason: "no navigable point in \(scene.name)")
                }
                let randomHeading = rng.uniform(-.pi, .pi)
                return AgentState(position: p, heading: heading?.headingRadians ?? randomHeading)
            }()
            if let g = goal { ep.goal = NavigationGoal(position: g.value, radius: goalRadius ?? ep.goal?.radius ?? 3.0) }
            else if let r = goalRadius, ep.goal != nil { ep.goal!.radius = r }
            var policy: Policy? = nil
            if oracle {
                if ep.goal == nil {
                    try sim.reset(to: startState)
                    let island = sim.navigation.islandID(of: sim.agent.position)
                    guard let g = sim.navigation.randomNavigablePoint(using: &rng, island: island) else {
                        throw VLNError.invalidValue(field: "goal", reason: "no navigable goal on the start's island")
                    }
                    ep.goal = NavigationGoal(position: g, radius: goalRadius ?? 3.0)
                }
                policy = ShortestPathFollower(goal: ep.goal!.position).policy { message in
                    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
                }
            }
            let initial = (scene: sim.scene, navigation: sim.navigation)
            let folder = try OutputFolder(destination: out)
            let progress = ProgressBar(total: (oracle ? maxSteps : ep.actions.count) + 1, label: "episode")
            var frames = 0
            // World frame Habitat's (Y up): 7-Scenes' gravity-direction.txt gets (0, −1, 0).
            let rgbd = try exportRgbd.map { try RGBDSequenceWriter(format: $0, folder: folder.staging + "/rgbd", frameRate: 10, gravity: Vec3(0, -1, 0)) }
            let categories = { sim.scene.instances.mapValues(\.category) }
            let builder = try memory ? MemoryBuilder(encoder: MemoryFeatureEncoder(
                kind: scene.instances.isEmpty ? .bridge : .gt, grid: nil, categories: categories(),
                imageWidth: sim.settings.intrinsics.width, imageHeight: sim.settings.intrinsics.height, models: models)) : nil
            let result: EpisodeResult
            do {
                result = try sim.run(ep, from: startState, policy: policy, maxSteps: maxSteps,
                                     observer: saveFrames || rgbd != nil || builder != nil ? { obs in
                                         if saveFrames { try obs.writeFrames(to: folder) }
                                         try rgbd?.append(obs.rgbdFrame(frameRate: 10))
                                         try builder?.insert(obs, categories: categories())
                                         frames += 1
                                         progress.update(frames)
                                     } : nil)
            } catch let VLNError.invalidValue(field, reason) {
                // Name where the value came from: the episode file's field, or the option that overrode it.
                let fromOption = ["start_position": start.map { _ in "--start" }, "goal": goal.map { _ in "--goal" },
                                  "actions": actions.map { _ in "--actions" }][field] ?? nil
                if let option = fromOption { throw VLNError.invalidValue(field: option, reason: reason) }
                if let file = episode { throw VLNError.badFile(path: file, field: field, reason: reason) }
                throw VLNError.invalidValue(field: field, reason: reason)
            }
            if result.goal != nil && result.shortestPath == nil {
                FileHandle.standardError.write(Data("warning: the goal is not reachable from the start (different islands)\n".utf8))
            }
            let map = TopDownMap(scene: initial.scene, navigation: initial.navigation, pixelsPerMetre: mapScale)
            let image = map.draw(result: result, finalScene: sim.scene, events: ep.events,
                                 title: "\(scene.name): \(result.steps.count - 1) actions", subtitle: ep.instruction)
            try PNG.write(image, to: folder.path("trajectory.png"))
            try writeJSON(EpisodeReport(scene: scene.name, instruction: ep.instruction, result: result),
                          to: folder.path("trajectory.json"))
            try rgbd?.finish()
            try builder?.write(to: folder, title: "\(scene.name): episode, \(builder!.memory.frameCount) frames", source: episode ?? "--actions",
                               segments: "the renderer's instance ids", worldFrame: "the simulator's (Habitat: Y up, metres)")
            try folder.commit(replacing: ["frames", "rgbd"] + Self.memoryOutputs)
            var summary = String(format: "%@: %d actions, path %.2f m", scene.name, result.steps.count - 1, result.pathLength)
            if let d = result.finalDistanceToGoal { summary += String(format: ", %.2f m from the goal", d) }
            if let s = result.success { summary += s ? ", success" : ", not a success" }
            print(summary)
            if let builder { print("memory: " + builder.summary) }
            print("wrote \(out)/trajectory.png, \(out)/trajectory.json" + (saveFrames ? ", \(out)/frames/" : "")
                  + (exportRgbd.map { ", \(out)/rgbd/ (\($0.displayName))" } ?? "")
                  + (builder != nil ? ", \(out)/memory.vlnmem, labels.json, patches.png, instances.png, zones.png" : ""))
        }
    }
}

extension EpisodeCommand {
    /// What --memory writes (removed from OUT by a run without --memory, as frames/ and rgbd/ are).
    static let memoryOutputs = ["memory.vlnmem", MemoryLabelsFile.fileName, "patches.png", "instances.png", "zones.png"]
}

/// The content of trajectory.json.
struct EpisodeReport: Encodable {
    var scene: String
    var instruction: String?
    var goal: [Float]?
    var goalRadius: Float?
    var shortestPathLength: Float?
    var pathLength: Float
    var finalDistanceToGoal: Float?
    var stopped: Bool
    var success: Bool?
    var steps: [TrajectoryStep]

    init(scene: String, instruction: String?, result: EpisodeResult) {
        self.scene = scene
        self.instruction = instruction
        goal = result.goal.map { [$0.position.x, $0.position.y, $0.position.z] }
        goalRadius = result.goal?.radius
        shortestPathLength = result.shortestPath.map { p in zip(p, p.dropFirst()).reduce(0) { $0 + distance($1.0, $1.1) } }
        pathLength = result.pathLength
        finalDistanceToGoal = result.finalDistanceToGoal
        stopped = result.stopped
        success = result.success
        steps = result.steps
    }
}

extension EpisodeCommand {
    /// The episode `id` of the VLN-CE file at `path` and its scene: `--scene` if given, else its `scene_id`
    /// resolved by `SceneResolver` (relative to the file, by base name in `--scenes`, or `generated/house-<seed>`).
    func loadVLNCEEpisode(path: String, id: String) throws -> (ScriptedEpisode, Scene) {
        let dataset = try VLNCEDataset.load(path: path)
        guard let e = dataset.episodes.first(where: { $0.episodeID.description == id }) else {
            let some = dataset.episodes.prefix(5).map(\.episodeID.description).joined(separator: ", ")
            throw VLNError.badFile(path: path, field: "episode_id",
                                   reason: "no episode '\(id)' among its \(dataset.episodes.count) episodes (the first: \(some))")
        }
        let ep = try e.scriptedEpisode(path: path)
        if sceneOptions.scene != nil { return (ep, try sceneOptions.loadScene()) }
        let resolver = SceneResolver(baseDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                     sceneDirectories: scenes, dataPath: sceneOptions.dataPath)
        let scene = try resolver.scene(e.sceneID)
        for w in scene.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        return (ep, scene)
    }
}
