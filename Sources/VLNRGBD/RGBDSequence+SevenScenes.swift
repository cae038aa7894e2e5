import Foundation
import VLNCore

extension RGBDSequence {
    /// 7-Scenes' nominal depth intrinsics (file convention): fx = fy = 585, cx = 320, cy = 240.
    public static let sevenScenesDefaultK = (fx: 585.0, fy: 585.0, cx: 320.0, cy: 240.0)

    /// Loads a Microsoft 7-Scenes / 3DMatch folder.
    ///
    /// Layout (frames in `folder` or `folder/frames`):
    /// - `frame-XXXXXX.color.jpg` or `.color.png`: 8-bit colour, the depth's size (7-Scenes' colour and depth come
    ///   from different sensors and are not perfectly registered; they are used as if registered, as the dataset's
    ///   users do);
    /// - `frame-XXXXXX.depth.png`: 16-bit depth in millimetres, 0 = invalid (`depthScale` 0.001). Kinect's
    ///   "no reading" value 65535 is also treated as invalid;
    /// - `frame-XXXXXX.pose.txt`: 4×4 camera-to-world matrix, row-major, metres, OpenCV camera (x right, y down,
    ///   +z forward); converted to `worldFromCamera_GL = worldFromCamera_CV · diag(1, −1, −1)`;
    /// - `camera-intrinsics.txt` (in `folder` or the frames folder): 3×3 `K`, pixel centres at integers (converted:
    ///   `cx + 0.5`, `cy + 0.5`); without it 7-Scenes' nominal fx = fy = 585, cx = 320, cy = 240;
    /// - `gravity-direction.txt` (optional, 3 numbers): the gravity direction in the world frame (3DMatch's
    ///   convention), stored normalised in `gravity`. The world frame itself is 7-Scenes' (its first camera's, not
    ///   gravity-aligned).
    ///
    /// Frames are ordered by their number.
    /// - Throws: `VLNError.badFile` naming the file: a colour frame without its depth (or a depth without colour), a
    ///   frame without its pose, an unparsable pose or intrinsics file (with line), a pose that is not a rigid
    ///   transform or has NaN/inf entries (7-Scenes marks frames without a pose with inf/NaN in some sequences: those
    ///   are reported, not skipped), no frames at all.
    public static func loadSevenScenes(_ folder: String, options: RGBDLoadOptions = RGBDLoadOptions()) throws -> RGBDSequence {
        var dir = folder
        var names = try listing(folder)
        if !names.contains(where: { $0.hasPrefix("frame-") }), names.contains("frames") {
            dir = folder + "/frames"
            names = try listing(dir)
        }
        var colors: [String: String] = [:], depths: Set<String> = [], poses: Set<String> = []
        for n in names where n.hasPrefix("frame-") {
            let rest = n.dropFirst("frame-".count)
            guard let dot = rest.firstIndex(of: ".") else { continue }
            let id = String(rest[..<dot]), kind = String(rest[rest.index(after: dot)...])
            switch kind {
            case "color.jpg", "color.png", "color.jpeg":
                if let other = colors[id] {
                    throw VLNError.badFile(path: dir + "/" + n, reason: "frame \(id) has two colour images (\(other) and \(n))")
                }
                colors[id] = n
            case "depth.png": depths.insert(id)
            case "pose.txt": poses.insert(id)
            default: continue
            }
        }
        guard !colors.isEmpty || !depths.isEmpty else {
            throw VLNError.badFile(path: folder, reason: "no frame-XXXXXX.color.jpg|png / frame-XXXXXX.depth.png files (empty 7-Scenes folder)")
        }
        for id in depths.sorted() where colors[id] == nil {
            throw VLNError.badFile(path: dir + "/frame-\(id).depth.png", reason: "depth frame without its colour image frame-\(id).color.jpg|png")
        }
        func order(_ a: String, _ b: String) -> Bool { (Int(a) ?? 0, a) < (Int(b) ?? 0, b) }
        let ids = colors.keys.sorted(by: order)
        var entries: [Entry] = []
        entries.reserveCapacity(ids.count)
        for id in ids {
            let colorPath = dir + "/" + colors[id]!
            guard depths.contains(id) else {
                throw VLNError.badFile(path: colorPath, reason: "colour frame without its depth image frame-\(id).depth.png")
            }
            let posePath = dir + "/frame-\(id).pose.txt"
            guard poses.contains(id) else {
                throw VLNError.badFile(path: posePath, reason: "missing: frame \(id) has colour and depth but no pose")
            }
            let m = try PoseText.matrix(path: posePath, rows: 4, cols: 4)
            if options.skipInvalidPoses && m.joined().contains(where: { !$0.isFinite }) { continue }
            let cv = try PoseText.rigidTransform(rows: m, path: posePath, line: 1)
            entries.append(Entry(colorPath: colorPath, depthPath: dir + "/frame-\(id).depth.png",
                                 worldFromCamera: CameraConventions.flipCameraAxes(cv)))
        }
        guard !entries.isEmpty else {
            throw VLNError.badFile(path: folder, reason: "every frame's pose is NaN or infinite (skipped with skipInvalidPoses): nothing to load")
        }
        let size = try depthSize(entries[0].depthPath)
        var notes: [String] = []
        let intrinsics: CameraIntrinsics
        if let k = options.intrinsics {
            intrinsics = k
        } else if let kPath = [folder + "/camera-intrinsics.txt", dir + "/camera-intrinsics.txt"].first(where: FileManager.default.fileExists) {
            intrinsics = try readK(kPath, width: size.width, height: size.height)
        } else {
            let k = sevenScenesDefaultK
            intrinsics = CameraConventions.intrinsics(width: size.width, height: size.height, fileFx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy)
            notes.append("no camera-intrinsics.txt: using 7-Scenes' nominal fx = fy = 585, cx = 320, cy = 240")
        }
        try checkSize(intrinsics, size, entries[0].depthPath)
        var gravity: Vec3? = nil
        if let gPath = [folder + "/gravity-direction.txt", dir + "/gravity-direction.txt"].first(where: FileManager.default.fileExists) {
            let text = try PoseText.read(gPath)
            guard let v = PoseText.numbers(Substring(text.replacingOccurrences(of: "\n", with: " "))), v.count == 3,
                  v.allSatisfy(\.isFinite), v.contains(where: { $0 != 0 }) else {
                throw VLNError.badFile(path: gPath, reason: "expected 3 finite numbers, not all zero (the gravity direction)")
            }
            gravity = normalize(Vec3(Float(v[0]), Float(v[1]), Float(v[2])))
        }
        return try RGBDSequence(format: .sevenScenes, root: folder, intrinsics: intrinsics, depthScale: 0.001, entries: entries,
                                gravity: gravity, notes: notes)
    }

    /// A 3×3 `K` text file (file convention) as the project's intrinsics.
    static func readK(_ path: String, width: Int, height: Int) throws -> CameraIntrinsics {
        let k = try PoseText.matrix(path: path, rows: 3, cols: 3)
        return try intrinsicsFromK(k, path: path, width: width, height: height)
    }

    /// Checks and converts the upper-left 3×3 of a `K` (rows).
    static func intrinsicsFromK(_ k: [[Double]], path: String, width: Int, height: Int) throws -> CameraIntrinsics {
        guard k[0][0].isFinite, k[1][1].isFinite, k[0][0] > 0, k[1][1] > 0, k[0][2].isFinite, k[1][2].isFinite else {
            throw VLNError.badFile(path: path, field: "K", reason: "fx, fy must be positive and finite, cx, cy finite")
        }
        guard k[0][1] == 0, k[1][0] == 0, k[2][0] == 0, k[2][1] == 0, k[2][2] == 1 else {
            throw VLNError.badFile(path: path, field: "K", reason: "expected K = [fx 0 cx; 0 fy cy; 0 0 1] (no skew)")
        }
        return CameraConventions.intrinsics(width: width, height: height, fileFx: k[0][0], fy: k[1][1], cx: k[0][2], cy: k[1][2])
    }

    static func checkSize(_ k: CameraIntrinsics, _ size: (width: Int, height: Int), _ depthPath: String) throws {
        guard k.width == size.width, k.height == size.height else {
            throw VLNError.badFile(path: depthPath, reason: "depth image is \(size.width)×\(size.height) but the intrinsics are for \(k.width)×\(k.height) (mismatched resolutions)")
        }
    }
}
