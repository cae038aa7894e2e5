import Foundation
import XCTest
import VLNCore
import VLNEpisodes
import VLNTestSupport
@testable import VLNBench

/// The instruction writer and the vocabulary, against R2R and R2R-CE.
final class InstructionTests: XCTestCase {
    /// Tolerances the shipped static suite is held to against R2R val_unseen (2349 instructions: mean 26.1 words,
    /// median 24, by `InstructionWriter.wordCount`).
    static let meanTolerance = 3.0, medianTolerance = 4.0

    func testWordCountRule() {
        XCTAssertEqual(InstructionWriter.wordCount("Exit the bedroom and turn left. Walk straight passing the gray couch and stop near the rug. "), 17)
        XCTAssertEqual(InstructionWriter.wordCount("Go out of the room you're in.  Turn left . "), 9)
        XCTAssertEqual(InstructionWriter.wordCount(""), 0)
    }

    func testTokenizerReproducesR2RCETokens() throws {
        // R2R-CE's instruction_tokens are habitat's tokenizer over instruction_text, indexed in its vocabulary.
        let path = try requireDataFile("r2r-ce/R2R_VLNCE_v1-3_val_unseen.json.gz")
        let ds = try VLNCEDataset.load(path: path)
        guard case let .object(v)? = ds.instructionVocab, case let .object(stoi)? = v["stoi"] else { return XCTFail("no stoi") }
        var checked = 0
        for e in ds.episodes.prefix(300) {
            let tokens = InstructionVocabulary.tokenize(e.instructionText).map { w -> Int in
                if case let .int(i)? = stoi[w] { return i }
                return 1
            }
            XCTAssertEqual(tokens, e.instructionTokens, "episode \(e.episodeID): \(e.instructionText)")
            checked += 1
        }
        XCTAssertEqual(checked, 300)
    }

    func testVocabularyHasR2RCEShape() throws {
        let vocab = InstructionVocabulary(texts: ["Turn left, then stop next to the TV.", "Walk past the couch's arm."])
        XCTAssertEqual(Array(vocab.words.prefix(4)), ["<pad>", "<unk>", "<s>", "</s>"])
        XCTAssertEqual(Array(vocab.words.dropFirst(4)), vocab.words.dropFirst(4).sorted())
        // habitat keeps "'s" apart and then splits it at the apostrophe, as R2R-CE's "you ' re" shows.
        XCTAssertTrue(vocab.words.contains("'") && vocab.words.contains("s"))
        XCTAssertEqual(InstructionVocabulary.tokenize("the couch's arm, you're in?"), ["the", "couch", "'", "s", "arm", "you", "'", "re", "in"])
        XCTAssertEqual(vocab.tokens("turn left nowhere").last, InstructionVocabulary.unkIndex)
        guard case let .object(o) = vocab.json else { return XCTFail() }
        XCTAssertEqual(o["itos"], o["word_list"])
        XCTAssertEqual(o["stoi"], o["word2idx_dict"])
        XCTAssertEqual(o["num_vocab"], .int(vocab.words.count))
        XCTAssertEqual(o["PAD_INDEX"], .int(0)); XCTAssertEqual(o["UNK_INDEX"], .int(1))
        if let path = try? requireDataFile("r2r-ce/R2R_VLNCE_v1-3_val_unseen.json.gz") {
            guard case let .object(real)? = try VLNCEDataset.load(path: path).instructionVocab else { return XCTFail() }
            XCTAssertEqual(Set(o.keys), Set(real.keys), "same keys as R2R-CE's instruction_vocab")
        }
    }

    func testEveryLandmarkAndRoomNameIsR2RVocabulary() throws {
        let path = try requireDataFile("r2r-ce/R2R_VLNCE_v1-3_val_unseen.json.gz")
        guard case let .object(v)? = try VLNCEDataset.load(path: path).instructionVocab, case let .object(stoi)? = v["stoi"] else { return XCTFail() }
        var names = LandmarkVocabulary.names.values.flatMap { $0 }
        for label in ["living room", "kitchen", "bedroom", "bathroom", "hallway", "office", "dining room"] { names += LandmarkVocabulary.roomNames(label) }
        for n in names { for w in InstructionVocabulary.tokenize(n) { XCTAssertNotNil(stoi[w], "'\(w)' (from '\(n)') is not in R2R-CE's vocabulary") } }
    }

    func testShippedStaticInstructionsAreDiverse() throws {
        let ds = try VLNCEDataset.load(path: packageRoot + "/instructions/suite_static.json.gz")
        let texts = ds.episodes.map(\.instructionText)
        let openings = Set(texts.map(SuiteStatistics.opening))
        let sentences = texts.flatMap(SuiteStatistics.sentences)
        XCTAssertEqual(Set(texts).count, texts.count, "every instruction is different")
        XCTAssertGreaterThanOrEqual(Double(openings.count), 0.25 * Double(texts.count), "distinct first-three-word openings")
        XCTAssertGreaterThanOrEqual(Double(Set(sentences).count), 0.5 * Double(sentences.count), "distinct sentences")
        // No opening dominates (R2R's commonest, "turn around and", starts 5 % of its instructions).
        let top = Dictionary(grouping: texts, by: SuiteStatistics.opening).values.map(\.count).max() ?? 0
        XCTAssertLessThan(Double(top), 0.1 * Double(texts.count))
        // The field's vocabulary: rooms, sides, turns, stops.
        let all = texts.joined(separator: " ").lowercased()
        for phrase in ["on your left", "on your right", "turn left", "turn right", "turn around", "stop next to", "wait", "past the",
                       "kitchen", "bedroom", "bathroom", "living room", "into the"] {
            XCTAssertTrue(all.contains(phrase), "no instruction says '\(phrase)'")
        }
        // Every suite word is one R2R annotators used, when R2R-CE's vocabulary is at hand.
        if let path = try? requireDataFile("r2r-ce/R2R_VLNCE_v1-3_val_unseen.json.gz"),
           case let .object(v)? = try VLNCEDataset.load(path: path).instructionVocab, case let .object(stoi)? = v["stoi"] {
            let missing = Set(texts.flatMap(InstructionVocabulary.tokenize)).filter { stoi[$0] == nil }
            XCTAssertTrue(missing.isEmpty, "not in R2R-CE's vocabulary: \(missing.sorted())")
        }
    }

    func testShippedStaticWordCountsNearR2R() throws {
        let ds = try VLNCEDataset.load(path: packageRoot + "/instructions/suite_static.json.gz")
        let suite = WordStatistics(texts: ds.episodes.map(\.instructionText))
        // Without R2R only this part is skipped (the diversity test above does not need it).
        let r2rPath = try requireDataFile(R2RReference.relativePath)
        let r2r = try R2RReference.wordStatistics(path: r2rPath)
        XCTAssertEqual(r2r.instructions, 2349)
        XCTAssertEqual(r2r.mean, 26.11, accuracy: 0.01)
        XCTAssertEqual(r2r.median, 24)
        XCTAssertEqual(suite.mean, r2r.mean, accuracy: Self.meanTolerance, "mean words per instruction vs R2R val_unseen")
        XCTAssertEqual(suite.median, r2r.median, accuracy: Self.medianTolerance, "median words per instruction vs R2R val_unseen")
        XCTAssertGreaterThan(suite.max - suite.min, 15, "lengths spread like R2R's, not one size")
    }
}
