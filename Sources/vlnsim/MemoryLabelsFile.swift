import Foundation
import VLNCore

/// `labels.json` beside `memory.vlnmem`: which features the memory holds (so that `vlnsim map query` embeds text in
/// the same space, or refuses), the vocabulary that labels its tokens, and how it was built.
struct MemoryLabelsFile: Codable {
    static let fileName = "labels.json"
    static let formatName = "vlnsim-memory-labels"
    var format = MemoryLabelsFile.formatName
    var version = 1
    /// `gt`, `bridge` or `mobilenet`.
    var features: MemoryFeatureKind
    /// The features, in words.
    var featureSpace: String
    /// The text encoder whose space the features live in; nil for raw image features.
    var textEncoder: String?
    /// Values per feature.
    var featureDimension: Int
    /// Feature grid, [rows, columns], and how it was obtained.
    var grid: [Int]
    var gridNote: String
    /// What the vocabulary is ("scene categories", "ImageNet classes").
    var vocabularyKind: String
    /// The names that label instances and zones (gt: the scene's categories; bridge, mobilenet: ImageNet's classes).
    var vocabulary: [String]
    /// Where the 2D segments came from.
    var segments: String
    /// The memory's world frame, in words.
    var worldFrame: String
    /// The 4×4 row-major transform from the recording's world frame to the memory's (RGB-D folders), if not identity.
    var memoryFromRecording: [[Float]]?
    /// The source (episode file or RGB-D folder) and the frames inserted.
    var source: String
    var frames: Int

    enum CodingKeys: String, CodingKey {
        case format, version, features, vocabulary, segments, source, frames, grid
        case featureSpace = "feature_space", textEncoder = "text_encoder", featureDimension = "feature_dimension"
        case gridNote = "grid_note", vocabularyKind = "vocabulary_kind", worldFrame = "world_frame"
        case memoryFromRecording = "memory_from_recording"
    }

    /// Reads and checks a labels file.
    /// - Throws: `VLNError.io` / `VLNError.badFile` naming the file and field.
    static func load(path: String) throws -> MemoryLabelsFile {
        let file = try loadJSON(MemoryLabelsFile.self, path: path)
        guard file.format == formatName else { throw VLNError.badFile(path: path, field: "format", reason: "'\(file.format)', expected '\(formatName)'") }
        guard file.version == 1 else { throw VLNError.badFile(path: path, field: "version", reason: "version \(file.version); this vlnsim reads version 1") }
        return file
    }
}
