import Foundation
import VLNCore
import VLNEncoders
import VLNImage
import VLNTestSupport
import XCTest

/// A text encoder for unit tests: a fixed unit vector per text (no model needed).
struct StubTextEncoder: TextEncoder {
    var dimension: Int { 8 }
    func embed(_ text: String) throws -> [Float] {
        var rng = SeededRandom(seed: UInt64(text.utf8.reduce(7) { $0 &* 31 &+ Int($1) } & 0xFFFF))
        let v = (0..<8).map { _ in rng.uniform(-1, 1) }
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / n }
    }
}

/// The ground-truth semantic encoder, preprocessing details, the MobileNetV2 loader's errors and the language
/// bridge.
final class ImageEncoderTests: XCTestCase {
    // MARK: Ground-truth semantic encoder

    /// 40×36 pixels, patches of 16: a 3 × 3 grid whose last row and column are partial (8 and 4 pixels).
    func syntheticInstances() -> InstanceImage {
        var ids = InstanceImage(width: 40, height: 36, fill: 0)
        for y in 0..<36 {
            for x in 0..<40 {
                // Patch (0, 0): id 1 everywhere but a 5×5 corner of 2 → 1. Patch (1, 0): 3 on 9 columns of 16 → 3.
                // Patch (2, 0) (8 wide): all 4. Row 1: id 5 (no category) in (0, 1), 0 in (1, 1), 2 in (2, 1).
                // Row 2 (4 high): a tie between 6 and 7 in (0, 2) → 6 (the smaller id); the rest 0.
                let px = x / 16, py = y / 16
                var id: UInt32 = 0
                switch (px, py) {
                case (0, 0): id = (x < 5 && y < 5) ? 2 : 1
                case (1, 0): id = x - 16 < 9 ? 3 : 1
                case (2, 0): id = 4
                case (0, 1): id = 5
                case (2, 1): id = 2
                case (0, 2): id = x < 8 ? 7 : 6
                default: id = 0
                }
                ids[x, y] = id
            }
        }
        return ids
    }

    let categories: [UInt32: String] = [1: "sofa", 2: "chair", 3: "table", 4: "lamp", 6: "bed", 7: "plant"]

    func testGroundTruthPatchesGetTheirMajorityCategoryEmbeddingExactly() throws {
        let text = StubTextEncoder()
        let encoder = try GroundTruthSemanticEncoder(textEncoder: text, categories: categories, patchSize: 16)
        XCTAssertEqual(encoder.channels, 8)
        let map = try encoder.featureMap(FeatureMapInput(rgb: RGBImage(width: 40, height: 36, fill: .black), instanceIDs: syntheticInstances()))
        XCTAssertEqual(map.patchesHigh, 3); XCTAssertEqual(map.patchesWide, 3)
        let expected: [[String?]] = [["sofa", "table", "lamp"], [nil, nil, "chair"], ["bed", nil, nil]]
        for y in 0..<3 {
            for x in 0..<3 {
                let want = try expected[y][x].map { try text.embed($0) } ?? [Float](repeating: 0, count: 8)
                XCTAssertEqual(Array(map[x, y]), want, "patch (\(x), \(y))")
            }
        }
    }

    /// The majority vote against a plain count (a dictionary per patch, the vote written out as the doc states it) on
    /// seeded random id images: few ids (many ties), runs, sizes that are not multiples of the patch side.
    func testGroundTruthMajorityMatchesAPlainCount() throws {
        func reference(_ ids: InstanceImage, _ p: Int) -> [UInt32] {
            var out: [UInt32] = []
            for py in 0..<((ids.height + p - 1) / p) {
                for px in 0..<((ids.width + p - 1) / p) {
                    var counts: [UInt32: Int] = [:]
                    for y in (py * p)..<min(py * p + p, ids.height) {
                        for x in (px * p)..<min(px * p + p, ids.width) { counts[ids.pixels[y * ids.width + x], default: 0] += 1 }
                    }
                    let most = counts.values.max()!
                    out.append(counts.filter { $0.value == most }.keys.min()!)
                }
            }
            return out
        }
        var rng = SeededRandom(seed: 3)
        for (w, h, p, distinct) in [(40, 36, 16, 3), (64, 64, 16, 2), (37, 29, 5, 4), (128, 128, 16, 40), (9, 7, 1, 3), (20, 20, 32, 5)] {
            var ids = InstanceImage(width: w, height: h, fill: 0)
            var current: UInt32 = 0
            for k in 0..<(w * h) {
                if rng.next() % 4 == 0 { current = UInt32(rng.next() % UInt64(distinct)) }  // runs of one id
                ids.pixels[k] = current
            }
            let encoder = try GroundTruthSemanticEncoder(textEncoder: StubTextEncoder(), categories: categories, patchSize: p)
            let got = encoder.majorityIDs(ids)
            XCTAssertEqual(got.patchesHigh, (h + p - 1) / p); XCTAssertEqual(got.patchesWide, (w + p - 1) / p)
            XCTAssertEqual(got.ids, reference(ids, p), "\(w)×\(h), patch \(p)")
        }
    }

    func testGroundTruthNoiseIsSeededAndRenormalised() throws {
        let ids = syntheticInstances()
        let input = FeatureMapInput(rgb: RGBImage(width: 40, height: 36, fill: .black), instanceIDs: ids)
        let a = try GroundTruthSemanticEncoder(textEncoder: StubTextEncoder(), categories: categories, noiseSigma: 0.1, seed: 42)
        let b = try GroundTruthSemanticEncoder(textEncoder: StubTextEncoder(), categories: categories, noiseSigma: 0.1, seed: 42)
        let c = try GroundTruthSemanticEncoder(textEncoder: StubTextEncoder(), categories: categories, noiseSigma: 0.1, seed: 43)
        let clean = try GroundTruthSemanticEncoder(textEncoder: StubTextEncoder(), categories: categories).featureMap(input)
        let ma = try a.featureMap(input)
        XCTAssertEqual(ma, try b.featureMap(input), "same seed, same map")
        XCTAssertEqual(ma, try a.featureMap(input), "same call twice, same map")
        XCTAssertNotEqual(ma, try c.featureMap(input), "another seed, other noise")
        XCTAssertNotEqual(ma, clean)
        for y in 0..<3 {
            for x in 0..<3 {
                let v = Array(ma[x, y]), w = Array(clean[x, y])
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if w.allSatisfy({ $0 == 0 }) {
                    XCTAssertEqual(v, w, "no category: zeros, no noise")
                } else {
                    XCTAssertEqual(norm, 1, accuracy: 1e-5)
                    XCTAssertGreaterThan(zip(v, w).reduce(0) { $0 + $1.0 * $1.1 }, 0.8, "σ = 0.1 keeps the direction")
                }
            }
        }
    }

    func testGroundTruthBadInputsAreErrors() throws {
        let encoder = try GroundTruthSemanticEncoder(textEncoder: StubTextEncoder(), categories: categories)
        XCTAssertThrowsError(try encoder.featureMap(FeatureMapInput(rgb: RGBImage(width: 4, height: 4, fill: .black)))) {
            XCTAssertTrue("\($0)".contains("instanceIDs"), "\($0)")
        }
        XCTAssertThrowsError(try encoder.featureMap(FeatureMapInput(rgb: RGBImage(width: 0, height: 0, fill: .black),
                                                                    instanceIDs: InstanceImage(width: 0, height: 0, fill: 0))))
        XCTAssertThrowsError(try GroundTruthSemanticEncoder(textEncoder: StubTextEncoder(), categories: categories, patchSize: 0))
        XCTAssertThrowsError(try GroundTruthSemanticEncoder(textEncoder: StubTextEncoder(), categories: categories, noiseSigma: -1))
    }

    func testGroundTruthWithMiniLMGivesTheCategoryEmbeddings() throws {
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        let text = try MiniLM(models: testModelsPath())
        let encoder = try GroundTruthSemanticEncoder(textEncoder: text, categories: categories, patchSize: 16)
        XCTAssertEqual(encoder.channels, 384)
        let map = try encoder.featureMap(FeatureMapInput(rgb: RGBImage(width: 40, height: 36, fill: .black), instanceIDs: syntheticInstances()))
        // The categories are embedded as one batch: equal to one-at-a-time embeddings up to float rounding.
        func maxDiff(_ a: ArraySlice<Float>, _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max()! }
        XCTAssertLessThan(maxDiff(map[0, 0], try text.embed("sofa")), 1e-5)
        XCTAssertLessThan(maxDiff(map[2, 1], try text.embed("chair")), 1e-5)
        XCTAssertEqual(Array(map[1, 1]), [Float](repeating: 0, count: 384))
    }

    // MARK: Preprocessing

    func testPILResizeKeepsConstantImagesAndSizes() {
        let grey = RGBImage(width: 640, height: 480, fill: RGB8(100, 150, 200))
        let r = PILResample.bilinear(grey, width: 341, height: 256)
        XCTAssertEqual(r.width, 341); XCTAssertEqual(r.height, 256)
        XCTAssertTrue(r.pixels.allSatisfy { $0 == RGB8(100, 150, 200) }, "weights sum to 1 in fixed point")
        let up = PILResample.bilinear(RGBImage(width: 3, height: 2, fill: RGB8(7, 8, 9)), width: 10, height: 9)
        XCTAssertTrue(up.pixels.allSatisfy { $0 == RGB8(7, 8, 9) })
    }

    func testClassificationCropsWithBankersRounding() throws {
        // 301×256 → resized 301×256 (unchanged), crop offset round(77 / 2) = round(38.5) = 38 (ties to even).
        var image = RGBImage(width: 301, height: 256, fill: .black)
        for y in 0..<256 { for x in 0..<301 { image[x, y] = RGB8(UInt8(x % 256), UInt8(y), 0) } }
        let t = try ImageNetPreprocessing.classification(image)
        XCTAssertEqual(t.channels, 3); XCTAssertEqual(t.height, 224); XCTAssertEqual(t.width, 224)
        XCTAssertEqual(t[0, 0, 0], (Float(38) / 255 - 0.485) / 0.229)
        XCTAssertEqual(t[1, 0, 0], (Float(16) / 255 - 0.456) / 0.224)
    }

    func testPatchGridSizesAreMultiplesOf32() throws {
        let frame = RGBImage(width: 640, height: 480, fill: .white)
        let full = try ImageNetPreprocessing.patchGrid(frame)
        XCTAssertEqual([full.height, full.width], [480, 640])
        let small = try ImageNetPreprocessing.patchGrid(frame, shorterSide: 224)
        XCTAssertEqual([small.height, small.width], [224, 288])
        let tiny = try ImageNetPreprocessing.patchGrid(RGBImage(width: 5, height: 3, fill: .white))
        XCTAssertEqual([tiny.height, tiny.width], [32, 32])
    }

    func testZeroSizeImagesAreErrors() throws {
        let empty = RGBImage(width: 0, height: 0, fill: .black)
        XCTAssertThrowsError(try ImageNetPreprocessing.classification(empty)) { XCTAssertTrue("\($0)".contains("image"), "\($0)") }
        XCTAssertThrowsError(try ImageNetPreprocessing.patchGrid(RGBImage(width: 10, height: 0, fill: .black)))
    }

    // MARK: MobileNetV2 weights: errors

    func testMissingWeightsSayHowToGetThem() throws {
        let dir = try makeTempDir()
        XCTAssertThrowsError(try MobileNetV2(models: dir)) { e in
            XCTAssertTrue("\(e)".contains("make setup"), "\(e)")
            XCTAssertTrue("\(e)".contains("mobilenet_v2.safetensors"), "\(e)")
        }
    }

    func testCorruptWeightsFileIsAnError() throws {
        let path = try makeTempDir() + "/mobilenet_v2.safetensors"
        try Data("not a safetensors file at all".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try MobileNetV2(file: path)) { XCTAssertTrue("\($0)".contains(path), "\($0)") }
        // Truncated: a valid header whose data runs past the end.
        let real = try requireModelFile("mobilenet-v2/mobilenet_v2.safetensors")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: real))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try MobileNetV2(file: path)) { XCTAssertTrue("\($0)".contains("data_offsets"), "\($0)") }
    }

    func testATensorOfTheWrongShapeIsNamedWithBothShapes() throws {
        let dir = try makeTempDir()
        // The stem alone, with 5×5 kernels.
        try SafeTensors.write(["features.0.0.weight": (shape: [32, 3, 5, 5], values: [Float](repeating: 0, count: 32 * 75))], to: dir + "/stem.safetensors")
        XCTAssertThrowsError(try MobileNetV2(file: dir + "/stem.safetensors")) { e in
            XCTAssertTrue("\(e)".contains("features.0.0.weight") && "\(e)".contains("[32, 3, 5, 5]") && "\(e)".contains("[32, 3, 3, 3]"), "\(e)")
        }
        // The real weights with one depthwise kernel replaced deep inside the network.
        let real = try SafeTensors(contentsOf: try requireModelFile("mobilenet-v2/mobilenet_v2.safetensors"))
        var tensors = [String: (shape: [Int], values: [Float])]()
        for name in real.names { tensors[name] = (shape: real.tensors[name]!.shape, values: try real.floats(name)) }
        tensors["features.12.conv.1.0.weight"] = (shape: [576, 1, 5, 5], values: [Float](repeating: 0, count: 576 * 25))
        try SafeTensors.write(tensors, to: dir + "/bad.safetensors")
        XCTAssertThrowsError(try MobileNetV2(file: dir + "/bad.safetensors")) { e in
            XCTAssertTrue("\(e)".contains("features.12.conv.1.0.weight") && "\(e)".contains("[576, 1, 5, 5]")
                          && "\(e)".contains("[576, 1, 3, 3]") && "\(e)".contains("bad.safetensors"), "\(e)")
        }
        // A missing tensor is named too.
        tensors["features.12.conv.1.0.weight"] = nil
        try SafeTensors.write(tensors, to: dir + "/missing.safetensors")
        XCTAssertThrowsError(try MobileNetV2(file: dir + "/missing.safetensors")) { XCTAssertTrue("\($0)".contains("features.12.conv.1.0.weight"), "\($0)") }
    }

    func testForwardRejectsBadInputs() throws {
        _ = try requireModelFile("mobilenet-v2/mobilenet_v2.safetensors")
        let model = try MobileNetV2(models: testModelsPath())
        XCTAssertThrowsError(try model.forward(ImageTensor(channels: 3, height: 0, width: 5, values: [])))
        XCTAssertThrowsError(try model.forward(ImageTensor(channels: 1, height: 2, width: 2, values: [0, 0, 0, 0])))
    }

    // MARK: Language bridge

    func testLanguageBridgeMatchesTheImagesClassNames() throws {
        _ = try requireModelFile("mobilenet-v2/mobilenet_v2.safetensors")
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        let network = try MobileNetV2(models: testModelsPath())
        let text = try MiniLM(models: testModelsPath())
        let cache = try makeTempDir() + "/classes.safetensors"
        let bridge = try ImageNetLanguageBridge(network: network, textEncoder: text, textEncoderName: "all-MiniLM-L6-v2", cacheFile: cache)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache), "class-name embeddings cached")
        XCTAssertEqual(bridge.classEmbeddings.rows, 1000); XCTAssertEqual(bridge.channels, 384)
        let again = try ImageNetLanguageBridge(network: network, textEncoder: text, textEncoderName: "all-MiniLM-L6-v2", cacheFile: cache)
        XCTAssertEqual(again.classEmbeddings, bridge.classEmbeddings, "read back from the cache")
        XCTAssertLessThan(zip(bridge.classEmbeddings.row(532), try text.embed("dining table")).map { abs($0 - $1) }.max()!, 1e-5)

        let frame = try readColorImage(try requireDataFile("sevenscenes-kitchen-100/frames/frame-000000.color.jpg"))
        let map = try bridge.featureMap(FeatureMapInput(rgb: frame))
        XCTAssertEqual([map.patchesHigh, map.patchesWide, map.channels], [15, 20, 384])
        for y in 0..<15 { for x in 0..<20 { XCTAssertEqual(map[x, y].reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4) } }
        // A kitchen with a table: "dining table" matches the frame better than "goldfish" or "volcano", on average.
        func meanCosine(_ query: String) throws -> Float {
            let q = try text.embed(query)
            var s: Float = 0
            for y in 0..<15 { for x in 0..<20 { s += zip(map[x, y], q).reduce(0) { $0 + $1.0 * $1.1 } } }
            return s / 300
        }
        let table = try meanCosine("dining table"), fish = try meanCosine("goldfish"), volcano = try meanCosine("volcano")
        print("language bridge, frame000000: mean cosine dining table \(table), goldfish \(fish), volcano \(volcano)")
        XCTAssertGreaterThan(table, fish); XCTAssertGreaterThan(table, volcano)
    }

    func testImageNetClassNamesAreTheReferenceList() throws {
        let path = try requireDataFile("reference/imagenet_classes.txt")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(ImageNetClasses.names, lines.map(String.init))
    }
}
