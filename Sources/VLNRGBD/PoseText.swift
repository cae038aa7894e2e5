import Foundation
import VLNCore

/// Text parsing and pose validation shared by the loaders.
enum PoseText {
    /// Tolerances of `rigidTransform(rows:path:line:)`.
    static let orthonormalityTolerance = 1e-3
    static let lastRowTolerance = 1e-6

    /// Numbers of a whitespace-separated text line; nil if a token is not a number.
    /// Accepts `inf`, `-inf`, `nan` (checked later, so the error can say what is wrong).
    static func numbers(_ line: Substring) -> [Double]? {
        var out: [Double] = []
        for tok in line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" }) {
            guard let v = Double(tok) else { return nil }
            out.append(v)
        }
        return out
    }

    /// Reads a text file.
    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VLNError.io(path: path, reason: "cannot read (missing or unreadable)")
        }
        guard let s = String(data: data, encoding: .utf8) else {
            throw VLNError.badFile(path: path, reason: "not UTF-8 text")
        }
        return s
    }

    /// A `rows × cols` matrix of numbers from a text file holding only it (blank lines and `#` comments skipped).
    /// - Throws: `VLNError.badFile` naming the file and line for an unparsable line or a wrong count.
    static func matrix(path: String, rows: Int, cols: Int) throws -> [[Double]] {
        let text = try read(path)
        var out: [[Double]] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let v = numbers(Substring(line)) else {
                throw VLNError.badFile(path: path, line: i + 1, reason: "not a row of numbers: '\(line.prefix(60))'")
            }
            guard v.count == cols else {
                throw VLNError.badFile(path: path, line: i + 1, reason: "expected \(cols) numbers, found \(v.count)")
            }
            guard out.count < rows else {
                throw VLNError.badFile(path: path, line: i + 1, reason: "more than \(rows) rows")
            }
            out.append(v)
        }
        guard out.count == rows else {
            throw VLNError.badFile(path: path, reason: "expected a \(rows)×\(cols) matrix, found \(out.count) row(s)")
        }
        return out
    }

    /// A rigid transform from the rows of a 4×4 matrix, checked.
    /// - Throws: `VLNError.badFile(path, line, field: "pose")` for NaN/inf entries, a last row other than
    ///   `0 0 0 1`, `R·Rᵀ ≠ I` beyond 1e-3 or `det R ≠ +1` beyond 1e-3.
    static func rigidTransform(rows m: [[Double]], path: String, line: Int? = nil) throws -> RigidTransform {
        precondition(m.count == 4 && m.allSatisfy { $0.count == 4 })
        if m.joined().contains(where: { !$0.isFinite }) {
            throw VLNError.badFile(path: path, line: line, field: "pose",
                                   reason: "pose has NaN or infinite entries (7-Scenes and ScanNet mark frames without a pose this way)")
        }
        let last = m[3]
        guard abs(last[0]) <= lastRowTolerance, abs(last[1]) <= lastRowTolerance, abs(last[2]) <= lastRowTolerance,
              abs(last[3] - 1) <= lastRowTolerance else {
            throw VLNError.badFile(path: path, line: line.map { $0 + 3 }, field: "pose",
                                   reason: "last row of the 4×4 pose is \(last), expected 0 0 0 1")
        }
        return try rigidTransform(rotationRows: [Array(m[0][0..<3]), Array(m[1][0..<3]), Array(m[2][0..<3])],
                                  translation: [m[0][3], m[1][3], m[2][3]], path: path, line: line)
    }

    /// A rigid transform from a 3×3 rotation (rows) and a translation, checked (see above).
    static func rigidTransform(rotationRows r: [[Double]], translation t: [Double], path: String, line: Int?) throws -> RigidTransform {
        if (r.joined() + t).contains(where: { !$0.isFinite }) {
            throw VLNError.badFile(path: path, line: line, field: "pose", reason: "pose has NaN or infinite entries")
        }
        var worst = 0.0
        for i in 0..<3 { for j in 0..<3 {
            let d = r[i][0] * r[j][0] + r[i][1] * r[j][1] + r[i][2] * r[j][2]
            worst = max(worst, abs(d - (i == j ? 1 : 0)))
        } }
        guard worst <= orthonormalityTolerance else {
            throw VLNError.badFile(path: path, line: line, field: "pose",
                                   reason: String(format: "rotation is not orthonormal: |R·Rᵀ − I| = %.3g > %.0e (not a rigid transform)", worst, orthonormalityTolerance))
        }
        let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
            + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0])
        guard abs(det - 1) <= orthonormalityTolerance else {
            throw VLNError.badFile(path: path, line: line, field: "pose",
                                   reason: String(format: "rotation has determinant %.4f, expected +1 (a reflection is not a rigid transform)", det))
        }
        let rot = Mat3(rows: Vec3(Float(r[0][0]), Float(r[0][1]), Float(r[0][2])),
                       Vec3(Float(r[1][0]), Float(r[1][1]), Float(r[1][2])),
                       Vec3(Float(r[2][0]), Float(r[2][1]), Float(r[2][2])))
        return RigidTransform(rotation: rot, translation: Vec3(Float(t[0]), Float(t[1]), Float(t[2])))
    }

    /// A 4×4 pose as text, row-major, one row per line, 9 significant digits (round-trips `Float`).
    static func format(_ pose: RigidTransform) -> String {
        pose.matrix4x4.map { row in row.map { String(format: "%.9g", Double($0)) }.joined(separator: " ") }
            .joined(separator: "\n") + "\n"
    }

    /// `[x, y, z, w]` of a rotation matrix (Shepperd's method, in Double), `w ≥ 0`.
    static func quaternion(_ m: Mat3) -> [Double] {
        let r = [[Double(m.c0.x), Double(m.c1.x), Double(m.c2.x)],
                 [Double(m.c0.y), Double(m.c1.y), Double(m.c2.y)],
                 [Double(m.c0.z), Double(m.c1.z), Double(m.c2.z)]]
        let tr = r[0][0] + r[1][1] + r[2][2]
        var q: [Double]
        if tr > 0 {
            let s = (tr + 1).squareRoot() * 2
            q = [(r[2][1] - r[1][2]) / s, (r[0][2] - r[2][0]) / s, (r[1][0] - r[0][1]) / s, s / 4]
        } else if r[0][0] > r[1][1] && r[0][0] > r[2][2] {
            let s = (1 + r[0][0] - r[1][1] - r[2][2]).squareRoot() * 2
            q = [s / 4, (r[0][1] + r[1][0]) / s, (r[0][2] + r[2][0]) / s, (r[2][1] - r[1][2]) / s]
        } else if r[1][1] > r[2][2] {
            let s = (1 + r[1][1] - r[0][0] - r[2][2]).squareRoot() * 2
            q = [(r[0][1] + r[1][0]) / s, s / 4, (r[1][2] + r[2][1]) / s, (r[0][2] - r[2][0]) / s]
        } else {
            let s = (1 + r[2][2] - r[0][0] - r[1][1]).squareRoot() * 2
            q = [(r[0][2] + r[2][0]) / s, (r[1][2] + r[2][1]) / s, s / 4, (r[1][0] - r[0][1]) / s]
        }
        if q[3] < 0 { q = q.map { -$0 } }
        let n = (q.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return q.map { $0 / n }
    }

    /// The rotation matrix rows of a unit quaternion `[x, y, z, w]` (Double, normalised first).
    static func rotationRows(quaternion q0: [Double]) -> [[Double]] {
        let n = (q0.reduce(0) { $0 + $1 * $1 }).squareRoot()
        let (x, y, z, w) = (q0[0] / n, q0[1] / n, q0[2] / n, q0[3] / n)
        return [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]
    }
}
