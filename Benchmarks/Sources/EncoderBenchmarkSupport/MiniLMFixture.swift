// The MiniLM benchmark's input and self-check, shared by the package-benchmark target (EncoderBenchmarks) and the
// plain timing loop (EncoderTiming).
//
// Input: the first 256 instructions of ../shared/data/r2r/R2R_val_unseen.json (`instructions` over the episodes,
// in file order) — the sentences of the PyTorch anchor (/work/shared/anchors/torch_encoders.py). Data folder:
// $VLNSIM_DATA, else ../shared/data beside the repository. Model: the model cache ($VLNSIM_MODELS, else
// ~/.cache/vlnsim), filled by `make setup`.
import Foundation
import VLNCore
import VLNEncoders

public final class MiniLMFixture: @unchecked Sendable {
    public let model: MiniLM
    public let sentences: [String]
    /// Token counts ([CLS] and [SEP] included).
    public let tokenCounts: [Int]
    let reference: (text: String, embedding: [Float])?

    public init(count: Int = 256) throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let env = ProcessInfo.processInfo.environment
        let data = env["VLNSIM_DATA"].flatMap { $0.isEmpty ? nil : $0 }
            ?? repo.deletingLastPathComponent().appendingPathComponent("shared/data").path
        let r2rPath = data + "/r2r/R2R_val_unseen.json"
        struct Episode: Decodable { var instructions: [String] }
        let episodes = try loadJSON([Episode].self, path: r2rPath)
        sentences = Array(episodes.flatMap(\.instructions).prefix(count))
        guard sentences.count == count else {
            throw VLNError.badFile(path: r2rPath, field: "instructions", reason: "only \(sentences.count) instructions, need \(count)")
        }
        let model = try MiniLM()
        self.model = model
        tokenCounts = sentences.map { model.tokenizer.encode($0).count }
        // The first reference item of minilm_reference.json, if present, as a correctness check.
        struct Ref: Decodable { struct Item: Decodable { var text: String; var embedding: [Float] }; var items: [Item] }
        let refPath = data + "/reference/minilm_reference.json"
        if FileManager.default.fileExists(atPath: refPath) {
            let item = try loadJSON(Ref.self, path: refPath).items[0]
            reference = (item.text, item.embedding)
        } else {
            reference = nil
        }
    }

    /// A summary line: sentences, tokens, threads, how the dense products are computed.
    public var summary: String {
        let total = tokenCounts.reduce(0, +)
        return String(format: "minilm: %d R2R instructions, %d tokens (mean %.1f, max %d, [CLS]/[SEP] included), one thread; %@",
                      sentences.count, total, Double(total) / Double(sentences.count), tokenCounts.max() ?? 0, KernelPath.summary)
    }

    /// One measured unit of work: tokenise and embed all sentences, on one thread.
    public func embedAll() -> [[Float]] { model.embed(tokenIDs: sentences.map(model.tokenizer.encode), threads: 1) }

    /// Stops the run (`fatalError`) unless every embedding is finite with unit length, the batched embedding of
    /// sentence 0 equals its embedding alone, and the reference text's embedding matches sentence-transformers'.
    public func check(_ embeddings: [[Float]]) {
        guard embeddings.count == sentences.count else { fatalError("minilm: \(embeddings.count) embeddings for \(sentences.count) sentences") }
        for (i, e) in embeddings.enumerated() {
            let n = e.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            if e.count != 384 || !e.allSatisfy(\.isFinite) || abs(n - 1) > 1e-4 { fatalError("minilm: embedding \(i) is not a unit 384-vector") }
        }
        func cosine(_ a: [Float], _ b: [Float]) -> Double {
            let ab = zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            return ab / (a.reduce(0) { $0 + Double($1) * Double($1) } * b.reduce(0) { $0 + Double($1) * Double($1) }).squareRoot()
        }
        let alone = try! model.embed(sentences[0])
        if cosine(alone, embeddings[0]) < 0.9999 { fatalError("minilm: batched and single embeddings differ") }
        if let reference, cosine(try! model.embed(reference.text), reference.embedding) < 0.9999 {
            fatalError("minilm: embedding of \(reference.text.debugDescription) differs from the reference")
        }
    }
}
