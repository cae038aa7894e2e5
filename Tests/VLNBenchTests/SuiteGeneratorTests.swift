import Foundation
import XCTest
import VLNCore
import VLNEpisodes
import VLNNavigation
import VLNScene
import VLNSim
import VLNTestSupport
@testable import VLNBench

/// FNV-1a, 64 bit (Fowler–Noll–Vo): a stable hash of bytes, the same on every platform.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325
    mutating func add(_ v: UInt32) {
        var x = v.littleEndian
        for _ in 0..<4 { value = (value ^ UInt64(x & 0xFF)) &* 0x0000_0100_0000_01B3; x >>= 8 }
    }
}

final class SuiteGeneratorTests: XCTestCase {
    // MARK: Houses

    /// The suites reference houses by seed only, so the generator must give the same geometry on every machine.
    /// When the generator's output changes on purpose, bump `HouseGenerator.version` and update this hash (and
    /// regenerate instructions/suite_*.json.gz).
    func testGeneratedHouseGeometryHashIsPinned() {
        let s = HouseGenerator(seed: 17).generate()
        var h = FNV1a64()
        for v in s.mesh.vertices { h.add(v.x.bitPattern); h.add(v.y.bitPattern); h.add(v.z.bitPattern) }
        for t in s.mesh.triangles { h.add(t.x); h.add(t.y); h.add(t.z) }
        XCTAssertEqual(HouseGenerator.version, 1)
        XCTAssertEqual(s.mesh.triangleCount, Self.house17Triangles)
        XCTAssertEqual(String(h.value, radix: 16), Self.house17Hash, "house 17's geometry changed: generated suites no longer match their houses")
        XCTAssertEqual(try SceneResolver(baseDirectory: "/").scene("generated/house-17").mesh.vertices, s.mesh.vertices)
    }
    static let house17Hash = "c0b6a6aea835a76e"
    static let house17Triangles = 5640

    // MARK: Static episodes

    static let staticSuite = try! SuiteGenerator.generate(SuiteOptions(kind: .static, houses: 2, episodes: 6, seed: 3))

    func testStaticEpisodesLieOnOneIslandWithinRange() throws {
        let suite = Self.staticSuite
        XCTAssertEqual(suite.episodes.count, 6)
        XCTAssertEqual(Set(suite.episodes.map(\.sceneID)), ["generated/house-3", "generated/house-4"])
        XCTAssertEqual(suite.episodes.map(\.id), Array(1...6))
        for e in suite.episodes {
            let grid = try NavigationGrid(scene: HouseGenerator(seed: e.houseSeed).generate(), settings: AgentSettings().navigation)
            XCTAssertTrue(grid.isNavigable(e.start), "episode \(e.id)")
            XCTAssertTrue(grid.isNavigable(e.goal), "episode \(e.id)")
            XCTAssertNotNil(grid.islandID(of: e.start))
            XCTAssertEqual(grid.islandID(of: e.start), grid.islandID(of: e.goal))
            XCTAssertTrue((5...20).contains(e.geodesicDistance), "episode \(e.id): \(e.geodesicDistance) m")
            let d = try XCTUnwrap(grid.geodesicDistance(from: e.start, to: e.goal))
            XCTAssertEqual(e.geodesicDistance, d, accuracy: 1e-3, "episode \(e.id)")
            XCTAssertFalse(e.instruction.isEmpty)
        }
    }

    func testReferencePathIsTheShortestPathEvery25cm() throws {
        for e in Self.staticSuite.episodes {
            let ref = e.referencePath
            XCTAssertEqual(ref.first, e.start, "episode \(e.id)")
            XCTAssertEqual(ref.last, e.goal, "episode \(e.id)")
            // Arc length along the shortest path: 0, 0.25, 0.5, … then the goal.
            let path = PathPolyline(e.path)
            XCTAssertLessThanOrEqual(abs(ref.count - (Int((path.length / 0.25).rounded(.up)) + 1)), 1, "episode \(e.id)")
            for k in 1..<ref.count {
                let step = PathPolyline.xzDistance(ref[k - 1], ref[k])
                XCTAssertLessThanOrEqual(step, 0.25 + 1e-4, "episode \(e.id), leg \(k)")
                // A leg shorter than 0.25 m only cuts a corner of the path or is the last one.
                if k < ref.count - 1 && step < 0.249 {
                    let corner = e.path.dropFirst().dropLast().contains { PathPolyline.xzDistance($0, ref[k - 1]) < 0.25 && PathPolyline.xzDistance($0, ref[k]) < 0.25 }
                    XCTAssertTrue(corner, "episode \(e.id), leg \(k) is \(step) m with no path corner inside")
                }
            }
            XCTAssertLessThanOrEqual(PathPolyline.xzDistance(ref[ref.count - 2], ref[ref.count - 1]), 0.25 + 1e-4)
        }
    }

    func testPolylineResamplingAnalytic() {
        // Two legs: 3 m along −Z, then 1.1 m along −X. Arc lengths 0, 0.25, …, 4.0, then 4.1.
        let p = PathPolyline([Vec3(0, 0, 0), Vec3(0, 0, -3), Vec3(-1.1, 0, -3)])
        XCTAssertEqual(p.length, 4.1, accuracy: 1e-6)
        let r = p.resampled(every: 0.25)
        XCTAssertEqual(r.count, 18)
        XCTAssertEqual(r[12], Vec3(0, 0, -3))
        XCTAssertEqual(r[16].x, -1.0, accuracy: 1e-5)
        XCTAssertEqual(r[17], Vec3(-1.1, 0, -3))
        XCTAssertEqual(PathPolyline([Vec3(1, 0, 1)]).resampled(every: 0.25), [Vec3(1, 0, 1)])
    }

    // MARK: Files and determinism

    func testSameSeedGivesIdenticalBytesDifferentSeedDiffers() throws {
        let dir = try makeTempDir()
        let options = SuiteOptions(kind: .static, houses: 2, episodes: 4, seed: 3)
        let a = try SuiteGenerator.generate(options), b = try SuiteGenerator.generate(options)
        try a.write(to: dir + "/a.json.gz"); try b.write(to: dir + "/b.json.gz")
        let bytesA = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.json.gz"))
        XCTAssertEqual(bytesA, try Data(contentsOf: URL(fileURLWithPath: dir + "/b.json.gz")))
        XCTAssertTrue(Gzip.isGzip(bytesA))
        // A house's draws depend on the suite seed and the house seed only: house 3's first episode is the same in
        // the 4- and the 6-episode suite.
        XCTAssertEqual(a.episodes[0].instruction, Self.staticSuite.episodes[0].instruction)
        XCTAssertEqual(a.episodes[0].referencePath, Self.staticSuite.episodes[0].referencePath)
        let c = try SuiteGenerator.generate(SuiteOptions(kind: .static, houses: 2, episodes: 4, seed: 4))
        XCTAssertNotEqual(try a.json.jsonData(), try c.json.jsonData())
        XCTAssertNotEqual(a.episodes.map(\.instruction), c.episodes.map(\.instruction))
        // Plain .json is the same JSON, uncompressed.
        try a.write(to: dir + "/a.json")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/a.json")), try a.json.jsonData())
    }

    func testWrittenFileLoadsAsVLNCEAndKeepsTheValues() throws {
        let dir = try makeTempDir()
        let suite = Self.staticSuite
        try suite.write(to: dir + "/s.json.gz")
        let ds = try VLNCEDataset.load(path: dir + "/s.json.gz")
        XCTAssertEqual(ds.episodes.count, suite.episodes.count)
        for (f, e) in zip(ds.episodes, suite.episodes) {
            XCTAssertEqual(f.episodeID, .int(e.id))
            XCTAssertEqual(f.trajectoryID, .int(e.id))
            XCTAssertEqual(f.sceneID, e.sceneID)
            XCTAssertEqual(f.startPosition.x, Double(e.start.x), accuracy: 1e-4)
            XCTAssertEqual(f.startPosition.z, Double(e.start.z), accuracy: 1e-4)
            XCTAssertEqual(f.goals.count, 1)
            XCTAssertEqual(f.goals[0].radius, 3.0)
            XCTAssertEqual(f.goals[0].position.x, Double(e.goal.x), accuracy: 1e-4)
            XCTAssertEqual(f.geodesicDistance, Double(e.geodesicDistance), accuracy: 1e-4)
            XCTAssertEqual(f.referencePath.count, e.referencePath.count)
            XCTAssertEqual(f.instructionText, e.instruction)
            XCTAssertNil(f.events)
            XCTAssertNil(f.chain)
            // The start rotation is the start heading about +Y, and the rounded start is still navigable.
            let q = Quaternion(x: Float(f.startRotation.x), y: Float(f.startRotation.y), z: Float(f.startRotation.z), w: Float(f.startRotation.w))
            XCTAssertEqual(q.norm, 1, accuracy: 1e-5)
            XCTAssertEqual(f.startRotation.x, 0); XCTAssertEqual(f.startRotation.z, 0)
            XCTAssertEqual(wrapAngle(q.heading - e.startHeading), 0, accuracy: 1e-4)
            let grid = try NavigationGrid(scene: HouseGenerator(seed: e.houseSeed).generate(), settings: AgentSettings().navigation)
            XCTAssertTrue(grid.isNavigable(Vec3(Float(f.startPosition.x), Float(f.startPosition.y), Float(f.startPosition.z))))
            XCTAssertTrue(grid.isNavigable(Vec3(Float(f.goals[0].position.x), Float(f.goals[0].position.y), Float(f.goals[0].position.z))))
            // Tokens index the file's vocabulary and spell the tokenized text.
            let vocab = try XCTUnwrap(ds.instructionVocab)
            guard case let .object(v) = vocab, case let .array(itos)? = v["itos"] else { return XCTFail("no itos") }
            let words = itos.compactMap { if case let .string(s) = $0 { return s } else { return nil } }
            XCTAssertEqual(try XCTUnwrap(f.instructionTokens).map { words[$0] }, InstructionVocabulary.tokenize(e.instruction))
        }
    }

    func testOptionsAreValidated() {
        func fails(_ o: SuiteOptions, _ field: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try SuiteGenerator.generate(o), file: file, line: line) { e in
                guard case let VLNError.invalidValue(f, _) = e else { return XCTFail("\(e)", file: file, line: line) }
                XCTAssertEqual(f, field, file: file, line: line)
            }
        }
        fails(SuiteOptions(kind: .static, houses: 0, episodes: 5, seed: 1), "houses")
        fails(SuiteOptions(kind: .static, houses: 3, episodes: 2, seed: 1), "episodes")
        fails(SuiteOptions(kind: .lifelong, houses: 1, episodes: 15, seed: 1), "episodes")
        fails(SuiteOptions(kind: .lifelong, houses: 3, episodes: 20, seed: 1), "episodes")
        fails(SuiteOptions(kind: .lifelong, houses: 1, episodes: 10, seed: 1, chainLength: 0), "chain-length")
        XCTAssertNoThrow(try SuiteOptions(kind: .lifelong, houses: 2, episodes: 20, seed: 1).validate())
    }

    // MARK: Dynamic

    /// Seed 11's houses include one with a second way round, so all three event kinds occur.
    static let dynamicSuite = try! SuiteGenerator.generate(SuiteOptions(kind: .dynamic, houses: 2, episodes: 6, seed: 11))

    func testDynamicEventsParseAndKeepTheGoalReachable() throws {
        let suite = Self.dynamicSuite
        var kinds: [SuiteEventKind: Int] = [:]
        for e in suite.episodes {
            XCTAssertEqual(e.events.count, 1, "episode \(e.id)")
            let parsed = try ScriptedEpisode.parseEvents(json: JSONValue.array(e.events).jsonData(), path: "episode \(e.id)")
            XCTAssertEqual(parsed.count, 1)
            XCTAssertLessThanOrEqual(parsed[0].step, 4)
            for k in e.eventKinds { kinds[k, default: 0] += 1 }
            // The runner's way: a simulator on the generated house, the start, then the events.
            let house = HouseGenerator(seed: e.houseSeed).generate()
            let before = try NavigationGrid(scene: house, settings: AgentSettings().navigation)
            let d0 = try XCTUnwrap(before.geodesicDistance(from: e.start, to: e.goal))
            let sim = try Simulator(scene: house)
            try sim.reset(to: AgentState(position: e.start, heading: e.startHeading))
            for ev in parsed { try sim.apply(ev.edit) }
            XCTAssertTrue(sim.navigation.isNavigable(e.start), "episode \(e.id): start blocked")
            XCTAssertTrue(sim.navigation.isNavigable(e.goal), "episode \(e.id): goal blocked")
            let d1 = try XCTUnwrap(sim.navigation.geodesicDistance(from: e.start, to: e.goal), "episode \(e.id): goal unreachable after \(e.events)")
            // info.geodesic_distance and the reference path are those of the edited scene.
            XCTAssertEqual(e.geodesicDistance, d1, accuracy: 1e-3, "episode \(e.id)")
            XCTAssertTrue((5...20).contains(d1))
            XCTAssertEqual(e.referencePath.first, e.start); XCTAssertEqual(e.referencePath.last, e.goal)
            // The events' geometry stays clear of where the agent can be when they happen.
            switch e.eventKinds[0] {
            case .add:
                // A box in a doorway on the path: not the only way (the goal is reachable), but a longer one.
                XCTAssertGreaterThanOrEqual(d1, d0 + 0.5, "episode \(e.id): the doorway box does not lengthen the path")
                guard case let .add(category, position, size) = parsed[0].edit else { return XCTFail() }
                XCTAssertEqual(category, "box")
                let door = try XCTUnwrap(SuiteHouse.boundsByInstance(house).filter { house.category(ofInstance: $0.key) == "door frame" }
                    .values.first { $0.contains(Vec3(position.x, 1.0, position.z)) }, "episode \(e.id): box not in a doorway")
                XCTAssertGreaterThan(max(size.x, size.z), 0.85)
                XCTAssertLessThan(PathPolyline.xzDistance(door.center, position), 0.01)
            case .move:
                XCTAssertGreaterThan(d1, d0 + 0.1 - 1e-3, "episode \(e.id): the moved piece is not in the way")
            case .remove:
                XCTAssertLessThanOrEqual(d1, d0 + 1e-3, "episode \(e.id): removing a piece made the path longer")
            }
        }
        XCTAssertEqual(kinds.keys.count, 3, "\(kinds)")
    }

    // MARK: Lifelong

    func testLifelongChainsLinkGoalToNextStart() throws {
        let suite = try SuiteGenerator.generate(SuiteOptions(kind: .lifelong, houses: 1, episodes: 8, seed: 2, chainLength: 4))
        XCTAssertEqual(suite.episodes.count, 8)
        let chains = Dictionary(grouping: suite.episodes) { $0.chain!.id }
        XCTAssertEqual(chains.count, 2)
        for (_, eps) in chains {
            XCTAssertEqual(eps.map { $0.chain!.index }, [0, 1, 2, 3], "listed in order")
            XCTAssertEqual(Set(eps.map(\.sceneID)).count, 1)
            for k in 1..<eps.count {
                XCTAssertEqual(eps[k].start, eps[k - 1].goal)
                // Facing the way the agent arrived, to the nearest degree.
                let prev = PathPolyline(eps[k - 1].path)
                let d = try XCTUnwrap(prev.direction(at: prev.length))
                XCTAssertEqual(wrapAngle(eps[k].startHeading - heading(of: d)), 0, accuracy: 0.5 * .pi / 180 + 1e-5)
            }
            for e in eps { XCTAssertTrue((5...20).contains(e.geodesicDistance)) }
        }
        // The file's chain field.
        let dir = try makeTempDir()
        try suite.write(to: dir + "/l.json")
        let ds = try VLNCEDataset.load(path: dir + "/l.json")
        XCTAssertEqual(ds.episodes[1].chain, .object(["id": .string("chain-0"), "index": .int(1)]))
        XCTAssertEqual(ds.episodes[1].startPosition, ds.episodes[0].goals[0].position)
    }

    // MARK: Frames

    func testSidesAgreeWithTheAgentsCamera() throws {
        // Independent of RouteFacts' formula: a landmark said to be on the left lies at negative x in the camera of
        // an agent standing at the closest approach and facing along the path (OpenGL camera: x to the right).
        var checked = 0
        for e in Self.staticSuite.episodes {
            let house = try SuiteHouse(seed: e.houseSeed)
            let path = PathPolyline(e.path)
            let facts = RouteFacts(path: path, startHeading: e.startHeading, house: house)
            for case let .pass(p) in facts.steps {
                guard let side = p.side, let d = path.direction(at: p.arc) else { continue }
                let at = path.point(at: p.arc)
                let camera = AgentSettings().camera(of: AgentState(position: at, heading: heading(of: d)))
                let q = p.landmark.closestPoint(to: Vec2(at.x, at.z))
                let local = camera.worldFromCamera.inverse.apply(Vec3(q.x, at.y + 1.0, q.y))
                XCTAssertEqual(local.x < 0 ? Side.left : .right, side, "episode \(e.id): \(p.landmark.category)")
                checked += 1
            }
            if let rel = facts.stopRelation, case let .beside(side) = rel, let lm = facts.stopLandmark, let d = path.direction(at: path.length, window: 1.0) {
                let camera = AgentSettings().camera(of: AgentState(position: e.goal, heading: heading(of: d)))
                let q = lm.closestPoint(to: Vec2(e.goal.x, e.goal.z))
                let local = camera.worldFromCamera.inverse.apply(Vec3(q.x, e.goal.y + 1.0, q.y))
                if abs(local.x) > 0.05 { XCTAssertEqual(local.x < 0 ? Side.left : .right, side, "episode \(e.id) stop: \(lm.category)") }
            }
        }
        XCTAssertGreaterThan(checked, 3)
    }

    func testSideAndHeadingFollowTheAgentFrame() {
        // Heading 0 faces −Z; the agent's left is −X; positive turns are to the left.
        let ahead = Vec2(0, -1)
        XCTAssertEqual(RouteFacts.side(of: Vec2(-1, 0), along: ahead), .left)
        XCTAssertEqual(RouteFacts.side(of: Vec2(1, 0), along: ahead), .right)
        for deg: Float in [-165, -90, -30, 0, 45, 90, 180] {
            let agent = AgentState(position: .zero, heading: deg * .pi / 180)
            XCTAssertEqual(wrapAngle(heading(of: Vec2(agent.forward.x, agent.forward.z)) - agent.heading), 0, accuracy: 1e-5)
        }
        XCTAssertEqual(TurnKind.classify(.pi / 2), .full(.left))
        XCTAssertEqual(TurnKind.classify(-.pi / 2), .full(.right))
        XCTAssertEqual(TurnKind.classify(0.3), nil)
        XCTAssertEqual(TurnKind.classify(-1.0), .slight(.right))
        XCTAssertEqual(TurnKind.classify(3.0), .around)
    }
}
