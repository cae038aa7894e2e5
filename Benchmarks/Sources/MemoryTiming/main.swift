// One Dynam3D memory update (deletion test, cascade, lift, insert) on a memory of N stored patches, one thread:
// the scene, state and frame of ../shared/anchors/dynam3d_update_anchor.py, built again here (same house, same
// statistics — random segment sizes of mean 60, instances tiling the surfaces, 1 cm off them — with vlnsim's own
// random numbers, so not the same patches), timed by phase beside the anchor by ../scripts/bench-memory.sh.
//   swift run -c release --scratch-path ../.build-bench MemoryTiming [--patches 100000] [--grid 24] [--dim 384] [--reps 30]
//       [--lift-depth 10] [--profile N] [--golden DIR] [--scene FILE]
// --lift-depth: the deepest lifted patch (default 10 m, as the official code; vlnsim's default is 3 m); --profile N:
// N updates of one memory from two poses in turn, no copies, for a profiler (prints the mean time per update);
// --golden DIR: a fixed sequence of updates whose memory files, reports and merge inputs are written to DIR, so that
// two builds can be compared byte for byte (`cmp`) when a change must not alter results (see `golden(into:)`).
// --scene FILE: the anchor's own stored patches and frame features instead of this file's scene (written by
// ../scripts/bench-memory.sh from the anchor's `build_scene` with the anchor's seed, see `readAnchorScene`), so that
// both programs update the same memory: the same patches, instances and deletions.
// stdout: one JSON object (median and min per phase over the repetitions, each from the same restored state; the
// restore is not timed), like the anchor's.
import Foundation
@_spi(Benchmarks) import VLNMemory
import VLNCore

func option(_ name: String, _ fallback: Int) -> Int {
    let a = CommandLine.arguments
    guard let i = a.firstIndex(of: name), i + 1 < a.count, let v = Int(a[i + 1]) else { return fallback }
    return v
}
let patches = option("--patches", 100_000), grid = option("--grid", 24), dim = option("--dim", 384), reps = option("--reps", 30)
var rng = SeededRandom(seed: 0)

// The anchor's house in the Habitat frame (Y up): 12 × 10 m, 2.5 m high, x ∈ [0, 12], z ∈ [−10, 0]; the anchor's
// official frame is X = x, Y = −z, Z = y − 1.25. Rectangles (origin, edge a, edge b).
typealias Rect = (o: Vec3, a: Vec3, b: Vec3)
func hab(_ x: Float, _ y: Float, _ z: Float) -> Vec3 { Vec3(x, z + 1.25, -y) }        // official (X, Y, Z) → Habitat
func habDir(_ x: Float, _ y: Float, _ z: Float) -> Vec3 { Vec3(x, z, -y) }
var rects: [Rect] = [-1.25, 1.25].map { (hab(0, 0, $0), habDir(12, 0, 0), habDir(0, 10, 0)) }
rects += [0, 10].map { (hab(0, $0, -1.25), habDir(12, 0, 0), habDir(0, 0, 2.5)) }
rects += [0, 12].map { (hab($0, 0, -1.25), habDir(0, 10, 0), habDir(0, 0, 2.5)) }
for s: Float in [-0.06, 0.06] {
    for (a, b): (Float, Float) in [(0, 4), (5, 10)] { rects.append((hab(6 + s, a, -1.25), habDir(0, b - a, 0), habDir(0, 0, 2.5))) }
    for (a, b): (Float, Float) in [(0, 2.5), (3.5, 8.5), (9.5, 12)] { rects.append((hab(a, 5 + s, -1.25), habDir(b - a, 0, 0), habDir(0, 0, 2.5))) }
}
let areas = rects.map { length($0.a) * length($0.b) }, totalArea = areas.reduce(0, +)

// N patches in instances of random size (mean 60), each instance a square patch of one rectangle.
var cuts = Set<Int>()
while cuts.count < max(patches / 60 - 1, 0) { cuts.insert(Int(rng.next() % UInt64(patches - 1)) + 1) }
let bounds = [0] + cuts.sorted() + [patches]
var sizes = zip(bounds.dropFirst(), bounds).map { $0 - $1 }
var positions: [Vec3] = []
positions.reserveCapacity(patches)
for size in sizes {
    var pick = rng.uniform(0, totalArea), r = 0
    while r < rects.count - 1 && pick > areas[r] { pick -= areas[r]; r += 1 }
    let (o, a, b) = rects[r], la = length(a), lb = length(b)
    let half = 0.5 * (totalArea * Float(size) / Float(patches)).squareRoot()
    let cu = rng.uniform(0, 1), cv = rng.uniform(0, 1), normal = normalize(cross(a, b))
    for _ in 0..<size {
        let su = min(max(cu + rng.uniform(-1, 1) * half / la, 0), 1), sv = min(max(cv + rng.uniform(-1, 1) * half / lb, 0), 1)
        positions.append(o + su * a + sv * b + rng.uniform(-0.017, 0.017) * normal)
    }
}
var features = [Float](repeating: 0, count: patches * dim)
for i in 0..<features.count { features[i] = rng.uniform(-1.7, 1.7) }
var anchorFrameFeatures: [Float]?
if let a = CommandLine.arguments.firstIndex(of: "--scene"), a + 1 < CommandLine.arguments.count {
    let scene = try readAnchorScene(CommandLine.arguments[a + 1])
    positions = scene.positions; sizes = scene.sizes; features = scene.features
    anchorFrameFeatures = scene.frameFeatures
}

/// The file `scripts/bench-memory.sh` writes from the anchor's scene, little-endian: the magic "VLNANCH1"; int32 N,
/// D, instance count I, frame rows R; N × 3 float32 positions in the anchor's official frame (X = x, Y = −z,
/// Z = y − 1.25 in Habitat's); I int32 instance sizes (consecutive patches); N × D float16 stored features; R × D
/// float32 frame features (the anchor's 24 × 24 grid, row-major). Positions come back in Habitat's frame.
func readAnchorScene(_ path: String) throws -> (positions: [Vec3], sizes: [Int], features: [Float], frameFeatures: [Float]) {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    func fail(_ why: String) -> Error { VLNError.badFile(path: path, field: "anchor scene", reason: why) }
    guard data.count >= 24, data.prefix(8) == Data("VLNANCH1".utf8) else { throw fail("not an anchor scene (magic)") }
    func int32(_ at: Int) -> Int { Int(data.subdata(in: at ..< at + 4).withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }) }
    let n = int32(8), d = int32(12), instances = int32(16), rows = int32(20)
    guard n == patches, d == dim else { throw fail("\(n) patches of \(d) values; this run has --patches \(patches) --dim \(dim)") }
    let expected = 24 + n * 12 + instances * 4 + n * d * 2 + rows * d * 4
    guard data.count == expected else { throw fail("\(data.count) bytes, the header describes \(expected)") }
    return data.withUnsafeBytes { raw in
        func floats(_ at: Int, _ count: Int) -> [Float] { (0 ..< count).map { raw.loadUnaligned(fromByteOffset: at + 4 * $0, as: Float.self) } }
        let xyz = floats(24, n * 3)
        let positions = (0 ..< n).map { hab(xyz[3 * $0], xyz[3 * $0 + 1], xyz[3 * $0 + 2]) }
        var at = 24 + n * 12
        let sizes = (0 ..< instances).map { Int(raw.loadUnaligned(fromByteOffset: at + 4 * $0, as: Int32.self)) }
        at += instances * 4
        let features = (0 ..< n * d).map { Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: at + 2 * $0, as: UInt16.self))) }
        at += n * d * 2
        return (positions, sizes, features, floats(at, rows * d))
    }
}

// The memory: the anchor's deletion constants; lifting every valid depth (≤ 10 m) as the official code does.
var configuration = TokenMemoryConfiguration()
configuration.maxLiftDepth = Float(option("--lift-depth", 10))
var base = try TokenMemory(configuration: configuration, featureDimension: dim)
base.storeSegments(positions: positions, features: features, segmentSizes: sizes)

// The frame: agent base (3, 0, −2.5) in room 1, heading 0; the anchor puts the camera at the base (official frame
// Z = 0, i.e. 1.25 m up here). 256 × 256, hfov 90°, planar depth through pixel centres, capped at 10 m.
let k = CameraIntrinsics.vlnce
let pose = RigidTransform(rotation: Mat3.identity, translation: Vec3(3, 1.25, -2.5))
let depth = houseDepth(pose)   // the rotation is the identity: camera rays are world directions
let frameFeatures = FeatureMap(patchesHigh: grid, patchesWide: grid, channels: dim,
                               values: anchorFrameFeatures.flatMap { $0.count == grid * grid * dim ? $0 : nil }
                                   ?? (0..<(grid * grid * dim)).map { _ in rng.uniform(-1.7, 1.7) })
var segments = InstanceImage(width: 256, height: 256, fill: 0)
for y in 0..<256 { for x in 0..<256 { segments[x, y] = UInt32(1 + (y / 32) * 8 + x / 32) } }    // 64 segments
let frame = MemoryFrame(depth: depth, intrinsics: k, worldFromCamera: pose, features: frameFeatures, segments: segments, step: 1)

// --golden DIR: a fixed sequence of 60 updates of the memory from poses through the house (segments, unsegmented
// patches, features that repeat per segment so that segments merge and fuse instances), writing to DIR each report,
// a digest of every merge decision's inputs, query answers and the memory file every 10 frames, and checking that a
// memory saved and loaded halfway continues identically: two builds compare with `cmp` file by file.
if let g = CommandLine.arguments.firstIndex(of: "--golden"), g + 1 < CommandLine.arguments.count {
    try golden(into: CommandLine.arguments[g + 1])
    exit(0)
}

/// Planar depth of the house's rectangles from a pose (256 × 256, hfov 90°, capped at 10 m).
@MainActor func houseDepth(_ pose: RigidTransform) -> DepthImage {
    var depth = DepthImage(width: 256, height: 256, fill: .infinity)
    for y in 0..<256 {
        for x in 0..<256 {
            let ray = k.cameraRay(x: Float(x) + 0.5, y: Float(y) + 0.5), d = pose.applyToDirection(ray)
            for (o, a, b) in rects {
                let n = cross(a, b), denom = dot(d, n)
                guard denom != 0 else { continue }
                let t = dot(o - pose.translation, n) / denom
                let q = pose.translation + t * d - o
                let s = dot(q, a) / dot(a, a), u = dot(q, b) / dot(b, b)
                if t > 0, s >= 0, s <= 1, u >= 0, u <= 1, t < depth[x, y] { depth[x, y] = t }
            }
            depth[x, y] = min(depth[x, y], 10)
        }
    }
    return depth
}

/// FNV-1a over the bits of every merge decision's inputs and outputs.
nonisolated(unsafe) var mergeDigest: UInt64 = 0xcbf2_9ce4_8422_2325
nonisolated(unsafe) var mergeCalls = 0
func mix(_ v: UInt64) { mergeDigest = (mergeDigest ^ v) &* 0x0000_0100_0000_01B3 }
func mix(_ v: Vec3) { mix(UInt64(v.x.bitPattern)); mix(UInt64(v.y.bitPattern)); mix(UInt64(v.z.bitPattern)) }
struct RecordingMerge: InstanceMerge {
    let inner: GeometricInstanceMerge
    init(minimumCosine: Float) { inner = GeometricInstanceMerge(minimumCosine: minimumCosine) }
    func choose(segment: SegmentSummary, candidates: [InstanceCandidate]) -> [Int] {
        let picks = inner.choose(segment: segment, candidates: candidates)
        mergeCalls += 1
        mix(segment.centre); mix(segment.lower); mix(segment.upper); mix(UInt64(segment.patchCount))
        mix(UInt64(segment.meanScale.bitPattern)); for f in segment.feature { mix(UInt64(f.bitPattern)) }
        for c in candidates {
            mix(UInt64(UInt32(bitPattern: c.id))); mix(c.centre); mix(c.lower); mix(c.upper); mix(UInt64(c.patchCount))
            mix(UInt64(c.distance.bitPattern)); for f in c.feature { mix(UInt64(f.bitPattern)) }
        }
        for p in picks { mix(UInt64(p)) }
        return picks
    }
}

@MainActor func golden(into dir: String) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var m = base
    var other: TokenMemory?
    var log = ""
    var frng = SeededRandom(seed: 7)
    // One base feature per segment id: a segment seen again (same id) merges with what it saw before.
    let segmentBase = (0..<65).map { _ in (0..<dim).map { _ in frng.uniform(-1, 1) } }
    for i in 0..<60 {
        let t = Float(i) / 60
        let position = Vec3(1.2 + 9.6 * t, 1.25, -1.5 - 7 * abs(sin(3 * t)))
        let pose = RigidTransform(rotation: Quaternion(heading: Float(i) * 0.55), translation: position)
        let shift = (i * 8) % 32
        var seg = InstanceImage(width: 256, height: 256, fill: 0)
        for y in 0..<256 { for x in 0..<256 where y >= 40 {
            seg[x, y] = UInt32(1 + ((y + shift) / 32 % 8) * 8 + (x + shift) / 32 % 8)
        }}
        var values = [Float](repeating: 0, count: grid * grid * dim)
        for r in 0..<grid { for c in 0..<grid {
            let id = Int(seg[(2 * c + 1) * 256 / (2 * grid), (2 * r + 1) * 256 / (2 * grid)])
            for j in 0..<dim { values[(r * grid + c) * dim + j] = segmentBase[id][j] + frng.uniform(-0.3, 0.3) }
        }}
        let f = MemoryFrame(depth: houseDepth(pose), intrinsics: k, worldFromCamera: pose,
                            features: FeatureMap(patchesHigh: grid, patchesWide: grid, channels: dim, values: values),
                            segments: seg, step: 100 + i, name: "golden-\(i)")
        // Every third frame merges on box overlap alone (cosine ≥ −2), so that segments often fuse several instances.
        m.merge = RecordingMerge(minimumCosine: i % 3 == 0 ? -2 : 0.8)
        let report = try m.insert(f)
        if var o = other {
            o.merge = GeometricInstanceMerge(minimumCosine: i % 3 == 0 ? -2 : 0.8)
            guard try o.insert(f) == report else { throw VLNError.invalidValue(field: "golden", reason: "loaded memory diverged at \(i)") }
            other = o
        }
        log += "\(i) deleted \(report.deleted) inserted \(report.inserted) instancesRemoved \(report.instancesRemoved) zonesRemoved \(report.zonesRemoved) created \(report.instancesCreated) merged \(report.segmentsMerged) live \(report.livePatches)/\(report.liveInstances)/\(report.liveZones) merges \(mergeCalls) digest \(String(mergeDigest, radix: 16))\n"
        if i % 10 == 9 {
            try m.save(to: "\(dir)/m-\(i).vlnmem")
            let violations = m.invariantViolations()
            guard violations.isEmpty else { throw VLNError.invalidValue(field: "golden", reason: "\(violations)") }
            let q = segmentBase[(i * 7) % 64 + 1]
            log += "  instances \(try m.rankInstances(q, top: 5).map { "\($0.id):\($0.score.bitPattern)" })\n"
            log += "  zones \(try m.rankZones(q, top: 3).map { "\($0.id):\($0.score.bitPattern)" })\n"
            let tokens = m.vlmTokens(at: AgentPose(position: position, heading: Float(i)))
            log += "  tokens \(tokens.instances.map(\.id)) \(tokens.zones.map(\.id)) \(tokens.patches.count)\n"
        }
        if i == 29 {
            try m.save(to: "\(dir)/half.vlnmem")
            let o = try TokenMemory.load(from: "\(dir)/half.vlnmem", merge: GeometricInstanceMerge(minimumCosine: 0.8))
            try o.save(to: "\(dir)/half-resaved.vlnmem")
            other = o
        }
    }
    try other!.save(to: "\(dir)/continued.vlnmem")
    try log.write(toFile: "\(dir)/log.txt", atomically: true, encoding: .utf8)
    print("golden: 60 frames, \(mergeCalls) merge decisions, digest \(String(mergeDigest, radix: 16)), \(m.livePatchCount) patches, \(m.liveInstanceCount) instances, \(m.liveZoneCount) zones")
}

// --profile N: N updates of one memory with the frame seen from two poses in turn (no copies), for a profiler.
let profileSteps = option("--profile", 0)
/// The updates of --profile, apart for a profiler (`valgrind --tool=callgrind --toggle-collect='*profiledInsert*'`).
@inline(never) func profiledInsert(_ m: inout TokenMemory, _ f: MemoryFrame) throws -> MemoryUpdateReport { try m.insert(f) }
if profileSteps > 0 {
    // A warm-up update on a copy first, so that one-time costs (lazy symbol binding, type metadata) stay out.
    var warmUp = base
    _ = try warmUp.insert(frame)
    var m = base
    m.makeStorageUnique(headroom: grid * grid)            // no copy-on-write or growth inside the first update
    var other = frame
    other.worldFromCamera = RigidTransform(rotation: Quaternion(heading: 0.5), translation: Vec3(3.2, 1.25, -2.4))
    var t = 0.0
    for i in 0..<profileSteps {
        var f = i % 2 == 0 ? frame : other
        f.step = i
        t += try profiledInsert(&m, f).timing.total
    }
    print("profile: \(profileSteps) updates, \(t / Double(profileSteps)) ms each, \(m.livePatchCount) patches")
    exit(0)
}

// "restored": each repetition on a fresh copy of the state, as the anchor (cold caches: the copy has just evicted
// them). "warm": the same, after reading the memory's metadata once (positions, links, member lists, instance sums;
// not the fp16 feature rows) and the frame's depth and features, as in an agent loop where the memory was just used
// and the frame just rendered and encoded.
var rows: [MemoryUpdateTiming] = [], warmRows: [MemoryUpdateTiming] = []
var last: MemoryUpdateReport?
var sink = 0.0
for rep in 0...reps {
    for warm in [false, true] {
        var m = base
        m.makeStorageUnique(headroom: grid * grid)      // as a grown memory: room for a frame's patches and instances
        if warm {
            sink += m.touchStorage()
            // The frame as a renderer and an encoder leave it: just written, so in cache.
            sink += Double(frame.depth.pixels.reduce(0, +)) + Double(frame.features.values.reduce(0, +))
        }
        let report = try m.insert(frame)
        // The benchmark checks its own output: the update deleted and inserted patches and left a consistent memory.
        if rep == 0 && !warm {
            let violations = m.invariantViolations()
            guard report.deleted > 0, report.inserted == grid * grid, violations.isEmpty else {
                FileHandle.standardError.write("MemoryTiming: bad update (deleted \(report.deleted), inserted \(report.inserted)): \(violations)\n".data(using: .utf8)!)
                exit(1)
            }
        }
        if rep > 0 { if warm { warmRows.append(report.timing) } else { rows.append(report.timing) } }
        last = report
    }
}
if sink == 42 { print("") }
// The deletion test alone on the base state, repeated (no copy, no mutation): the kernel's own time.
var alone: [Double] = []
for _ in 0..<50 {
    let t0 = DispatchTime.now().uptimeNanoseconds
    sink += Double(base.patchesDeleted(by: frame).count)
    alone.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
}
alone.sort()
func stats(_ rows: [MemoryUpdateTiming], _ f: (MemoryUpdateTiming) -> Double) -> [String: Double] {
    let v = rows.map(f).sorted()
    return ["median": (v[v.count / 2] * 1000).rounded() / 1000, "min": (v[0] * 1000).rounded() / 1000]
}
let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
    .first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) } ?? "?"
let out: [String: Any] = [
    "patches": patches, "grid": grid, "dim": dim, "reps": reps, "instances": sizes.count, "zones": base.liveZoneCount,
    "swift_ms": ["delete_test": stats(rows, \.deleteTest), "cascade": stats(rows, \.cascade), "lift": stats(rows, \.lift),
                 "insert": stats(rows, \.insert), "total": stats(rows, \.total)],
    "swift_warm_ms": ["delete_test": stats(warmRows, \.deleteTest), "cascade": stats(warmRows, \.cascade), "lift": stats(warmRows, \.lift),
                      "insert": stats(warmRows, \.insert), "total": stats(warmRows, \.total)],
    "delete_test_alone_ms": ["median": (alone[25] * 1000).rounded() / 1000, "min": (alone[0] * 1000).rounded() / 1000],
    "deleted_per_step": last!.deleted, "instances_removed_per_step": last!.instancesRemoved,
    "zones_removed_per_step": last!.zonesRemoved, "inserted_per_step": last!.inserted,
    "bytes_per_patch": base.bytesPerPatch, "threads": 1, "cpu": cpu,
]
print(String(data: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), encoding: .utf8)!)
