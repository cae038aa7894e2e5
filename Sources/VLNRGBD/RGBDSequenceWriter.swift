import Foundation
import VLNCore
import VLNImage

/// Writes posed RGB-D frames as a folder that `RGBDSequence.load` — and Open3D, SLAM systems and the datasets' own
/// tools — can read. Frames are written as they come (`append`); `finish()` writes the index files.
///
/// Conversions (the inverse of the loaders'): poses `worldFromCamera_CV = worldFromCamera_GL · diag(1, −1, −1)`;
/// intrinsics with pixel centres at integers (`cx − 0.5`, `cy − 0.5`); depth rounded to the nearest unit, 0 for
/// invalid depth or depth beyond the format's range (65.535 m for 7-Scenes, 13.107 m for TUM).
///
/// - `.sevenScenes`: `frame-XXXXXX.color.png` (lossless, not JPEG), `frame-XXXXXX.depth.png` (16-bit millimetres),
///   `frame-XXXXXX.pose.txt` (4×4 camera-to-world, 9 significant digits), `camera-intrinsics.txt` (3×3 `K`) and,
///   if `gravity` is given, `gravity-direction.txt`. Read back: colour exact, depth within 0.5 mm.
/// - `.tum`: `rgb/T.png`, `depth/T.png` (16-bit, 1/5000 m), `rgb.txt`, `depth.txt`, `groundtruth.txt`
///   (`timestamp tx ty tz qx qy qz qw`), plus `camera-intrinsics.txt` (not part of TUM's format: without it TUM
///   readers assume their own camera). Timestamps `T` are the frames' own, or `index / frameRate` when a frame has
///   none, printed with 6 decimals. Read back: colour exact, depth within 0.1 mm.
///
/// The writer writes into `folder` directly; for all-or-nothing output, point it into a staging folder
/// (vlnsim's `OutputFolder`).
public final class RGBDSequenceWriter {
    /// The format written: `.sevenScenes` or `.tum`.
    public let format: RGBDFormat
    /// The folder the files go into.
    public let folder: String
    /// Frames per second for frames without a timestamp (TUM).
    public let frameRate: Double
    /// Unit gravity direction in the world frame, written as 7-Scenes' `gravity-direction.txt`.
    public let gravity: Vec3?
    private var intrinsics: CameraIntrinsics?
    private var rgbLines: [String] = [], depthLines: [String] = [], poseLines: [String] = []
    /// Frames written so far.
    public private(set) var count = 0

    /// - Throws: `VLNError.invalidValue` for a format that cannot be written (ScanNet, Redwood) or a bad frame rate;
    ///   `VLNError.io` if the folder cannot be created.
    public init(format: RGBDFormat, folder: String, frameRate: Double = 10, gravity: Vec3? = nil) throws {
        guard format == .sevenScenes || format == .tum else {
            throw VLNError.invalidValue(field: "format", reason: "\(format.rawValue) cannot be written; use 7scenes or tum")
        }
        guard frameRate > 0, frameRate.isFinite else { throw VLNError.invalidValue(field: "frameRate", reason: "must be positive") }
        self.format = format; self.folder = folder; self.frameRate = frameRate; self.gravity = gravity
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if format == .tum {
                for d in ["rgb", "depth"] { try FileManager.default.createDirectory(atPath: folder + "/" + d, withIntermediateDirectories: true) }
            }
        } catch {
            throw VLNError.io(path: folder, reason: "cannot create the folder: \((error as NSError).localizedDescription)")
        }
    }

    /// Writes one frame's images (and, for 7-Scenes, its pose).
    /// - Throws: `VLNError.invalidValue` if the intrinsics differ from the first frame's (one camera per folder);
    ///   `VLNError.io` on write errors.
    public func append(_ frame: RGBDFrame) throws {
        if let k = intrinsics, k != frame.intrinsics {
            throw VLNError.invalidValue(field: "intrinsics", reason: "frame \(count) has other intrinsics than frame 0; a folder holds one camera")
        }
        intrinsics = frame.intrinsics
        let cv = CameraConventions.flipCameraAxes(frame.worldFromCamera)
        switch format {
        case .sevenScenes:
            let stem = folder + String(format: "/frame-%06d", count)
            try PNG.write(frame.color, to: stem + ".color.png")
            try PNG.write(Self.quantise(frame.depth, unitsPerMetre: 1000), to: stem + ".depth.png")
            try writeAtomically(Data(PoseText.format(cv).utf8), to: stem + ".pose.txt")
        case .tum:
            let t = frame.timestamp ?? Double(count) / frameRate
            let ts = String(format: "%.6f", t)
            try PNG.write(frame.color, to: folder + "/rgb/\(ts).png")
            try PNG.write(Self.quantise(frame.depth, unitsPerMetre: 5000), to: folder + "/depth/\(ts).png")
            rgbLines.append("\(ts) rgb/\(ts).png")
            depthLines.append("\(ts) depth/\(ts).png")
            let q = PoseText.quaternion(cv.rotation), p = cv.translation
            poseLines.append(([t] + [Double(p.x), Double(p.y), Double(p.z)]).enumerated().map { $0.offset == 0 ? ts : String(format: "%.9g", $0.element) }.joined(separator: " ")
                             + " " + q.map { String(format: "%.9g", $0) }.joined(separator: " "))
        case .scanNet, .redwood:
            preconditionFailure("rejected in init")
        }
        count += 1
    }

    /// Writes the index files: intrinsics (and gravity) for 7-Scenes; rgb.txt, depth.txt, groundtruth.txt and
    /// intrinsics for TUM.
    /// - Throws: `VLNError.invalidValue` if no frame was appended; `VLNError.io` on write errors.
    public func finish() throws {
        guard let k = intrinsics else { throw VLNError.invalidValue(field: "frames", reason: "no frame to write") }
        let f = CameraConventions.fileIntrinsics(k)
        let kText = [[f.fx, 0, f.cx], [0, f.fy, f.cy], [0, 0, 1]].map { $0.map { String(format: "%.9g", $0) }.joined(separator: " ") }
            .joined(separator: "\n") + "\n"
        try writeAtomically(Data(kText.utf8), to: folder + "/camera-intrinsics.txt")
        switch format {
        case .sevenScenes:
            if let g = gravity {
                try writeAtomically(Data(String(format: "%.9g\n%.9g\n%.9g\n", g.x, g.y, g.z).utf8), to: folder + "/gravity-direction.txt")
            }
        case .tum:
            let head = "# written by vlnsim: \(count) frames, \(frameRate) Hz nominal\n"
            try writeAtomically(Data((head + "# timestamp filename\n" + rgbLines.joined(separator: "\n") + "\n").utf8), to: folder + "/rgb.txt")
            try writeAtomically(Data((head + "# timestamp filename\n" + depthLines.joined(separator: "\n") + "\n").utf8), to: folder + "/depth.txt")
            try writeAtomically(Data((head + "# timestamp tx ty tz qx qy qz qw\n" + poseLines.joined(separator: "\n") + "\n").utf8),
                                to: folder + "/groundtruth.txt")
        case .scanNet, .redwood:
            preconditionFailure("rejected in init")
        }
    }

    /// Depth in metres → 16-bit units, rounded; 0 for invalid or out-of-range depth.
    static func quantise(_ d: DepthImage, unitsPerMetre: Float) -> Image<UInt16> {
        Image(width: d.width, height: d.height, pixels: d.pixels.map { v in
            guard v.isFinite, v > 0 else { return 0 }
            let u = (v * unitsPerMetre).rounded()
            return u >= 1 && u < 65535 ? UInt16(u) : 0
        })
    }
}
