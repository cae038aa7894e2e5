import Foundation
import VLNCore

extension RGBDSequence {
    /// TUM RGB-D calibrated intrinsics per camera (file convention; TUM's "Intrinsic Camera Calibration" page):
    /// freiburg1 517.3, 516.5, 318.6, 255.3; freiburg2 520.9, 521.0, 325.1, 249.7; freiburg3 535.4, 539.2, 320.1, 247.6.
    public static let tumFreiburgK: [String: (fx: Double, fy: Double, cx: Double, cy: Double)] = [
        "freiburg1": (517.3, 516.5, 318.6, 255.3),
        "freiburg2": (520.9, 521.0, 325.1, 249.7),
        "freiburg3": (535.4, 539.2, 320.1, 247.6),
    ]

    /// Loads a TUM RGB-D benchmark folder.
    ///
    /// - `rgb.txt`, `depth.txt`: lines `timestamp filename` (seconds; the file relative to the folder), `#` comments.
    ///   Colour 8-bit; depth 16-bit PNG, metres = raw / 5000 (`depthScale` 0.0002), 0 = invalid.
    /// - `groundtruth.txt`: lines `timestamp tx ty tz qx qy qz qw`: the colour camera's optical centre and orientation
    ///   in the motion-capture world, i.e. camera-to-world with an OpenCV camera (x right, y down, +z forward);
    ///   converted to `worldFromCamera_GL = worldFromCamera_CV · diag(1, −1, −1)`. The world frame stays the
    ///   motion-capture system's.
    /// - Association as TUM's `associate.py`: colour and depth pairs whose timestamps differ by less than
    ///   `options.timestampTolerance` (0.02 s), closest first, each used once; each pair takes the ground-truth pose
    ///   nearest to its colour timestamp within the same tolerance (no interpolation). Frames without a partner or a
    ///   pose are dropped, as `associate.py` drops them; `notes` says how many. The frame's `timestamp` is the colour's.
    /// - Intrinsics: `options.intrinsics`, else `camera-intrinsics.txt` (3×3 `K`, as vlnsim writes it), else TUM's
    ///   calibration for the camera named in the folder name (`freiburg1/2/3`), else freiburg1's (`notes` says so).
    ///   Lens distortion (TUM publishes it for fr1 and fr2) is ignored.
    /// - Throws: `VLNError.badFile` naming the file and line: unparsable lines, a listed image that does not exist,
    ///   NaN/inf or a zero quaternion, no associated frame at all.
    public static func loadTUM(_ folder: String, options: RGBDLoadOptions = RGBDLoadOptions()) throws -> RGBDSequence {
        let colorList = try timedFiles(folder + "/rgb.txt", folder: folder)
        let depthList = try timedFiles(folder + "/depth.txt", folder: folder)
        let gtPath = folder + "/groundtruth.txt"
        try requireFile(gtPath, "missing: a TUM folder needs groundtruth.txt (the camera poses)")
        let gt = try groundTruth(gtPath).sorted { $0.t < $1.t }
        guard !colorList.isEmpty else { throw VLNError.badFile(path: folder + "/rgb.txt", reason: "lists no images") }
        guard !depthList.isEmpty else { throw VLNError.badFile(path: folder + "/depth.txt", reason: "lists no images") }
        guard !gt.isEmpty else { throw VLNError.badFile(path: gtPath, reason: "lists no poses") }
        let tol = options.timestampTolerance
        let pairs = associate(colorList.map(\.t), depthList.map(\.t), tolerance: tol)
        let gtTimes = gt.map(\.t)
        var entries: [Entry] = []
        var noPose = 0
        for (ci, di) in pairs {
            let c = colorList[ci], d = depthList[di]
            guard let g = nearest(gtTimes, c.t, tolerance: tol) else { noPose += 1; continue }
            entries.append(Entry(colorPath: c.path, depthPath: d.path, worldFromCamera: CameraConventions.flipCameraAxes(gt[g].pose), timestamp: c.t))
        }
        guard !entries.isEmpty else {
            throw VLNError.badFile(path: folder, reason: "no colour frame has a depth frame and a ground-truth pose within \(tol) s")
        }
        var notes: [String] = []
        let unpairedColor = colorList.count - pairs.count, unpairedDepth = depthList.count - pairs.count
        if unpairedColor + unpairedDepth + noPose > 0 {
            notes.append("dropped \(unpairedColor) colour and \(unpairedDepth) depth frame(s) without a partner within \(tol) s, and \(noPose) pair(s) without a ground-truth pose within \(tol) s")
        }
        let size = try depthSize(entries[0].depthPath)
        let intrinsics: CameraIntrinsics
        if let k = options.intrinsics {
            intrinsics = k
        } else if FileManager.default.fileExists(atPath: folder + "/camera-intrinsics.txt") {
            intrinsics = try readK(folder + "/camera-intrinsics.txt", width: size.width, height: size.height)
        } else {
            let name = URL(fileURLWithPath: folder).standardized.lastPathComponent.lowercased()
            let cam = ["freiburg1", "freiburg2", "freiburg3"].first { name.contains($0) || name.contains("fr" + $0.suffix(1)) }
            let k = tumFreiburgK[cam ?? "freiburg1"]!
            intrinsics = CameraConventions.intrinsics(width: size.width, height: size.height, fileFx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy)
            if cam == nil { notes.append("no camera-intrinsics.txt and no freiburg1/2/3 in the folder name: using freiburg1's calibration") }
        }
        try checkSize(intrinsics, size, entries[0].depthPath)
        return try RGBDSequence(format: .tum, root: folder, intrinsics: intrinsics, depthScale: 1 / 5000, entries: entries, notes: notes)
    }

    /// Lines `timestamp path` of rgb.txt / depth.txt, in file order; each file must exist.
    static func timedFiles(_ listPath: String, folder: String) throws -> [(t: Double, path: String)] {
        let text = try PoseText.read(listPath)
        var out: [(Double, String)] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2, let t = Double(parts[0]), t.isFinite else {
                throw VLNError.badFile(path: listPath, line: i + 1, reason: "expected 'timestamp filename', found '\(line.prefix(60))'")
            }
            let p = folder + "/" + parts[1]
            guard FileManager.default.fileExists(atPath: p) else {
                throw VLNError.badFile(path: p, reason: "missing: listed in \(URL(fileURLWithPath: listPath).lastPathComponent) line \(i + 1)")
            }
            out.append((t, p))
        }
        return out
    }

    /// groundtruth.txt: `timestamp tx ty tz qx qy qz qw` per line (OpenCV camera-to-world).
    static func groundTruth(_ path: String) throws -> [(t: Double, pose: RigidTransform)] {
        let text = try PoseText.read(path)
        var out: [(Double, RigidTransform)] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let v = PoseText.numbers(Substring(line)), v.count == 8 else {
                throw VLNError.badFile(path: path, line: i + 1, reason: "expected 'timestamp tx ty tz qx qy qz qw', found '\(line.prefix(60))'")
            }
            guard v.allSatisfy(\.isFinite) else {
                throw VLNError.badFile(path: path, line: i + 1, field: "pose", reason: "pose has NaN or infinite entries")
            }
            let q = Array(v[4..<8])
            guard q.reduce(0, { $0 + $1 * $1 }) > 0.5 else {
                throw VLNError.badFile(path: path, line: i + 1, field: "pose",
                                       reason: "quaternion \(q) is far from unit length (not a rotation)")
            }
            let pose = try PoseText.rigidTransform(rotationRows: PoseText.rotationRows(quaternion: q), translation: Array(v[1..<4]),
                                                   path: path, line: i + 1)
            out.append((v[0], pose))
        }
        return out
    }

    /// TUM's `associate.py`: all pairs with |a − b| < tolerance, closest first, each index used once; returned in
    /// the order of `a`.
    static func associate(_ a: [Double], _ b: [Double], tolerance: Double) -> [(Int, Int)] {
        let bOrder = b.indices.sorted { b[$0] < b[$1] }
        let bSorted = bOrder.map { b[$0] }
        var candidates: [(d: Double, i: Int, j: Int)] = []
        for (i, t) in a.enumerated() {
            var k = lowerBound(bSorted, t - tolerance)
            while k < bSorted.count && bSorted[k] < t + tolerance {
                let d = abs(bSorted[k] - t)
                if d < tolerance { candidates.append((d, i, bOrder[k])) }
                k += 1
            }
        }
        candidates.sort { ($0.d, $0.i, $0.j) < ($1.d, $1.i, $1.j) }
        var usedA = Set<Int>(), usedB = Set<Int>(), out: [(Int, Int)] = []
        for c in candidates where !usedA.contains(c.i) && !usedB.contains(c.j) {
            usedA.insert(c.i); usedB.insert(c.j); out.append((c.i, c.j))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// Index of the value of the sorted `times` nearest to `t` if within `tolerance` (strictly less).
    static func nearest(_ times: [Double], _ t: Double, tolerance: Double) -> Int? {
        var best: Int? = nil, bestD = tolerance
        let k = lowerBound(times, t)
        for j in [k - 1, k] where times.indices.contains(j) {
            let d = abs(times[j] - t)
            if d < bestD { best = j; bestD = d }
        }
        return best
    }

    private static func lowerBound(_ s: [Double], _ v: Double) -> Int {
        var lo = 0, hi = s.count
        while lo < hi { let m = (lo + hi) / 2; if s[m] < v { lo = m + 1 } else { hi = m } }
        return lo
    }
}
