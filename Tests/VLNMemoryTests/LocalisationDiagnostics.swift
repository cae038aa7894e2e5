import Foundation
import VLNCore
import VLNEncoders
@_spi(Benchmarks) import VLNMemory
import VLNNavigation
import VLNScene
import VLNSim
import VLNTestSupport
import XCTest

// TEMPORARY diagnostics (issue 9 localisation): VLNSIM_LOCALISE_DIAG="7,17,42" runs the oracle tour per seed and
// explains every unmatched prediction and truth. Not to be merged.
extension SimulatedMemoryTests {
    func testLocalisationDiagnostics() throws {
        guard let list = ProcessInfo.processInfo.environment["VLNSIM_LOCALISE_DIAG"] else { throw XCTSkip("diagnostics") }
        let seeds = list.split(separator: ",").compactMap { UInt64($0) }
        var summary: [String] = []
        for seed in seeds {
            let s = try setup(seed: seed)
            var config = TokenMemoryConfiguration()
            let env = ProcessInfo.processInfo.environment
            if let k = env["VLNSIM_DIAG_K"].flatMap(Int.init) { config.mergeNeighbours = k }
            if let c = env["VLNSIM_DIAG_COS"].flatMap(Float.init) { config.mergeCosine = c }
            let verbose = env["VLNSIM_DIAG_QUIET"] == nil
            var m = try TokenMemory(configuration: config)
            if seed == seeds[0] {
                let names = s.vocabulary.names
                var close: [String] = []
                for i in names.indices { for j in names.indices where j > i {
                    let c = zip(s.vocabulary.embeddings[i], s.vocabulary.embeddings[j]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                    if c >= 0.7 { close.append(String(format: "%@/%@ %.2f", names[i], names[j], c)) }
                }}
                print("category cosines ≥ 0.7: \(close)")
            }
            var slotTruth = [Int32: UInt32]()
            var observed = Set<UInt32>()
            try tour(s, &m) { memory, o in
                let inv = o.camera.worldFromCamera.inverse
                for slot in memory.lastInsertedPatches {
                    let p = memory.patch(slot)!.position
                    guard let q = o.camera.intrinsics.project(inv.apply(p)) else { continue }
                    let x = min(max(Int(q.x), 0), o.depth.width - 1), y = min(max(Int(q.y), 0), o.depth.height - 1)
                    slotTruth[slot] = o.instanceIds[x, y]
                }
                var count = [UInt32: Int]()
                for r in 0..<16 { for c in 0..<16 {
                    let x = (2 * c + 1) * o.depth.width / 32, y = (2 * r + 1) * o.depth.height / 32
                    if o.depth[x, y] > 0, o.depth[x, y] <= 3 { count[o.instanceIds[x, y], default: 0] += 1 }
                }}
                for (id, n) in count where n >= 3 { observed.insert(id) }
            }
            let scene = s.sim.scene
            var truth: [(id: UInt32, category: String, box: AABB)] = []
            for (id, info) in scene.instances where !Self.structure.contains(info.category) && observed.contains(id) {
                if let b = scene.bounds(ofInstance: id) { truth.append((id, info.category, b)) }
            }
            truth.sort { $0.id < $1.id }
            struct Pred { var id: Int32; var label: String; var mean: Vec3; var boxCentre: Vec3; var lower: Vec3; var upper: Vec3
                          var n: Int; var composition: [(UInt32, Int)] }
            var preds: [Pred] = []
            for id in m.liveInstanceIDs {
                let label = s.vocabulary.label(of: m.instanceFeature(id)!).name
                let t = m.instance(id)!
                guard !Self.structure.contains(label), t.patchCount >= 3 else { continue }
                var comp = [UInt32: Int]()
                for p in m.patches(ofInstance: id) { comp[slotTruth[p] ?? 0, default: 0] += 1 }
                preds.append(Pred(id: id, label: label, mean: t.centre, boxCentre: (t.lower + t.upper) / 2, lower: t.lower, upper: t.upper,
                                  n: t.patchCount, composition: comp.sorted { $0.value > $1.value }))
            }
            func evaluate(_ centre: (Pred) -> Vec3) -> (p: Double, r: Double, usedP: Set<Int>, usedT: Set<Int>) {
                var pairs: [(Float, Int, Int)] = []
                for (pi, p) in preds.enumerated() {
                    for (ti, t) in truth.enumerated() where t.category == p.label {
                        let d = distance(centre(p), t.box.center)
                        if d <= 0.5 { pairs.append((d, pi, ti)) }
                    }
                }
                pairs.sort { $0.0 < $1.0 }
                var usedP = Set<Int>(), usedT = Set<Int>()
                for (_, pi, ti) in pairs where !usedP.contains(pi) && !usedT.contains(ti) { usedP.insert(pi); usedT.insert(ti) }
                return (Double(usedP.count) / Double(max(preds.count, 1)), Double(usedT.count) / Double(max(truth.count, 1)), usedP, usedT)
            }
            let estimators: [(String, (Pred) -> Vec3)] = [("mean", { $0.mean }), ("box", { $0.boxCentre })]
            var line = "house \(seed): \(preds.count) predicted, \(truth.count) truth"
            for (name, f) in estimators {
                let e = evaluate(f)
                line += String(format: "; %@ P %.3f (%d/%d) R %.3f (%d/%d)", name, e.p, e.usedP.count, preds.count, e.r, e.usedT.count, truth.count)
            }
            print(line); summary.append(line)
            for (name, f) in estimators where verbose {
                let e = evaluate(f)
                for (pi, p) in preds.enumerated() where !e.usedP.contains(pi) {
                    let (major, k) = p.composition[0]
                    let cat = scene.instances[major]?.category ?? "?"
                    let tb = scene.bounds(ofInstance: major)
                    let others = preds.filter { $0.id != p.id && $0.composition[0].0 == major }.map { "\($0.id)(\($0.n))" }
                    var text = "  [\(name)] unmatched pred \(p.id) '\(p.label)' n=\(p.n) composition \(p.composition.prefix(4).map { "\($0.0):\(scene.instances[$0.0]?.category ?? "?")×\($0.1)" })"
                    if let tb {
                        text += String(format: " | major %d %@ box %@…%@ ; mean off %.2f, box-centre off %.2f; pred box %@…%@",
                                       Int(major), cat, fmt(tb.lower), fmt(tb.upper), distance(p.mean, tb.center), distance(p.boxCentre, tb.center), fmt(p.lower), fmt(p.upper))
                    }
                    if !others.isEmpty { text += " ; same-major fragments \(others)" }
                    _ = k
                    print(text)
                }
                for (ti, t) in truth.enumerated() where !e.usedT.contains(ti) {
                    let holders = m.liveInstanceIDs.compactMap { id -> String? in
                        let n = m.patches(ofInstance: id).filter { slotTruth[$0] == t.id }.count
                        guard n > 0 else { return nil }
                        let inst = m.instance(id)!
                        return String(format: "%d('%@' %d/%d, mean off %.2f, box off %.2f)", Int(id), s.vocabulary.label(of: m.instanceFeature(id)!).name,
                                      n, inst.patchCount, distance(inst.centre, t.box.center), distance((inst.lower + inst.upper) / 2, t.box.center))
                    }
                    print("  [\(name)] unmatched truth \(t.id) \(t.category) box \(fmt(t.box.lower))…\(fmt(t.box.upper)) held by \(holders)")
                }
            }
        }
        print("SUMMARY\n" + summary.joined(separator: "\n"))
    }
}

private func fmt(_ v: Vec3) -> String { String(format: "(%.2f,%.2f,%.2f)", v.x, v.y, v.z) }
