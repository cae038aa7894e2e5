import ArgumentParser
import Foundation
import VLNCore
import VLNImage
import VLNNavigation
import VLNScene
import VLNSim

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render one view: OUT/rgb.png, OUT/depth.png (16-bit millimetres) and OUT/instance.png (ids as colours).")

    @OptionGroup var sceneOptions: SceneOptions

    @Option(name: .long, help: "Agent position x,y,z (metres, on the floor); the camera is --camera-height above it.")
    var position: Vec3Argument

    @Option(name: .long, help: "Heading in degrees (0 faces −Z, positive turns left).")
    var heading: Float = 0

    @Option(name: .long, help: "Image width in pixels.")
    var width: Int = 256

    @Option(name: .long, help: "Image height in pixels.")
    var height: Int = 256

    @Option(name: .long, help: "Horizontal field of view in degrees.")
    var hfov: Float = 90

    @Option(name: .long, help: "Camera height above the agent's base, metres.")
    var cameraHeight: Float = 1.25

    @Flag(name: .long, help: "Render even if the position is not navigable (inside furniture, outside the floor).")
    var anywhere = false

    @Option(name: .long, help: "Output folder.")
    var out: String = "out/render"

    func validate() throws {
        guard (1...8192).contains(width), (1...8192).contains(height) else { throw ValidationError("--width/--height must be within 1…8192") }
        guard hfov > 0, hfov < 180 else { throw ValidationError("--hfov must be within (0, 180) degrees") }
        guard heading.isFinite, cameraHeight.isFinite, cameraHeight >= 0 else {
            throw ValidationError("--heading must be finite and --camera-height finite and ≥ 0")
        }
        guard !out.isEmpty else { throw ValidationError("--out must name a folder") }
    }

    func run() throws {
        try reportingErrors {
            let scene = try sceneOptions.loadScene()
            var settings = AgentSettings()
            settings.intrinsics = CameraIntrinsics(width: width, height: height, hfov: hfov.radians)
            settings.cameraHeight = cameraHeight
            var state = AgentState(position: position.value, heading: heading.headingRadians)
            if !anywhere {
                let sim = try Simulator(scene: scene, settings: settings)
                do { try sim.reset(to: state) } catch let VLNError.invalidValue(_, reason) {
                    throw VLNError.invalidValue(field: "--position", reason: reason + " (--anywhere renders it anyway)")
                }
                state = sim.agent
            }
            let obs = Observation.render(scene: scene, agent: state, settings: settings)
            let folder = try OutputFolder(destination: out)
            try PNG.write(obs.rgb, to: folder.path("rgb.png"))
            try PNG.write(obs.depthMillimetres, to: folder.path("depth.png"))
            try PNG.write(obs.instanceColors, to: folder.path("instance.png"))
            try folder.commit()
            let valid = obs.depth.pixels.filter { $0 > 0 }
            print(String(format: "%d×%d, hfov %.0f°: depth %.2f…%.2f m over %d%% of pixels, %d instances visible",
                         width, height, hfov, valid.min() ?? 0, valid.max() ?? 0, valid.count * 100 / max(1, obs.depth.pixels.count),
                         Set(obs.instanceIds.pixels).subtracting([0]).count))
            print("wrote \(out)/rgb.png, \(out)/depth.png, \(out)/instance.png")
        }
    }
}

struct GenerateSceneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-scene",
        abstract: "Generate a procedural multi-room house (seeded) as OUT/house_NNNN.json + .obj.")

    @Option(name: .long, help: "Seed: the same seed gives the same house.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Number of rooms, 4…8 (default: chosen by the seed, 4–7).")
    var rooms: Int?

    @Option(name: .long, help: "Output folder.")
    var out: String = "out/scenes"

    func validate() throws {
        if let r = rooms, !(4...8).contains(r) { throw ValidationError("--rooms must be within 4…8") }
    }

    func run() throws {
        try reportingErrors {
            let scene = HouseGenerator(seed: seed, roomCount: rooms).generate()
            let name = String(format: "house_%04llu", seed)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try scene.write(to: out, name: name)
            let rooms = scene.regions.map(\.label).joined(separator: ", ")
            print("\(out)/\(name).json: \(scene.regions.count) rooms (\(rooms)), \(scene.instances.count) instances, \(scene.mesh.triangleCount) triangles")
        }
    }
}

struct SceneInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scene-info",
        abstract: "Describe a scene: geometry, instances by category, regions, navigable area and islands.",
        discussion: """
        A scene an agent cannot walk in (no floor, or floor too narrow for the agent) is still described: the last \
        line says it has no navigable area and why, and the command succeeds.
        """)

    @OptionGroup var sceneOptions: SceneOptions

    @Flag(name: .long, help: "List every instance: id, category, centre and size of its bounding box (for scripting events).")
    var instances = false

    func run() throws {
        try reportingErrors {
            let scene = try sceneOptions.loadScene()
            let b = scene.bounds
            print("scene \(scene.name)")
            if !scene.provenance.isEmpty { print("  provenance: \(scene.provenance)") }
            print(String(format: "  bounds: x %.2f…%.2f, y %.2f…%.2f, z %.2f…%.2f m", b.lower.x, b.upper.x, b.lower.y, b.upper.y, b.lower.z, b.upper.z))
            print("  \(scene.mesh.triangleCount) triangles, \(scene.points.count) points, \(scene.instances.count) instances")
            var counts: [String: Int] = [:]
            for i in scene.instances.values { counts[i.category, default: 0] += 1 }
            print("  categories: " + counts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))
            if !scene.regions.isEmpty { print("  regions: " + scene.regions.map(\.label).joined(separator: ", ")) }
            if instances {
                for id in scene.instances.keys.sorted() {
                    guard let info = scene.instances[id], let box = scene.bounds(ofInstance: id) else { continue }
                    let c = box.center, e = box.extent
                    let room = scene.region(containing: c)?.label ?? "-"
                    let name = info.category.padding(toLength: max(18, info.category.count), withPad: " ", startingAt: 0)
                    print(String(format: "  instance %4u  ", id) + name
                          + String(format: " centre (%6.2f, %5.2f, %6.2f)  size %.2f × %.2f × %.2f m  in ", c.x, c.y, c.z, e.x, e.y, e.z) + room)
                }
            }
            print("  " + navigationSummary(scene))
        }
    }

    /// The navigable area and islands for VLN-CE's agent, or — the scene is still described, and the command
    /// succeeds — that there is none and why: no floor geometry at all, or floor everywhere too close to
    /// obstacles or its edge.
    func navigationSummary(_ scene: Scene) -> String {
        let settings = AgentSettings().navigation
        let agent = String(format: "agent radius %.2f m, height %.2f m, cell %.2f m", settings.agentRadius,
                           settings.agentHeight, settings.cellSize)
        let nav: NavigationGrid
        let consequence = "an agent cannot be placed in it (render --anywhere can still render it)"
        do { nav = try NavigationGrid(scene: scene, settings: settings) } catch {
            var reason = "\(error)"
            if case let VLNError.invalidValue(_, r) = error { reason = r }
            return "no navigable area (\(agent)): \(reason); \(consequence)"
        }
        if nav.islandCount == 0 {
            return "no navigable area (\(agent)): " + String(format: "its %.2f m² of floor are all ", nav.area(of: .floor))
                + "within the agent radius of an obstacle or of the floor's edge; \(consequence)"
        }
        return String(format: "navigable area %.2f m² (%@), %d island(s)", nav.navigableArea, agent, nav.islandCount)
    }
}

struct ImageInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image-info",
        abstract: "Describe a PNG or JPEG: size, channels, bit depth and sample range (e.g. a 16-bit depth map in mm).")

    @Argument(help: "A .png, .jpg or .jpeg file.")
    var path: String

    func run() throws {
        try reportingErrors {
            let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
            let img: DecodedImage
            switch ext {
            case "png": img = try PNG.read(path)
            case "jpg", "jpeg": img = try JPEG.read(path)
            default: throw VLNError.badFile(path: path, reason: "unknown image extension '\(ext)' (expected png, jpg or jpeg)")
            }
            let (lo, hi): (Int, Int) = img.bitDepth == 16
                ? (Int(img.samples16.min() ?? 0), Int(img.samples16.max() ?? 0))
                : (Int(img.samples8.min() ?? 0), Int(img.samples8.max() ?? 0))
            print("\(path): \(img.width)×\(img.height), \(img.channels) channel(s), \(img.bitDepth)-bit, samples \(lo)…\(hi)")
            if img.bitDepth == 16 && img.channels == 1 {
                let valid = img.samples16.filter { $0 > 0 }
                print(String(format: "  as depth: %.1f%% valid; %.3f…%.3f m at 1/1000 (7-Scenes, ScanNet), %.3f…%.3f m at 1/5000 (TUM)",
                             Double(valid.count) * 100 / Double(max(1, img.samples16.count)),
                             Double(valid.min() ?? 0) / 1000, Double(valid.max() ?? 0) / 1000,
                             Double(valid.min() ?? 0) / 5000, Double(valid.max() ?? 0) / 5000))
            }
        }
    }
}
