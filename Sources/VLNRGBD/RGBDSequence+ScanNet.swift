import Foundation
import VLNCore
import VLNImage

extension RGBDSequence {
    /// Loads a ScanNet export (the layout of ScanNet's `SensReader` `reader.py`).
    ///
    /// - `depth/N.png`: 16-bit depth in millimetres (`depthScale` 0.001), 0 = invalid; frames are the depth files,
    ///   ordered by `N` (an integer).
    /// - `color/N.jpg` (or `.png`): colour. ScanNet's colour camera differs from the depth camera (1296×968 against
    ///   640×480, another focal length): `frame(at:)` resamples colour into the depth camera (bilinear, assuming the
    ///   two cameras share their centre and orientation, which ScanNet's registered export approximates), so frames
    ///   come at the depth resolution with the depth intrinsics. Without `intrinsic_color.txt`, colour must already
    ///   have the depth's size.
    /// - `pose/N.txt`: 4×4 camera-to-world, row-major, metres, OpenCV camera (x right, y down, +z forward); converted
    ///   to `worldFromCamera_GL = worldFromCamera_CV · diag(1, −1, −1)`. The world frame is the scan's (z up for
    ///   ScanNet scans; not converted to Y up here).
    /// - `intrinsic/intrinsic_depth.txt` and `intrinsic/intrinsic_color.txt`: 4×4 matrices whose upper-left 3×3 is
    ///   `K` (pixel centres at integers; converted with `cx + 0.5`, `cy + 0.5`).
    /// - Throws: `VLNError.badFile` naming the file: a depth frame without its colour or pose, unparsable or non-rigid
    ///   poses (ScanNet marks frames without a pose with `-inf` entries: those are reported, not skipped), a missing
    ///   `intrinsic_depth.txt`, an empty `depth/` folder.
    public static func loadScanNet(_ folder: String, options: RGBDLoadOptions = RGBDLoadOptions()) throws -> RGBDSequence {
        let depthNames = try listing(folder + "/depth").filter { $0.hasSuffix(".png") }
        guard !depthNames.isEmpty else { throw VLNError.badFile(path: folder + "/depth", reason: "no depth/N.png files (empty ScanNet export)") }
        let colorNames = Set(try listing(folder + "/color"))
        func number(_ n: String) -> Int? { Int(n.split(separator: ".").first ?? "") }
        for n in depthNames where number(n) == nil {
            throw VLNError.badFile(path: folder + "/depth/" + n, reason: "expected depth/N.png with an integer N")
        }
        let ids = depthNames.map { String($0.dropLast(4)) }.sorted { number($0)! < number($1)! }
        for n in colorNames {
            let id = String(n.split(separator: ".").first ?? "")
            if number(n) != nil, !ids.contains(id) {
                throw VLNError.badFile(path: folder + "/color/" + n, reason: "colour frame without its depth image depth/\(id).png")
            }
        }
        var entries: [Entry] = []
        for id in ids {
            guard let c = ["\(id).jpg", "\(id).png", "\(id).jpeg"].first(where: colorNames.contains) else {
                throw VLNError.badFile(path: folder + "/depth/\(id).png", reason: "depth frame without its colour image color/\(id).jpg")
            }
            let posePath = folder + "/pose/\(id).txt"
            try requireFile(posePath, "missing: frame \(id) has colour and depth but no pose")
            let m = try PoseText.matrix(path: posePath, rows: 4, cols: 4)
            if options.skipInvalidPoses && m.joined().contains(where: { !$0.isFinite }) { continue }
            let cv = try PoseText.rigidTransform(rows: m, path: posePath, line: 1)
            entries.append(Entry(colorPath: folder + "/color/" + c, depthPath: folder + "/depth/\(id).png",
                                 worldFromCamera: CameraConventions.flipCameraAxes(cv)))
        }
        guard !entries.isEmpty else {
            throw VLNError.badFile(path: folder, reason: "every frame's pose is NaN or infinite (skipped with skipInvalidPoses): nothing to load")
        }
        let size = try depthSize(entries[0].depthPath)
        let intrinsics: CameraIntrinsics
        if let k = options.intrinsics { intrinsics = k } else {
            let p = folder + "/intrinsic/intrinsic_depth.txt"
            try requireFile(p, "missing: the ScanNet export's depth intrinsics")
            intrinsics = try intrinsicsFromK(PoseText.matrix(path: p, rows: 4, cols: 4), path: p, width: size.width, height: size.height)
        }
        try checkSize(intrinsics, size, entries[0].depthPath)
        var colorK: CameraIntrinsics? = nil
        let cp = folder + "/intrinsic/intrinsic_color.txt"
        if FileManager.default.fileExists(atPath: cp) {
            let first = try readColorImage(entries[0].colorPath)
            colorK = try intrinsicsFromK(PoseText.matrix(path: cp, rows: 4, cols: 4), path: cp, width: first.width, height: first.height)
        }
        return try RGBDSequence(format: .scanNet, root: folder, intrinsics: intrinsics, depthScale: 0.001, entries: entries,
                                colorIntrinsics: colorK)
    }
}
