import ArgumentParser
import Foundation
import VLNCore
import VLNImage
import VLNRGBD
import VLNScene
import VLNSim

struct RGBDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rgbd",
        abstract: "Posed RGB-D sequences (7-Scenes/3DMatch, TUM RGB-D, ScanNet export, Redwood/Open3D .log): info and fusion.",
        subcommands: [RGBDInfoCommand.self, RGBDFuseCommand.self])
}

extension RGBDFormat: ExpressibleByArgument {}

/// Options shared by the `rgbd` subcommands: the folder and how to read it.
struct RGBDSequenceOptions: ParsableArguments {
    @Argument(help: "The sequence folder.")
    var folder: String

    @Option(name: .long, help: "Format: 7scenes, tum, scannet or redwood (default: detected from the files).")
    var format: RGBDFormat?

    @Option(name: .long, help: "Depth intrinsics fx,fy,cx,cy in pixels as datasets write them (pixel centres at integers), overriding the folder's or the format's default.")
    var intrinsics: String?

    @Option(name: .long, help: "TUM: largest timestamp difference for associating colour, depth and poses, seconds.")
    var tolerance: Double = 0.02

    @Flag(name: .long, help: "7-Scenes, ScanNet: leave out frames whose pose is NaN or infinite (lost tracking) instead of failing.")
    var skipInvalidPoses = false

    func validate() throws {
        if let s = intrinsics, parsedIntrinsics(s) == nil { throw ValidationError("--intrinsics needs four positive numbers fx,fy,cx,cy") }
        guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be positive") }
    }

    private func parsedIntrinsics(_ s: String) -> [Double]? {
        let v = s.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard v.count == 4, v.allSatisfy(\.isFinite), v[0] > 0, v[1] > 0 else { return nil }
        return v
    }

    func load() throws -> RGBDSequence {
        var options = RGBDLoadOptions(timestampTolerance: tolerance, skipInvalidPoses: skipInvalidPoses)
        if let s = intrinsics, let v = parsedIntrinsics(s) {
            // The size comes from the first depth image: load once without, then with the given K.
            let probe = try RGBDSequence.load(folder, format: format, options: options)
            options.intrinsics = CameraConventions.intrinsics(width: probe.intrinsics.width, height: probe.intrinsics.height,
                                                              fileFx: v[0], fy: v[1], cx: v[2], cy: v[3])
        }
        return try RGBDSequence.load(folder, format: format, options: options)
    }
}

struct RGBDInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a posed RGB-D folder: format, frames, resolution, intrinsics, depth range, trajectory length, duration.")

    @OptionGroup var sequence: RGBDSequenceOptions

    @Option(name: .long, help: "Frames whose depth is read for the depth statistics (spread over the sequence).")
    var sample: Int = 20

    func validate() throws { guard sample >= 1 else { throw ValidationError("--sample must be ≥ 1") } }

    func run() throws {
        try reportingErrors {
            let seq = try sequence.load()
            let s = try seq.summary(maxSampledFrames: sample)
            let k = s.intrinsics, f = CameraConventions.fileIntrinsics(k)
            print("\(seq.root): \(s.format.displayName) (\(s.format.rawValue))")
            print("  frames: \(s.frameCount)")
            print("  resolution: \(k.width)×\(k.height)")
            print(String(format: "  intrinsics: fx %.3f, fy %.3f, cx %.3f, cy %.3f px (file convention; hfov %.1f°)", f.fx, f.fy, f.cx, f.cy, k.hfov.degrees))
            if let c = seq.colorIntrinsics { print("  colour camera: \(c.width)×\(c.height), resampled into the depth camera") }
            print(String(format: "  depth scale: %g m per unit", seq.depthScale))
            if let r = s.depthRange {
                print(String(format: "  depth: %.3f … %.3f m, median %.2f m, %.0f%% valid (%d of %d frames sampled)",
                             r.lowerBound, r.upperBound, s.medianDepth ?? 0, s.validDepthFraction * 100, s.sampledFrames.count, s.frameCount))
            } else {
                print("  depth: no valid depth in the \(s.sampledFrames.count) sampled frames")
            }
            print(String(format: "  trajectory: %.2f m", s.trajectoryLength))
            if let d = s.duration { print(String(format: "  duration: %.2f s (%.1f frames/s)", d, d > 0 ? Double(s.frameCount - 1) / d : 0)) }
            if let g = seq.gravity { print(String(format: "  gravity: (%.3f, %.3f, %.3f) in the world frame", g.x, g.y, g.z)) }
            for n in s.notes { print("  note: \(n)") }
        }
    }
}

struct RGBDFuseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuse",
        abstract: "Back-project every frame into one voxel-downsampled coloured point cloud: OUT/fused.ply and OUT/topdown.png.",
        discussion: """
        fused.ply is binary little-endian PLY (float x y z in the recording's world frame, metres; uchar red green blue), \
        one point per occupied voxel (the mean of its points). topdown.png shows the cloud from above with the camera \
        path (blue start, red end, arrows = viewing directions). The ground plane is orthogonal to the recording's gravity \
        direction when it gives one (7-Scenes' gravity-direction.txt), else the plane of the cloud's two largest-variance \
        axes. Nothing is written if any frame fails to load.
        """)

    @OptionGroup var sequence: RGBDSequenceOptions

    @Option(name: .long, help: "Voxel size, metres.")
    var voxel: Float = 0.05

    @Option(name: .long, help: "Use every N-th pixel in x and y.")
    var stride: Int = 1

    @Option(name: .long, help: "Ignore depths beyond this, metres.")
    var maxDepth: Float?

    @Option(name: .long, help: "Output folder.")
    var out: String = "out/fused"

    func validate() throws {
        guard voxel > 0, voxel.isFinite, voxel >= 0.001 else { throw ValidationError("--voxel must be at least 0.001 m") }
        guard (1...64).contains(stride) else { throw ValidationError("--stride must be within 1…64") }
        if let m = maxDepth, !(m > 0 && m.isFinite) { throw ValidationError("--max-depth must be positive") }
    }

    func run() throws {
        try reportingErrors {
            let seq = try sequence.load()
            let fusion = RGBDFusion(voxelSize: voxel, stride: stride, maxDepth: maxDepth ?? .greatestFiniteMagnitude)
            let progress = ProgressBar(total: seq.count, label: "fuse")
            let start = Date()
            let result = try fusion.fuse(seq) { progress.update($0) }
            let seconds = Date().timeIntervalSince(start)
            let plane = GroundPlane.estimate(points: result.cloud.positions, cameraPoses: result.cameraPoses, gravity: seq.gravity)
            let folder = try OutputFolder(destination: out)
            let name = URL(fileURLWithPath: seq.root).standardized.lastPathComponent
            try PLY.write(result.cloud, to: folder.path("fused.ply"),
                          comments: ["fused from \(seq.format.rawValue) sequence \(name): \(seq.count) frames, voxel \(voxel) m, stride \(stride)"])
            let title = String(format: "%@ (%@): %d frames, %d points, voxel %.0f cm", name, seq.format.displayName, seq.count,
                               result.cloud.count, voxel * 100)
            let image = FusedCloudMap(cloud: result.cloud, cameraPoses: result.cameraPoses, plane: plane).draw(title: title)
            try PNG.write(image, to: folder.path("topdown.png"))
            try folder.commit()
            print(String(format: "%@: %d frames, %d points lifted, %d after %.3f m voxels (%.1f frames/s)", seq.root, seq.count,
                         result.liftedPoints, result.cloud.count, voxel, Double(seq.count) / max(seconds, 1e-9)))
            print("  top-down view: plane \(plane.source)")
            print("wrote \(out)/fused.ply, \(out)/topdown.png")
        }
    }
}
