import Foundation
import VLNEpisodes
import VLNMeasures

/// One row of a summary table: a planner's means (`MeasureSummary`), and for runner output its error count and
/// speed.
///
/// Infinite NE (no goal reachable from where the agent stopped) is treated as `MeasureSummary` states: NE is the
/// mean over the episodes with a finite NE, the others are counted apart (`unreachableEpisodes`) and still count as
/// failures in SR, OSR, SPL and SDTW. Failed episodes (an `error` line) are in no mean: `errors` counts them.
public struct SummaryRow: Sendable {
    /// The planner, nil for a table of one unnamed row (`bench evaluate`).
    public var planner: String?
    /// Means over the scored episodes.
    public var measures: MeasureSummary
    /// Episodes that could not run, nil when the table has no such column.
    public var errors: Int?
    /// Actions per second of episode wall time (the run and the scoring of each episode, per worker thread), nil
    /// when not measured.
    public var stepsPerSecond: Double?
    /// The perception loop's stage times summed over the scored episodes, with their total wall seconds and actions;
    /// nil in a blind run (or for a row not from the runner).
    public var perception: (timing: PerceptionTiming, wallSeconds: Double, steps: Int)?
    /// Number of scored episodes (`measures.episodes`).
    public var scored: Int { measures.episodes }

    /// A row from its parts.
    public init(planner: String?, measures: MeasureSummary, errors: Int? = nil, stepsPerSecond: Double? = nil) {
        self.planner = planner; self.measures = measures; self.errors = errors; self.stepsPerSecond = stepsPerSecond
    }

    /// The row of `planner` over `records` (its results; other planners' are ignored).
    public init(planner: String, records: [EpisodeRecord]) {
        let mine = records.filter { $0.planner == planner }
        let scored = mine.compactMap(\.measures)
        self.planner = planner
        measures = MeasureSummary(scored)
        errors = mine.count - scored.count
        let wall = mine.filter { $0.measures != nil }.reduce(0.0) { $0 + $1.wallSeconds }
        let steps = scored.reduce(0) { $0 + $1.steps }
        stepsPerSecond = wall > 0 ? Double(steps) / wall : nil
        let timed = mine.filter { $0.measures != nil }.compactMap(\.perceptionTiming)
        if !timed.isEmpty { perception = (timed.reduce(PerceptionTiming(), +), wall, steps) }
    }

    /// CPU milliseconds (of the worker thread) per action of each stage of the perception loop: `render`, `encode`,
    /// `memory`, `policy`, and `other` (the rest of the episodes' CPU time: the simulator's step, the trajectory
    /// record, the measures), their sum `total`; `steps_per_cpu_s` = actions / (CPU seconds − setup): agent steps per
    /// second of one core; `setup_s`, the CPU seconds spent embedding categories (once per category and run, left out
    /// of the rest); `frames`, `steps`. Nil in a blind run.
    public var stageMillisecondsPerStep: JSONValue? {
        guard let p = perception, p.steps > 0 else { return nil }
        let t = p.timing, n = Double(p.steps)
        let staged = t.render + t.encode + t.memory + t.policy, looped = max(t.cpu - t.setup, staged)
        func ms(_ s: Double) -> JSONValue { jsonNumber(s * 1000 / n) }
        return .object(["render": ms(t.render), "encode": ms(t.encode), "memory": ms(t.memory), "policy": ms(t.policy),
                        "other": ms(looped - staged), "total": ms(looped), "frames": .int(t.frames),
                        "steps": .int(p.steps), "clock": .string("CLOCK_THREAD_CPUTIME_ID"), "setup_s": jsonNumber(t.setup),
                        "steps_per_cpu_s": looped > 0 ? jsonNumber(n / looped) : .null])
    }
}

/// The summary table in Markdown, CSV and JSON (one layout for `bench evaluate` and the runner).
public enum SummaryTable {
    static func f(_ x: Double?, _ digits: Int) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }

    /// A Markdown table: `[planner |] episodes [| errors] | TL (m) | NE (m) | OSR | SR | SPL | nDTW | SDTW | steps |
    /// collisions [| steps/s]`; the optional columns appear when a row has a value for them. `episodes` counts the
    /// scored episodes. TL and NE in metres with 2 decimals, rates with 4, steps 1, collisions (mean collided
    /// steps per episode) 2, steps/s 0; `n/a` for a mean over no episode.
    public static func markdown(_ rows: [SummaryRow]) -> String {
        let named = rows.contains { $0.planner != nil }, errors = rows.contains { $0.errors != nil }
        let speed = rows.contains { $0.stepsPerSecond != nil }
        var header = ["episodes"], align = ["---:"]
        if named { header.insert("planner", at: 0); align.insert("---", at: 0) }
        if errors { header.append("errors"); align.append("---:") }
        header += ["TL (m)", "NE (m)", "OSR", "SR", "SPL", "nDTW", "SDTW", "steps", "collisions"]
        align += Array(repeating: "---:", count: 9)
        if speed { header.append("steps/s"); align.append("---:") }
        var t = "| " + header.joined(separator: " | ") + " |\n"
        t += "|" + align.joined(separator: "|") + "|\n"
        for r in rows {
            let s = r.measures
            var cells = ["\(s.episodes)"]
            if named { cells.insert(r.planner ?? "", at: 0) }
            if errors { cells.append(r.errors.map(String.init) ?? "n/a") }
            cells += [f(s.pathLength, 2), f(s.distanceToGoal, 2), f(s.oracleSuccess, 4), f(s.success, 4), f(s.spl, 4), f(s.ndtw, 4),
                      f(s.sdtw, 4), f(s.steps, 1), s.collisionEpisodes > 0 ? f(s.collisions, 2) : "n/a"]
            if speed { cells.append(f(r.stepsPerSecond, 0)) }
            t += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return t
    }

    /// How infinite NE was treated for `row`, one line (with the planner's name when it has one).
    public static func unreachableNote(_ row: SummaryRow) -> String {
        let s = row.measures
        let who = row.planner.map { "\($0): " } ?? ""
        return "\(who)NE is the mean over \(s.episodes - s.unreachableEpisodes) episodes with a reachable goal; \(s.unreachableEpisodes) with an unreachable goal (infinite NE) are left out of it and count as failures."
    }

    /// CSV with a header line; full precision, empty cells for a mean over no episode. Columns: planner, episodes,
    /// errors, tl_m, ne_m, unreachable, osr, sr, spl, ndtw, sdtw, oracle_ne_m, steps, collisions, steps_per_s.
    public static func csv(_ rows: [SummaryRow]) -> String {
        func c(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        var t = "planner,episodes,errors,tl_m,ne_m,unreachable,osr,sr,spl,ndtw,sdtw,oracle_ne_m,steps,collisions,steps_per_s\n"
        for r in rows {
            let s = r.measures
            let cells = [csvField(r.planner ?? ""), "\(s.episodes)", r.errors.map(String.init) ?? "", c(s.pathLength), c(s.distanceToGoal),
                         "\(s.unreachableEpisodes)", c(s.oracleSuccess), c(s.success), c(s.spl), c(s.ndtw), c(s.sdtw),
                         c(s.oracleNavigationError), c(s.steps), s.collisionEpisodes > 0 ? c(s.collisions) : "", c(r.stepsPerSecond)]
            t += cells.joined(separator: ",") + "\n"
        }
        return t
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// One JSON object per row (the CSV's columns; `null` for a mean over no episode).
    public static func json(_ row: SummaryRow) -> JSONValue {
        let s = row.measures
        func n(_ x: Double?) -> JSONValue { x.map(jsonNumber) ?? .null }
        return .object([
            "planner": row.planner.map(JSONValue.string) ?? .null, "episodes": .int(s.episodes), "errors": row.errors.map(JSONValue.int) ?? .null,
            "tl_m": n(s.pathLength), "ne_m": n(s.distanceToGoal), "unreachable": .int(s.unreachableEpisodes), "osr": n(s.oracleSuccess),
            "sr": n(s.success), "spl": n(s.spl), "ndtw": n(s.ndtw), "sdtw": n(s.sdtw), "oracle_ne_m": n(s.oracleNavigationError),
            "oracle_unreachable": .int(s.oracleUnreachableEpisodes), "steps": n(s.steps),
            "collisions": s.collisionEpisodes > 0 ? n(s.collisions) : .null, "steps_per_s": n(row.stepsPerSecond),
        ].merging(row.stageMillisecondsPerStep.map { ["stage_ms_per_step": $0] } ?? [:]) { a, _ in a })
    }
}
