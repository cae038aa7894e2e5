import Foundation
import VLNCore
import VLNRGBD
import VLNScene
import VLNSim
import XCTest

/// A rendered episode written as a posed RGB-D folder reads back as rendered: colour exactly, depth within the
/// format's quantisation (0.5 mm for 7-Scenes' millimetres, 0.1 mm for TUM's 1/5000 m), poses within 1e-5.
final class RGBDExportTests: XCTestCase {
    func renderedEpisode() throws -> [Observation] {
        let sim = try Simulator(scene: twoRooms(blocked: true))
        var observations: [Observation] = []
        _ = try sim.run(ScriptedEpisode(actions: try AgentAction.parseSequence("2F L F 3R 2F S")),
                        from: AgentState(position: Vec3(2, 0, 2.5), heading: -1.2), observer: { observations.append($0) })
        return observations
    }

    func testWrittenSequencesReadBackAsRendered() throws {
        let observations = try renderedEpisode()
        XCTAssertEqual(observations.count, 11)  // after reset and after each of the 10 actions
        for format in [RGBDFormat.sevenScenes, .tum] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vlnsim-rgbd-export-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let writer = try RGBDSequenceWriter(format: format, folder: dir, frameRate: 10, gravity: Vec3(0, -1, 0))
            for o in observations { try writer.append(o.rgbdFrame()) }
            try writer.finish()
            let seq = try RGBDSequence.load(dir)
            XCTAssertEqual(seq.format, format)
            XCTAssertEqual(seq.count, observations.count)
            XCTAssertEqual(seq.intrinsics, observations[0].camera.intrinsics)
            let quantum: Float = format == .tum ? 0.0001 : 0.0005
            for (i, o) in observations.enumerated() {
                let f = try seq.frame(at: i)
                XCTAssertEqual(f.color, o.rgb, "frame \(i) colour")
                var worst: Float = 0
                for (a, b) in zip(f.depth.pixels, o.depth.pixels) {
                    XCTAssertEqual(a == 0, b == 0)  // no surface stays invalid
                    worst = max(worst, abs(a - b))
                }
                XCTAssertLessThanOrEqual(worst, quantum + 2e-6, "frame \(i) depth")  // + float rounding at ~8 m
                let m0 = f.worldFromCamera.matrix4x4.joined(), m1 = o.camera.worldFromCamera.matrix4x4.joined()
                XCTAssertLessThan(zip(m0, m1).map { abs($0 - $1) }.max()!, 1e-5, "frame \(i) pose")
                if format == .tum { XCTAssertEqual(f.timestamp!, Double(o.step) / 10, accuracy: 1e-9) }
            }
            // The fused cloud lies in the two rooms (x 0…8, y 0…2.6, z 0…4, walls 10 cm thick) and the ground plane
            // comes from the written gravity direction: Y up.
            let fused = try RGBDFusion(voxelSize: 0.05).fuse(seq)
            let b = fused.cloud.bounds
            XCTAssertGreaterThan(b.lower.x, -0.15); XCTAssertLessThan(b.upper.x, 8.15)
            XCTAssertGreaterThan(b.lower.y, -0.05); XCTAssertLessThan(b.upper.y, 2.65)
            XCTAssertGreaterThan(b.lower.z, -0.15); XCTAssertLessThan(b.upper.z, 4.15)
            if format == .sevenScenes {
                let plane = GroundPlane.estimate(points: fused.cloud.positions, cameraPoses: fused.cameraPoses, gravity: seq.gravity)
                XCTAssertLessThan(length(plane.up - Vec3(0, 1, 0)), 1e-6)
            }
        }
    }
}
