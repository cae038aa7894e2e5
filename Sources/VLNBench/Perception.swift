import Foundation
import VLNCore
import VLNEncoders
import VLNEpisodes
import VLNMemory
import VLNSim

/// The full perception loop of a benchmark run (`vlnsim bench --perception`): before every action the runner renders
/// the agent's view, encodes it with the ground-truth semantic encoder and inserts it into the chain's token memory,
/// then asks the policy. Nil in `BenchSettings.perception` is the blind loop (nothing rendered unless a planner asks).
///
/// These settings change what a planner may see (not the baselines' results: they do not look), so they are recorded
/// in the manifest and a resume or merge with other perception settings is refused.
public struct PerceptionSettings: Equatable, Sendable {
    /// Sensor width and height, pixels (VLN-CE: 256 × 256). The hfov stays 90° and the camera 1.25 m up
    /// (`AgentSettings`), so fx = fy = width / 2.
    public var width: Int, height: Int
    /// Side of a ground-truth patch, pixels: the feature grid is ⌈height / p⌉ × ⌈width / p⌉ (16 → 8 × 8 at 128 × 128,
    /// 16 × 16 at 256 × 256; `vlnsim episode --memory`'s default).
    public var patchSize: Int

    /// Perception at `width × height` pixels with `patchSize`-pixel patches.
    public init(width: Int = 256, height: Int = 256, patchSize: Int = 16) {
        self.width = width; self.height = height; self.patchSize = patchSize
    }

    /// Checks the sizes.
    /// - Throws: `VLNError.invalidValue` naming `--resolution` or `--patch-size`.
    public func validate() throws {
        guard (8...4096).contains(width), (8...4096).contains(height) else {
            throw VLNError.invalidValue(field: "--resolution", reason: "\(width)×\(height) pixels: each side must be within 8…4096")
        }
        guard patchSize >= 1, patchSize <= min(width, height) else {
            throw VLNError.invalidValue(field: "--patch-size", reason: "\(patchSize) pixels: must be within 1…\(min(width, height)) (the frames are \(width)×\(height))")
        }
    }

    /// The agent's settings with this sensor (hfov 90°, as VLN-CE).
    public var agentSettings: AgentSettings {
        var s = AgentSettings()
        s.intrinsics = CameraIntrinsics(width: width, height: height, hfov: Float(90).radians)
        return s
    }

    /// As the manifest records it.
    public var json: JSONValue {
        .object(["mode": .string("full"), "width": .int(width), "height": .int(height), "hfov_deg": .int(90),
                 "features": .string("ground truth (all-MiniLM-L6-v2 category embeddings, each text embedded alone)"),
                 "patch_size": .int(patchSize), "segments": .string("the renderer's instance ids"),
                 "memory": .string("Dynam3D token memory, default configuration, one per chain")])
    }
}

/// CPU seconds of the worker thread spent in each stage of the perception loop (summed over steps; `threadCPUSeconds`).
public struct PerceptionTiming: Equatable, Sendable {
    /// `Simulator.observe()`: RGB, depth and instance ids.
    public var render = 0.0
    /// The ground-truth semantic encoder (majority instance per patch → category embedding).
    public var encode = 0.0
    /// `TokenMemory.insert` (dynamic deletion, lifting, instance merge, zones).
    public var memory = 0.0
    /// The planner's policy deciding the action.
    public var policy = 0.0
    /// Observations processed (one per decision).
    public var frames = 0
    /// The whole episode (its run and its measures, as `wall_s`), CPU seconds of the worker thread, `setup` included.
    public var cpu = 0.0
    /// Building the ground-truth encoder: embedding categories not seen before in the run (all-MiniLM-L6-v2, once per
    /// category and run, so mostly in a run's first episodes) and the id → category table. Not a per-step cost.
    public var setup = 0.0

    /// All stages at zero.
    public init() {}

    /// The sum of two timings.
    public static func + (a: Self, b: Self) -> Self {
        var t = a
        t.render += b.render; t.encode += b.encode; t.memory += b.memory; t.policy += b.policy; t.frames += b.frames
        t.cpu += b.cpu; t.setup += b.setup
        return t
    }

    /// Stage name → CPU seconds, as `episodes.jsonl`'s `timing` holds them (`render_s`, `encode_s`, `memory_s`,
    /// `policy_s`, and `cpu_s` for the episode).
    var json: [String: JSONValue] {
        ["render_s": .double(render), "encode_s": .double(encode), "memory_s": .double(memory), "policy_s": .double(policy),
         "frames": .int(frames), "cpu_s": .double(cpu), "setup_s": .double(setup)]
    }

    /// Reads the fields of `json` back; nil when the line has no stage times (a blind run).
    init?(json: [String: JSONValue]) {
        guard let r = json["render_s"]?.number, let e = json["encode_s"]?.number, let m = json["memory_s"]?.number,
              let p = json["policy_s"]?.number, case let .int(f)? = json["frames"], let c = json["cpu_s"]?.number else { return nil }
        render = r; encode = e; memory = m; policy = p; frames = f; cpu = c; setup = json["setup_s"]?.number ?? 0
    }
}

/// What the agent has perceived so far in a chain (a single episode is a chain of one): the latest observation and its
/// feature map, and the Dynam3D token memory built from every observation. The runner makes one per chain and
/// passes it to the planner as `PlannerContext.perception`, so a planner reads it through the API:
/// `context.perception?.observation`, `context.perception?.memory.localise(...)` and the other `MemoryQueries`.
///
/// It is kept across the episodes of a lifelong chain, like `PlannerChainState`. Stored patches carry the chain's step
/// (steps of earlier episodes of the chain plus the current one), so "last observed" grows along the chain.
public final class PerceptionState {
    /// The settings it runs with.
    public let settings: PerceptionSettings
    /// The token memory: patch, instance and zone tokens of everything observed in the chain so far.
    public private(set) var memory: TokenMemory
    /// The latest observation (RGB, depth, instance ids, pose, intrinsics): the view the policy is deciding from.
    public private(set) var observation: Observation?
    /// The ground-truth feature map of `observation` (`channels` = 384).
    public private(set) var features: FeatureMap?
    /// The report of the latest memory update.
    public private(set) var lastUpdate: MemoryUpdateReport?
    /// Seconds per stage of the current episode (reset by the runner at each episode's start).
    public internal(set) var timing = PerceptionTiming()

    private let textEncoder: any TextEncoder
    private var encoder: GroundTruthSemanticEncoder?
    /// The navigation version the encoder's categories were read at (scene events bump it).
    private var encoderVersion = -1
    /// The simulator the encoder's categories were read from (weak: a new simulator at a freed one's address must not
    /// pass for it).
    private weak var encoderSim: Simulator?
    /// Steps of the chain's earlier episodes.
    private var chainSteps = 0

    /// An empty perception state.
    /// - Parameter textEncoder: embeds the scene's categories (wrap it in `CachingTextEncoder` to share embeddings).
    /// - Throws: `VLNError` from the memory's configuration (never with the defaults).
    public init(settings: PerceptionSettings, textEncoder: any TextEncoder) throws {
        self.settings = settings
        self.textEncoder = textEncoder
        memory = try TokenMemory(featureDimension: textEncoder.dimension)
    }

    /// Starts an episode: its steps count after those of the chain's earlier episodes.
    func beginEpisode() {
        if let o = observation { chainSteps += o.step + 1 }
        observation = nil; features = nil
        timing = PerceptionTiming()
    }

    /// Renders the agent's current view, encodes it and inserts it into the memory, timing each stage.
    /// - Throws: the encoder's or the memory's `VLNError` (the episode fails with it).
    func perceive(_ sim: Simulator) throws {
        var t0 = threadCPUSeconds()
        func lap() -> Double { let t = threadCPUSeconds(); defer { t0 = t }; return t - t0 }
        let obs = sim.observe()
        timing.render += lap()
        if encoder == nil || encoderVersion != sim.navigationVersion || encoderSim !== sim {
            // A scene event may have added an instance with a new category: read the categories again.
            let categories = sim.scene.instances.mapValues(\.category)
            if let e = encoder, encoderSim === sim {
                encoder = try e.including(categories: categories, textEncoder: textEncoder)
            } else {
                encoder = try GroundTruthSemanticEncoder(textEncoder: textEncoder, categories: categories, patchSize: settings.patchSize)
            }
            encoderVersion = sim.navigationVersion; encoderSim = sim
            timing.setup += lap()  // embedding new categories is not part of a step's encode time
        }
        let map = try encoder!.featureMap(FeatureMapInput(rgb: obs.rgb, instanceIDs: obs.instanceIds))
        timing.encode += lap()
        var frame = obs.memoryFrame(features: map)
        frame.step = chainSteps + obs.step
        lastUpdate = try memory.insert(frame)
        timing.memory += lap()
        observation = obs; features = map
        timing.frames += 1
    }
}

extension Observation {
    /// This observation as a memory frame: its depth, intrinsics and camera pose, the given feature map, and the
    /// renderer's instance ids as segments (ground-truth segmentation), named "step N", with `step` its episode step.
    public func memoryFrame(features: FeatureMap) -> MemoryFrame {
        MemoryFrame(depth: depth, intrinsics: camera.intrinsics, worldFromCamera: camera.worldFromCamera,
                    features: features, segments: instanceIds, step: step, name: "step \(step)")
    }
}
