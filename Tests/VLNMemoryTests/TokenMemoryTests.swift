import Foundation
import VLNCore
import VLNMemory
import VLNRGBD
import VLNTestSupport
import XCTest

/// A feature map with a deterministic pseudo-random unit feature per patch.
func randomFeatures(high: Int, wide: Int, channels: Int, seed: UInt64) -> FeatureMap {
    var rng = SeededRandom(seed: seed)
    var values = [Float](repeating: 0, count: high * wide * channels)
    for p in 0..<(high * wide) {
        var norm: Float = 0
        for j in 0..<channels { let v = rng.uniform(-1, 1); values[p * channels + j] = v; norm += v * v }
        for j in 0..<channels { values[p * channels + j] /= norm.squareRoot() }
    }
    return FeatureMap(patchesHigh: high, patchesWide: wide, channels: channels, values: values)
}

final class TokenMemoryTests: XCTestCase {
    /// A fronto-parallel wall 2 m in front of an identity camera (looking along −z): every patch is lifted onto the
    /// wall along its block-centre ray, with the closed-form position and scale `d · tan(hfov/2) · 2 / G`.
    func testLiftPlacesPatchesOnTheBlockCentreRays() throws {
        let k = CameraIntrinsics(width: 256, height: 256, hfov: Float(90).radians)
        let depth = DepthImage(width: 256, height: 256, fill: 2)
        var m = try TokenMemory()
        let report = try m.insert(MemoryFrame(depth: depth, intrinsics: k, worldFromCamera: .identity,
                                              features: randomFeatures(high: 24, wide: 24, channels: 8, seed: 1), step: 0))
        XCTAssertEqual(report.inserted, 576)
        XCTAssertEqual(report.deleted, 0)
        let ids = m.livePatchIDs
        XCTAssertEqual(ids.count, 576)
        for (n, id) in ids.enumerated() {
            let p = try XCTUnwrap(m.patch(id))
            let r = n / 24, c = n % 24       // slots are handed out in lift order on an empty memory
            // Block centre b = (c + ½)·256/24, ray x = (b − 128)/128 at z = −1 (tan(45°) = 1); a centre on a pixel
            // edge (b = 16, 48, …) is moved 1/64 pixel into the pixel that holds it.
            func inside(_ b: Float) -> Float { b == b.rounded(.down) ? b + 1 / 64 : b }
            let expectedX = 2 * (inside((Float(c) + 0.5) * 256 / 24) - 128) / 128
            let expectedY = -2 * (inside((Float(r) + 0.5) * 256 / 24) - 128) / 128
            XCTAssertEqual(p.position.x, expectedX, accuracy: 1e-5)
            XCTAssertEqual(p.position.y, expectedY, accuracy: 1e-5)
            XCTAssertEqual(p.position.z, -2, accuracy: 1e-6)
            XCTAssertEqual(p.scale, 2 * tan(Float(45).radians) * 2 / 24, accuracy: 1e-6)
            XCTAssertEqual(length(p.viewDirection), 1, accuracy: 1e-6)
            XCTAssertEqual(dot(p.viewDirection, normalize(p.position)), 1, accuracy: 1e-6)
        }
        // fp16 storage: each stored feature is the fp32 one rounded to binary16.
        let f = try XCTUnwrap(m.patchFeature(ids[5]))
        let original = randomFeatures(high: 24, wide: 24, channels: 8, seed: 1)[5, 0]
        for (a, b) in zip(f, original) { XCTAssertEqual(a, Float(Float16(b))) }
        // …so a unit feature keeps its direction: cosine ≥ 0.9999 for every patch (binary16 has 11 significant bits).
        let map = randomFeatures(high: 24, wide: 24, channels: 8, seed: 1)
        for (n, id) in ids.enumerated() {
            let stored = try XCTUnwrap(m.patchFeature(id)), fp32 = Array(map[n % 24, n / 24])
            var dotProduct: Float = 0, norm: Float = 0
            for (a, b) in zip(stored, fp32) { dotProduct += a * b; norm += a * a }
            let cosine = dotProduct / norm.squareRoot()       // the fp32 feature has unit length
            XCTAssertGreaterThanOrEqual(cosine, 0.9999)
        }
    }

    /// Depth is read at the pixel holding the block centre, ⌊(c + ½)·W/G⌋: a depth image whose value encodes the
    /// column and row shows which pixel each patch read; invalid depth and depth beyond `maxLiftDepth` lift nothing.
    func testLiftReadsTheBlockCentrePixel() throws {
        let k = CameraIntrinsics(width: 100, height: 60, hfov: Float(90).radians)
        var depth = DepthImage(width: 100, height: 60, fill: 0)
        for y in 0..<60 { for x in 0..<100 { depth[x, y] = 1 + Float(x) / 100 + Float(y) / 10_000 } }
        depth[(2 * 3 + 1) * 100 / 14, (2 * 1 + 1) * 60 / 10] = 0            // patch (row 1, column 3): invalid
        depth[(2 * 4 + 1) * 100 / 14, (2 * 2 + 1) * 60 / 10] = 3.5          // patch (row 2, column 4): too far
        var m = try TokenMemory()
        let report = try m.insert(MemoryFrame(depth: depth, intrinsics: k, worldFromCamera: .identity,
                                              features: randomFeatures(high: 5, wide: 7, channels: 4, seed: 2), step: 3))
        XCTAssertEqual(report.inserted, 35 - 2)
        var seen = Set<Int>()
        for id in m.livePatchIDs {
            let p = m.patch(id)!
            XCTAssertEqual(p.step, 3)
            let d = -p.position.z
            let xPixel = Int(((d - 1) * 100).rounded(.down)), yPixel = Int((((d - 1) * 100 - Float(xPixel)) * 100).rounded())
            let c = (0..<7).first { (2 * $0 + 1) * 100 / 14 == xPixel }, r = (0..<5).first { (2 * $0 + 1) * 60 / 10 == yPixel }
            XCTAssertNotNil(c, "depth \(d) read at column \(xPixel), not a block centre")
            XCTAssertNotNil(r, "depth \(d) read at row \(yPixel), not a block centre")
            if let c, let r { seen.insert(r * 7 + c) }
        }
        XCTAssertEqual(seen.count, 33)
        XCTAssertFalse(seen.contains(1 * 7 + 3))
        XCTAssertFalse(seen.contains(2 * 7 + 4))
    }

    /// The deletion rule on a hand-made case: stored patches at known view depths in front of a wall at 2.5 m.
    func testDeletionRuleOnKnownPoints() throws {
        let k = CameraIntrinsics(width: 64, height: 64, hfov: Float(90).radians)
        var m = try TokenMemory()
        // Lift one 1×1 patch per frame from poses that put it where we want, then look from the identity pose.
        func place(_ p: Vec3) throws {
            // A camera 5 cm behind p looking along −z lifts its one patch (block centre (32, 32), depth 0.05 m) to p
            // (and deletes nothing: no other stored patch is within its 0.15 m reach).
            try m.insert(MemoryFrame(depth: DepthImage(width: 64, height: 64, fill: 0.05), intrinsics: k,
                                     worldFromCamera: RigidTransform(translation: p + Vec3(0, 0, 0.05)),
                                     features: randomFeatures(high: 1, wide: 1, channels: 4, seed: 3), step: 0))
        }
        let points: [(Vec3, Bool, String)] = [
            (Vec3(0, 0, -1.0), true, "in front of the wall"),
            (Vec3(0, 0, -2.55), true, "behind the wall by less than the 0.1 m tolerance"),
            (Vec3(0, 0, -2.65), false, "behind the wall by more than the tolerance (occluded)"),
            (Vec3(0.5, 0.2, -2.4), true, "off-axis, in front of the wall"),
            (Vec3(0, 0, 0.5), false, "behind the camera"),
            (Vec3(3, 0, -1), false, "outside the image (u ≥ W)"),
        ]
        var placedOK = true
        for (p, _, _) in points {
            try place(p)
            placedOK = placedOK && m.livePatchCount > 0
        }
        XCTAssertEqual(m.livePatchCount, points.count, "each placement inserts one patch and deletes none")
        XCTAssertTrue(placedOK)
        let ids = m.livePatchIDs
        let report = try m.insert(MemoryFrame(depth: DepthImage(width: 64, height: 64, fill: 2.5), intrinsics: k,
                                              worldFromCamera: .identity,
                                              features: randomFeatures(high: 1, wide: 1, channels: 4, seed: 3), step: 1))
        for (id, (_, deleted, why)) in zip(ids, points) {
            XCTAssertEqual(m.patch(id) == nil || m.patch(id)!.step == 1, deleted, why)
        }
        XCTAssertEqual(report.deleted, points.filter(\.1).count)
        // Beyond the 3 m range nothing is deleted, even through the image; an invalid depth deletes nothing.
        var far = try TokenMemory()
        try far.insert(MemoryFrame(depth: DepthImage(width: 64, height: 64, fill: 1), intrinsics: k,
                                   worldFromCamera: RigidTransform(translation: Vec3(0, 0, -2.2)),
                                   features: randomFeatures(high: 1, wide: 1, channels: 4, seed: 3), step: 0))   // at z = −3.2
        XCTAssertEqual(try far.insert(MemoryFrame(depth: DepthImage(width: 64, height: 64, fill: 5), intrinsics: k, worldFromCamera: .identity,
                                                  features: randomFeatures(high: 2, wide: 2, channels: 4, seed: 3), step: 1)).deleted, 0)
    }

    /// Re-observing a frame from the same pose replaces every patch it sees: the patch count does not grow
    /// (real 7-Scenes frame, 24×24 grid; and a rendered-like plane at an integer block-centre grid, 16×16 on 256).
    func testReobservingTheSameFrameReplacesItsPatches() throws {
        let dir = URL(fileURLWithPath: try requireDataFile("sevenscenes-kitchen-100/camera-intrinsics.txt")).deletingLastPathComponent().path
        let seq = try RGBDSequence.load(dir)
        let frame = try seq.frame(at: 0)
        var m = try TokenMemory()
        let features = randomFeatures(high: 24, wide: 24, channels: 16, seed: 4)
        let mf = MemoryFrame(depth: frame.depth, intrinsics: frame.intrinsics, worldFromCamera: frame.worldFromCamera, features: features, step: 0)
        let first = try m.insert(mf)
        XCTAssertGreaterThan(first.inserted, 400)
        for step in 1...3 {
            var again = mf; again.step = step
            let r = try m.insert(again)
            XCTAssertEqual(r.deleted, first.inserted, "step \(step): every patch of the frame is replaced")
            XCTAssertEqual(m.livePatchCount, first.inserted)
            XCTAssertEqual(m.patchSlots, first.inserted, "slots are reused")
        }
    }

    /// Fidelity: on the 100 real 7-Scenes frames, the per-frame deleted-patch counts equal an independent
    /// implementation of the rule (double precision, written here from the text), except where a patch sits
    /// on a tie (its u or v within 1e-3 px of a pixel edge, or z within 1e-4 m of D + 0.1 or of 3 m).
    func testDeletedCountsMatchAnIndependentImplementationOnSevenScenes() throws {
        let dir = URL(fileURLWithPath: try requireDataFile("sevenscenes-kitchen-100/camera-intrinsics.txt")).deletingLastPathComponent().path
        let seq = try RGBDSequence.load(dir)
        var m = try TokenMemory()
        var totalDeleted = 0, totalTies = 0, mismatchedFrames = 0
        for i in 0..<seq.entries.count {
            let f = try seq.frame(at: i)
            // Independent count over the stored patches, before the insertion.
            let inv = f.worldFromCamera.inverse, k = f.intrinsics
            var expected = 0, ties = 0
            for id in m.livePatchIDs {
                let p = m.patch(id)!.position
                let pw = SIMD3<Double>(Double(p.x), Double(p.y), Double(p.z))
                func row(_ r: Vec3) -> SIMD3<Double> { SIMD3<Double>(Double(r.x), Double(r.y), Double(r.z)) }
                let t = SIMD3<Double>(Double(inv.translation.x), Double(inv.translation.y), Double(inv.translation.z))
                let cx = (row(inv.rotation.row0) * pw).sum() + t.x
                let cy = (row(inv.rotation.row1) * pw).sum() + t.y
                let z = -((row(inv.rotation.row2) * pw).sum() + t.z)
                guard z > 0, z <= 3 else { if abs(z - 3) < 1e-5 || abs(z) < 1e-9 { ties += 1 }; continue }
                let u = Double(k.fx) * cx / z + Double(k.cx), v = -Double(k.fy) * cy / z + Double(k.cy)
                let onEdge = abs(u - u.rounded()) < 1e-3 || abs(v - v.rounded()) < 1e-3
                let ui = Int(floor(u)), vi = Int(floor(v))
                guard ui >= 0, ui < f.depth.width, vi >= 0, vi < f.depth.height else { if onEdge { ties += 1 }; continue }
                let d = Double(f.depth[ui, vi])
                guard d > 0, d.isFinite else { if onEdge { ties += 1 }; continue }
                if onEdge || abs(z - (d + 0.1)) < 1e-4 || abs(z - 3) < 1e-5 { ties += 1 }
                if z < d + 0.1 { expected += 1 }
            }
            let report = try m.insert(MemoryFrame(depth: f.depth, intrinsics: f.intrinsics, worldFromCamera: f.worldFromCamera,
                                                  features: randomFeatures(high: 24, wide: 24, channels: 8, seed: UInt64(i)), step: i))
            XCTAssertLessThanOrEqual(abs(report.deleted - expected), ties, "frame \(i): \(report.deleted) deleted, independent count \(expected), \(ties) ties")
            if report.deleted != expected { mismatchedFrames += 1 }
            totalDeleted += report.deleted; totalTies += ties
        }
        print("7-Scenes: \(totalDeleted) patches deleted over 100 frames, \(mismatchedFrames) frames differ (within \(totalTies) ties); \(m.livePatchCount) live")
        XCTAssertGreaterThan(totalDeleted, 10_000, "the kitchen frames overlap: most patches get replaced")
        XCTAssertEqual(mismatchedFrames, 0, "the C kernel and the double-precision rule agree on every frame")
        XCTAssertEqual(m.invariantViolations(), [])
    }

    /// Bad input is refused with the frame named and the memory unchanged; an all-invalid depth frame is skipped
    /// with a warning.
    func testBadFramesAreRefusedOrSkipped() throws {
        let k = CameraIntrinsics(width: 32, height: 32, hfov: Float(90).radians)
        var m = try TokenMemory()
        try m.insert(MemoryFrame(depth: DepthImage(width: 32, height: 32, fill: 1.5), intrinsics: k, worldFromCamera: .identity,
                                 features: randomFeatures(high: 4, wide: 4, channels: 8, seed: 5), step: 0))
        let before = m.livePatchIDs
        func refused(_ frame: MemoryFrame, _ words: [String]) {
            XCTAssertThrowsError(try m.insert(frame)) { e in
                for w in words { XCTAssertTrue("\(e)".contains(w), "\(e) should mention \(w)") }
            }
            XCTAssertEqual(m.livePatchIDs, before)
        }
        let good = MemoryFrame(depth: DepthImage(width: 32, height: 32, fill: 1.2), intrinsics: k, worldFromCamera: .identity,
                               features: randomFeatures(high: 4, wide: 4, channels: 8, seed: 6), step: 1, name: "frame-000007")
        var nanPose = good; nanPose.worldFromCamera.translation.x = .nan
        refused(nanPose, ["frame-000007", "worldFromCamera", "NaN"])
        var wrongChannels = good; wrongChannels.features = randomFeatures(high: 4, wide: 4, channels: 9, seed: 6)
        refused(wrongChannels, ["frame-000007", "features", "9 channels", "8"])
        var tooFine = good; tooFine.features = randomFeatures(high: 64, wide: 4, channels: 8, seed: 6)
        refused(tooFine, ["frame-000007", "grid"])
        var wrongSegments = good; wrongSegments.segments = InstanceImage(width: 16, height: 32, fill: 1)
        refused(wrongSegments, ["frame-000007", "segments"])
        var sheared = good; sheared.worldFromCamera.rotation = Mat3(columns: Vec3(2, 0, 0), Vec3(0, 0.5, 0), Vec3(0, 0, 1))
        refused(sheared, ["frame-000007", "worldFromCamera", "not a rotation"])
        var nanFeature = good; nanFeature.features.values[3] = .nan
        refused(nanFeature, ["frame-000007", "features", "NaN"])
        var hugeFeature = good; hugeFeature.features.values[5] = 1e5
        refused(hugeFeature, ["frame-000007", "features", "65504"])
        var shortFeatures = good; shortFeatures.features.values = [1]
        refused(shortFeatures, ["frame-000007", "features", "1 values"])
        var farCamera = good; farCamera.worldFromCamera.translation = Vec3(0, 0, 2e6)
        refused(farCamera, ["frame-000007", "1,000 km"])
        // Absurd intrinsics throw the patches far away: not lifted, with a warning naming the frame.
        var tinyFocal = good; tinyFocal.intrinsics = CameraIntrinsics(width: 32, height: 32, fx: 1e-9, fy: 1e-9, cx: 0, cy: 0)
        let far = try m.insert(tinyFocal)
        XCTAssertEqual(far.inserted, 0)
        XCTAssertTrue(far.warnings.contains { $0.contains("frame-000007") && $0.contains("not lifted") }, "\(far.warnings)")
        XCTAssertEqual(m.invariantViolations(), [])
        let beforeInvalid = m.livePatchIDs
        var invalid = good; invalid.depth = DepthImage(width: 32, height: 32, fill: .nan)
        let r = try m.insert(invalid)
        XCTAssertEqual(r.inserted, 0); XCTAssertEqual(r.deleted, 0)
        XCTAssertEqual(r.warnings.count, 1)
        XCTAssertTrue(r.warnings[0].contains("frame-000007"))
        XCTAssertEqual(m.livePatchIDs, beforeInvalid)
        XCTAssertEqual(m.invariantViolations(), [])
    }
}

final class MemoryFileTests: XCTestCase {
    /// A small memory with instances and zones: four views of a box room with two segments.
    func smallMemory() throws -> TokenMemory {
        let k = CameraIntrinsics(width: 64, height: 48, hfov: Float(90).radians)
        var m = try TokenMemory()
        for step in 0..<4 {
            var depth = DepthImage(width: 64, height: 48, fill: 2)
            var segments = InstanceImage(width: 64, height: 48, fill: 1)
            for y in 0..<48 { for x in 32..<64 { depth[x, y] = 1.5; segments[x, y] = 2 } }
            let pose = RigidTransform(rotation: Quaternion(heading: Float(step) * 0.4), translation: Vec3(Float(step) * 0.3, 1.25, 0))
            try m.insert(MemoryFrame(depth: depth, intrinsics: k, worldFromCamera: pose,
                                     features: randomFeatures(high: 6, wide: 8, channels: 12, seed: UInt64(step)),
                                     segments: segments, step: step))
        }
        XCTAssertGreaterThan(m.liveInstanceCount, 0)
        XCTAssertGreaterThan(m.liveZoneCount, 0)
        return m
    }

    func testRoundTripKeepsEverySlot() throws {
        let m = try smallMemory()
        let path = try makeTempDir() + "/m.vlnmem"
        try m.save(to: path)
        let back = try TokenMemory.load(from: path)
        XCTAssertEqual(back.livePatchIDs, m.livePatchIDs)
        XCTAssertEqual(back.liveInstanceIDs, m.liveInstanceIDs)
        XCTAssertEqual(back.liveZoneIDs, m.liveZoneIDs)
        for id in m.livePatchIDs { XCTAssertEqual(back.patch(id), m.patch(id)); XCTAssertEqual(back.patchFeature(id), m.patchFeature(id)) }
        for id in m.liveInstanceIDs { XCTAssertEqual(back.instance(id), m.instance(id)); XCTAssertEqual(back.instanceFeature(id), m.instanceFeature(id)) }
        for id in m.liveZoneIDs { XCTAssertEqual(back.zone(id), m.zone(id)); XCTAssertEqual(back.zoneFeature(id), m.zoneFeature(id)) }
        XCTAssertEqual(back.frameCount, m.frameCount)
        XCTAssertEqual(back.configuration, m.configuration)
        // Every slot, free list and sum: saving the loaded memory gives the same bytes.
        try back.save(to: path + "2")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "2")), try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Truncated, corrupted, wrong-version and foreign files are refused naming the file and the field; a save into
    /// a folder that does not exist fails and leaves nothing.
    func testBadFilesAreRefused() throws {
        let m = try smallMemory()
        let dir = try makeTempDir()
        let path = dir + "/m.vlnmem"
        try m.save(to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        func refused(_ bytes: Data, _ words: [String]) throws {
            let p = dir + "/bad.vlnmem"
            try bytes.write(to: URL(fileURLWithPath: p))
            XCTAssertThrowsError(try TokenMemory.load(from: p)) { e in
                for w in [p] + words { XCTAssertTrue("\(e)".contains(w), "\(e) should mention \(w)") }
            }
        }
        try refused(good.prefix(good.count - 100), ["length", "truncated"])
        try refused(good.prefix(10), ["magic"])
        var flipped = good; flipped[good.count / 2] ^= 0x40
        try refused(flipped, ["checksum", "corrupted"])
        var version = good; version[8] = 2
        try refused(version, ["version", "2"])
        try refused(Data("ply\nformat ascii 1.0\n".utf8), ["magic", "not a vlnsim memory"])
        try refused(good + Data([0, 0, 0, 0]), ["length", "trailing"])
        // Crafted files with a valid checksum: impossible header values and a non-finite position are refused too.
        func crafted(header edit: (inout [String: Any]) -> Void = { _ in }, body: (inout [UInt8], Int) -> Void = { _, _ in }) throws -> Data {
            var bytes = [UInt8](good)
            let h = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
            var json = try JSONSerialization.jsonObject(with: Data(bytes[16..<16 + h])) as! [String: Any]
            edit(&json)
            let newHeader = [UInt8](try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
            var out = Array(bytes[0..<12]) + withUnsafeBytes(of: UInt32(newHeader.count).littleEndian, Array.init) + newHeader
            out += bytes[(16 + h)..<(bytes.count - 4)]
            body(&out, 16 + newHeader.count)
            bytes = out
            return Data(bytes + withUnsafeBytes(of: crc32(bytes).littleEndian, Array.init))
        }
        try refused(try crafted(header: { $0["frameCount"] = 1 << 40 }), ["header", "frameCount"])
        try refused(try crafted(header: { $0["freePatches"] = 1 << 62 }), ["header", "impossible counts"])
        try refused(try crafted(header: { $0["featureDimension"] = 0 }), ["header"])
        try refused(try crafted(header: { h in
            var c = h["configuration"] as! [String: Any]; c["zoneSize"] = 1e-30; h["configuration"] = c
        }), ["configuration", "zoneSize"])
        let live = Int(m.livePatchIDs[0])
        try refused(try crafted(body: { b, start in
            withUnsafeBytes(of: Float.nan) { for k in 0..<4 { b[start + 4 * live + k] = $0[k] } }   // px[live]
        }), ["content", "non-finite"])
        XCTAssertThrowsError(try TokenMemory.load(from: dir + "/missing.vlnmem")) { XCTAssertTrue("\($0)".contains("missing.vlnmem")) }
        XCTAssertThrowsError(try m.save(to: dir + "/no/such/folder/m.vlnmem"))
        XCTAssertEqual(filesIn(dir).sorted(), ["bad.vlnmem", "m.vlnmem"])
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), written here from its definition to check the file's
/// checksum independently of zlib.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

final class MemoryQueryTests: XCTestCase {
    /// Two walls seen from the origin, one segment each: a wall 2 m ahead (−Z) and one 4 m to the left (−X).
    func twoWalls() throws -> TokenMemory {
        let k = CameraIntrinsics(width: 32, height: 32, hfov: Float(60).radians)
        var m = try TokenMemory(configuration: { var c = TokenMemoryConfiguration(); c.maxLiftDepth = 10; return c }())
        for (step, heading) in [(0, Float(0)), (1, Float(90).radians)] {
            let depth = DepthImage(width: 32, height: 32, fill: step == 0 ? 2 : 4)
            try m.insert(MemoryFrame(depth: depth, intrinsics: k, worldFromCamera: RigidTransform(rotation: Quaternion(heading: heading), translation: .zero),
                                     features: randomFeatures(high: 4, wide: 4, channels: 8, seed: UInt64(step)),
                                     segments: InstanceImage(width: 32, height: 32, fill: UInt32(step + 1)), step: step))
        }
        XCTAssertEqual(m.liveInstanceCount, 2)
        return m
    }

    /// Localisation: position, distance and bearing (positive = left) of each wall's centre, from closed forms (the
    /// wall ahead is the 4×4 grid of patches at depth 2 on the −Z axis: its box centre is (0, 0, −2) up to the lift's
    /// 1/64-pixel shift).
    func testLocaliseGivesDistanceAndBearing() throws {
        let m = try twoWalls()
        let ahead = m.liveInstanceIDs.first { m.instance($0)!.centre.z < -1 }!, left = m.liveInstanceIDs.first { m.instance($0)!.centre.x < -1 }!
        let facingAhead = AgentPose(position: .zero, heading: 0)
        let a = try XCTUnwrap(m.localise(ahead, from: facingAhead)), l = try XCTUnwrap(m.localise(left, from: facingAhead))
        XCTAssertEqual(a.position, m.instance(ahead)!.boxCentre)
        // The block centres (4, 12, 20, 28) lie on pixel edges, so the lift moves them 1/64 pixel into their pixel
        // (`TokenMemory.insidePixel`): every ray shifts by +1/64 pixel in x and y, i.e. 2·(1/64)/f metres at depth 2.
        let shift = 2 * (Float(1) / 64) / Float(16 / tan(Float(30).radians))
        XCTAssertEqual(a.position.x, shift, accuracy: 1e-5); XCTAssertEqual(a.position.y, -shift, accuracy: 1e-5)
        XCTAssertEqual(a.position.z, -2, accuracy: 1e-5)
        XCTAssertEqual(a.distance, (4 + 2 * shift * shift).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(a.bearingDegrees, 0, accuracy: 1)            // symmetric 4×4 grid: centre on the axis
        XCTAssertEqual(l.bearingDegrees, 90, accuracy: 1)           // −X is to the left of an agent facing −Z
        let facingLeft = AgentPose(position: .zero, heading: Float(90).radians)
        XCTAssertEqual(m.localise(ahead, from: facingLeft)!.bearingDegrees, -90, accuracy: 1)
        XCTAssertNil(m.localise(999, from: facingAhead))
    }

    /// The VLM token set: the last frame's patches, instances within 5 m (both walls), positions in the agent frame
    /// (−z forward), nearest first; it encodes as JSON.
    func testVLMTokenSetInTheAgentFrame() throws {
        let m = try twoWalls()
        let set = m.vlmTokens(at: AgentPose(position: .zero, heading: Float(90).radians))
        XCTAssertEqual(set.patches.map(\.id), m.lastInsertedPatches)
        XCTAssertEqual(set.instances.count, 2)
        XCTAssertLessThan(set.instances[0].distance, set.instances[1].distance)
        // The left wall (4 m along −X) is straight ahead of an agent facing −X: agent-frame (≈0, ≈0, ≈−4).
        let leftWall = set.instances[1]
        XCTAssertEqual(leftWall.position.z, -4, accuracy: 0.2)
        XCTAssertEqual(leftWall.position.x, 0, accuracy: 0.2)
        for t in set.patches {          // the last frame's wall, at planar depth 4 m ahead of this agent
            XCTAssertEqual(t.position.z, -4, accuracy: 1e-4)
            XCTAssertEqual(length(t.position), t.distance, accuracy: 1e-4)
        }
        let far = m.vlmTokens(at: AgentPose(position: Vec3(30, 0, 30), heading: 0))
        XCTAssertEqual(far.instances.count, 0, "no instance within 5 m")
        XCTAssertEqual(far.zones.count, m.liveZoneCount, "every zone within 100 m")
        XCTAssertNoThrow(try JSONEncoder().encode(set))
    }
}
