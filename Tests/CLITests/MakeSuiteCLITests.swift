import Foundation
import VLNTestSupport
import XCTest

/// `vlnsim make-suite`: a small run end to end, the help text, and bad arguments (clear error, non-zero exit,
/// nothing written).
final class MakeSuiteCLITests: XCTestCase {
    func testSmallStaticSuiteWritesFileAndReport() throws {
        let dir = try makeTempDir()
        let out = dir + "/s.json.gz"
        let r = try runVLNSim(["make-suite", "--kind", "static", "--houses", "1", "--episodes", "2", "--seed", "5", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out))
        for needle in ["2 static episodes in 1 houses", "geodesic distance: min", "words per instruction: mean", "R2R", "events: none"] {
            XCTAssertTrue(r.stdout.contains(needle), "report lacks '\(needle)':\n\(r.stdout)")
        }
        // Same arguments, same bytes.
        let again = dir + "/t.json.gz"
        XCTAssertEqual(try runVLNSim(["make-suite", "--kind", "static", "--houses", "1", "--episodes", "2", "--seed", "5", "--out", again]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), try Data(contentsOf: URL(fileURLWithPath: again)))
        XCTAssertEqual(filesIn(dir).sorted(), ["s.json.gz", "t.json.gz"], "no temporary files left")
    }

    func testHelpNamesTheOptions() throws {
        let r = try runVLNSim(["make-suite", "--help"])
        XCTAssertEqual(r.status, 0)
        for needle in ["--kind", "static", "dynamic", "lifelong", "--houses", "--episodes", "--seed", "--out", ".json.gz", "generated/house-"] {
            XCTAssertTrue(r.stdout.contains(needle), "help lacks '\(needle)'")
        }
    }

    func testBadArgumentsFailClearlyAndWriteNothing() throws {
        let dir = try makeTempDir()
        let out = dir + "/x.json"
        let cases: [([String], String)] = [
            (["--kind", "static", "--houses", "0", "--episodes", "5", "--out", out], "--houses"),
            (["--kind", "static", "--houses", "3", "--episodes", "2", "--out", out], "--episodes"),
            (["--kind", "sideways", "--houses", "1", "--episodes", "2", "--out", out], "sideways"),
            (["--kind", "lifelong", "--houses", "1", "--episodes", "15", "--out", out], "multiple"),
            (["--kind", "static", "--houses", "1", "--episodes", "2", "--out", dir + "/missing/x.json"], "does not exist"),
            (["--kind", "static", "--houses", "1", "--episodes", "2", "--out", dir + "/x.txt"], ".json"),
        ]
        for (args, needle) in cases {
            let r = try runVLNSim(["make-suite"] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(needle), "\(args): stderr lacks '\(needle)':\n\(r.stderr)")
            XCTAssertTrue(filesIn(dir).isEmpty, "\(args) wrote \(filesIn(dir))")
        }
        // --out naming an existing folder.
        let other = try makeTempDir()
        try FileManager.default.createDirectory(atPath: other + "/d.json", withIntermediateDirectories: false)
        let r = try runVLNSim(["make-suite", "--kind", "static", "--houses", "1", "--episodes", "2", "--out", other + "/d.json"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("is a folder"), r.stderr)
        XCTAssertEqual(filesIn(other), ["d.json"])
    }

    func testUnwritableFolderFails() throws {
        guard getuid() != 0 else { throw XCTSkip("running as root: every folder is writable") }
        let dir = try makeTempDir()
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir) }
        let r = try runVLNSim(["make-suite", "--kind", "static", "--houses", "1", "--episodes", "1", "--out", dir + "/x.json"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("not writable"), r.stderr)
        XCTAssertTrue(filesIn(dir).isEmpty)
    }
}
