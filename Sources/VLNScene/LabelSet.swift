import Foundation
import VLNCore

/// Names of semantic label ids, e.g. NYU40 (1 wall, 2 floor, 3 cabinet, 4 bed, 5 chair, … 40 otherprop).
public struct LabelSet: Equatable, Sendable {
    /// The set's name as written in manifests ("nyu40").
    public var name: String
    /// Label id → name in plain words ("floor mat", "night stand").
    public var names: [UInt16: String]

    /// From a set name and its id → name table.
    public init(name: String, names: [UInt16: String]) { self.name = name; self.names = names }

    /// Where the NYU40 names are read from, inside the data directory.
    public static let nyu40RelativePath = "mp3d-navmaps/matterport_category_mappings.tsv"

    /// Reads the NYU40 names from Matterport's `category_mapping.tsv` (columns `nyu40id` and `nyu40class`).
    ///
    /// Columns are separated by tabs; the copy shipped with habitat's navmaps uses four spaces instead, which is
    /// accepted too (the separator is taken from the header line). Rows without an `nyu40id` are skipped; id 0
    /// ("void") is kept.
    /// - Throws: `VLNError.io` if the file cannot be read; `VLNError.badFile` if a column is missing or an id is
    ///   not a number in 0…65535.
    public static func nyu40(mappingsPath path: String) throws -> LabelSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VLNError.io(path: path, reason: "cannot read the NYU40 category mappings")
        }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let header = lines.first else { throw VLNError.badFile(path: path, line: 1, reason: "empty file") }
        let separator = header.contains("\t") ? "\t" : "    "
        func columns(_ line: Substring) -> [String] {
            line.components(separatedBy: separator).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let head = columns(header)
        guard let idColumn = head.firstIndex(of: "nyu40id") else {
            throw VLNError.badFile(path: path, line: 1, field: "nyu40id", reason: "no nyu40id column in the header")
        }
        guard let nameColumn = head.firstIndex(of: "nyu40class") else {
            throw VLNError.badFile(path: path, line: 1, field: "nyu40class", reason: "no nyu40class column in the header")
        }
        var names: [UInt16: String] = [:]
        for (i, line) in lines.enumerated().dropFirst() {
            let c = columns(line)
            guard c.count > max(idColumn, nameColumn), !c[idColumn].isEmpty else { continue }
            guard let id = UInt16(c[idColumn]) else {
                throw VLNError.badFile(path: path, line: i + 1, field: "nyu40id", reason: "'\(c[idColumn])' is not a label id")
            }
            if names[id] == nil, !c[nameColumn].isEmpty { names[id] = c[nameColumn] }
        }
        return LabelSet(name: "nyu40", names: names)
    }

    /// Reads the NYU40 names from `<dataPath>/mp3d-navmaps/matterport_category_mappings.tsv`.
    public static func nyu40(dataPath: String) throws -> LabelSet {
        try nyu40(mappingsPath: dataPath + "/" + nyu40RelativePath)
    }
}

extension PointCloud {
    /// The instances of a labelled cloud: one per non-zero instance id, with category = the name of the majority
    /// semantic label among the instance's points (ties go to the smaller label id). A label with no name in
    /// `labelNames` is called `"label <id>"`.
    /// - Complexity: O(count).
    public func instancesByMajorityLabel(labelNames: [UInt16: String]) -> [UInt32: InstanceInfo] {
        var votes: [UInt32: [UInt16: Int]] = [:]
        for i in 0..<count where instanceIds[i] != 0 {
            votes[instanceIds[i], default: [:]][semanticLabels[i], default: 0] += 1
        }
        var out: [UInt32: InstanceInfo] = [:]
        for (id, v) in votes {
            let best = v.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!.key
            out[id] = InstanceInfo(id: id, category: labelNames[best] ?? "label \(best)")
        }
        return out
    }
}
