import Foundation
import VLNTestSupport
import XCTest

/// `vlnsim classify` end to end (needs the model cache and the shared data; skips without them).
final class ClassifyCommandTests: XCTestCase {
    func vlnsim(_ args: [String]) throws -> CLIRun { try runVLNSim(args) }

    func testClassifyPrintsTheReferenceTop5() throws {
        _ = try requireModelFile("mobilenet-v2/mobilenet_v2.safetensors")
        let image = try requireDataFile("sevenscenes-kitchen-100/frames/frame-000000.color.jpg")
        let r = try vlnsim(["classify", image])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
        // mobilenet_reference.json: dining table (532) 0.2168, then 648, 526, 519, 495.
        XCTAssertEqual(lines.first, "1  0.2168  532  dining table")
        XCTAssertEqual(lines.map { Int($0.split(separator: " ", omittingEmptySubsequences: true)[2])! }, [532, 648, 526, 519, 495])
        let three = try vlnsim(["classify", image, "--top", "3", "--models", testModelsPath()])
        XCTAssertEqual(three.stdout.split(separator: "\n").count, 3)
    }

    func testClassifyErrors() throws {
        let dir = try makeTempDir()
        let noModel = try vlnsim(["classify", "../shared/data/reference/synthetic_gradient_224.png", "--models", dir])
        XCTAssertEqual(noModel.status, 1)
        XCTAssertTrue(noModel.stderr.contains("make setup"), noModel.stderr)
        _ = try requireModelFile("mobilenet-v2/mobilenet_v2.safetensors")
        let broken = dir + "/broken.jpg"
        try Data([0xFF, 0xD8, 0xFF, 0x00, 0x01]).write(to: URL(fileURLWithPath: broken))
        let bad = try vlnsim(["classify", broken])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("broken.jpg"), bad.stderr)
        XCTAssertEqual(try vlnsim(["classify", broken, "--top", "0"]).status, 64, "--top 0 is a usage error")
        XCTAssertEqual(try vlnsim(["classify"]).status, 64, "no image is a usage error")
    }
}
