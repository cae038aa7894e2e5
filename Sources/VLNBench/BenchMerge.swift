import Foundation
import VLNCore
import VLNEpisodes
import VLNSim

/// Joins the run folders of the shards of one run (`--shard 0/n` … `--shard (n−1)/n`) into one folder with the
/// layout of a single run: `manifest.json` (shard 0/1, `merged_from` listing the shard folders), `episodes.jsonl`
/// sorted by planner and suite order, the summaries, and the shards' `trajectories/`.
public enum BenchMerge {
    /// What a merge did.
    public struct Report {
        /// One row per planner.
        public var rows: [SummaryRow]
        /// `summary.md`'s text.
        public var markdown: String
        /// Results merged.
        public var results: Int
    }

    /// Merges `directories` into `out`.
    /// - Throws: `VLNError` naming the folder if one is not a finished shard (no manifest, a torn or missing result)
    ///   or belongs to another run (a different suite, planners, settings or versions: the differing fields are
    ///   listed), if shards are repeated or missing, or if `out` already holds a run or is one of the inputs.
    ///   Nothing is written then.
    public static func merge(directories: [String], out: String) throws -> Report {
        guard !directories.isEmpty else { throw VLNError.invalidValue(field: "merge", reason: "give the shard folders to merge") }
        let outPath = URL(fileURLWithPath: out).standardized.path
        var manifests: [BenchManifest] = []
        for dir in directories {
            let path = URL(fileURLWithPath: dir).standardized.path
            if path == outPath { throw VLNError.invalidValue(field: "--out", reason: "\(out) is one of the shard folders; merge into another folder") }
            guard FileManager.default.fileExists(atPath: path + "/manifest.json") else {
                throw VLNError.io(path: dir, reason: "no manifest.json: not a vlnsim bench run folder")
            }
            manifests.append(try BenchManifest.read(path: path + "/manifest.json"))
        }
        let first = manifests[0]
        for (k, m) in manifests.enumerated().dropFirst() {
            let diffs = m.differences(from: first)
            if !diffs.isEmpty {
                throw VLNError.invalidValue(field: "merge", reason: "\(directories[k]) is not a shard of the same run as \(directories[0]) ("
                                            + diffs.joined(separator: "; ") + ")")
            }
        }
        var byIndex: [Int: String] = [:]
        let count = first.shard?.count ?? 1
        for (k, m) in manifests.enumerated() {
            guard let s = m.shard else { throw VLNError.badFile(path: directories[k] + "/manifest.json", field: "shard", reason: "missing or invalid") }
            guard s.count == count else {
                throw VLNError.invalidValue(field: "merge", reason: "\(directories[k]) is shard \(s) but \(directories[0]) is shard \(first.shard!): different shard counts")
            }
            if let other = byIndex[s.index] { throw VLNError.invalidValue(field: "merge", reason: "shard \(s) is given twice (\(other) and \(directories[k]))") }
            byIndex[s.index] = directories[k]
        }
        let missing = (0..<count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw VLNError.invalidValue(field: "merge", reason: "missing shard(s) " + missing.map { "\($0)/\(count)" }.joined(separator: ", ")
                                        + " of \(count): every shard of the run is needed")
        }

        // Results: each shard complete, no key twice.
        var records: [EpisodeRecord] = []
        var owner: [ResultKey: String] = [:]
        for (k, dir) in directories.enumerated() {
            let path = URL(fileURLWithPath: dir).standardized.path + "/episodes.jsonl"
            let file = try ResultsFile.read(path: path)
            if file.tornBytes > 0 { throw VLNError.badFile(path: path, reason: "ends with a torn line: the shard did not finish; resume it (--resume) first") }
            if let expected = manifests[k].expectedResults, file.records.count != expected {
                throw VLNError.badFile(path: path, reason: "shard \(manifests[k].shard!) has \(file.records.count) of its \(expected) results: resume it (--resume) first")
            }
            for r in file.records {
                let key = ResultKey(planner: r.planner, episode: r.key)
                if let other = owner[key] { throw VLNError.badFile(path: path, reason: "\(key) is also in \(other)") }
                owner[key] = dir
                records.append(r)
            }
        }
        let planners = first.planners
        let order = Dictionary(uniqueKeysWithValues: planners.enumerated().map { ($1, $0) })
        records.sort { (order[$0.planner] ?? 0, $0.suiteIndex) < (order[$1.planner] ?? 0, $1.suiteIndex) }

        // The merged manifest: the run's, as one shard of one.
        guard case var .object(m) = first.json else { throw VLNError.invalidValue(field: "merge", reason: "bad manifest") }
        m["shard"] = .object(["index": .int(0), "count": .int(1)])
        m["expected_results"] = .int(records.count)
        m["merged_from"] = .array((0..<count).map { i in .object(["shard": .string("\(i)/\(count)"), "folder": .string(byIndex[i]!)]) })
        m["created"] = .string(ISO8601DateFormatter().string(from: Date()))
        m["workers"] = nil
        let manifest = BenchManifest(json: .object(m))

        if FileManager.default.fileExists(atPath: outPath + "/manifest.json") || FileManager.default.fileExists(atPath: outPath + "/episodes.jsonl") {
            throw VLNError.io(path: out, reason: "already holds a run: merge into a new folder")
        }
        let folder = try OutputFolder(destination: outPath)
        try manifest.write(to: folder.path("manifest.json"))
        var lines = Data()
        for r in records { lines.append(try r.line()); lines.append(UInt8(ascii: "\n")) }
        try writeAtomically(lines, to: folder.path("episodes.jsonl"))
        let settings = manifest.json
        var successDistance = 3.0
        if case let .object(o) = settings, case let .object(s)? = o["settings"], let d = s["success_distance"]?.number { successDistance = d }
        let (rows, markdown) = try BenchOutput.writeSummaries(records: records, planners: planners, manifest: manifest,
                                                              successDistance: successDistance, to: folder.staging)
        // Trajectory pictures: copied from every shard.
        let fm = FileManager.default
        for dir in directories {
            let source = URL(fileURLWithPath: dir).standardized.path + "/trajectories"
            guard let planners = try? fm.contentsOfDirectory(atPath: source) else { continue }
            for p in planners {
                guard let files = try? fm.contentsOfDirectory(atPath: source + "/" + p) else { continue }
                let target = folder.staging + "/trajectories/" + p
                try fm.createDirectory(atPath: target, withIntermediateDirectories: true)
                for f in files where !fm.fileExists(atPath: target + "/" + f) {
                    do { try fm.copyItem(atPath: source + "/" + p + "/" + f, toPath: target + "/" + f) } catch {
                        throw VLNError.io(path: source + "/" + p + "/" + f, reason: "cannot copy: \(error.localizedDescription)")
                    }
                }
            }
        }
        try folder.commit()
        return Report(rows: rows, markdown: markdown, results: records.count)
    }
}
