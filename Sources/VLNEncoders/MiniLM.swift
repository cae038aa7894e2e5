import CEncoderKernels
import Foundation
import VLNCore

/// all-MiniLM-L6-v2 (sentence-transformers; Wang et al. 2020, "MiniLM", arXiv:2002.10957; Reimers & Gurevych
/// 2019, "Sentence-BERT", arXiv:1908.10084): a 6-layer BERT encoder (hidden 384, 12 heads, intermediate 1536, GELU,
/// LayerNorm eps 1e-12, absolute positions up to 512, token type 0), mean pooling over every token of the text
/// (`[CLS]` and `[SEP]` included), then L2 normalisation (`x / max(‖x‖₂, 1e-12)`). Embeddings are 384 values.
///
/// A batch of texts is packed token after token (no padding) so that each layer's dense products are a few large
/// products (`Linear`, on `MatrixProducts.path`: packed-weight fp32 AVX2, bf16x3 on AMX tiles, or OpenBLAS
/// `cblas_sgemm`), while attention stays within each text (`vln_attention` on the packed AVX2 path, small
/// `cblas_sgemm`s per head elsewhere).
/// The sizes come from the model's config.json (any BERT of this shape loads); weights from model.safetensors,
/// each tensor checked against the shape the config implies.
public struct MiniLM: TextEncoder {
    /// The architecture, from config.json; the defaults are all-MiniLM-L6-v2's.
    public struct Configuration: Sendable, Equatable {
        /// all-MiniLM-L6-v2's architecture.
        public init() {}
        /// Width of the hidden states and of the embedding (config.json `hidden_size`).
        public var hiddenSize = 384
        /// Transformer layers (`num_hidden_layers`).
        public var layerCount = 6
        /// Attention heads per layer (`num_attention_heads`); must divide `hiddenSize`.
        public var headCount = 12
        /// Width of the feed-forward layer (`intermediate_size`).
        public var intermediateSize = 1536
        /// Rows of the position-embedding table (`max_position_embeddings`); caps the tokenizer's `maxLength`.
        public var maxPositions = 512
        /// Rows of the word-embedding table (`vocab_size`).
        public var vocabularySize = 30522
        /// Rows of the token-type table (`type_vocab_size`, default 2); only type 0 is used.
        public var typeVocabularySize = 2
        /// LayerNorm epsilon (`layer_norm_eps`, default 1e-12).
        public var layerNormEps: Float = 1e-12
        /// Width of one attention head, `hiddenSize / headCount` (32 for all-MiniLM-L6-v2).
        public var headSize: Int { hiddenSize / headCount }
    }

    struct Layer: Sendable {
        var qkv: Linear  // query | key | value, hidden → 3·hidden
        var attentionOutput: Linear
        var attentionNormGamma: [Float], attentionNormBeta: [Float]
        var intermediate: Linear
        var output: Linear
        var outputNormGamma: [Float], outputNormBeta: [Float]
    }

    /// The architecture the weights were loaded for.
    public let configuration: Configuration
    /// The WordPiece tokenizer of the model's vocab.txt.
    public let tokenizer: WordPieceTokenizer
    /// The model folder it was loaded from.
    public let directory: String
    let wordEmbeddings: [Float]  // vocabularySize × hidden
    let positionAndTypeEmbeddings: [Float]  // maxPositions × hidden: position + token type 0
    let embeddingNormGamma: [Float], embeddingNormBeta: [Float]
    let layers: [Layer]
    /// Buffers kept between calls (one per thread that runs a block at the same time).
    let workspaces = WorkspacePool { Workspace() }

    /// Embedding length, `configuration.hiddenSize` (384).
    public var dimension: Int { configuration.hiddenSize }

    /// Loads the model from the model cache (see `ModelPath`).
    /// - Parameter models: the model cache or the model folder; `nil` = `$VLNSIM_MODELS` or `~/.cache/vlnsim`.
    /// - Throws: `VLNError.io` saying how to get the model if it is missing; `VLNError.badFile` naming the file and
    ///   tensor or field if a file is corrupt or a tensor has the wrong shape.
    public init(models: String? = nil) throws {
        try self.init(directory: ModelPath.resolve(.miniLM, in: models))
    }

    /// Loads the model from a folder holding config.json, vocab.txt, model.safetensors and, optionally,
    /// sentence_bert_config.json (`max_seq_length`, default 256).
    /// - Throws: as `init(models:)`.
    public init(directory: String) throws {
        let fm = FileManager.default
        for f in ModelPath.Model.miniLM.requiredFiles where !fm.fileExists(atPath: directory + "/" + f) {
            throw VLNError.io(path: directory + "/" + f, reason: ModelPath.missingModelAdvice(.miniLM, cache: ModelPath.cacheDirectory()))
        }
        let config = try MiniLM.readConfiguration(directory + "/config.json")
        var maxLength = 256
        let sbert = directory + "/sentence_bert_config.json"
        if fm.fileExists(atPath: sbert) {
            struct SBERT: Decodable { var max_seq_length: Int? }
            if let m = try loadJSON(SBERT.self, path: sbert).max_seq_length {
                guard m >= 2 else { throw VLNError.badFile(path: sbert, field: "max_seq_length", reason: "\(m) is below 2") }
                maxLength = m
            }
        }
        maxLength = min(maxLength, config.maxPositions)
        let tokenizer = try WordPieceTokenizer(vocabularyFile: directory + "/vocab.txt", maxLength: maxLength)
        guard tokenizer.pieces.count <= config.vocabularySize else {
            throw VLNError.badFile(path: directory + "/vocab.txt", reason: "\(tokenizer.pieces.count) pieces, the model has \(config.vocabularySize) word embeddings")
        }
        let weights = try SafeTensors(contentsOf: directory + "/model.safetensors")
        try self.init(configuration: config, tokenizer: tokenizer, weights: weights, directory: directory)
    }

    /// From parsed parts (e.g. a small random model in tests).
    /// - Throws: `VLNError.badFile` naming the tensor if one is missing or has the wrong shape.
    public init(configuration c: Configuration, tokenizer: WordPieceTokenizer, weights w: SafeTensors, directory: String = "") throws {
        let h = c.hiddenSize
        // Tensor names as in Hugging Face's BertModel; an optional "bert." prefix (BertFor… checkpoints) is accepted.
        let prefix = w.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func floats(_ name: String, _ shape: [Int]) throws -> [Float] { try w.floats(prefix + name, shape: shape) }
        func linear(_ name: String, _ inputs: Int, _ outputs: Int) throws -> Linear { try Linear(w, prefix + name, inputs: inputs, outputs: outputs) }
        wordEmbeddings = try floats("embeddings.word_embeddings.weight", [c.vocabularySize, h])
        let positions = try floats("embeddings.position_embeddings.weight", [c.maxPositions, h])
        let types = try floats("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h])
        positionAndTypeEmbeddings = (0..<(c.maxPositions * h)).map { positions[$0] + types[$0 % h] }
        embeddingNormGamma = try floats("embeddings.LayerNorm.weight", [h])
        embeddingNormBeta = try floats("embeddings.LayerNorm.bias", [h])
        layers = try (0..<c.layerCount).map { i in
            let p = "encoder.layer.\(i)."
            return Layer(
                qkv: Linear(concatenating: [try linear(p + "attention.self.query", h, h), try linear(p + "attention.self.key", h, h),
                                            try linear(p + "attention.self.value", h, h)]),
                attentionOutput: try linear(p + "attention.output.dense", h, h),
                attentionNormGamma: try floats(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBeta: try floats(p + "attention.output.LayerNorm.bias", [h]),
                intermediate: try linear(p + "intermediate.dense", h, c.intermediateSize),
                output: try linear(p + "output.dense", c.intermediateSize, h),
                outputNormGamma: try floats(p + "output.LayerNorm.weight", [h]),
                outputNormBeta: try floats(p + "output.LayerNorm.bias", [h]))
        }
        configuration = c
        self.tokenizer = tokenizer
        self.directory = directory
    }

    /// Reads and checks config.json (a BERT with GELU, absolute positions, hidden size divisible by the head count).
    /// - Throws: `VLNError.badFile` naming the field.
    public static func readConfiguration(_ path: String) throws -> Configuration {
        struct File: Decodable {
            var model_type: String?, hidden_act: String?, position_embedding_type: String?
            var hidden_size: Int, num_hidden_layers: Int, num_attention_heads: Int, intermediate_size: Int
            var max_position_embeddings: Int, vocab_size: Int, type_vocab_size: Int?, layer_norm_eps: Double?
        }
        let f = try loadJSON(File.self, path: path)
        func bad(_ field: String, _ reason: String) -> VLNError { .badFile(path: path, field: field, reason: reason) }
        if let t = f.model_type, t != "bert" { throw bad("model_type", "'\(t)' is not supported (only 'bert')") }
        if let a = f.hidden_act, a != "gelu" { throw bad("hidden_act", "'\(a)' is not supported (only 'gelu', the erf form)") }
        if let p = f.position_embedding_type, p != "absolute" { throw bad("position_embedding_type", "'\(p)' is not supported (only 'absolute')") }
        for (name, v) in [("hidden_size", f.hidden_size), ("num_hidden_layers", f.num_hidden_layers), ("num_attention_heads", f.num_attention_heads),
                          ("intermediate_size", f.intermediate_size), ("max_position_embeddings", f.max_position_embeddings), ("vocab_size", f.vocab_size)]
            where v < 1 {
            throw bad(name, "\(v) is not positive")
        }
        guard f.hidden_size % f.num_attention_heads == 0 else { throw bad("num_attention_heads", "\(f.num_attention_heads) does not divide hidden_size \(f.hidden_size)") }
        var c = Configuration()
        c.hiddenSize = f.hidden_size; c.layerCount = f.num_hidden_layers; c.headCount = f.num_attention_heads
        c.intermediateSize = f.intermediate_size; c.maxPositions = f.max_position_embeddings; c.vocabularySize = f.vocab_size
        c.typeVocabularySize = max(1, f.type_vocab_size ?? 2); c.layerNormEps = Float(f.layer_norm_eps ?? 1e-12)
        return c
    }

    // MARK: Encoding

    /// The embedding of `text` (384 values, unit length). Empty text gives the embedding of `[CLS] [SEP]`; text
    /// longer than 256 tokens is truncated to its first 254 WordPiece tokens, as sentence-transformers does.
    public func embed(_ text: String) throws -> [Float] { embed(tokenIDs: [tokenizer.encode(text)])[0] }

    /// The embeddings of `texts`, in order (packed into large matrix products; the same values as one at a time
    /// up to float rounding). Blocks of texts run on up to `Parallel.defaultThreadCount` threads.
    public func embed(batch texts: [String]) throws -> [[Float]] { embed(tokenIDs: texts.map(tokenizer.encode)) }

    /// Tokens per block of texts that go through the layers together (larger blocks, larger products).
    static let tokensPerBlock = 2048

    /// The embeddings of already tokenised texts (`[CLS] … [SEP]` ids as `WordPieceTokenizer.encode` gives them).
    ///
    /// The texts are cut, in order, into blocks of at most `tokensPerBlock` tokens (a longer text is a block of its
    /// own); each block runs on one thread, and the blocks are spread over `threads` threads (`Parallel`). The cut
    /// does not depend on `threads`, so neither do the embeddings: they are bit-identical for any thread count.
    /// - Precondition: each has 1…`maxPositions` ids, each id below `vocabularySize`; `threads ≥ 1`.
    public func embed(tokenIDs texts: [[Int32]], threads: Int = Parallel.defaultThreadCount) -> [[Float]] {
        var blocks = [Range<Int>]()
        var start = 0
        while start < texts.count {
            var end = start, tokens = 0
            while end < texts.count, end == start || tokens + texts[end].count <= MiniLM.tokensPerBlock {
                tokens += texts[end].count; end += 1
            }
            blocks.append(start..<end)
            start = end
        }
        let perBlock = Parallel.map(blocks.count, threads: threads) { b in workspaces.with { forward(texts[blocks[b]], workspace: $0) } }
        return perBlock.flatMap { $0 }
    }

    /// Buffers reused across blocks.
    final class Workspace {
        var x = [Float](), qkv = [Float](), context = [Float](), scratch = [Float](), intermediate = [Float](), scores = [Float]()
        func reserve(tokens n: Int, longest t: Int, _ c: Configuration) {
            func grow(_ a: inout [Float], _ count: Int) { if a.count < count { a = [Float](repeating: 0, count: count) } }
            grow(&x, n * c.hiddenSize); grow(&qkv, n * 3 * c.hiddenSize); grow(&context, n * c.hiddenSize)
            grow(&scratch, n * c.hiddenSize); grow(&intermediate, n * c.intermediateSize); grow(&scores, max(t * t, vln_attention_scratch_count(t, c.headSize)))
        }
    }

    /// One block of texts through the network; returns their pooled, normalised embeddings.
    private func forward(_ texts: ArraySlice<[Int32]>, workspace ws: Workspace) -> [[Float]] {
        let c = configuration, h = c.hiddenSize, dh = c.headSize
        let n = texts.reduce(0) { $0 + $1.count }
        let longest = texts.map(\.count).max() ?? 0
        precondition(texts.allSatisfy { !$0.isEmpty && $0.count <= c.maxPositions }, "a text has 0 or more than \(c.maxPositions) tokens")
        ws.reserve(tokens: n, longest: longest, c)
        let scale = 1 / Float(dh).squareRoot()
        let useFusedAttention = MatrixProducts.path == .packedAVX2
        var result = [[Float]]()
        ws.x.withUnsafeMutableBufferPointer { xb in
        ws.qkv.withUnsafeMutableBufferPointer { qkvb in
        ws.context.withUnsafeMutableBufferPointer { ctxb in
        ws.scratch.withUnsafeMutableBufferPointer { tmpb in
        ws.intermediate.withUnsafeMutableBufferPointer { interb in
        ws.scores.withUnsafeMutableBufferPointer { sb in
            let x = xb.baseAddress!, qkv = qkvb.baseAddress!, ctx = ctxb.baseAddress!, tmp = tmpb.baseAddress!
            let inter = interb.baseAddress!, scores = sb.baseAddress!
            // Embeddings: word + position + token type 0, then LayerNorm.
            wordEmbeddings.withUnsafeBufferPointer { we in
                positionAndTypeEmbeddings.withUnsafeBufferPointer { pe in
                    var row = 0
                    for ids in texts {
                        for (position, id) in ids.enumerated() {
                            precondition(id >= 0 && Int(id) < c.vocabularySize, "token id \(id) outside the vocabulary")
                            let dst = x + row * h
                            dst.update(from: we.baseAddress! + Int(id) * h, count: h)
                            VectorMath.addInPlace(dst, pe.baseAddress! + position * h, count: h)
                            row += 1
                        }
                    }
                }
            }
            layerNorm(x, rows: n, embeddingNormGamma, embeddingNormBeta)
            for layer in layers {
                // Self-attention: Q | K | V in one product, then softmax(Q Kᵀ / √dh) V per text and head.
                layer.qkv.apply(rows: n, x: x, ldx: h, y: qkv, ldy: 3 * h)
                var offset = 0
                for ids in texts {
                    let t = ids.count
                    let base = qkv + offset * 3 * h
                    if useFusedAttention {
                        let status = vln_attention(t, c.headCount, dh, base, 3 * h, scale, ctx + offset * h, h, scores)
                        precondition(status == 0, "the packed path was chosen where vln_attention cannot run")
                        offset += t
                        continue
                    }
                    for head in 0..<c.headCount {
                        let q = base + head * dh, k = base + h + head * dh, v = base + 2 * h + head * dh
                        BLAS.sgemm(m: t, n: t, k: dh, alpha: scale, a: q, lda: 3 * h, b: k, ldb: 3 * h, transposeB: true, c: scores, ldc: t)
                        VectorMath.softmaxRowsInPlace(scores, rows: t, width: t, ld: t)
                        BLAS.sgemm(m: t, n: dh, k: t, a: scores, lda: t, b: v, ldb: 3 * h, c: ctx + offset * h + head * dh, ldc: h)
                    }
                    offset += t
                }
                // x = LayerNorm(x + ctx Woᵀ + bo)
                layer.attentionOutput.applyWithoutBias(rows: n, x: ctx, ldx: h, y: tmp, ldy: h)
                residualLayerNorm(x, tmp, rows: n, layer.attentionOutput.bias, layer.attentionNormGamma, layer.attentionNormBeta)
                // Feed-forward: x = LayerNorm(x + GELU(x W₁ᵀ + b₁) W₂ᵀ + b₂).
                layer.intermediate.applyGELU(rows: n, x: x, ldx: h, y: inter, ldy: c.intermediateSize)
                layer.output.applyWithoutBias(rows: n, x: inter, ldx: c.intermediateSize, y: tmp, ldy: h)
                residualLayerNorm(x, tmp, rows: n, layer.output.bias, layer.outputNormGamma, layer.outputNormBeta)
            }
            // Mean pooling over each text's tokens, then L2 normalisation.
            var row = 0
            for ids in texts {
                var v = [Float](repeating: 0, count: h)
                v.withUnsafeMutableBufferPointer { vb in
                    for r in row..<(row + ids.count) { VectorMath.addInPlace(vb.baseAddress!, x + r * h, count: h) }
                }
                row += ids.count
                let inv = 1 / Float(ids.count)
                var norm: Float = 0
                for i in 0..<h { v[i] *= inv; norm += v[i] * v[i] }
                let scaleNorm = 1 / max(norm.squareRoot(), 1e-12)
                for i in 0..<h { v[i] *= scaleNorm }
                result.append(v)
            }
        }}}}}}
        return result
    }

    /// `x ← LayerNorm(x + y + bias)`, row by row.
    private func residualLayerNorm(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, rows: Int, _ bias: [Float], _ gamma: [Float],
                                   _ beta: [Float]) {
        bias.withUnsafeBufferPointer { b in
            gamma.withUnsafeBufferPointer { g in
                beta.withUnsafeBufferPointer { be in
                    vln_bias_residual_layernorm(x, y, rows, configuration.hiddenSize, b.baseAddress!, g.baseAddress!, be.baseAddress!,
                                                configuration.layerNormEps)
                }
            }
        }
    }

    private func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, _ gamma: [Float], _ beta: [Float]) {
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                VectorMath.layerNormInPlace(x, rows: rows, width: configuration.hiddenSize, gamma: g.baseAddress!, beta: b.baseAddress!,
                                            eps: configuration.layerNormEps)
            }
        }
    }
}
