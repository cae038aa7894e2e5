import Foundation
import VLNEpisodes

/// The `instruction_vocab` of a VLN-CE episode file and the tokenizer that makes `instruction_tokens`, as R2R-CE
/// has them (habitat-lab `VocabDict`, used by VLN-CE): keys `word_list` (= `itos`), `word2idx_dict` (= `stoi`),
/// `num_vocab`, `UNK_INDEX` 1, `PAD_INDEX` 0; the list starts `<pad>`, `<unk>`, `<s>`, `</s>`, then the words in
/// sorted order; tokens are not padded and carry no `<s>`/`</s>`.
public struct InstructionVocabulary: Sendable, Equatable {
    /// The special tokens R2R-CE's list starts with, in its order.
    public static let specials = ["<pad>", "<unk>", "<s>", "</s>"]
    public static let padIndex = 0
    public static let unkIndex = 1

    /// `word_list` / `itos`.
    public let words: [String]
    private let index: [String: Int]

    /// A vocabulary of the specials and every token of `texts`, sorted (byte order, as Python sorts ASCII).
    public init<S: Sequence>(texts: S) where S.Element == String {
        var set = Set<String>()
        for t in texts { for w in Self.tokenize(t) { set.insert(w) } }
        for s in Self.specials { set.remove(s) }
        words = Self.specials + set.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var idx: [String: Int] = [:]
        for (k, w) in words.enumerated() { idx[w] = k }
        index = idx
    }

    /// Token indices of `text` (`UNK_INDEX` for words not in the vocabulary).
    public func tokens(_ text: String) -> [Int] { Self.tokenize(text).map { index[$0] ?? Self.unkIndex } }

    /// The `instruction_vocab` object.
    public var json: JSONValue {
        let list = JSONValue.array(words.map(JSONValue.string))
        var dict: [String: JSONValue] = [:]
        for (k, w) in words.enumerated() { dict[w] = .int(k) }
        return .object(["word_list": list, "itos": list, "word2idx_dict": .object(dict), "stoi": .object(dict),
                        "num_vocab": .int(words.count), "UNK_INDEX": .int(Self.unkIndex), "PAD_INDEX": .int(Self.padIndex)])
    }

    /// habitat-lab's `VocabDict.tokenize`: lower-case, `'s` split off, `,` and `?` removed, then split on runs of
    /// characters that are neither word characters (letters, digits, `_`) nor `-`, keeping each run (stripped of
    /// white space) as a token when it is not empty. "Exit the bedroom, turn left." → exit the bedroom turn left .
    public static func tokenize(_ text: String) -> [String] {
        let s = text.lowercased().replacingOccurrences(of: "'s", with: " 's")
            .replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "?", with: "")
        var out: [String] = []
        var word = "", sep = ""
        func flushSep() {
            let t = sep.trimmingCharacters(in: .whitespacesAndNewlines)
            if !t.isEmpty { out.append(t) }
            sep = ""
        }
        for ch in s {
            if ch.isLetter || ch.isNumber || ch == "_" || ch == "-" {
                flushSep()
                word.append(ch)
            } else {
                if !word.isEmpty { out.append(word); word = "" }
                sep.append(ch)
            }
        }
        if !word.isEmpty { out.append(word) }
        flushSep()
        return out
    }
}
