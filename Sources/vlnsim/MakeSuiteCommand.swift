import ArgumentParser
import Foundation
import VLNBench
import VLNCore

extension SuiteKind: ExpressibleByArgument {}

struct MakeSuiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-suite",
        abstract: "Generate a VLN-CE episode suite (static, dynamic or lifelong) in seeded houses, with R2R-style instructions.",
        discussion: """
        Houses: HouseGenerator seeds S, S+1, …, S+N−1, referenced as scene_id generated/house-<seed> and regenerated \
        identically on any machine. Each episode: start and goal on one island at a geodesic distance of 5–20 m, \
        start_rotation [x, y, z, w] about +Y, goals [{position, radius 3.0}], reference_path = the shortest path \
        resampled every 0.25 m (VLN-CE's ground-truth step), an R2R-style English instruction written from what the \
        path passes (rooms left and entered, landmarks and their side, turns, where to stop), instruction_tokens into \
        the file's instruction_vocab (R2R-CE's layout).

        --kind dynamic: each episode has "events" (the `vlnsim episode` event format): a piece of furniture moved \
        into the path, one removed near it, or a box in a doorway that is not the only way (the goal stays reachable, \
        the path gets longer). Each is checked on the edited scene; reference_path and geodesic_distance are those of \
        the scene after the events, the instruction describes the route before them.
        --kind lifelong: chains of --chain-length episodes in one house ("chain": {"id", "index"}); episode k+1 \
        starts at episode k's goal, facing the way the agent arrived. --episodes counts all episodes of all chains.

        The same arguments give byte-identical files. --out ending .json.gz is gzipped; it is written atomically, and \
        nothing is written on an error. A report goes to stdout: episodes, houses, geodesic distances, words per \
        instruction beside R2R's (--r2r, default $VLNSIM_DATA/r2r/R2R_val_unseen.json), phrasing diversity, events.
        """)

    @Option(name: .long, help: "Suite kind.")
    var kind: SuiteKind

    @Option(name: .long, help: "Number of houses (HouseGenerator seeds --seed, --seed + 1, …).")
    var houses: Int

    @Option(name: .long, help: "Number of episodes (at least --houses; lifelong: a multiple of --chain-length, one chain per house at least).")
    var episodes: Int

    @Option(name: .long, help: "Seed of the houses and of every random choice.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Episodes per chain (lifelong).")
    var chainLength: Int = 10

    @Option(name: .long, help: "Output episode file: .json, or .json.gz (gzip).")
    var out: String

    @Option(name: .long, help: "R2R split file whose words per instruction the report compares with (default: $VLNSIM_DATA or ../shared/data, r2r/R2R_val_unseen.json).")
    var r2r: String?

    var options: SuiteOptions { SuiteOptions(kind: kind, houses: houses, episodes: episodes, seed: seed, chainLength: chainLength) }

    func validate() throws {
        do { try options.validate() } catch let e as VLNError {
            if case let .invalidValue(field, reason) = e { throw ValidationError("--\(field.replacingOccurrences(of: " ", with: "-")): \(reason)") }
            throw ValidationError(e.description)
        }
        guard out.hasSuffix(".json") || out.hasSuffix(".json.gz") else {
            throw ValidationError("--out must end in .json or .json.gz, got '\(out)'")
        }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: out, isDirectory: &isDir), isDir.boolValue { throw ValidationError("--out '\(out)' is a folder") }
        let dir = URL(fileURLWithPath: out).deletingLastPathComponent().path
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("--out: folder '\(dir)' does not exist")
        }
        guard access(dir, W_OK) == 0 else { throw ValidationError("--out: folder '\(dir)' is not writable") }
    }

    func run() throws {
        try reportingErrors {
            let clock = ContinuousClock(), t0 = clock.now
            let suite = try SuiteGenerator.generate(options)
            try suite.write(to: out)
            let elapsed = clock.now - t0
            let r2rPath = r2r ?? DataPath.resolve() + "/" + R2RReference.relativePath
            var reference: WordStatistics?
            var note: String
            if FileManager.default.fileExists(atPath: r2rPath) {
                reference = try R2RReference.wordStatistics(path: r2rPath)
                note = URL(fileURLWithPath: r2rPath).lastPathComponent
            } else {
                note = "reference file not found at \(r2rPath) (pass --r2r or set VLNSIM_DATA)"
            }
            print(suite.statistics.report(kind: kind, path: out, reference: reference, referenceNote: note, houseSeeds: options.houseSeeds))
            let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(format: "generated and written in %.1f s", secs))
        }
    }
}
