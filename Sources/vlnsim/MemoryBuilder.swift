import Foundation
import VLNCore
import VLNImage
import VLNMemory
import VLNRGBD
import VLNSim
import VLNBench
/// One line of `--trace`: what one insertion did and how long it took.
struct MemoryTraceLine: Encodable {
    var frame: Int, step: Int, name: String
    var patchesBefore: Int, deleted: Int, inserted: Int
    var instancesCreated: Int, segmentsMerged: Int, instancesRemoved: Int, zonesRemoved: Int
    var livePatches: Int, liveInstances: Int, liveZones: Int
    /// Milliseconds: the memory update (`MemoryUpdateTiming.total`), the feature encoder, the segmenter.
    var updateMs: Double, encodeMs: Double, segmentMs: Double
    var warnings: [String]?
}

/// Builds a token memory frame by frame and writes it with its pictures: shared by `vlnsim map` and
/// `vlnsim episode --memory`.
final class MemoryBuilder {
    private(set) var memory: TokenMemory
    private(set) var encoder: MemoryFeatureEncoder
    /// Maps the source's world frame into the memory's (identity for simulated frames).
    let memoryFromRecording: RigidTransform
    /// Camera centres of the inserted frames in the memory's frame, in order.
    private(set) var cameraPath: [Vec3] = []
    /// One JSON line per inserted frame.
    private(set) var traceLines: [String] = []
    /// Total milliseconds spent encoding, segmenting and updating.
    private(set) var totals = (encode: 0.0, segment: 0.0, update: 0.0)
    private var featureNorm = (sum: 0.0, count: 0)
    private(set) var grid: (rows: Int, columns: Int, note: String)?
    private let traceEncoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    init(encoder: MemoryFeatureEncoder, memoryFromRecording: RigidTransform = .identity) throws {
        self.encoder = encoder
        self.memoryFromRecording = memoryFromRecording
        memory = try TokenMemory()
    }

    /// Encodes and inserts a simulated observation (renderer instance ids as segments).
    func insert(_ observation: Observation, categories: [UInt32: String]) throws {
        var clock = Stopwatch()
        let features = try encoder.featureMap(rgb: observation.rgb, instanceIDs: observation.instanceIds, categories: categories)
        let encodeMs = clock.lap()
        try insert(observation.memoryFrame(features: features), width: observation.depth.width, height: observation.depth.height,
                   encodeMs: encodeMs, segmentMs: 0)
    }

    /// Encodes and inserts a posed RGB-D frame with segments from `segmenter` (nil: no segments).
    func insert(_ frame: RGBDFrame, step: Int, name: String, segmenter: ((RGBDFrame) throws -> InstanceImage)?) throws {
        var clock = Stopwatch()
        let features = try encoder.featureMap(rgb: frame.color, instanceIDs: nil, categories: nil)
        let encodeMs = clock.lap()
        let segments = try segmenter?(frame)
        let segmentMs = clock.lap()
        try insert(frame.memoryFrame(features: features, segments: segments, step: step, name: name, alignedFromRecording: memoryFromRecording),
                   width: frame.depth.width, height: frame.depth.height, encodeMs: encodeMs, segmentMs: segmentMs)
    }

    private func insert(_ frame: MemoryFrame, width: Int, height: Int, encodeMs: Double, segmentMs: Double) throws {
        if grid == nil { grid = encoder.gridDescription(width: width, height: height) }
        if encoder.kind == .mobilenet {
            let f = frame.features, c = f.channels
            for cell in 0..<(f.patchesHigh * f.patchesWide) {
                var n: Float = 0
                for j in 0..<c { n += f.values[cell * c + j] * f.values[cell * c + j] }
                featureNorm.sum += Double(n.squareRoot()); featureNorm.count += 1
            }
        }
        let r = try memory.insert(frame)
        cameraPath.append(frame.worldFromCamera.translation)
        totals.encode += encodeMs; totals.segment += segmentMs; totals.update += r.timing.total
        let line = MemoryTraceLine(frame: r.frame, step: r.step, name: frame.name, patchesBefore: r.patchesBefore, deleted: r.deleted,
                                   inserted: r.inserted, instancesCreated: r.instancesCreated, segmentsMerged: r.segmentsMerged,
                                   instancesRemoved: r.instancesRemoved, zonesRemoved: r.zonesRemoved, livePatches: r.livePatches,
                                   liveInstances: r.liveInstances, liveZones: r.liveZones, updateMs: rounded(r.timing.total),
                                   encodeMs: rounded(encodeMs), segmentMs: rounded(segmentMs), warnings: r.warnings.isEmpty ? nil : r.warnings)
        traceLines.append(String(decoding: try traceEncoder.encode(line), as: UTF8.self))
        for w in r.warnings { FileHandle.standardError.write(Data("\nwarning: \(w)\n".utf8)) }
    }

    private func rounded(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }

    /// The labeller of this memory's features.
    func labeller() throws -> MemoryLabeller {
        try encoder.labeller(featureScale: featureNorm.count > 0 ? Float(featureNorm.sum / Double(featureNorm.count)) : 1)
    }

    /// Writes `memory.vlnmem`, `labels.json`, `patches.png`, `instances.png` and `zones.png` into `folder`'s staging area.
    /// - Parameters:
    ///   - title: the first line of each picture (source and features).
    ///   - source: the source path for labels.json.
    ///   - segments: where the segments came from, in words.
    ///   - worldFrame: the memory's world frame, in words.
    func write(to folder: OutputFolder, title: String, source: String, segments: String, worldFrame: String) throws {
        try memory.save(to: folder.path("memory.vlnmem"))
        let labeller = try labeller()
        let g = grid ?? (0, 0, "no frame inserted")
        let labels = MemoryLabelsFile(features: encoder.kind, featureSpace: encoder.kind.summary, textEncoder: encoder.kind.textSpace,
                                      featureDimension: memory.featureDimension, grid: [g.rows, g.columns], gridNote: g.note,
                                      vocabularyKind: labeller.kind, vocabulary: labeller.names, segments: segments,
                                      worldFrame: worldFrame,
                                      memoryFromRecording: memoryFromRecording == .identity ? nil : memoryFromRecording.matrix4x4,
                                      source: source, frames: memory.frameCount)
        try writeJSON(labels, to: folder.path(MemoryLabelsFile.fileName))
        let maps = MemoryMaps(memory: memory, labeller: labeller, cameraPath: cameraPath, title: title,
                              featureNote: "\(encoder.kind.rawValue) features, \(g.rows)×\(g.columns) grid")
        try PNG.write(maps.patches(), to: folder.path("patches.png"))
        try PNG.write(maps.instances(), to: folder.path("instances.png"))
        try PNG.write(maps.zones(), to: folder.path("zones.png"))
    }

    /// The trace, one JSON object per line.
    var trace: String { traceLines.map { $0 + "\n" }.joined() }

    /// One line for stdout: counts and mean milliseconds per frame.
    var summary: String {
        let n = max(memory.frameCount, 1)
        return String(format: "%d patches, %d instances, %d zones live after %d frames; per frame %.1f ms encoder, %.1f ms segmenter, %.2f ms memory update",
                      memory.livePatchCount, memory.liveInstanceCount, memory.liveZoneCount, memory.frameCount,
                      totals.encode / Double(n), totals.segment / Double(n), totals.update / Double(n))
    }
}
