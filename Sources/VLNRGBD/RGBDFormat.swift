import Foundation
import VLNCore

/// The posed RGB-D folder layouts vlnsim reads (and, for `sevenScenes` and `tum`, writes).
public enum RGBDFormat: String, CaseIterable, Sendable {
    /// Microsoft 7-Scenes / 3DMatch: `frame-XXXXXX.color.jpg|png`, `frame-XXXXXX.depth.png`,
    /// `frame-XXXXXX.pose.txt`, `camera-intrinsics.txt` (see `RGBDSequence.loadSevenScenes`).
    case sevenScenes = "7scenes"
    /// TUM RGB-D benchmark: `rgb.txt`, `depth.txt`, `groundtruth.txt` (see `RGBDSequence.loadTUM`).
    case tum
    /// ScanNet's SensReader export: `color/`, `depth/`, `pose/`, `intrinsic/` (see `RGBDSequence.loadScanNet`).
    case scanNet = "scannet"
    /// Redwood / Open3D: a `.log` trajectory, an intrinsics JSON, image folders (see `RGBDSequence.loadRedwood`).
    case redwood

    /// A human-readable name.
    public var displayName: String {
        switch self {
        case .sevenScenes: return "7-Scenes/3DMatch"
        case .tum: return "TUM RGB-D"
        case .scanNet: return "ScanNet export"
        case .redwood: return "Redwood/Open3D .log"
        }
    }

    /// What a folder of this format must contain, for messages.
    public var signature: String {
        switch self {
        case .sevenScenes: return "7-Scenes/3DMatch: frame-XXXXXX.color.jpg|png, frame-XXXXXX.depth.png and frame-XXXXXX.pose.txt in DIR or DIR/frames"
        case .tum: return "TUM RGB-D: rgb.txt, depth.txt and groundtruth.txt"
        case .scanNet: return "ScanNet export: folders color/, depth/, pose/ and intrinsic/"
        case .redwood: return "Redwood/Open3D: a *.log trajectory with colour (color/, rgb/ or image/) and depth/ folders"
        }
    }

    /// Finds the format of `folder` from the files it holds (the first that matches, in the order
    /// 7-Scenes, TUM, ScanNet, Redwood).
    /// - Throws: `VLNError.io` if the folder does not exist; `VLNError.badFile(path: folder)` if it is empty or matches
    ///   no format, listing what was looked for.
    public static func detect(folder: String) throws -> RGBDFormat {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw VLNError.io(path: folder, reason: "no such folder")
        }
        let names = (try? fm.contentsOfDirectory(atPath: folder)) ?? []
        if names.filter({ !$0.hasPrefix(".") }).isEmpty {
            throw VLNError.badFile(path: folder, reason: "the folder is empty: no posed RGB-D frames")
        }
        let set = Set(names)
        func isFrame(_ n: String) -> Bool { n.hasPrefix("frame-") && (n.hasSuffix(".color.jpg") || n.hasSuffix(".color.png") || n.hasSuffix(".depth.png")) }
        if names.contains(where: isFrame)
            || (set.contains("frames") && ((try? fm.contentsOfDirectory(atPath: folder + "/frames")) ?? []).contains(where: isFrame)) {
            return .sevenScenes
        }
        if set.contains("rgb.txt") && set.contains("depth.txt") { return .tum }
        if ["color", "depth", "pose", "intrinsic"].allSatisfy(set.contains) { return .scanNet }
        if names.contains(where: { $0.hasSuffix(".log") }) { return .redwood }
        let looked = RGBDFormat.allCases.map { "  - " + $0.signature }.joined(separator: "\n")
        throw VLNError.badFile(path: folder, reason: "not a posed RGB-D folder of a known format; looked for:\n\(looked)")
    }
}
