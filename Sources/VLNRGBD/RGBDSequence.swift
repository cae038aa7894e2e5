import Foundation
import VLNCore
import VLNImage

/// Options of `RGBDSequence.load`.
public struct RGBDLoadOptions: Sendable {
    /// Intrinsics of the depth camera in the project's convention (pixel centres at integer + 0.5), overriding what
    /// the folder says or the format's default. The size must match the depth images.
    public var intrinsics: CameraIntrinsics?
    /// TUM: largest timestamp difference, seconds, for associating colour, depth and ground-truth poses
    /// (TUM's `associate.py` default 0.02 s).
    public var timestampTolerance: Double = 0.02
    /// 7-Scenes, ScanNet: leave out frames whose pose has NaN or infinite entries (how these datasets mark frames
    /// where tracking was lost) instead of failing the load. A pose that is finite but not rigid is still an error.
    public var skipInvalidPoses = false

    /// Options with the given values; by default no intrinsics override, a 0.02 s tolerance, and invalid poses are errors.
    public init(intrinsics: CameraIntrinsics? = nil, timestampTolerance: Double = 0.02, skipInvalidPoses: Bool = false) {
        self.intrinsics = intrinsics; self.timestampTolerance = timestampTolerance; self.skipInvalidPoses = skipInvalidPoses
    }
}

/// A posed RGB-D recording, loaded lazily: an index of file paths and poses; `frame(at:)` reads one frame's images.
///
/// Every loader converts to the project's conventions (DESIGN.md): depth in metres (0 = invalid), poses
/// `worldFromCamera` with an OpenGL camera (x right, y up, −z forward), intrinsics with pixel centres at integer + 0.5
/// (see `CameraConventions`). The world frame stays the dataset's own: it is not gravity-aligned in general;
/// `gravity` gives the down direction when the recording states it.
///
/// Loaders: `loadSevenScenes`, `loadTUM`, `loadScanNet`, `loadRedwood`; `load(_:format:options:)` detects the format.
/// They check the index when loading (every listed frame has its colour, depth and pose file; poses are finite rigid
/// transforms) and the images when reading a frame (decodable, the sequence's resolution).
public struct RGBDSequence: Sendable {
    /// One frame's files and pose.
    public struct Entry: Sendable {
        /// Colour image file (PNG or JPEG).
        public var colorPath: String
        /// 16-bit single-channel PNG depth file, raw units (see `depthScale`).
        public var depthPath: String
        /// Pose in the project's convention (OpenGL camera → the dataset's world), metres.
        public var worldFromCamera: RigidTransform
        /// Seconds, when the format records it.
        public var timestamp: Double?
        /// An entry from its two image paths, its pose (project convention) and, optionally, its timestamp in seconds.
        public init(colorPath: String, depthPath: String, worldFromCamera: RigidTransform, timestamp: Double? = nil) {
            self.colorPath = colorPath; self.depthPath = depthPath; self.worldFromCamera = worldFromCamera; self.timestamp = timestamp
        }
    }

    /// The dataset format the sequence was read as.
    public let format: RGBDFormat
    /// The folder the sequence was read from.
    public let root: String
    /// Intrinsics of the depth camera (and of the colour images `frame(at:)` returns), project convention.
    public let intrinsics: CameraIntrinsics
    /// Metres per raw depth unit: 0.001 for millimetres (7-Scenes, ScanNet, Redwood), 0.0002 for TUM (1/5000).
    /// Raw 0 and 65535 (Kinect's "no reading" in 7-Scenes) are invalid (depth 0).
    public let depthScale: Float
    /// Intrinsics of the colour camera when the colour images have their own (ScanNet); `frame(at:)` then resamples
    /// colour into the depth camera (see `loadScanNet`). Nil when colour is registered to depth.
    public let colorIntrinsics: CameraIntrinsics?
    /// The frames in recording order.
    public let entries: [Entry]
    /// Unit gravity direction (down) in the world frame, when the recording states it (7-Scenes'
    /// `gravity-direction.txt`); nil otherwise.
    public let gravity: Vec3?
    /// Things the loader did that a user should know (frames dropped for lack of an association, defaults used).
    public let notes: [String]

    /// Builds a sequence from an index (for loaders and tests). The size of `intrinsics` must be the depth images'.
    /// - Throws: `VLNError.badFile(path: root)` for an empty index; `VLNError.invalidValue` for bad intrinsics.
    public init(format: RGBDFormat, root: String, intrinsics: CameraIntrinsics, depthScale: Float, entries: [Entry],
                colorIntrinsics: CameraIntrinsics? = nil, gravity: Vec3? = nil, notes: [String] = []) throws {
        guard !entries.isEmpty else { throw VLNError.badFile(path: root, reason: "no frames") }
        try intrinsics.validate()
        try colorIntrinsics?.validate()
        guard depthScale > 0, depthScale.isFinite else { throw VLNError.invalidValue(field: "depthScale", reason: "must be positive") }
        self.format = format; self.root = root; self.intrinsics = intrinsics; self.depthScale = depthScale
        self.entries = entries; self.colorIntrinsics = colorIntrinsics; self.gravity = gravity; self.notes = notes
    }

    /// Number of frames.
    public var count: Int { entries.count }
    /// The poses of every frame (no image is read).
    public var poses: [RigidTransform] { entries.map(\.worldFromCamera) }

    /// Loads a folder, detecting its format unless `format` is given.
    /// - Throws: `VLNError` naming the folder or file, and the line or field (see each loader and `RGBDFormat.detect`).
    public static func load(_ folder: String, format: RGBDFormat? = nil, options: RGBDLoadOptions = RGBDLoadOptions()) throws -> RGBDSequence {
        switch try format ?? RGBDFormat.detect(folder: folder) {
        case .sevenScenes: return try loadSevenScenes(folder, options: options)
        case .tum: return try loadTUM(folder, options: options)
        case .scanNet: return try loadScanNet(folder, options: options)
        case .redwood: return try loadRedwood(folder, options: options)
        }
    }

    /// Reads frame `i`: colour (resampled into the depth camera if `colorIntrinsics` is set), depth in metres, pose.
    /// - Precondition: `0 ≤ i < count`.
    /// - Throws: `VLNError.badFile` naming the file: undecodable or truncated PNG/JPEG, a depth image that is not
    ///   16-bit gray, a depth image of another size than the sequence's, a colour image of another size than its depth.
    public func frame(at i: Int) throws -> RGBDFrame {
        precondition(entries.indices.contains(i), "frame \(i) out of 0..<\(count)")
        let e = entries[i]
        let depth = try readDepth(e.depthPath)
        var color = try readColorImage(e.colorPath)
        if let ck = colorIntrinsics {
            guard color.width == ck.width, color.height == ck.height else {
                throw VLNError.badFile(path: e.colorPath, reason: "colour image is \(color.width)×\(color.height), expected \(ck.width)×\(ck.height) like the sequence's colour camera")
            }
            if color.width != intrinsics.width || color.height != intrinsics.height || ck != intrinsics {
                color = Self.resample(color, from: ck, to: intrinsics)
            }
        } else if color.width != depth.width || color.height != depth.height {
            throw VLNError.badFile(path: e.colorPath, reason: "colour image is \(color.width)×\(color.height) but its depth \(URL(fileURLWithPath: e.depthPath).lastPathComponent) is \(depth.width)×\(depth.height) (mismatched resolutions)")
        }
        return RGBDFrame(color: color, depth: depth, worldFromCamera: e.worldFromCamera, intrinsics: intrinsics, timestamp: e.timestamp)
    }

    /// Reads only the depth of frame `i`, metres (0 = invalid). - Throws: as `frame(at:)`.
    public func depth(at i: Int) throws -> DepthImage { try readDepth(entries[i].depthPath) }

    private func readDepth(_ path: String) throws -> DepthImage {
        let raw = try PNG.readGray16(path)
        guard raw.width == intrinsics.width, raw.height == intrinsics.height else {
            throw VLNError.badFile(path: path, reason: "depth image is \(raw.width)×\(raw.height), expected \(intrinsics.width)×\(intrinsics.height) like the sequence's first frame (mismatched resolutions)")
        }
        let s = depthScale
        return DepthImage(width: raw.width, height: raw.height, pixels: raw.pixels.map { $0 == UInt16.max ? 0 : Float($0) * s })
    }

    /// Colour resampled (bilinear) from the colour camera into the depth camera, assuming the two share their centre
    /// and orientation (ScanNet's exported frames do, up to a small baseline): depth pixel centre `(u, v)` looks along
    /// the ray `((u − cx) / fx, (v − cy) / fy)`, which hits the colour image at `(fx_c·rx + cx_c, fy_c·ry + cy_c)`.
    static func resample(_ c: RGBImage, from ck: CameraIntrinsics, to k: CameraIntrinsics) -> RGBImage {
        var out = RGBImage(width: k.width, height: k.height, fill: .black)
        for v in 0..<k.height {
            let ry = (Float(v) + 0.5 - k.cy) / k.fy
            let sy = ck.fy * ry + ck.cy - 0.5
            for u in 0..<k.width {
                let rx = (Float(u) + 0.5 - k.cx) / k.fx
                let sx = ck.fx * rx + ck.cx - 0.5
                let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                let ax = sx - Float(x0), ay = sy - Float(y0)
                func px(_ x: Int, _ y: Int) -> Vec3 {
                    c[min(max(x, 0), c.width - 1), min(max(y, 0), c.height - 1)].unit
                }
                guard sx > -1, sy > -1, sx < Float(c.width), sy < Float(c.height) else { continue }
                let top = px(x0, y0) * (1 - ax) + px(x0 + 1, y0) * ax
                let bottom = px(x0, y0 + 1) * (1 - ax) + px(x0 + 1, y0 + 1) * ax
                out[u, v] = RGB8(unit: top * (1 - ay) + bottom * ay)
            }
        }
        return out
    }

    // MARK: Helpers for the loaders

    /// The size of the first depth image (the sequence's resolution).
    static func depthSize(_ path: String) throws -> (width: Int, height: Int) {
        let d = try PNG.readGray16(path)
        return (d.width, d.height)
    }

    /// Checks that a file exists, else `VLNError.badFile(path: missing, reason)`.
    static func requireFile(_ path: String, _ reason: @autoclosure () -> String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw VLNError.badFile(path: path, reason: reason()) }
    }

    /// The names in a folder (not hidden), sorted.
    static func listing(_ folder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw VLNError.io(path: folder, reason: "cannot list the folder: \((error as NSError).localizedDescription)")
        }
    }
}
