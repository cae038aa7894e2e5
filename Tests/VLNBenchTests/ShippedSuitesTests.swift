import Foundation
import XCTest
import VLNCore
import VLNEpisodes
import VLNSim
import VLNTestSupport
@testable import VLNBench

/// The suites shipped in instructions/ (made with `vlnsim make-suite`, see instructions/README.md).
final class ShippedSuitesTests: XCTestCase {
    static func load(_ name: String) throws -> VLNCEDataset { try VLNCEDataset.load(path: packageRoot + "/instructions/" + name) }

    /// What every suite episode must satisfy, whatever the kind.
    func checkCommon(_ ds: VLNCEDataset, file: String) throws {
        var ids = Set<Int>()
        for e in ds.episodes {
            guard case let .int(id) = e.episodeID else { return XCTFail("\(file): episode_id \(e.episodeID) is not an integer") }
            XCTAssertTrue(ids.insert(id).inserted, "\(file): episode \(id) twice")
            guard case .int? = e.trajectoryID else { return XCTFail("\(file): trajectory_id of \(id) is not an integer") }
            XCTAssertNotNil(SceneResolver.generatedSeed(e.sceneID), "\(file): \(e.sceneID)")
            XCTAssertEqual(e.goals.count, 1); XCTAssertEqual(e.goals.first?.radius, 3.0)
            XCTAssertTrue((5...20).contains(e.geodesicDistance), "\(file) episode \(id): \(e.geodesicDistance) m")
            XCTAssertEqual(e.referencePath.first, e.startPosition, "\(file) episode \(id)")
            XCTAssertEqual(e.referencePath.last, e.goals[0].position, "\(file) episode \(id)")
            for k in 1..<e.referencePath.count {
                let d = e.referencePath[k] - e.referencePath[k - 1]
                XCTAssertLessThanOrEqual((d.x * d.x + d.z * d.z).squareRoot(), 0.2502, "\(file) episode \(id) leg \(k)")
            }
            let q = e.startRotation
            XCTAssertEqual(q.x, 0); XCTAssertEqual(q.z, 0)
            XCTAssertEqual((q.y * q.y + q.w * q.w).squareRoot(), 1, accuracy: 1e-6)
            XCTAssertEqual(e.instructionTokens?.count, InstructionVocabulary.tokenize(e.instructionText).count)
        }
        guard case let .object(v)? = ds.instructionVocab, case let .array(itos)? = v["itos"] else { return XCTFail("\(file): no instruction_vocab") }
        let words = itos.compactMap { if case let .string(s) = $0 { return s } else { return nil } }
        for e in ds.episodes {
            XCTAssertEqual(e.instructionTokens?.map { words[$0] }, InstructionVocabulary.tokenize(e.instructionText))
        }
    }

    func testStaticSuite() throws {
        let ds = try Self.load("suite_static.json.gz")
        XCTAssertGreaterThanOrEqual(ds.episodes.count, 200)
        XCTAssertGreaterThanOrEqual(Set(ds.episodes.map(\.sceneID)).count, 10)
        XCTAssertTrue(ds.episodes.allSatisfy { $0.events == nil && $0.chain == nil })
        try checkCommon(ds, file: "suite_static.json.gz")
    }

    func testDynamicSuite() throws {
        let ds = try Self.load("suite_dynamic.json.gz")
        XCTAssertGreaterThanOrEqual(ds.episodes.count, 100)
        try checkCommon(ds, file: "suite_dynamic.json.gz")
        var types: [String: Int] = [:]
        for e in ds.episodes {
            let events = try XCTUnwrap(e.events, "episode \(e.episodeID) has no events")
            let parsed = try ScriptedEpisode.parseEvents(json: events.jsonData(), path: "suite_dynamic.json.gz", field: "episode \(e.episodeID).events")
            XCTAssertFalse(parsed.isEmpty)
            for p in parsed {
                switch p.edit {
                case .add: types["add", default: 0] += 1
                case .move: types["move", default: 0] += 1
                case .remove: types["remove", default: 0] += 1
                }
            }
        }
        for t in ["add", "move", "remove"] { XCTAssertGreaterThanOrEqual(types[t] ?? 0, 15, "\(t) events: \(types)") }
    }

    func testLifelongSuite() throws {
        let ds = try Self.load("suite_lifelong.json.gz")
        try checkCommon(ds, file: "suite_lifelong.json.gz")
        var chains: [String: [VLNCEEpisode]] = [:]
        var order: [String] = []
        for e in ds.episodes {
            guard case let .object(c)? = e.chain, case let .string(id)? = c["id"], case .int? = c["index"] else {
                return XCTFail("episode \(e.episodeID): chain must be {\"id\": string, \"index\": int}")
            }
            if chains[id] == nil { order.append(id) }
            chains[id, default: []].append(e)
        }
        XCTAssertGreaterThanOrEqual(chains.count, 10)
        for id in order {
            let eps = chains[id]!
            XCTAssertEqual(eps.count, 10, id)
            XCTAssertEqual(eps.map { e -> Int in if case let .object(c)? = e.chain, case let .int(k)? = c["index"] { return k } else { return -1 } },
                           Array(0..<10), "\(id) listed in order")
            XCTAssertEqual(Set(eps.map(\.sceneID)).count, 1, "\(id) stays in one house")
            for k in 1..<eps.count { XCTAssertEqual(eps[k].startPosition, eps[k - 1].goals[0].position, "\(id) episode \(k)") }
            // A chain is contiguous in the file.
            let positions = ds.episodes.indices.filter { i in eps.contains { $0.episodeID == ds.episodes[i].episodeID } }
            XCTAssertEqual(positions.last! - positions.first!, eps.count - 1, id)
        }
    }

    func testShippedFilesRegenerate() throws {
        // The first house of the static suite regenerates episode for episode from the seed the file records (a
        // house's draws depend only on the suite seed, kind and house seed).
        let ds = try Self.load("suite_static.json.gz")
        guard case let .object(meta)? = ds.extra["vlnsim_suite"], case let .string(seedText)? = meta["seed"], let seed = UInt64(seedText) else {
            return XCTFail("no vlnsim_suite.seed")
        }
        let first = ds.episodes.filter { $0.sceneID == ds.episodes[0].sceneID }
        let again = try SuiteGenerator.generate(SuiteOptions(kind: .static, houses: 1, episodes: first.count, seed: seed))
        XCTAssertEqual(again.episodes.map(\.instruction), first.map(\.instructionText))
        XCTAssertEqual(again.episodes.map(\.sceneID), first.map(\.sceneID))
        for (a, f) in zip(again.episodes, first) {
            XCTAssertEqual(Double(a.geodesicDistance), f.geodesicDistance, accuracy: 1e-4)
            XCTAssertEqual(Double(a.start.x), f.startPosition.x, accuracy: 1e-4)
            XCTAssertEqual(Double(a.goal.z), f.goals[0].position.z, accuracy: 1e-4)
        }
    }
}
