import VLNCore
import VLNScene

/// Voxel downsampling: points are binned into cubes of side `voxelSize` (metres) aligned to the frame's origin
/// (voxel `⌊p / voxelSize⌋`), and each occupied voxel yields one point, the mean of its points' positions and colours
/// (as Open3D's `voxel_down_sample`, whose grid is aligned to the cloud's minimum bound instead; counts therefore
/// differ slightly). Points accumulate over any number of `insert` calls (e.g. every frame of a sequence);
/// `removeAll()` starts over without freeing memory.
///
/// Two ways in: `insert(positions:colors:)` for points (e.g. a `Lifter`'s), and `insert(depth:…)`, which
/// back-projects a depth image exactly as `Lifter.lift` does and bins the points on the fly, never materialising them.
///
/// Output order is deterministic: voxels in the order they were first hit.
///
/// Implementation: an open-addressing hash table (linear probing, load ≤ 1/2, 16-byte slots holding key and index)
/// from a packed 63-bit voxel key to the voxel's index, behind a 512-entry direct-mapped cache; per voxel the sum of
/// the points' offsets from the voxel's corner in voxel units (small numbers, so Float sums stay accurate over many
/// points), their count, and the sum of colours (UInt32). Per point, the position, the voxel (⌊q⌋ by a float trick,
/// no libm call) and the comparison with the current voxel are 4-lane vector operations; a run of consecutive points
/// in the same voxel is summed in registers and looked up once. Voxel coordinates must lie within ±2²⁰ (±52 km at
/// 5 cm); points beyond, or non-finite, are dropped and counted in `droppedPoints` (`insert(depth:…)` skips the test
/// when `maxDepth` bounds every point). The loops work on raw pointers held in a struct (no class property access, so
/// no exclusivity checks or reference counting per point). Not thread-safe: use one grid per thread.
/// - Complexity: O(points) expected; memory O(voxels), grown by doubling (the only allocations).
public final class VoxelGrid {
    /// Side of a voxel, metres.
    public let voxelSize: Float
    private let inverseSize: Float
    /// Points inserted since the last `removeAll()` (including dropped ones).
    public private(set) var insertedPoints = 0
    /// Points dropped: non-finite or outside the representable voxel range.
    public private(set) var droppedPoints = 0

    private var store: Storage
    private var outPositions: UnsafeMutablePointer<Vec3>
    private var outColors: UnsafeMutablePointer<RGB8>
    private var outCount = 0
    private var outCapacity: Int
    // Per-column (x + 0.5 − cx) / fx and per-row −(y + 0.5 − cy) / fy for `insert(depth:…)`.
    private var rayX: [Float] = []
    private var rayY: [Float] = []
    private var rayIntrinsics: CameraIntrinsics?

    /// Number of occupied voxels.
    public var voxelCount: Int { store.count }

    /// - Parameters:
    ///   - voxelSize: metres, > 0 and finite.
    ///   - expectedVoxels: initial capacity (grows as needed).
    /// - Precondition: `voxelSize > 0`, finite.
    public init(voxelSize: Float, expectedVoxels: Int = 1 << 14) {
        precondition(voxelSize > 0 && voxelSize.isFinite, "voxel size must be positive")
        self.voxelSize = voxelSize
        inverseSize = 1 / voxelSize
        let n = max(expectedVoxels, 8)
        store = Storage(capacity: n)
        outPositions = .allocate(capacity: n); outColors = .allocate(capacity: n)
        outCapacity = n
    }

    deinit {
        store.deallocate()
        outPositions.deallocate(); outColors.deallocate()
    }

    /// Empties the grid, keeping its memory. - Complexity: O(occupied voxels).
    public func removeAll() {
        store.clear()
        insertedPoints = 0; droppedPoints = 0; outCount = 0
    }

    /// Adds the points of the last `Lifter.lift` (with their colours if it had a colour image).
    public func insert(_ lifter: Lifter) {
        insert(positions: lifter.positions, colors: lifter.colors.isEmpty ? nil : lifter.colors)
    }

    /// Adds points (metres) with optional colours (same count; without, points count as black — pass colours for
    /// coloured output).
    /// - Complexity: O(n) expected; allocates only when the number of voxels outgrows the capacity.
    public func insert(positions: UnsafeBufferPointer<Vec3>, colors: UnsafeBufferPointer<RGB8>?) {
        precondition(colors == nil || colors!.count == positions.count, "colour count differs from point count")
        let n = positions.count
        insertedPoints += n
        outCount = 0
        guard n > 0, let pp = positions.baseAddress else { return }
        let cp = colors?.baseAddress
        let scale = SIMD4<Float>(inverseSize, inverseSize, inverseSize, 0)
        let half = SIMD4<Float>(0, 0, 0, 0.5)
        var run = Run()
        var st = store
        var i = 0
        while i < n {
            let p = pp[i]
            let q = SIMD4<Float>(p.x, p.y, p.z, 0) * scale + half
            var c = SIMD4<UInt32>.zero
            if let cp { let p = cp[i]; c = SIMD4<UInt32>(UInt32(p.r), UInt32(p.g), UInt32(p.b), 0) }
            run.add(q, c, &st)
            i &+= 1
        }
        run.flush(&st)
        store = st
        droppedPoints += run.dropped
    }

    /// Back-projects a depth image and bins its points, without materialising them: the same points as
    /// `Lifter.lift(depth:color:intrinsics:worldFromCamera:stride:minDepth:maxDepth:)` (see there for the
    /// parameters, conventions and preconditions), up to float rounding.
    /// - Returns: the number of points binned (valid pixels).
    /// - Complexity: O(width · height / stride²); no allocation once the grid has grown to the scene's voxel count.
    @discardableResult
    public func insert(depth: DepthImage, color: RGBImage? = nil, intrinsics k: CameraIntrinsics,
                       worldFromCamera: RigidTransform? = nil, stride: Int = 1,
                       minDepth: Float = 0, maxDepth: Float = .greatestFiniteMagnitude) -> Int {
        precondition(depth.width == k.width && depth.height == k.height, "depth \(depth.width)×\(depth.height) vs intrinsics \(k.width)×\(k.height)")
        precondition(color == nil || (color!.width == depth.width && color!.height == depth.height), "colour size differs from depth")
        precondition(stride >= 1, "stride must be ≥ 1")
        outCount = 0
        if rayIntrinsics != k {
            rayX = (0..<k.width).map { (Float($0) + 0.5 - k.cx) / k.fx }
            rayY = (0..<k.height).map { -(Float($0) + 0.5 - k.cy) / k.fy }
            rayIntrinsics = k
        }
        let pose = worldFromCamera ?? .identity
        let inv = inverseSize
        // In voxel units: q = d · (c0·rx + c1·ry − c2) / size + t / size.
        func lanes(_ v: Vec3, _ w: Float) -> SIMD4<Float> { SIMD4<Float>(v.x * inv, v.y * inv, v.z * inv, w) }
        let c0 = lanes(pose.rotation.c0, 0), c1 = lanes(pose.rotation.c1, 0), c2 = lanes(pose.rotation.c2, 0)
        let t = lanes(pose.translation, 0.5)
        let w = depth.width, h = depth.height, lo = minDepth, hi = maxDepth
        var run = Run()
        var st = store
        var valid = 0
        rayX.withUnsafeBufferPointer { rx in
            rayY.withUnsafeBufferPointer { ry in
                depth.pixels.withUnsafeBufferPointer { dp in
                    if let color {
                        color.pixels.withUnsafeBufferPointer { cp in
                            valid = Self.binDepth(dp, cp, rx, ry, width: w, height: h, stride: stride, lo: lo, hi: hi,
                                                  c0: c0, c1: c1, c2: c2, t: t, &run, &st)
                        }
                    } else {
                        valid = Self.binDepth(dp, nil, rx, ry, width: w, height: h, stride: stride, lo: lo, hi: hi,
                                              c0: c0, c1: c1, c2: c2, t: t, &run, &st)
                    }
                }
            }
        }
        run.flush(&st)
        store = st
        insertedPoints += valid
        droppedPoints += run.dropped
        return valid
    }

    /// The loop of `insert(depth:…)`, a static function on plain arguments so that nothing in it touches the class
    /// or captured variables (which would cost an exclusivity check per access).
    private static func binDepth(_ dp: UnsafeBufferPointer<Float>, _ cp: UnsafeBufferPointer<RGB8>?,
                                 _ rx: UnsafeBufferPointer<Float>, _ ry: UnsafeBufferPointer<Float>,
                                 width w: Int, height h: Int, stride: Int, lo: Float, hi: Float,
                                 c0: SIMD4<Float>, c1: SIMD4<Float>, c2: SIMD4<Float>, t: SIMD4<Float>,
                                 _ run: inout Run, _ st: inout Storage) -> Int {
        // Without the per-point range test when depth ≤ hi bounds every point well inside the voxel range: each
        // coordinate is linear in (rx, ry), so its extremes over the image lie at the corners.
        var bound: Float = 0
        if let x0 = rx.first, let x1 = rx.last, let y0 = ry.first, let y1 = ry.last {
            for (a, b) in [(x0, y0), (x0, y1), (x1, y0), (x1, y1)] {
                let dir = c0 * a + c1 * b - c2
                bound = max(bound, abs(dir.x), abs(dir.y), abs(dir.z))
            }
        }
        let tMax = max(abs(t.x), abs(t.y), abs(t.z))
        if hi * bound + tMax < 1_000_000 {
            return binDepthLoop(dp, cp, rx, ry, width: w, height: h, stride: stride, lo: lo, hi: hi, c0: c0, c1: c1, c2: c2, t: t,
                                &run, &st, checked: false)
        }
        return binDepthLoop(dp, cp, rx, ry, width: w, height: h, stride: stride, lo: lo, hi: hi, c0: c0, c1: c1, c2: c2, t: t,
                            &run, &st, checked: true)
    }

    @inline(__always)
    private static func binDepthLoop(_ dp: UnsafeBufferPointer<Float>, _ cp: UnsafeBufferPointer<RGB8>?,
                                     _ rx: UnsafeBufferPointer<Float>, _ ry: UnsafeBufferPointer<Float>,
                                     width w: Int, height h: Int, stride: Int, lo: Float, hi: Float,
                                     c0: SIMD4<Float>, c1: SIMD4<Float>, c2: SIMD4<Float>, t: SIMD4<Float>,
                                     _ run: inout Run, _ st: inout Storage, checked: Bool) -> Int {
        var valid = 0
        var y = 0
        while y < h {
            let rowBase = c1 * ry[y] - c2
            let row = y &* w
            var x = 0
            while x < w {
                let d = dp[row &+ x]
                if d > lo && d <= hi {
                    // (x, y, z) = d · (c0·rx + c1·ry − c2) + t in voxel units; w = 0.5 counts the point.
                    let q = d * (c0 * rx[x] + rowBase) + t
                    var c = SIMD4<UInt32>.zero
                    if let cp { let p = cp[row &+ x]; c = SIMD4<UInt32>(UInt32(p.r), UInt32(p.g), UInt32(p.b), 0) }
                    run.add(q, c, &st, checked: checked)
                    valid &+= 1
                }
                x &+= stride
            }
            y &+= stride
        }
        return valid
    }

    /// The downsampled points: per occupied voxel the mean position (metres) and mean colour (rounded), in
    /// first-hit order. Valid until the next `insert` or `removeAll`.
    /// - Complexity: O(voxels); computed once after each `insert`.
    public var points: (positions: UnsafeBufferPointer<Vec3>, colors: UnsafeBufferPointer<RGB8>) {
        if outCount != store.count { computeOutput() }
        return (UnsafeBufferPointer(start: outPositions, count: store.count), UnsafeBufferPointer(start: outColors, count: store.count))
    }

    /// The downsampled points as a point cloud (a copy).
    public func pointCloud() -> PointCloud {
        let p = points
        return PointCloud(positions: Array(p.positions), colors: Array(p.colors), pointRadius: voxelSize / 2)
    }

    private func computeOutput() {
        if outCapacity < store.capacity {
            outPositions.deallocate(); outColors.deallocate()
            outPositions = .allocate(capacity: store.capacity); outColors = .allocate(capacity: store.capacity)
            outCapacity = store.capacity
        }
        let size = voxelSize
        for v in 0..<store.count {
            let k = store.keys[v]
            // Sign-extend the 21-bit fields.
            func field(_ shift: UInt64) -> Float { Float(Int32(truncatingIfNeeded: (k >> shift) << 11) >> 11) }
            let s = store.sums[v]
            let n = 2 * s.w  // each point adds 0.5 to .w
            outPositions[v] = (Vec3(field(42), field(21), field(0)) + Vec3(s.x, s.y, s.z) / n) * size
            let c = store.colorSums[v], cnt = UInt32(n), half = cnt / 2
            outColors[v] = RGB8(UInt8((c.x + half) / cnt), UInt8((c.y + half) / cnt), UInt8((c.z + half) / cnt))
        }
        outCount = store.count
    }
}

/// The current run of consecutive points in one voxel, summed in registers.
private struct Run {
    var key = Storage.emptyKey
    /// The run's voxel (x, y, z, 0); `Int32.min` lanes before the first point, which match no voxel.
    var cell = SIMD4<Int32>(repeating: .min)
    /// Σ (q − ⌊q⌋) over the run's points (voxel units); .w sums 0.5 per point.
    var offsets = SIMD4<Float>.zero
    var colors = SIMD4<UInt32>.zero
    var dropped = 0

    /// Adds a point `q = (x, y, z, 0.5)` in voxel units with colour `c` (r, g, b, 0).
    /// - Parameter checked: test the voxel range; false only when the caller has bounded every `q` already.
    @inline(__always) mutating func add(_ q: SIMD4<Float>, _ c: SIMD4<UInt32>, _ st: inout Storage, checked: Bool = true) {
        if checked {
            // |q| ≤ 2^20 − 1 on every lane (NaN fails too), by clearing the sign bits.
            let a = unsafeBitCast(unsafeBitCast(q, to: SIMD4<UInt32>.self) & 0x7FFF_FFFF, to: SIMD4<Float>.self)
            guard all(a .<= 1_048_575) else { dropped &+= 1; return }
        }
        // ⌊q⌋ with vector instructions only: adding 1.5 · 2^23 rounds to an integer (round-to-nearest) held in the
        // low mantissa bits; subtract one where that rounded up. Exact for |q| < 2^22.
        let magic = SIMD4<Float>(repeating: 12_582_912)
        let y = q + magic
        let r = y - magic
        let roundedUp = r .> q
        let up = unsafeBitCast(roundedUp, to: SIMD4<Int32>.self)  // −1 where rounded up
        let cell = (unsafeBitCast(y, to: SIMD4<Int32>.self) &- 0x4B40_0000) &+ up
        // q − ⌊q⌋; written as a select (a bit cast of the mask to a float vector gets scalarised).
        let off = (q - r).replacing(with: q - r + 1, where: roundedUp)
        if any(cell .!= self.cell) {
            flush(&st)
            self.cell = cell
            key = (UInt64(UInt32(bitPattern: cell.x) & 0x1F_FFFF) << 42) | (UInt64(UInt32(bitPattern: cell.y) & 0x1F_FFFF) << 21)
                | UInt64(UInt32(bitPattern: cell.z) & 0x1F_FFFF)
        }
        offsets += off
        colors &+= c
    }

    /// Adds the run to its voxel (creating it, growing the storage if needed) and empties it.
    @inline(__always) mutating func flush(_ st: inout Storage) {
        guard key != Storage.emptyKey else { return }
        if st.count >= st.capacity { st.grow(to: st.capacity * 2) }
        let v = st.findOrInsert(key)
        st.sums[v] += offsets
        st.colorSums[v] &+= colors
        offsets = .zero; colors = .zero; key = Storage.emptyKey
    }
}

/// The grid's memory: hash table and per-voxel arrays, as raw pointers (a value type, so the hot loops work on a local
/// copy without touching the class).
private struct Storage {
    static let emptyKey = UInt64.max
    var tableBits: Int
    /// Per slot: (key, voxel index), in one 16-byte entry so that a probe touches one cache line.
    var table: UnsafeMutablePointer<SIMD2<UInt64>>
    var capacity: Int                              // voxels; table size ≥ 2 · capacity
    var count = 0
    var keys: UnsafeMutablePointer<UInt64>        // per voxel
    var slots: UnsafeMutablePointer<Int32>        // per voxel: its table slot (for a cheap clear)
    var sums: UnsafeMutablePointer<SIMD4<Float>>  // per voxel: Σ offsets (voxel units), 0.5 · count in .w
    var colorSums: UnsafeMutablePointer<SIMD4<UInt32>>
    /// A direct-mapped cache of recent (key, voxel index) pairs in front of the table, small enough for L1: runs of
    /// neighbouring rows revisit the same few hundred voxels. Voxel indices never change, so only `clear` resets it.
    static let cacheBits = 9
    var cache: UnsafeMutablePointer<SIMD2<UInt64>>

    init(capacity n: Int) {
        cache = .allocate(capacity: 1 << Self.cacheBits)
        cache.initialize(repeating: SIMD2(Self.emptyKey, 0), count: 1 << Self.cacheBits)
        capacity = n
        tableBits = Int.bitWidth - (2 * n - 1).leadingZeroBitCount
        table = .allocate(capacity: 1 << tableBits)
        table.initialize(repeating: SIMD2(Self.emptyKey, 0), count: 1 << tableBits)
        keys = .allocate(capacity: n); slots = .allocate(capacity: n)
        sums = .allocate(capacity: n); colorSums = .allocate(capacity: n)
    }

    func deallocate() {
        table.deallocate(); keys.deallocate(); slots.deallocate(); sums.deallocate(); colorSums.deallocate(); cache.deallocate()
    }

    mutating func clear() {
        for v in 0..<count { table[Int(slots[v])] = SIMD2(Self.emptyKey, 0) }
        cache.update(repeating: SIMD2(Self.emptyKey, 0), count: 1 << Self.cacheBits)
        count = 0
    }

    @inline(__always) func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> UInt64(64 &- tableBits))
    }

    /// The voxel index of `key`, inserting it if new. - Precondition: `count < capacity`.
    @inline(__always) mutating func findOrInsert(_ key: UInt64) -> Int {
        let h = key &* 0x9E37_79B9_7F4A_7C15
        let c = Int(truncatingIfNeeded: h &>> UInt64(64 &- Self.cacheBits))
        let hit = cache[c]
        if hit.x == key { return Int(truncatingIfNeeded: hit.y) }
        let v = probe(key)
        cache[c] = SIMD2(key, UInt64(v))
        return v
    }

    /// The table part of `findOrInsert`.
    @inline(__always) mutating func probe(_ key: UInt64) -> Int {
        let mask = (1 &<< tableBits) &- 1
        var s = home(key)
        while true {
            let e = table[s]
            if e.x == key { return Int(truncatingIfNeeded: e.y) }
            if e.x == Self.emptyKey {
                assert(count < capacity)
                let v = count
                table[s] = SIMD2(key, UInt64(v))
                keys[v] = key; slots[v] = Int32(truncatingIfNeeded: s)
                sums[v] = .zero; colorSums[v] = .zero
                count &+= 1
                return v
            }
            s = (s &+ 1) & mask
        }
    }

    /// Grows to `n` voxels (and a table of ≥ 2n slots), keeping the content.
    mutating func grow(to n: Int) {
        guard n > capacity else { return }
        func moved<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let q = UnsafeMutablePointer<T>.allocate(capacity: n)
            q.moveInitialize(from: p, count: count)
            p.deallocate()
            return q
        }
        keys = moved(keys); slots = moved(slots); sums = moved(sums); colorSums = moved(colorSums)
        capacity = n
        table.deallocate()
        tableBits = Int.bitWidth - (2 * n - 1).leadingZeroBitCount
        table = .allocate(capacity: 1 << tableBits)
        table.initialize(repeating: SIMD2(Self.emptyKey, 0), count: 1 << tableBits)
        let mask = (1 << tableBits) - 1
        for v in 0..<count {
            var s = home(keys[v])
            while table[s].x != Self.emptyKey { s = (s + 1) & mask }
            table[s] = SIMD2(keys[v], UInt64(v)); slots[v] = Int32(s)
        }
    }
}
