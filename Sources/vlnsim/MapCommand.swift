import ArgumentParser
import Foundation
import VLNCore
import VLNEncoders
import VLNMemory
import VLNRGBD
import VLNScene
import VLNSim

extension MemoryFeatureKind: ExpressibleByArgument {}

struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Build a Dynam3D token memory (patches, instances, zones) from an episode or a posed RGB-D folder, draw it, query it with text.",
        discussion: """
        `vlnsim map SOURCE --out DIR` builds (the default subcommand, `build`); `vlnsim map query DIR "text"` ranks \
        the memory's instances and zones against a text.
        """,
        subcommands: [MapBuildCommand.self, MapQueryCommand.self],
        defaultSubcommand: MapBuildCommand.self)
}

struct MapBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a token memory from an episode file or a posed RGB-D folder; write it and its top-down pictures.",
        discussion: """
        SOURCE is a scripted-episode file (.json, as `vlnsim episode --episode` reads: its actions are replayed in the \
        simulator, scene events included, and every observation is inserted) or a posed RGB-D folder (7-Scenes/3DMatch, \
        TUM RGB-D, ScanNet export, Redwood; as `vlnsim rgbd` reads).

        Features (--features): gt = each patch gets the all-MiniLM-L6-v2 embedding of its ground-truth category \
        (simulated scenes only; the default for episodes); bridge = MobileNetV2 patch logits mapped into the same text \
        space through ImageNet's class names (any frames; the default for RGB-D folders); mobilenet = raw 1280-d \
        MobileNetV2 features (no text space: `map query` refuses them).

        Grid (--grid G, a G×G grid of patches): gt uses patches of ⌈max(W, H)/G⌉ pixels on the instance ids resampled \
        (nearest) to G times that size; bridge and mobilenet run MobileNetV2 on the frame resized to 32G×32G pixels \
        (G ≤ 64). Without --grid: gt 16-pixel patches (16×16 on 256×256 frames), bridge/mobilenet MobileNetV2's own \
        stride-32 grid (8×8 on 256×256, 15×20 on 640×480).

        Segments: the renderer's instance ids for episodes; GraphSegmenter (colour, depth and normals) for RGB-D frames.

        World frame: the simulator's (Y up) for episodes; for RGB-D folders the recording's, rotated (the smallest \
        rotation) so that its gravity direction (7-Scenes' gravity-direction.txt, else the cameras' mean up vector) is \
        −Y, so that zones are level and the pictures are seen from above.

        Output (DIR, written atomically: nothing is left if the command fails): memory.vlnmem (`TokenMemory.load`), \
        labels.json (feature space, vocabulary, grid, world frame: what `map query` needs), and three top-down pictures \
        (+x right, −z up, as trajectory.png; scale bar and title on each): patches.png (each patch coloured by the top 3 \
        principal components of the patch features), instances.png (instance boxes with their best label: scene \
        categories for gt, ImageNet class names for bridge and mobilenet), zones.png (the 2 m zone grid, zones shaded by \
        their instance count and labelled with their best label). --trace FILE: one JSON line per inserted frame.
        """)

    @Argument(help: "An episode file (.json) or a posed RGB-D folder.")
    var source: String

    @Option(name: .long, help: "Output folder.")
    var out: String

    @Option(name: .long, help: "Patch features (default: gt for episodes, bridge for RGB-D folders).")
    var features: MemoryFeatureKind?

    @Option(name: .long, help: "A G×G patch grid (default: the encoder's own grid; see the text above for how each encoder gets G×G).")
    var grid: Int?

    @Option(name: .long, help: "Write one JSON line per inserted frame to this file (frame, patches_before, deleted, inserted, live counts, update_ms, …).")
    var trace: String?

    @Option(name: .long, help: "Insert at most N frames.")
    var frames: Int?

    @Option(name: .long, help: "Insert every S-th frame (observation) only.")
    var stride: Int = 1

    @OptionGroup var sceneOptions: SceneOptions

    @Option(name: .long, help: "RGB-D folder format: 7scenes, tum, scannet or redwood (default: detected).")
    var format: RGBDFormat?

    @Option(name: .long, help: "Seed of the random start when the episode file gives none.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Model cache (default: $VLNSIM_MODELS or ~/.cache/vlnsim).")
    var models: String?

    func validate() throws {
        if let g = grid, g < 1 { throw ValidationError("--grid must be at least 1 (a G×G grid of patches), not \(g)") }
        if let n = frames, n < 1 { throw ValidationError("--frames must be at least 1, not \(n)") }
        guard stride >= 1 else { throw ValidationError("--stride must be at least 1, not \(stride)") }
        guard !out.isEmpty else { throw ValidationError("--out must name a folder") }
    }

    func run() throws {
        try reportingErrors {
            try checkTraceFile()
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw VLNError.io(path: source, reason: "no such file or folder (SOURCE is an episode file or a posed RGB-D folder)")
            }
            let start = Date()
            let built = isDirectory.boolValue ? try buildFromRGBD() : try buildFromEpisode()
            let folder = try OutputFolder(destination: out)
            try built.builder.write(to: folder, title: built.title, source: source, segments: built.segments, worldFrame: built.worldFrame)
            // The trace goes next to its destination first and is renamed only once the folder is committed, so a
            // failure leaves neither.
            let stagedTrace = trace.map { $0 + ".partial-\(ProcessInfo.processInfo.processIdentifier)" }
            if let stagedTrace { try writeAtomically(Data(built.builder.trace.utf8), to: stagedTrace) }
            do { try folder.commit() } catch {
                if let stagedTrace { try? FileManager.default.removeItem(atPath: stagedTrace) }
                throw error
            }
            if let trace, let stagedTrace {
                _ = try? FileManager.default.removeItem(atPath: trace)
                do { try FileManager.default.moveItem(atPath: stagedTrace, toPath: trace) } catch {
                    throw VLNError.io(path: trace, reason: "cannot write the trace: \(error.localizedDescription)")
                }
            }
            print(built.title + ": " + built.builder.summary)
            print(String(format: "  %.1f s in all; world frame: %@", Date().timeIntervalSince(start), built.worldFrame))
            print("wrote \(out)/memory.vlnmem, labels.json, patches.png, instances.png, zones.png" + (trace.map { "; trace \($0)" } ?? ""))
        }
    }

    private func checkTraceFile() throws {
        guard let trace else { return }
        let dir = URL(fileURLWithPath: trace).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw VLNError.io(path: trace, reason: "--trace: the folder \(dir) does not exist")
        }
        if FileManager.default.fileExists(atPath: trace, isDirectory: &isDirectory), isDirectory.boolValue {
            throw VLNError.io(path: trace, reason: "--trace: is a folder, not a file")
        }
    }

    struct Built {
        var builder: MemoryBuilder, title: String, segments: String, worldFrame: String
    }

    /// Thrown by the observer to end the replay once `--frames` are inserted.
    private struct Enough: Error {}

    private func buildFromEpisode() throws -> Built {
        let episode: ScriptedEpisode
        do { episode = try ScriptedEpisode.load(path: source) } catch let e as VLNError {
            throw VLNError.badFile(path: source, reason: "neither a posed RGB-D folder nor a scripted-episode file (\(e.description))")
        }
        let scene = try sceneOptions.loadScene(orFromEpisode: episode.scene)
        let sim = try Simulator(scene: scene)
        let startState: AgentState
        if let s = episode.start { startState = s } else {
            var rng = SeededRandom(seed: seed)
            guard let p = sim.navigation.randomNavigablePoint(using: &rng, island: sim.navigation.largestIsland) else {
                throw VLNError.invalidValue(field: "scene", reason: "no navigable point in \(scene.name)")
            }
            startState = AgentState(position: p, heading: rng.uniform(-.pi, .pi))
        }
        let k = sim.settings.intrinsics
        let encoder = try MemoryFeatureEncoder(kind: features ?? .gt, grid: grid, categories: scene.instances.mapValues(\.category),
                                               imageWidth: k.width, imageHeight: k.height, models: models)
        let builder = try MemoryBuilder(encoder: encoder)
        let observations = episode.actions.count + 1
        let planned = min(frames ?? .max, (observations - 1) / stride + 1)
        let progress = ProgressBar(total: planned, label: "map")
        var index = 0
        do {
            _ = try sim.run(episode, from: startState, observer: { obs in
                defer { index += 1 }
                guard index % stride == 0 else { return }
                try builder.insert(obs, categories: sim.scene.instances.mapValues(\.category))
                progress.update(builder.memory.frameCount)
                if builder.memory.frameCount >= planned { throw Enough() }
            })
        } catch is Enough {
        } catch let VLNError.invalidValue(field, reason) where !field.hasPrefix("--") && !field.contains(":") {
            throw VLNError.badFile(path: source, field: field, reason: reason)
        }
        let name = URL(fileURLWithPath: source).lastPathComponent
        return Built(builder: builder, title: "\(scene.name) (\(name)), \(builder.memory.frameCount) frames", segments: "the renderer's instance ids",
                     worldFrame: "the simulator's (Habitat: Y up, metres)")
    }

    private func buildFromRGBD() throws -> Built {
        let detected: RGBDFormat
        do { detected = try format ?? RGBDFormat.detect(folder: source) } catch let VLNError.badFile(path, _, _, reason) {
            throw VLNError.badFile(path: path, reason: "neither a posed RGB-D folder nor an episode file: \(reason)")
        }
        let kind = features ?? .bridge
        if kind == .gt {
            throw VLNError.invalidValue(field: "--features gt", reason: "\(source) holds real RGB-D frames, which have no ground-truth instance categories; use --features bridge or mobilenet")
        }
        let seq = try RGBDSequence.load(source, format: detected)
        let plane = GroundPlane.estimate(points: [], cameraPoses: seq.poses, gravity: seq.gravity)
        let align = RigidTransform(rotation: rotation(from: plane.up, to: Vec3(0, 1, 0)))
        let encoder = try MemoryFeatureEncoder(kind: kind, grid: grid, categories: nil, imageWidth: seq.intrinsics.width,
                                               imageHeight: seq.intrinsics.height, models: models)
        let builder = try MemoryBuilder(encoder: encoder, memoryFromRecording: align)
        let indices = Array(Swift.stride(from: 0, to: seq.count, by: stride).prefix(frames ?? .max))
        let progress = ProgressBar(total: indices.count, label: "map")
        let segmenter = GraphSegmenter()
        for (k, i) in indices.enumerated() {
            let frame = try seq.frame(at: i)
            try builder.insert(frame, step: i, name: URL(fileURLWithPath: seq.entries[i].colorPath).lastPathComponent) { f in
                try segmenter.segment(rgb: f.color, depth: f.depth, intrinsics: f.intrinsics)
            }
            progress.update(k + 1)
        }
        let name = URL(fileURLWithPath: source).standardized.lastPathComponent
        let up = String(format: "(%.3f, %.3f, %.3f)", plane.up.x, plane.up.y, plane.up.z)
        return Built(builder: builder, title: "\(name) (\(seq.format.displayName)), \(builder.memory.frameCount) of \(seq.count) frames",
                     segments: "GraphSegmenter (colour, depth, normals)",
                     worldFrame: "the recording's, rotated so that its up direction \(up) (\(plane.source)) is +Y")
    }
}

/// The smallest rotation taking unit vector `u` to unit vector `v` (a half turn about an axis orthogonal to `u` when
/// they are opposite).
func rotation(from u: Vec3, to v: Vec3) -> Mat3 {
    let a = normalize(u), b = normalize(v)
    let axis = cross(a, b), s = length(axis), c = dot(a, b)
    if s < 1e-7 {
        if c > 0 { return .identity }
        let helper = abs(a.x) < 0.9 ? Vec3(1, 0, 0) : Vec3(0, 0, 1)
        return Mat3(Quaternion(axis: normalize(cross(a, helper)), angle: .pi))
    }
    return Mat3(Quaternion(axis: axis / s, angle: atan2(s, c)))
}

struct MapQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Rank a memory's instances and zones by the cosine of their features with a text's all-MiniLM-L6-v2 embedding.",
        discussion: """
        MEMORY is a folder written by `vlnsim map` (or `vlnsim episode --memory`), or its memory.vlnmem; labels.json \
        beside it says which features the memory holds. Memories of gt or bridge features are in all-MiniLM-L6-v2 \
        space; a memory of raw MobileNetV2 features (--features mobilenet) has no text space and is refused. Each result \
        shows its score (cosine), its best label (scene categories for gt, ImageNet class names for bridge), its centre \
        and extent (instances: the box of its patches; zones: the grid cell) in metres, in the memory's world frame.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "The memory folder (or its memory.vlnmem).")
    var memory: String

    @Argument(help: "The text, e.g. \"refrigerator\" or \"where I can wash my hands\".")
    var text: String

    @Option(name: .long, help: "How many instances and how many zones to print.")
    var top: Int = 5

    @Option(name: .long, help: "Output format: text or json.")
    var format: Format = .text

    @Option(name: .long, help: "Model cache (default: $VLNSIM_MODELS or ~/.cache/vlnsim).")
    var models: String?

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1, not \(top)") }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("give a non-empty text to search for") }
    }

    struct Result: Encodable {
        var rank: Int, id: Int32, score: Float, label: String, labelScore: Float
        var centre: [Float], lower: [Float], upper: [Float], extent: [Float]
        var patches: Int?, instances: Int?
    }

    struct Report: Encodable {
        var memory: String, query: String, features: String, textEncoder: String
        var instances: [Result], zones: [Result]
    }

    func run() throws {
        try reportingErrors {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: memory, isDirectory: &isDirectory) else {
                throw VLNError.io(path: memory, reason: "no such memory folder or file")
            }
            let file = isDirectory.boolValue ? memory + "/memory.vlnmem" : memory
            let labelsPath = URL(fileURLWithPath: file).deletingLastPathComponent().path + "/" + MemoryLabelsFile.fileName
            guard FileManager.default.fileExists(atPath: file) else {
                throw VLNError.io(path: file, reason: "missing: \(memory) is not a memory folder written by `vlnsim map`")
            }
            guard FileManager.default.fileExists(atPath: labelsPath) else {
                throw VLNError.io(path: labelsPath, reason: "missing: it says which feature space the memory uses (written by `vlnsim map` beside memory.vlnmem)")
            }
            let labels = try MemoryLabelsFile.load(path: labelsPath)
            guard let space = labels.textEncoder, labels.features != .mobilenet else {
                throw VLNError.invalidValue(field: "query", reason: "\(file) holds raw MobileNetV2 features (--features mobilenet), which are not in a text space; text queries need a memory built with --features gt or bridge")
            }
            guard space == "all-MiniLM-L6-v2" else {
                throw VLNError.badFile(path: labelsPath, field: "text_encoder", reason: "'\(space)': this vlnsim embeds text with all-MiniLM-L6-v2 only")
            }
            let m = try TokenMemory.load(from: file)
            let minilm = try MiniLM(models: models)
            guard m.featureDimension == minilm.dimension else {
                throw VLNError.badFile(path: file, field: "feature_dimension", reason: "\(m.featureDimension)-d features, all-MiniLM-L6-v2 embeds in \(minilm.dimension) dimensions")
            }
            let vocabulary: LabelVocabulary
            if labels.features == .bridge, labels.vocabulary == ImageNetClasses.names {
                let network = try MobileNetV2(models: models)
                let cache = try ModelPath.resolve(.mobileNetV2, in: models) + "/imagenet_class_embeddings.all-MiniLM-L6-v2.safetensors"
                let bridge = try ImageNetLanguageBridge(network: network, textEncoder: minilm, textEncoderName: "all-MiniLM-L6-v2", cacheFile: cache)
                vocabulary = try MemoryLabeller.imageNetVocabulary(bridge)
            } else {
                do { vocabulary = try LabelVocabulary(names: labels.vocabulary, embeddings: try minilm.embed(batch: labels.vocabulary)) }
                catch let VLNError.invalidValue(_, reason) { throw VLNError.badFile(path: labelsPath, field: "vocabulary", reason: reason) }
            }
            let q = try minilm.embed(text)
            func v(_ p: Vec3) -> [Float] { [p.x, p.y, p.z].map { ($0 * 1000).rounded() / 1000 } }
            let instances = try m.rankInstances(q, top: top).enumerated().map { rank, r -> Result in
                let t = m.instance(r.id)!, l = vocabulary.label(of: m.instanceFeature(r.id)!)
                return Result(rank: rank + 1, id: r.id, score: r.score, label: l.name, labelScore: l.score, centre: v(t.centre),
                              lower: v(t.lower), upper: v(t.upper), extent: v(t.extent), patches: t.patchCount, instances: nil)
            }
            let size = m.configuration.zoneSize
            let zones = try m.rankZones(q, top: top).enumerated().map { rank, r -> Result in
                let z = m.zone(r.id)!, l = vocabulary.label(of: m.zoneFeature(r.id)!)
                let lo = Vec3(Float(z.cell.x), Float(z.cell.y), Float(z.cell.z)) * size
                return Result(rank: rank + 1, id: r.id, score: r.score, label: l.name, labelScore: l.score, centre: v(z.centre),
                              lower: v(lo), upper: v(lo + size), extent: v(Vec3(repeating: size)), patches: nil, instances: z.instances.count)
            }
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let report = Report(memory: file, query: text, features: labels.features.rawValue, textEncoder: space, instances: instances, zones: zones)
                FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
            case .text:
                var out = "memory: \(file) (\(labels.features.rawValue): \(labels.featureSpace); \(m.livePatchCount) patches, \(m.liveInstanceCount) instances, \(m.liveZoneCount) zones, \(m.frameCount) frames)\n"
                out += "query: \"\(text)\" (\(space), cosine)\n"
                func xyz(_ a: [Float]) -> String { String(format: "(%.2f, %.2f, %.2f)", a[0], a[1], a[2]) }
                out += "instances (top \(instances.count) of \(m.liveInstanceCount)):\n"
                out += "  rank  score   label                      centre (x, y, z) m      extent x × y × z m     patches  id\n"
                for r in instances {
                    out += String(format: "  %4d  %.4f  %@  %@  %@  %7d  %d\n", r.rank, r.score, pad(r.label, 25), pad(xyz(r.centre), 22),
                                  pad(String(format: "%.2f × %.2f × %.2f", r.extent[0], r.extent[1], r.extent[2]), 21), r.patches ?? 0, r.id)
                }
                out += "zones (top \(zones.count) of \(m.liveZoneCount); extent = the \(formatMetres(size)) grid cell from its lower corner):\n"
                out += "  rank  score   label                      centre (x, y, z) m      cell lower corner      instances  id\n"
                for r in zones {
                    out += String(format: "  %4d  %.4f  %@  %@  %@  %9d  %d\n", r.rank, r.score, pad(r.label, 25), pad(xyz(r.centre), 22),
                                  pad(xyz(r.lower), 21), r.instances ?? 0, r.id)
                }
                FileHandle.standardOutput.write(Data(out.utf8))
            }
        }
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
