import Foundation
import VLNCore
import VLNEncoders
@_spi(Benchmarks) import VLNMemory
import VLNNavigation
import VLNScene
import VLNSim
import VLNTestSupport
import XCTest

/// Memories built from simulated episodes in generated houses, with ground-truth segments (the renderer's instance
/// ids) and ground-truth semantic features (MiniLM embeddings of each instance's category, 16×16 grid).
final class SimulatedMemoryTests: XCTestCase {
    static let structure: Set<String> = ["floor", "wall", "ceiling", "door frame"]

    struct Setup {
        var sim: Simulator
        var encoder: GroundTruthSemanticEncoder
        var vocabulary: LabelVocabulary
        var text: MiniLM
        /// Real perception instead of ground truth: GraphSegmenter segments and MobileNetV2 → MiniLM bridge features.
        var classical: ImageNetLanguageBridge?
    }

    func setup(seed: UInt64, classical: Bool = false) throws -> Setup {
        _ = try requireModelFile("all-MiniLM-L6-v2/model.safetensors")
        if classical { _ = try requireModelFile("mobilenet-v2/mobilenet_v2.safetensors") }
        let scene = HouseGenerator(seed: seed).generate()
        let text = try MiniLM(models: testModelsPath())
        let categories = scene.instances.mapValues(\.category)
        let encoder = try GroundTruthSemanticEncoder(textEncoder: text, categories: categories)
        let names = Array(Set(categories.values)).sorted()
        let vocabulary = try LabelVocabulary(names: names, embeddings: names.map { encoder.embeddings[$0]! })
        return Setup(sim: try Simulator(scene: scene), encoder: encoder, vocabulary: vocabulary, text: text,
                     classical: classical ? try ImageNetLanguageBridge(models: testModelsPath()) : nil)
    }

    func frame(_ s: Setup, _ o: Observation) throws -> MemoryFrame {
        if let bridge = s.classical {
            return MemoryFrame(depth: o.depth, intrinsics: o.camera.intrinsics, worldFromCamera: o.camera.worldFromCamera,
                               features: try bridge.featureMap(FeatureMapInput(rgb: o.rgb)),
                               segments: try GraphSegmenter().segment(rgb: o.rgb, depth: o.depth, intrinsics: o.camera.intrinsics),
                               step: o.step)
        }
        return MemoryFrame(depth: o.depth, intrinsics: o.camera.intrinsics, worldFromCamera: o.camera.worldFromCamera,
                           features: try s.encoder.featureMap(FeatureMapInput(rgb: o.rgb, instanceIDs: o.instanceIds)),
                           segments: o.instanceIds, step: o.step)
    }

    /// Walks to each room's centre along the shortest path and turns a full circle there, inserting every
    /// observation; `check` runs after each insertion.
    func tour(_ s: Setup, _ m: inout TokenMemory, check: (TokenMemory, Observation) -> Void = { _, _ in }) throws {
        let nav = s.sim.navigation
        let start = try XCTUnwrap(nav.snapPoint(s.sim.scene.regions[0].center3D, maxDistance: 3))
        try s.sim.reset(to: AgentState(position: start, heading: 0))
        let island = nav.islandID(of: start)
        func insert(_ o: Observation) throws { try m.insert(frame(s, o)); check(m, o) }
        try insert(s.sim.observe())
        for region in s.sim.scene.regions {
            guard let goal = nav.snapPoint(region.center3D, maxDistance: 3), nav.islandID(of: goal) == island else { continue }
            let follower = ShortestPathFollower(goal: goal).policy()
            for _ in 0..<200 {
                let a = follower(s.sim)
                if a == .stop { break }
                _ = s.sim.step(a)
                try insert(s.sim.observe())
            }
            for _ in 0..<24 {
                _ = s.sim.step(.turnLeft)
                try insert(s.sim.observe())
            }
        }
    }

    /// After an oracle tour through every room of a generated house, instance localisation against the scene's
    /// furniture (a match: same category, centre within 0.5 m, one to one) has precision and recall ≥ 0.9, with
    /// ground-truth segments and features. The same support on both sides: the truth counts furniture the tour
    /// lifted at least 3 patches of in one frame, at its box centre; the predictions are the live instances holding
    /// at least 3 patches, labelled by the best-matching category embedding, at the position `localise` reports (the
    /// centre of the instance's patch box) (structure — floor, wall, ceiling, door frame — left out on both sides).
    func testOracleTourLocalisesTheFurniture() throws {
        // Measured (CPU B; the same with VLNSIM_SIMD=baseline): house 17 precision 0.902 (37 of 41), recall 0.925 (37
        // of 40); house 42 0.920 (46 of 50) / 0.939 (46 of 49). With the patch mean instead of the box centre: 0.902 /
        // 0.925 and 0.880 / 0.898. Houses 7, 100, 101, 102 (same tour, not run here): 1.000/0.970, 0.929/1.000,
        // 0.933/1.000, 1.000/1.000 (mean: 1.000/0.970, 0.929/1.000, 0.867/0.929, 1.000/1.000). What is left:
        // fragments of large objects (a bed's headboard strip, a wardrobe's side, part of a TV) whose segment did
        // not find the object's instance among its k = 2 nearest centres; a dining table merged with two chairs
        // (their MiniLM cosine is 0.80, at the merge threshold); pieces seen in 1–2 patches (a floor lamp, a
        // monitor, a picture, a chair). House 17 has no prediction of slack: one more wrong would give 0.878, so its
        // precision guard is 0.875 — the MiniLM embeddings differ in the last bits between kernel paths (AMX bf16x3,
        // AVX-512, AVX2), and one merge decision that flips on another CPU must not fail CI there. The dining
        // chair/table cosine is 0.80026 here, 2.6e-4 from the threshold.
        try oracleTour(seed: 17, precision: 0.875, recall: 0.9)
        try oracleTour(seed: 42, precision: 0.9, recall: 0.9)
    }

    /// The same tour of house 17 with real perception: GraphSegmenter segments and MobileNetV2 → MiniLM bridge
    /// features (8×8 grid on the 256×256 frames), labels from the scene's category names in MiniLM space. Measured
    /// precision 0.039, recall 0.075 (0.076 / 0.125 with the former oracle's tour): ImageNet's classifier does not recognise the generator's flat-shaded boxes and
    /// cylinders as furniture (a reported figure, guarded here against regressions, not a target).
    func testOracleTourWithClassicalSegmentsAndMobileNetFeatures() throws {
        try oracleTour(seed: 17, precision: 0.03, recall: 0.05, classical: true)   // loose: MobileNetV2 differs slightly per CPU path
    }

    func oracleTour(seed: UInt64, precision minimumPrecision: Double, recall minimumRecall: Double, classical: Bool = false) throws {
        let s = try setup(seed: seed, classical: classical)
        var m = try TokenMemory()
        // Furniture the tour saw: ≥ 3 patches lifted from it in one frame (its id at the block-centre pixel, depth
        // within the lift range).
        var observed = Set<UInt32>()
        try tour(s, &m) { _, o in
            var count = [UInt32: Int]()
            for r in 0..<16 { for c in 0..<16 {
                let x = (2 * c + 1) * o.depth.width / 32, y = (2 * r + 1) * o.depth.height / 32
                if o.depth[x, y] > 0, o.depth[x, y] <= 3 { count[o.instanceIds[x, y], default: 0] += 1 }
            }}
            for (id, n) in count where n >= 3 { observed.insert(id) }
        }
        let scene = s.sim.scene
        var truth: [(id: UInt32, category: String, centre: Vec3)] = []
        for (id, info) in scene.instances where !Self.structure.contains(info.category) && observed.contains(id) {
            if let b = scene.bounds(ofInstance: id) { truth.append((id, info.category, b.center)) }
        }
        truth.sort { $0.id < $1.id }
        var predicted: [(id: Int32, category: String, centre: Vec3)] = []
        for id in m.liveInstanceIDs {
            let label = s.vocabulary.label(of: m.instanceFeature(id)!).name
            let token = m.instance(id)!
            // Where the memory answers "where is it": `localise`'s position (the centre of the instance's patch box).
            let position = m.localise(id, from: AgentPose(position: .zero, heading: 0))!.position
            if !Self.structure.contains(label), token.patchCount >= 3 { predicted.append((id, label, position)) }
        }
        var pairs: [(Float, Int, Int)] = []
        for (pi, p) in predicted.enumerated() {
            for (ti, t) in truth.enumerated() where t.category == p.category {
                let d = distance(p.centre, t.centre)
                if d <= 0.5 { pairs.append((d, pi, ti)) }
            }
        }
        pairs.sort { $0.0 < $1.0 }
        var usedP = Set<Int>(), usedT = Set<Int>()
        for (_, pi, ti) in pairs where !usedP.contains(pi) && !usedT.contains(ti) { usedP.insert(pi); usedT.insert(ti) }
        let precision = Double(usedP.count) / Double(max(predicted.count, 1))
        let recall = Double(usedT.count) / Double(max(truth.count, 1))
        print(String(format: "oracle tour, house %d: %d frames, %d furniture instances predicted, %d in the scene; precision %.3f recall %.3f",
                     Int(seed), m.frameCount, predicted.count, truth.count, precision, recall))
        var perCategory: [String: (predicted: Int, truth: Int, matched: Int)] = [:]
        for p in predicted { perCategory[p.category, default: (0, 0, 0)].predicted += 1 }
        for t in truth { perCategory[t.category, default: (0, 0, 0)].truth += 1 }
        for ti in usedT { perCategory[truth[ti].category, default: (0, 0, 0)].matched += 1 }
        print("  per category (predicted / in the scene / matched): " + perCategory.keys.sorted().map {
            let c = perCategory[$0]!; return "\($0) \(c.predicted)/\(c.truth)/\(c.matched)" }.joined(separator: ", "))
        for (pi, p) in predicted.enumerated() where !usedP.contains(pi) {
            let near = truth.filter { $0.category == p.category }.map { distance($0.centre, p.centre) }.min() ?? .infinity
            print("  unmatched prediction \(p.id) \(p.category) at \(p.centre), nearest same-category truth \(near) m, \(m.instance(p.id)!.patchCount) patches")
        }
        for (ti, t) in truth.enumerated() where !usedT.contains(ti) {
            print("  unmatched truth \(t.id) \(t.category) at \(t.centre)")
        }
        XCTAssertEqual(m.invariantViolations(), [])
        // The nearest-instance search through the zone grid gives the scan's answer (k = 1, 2, 5) anywhere.
        var rng = SeededRandom(seed: seed)
        let b = scene.bounds
        for _ in 0..<300 {
            let p = Vec3(rng.uniform(b.lower.x - 3, b.upper.x + 3), rng.uniform(-1, 4), rng.uniform(b.lower.z - 3, b.upper.z + 3))
            for k in [1, 2, 5] {
                let found = m.nearestInstanceIDs(to: p, count: k)
                XCTAssertEqual(found.grid, found.scan, "k = \(k) at \(p)")
            }
        }
        XCTAssertGreaterThanOrEqual(precision, minimumPrecision, "house \(seed)")
        XCTAssertGreaterThanOrEqual(recall, minimumRecall, "house \(seed)")
    }
}

extension SimulatedMemoryTests {
    /// Live instances labelled `category` (≥ 3 patches) within `radius` of `point`.
    func instances(_ m: TokenMemory, _ s: Setup, _ category: String, near point: Vec3, within radius: Float) -> [Int32] {
        m.liveInstanceIDs.filter { id in
            let t = m.instance(id)!
            return t.patchCount >= 3 && s.vocabulary.label(of: m.instanceFeature(id)!).name == category && distance(t.centre, point) <= radius
        }
    }

    /// Dynamic scenes: an object moved, one removed and one added during an episode. Once the agent looks at the old
    /// places again (a full turn from the pose that saw each object best), no live instance of the category is
    /// within 0.5 m of an old place and one is near each new place. The invariants hold after every step, and the
    /// nearest-instance search through the zone grid equals a full scan at every merge.
    func testMovedRemovedAndAddedObjectsAreFollowed() throws {
        // Every nearest-instance search in the middle of an update is also checked against a full scan.
        TokenMemory.checksNearestSearch = true
        TokenMemory.nearestSearchMismatches = 0
        defer { TokenMemory.checksNearestSearch = false }
        defer { XCTAssertEqual(TokenMemory.nearestSearchMismatches, 0, "zone-grid search ≠ scan during updates") }
        var s = try setup(seed: 17)
        var m = try TokenMemory()
        func check(_ memory: TokenMemory) { XCTAssertEqual(memory.invariantViolations(), [], "step \(memory.frameCount)") }
        // Tour, remembering for each furniture piece the pose that saw most of it within the lift range.
        var best = [UInt32: (count: Int, agent: AgentState)]()
        try tour(s, &m) { memory, o in
            check(memory)
            var count = [UInt32: Int]()
            for r in 0..<16 { for c in 0..<16 {
                let x = (2 * c + 1) * o.depth.width / 32, y = (2 * r + 1) * o.depth.height / 32
                if o.depth[x, y] > 0, o.depth[x, y] <= 3 { count[o.instanceIds[x, y], default: 0] += 1 }
            }}
            for (id, n) in count where n > (best[id]?.count ?? 0) { best[id] = (n, o.agent) }
        }
        let scene = s.sim.scene
        // Two well-seen furniture pieces of categories that occur once, each localised by the memory now.
        let once = Dictionary(grouping: scene.instances.values, by: \.category).filter { $0.value.count == 1 }.keys
        let chosen = best.filter { id, b in
            let c = scene.instances[id]!.category
            return once.contains(c) && !Self.structure.contains(c) && b.count >= 12
                && !instances(m, s, c, near: scene.bounds(ofInstance: id)!.center, within: 0.5).isEmpty
        }.sorted { $0.key < $1.key }
        XCTAssertGreaterThanOrEqual(chosen.count, 2)
        let (movedID, movedBest) = (chosen[0].key, chosen[0].value.agent)
        let (removedID, removedBest) = (chosen[1].key, chosen[1].value.agent)
        let movedCategory = scene.instances[movedID]!.category, removedCategory = scene.instances[removedID]!.category
        let oldCentre = scene.bounds(ofInstance: movedID)!.center, removedCentre = scene.bounds(ofInstance: removedID)!.center

        func lookAround(from agent: AgentState) throws {
            try s.sim.reset(to: agent)
            for _ in 0..<24 {
                _ = s.sim.step(.turnLeft)
                try m.insert(frame(s, s.sim.observe())); check(m)
            }
        }
        // Move: 0.6 m towards the pose that saw it best (so the new place is in view and in the room).
        var toward = movedBest.position - oldCentre; toward.y = 0
        let shift = 0.6 * toward / length(toward)
        try s.sim.apply(.move(instance: movedID, translation: shift, yaw: 0))
        try lookAround(from: movedBest)
        let newCentre = s.sim.scene.bounds(ofInstance: movedID)!.center
        XCTAssertEqual(instances(m, s, movedCategory, near: oldCentre, within: 0.5).filter {
            distance(m.instance($0)!.centre, newCentre) > 0.5 }, [], "\(movedCategory): nothing left at the old place")
        XCTAssertFalse(instances(m, s, movedCategory, near: newCentre, within: 0.5).isEmpty, "\(movedCategory): found at the new place")
        // Remove.
        try s.sim.apply(.remove(instance: removedID))
        try lookAround(from: removedBest)
        XCTAssertEqual(instances(m, s, removedCategory, near: removedCentre, within: 0.5), [], "\(removedCategory): gone")
        // Add a box 1.2 m in front of the agent (a category the encoder learns after the edit).
        let boxAt = removedBest.position + 1.2 * removedBest.forward
        try s.sim.apply(.add(category: "storage box", position: boxAt, size: Vec3(0.5, 0.5, 0.5)))
        s.encoder = try GroundTruthSemanticEncoder(textEncoder: s.text, categories: s.sim.scene.instances.mapValues(\.category))
        let names = Array(Set(s.encoder.categories.values)).sorted()
        s.vocabulary = try LabelVocabulary(names: names, embeddings: names.map { s.encoder.embeddings[$0]! })
        try lookAround(from: removedBest)
        XCTAssertFalse(instances(m, s, "storage box", near: boxAt + Vec3(0, 0.25, 0), within: 0.5).isEmpty, "added box found")
        print("dynamic: moved \(movedCategory) by 0.6 m, removed \(removedCategory), added a box; \(m.livePatchCount) patches, \(m.liveInstanceCount) instances, \(m.liveZoneCount) zones")
    }
}

extension SimulatedMemoryTests {
    /// Lifelong: 10,000 steps of a looping tour (the oracle tour's poses, forth and back) keep the patch count
    /// bounded: from the second loop on, no loop holds more live patches than the second (+1 %).
    func testLoopingTourKeepsThePatchCountBounded() throws {
        let s = try setup(seed: 17)
        var m = try TokenMemory()
        var poses: [AgentState] = []
        try tour(s, &m) { _, o in poses.append(o.agent) }
        let loop = poses + poses.reversed().dropFirst().dropLast()
        var memory = try TokenMemory()
        var loopMax = [Int](repeating: 0, count: (10_000 + loop.count - 1) / loop.count)
        for step in 0..<10_000 {
            try s.sim.reset(to: loop[step % loop.count])
            var o = s.sim.observe(); o.step = step
            try memory.insert(frame(s, o))
            loopMax[step / loop.count] = max(loopMax[step / loop.count], memory.livePatchCount)
        }
        print("lifelong: loop of \(loop.count) poses, 10,000 steps: most live patches per loop \(loopMax); \(memory.patchSlots) slots")
        // From the second loop on, the memory is in a steady state: no loop holds more than the second one (+1 %).
        let bound = loopMax[1] + loopMax[1] / 100
        for (i, n) in loopMax.enumerated().dropFirst(2) { XCTAssertLessThanOrEqual(n, bound, "loop \(i + 1)") }
        XCTAssertLessThanOrEqual(memory.patchSlots, bound + 576)
        XCTAssertEqual(memory.invariantViolations(), [])
    }

    /// The memory saved after one episode and loaded into the next gives the same query answers, and continues
    /// exactly as the memory that was never saved.
    func testSavedMemoryGivesTheSameAnswersAndContinuesIdentically() throws {
        let s = try setup(seed: 17)
        var m = try TokenMemory()
        try tour(s, &m)
        let path = try makeTempDir() + "/house17.vlnmem"
        try m.save(to: path)
        var loaded = try TokenMemory.load(from: path)
        XCTAssertEqual(loaded.livePatchIDs, m.livePatchIDs)
        let queries = try ["sofa", "bed", "kitchen counter", "a place to sleep", "toilet"].map { try s.text.embed($0) }
        for q in queries {
            XCTAssertEqual(try loaded.rankInstances(q, top: 5).map(\.id), try m.rankInstances(q, top: 5).map(\.id))
            XCTAssertEqual(try loaded.rankInstances(q, top: 5).map(\.score), try m.rankInstances(q, top: 5).map(\.score))
            XCTAssertEqual(try loaded.rankZones(q, top: 3).map(\.id), try m.rankZones(q, top: 3).map(\.id))
        }
        // The next episode: the same frames into both.
        try s.sim.reset(to: AgentState(position: s.sim.agent.position, heading: s.sim.agent.heading))
        for _ in 0..<30 {
            _ = s.sim.step(.turnRight)
            let f = try frame(s, s.sim.observe())
            XCTAssertEqual(try loaded.insert(f), try m.insert(f))
        }
        for q in queries { XCTAssertEqual(try loaded.rankInstances(q, top: 5).map(\.score), try m.rankInstances(q, top: 5).map(\.score)) }
        let top = try XCTUnwrap(try m.rankInstances(try s.text.embed("sofa"), top: 1).first)
        XCTAssertEqual(s.vocabulary.label(of: m.instanceFeature(top.id)!).name, "sofa")
    }
}

extension Region {
    /// The footprint's centre at floor height (y = 0).
    var center3D: Vec3 { Vec3(center.x, 0, center.y) }
}
