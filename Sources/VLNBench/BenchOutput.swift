import Foundation
import VLNCore
import VLNEpisodes
import VLNImage

/// The summary files of a run folder (`summary.md`, `.csv`, `.json`, `.png`), written atomically.
enum BenchOutput {
    /// `text` made safe as one file name: characters other than letters, digits, `.`, `-` and `_` become `_`
    /// (an id of only dots becomes `_`).
    static func fileName(_ text: String) -> String {
        let safe = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") ? $0 : "_" })
        return safe.isEmpty || safe.allSatisfy({ $0 == "." }) ? "_" : safe
    }

    /// Writes the four summary files of `records` (sorted by planner order and suite index) into `dir`.
    /// - Returns: the rows and the Markdown text (what `summary.md` holds).
    static func writeSummaries(records: [EpisodeRecord], planners: [String], manifest: BenchManifest, successDistance: Double,
                               to dir: String) throws -> (rows: [SummaryRow], markdown: String) {
        let rows = planners.map { SummaryRow(planner: $0, records: records) }
        let markdown = self.markdown(rows: rows, manifest: manifest, successDistance: successDistance)
        try writeAtomically(Data(markdown.utf8), to: dir + "/summary.md")
        try writeAtomically(Data(SummaryTable.csv(rows).utf8), to: dir + "/summary.csv")
        var json: [String: JSONValue] = ["planners": .array(rows.map(SummaryTable.json)), "notes": .array(notes(rows).map(JSONValue.string))]
        if case let .object(m) = manifest.json {
            for k in ["suite", "settings", "planner_settings", "shard", "vlnsim_version", "house_generator_version"] { json[k] = m[k] }
            if let merged = m["merged_from"] { json["merged_from"] = merged }
        }
        try writeAtomically(JSONValue.object(json).jsonData(pretty: true) + Data("\n".utf8), to: dir + "/summary.json")
        let image = BenchSummaryChart.draw(rows: rows, records: records, successDistance: successDistance, title: title(manifest))
        try PNG.write(image, to: dir + "/summary.png")
        return (rows, markdown)
    }

    static func title(_ manifest: BenchManifest) -> String {
        guard case let .object(m) = manifest.json, case let .object(suite)? = m["suite"], case let .string(path)? = suite["path"] else { return "vlnsim bench" }
        var t = "vlnsim bench: " + URL(fileURLWithPath: path).lastPathComponent
        if let shard = manifest.shard, shard.count > 1 { t += ", shard \(shard)" }
        return t
    }

    static func notes(_ rows: [SummaryRow]) -> [String] {
        var n = rows.map(SummaryTable.unreachableNote)
        let errors = rows.reduce(0) { $0 + ($1.errors ?? 0) }
        n.append("episodes: scored episodes; errors: episodes that could not run (their `error` lines in episodes.jsonl), in no mean.")
        if errors > 0 { n.append("\(errors) result(s) are errors.") }
        for r in rows {
            guard let p = r.perception, p.steps > 0 else { continue }
            let t = p.timing, k = 1000 / Double(p.steps)
            let staged = t.render + t.encode + t.memory + t.policy, looped = max(t.cpu - t.setup, staged)
            n.append(String(format: "%@perception loop, CPU ms per action (worker thread): render %.3f, encode %.3f, memory %.3f, policy %.3f, other %.3f (simulator step, measures); %.0f steps per CPU second (%.2f s embedding categories left out)",
                            r.planner.map { "\($0): " } ?? "", t.render * k, t.encode * k, t.memory * k, t.policy * k,
                            (looped - staged) * k, looped > 0 ? Double(p.steps) / looped : 0, t.setup))
        }
        n.append("collisions: mean collided MOVE_FORWARD actions per episode; steps: mean actions per episode, STOP included; steps/s: actions per second of episode wall time (run and scoring, per worker thread; simulator builds and the distance field of each goal, built once and shared by the planners, not counted).")
        return n
    }

    /// A JSON value as plain text (strings unquoted).
    static func plain(_ v: JSONValue?) -> String {
        if case let .string(s)? = v { return s }
        return BenchManifest.text(v)
    }

    static func markdown(rows: [SummaryRow], manifest: BenchManifest, successDistance: Double) -> String {
        var t = "# \(title(manifest))\n\n"
        if case let .object(m) = manifest.json {
            if case let .object(suite)? = m["suite"] {
                t += "suite: \(plain(suite["path"])) (sha256 \(plain(suite["sha256"]).prefix(12))…, \(plain(suite["episodes"])) episodes, \(plain(suite["units"])) units)"
            }
            if let shard = manifest.shard { t += "; shard \(shard)" }
            if case let .array(from)? = m["merged_from"] { t += " (merged from \(from.count) shards)" }
            t += "; planners: " + manifest.planners.joined(separator: ", ")
            if case let .object(s)? = m["settings"] {
                t += "  \nsettings: max steps \(plain(s["max_steps"])), success distance \(String(format: "%g", successDistance)) m (goal distance geodesic, "
                    + "from the simulator's distance field), DTW \(plain(s["dtw"])), seed \(plain(s["seed"]))"
            }
            t += "; vlnsim \(plain(m["vlnsim_version"])), house generator v\(plain(m["house_generator_version"]))\n\n"
        }
        t += SummaryTable.markdown(rows)
        t += "\n" + notes(rows).map { "- " + $0 }.joined(separator: "\n") + "\n"
        return t
    }
}
