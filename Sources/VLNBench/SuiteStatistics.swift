import Foundation
import VLNCore

/// Words per instruction over a set of instructions (`InstructionWriter.wordCount`: whitespace-separated tokens
/// holding a letter or a digit).
public struct WordStatistics: Sendable, Equatable {
    public var instructions: Int
    public var mean: Double
    public var median: Double
    public var min: Int
    public var max: Int

    /// - Precondition: `counts` is not empty.
    public init(counts: [Int]) {
        precondition(!counts.isEmpty, "no instructions")
        let s = counts.sorted()
        instructions = s.count
        mean = Double(s.reduce(0, +)) / Double(s.count)
        median = s.count % 2 == 1 ? Double(s[s.count / 2]) : Double(s[s.count / 2 - 1] + s[s.count / 2]) / 2
        min = s[0]; max = s[s.count - 1]
    }

    /// Statistics of `texts`. - Precondition: not empty.
    public init(texts: [String]) { self.init(counts: texts.map(InstructionWriter.wordCount)) }
}

/// The R2R instructions the suites are compared with (Anderson et al. 2018): `R2R_val_unseen.json`, a JSON list of
/// paths each with `instructions` (three strings).
public enum R2RReference {
    /// Where the shared data keeps it, relative to the data folder.
    public static let relativePath = "r2r/R2R_val_unseen.json"

    /// Every instruction of an R2R split file.
    /// - Throws: `VLNError.io` if unreadable, `VLNError.badFile` if it is not a list of paths with `instructions`.
    public static func instructions(path: String) throws -> [String] {
        struct R2RPath: Decodable { var instructions: [String] }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw VLNError.io(path: path, reason: "cannot read: \((error as NSError).localizedDescription)")
        }
        do { return try JSONDecoder().decode([R2RPath].self, from: data).flatMap(\.instructions) } catch {
            throw VLNError.badFile(path: path, reason: "expected R2R's list of paths with \"instructions\": \(error)")
        }
    }

    /// Word statistics of an R2R split file.
    public static func wordStatistics(path: String) throws -> WordStatistics {
        let texts = try instructions(path: path)
        guard !texts.isEmpty else { throw VLNError.badFile(path: path, reason: "no instructions") }
        return WordStatistics(texts: texts)
    }
}

/// What a generated suite holds, for the report and the tests.
public struct SuiteStatistics: Sendable {
    public var episodes: Int
    public var houses: Int
    /// Geodesic distance start → goal (`info.geodesic_distance`), metres.
    public var geodesicMin: Float, geodesicMean: Float, geodesicMax: Float
    public var words: WordStatistics
    /// Distinct lower-cased first three words.
    public var distinctOpenings: Int
    /// Distinct instructions and distinct sentences.
    public var distinctInstructions: Int, distinctSentences: Int
    public var vocabularySize: Int
    /// Events per kind, in `SuiteEventKind.allCases` order.
    public var events: [(kind: SuiteEventKind, count: Int)]
    public var chains: Int

    public init(suite: GeneratedSuite) {
        let eps = suite.episodes
        episodes = eps.count
        houses = Set(eps.map(\.houseSeed)).count
        let d = eps.map(\.geodesicDistance)
        geodesicMin = d.min() ?? 0; geodesicMax = d.max() ?? 0
        geodesicMean = d.isEmpty ? 0 : d.reduce(0, +) / Float(d.count)
        let texts = eps.map(\.instruction)
        words = WordStatistics(texts: texts.isEmpty ? [""] : texts)
        distinctOpenings = Set(texts.map { Self.opening($0) }).count
        distinctInstructions = Set(texts).count
        distinctSentences = Set(texts.flatMap(Self.sentences)).count
        vocabularySize = suite.vocabulary.words.count
        events = SuiteEventKind.allCases.map { k in (k, eps.reduce(0) { $0 + $1.eventKinds.filter { $0 == k }.count }) }
        chains = Set(eps.compactMap { $0.chain?.id }).count
    }

    /// The first three words, lower-cased, punctuation dropped.
    public static func opening(_ text: String) -> String {
        text.lowercased().split(separator: " ").prefix(3).map { $0.filter { $0.isLetter || $0.isNumber } }.joined(separator: " ")
    }

    /// The sentences of an instruction (split after ".").
    public static func sentences(_ text: String) -> [String] {
        text.split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// The report `vlnsim make-suite` prints.
    /// - Parameters:
    ///   - reference: R2R's word statistics, or nil with `referenceNote` saying why.
    public func report(kind: SuiteKind, path: String, reference: WordStatistics?, referenceNote: String, houseSeeds: [UInt64]) -> String {
        var lines: [String] = []
        let seeds = houseSeeds.sorted()
        let range = seeds.count > 1 ? "generated/house-\(seeds[0]) … house-\(seeds[seeds.count - 1])" : "generated/house-\(seeds.first ?? 0)"
        lines.append("wrote \(path): \(episodes) \(kind.rawValue) episodes in \(houses) houses (\(range))"
                     + (chains > 0 ? ", \(chains) chains" : ""))
        lines.append(String(format: "geodesic distance: min %.2f m, mean %.2f m, max %.2f m", geodesicMin, geodesicMean, geodesicMax))
        var w = String(format: "words per instruction: mean %.1f, median %.1f (min %d, max %d)", words.mean, words.median, words.min, words.max)
        if let r = reference {
            w += String(format: "; R2R: mean %.1f, median %.1f over %d instructions (%@)", r.mean, r.median, r.instructions, referenceNote)
        } else {
            w += "; R2R: " + referenceNote
        }
        lines.append(w)
        lines.append("phrasing: \(distinctInstructions) distinct instructions, \(distinctSentences) distinct sentences, "
                     + "\(distinctOpenings) distinct openings (first three words), vocabulary \(vocabularySize) tokens")
        let ev = events.map { "\($0.kind.rawValue) \($0.count)" }.joined(separator: ", ")
        lines.append("events: " + (events.allSatisfy { $0.count == 0 } ? "none" : ev))
        return lines.joined(separator: "\n")
    }
}
