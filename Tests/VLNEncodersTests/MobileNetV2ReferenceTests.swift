import Foundation
import VLNCore
import VLNEncoders
import VLNImage
import VLNTestSupport
import XCTest

/// MobileNetV2 against ../shared/data/reference/mobilenet_reference.json (torchvision 0.28 on PyTorch;
/// make_mobilenet_reference.py beside it): logits within 1e-3 and pooled features within 1e-4 on the three
/// preprocessed inputs (.npy, NCHW), and, from the image files through our own preprocessing, the same top-5
/// classes. Needs the model cache (`make setup`) and the shared data; skips without them.
final class MobileNetV2ReferenceTests: XCTestCase {
    struct Reference: Decodable {
        struct Result: Decodable {
            struct Top: Decodable { var index: Int; var `class`: String; var logit: Float; var softmaxProb: Float }
            var top5: [Top]
            var logits: [Float]
            var pooledFeature1280: [Float]
            var featureMapMeanOverChannels7x7: [[Float]]
            enum CodingKeys: String, CodingKey {
                case top5, logits, pooledFeature1280
                case featureMapMeanOverChannels7x7 = "featureMapMeanOverChannels7X7"  // convertFromSnakeCase capitalises "7x7"
            }
        }
        struct Item: Decodable {
            var imagePath: String
            var resizedSizeWh: [Int]
            var centerCropOffsetTopLeft: [Int]
            var preprocessedInputNpy: String
            var fromImage: Result
            var fromNpyInput: Result
        }
        var images: [String: Item]
    }

    nonisolated(unsafe) static var cached: (MobileNetV2, Reference)?

    func load() throws -> (MobileNetV2, Reference) {
        if let c = Self.cached { return c }
        _ = try requireModelFile("mobilenet-v2/mobilenet_v2.safetensors")
        let refPath = try requireDataFile("reference/mobilenet_reference.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let ref = try decoder.decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: refPath)))
        let model = try MobileNetV2(models: testModelsPath())
        Self.cached = (model, ref)
        return (model, ref)
    }

    static let names = ["frame000000", "frame000500", "synthetic"]

    static func input(_ item: Reference.Item) throws -> ImageTensor {
        let npy = try NPYArray(contentsOf: try requireDataFile(item.preprocessedInputNpy))
        XCTAssertEqual(npy.shape, [1, 3, 224, 224])
        return ImageTensor(channels: 3, height: 224, width: 224, values: npy.floatValues())
    }

    static func top(_ k: Int, _ logits: [Float]) -> [Int] {
        Array(logits.indices.sorted { logits[$0] > logits[$1] }.prefix(k))
    }

    func testLogitsAndPooledFeaturesMatchTheReferenceOnThePreprocessedInputs() throws {
        let (model, ref) = try load()
        let workspace = MobileNetV2.Workspace()
        for name in Self.names {
            let item = try XCTUnwrap(ref.images[name], name)
            let out = try model.forward(try Self.input(item), workspace: workspace)
            XCTAssertEqual(out.featureMap.patchesHigh, 7); XCTAssertEqual(out.featureMap.patchesWide, 7)
            XCTAssertEqual(out.featureMap.channels, 1280)
            let r = item.fromNpyInput
            let logitDiff = zip(out.logits, r.logits).map { abs($0 - $1) }.max()!
            let pooledDiff = zip(out.pooled, r.pooledFeature1280).map { abs($0 - $1) }.max()!
            print("MobileNetV2 \(name): max |logit diff| \(logitDiff), max |pooled diff| \(pooledDiff)")
            XCTAssertLessThanOrEqual(logitDiff, 1e-3, name)
            XCTAssertLessThanOrEqual(pooledDiff, 1e-4, name)
            XCTAssertEqual(Self.top(5, out.logits), r.top5.map(\.index), name)
            // The channel mean of each cell: the feature map's layout (row = y, column = x).
            for y in 0..<7 {
                for x in 0..<7 {
                    let mean = out.featureMap[x, y].reduce(0, +) / 1280
                    XCTAssertEqual(mean, r.featureMapMeanOverChannels7x7[y][x], accuracy: 1e-4, "\(name) cell (\(x), \(y))")
                }
            }
        }
    }

    func testSameWorkspaceGivesTheSameResultsAcrossSizes() throws {
        let (model, ref) = try load()
        let input = try Self.input(try XCTUnwrap(ref.images["synthetic"]))
        let workspace = MobileNetV2.Workspace()
        let first = try model.forward(input, workspace: workspace)
        // A larger input in between grows the buffers; an odd size exercises the ceil(n / 2) strides.
        let odd = ImageTensor(channels: 3, height: 97, width: 250, values: (0..<(3 * 97 * 250)).map { Float($0 % 17) / 17 - 0.5 })
        let oddOut = try model.forward(odd, workspace: workspace)
        XCTAssertEqual(oddOut.featureMap.patchesHigh, 4); XCTAssertEqual(oddOut.featureMap.patchesWide, 8)
        XCTAssertTrue(oddOut.logits.allSatisfy(\.isFinite))
        let again = try model.forward(input, workspace: workspace)
        XCTAssertEqual(first.logits, again.logits)
        XCTAssertEqual(first.featureMap, again.featureMap)
        XCTAssertEqual(MobileNetV2.featureMapSize(height: 97, width: 250).high, 4)
    }

    /// Frames spread over 1, 2 and 4 threads give bit-identical feature maps (each frame computed on one thread).
    func testFeatureMapsDoNotDependOnTheThreadCount() throws {
        let (model, _) = try load()
        let encoder = MobileNetV2Encoder(network: model)
        var g = SeededRandom(seed: 8)
        let frames = (0..<6).map { i -> FeatureMapInput in
            let (w, h) = (96 + 32 * (i % 3), 64 + 32 * (i % 2))
            let pixels = (0..<(w * h)).map { _ in RGB8(UInt8(g.next() % 256), UInt8(g.next() % 256), UInt8(g.next() % 256)) }
            return FeatureMapInput(rgb: RGBImage(width: w, height: h, pixels: pixels))
        }
        let one = try encoder.featureMaps(frames, threads: 1)
        XCTAssertEqual(one.count, frames.count)
        XCTAssertEqual(one[0], try encoder.featureMap(frames[0]))
        for threads in [2, 4] {
            let many = try encoder.featureMaps(frames, threads: threads)
            XCTAssertTrue(many == one, "\(threads) threads differ from 1; \(KernelPath.summary)")
        }
        print("MobileNetV2: \(frames.count) frames bit-identical on 1, 2 and 4 threads; \(KernelPath.summary)")
    }

    func testPreprocessingFromTheImageFilesMatchesTorchvision() throws {
        let (_, ref) = try load()
        for name in Self.names {
            let item = try XCTUnwrap(ref.images[name])
            let image = try readColorImage(try requireDataFile(item.imagePath))
            let mine = try ImageNetPreprocessing.classification(image)
            let theirs = try Self.input(item)
            let diff = zip(mine.values, theirs.values).map { abs($0 - $1) }.max()!
            let differing = zip(mine.values, theirs.values).filter { abs($0 - $1) > 1e-6 }.count
            print("preprocessing \(name): max |difference| \(diff) (\(differing) of \(mine.values.count) values differ)")
            // Ours is PIL's fixed-point arithmetic, so it is exact here (0 of 150528 differ). Another libjpeg build
            // may decode a pixel one level apart: allow one 8-bit step (1/255/std ≤ 0.0175) on ≤ 0.1 % of values.
            XCTAssertLessThanOrEqual(diff, 1 / 255 / 0.224 + 1e-5, name)
            XCTAssertLessThanOrEqual(differing, mine.values.count / 1000, name)
        }
    }

    func testTop5FromTheImageFilesMatchesTheReference() throws {
        let (model, ref) = try load()
        let workspace = MobileNetV2.Workspace()
        for name in Self.names {
            let item = try XCTUnwrap(ref.images[name])
            let image = try readColorImage(try requireDataFile(item.imagePath))
            let out = try model.forward(try ImageNetPreprocessing.classification(image), workspace: workspace)
            let expected = item.fromImage.top5.map(\.index)
            XCTAssertEqual(Self.top(5, out.logits), expected, "\(name): \(item.fromImage.top5.map(\.class))")
            let logitDiff = zip(out.logits, item.fromImage.logits).map { abs($0 - $1) }.max()!
            print("MobileNetV2 \(name) from the image file: top-5 \(Self.top(5, out.logits)), max |logit diff| \(logitDiff)")
        }
    }
}
