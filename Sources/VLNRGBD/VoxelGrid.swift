import VLNCore
import VLNScene

/// Voxel downsampling: points are binned into cubes of side `voxelSize` (metres) aligned to the frame's origin
/// (voxel `⌊p / voxelSize⌋`), and each occupied voxel yields one point, the mean of its points' positions and colours
/// (as Open3D's `voxel_down_sample`, whose grid is aligned to the cloud's minimum bound instead; counts therefore
/// differ slightly). Points accumulate over any number of `insert` calls (e.g. every frame of a sequence);
/// `removeAll()` starts over without freeing memory.
///
/// Output order is deterministic: voxels in the order they were first hit.
///
/// Implementation: an open-addressing hash table (linear probing, load ≤ 1/2) from a packed 63-bit voxel key to the
/// voxel's index; per voxel the sum of offsets from its corner (so Float sums stay exact to ~1e-7 m over many points)
/// and of colours (UInt32). Consecutive points that fall into the same voxel skip the hash. Voxel coordinates must lie
/// within ±2²⁰ (±52 km at 5 cm); points beyond, or non-finite, are dropped and counted in `droppedPoints`.
/// Not thread-safe: use one grid per thread.
public final class VoxelGrid {
    /// Side of a voxel, metres.
    public let voxelSize: Float
    private let inverseSize: Float
    /// Number of occupied voxels.
    public private(set) var voxelCount = 0
    /// Points inserted since the last `removeAll()` (including dropped ones).
    public private(set) var insertedPoints = 0
    /// Points dropped: non-finite or outside the representable voxel range.
    public private(set) var droppedPoints = 0

    private static let emptyKey = UInt64.max
    private var tableBits = 0
    private var table: UnsafeMutablePointer<UInt64>        // keys
    private var tableIndex: UnsafeMutablePointer<Int32>    // voxel index per slot
    private var voxelCapacity = 0
    private var keys: UnsafeMutablePointer<UInt64>         // per voxel
    private var slots: UnsafeMutablePointer<Int32>         // per voxel: its table slot (for a cheap clear)
    private var sums: UnsafeMutablePointer<SIMD4<Float>>   // per voxel: Σ (p − corner), count in .w
    private var colorSums: UnsafeMutablePointer<SIMD4<UInt32>>
    private var outPositions: UnsafeMutablePointer<Vec3>
    private var outColors: UnsafeMutablePointer<RGB8>
    private var outCount = 0

    /// - Parameters:
    ///   - voxelSize: metres, > 0 and finite.
    ///   - expectedVoxels: initial capacity (grows as needed).
    /// - Precondition: `voxelSize > 0`, finite.
    public init(voxelSize: Float, expectedVoxels: Int = 1 << 14) {
        precondition(voxelSize > 0 && voxelSize.isFinite, "voxel size must be positive")
        self.voxelSize = voxelSize
        inverseSize = 1 / voxelSize
        table = .allocate(capacity: 1); tableIndex = .allocate(capacity: 1)
        keys = .allocate(capacity: 1); slots = .allocate(capacity: 1); sums = .allocate(capacity: 1)
        colorSums = .allocate(capacity: 1); outPositions = .allocate(capacity: 1); outColors = .allocate(capacity: 1)
        allocateTable(bits: max(4, Int.bitWidth - (max(expectedVoxels, 8) * 2 - 1).leadingZeroBitCount))
        growVoxels(to: max(expectedVoxels, 8))
    }

    deinit {
        table.deallocate(); tableIndex.deallocate(); keys.deallocate(); slots.deallocate(); sums.deallocate()
        colorSums.deallocate(); outPositions.deallocate(); outColors.deallocate()
    }

    /// Empties the grid, keeping its memory. - Complexity: O(occupied voxels).
    public func removeAll() {
        for v in 0..<voxelCount { table[Int(slots[v])] = Self.emptyKey }
        voxelCount = 0; insertedPoints = 0; droppedPoints = 0; outCount = 0
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
        let inv = inverseSize, size = voxelSize
        let limit: Float = 1_048_575  // 2^20 − 1
        var lastKey = Self.emptyKey, lastIndex = 0
        var count = voxelCount
        var dropped = 0
        var i = 0
        while i < n {
            let p = pp[i]
            let q = (p * inv).rounded(.down)
            // NaN fails both comparisons, so it is dropped too.
            guard q.x >= -limit, q.x <= limit, q.y >= -limit, q.y <= limit, q.z >= -limit, q.z <= limit else {
                dropped &+= 1; i &+= 1; continue
            }
            let iq = SIMD3<Int32>(q, rounding: .towardZero)
            let key = (UInt64(UInt32(bitPattern: iq.x) & 0x1F_FFFF) << 42) | (UInt64(UInt32(bitPattern: iq.y) & 0x1F_FFFF) << 21)
                | UInt64(UInt32(bitPattern: iq.z) & 0x1F_FFFF)
            var v: Int
            if key == lastKey {
                v = lastIndex
            } else {
                let mask = (1 << tableBits) &- 1
                var s = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - tableBits))
                while true {
                    let k = table[s]
                    if k == key { v = Int(tableIndex[s]); break }
                    if k == Self.emptyKey {
                        if count >= voxelCapacity || (count + 1) * 2 > (1 << tableBits) {
                            voxelCount = count
                            growVoxels(to: max(voxelCapacity * 2, count + 1))
                            if (count + 1) * 2 > (1 << tableBits) { rehash(bits: tableBits + 1) }
                            // Find the free slot again in the new table.
                            s = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - tableBits))
                            while table[s] != Self.emptyKey { s = (s &+ 1) & ((1 << tableBits) &- 1) }
                        }
                        v = count
                        table[s] = key; tableIndex[s] = Int32(truncatingIfNeeded: v)
                        keys[v] = key; slots[v] = Int32(truncatingIfNeeded: s)
                        sums[v] = .zero; colorSums[v] = .zero
                        count &+= 1
                        break
                    }
                    s = (s &+ 1) & mask
                }
                lastKey = key; lastIndex = v
            }
            let off = p - q * size
            sums[v] += SIMD4<Float>(off.x, off.y, off.z, 1)
            if let cp {
                let c = cp[i]
                colorSums[v] &+= SIMD4<UInt32>(UInt32(c.r), UInt32(c.g), UInt32(c.b), 0)
            }
            i &+= 1
        }
        voxelCount = count
        droppedPoints += dropped
    }

    /// The downsampled points: per occupied voxel the mean position (metres) and mean colour (rounded), in
    /// first-hit order. Valid until the next `insert` or `removeAll`.
    /// - Complexity: O(voxels); computed once after each `insert`.
    public var points: (positions: UnsafeBufferPointer<Vec3>, colors: UnsafeBufferPointer<RGB8>) {
        if outCount != voxelCount { computeOutput() }
        return (UnsafeBufferPointer(start: outPositions, count: voxelCount), UnsafeBufferPointer(start: outColors, count: voxelCount))
    }

    /// The downsampled points as a point cloud (a copy).
    public func pointCloud() -> PointCloud {
        let p = points
        return PointCloud(positions: Array(p.positions), colors: Array(p.colors), pointRadius: voxelSize / 2)
    }

    private func computeOutput() {
        let size = voxelSize
        for v in 0..<voxelCount {
            let k = keys[v]
            // Sign-extend the 21-bit fields.
            func field(_ shift: UInt64) -> Float { Float(Int32(truncatingIfNeeded: (k >> shift) << 11) >> 11) }
            let corner = Vec3(field(42), field(21), field(0)) * size
            let s = sums[v]
            let n = s.w
            outPositions[v] = corner + Vec3(s.x, s.y, s.z) / n
            let c = colorSums[v], half = UInt32(n) / 2, cnt = UInt32(n)
            outColors[v] = RGB8(UInt8((c.x + half) / cnt), UInt8((c.y + half) / cnt), UInt8((c.z + half) / cnt))
        }
        outCount = voxelCount
    }

    private func allocateTable(bits: Int) {
        table.deallocate(); tableIndex.deallocate()
        tableBits = bits
        table = .allocate(capacity: 1 << bits)
        table.initialize(repeating: Self.emptyKey, count: 1 << bits)
        tableIndex = .allocate(capacity: 1 << bits)
    }

    private func rehash(bits: Int) {
        allocateTable(bits: bits)
        let mask = (1 << bits) - 1
        for v in 0..<voxelCount {
            let key = keys[v]
            var s = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
            while table[s] != Self.emptyKey { s = (s + 1) & mask }
            table[s] = key; tableIndex[s] = Int32(v); slots[v] = Int32(s)
        }
    }

    private func growVoxels(to n: Int) {
        guard n > voxelCapacity else { return }
        func grow<T>(_ p: inout UnsafeMutablePointer<T>) {
            let q = UnsafeMutablePointer<T>.allocate(capacity: n)
            q.moveInitialize(from: p, count: voxelCount)
            p.deallocate()
            p = q
        }
        grow(&keys); grow(&slots); grow(&sums); grow(&colorSums)
        outPositions.deallocate(); outColors.deallocate()
        outPositions = .allocate(capacity: n); outColors = .allocate(capacity: n)
        outCount = 0
        voxelCapacity = n
        if n * 2 > (1 << tableBits) { rehash(bits: Int.bitWidth - (n * 2 - 1).leadingZeroBitCount) }
    }
}
