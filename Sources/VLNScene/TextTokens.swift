import Foundation
import VLNCore

/// Internal helpers for the text formats (OBJ, MTL, ASCII PLY): the file's bytes with a trailing NUL, split into
/// lines and whitespace-separated tokens without allocating per token.
struct TextBytes {
    /// The file's bytes followed by one NUL (so `strtod` always stops inside the buffer).
    let bytes: [UInt8]
    /// Byte count without the NUL.
    var count: Int { bytes.count - 1 }

    init(_ data: Data) {
        var b = [UInt8](data)
        b.append(0)
        bytes = b
    }
    init(bytes raw: [UInt8]) { var b = raw; b.append(0); bytes = b }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 13 || c == 11 || c == 12 }

    /// Calls `body(lineStart, lineEnd, lineNumber)` for each line (1-based numbers; `\n` excluded).
    func forEachLine(from start: Int = 0, firstLineNumber: Int = 1,
                     _ body: (Int, Int, Int) throws -> Void) rethrows {
        var i = start, line = firstLineNumber
        let n = count
        while i < n {
            var j = i
            while j < n && bytes[j] != 10 { j += 1 }
            try body(i, j, line)
            i = j + 1; line += 1
        }
    }

    /// Splits `[start, end)` into token ranges.
    func tokens(_ start: Int, _ end: Int, into out: inout [Range<Int>]) {
        out.removeAll(keepingCapacity: true)
        var i = start
        while i < end {
            while i < end && TextBytes.isSpace(bytes[i]) { i += 1 }
            if i >= end { break }
            var j = i
            while j < end && !TextBytes.isSpace(bytes[j]) { j += 1 }
            out.append(i..<j)
            i = j
        }
    }

    func string(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }

    func equals(_ r: Range<Int>, _ s: StaticString) -> Bool {
        guard r.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for k in 0..<r.count where bytes[r.lowerBound + k] != p[k] { return false }
        return true
    }

    /// A finite floating-point number filling the whole token, or nil.
    func double(_ r: Range<Int>) -> Double? {
        guard !r.isEmpty else { return nil }
        let c0 = bytes[r.lowerBound]
        // strtod also accepts "inf", "nan" and hex; only decimal numbers are allowed here.
        guard (c0 >= 48 && c0 <= 57) || c0 == 45 || c0 == 43 || c0 == 46 else { return nil }
        return bytes.withUnsafeBufferPointer { buf -> Double? in
            let base = UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self)
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(base + r.lowerBound, &end)
            guard let end, end == UnsafeMutablePointer(mutating: base + r.upperBound), v.isFinite else { return nil }
            for k in r where bytes[k] == 0x78 || bytes[k] == 0x58 { return nil }  // 0x… hex
            return v
        }
    }

    /// A decimal integer (optional sign) filling the whole token, or nil (also on overflow).
    func integer(_ r: Range<Int>) -> Int? {
        var i = r.lowerBound
        guard i < r.upperBound else { return nil }
        var negative = false
        if bytes[i] == 45 || bytes[i] == 43 { negative = bytes[i] == 45; i += 1 }
        guard i < r.upperBound else { return nil }
        var v = 0
        while i < r.upperBound {
            let d = Int(bytes[i]) - 48
            guard d >= 0 && d <= 9 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            guard !o1 && !o2 else { return nil }
            v = a; i += 1
        }
        return negative ? -v : v
    }
}

/// Formats a float for text files: shortest round-trip representation.
@inline(__always) func formatFloat(_ v: Float) -> String { v == 0 ? "0" : "\(v)" }
