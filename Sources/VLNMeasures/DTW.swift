/// How the dynamic time warping distance in nDTW/SDTW is computed.
public enum DTWMode: String, Sendable, CaseIterable, Codable {
    /// Exact DTW over the full cost matrix (Magalhães et al. 2019's definition). The default.
    case exact
    /// The approximation of the `fastdtw` PyPI package (0.3.4, Salvador & Chan 2007's FastDTW, radius 1, euclidean
    /// point distance), which VLN-CE's `NDTW` measure calls (habitat_extensions/measures.py:
    /// `fastdtw(self.locations, self.gt_locations, dist=euclidean_distance)[0]`), so that figures compare with papers.
    /// It is never below the exact DTW.
    case fastdtw
}

/// Dynamic time warping distance between two paths, in metres: the minimum over monotone alignments of the sum of
/// euclidean distances between aligned points (Magalhães et al. 2019, "Effective and General Evaluation for
/// Instruction Conditioned Navigation using Dynamic Time Warping", arXiv:1907.05446, eq. 1).
/// - Parameters:
///   - query: the agent's path P (world frame, metres).
///   - reference: the reference path R.
///   - mode: `.exact` (default) or `.fastdtw` (the `fastdtw` package's approximation).
/// - Returns: DTW(P, R) ≥ 0; `+∞` if either path is empty.
/// - Complexity: exact O(|P|·|R|) time, O(|R|) memory; fastdtw O(|P| + |R|) cells evaluated (O(|P|·|R|) memory).
public func dynamicTimeWarping(_ query: [MeasurePoint], _ reference: [MeasurePoint], mode: DTWMode = .exact) -> Double {
    if query.isEmpty || reference.isEmpty { return .infinity }
    switch mode {
    case .exact: return exactDTW(query, reference)
    case .fastdtw: return FastDTW.fastdtw(query, reference, radius: 1).distance
    }
}

/// Exact DTW with two rows of the cost matrix: D[i][j] = d(p_i, r_j) + min(D[i−1][j], D[i][j−1], D[i−1][j−1]).
func exactDTW(_ p: [MeasurePoint], _ r: [MeasurePoint]) -> Double {
    let m = r.count
    var prev = [Double](repeating: .infinity, count: m + 1)
    var cur = [Double](repeating: .infinity, count: m + 1)
    prev[0] = 0
    for i in 0..<p.count {
        cur[0] = .infinity
        let pi = p[i]
        for j in 1...m {
            let cost = euclideanDistance(pi, r[j - 1])
            cur[j] = cost + min(prev[j], cur[j - 1], prev[j - 1])
        }
        swap(&prev, &cur)
    }
    return prev[m]
}

/// A line-by-line port of the `fastdtw` PyPI package, version 0.3.4, pure-Python module `fastdtw/fastdtw.py`
/// (`__fastdtw`, `__dtw`, `__reduce_by_half`, `__expand_window`), with `dist` = euclidean as VLN-CE passes it.
/// The port keeps what decides its result: halving by averaging pairs (an odd last point dropped), the radius-1
/// window expansion with its per-row first contiguous run, the visiting order, and `min`'s tie rule (the first of
/// (i−1, j), (i, j−1), (i−1, j−1) wins among equal costs).
enum FastDTW {
    /// (distance, warping path as 0-based index pairs).
    static func fastdtw(_ x: [MeasurePoint], _ y: [MeasurePoint], radius: Int) -> (distance: Double, path: [(Int, Int)]) {
        let minTimeSize = radius + 2
        if x.count < minTimeSize || y.count < minTimeSize {
            return dtw(x, y, window: nil)
        }
        let xs = reduceByHalf(x), ys = reduceByHalf(y)
        let (_, path) = fastdtw(xs, ys, radius: radius)
        let window = expandWindow(path, lenX: x.count, lenY: y.count, radius: radius)
        return dtw(x, y, window: window)
    }

    static func reduceByHalf(_ x: [MeasurePoint]) -> [MeasurePoint] {
        stride(from: 0, to: x.count - x.count % 2, by: 2).map { (x[$0] + x[$0 + 1]) / 2 }
    }

    /// The window as, for each row i in 0..<lenX, a contiguous range of j (the package's list, row by row).
    static func expandWindow(_ path: [(Int, Int)], lenX: Int, lenY: Int, radius: Int) -> [Range<Int>] {
        func key(_ i: Int, _ j: Int) -> Int64 { (Int64(i) << 32) ^ Int64(UInt32(bitPattern: Int32(truncatingIfNeeded: j))) }
        var grown: [(Int, Int)] = []
        var seen = Set<Int64>()
        for (i, j) in path {
            for a in -radius...radius {
                for b in -radius...radius where seen.insert(key(i + a, j + b)).inserted { grown.append((i + a, j + b)) }
            }
        }
        var window = Set<Int64>()
        for (i, j) in grown {
            window.insert(key(2 * i, 2 * j)); window.insert(key(2 * i, 2 * j + 1))
            window.insert(key(2 * i + 1, 2 * j)); window.insert(key(2 * i + 1, 2 * j + 1))
        }
        var rows: [Range<Int>] = []
        rows.reserveCapacity(lenX)
        var startJ = 0
        for i in 0..<lenX {
            var first: Int? = nil
            var end = startJ
            var j = startJ
            while j < lenY {
                if window.contains(key(i, j)) {
                    if first == nil { first = j }
                    end = j + 1
                } else if first != nil {
                    break
                }
                j += 1
            }
            // The package would fail (range(None, …)) on a row with no cell; a path from the coarser level always
            // covers every row, so this cannot happen.
            precondition(first != nil, "fastdtw window has an empty row")
            rows.append(first! ..< end)
            startJ = first!
        }
        return rows
    }

    /// `__dtw`: cells visited row by row within `window` (all cells when nil); cells outside are +∞.
    static func dtw(_ x: [MeasurePoint], _ y: [MeasurePoint], window: [Range<Int>]?) -> (distance: Double, path: [(Int, Int)]) {
        let lenX = x.count, lenY = y.count
        let rows = window ?? Array(repeating: 0 ..< lenY, count: lenX)
        // D over (lenX+1)×(lenY+1), 1-based as in the package; `from` 0 = (i−1, j), 1 = (i, j−1), 2 = (i−1, j−1).
        // Cells are stored only for the window rows (shifted by one), with +∞ outside.
        let width = lenY + 1
        var cost = [Double](repeating: .infinity, count: (lenX + 1) * width)
        var from = [UInt8](repeating: 0, count: (lenX + 1) * width)
        cost[0] = 0
        for i0 in 0..<lenX {
            let i = i0 + 1
            for j0 in rows[i0] {
                let j = j0 + 1
                let dt = euclideanDistance(x[i0], y[j0])
                var best = cost[(i - 1) * width + j] + dt, arg: UInt8 = 0
                let left = cost[i * width + j - 1] + dt
                if left < best { best = left; arg = 1 }
                let diag = cost[(i - 1) * width + j - 1] + dt
                if diag < best { best = diag; arg = 2 }
                cost[i * width + j] = best
                from[i * width + j] = arg
            }
        }
        var path: [(Int, Int)] = []
        var i = lenX, j = lenY
        while !(i == 0 && j == 0) {
            precondition(i > 0 && j > 0, "DTW end cell unreachable within the window")
            path.append((i - 1, j - 1))
            switch from[i * width + j] {
            case 0: i -= 1
            case 1: j -= 1
            default: i -= 1; j -= 1
            }
        }
        path.reverse()
        return (cost[lenX * width + lenY], path)
    }
}
