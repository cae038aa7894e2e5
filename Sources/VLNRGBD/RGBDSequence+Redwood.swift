import Foundation
import VLNCore

extension RGBDSequence {
    /// Open3D's `PinholeCameraIntrinsicParameters.PrimeSenseDefault` (file convention): 640×480, fx = fy = 525,
    /// cx = 319.5, cy = 239.5.
    public static let primeSenseDefaultK = (fx: 525.0, fy: 525.0, cx: 319.5, cy: 239.5)

    /// Loads a Redwood / Open3D folder: a `.log` trajectory, an intrinsics JSON and image folders.
    ///
    /// - The `.log` file (the only one in the folder, or the first by name): blocks of 5 lines, a header
    ///   `id id frame` (Open3D writes `i i i+1`; the first number is the frame's index into the sorted image lists)
    ///   and a 4×4 camera-to-world matrix, row-major, metres, OpenCV camera (x right, y down, +z forward); converted to
    ///   `worldFromCamera_GL = worldFromCamera_CV · diag(1, −1, −1)`. The world frame is the trajectory's.
    /// - Images: colour in `color/`, `rgb/` or `image/` (PNG or JPEG), depth in `depth/` (16-bit PNG, millimetres,
    ///   `depthScale` 0.001), matched by their position in name order.
    /// - Intrinsics: an Open3D `PinholeCameraIntrinsic` JSON — `camera_intrinsic.json`, `intrinsic.json` or the first
    ///   `*.json` with an `intrinsic_matrix` — with `width`, `height` and `intrinsic_matrix` (9 numbers, column-major:
    ///   `[fx, 0, 0, 0, fy, 0, cx, cy, 1]`, pixel centres at integers, converted with `cx + 0.5`, `cy + 0.5`); without
    ///   one, Open3D's PrimeSense default (fx = fy = 525, cx = 319.5, cy = 239.5), and `notes` says so.
    /// - Throws: `VLNError.badFile` naming the file and line: an unparsable block, a frame index with no image, a
    ///   non-rigid or non-finite pose, differing colour and depth counts, a JSON without the fields above.
    public static func loadRedwood(_ folder: String, options: RGBDLoadOptions = RGBDLoadOptions()) throws -> RGBDSequence {
        let names = try listing(folder)
        guard let logName = names.first(where: { $0.hasSuffix(".log") }) else {
            throw VLNError.badFile(path: folder, reason: "no .log trajectory (Redwood/Open3D)")
        }
        let logPath = folder + "/" + logName
        guard let colorDir = ["color", "rgb", "image"].first(where: names.contains) else {
            throw VLNError.badFile(path: folder + "/color", reason: "missing: no colour folder (color/, rgb/ or image/)")
        }
        guard names.contains("depth") else { throw VLNError.badFile(path: folder + "/depth", reason: "missing: no depth folder") }
        func images(_ d: String) throws -> [String] {
            try listing(folder + "/" + d).filter { n in [".png", ".jpg", ".jpeg"].contains { n.lowercased().hasSuffix($0) } }
        }
        let colors = try images(colorDir), depths = try images("depth")
        guard !depths.isEmpty else { throw VLNError.badFile(path: folder + "/depth", reason: "no depth images (empty folder)") }
        if colors.count != depths.count {
            // Name the first file without a partner.
            let stem = { (n: String) in String(n.split(separator: ".").first ?? "") }
            let cs = Set(colors.map(stem)), ds = Set(depths.map(stem))
            if let c = colors.first(where: { !ds.contains(stem($0)) }), colors.count > depths.count {
                throw VLNError.badFile(path: folder + "/\(colorDir)/" + c, reason: "colour frame without its depth image (\(colors.count) colour, \(depths.count) depth images)")
            }
            let d = depths.first(where: { !cs.contains(stem($0)) }) ?? depths.last!
            throw VLNError.badFile(path: folder + "/depth/" + d, reason: "depth frame without its colour image (\(colors.count) colour, \(depths.count) depth images)")
        }
        let lines = try PoseText.read(logPath).split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        var entries: [Entry] = []
        var i = 0
        while i < lines.count {
            if lines[i].isEmpty { i += 1; continue }
            guard let head = PoseText.numbers(Substring(lines[i])), head.count == 3, let frame = Int(exactly: head[0]) else {
                throw VLNError.badFile(path: logPath, line: i + 1, reason: "expected a block header 'id id frame', found '\(lines[i].prefix(60))'")
            }
            var rows: [[Double]] = []
            for r in 1...4 {
                guard i + r < lines.count, let v = PoseText.numbers(Substring(lines[i + r])), v.count == 4 else {
                    throw VLNError.badFile(path: logPath, line: i + r + 1, reason: "expected row \(r) of the 4×4 pose (4 numbers)")
                }
                rows.append(v)
            }
            guard depths.indices.contains(frame) else {
                throw VLNError.badFile(path: logPath, line: i + 1, reason: "frame index \(frame) has no image (\(depths.count) depth images)")
            }
            let cv = try PoseText.rigidTransform(rows: rows, path: logPath, line: i + 2)
            entries.append(Entry(colorPath: folder + "/\(colorDir)/" + colors[frame], depthPath: folder + "/depth/" + depths[frame],
                                 worldFromCamera: CameraConventions.flipCameraAxes(cv)))
            i += 5
        }
        guard !entries.isEmpty else { throw VLNError.badFile(path: logPath, reason: "the trajectory has no poses") }
        let size = try depthSize(entries[0].depthPath)
        var notes: [String] = []
        let intrinsics: CameraIntrinsics
        if let k = options.intrinsics { intrinsics = k } else if let j = try intrinsicsJSON(folder, names) {
            intrinsics = try readOpen3DIntrinsics(j)
        } else {
            let k = primeSenseDefaultK
            intrinsics = CameraConventions.intrinsics(width: size.width, height: size.height, fileFx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy)
            notes.append("no intrinsics JSON: using Open3D's PrimeSense default (fx = fy = 525, cx = 319.5, cy = 239.5)")
        }
        try checkSize(intrinsics, size, entries[0].depthPath)
        return try RGBDSequence(format: .redwood, root: folder, intrinsics: intrinsics, depthScale: 0.001, entries: entries, notes: notes)
    }

    private static func intrinsicsJSON(_ folder: String, _ names: [String]) throws -> String? {
        for n in ["camera_intrinsic.json", "intrinsic.json"] where names.contains(n) { return folder + "/" + n }
        for n in names where n.hasSuffix(".json") {
            if let d = FileManager.default.contents(atPath: folder + "/" + n), String(decoding: d, as: UTF8.self).contains("intrinsic_matrix") {
                return folder + "/" + n
            }
        }
        return nil
    }

    private struct Open3DIntrinsic: Decodable {
        var width: Int
        var height: Int
        var intrinsicMatrix: [Double]
        enum CodingKeys: String, CodingKey { case width, height, intrinsicMatrix = "intrinsic_matrix" }
    }

    /// Reads an Open3D `PinholeCameraIntrinsic` JSON (`width`, `height`, `intrinsic_matrix` column-major 3×3).
    /// - Throws: `VLNError.badFile` naming the file and field.
    public static func readOpen3DIntrinsics(_ path: String) throws -> CameraIntrinsics {
        let j = try loadJSON(Open3DIntrinsic.self, path: path)
        guard j.intrinsicMatrix.count == 9 else {
            throw VLNError.badFile(path: path, field: "intrinsic_matrix", reason: "expected 9 numbers (column-major 3×3), found \(j.intrinsicMatrix.count)")
        }
        guard j.width > 0, j.height > 0 else { throw VLNError.badFile(path: path, field: "width", reason: "width and height must be positive") }
        let m = j.intrinsicMatrix
        let rows = [[m[0], m[3], m[6]], [m[1], m[4], m[7]], [m[2], m[5], m[8]]]
        return try intrinsicsFromK(rows, path: path, width: j.width, height: j.height)
    }

    /// Writes an Open3D `PinholeCameraIntrinsic` JSON of the project's intrinsics (file convention), atomically.
    public static func writeOpen3DIntrinsics(_ k: CameraIntrinsics, to path: String) throws {
        let f = CameraConventions.fileIntrinsics(k)
        let m = [f.fx, 0, 0, 0, f.fy, 0, f.cx, f.cy, 1].map { String(format: "%.9g", $0) }.joined(separator: ", ")
        let text = "{\n \"height\": \(k.height),\n \"intrinsic_matrix\": [\(m)],\n \"width\": \(k.width)\n}\n"
        try writeAtomically(Data(text.utf8), to: path)
    }
}
