// The shortest-path oracle (`ShortestPathFollower`) over the sweep of the unit test
// OracleFollowerTests.testSweepOverGeneratedHousesStopsAtTheGoal (same houses, seeds and start/goal rule), one thread:
// time per follower decision, per distance-field build and per whole episode (`Simulator.run` without rendering).
//   swift run -c release --scratch-path ../.build-bench OracleTiming [--houses 6] [--pairs 18] [--reps 3]
// Prints the figures; exits 1 if fewer than 99 % of the episodes stop within 0.5 m of the goal or mean SPL < 0.95
// (a timing of a follower that does not arrive proves nothing).
import Foundation
import VLNCore
import VLNScene
import VLNSim

func option(_ name: String, _ fallback: Int) -> Int {
    let a = CommandLine.arguments
    guard let i = a.firstIndex(of: name), i + 1 < a.count, let v = Int(a[i + 1]) else { return fallback }
    return v
}
let houses = option("--houses", 6), pairsPerHouse = option("--pairs", 18), reps = option("--reps", 3)
let seeds: [UInt64] = Array([1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233].prefix(houses))
@inline(__always) func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

struct Pair { var start: Vec3; var heading: Float; var goal: Vec3 }

var decisions = 0, decisionNs: UInt64 = 0, fieldNs: [Double] = [], pathNs: [Double] = [], episodeNs: UInt64 = 0, generateNs: UInt64 = 0
var episodes = 0, successes = 0, stalls = 0, actions = 0, splSum = 0.0
for seed in seeds {
    let t0 = now()
    let sim = try Simulator(scene: HouseGenerator(seed: seed).generate())
    generateNs += now() - t0
    let nav = sim.navigation
    var rng = SeededRandom(seed: 1000 + seed)
    var pairs: [Pair] = []
    var attempts = 0
    while pairs.count < pairsPerHouse && attempts < 100 {
        attempts += 1
        // A goal, then up to 50 starts on its island until one lies 5–20 m away (read off the goal's field, which
        // the follower uses too: one field per episode).
        guard let goal = nav.randomNavigablePoint(using: &rng, island: nil), let island = nav.islandID(of: goal) else { continue }
        let field = sim.distanceField(to: [goal])
        var found: Vec3? = nil
        for _ in 0..<50 {
            guard let s = nav.randomNavigablePoint(using: &rng, island: island) else { break }
            if let d = field.distance(from: s), (5...20).contains(d) { found = s; break }
        }
        guard let start = found else { continue }
        pairs.append(Pair(start: start, heading: rng.uniform(-.pi, .pi), goal: goal))
    }
    for pair in pairs {
        // Field build: a fresh grid copy each repetition would hit the cache, so time the grid's own builder.
        for _ in 0..<reps {
            let t = now()
            let f = nav.distanceField(to: [pair.goal])
            fieldNs.append(Double(now() - t))
            precondition(f.hasGoals)
            // What Simulator.run computes once per episode for its report: the shortest path (one A* search).
            let t2 = now()
            precondition(nav.shortestPath(from: pair.start, to: pair.goal) != nil)
            pathNs.append(Double(now() - t2))
        }
        _ = sim.distanceField(to: [pair.goal])  // built and cached here, so the episode times below exclude it
        for rep in 0..<reps {
            var stalled = 0
            let follower = ShortestPathFollower(goal: pair.goal).policy { _ in stalled += 1 }
            let timed: Policy = { sim in
                let t = now()
                let a = follower(sim)
                decisionNs += now() - t
                decisions += 1
                return a
            }
            let episode = ScriptedEpisode(goal: NavigationGoal(position: pair.goal, radius: 3), actions: [])
            let t = now()
            let r = try sim.run(episode, from: AgentState(position: pair.start, heading: pair.heading), policy: timed)
            episodeNs += now() - t
            if rep == 0 {
                let d0 = sim.distanceField(to: [pair.goal]).distance(from: pair.start)!
                let success = r.stopped && (r.finalDistanceToGoal ?? .infinity) <= 0.5
                episodes += 1; actions += r.steps.count - 1; stalls += stalled
                if success { successes += 1; splSum += Double(d0 / max(d0, r.pathLength)) }
            }
        }
    }
}
let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
    .first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) } ?? "?"
fieldNs.sort()
let rate = Double(successes) / Double(episodes), spl = splSum / Double(episodes)
print("cpu: \(cpu)")
print(String(format: "oracle sweep: %d episodes in %d houses, %.1f actions each, stop within 0.5 m %.3f, mean SPL %.4f, %d stalls",
             episodes, seeds.count, Double(actions) / Double(episodes), rate, spl, stalls))
print(String(format: "follower decision: %.2f µs mean over %d calls (%d repetitions)", Double(decisionNs) / Double(decisions) / 1000, decisions, reps))
print(String(format: "distance field build: median %.2f ms, min %.2f, max %.2f (%d builds)",
             fieldNs[fieldNs.count / 2] / 1e6, fieldNs.first! / 1e6, fieldNs.last! / 1e6, fieldNs.count))
pathNs.sort()
print(String(format: "shortest path (A*, once per episode in Simulator.run): median %.2f ms", pathNs[pathNs.count / 2] / 1e6))
print(String(format: "episode (Simulator.run incl. its A*, field already cached, no rendering): %.3f ms mean; house generation + grid: %.1f ms per house",
             Double(episodeNs) / Double(episodes * reps) / 1e6, Double(generateNs) / Double(seeds.count) / 1e6))
if rate < 0.99 || spl < 0.95 { print("FAILED: the oracle does not arrive"); exit(1) }
