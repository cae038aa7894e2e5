import Foundation
import VLNCore
@testable import VLNEncoders
import VLNTestSupport
import XCTest

/// all-MiniLM-L6-v2 against ../shared/data/reference/minilm_reference.json (sentence-transformers 6.2.0 on
/// PyTorch; make_minilm_reference.py beside it): identical token ids for all 23 texts and the truncation case,
/// cosine ≥ 0.9999 to every reference embedding. Needs the model cache (`make setup`); skips without it.
final class MiniLMReferenceTests: XCTestCase {
    struct Reference: Decodable {
        struct Item: Decodable {
            var text: String
            var tokenIds: [Int32]
            var tokens: [String]?
            var numTokens: Int
            var embedding: [Float]
        }
        var maxSeqLength: Int
        var items: [Item]
        var extraItems: [Item]
    }

    nonisolated(unsafe) static var cached: (MiniLM, Reference)?

    func load() throws -> (MiniLM, Reference) {
        if let c = Self.cached { return c }
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        let refPath = try requireDataFile("reference/minilm_reference.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let ref = try decoder.decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: refPath)))
        let model = try MiniLM(models: testModelsPath())
        Self.cached = (model, ref)
        return (model, ref)
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) { ab += Double(x) * Double(y); aa += Double(x) * Double(x); bb += Double(y) * Double(y) }
        return ab / (aa.squareRoot() * bb.squareRoot())
    }

    func testConfigurationAndTruncationLengthComeFromTheModelFolder() throws {
        let (model, ref) = try load()
        XCTAssertEqual(model.configuration, MiniLM.Configuration())  // 6 layers, 384, 12 heads, 1536, …
        XCTAssertEqual(model.dimension, 384)
        XCTAssertEqual(model.tokenizer.maxLength, ref.maxSeqLength)
        XCTAssertEqual(model.tokenizer.maxLength, 256)
    }

    func testTokenIDsMatchTheReferenceForEveryText() throws {
        let (model, ref) = try load()
        XCTAssertEqual(ref.items.count, 23)
        for item in ref.items + ref.extraItems {
            let ids = model.tokenizer.encode(item.text)
            XCTAssertEqual(ids, item.tokenIds, "token ids of \(item.text.debugDescription.prefix(80))")
            XCTAssertEqual(ids.count, item.numTokens)
            if let tokens = item.tokens { XCTAssertEqual(model.tokenizer.tokens(item.text), tokens) }
        }
    }

    func testEmbeddingsMatchTheReferenceOneAtATimeAndBatched() throws {
        let (model, ref) = try load()
        let all = ref.items + ref.extraItems
        let batched = try model.embed(batch: all.map(\.text))
        var worst = 1.0
        for (item, b) in zip(all, batched) {
            let single = try model.embed(item.text)
            XCTAssertEqual(single.count, 384)
            let c = Self.cosine(single, item.embedding)
            worst = min(worst, c)
            XCTAssertGreaterThanOrEqual(c, 0.9999, "cosine to the reference for \(item.text.debugDescription.prefix(80))")
            XCTAssertGreaterThanOrEqual(Self.cosine(b, item.embedding), 0.9999, "batched: \(item.text.prefix(80))")
            let norm = single.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
            let maxDiff = zip(single, item.embedding).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(maxDiff, 1e-3, item.text)
        }
        print(String(format: "MiniLM: worst cosine to sentence-transformers over %d texts: 1 − %.2e; %@", all.count, 1 - worst,
                     KernelPath.summary))
    }

    /// The ASCII byte path against the Unicode path with the model's 30,522-piece vocabulary, on texts made of the
    /// reference texts' words, symbols, control bytes and overlong words (see
    /// `TokenizerAndModelTests.checkASCIIPathMatchesUnicodePath`).
    func testASCIIPathMatchesUnicodePathOnTheModelVocabulary() throws {
        let (model, ref) = try load()
        let words = ref.items.flatMap { $0.text.split(separator: " ").map(String.init) }.filter { $0.utf8.allSatisfy { $0 < 0x80 } }
        XCTAssertGreaterThan(words.count, 50)
        TokenizerAndModelTests.checkASCIIPathMatchesUnicodePath(model.tokenizer, words: words)
    }

    func testEmptyTextIsTheEmbeddingOfClsSep() throws {
        let (model, ref) = try load()
        let item = try XCTUnwrap(ref.items.first { $0.text.isEmpty })
        XCTAssertEqual(item.tokenIds, [101, 102])
        XCTAssertEqual(model.tokenizer.encode(""), [101, 102])
        XCTAssertEqual(model.tokenizer.encode(" \t\n\u{0}"), [101, 102], "whitespace and control characters only")
        XCTAssertGreaterThanOrEqual(Self.cosine(try model.embed(""), item.embedding), 0.9999)
    }

    func testOverlongTextIsTruncatedAsTheReference() throws {
        let (model, ref) = try load()
        let item = try XCTUnwrap(ref.extraItems.first)
        XCTAssertEqual(item.numTokens, 256)
        let ids = model.tokenizer.encode(item.text)
        XCTAssertEqual(ids.count, 256)
        XCTAssertEqual(ids.first, 101); XCTAssertEqual(ids.last, 102)
        XCTAssertEqual(ids, item.tokenIds)
        XCTAssertGreaterThanOrEqual(Self.cosine(try model.embed(item.text), item.embedding), 0.9999)
        // Far beyond the 512 positions of the model: still 256 tokens, no crash.
        let huge = String(repeating: "walk past the sofa and stop at the fridge. ", count: 500)
        XCTAssertEqual(model.tokenizer.encode(huge).count, 256)
        XCTAssertEqual(try model.embed(huge).count, 384)
    }

    func testSimilaritiesOrderAsExpected() throws {
        let (model, _) = try load()
        let sofa = try model.embed("sofa"), couch = try model.embed("couch"), toilet = try model.embed("toilet")
        XCTAssertGreaterThan(Self.cosine(sofa, couch), Self.cosine(sofa, toilet))
    }

    /// The same texts give bit-identical embeddings on 1, 2 and 4 threads: the texts are cut into blocks that do
    /// not depend on the thread count, each computed on one thread (determinism by construction, on whatever
    /// product path this process runs: see the printed path).
    func testEmbeddingsDoNotDependOnTheThreadCount() throws {
        let (model, ref) = try load()
        // Enough texts for several blocks of `MiniLM.tokensPerBlock` tokens, so that the threads share the work.
        let texts = Array(repeating: ref.items.map(\.text), count: 40).flatMap { $0 }.enumerated().map { "\($0.offset) \($0.element)" }
        let ids = texts.map(model.tokenizer.encode)
        XCTAssertGreaterThan(ids.reduce(0) { $0 + $1.count }, 3 * 2048, "at least four blocks")
        let one = model.embed(tokenIDs: ids, threads: 1)
        for threads in [2, 4] {
            let many = model.embed(tokenIDs: ids, threads: threads)
            XCTAssertEqual(many.count, one.count)
            XCTAssertTrue(many == one, "\(threads) threads differ from 1 on \(zip(many, one).filter { $0 != $1 }.count) texts; \(KernelPath.summary)")
        }
        print("MiniLM: \(texts.count) texts bit-identical on 1, 2 and 4 threads; \(KernelPath.summary)")
    }
}
