import Foundation
import VLNTestSupport
import XCTest

/// The same episode gives byte-identical outputs on 1, 2 and 4 threads (`VLNSIM_THREADS`): trajectory, map, frames
/// and the exported RGB-D sequence. Rendering cuts each frame into row bands by the thread count, but each pixel is
/// computed from its own ray alone, so the bands do not change a bit.
final class DeterminismCLITests: XCTestCase {
    func testEpisodeOutputsDoNotDependOnTheThreadCount() throws {
        let dir = try makeTempDir()
        let args = ["episode", "--scene", "scenes/house_0002.json", "--oracle", "--seed", "4", "--max-steps", "40", "--save-frames",
                    "--export-rgbd", "tum"]
        var outputs = [String: [String: Data]]()
        for threads in ["1", "2", "4"] {
            let out = dir + "/t" + threads
            let r = try runVLNSim(args + ["--out", out], environment: ["VLNSIM_THREADS": threads])
            XCTAssertEqual(r.status, 0, r.stderr)
            var files = [String: Data]()
            let root = URL(fileURLWithPath: out)
            let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])!
            for case let url as URL in walker where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
                files[String(url.path.dropFirst(root.path.count))] = try Data(contentsOf: url)
            }
            outputs[threads] = files
        }
        let one = try XCTUnwrap(outputs["1"])
        XCTAssertGreaterThan(one.keys.filter { $0.contains("rgb_") }.count, 5, "frames were rendered")
        XCTAssertNotNil(one["/trajectory.json"])
        for threads in ["2", "4"] {
            let many = try XCTUnwrap(outputs[threads])
            XCTAssertEqual(Set(many.keys), Set(one.keys), "\(threads) threads: the same files")
            for (name, data) in one { XCTAssertTrue(many[name] == data, "\(threads) threads: \(name) differs from 1 thread") }
        }
    }
}
