import Foundation
import VLNCore

/// BERT's uncased WordPiece tokenizer (Devlin et al. 2019, arXiv:1810.04805; Hugging Face `BertTokenizer` with
/// `do_lower_case=True`, `tokenize_chinese_chars=True`, `strip_accents=None`), as all-MiniLM-L6-v2 uses it.
///
/// 1. Basic tokenisation: drop NUL, U+FFFD and control characters (general category C*, except tab, newline and
///    carriage return); map whitespace (space, tab, newline, CR, category Zs) to a space; put spaces around CJK
///    ideographs; split on whitespace; lower-case; strip accents (NFD, then drop category Mn); split off every
///    punctuation character (ASCII 33–47, 58–64, 91–96, 123–126, and category P*) as a token of its own.
/// 2. WordPiece: each word becomes the greedy longest-match-first pieces of the vocabulary, continuation pieces
///    prefixed `##`; a word longer than 100 characters (Unicode scalars) or with no match becomes `[UNK]`.
/// 3. `[CLS] pieces… [SEP]`, truncated to `maxLength` ids in all (the pieces to `maxLength − 2`).
///
/// Text that spells a special token (`"[CLS]"`) is tokenised as ordinary text.
public struct WordPieceTokenizer: Sendable {
    /// Vocabulary: piece → id (the line number in vocab.txt, from 0).
    public let vocabulary: [String: Int32]
    /// Id → piece.
    public let pieces: [String]
    /// Ids of `[CLS]`, `[SEP]` and `[UNK]` in the vocabulary.
    public let clsID: Int32, sepID: Int32, unknownID: Int32
    /// Longest output, `[CLS]` and `[SEP]` included (sentence-transformers' `max_seq_length`; 256 for
    /// all-MiniLM-L6-v2).
    public let maxLength: Int
    /// Words longer than this (in Unicode scalars) become `[UNK]`.
    public let maxCharactersPerWord = 100

    /// Reads vocab.txt: one piece per line, id = line number from 0.
    /// - Throws: `VLNError.io` if unreadable, `VLNError.badFile` if `[CLS]`, `[SEP]` or `[UNK]` is missing.
    /// - Precondition: `maxLength ≥ 2`.
    public init(vocabularyFile path: String, maxLength: Int = 256) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw VLNError.io(path: path, reason: "cannot read: \((error as NSError).localizedDescription)")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(pieces: lines, maxLength: maxLength, path: path)
    }

    /// From the pieces in id order; `path` only names the source in messages.
    /// - Throws: `VLNError.badFile` if `[CLS]`, `[SEP]` or `[UNK]` is missing.
    public init(pieces: [String], maxLength: Int = 256, path: String = "<vocabulary>") throws {
        precondition(maxLength >= 2)
        var vocabulary = [String: Int32](minimumCapacity: pieces.count)
        for (i, p) in pieces.enumerated() { vocabulary[p] = Int32(i) }  // a repeated piece keeps its last id, as BERT's loader
        func id(_ token: String) throws -> Int32 {
            guard let i = vocabulary[token] else { throw VLNError.badFile(path: path, field: token, reason: "special token missing from the vocabulary") }
            return i
        }
        self.vocabulary = vocabulary
        self.pieces = pieces
        clsID = try id("[CLS]"); sepID = try id("[SEP]"); unknownID = try id("[UNK]")
        self.maxLength = maxLength
    }

    /// The ids of `text`: `[CLS]`, its WordPiece ids, `[SEP]`; at most `maxLength` ids. Empty text gives
    /// `[CLS] [SEP]`. ASCII text takes a byte path with the same result (`encodeASCII`).
    public func encode(_ text: String) -> [Int32] {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? encodeASCII(text) : encodeUnicode(text)
    }

    /// `encode` through the Unicode steps of the type's description, for any text.
    func encodeUnicode(_ text: String) -> [Int32] {
        var ids: [Int32] = [clsID]
        let limit = maxLength - 1
        for word in WordPieceTokenizer.basicTokens(text) {
            if ids.count >= limit { break }
            appendPieces(length: word.count, to: &ids) { begin, end in
                var s = begin > 0 ? "##" : ""
                s.unicodeScalars.append(contentsOf: word[begin ..< end])
                return vocabulary[s]
            }
        }
        if ids.count > limit { ids.removeSubrange(limit...) }
        ids.append(sepID)
        return ids
    }

    /// `encode` for ASCII text, on its bytes: the same steps without Unicode tables (ASCII is its own NFD and has no
    /// accents; its control characters are 0–31 and 127, its whitespace space, tab, newline and CR, its
    /// punctuation the four ASCII ranges): ≈ 11 × faster than
    /// `encodeUnicode` on R2R instructions, where the tokenizer had been ≈ 1 % of all-MiniLM-L6-v2's time
    /// (BENCHMARKS.md, minilm_r2r_256).
    /// - Precondition: every byte of `text` is < 128.
    func encodeASCII(_ text: String) -> [Int32] {
        var ids: [Int32] = [clsID]
        let limit = maxLength - 1
        var word: [UInt8] = [], candidate: [UInt8] = []
        word.reserveCapacity(32); candidate.reserveCapacity(maxCharactersPerWord + 2)
        func finishWord() {
            if !word.isEmpty && ids.count < limit {
                appendPieces(length: word.count, to: &ids) { begin, end in
                    candidate.removeAll(keepingCapacity: true)
                    if begin > 0 { candidate.append(0x23); candidate.append(0x23) }      // "##"
                    candidate.append(contentsOf: word[begin ..< end])
                    return vocabulary[String(decoding: candidate, as: UTF8.self)]
                }
            }
            word.removeAll(keepingCapacity: true)
        }
        for b in text.utf8 {
            switch b {
            case 0x20, 0x09, 0x0A, 0x0D: finishWord()
            case 0x00 ... 0x1F, 0x7F: continue
            case 33 ... 47, 58 ... 64, 91 ... 96, 123 ... 126:
                finishWord()
                word.append(b)
                finishWord()
            case 65 ... 90: word.append(b + 32)
            default: word.append(b)
            }
        }
        finishWord()
        if ids.count > limit { ids.removeSubrange(limit...) }
        ids.append(sepID)
        return ids
    }

    /// The pieces of `text` as strings, `[CLS]` and `[SEP]` included (for display and debugging).
    public func tokens(_ text: String) -> [String] { encode(text).map { pieces[Int($0)] } }

    /// Greedy longest-match-first WordPiece of one basic token of `length` characters (Unicode scalars):
    /// `piece(begin, end)` is the vocabulary id of characters `begin ..< end`, `##`-prefixed when `begin > 0`, or nil.
    /// A word with a part that matches no piece, or longer than `maxCharactersPerWord`, becomes one `[UNK]`.
    private func appendPieces(length: Int, to ids: inout [Int32], piece: (Int, Int) -> Int32?) {
        if length > maxCharactersPerWord { ids.append(unknownID); return }
        let start = ids.count
        var begin = 0
        while begin < length {
            var end = length
            var found: Int32?
            while begin < end {
                if let id = piece(begin, end) { found = id; break }
                end -= 1
            }
            guard let id = found else {
                ids.removeSubrange(start...)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            begin = end
        }
    }

    /// Step 1 (basic tokenisation): the words and punctuation marks of `text`, lower-cased, accents stripped.
    public static func basicTokens(_ text: String) -> [[Unicode.Scalar]] {
        // Clean, map whitespace, space out CJK, then split on whitespace.
        var words = [String]()
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
        }
        for s in text.unicodeScalars {
            let v = s.value
            if v == 0 || v == 0xFFFD || isControl(s) { continue }
            if isWhitespace(s) { flush(); continue }
            if isCJK(v) { flush(); words.append(String(s)); continue }
            current.append(s)
        }
        flush()
        // Lower-case, strip accents, split off punctuation.
        var out = [[Unicode.Scalar]]()
        for w in words {
            let folded = w.lowercased().decomposedStringWithCanonicalMapping
            var piece = [Unicode.Scalar]()
            for s in folded.unicodeScalars {
                if s.properties.generalCategory == .nonspacingMark { continue }
                if isPunctuation(s) {
                    if !piece.isEmpty { out.append(piece); piece = [] }
                    out.append([s])
                } else if isWhitespace(s) {  // lower-casing or decomposition can, rarely, produce a space
                    if !piece.isEmpty { out.append(piece); piece = [] }
                } else {
                    piece.append(s)
                }
            }
            if !piece.isEmpty { out.append(piece) }
        }
        return out
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x20, 0x09, 0x0A, 0x0D: return true
        default: return s.properties.generalCategory == .spaceSeparator
        }
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0D: return false
        default:
            switch s.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return true
            default: return false
            }
        }
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT spaces out (not Hangul, Hiragana or Katakana).
    static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
