import Foundation
import VLNCore

/// Internal helpers for the text formats (OBJ, MTL, ASCII PLY): the file's bytes with a trailing NUL, split into
/// statements and whitespace-separated tokens without allocating per token.
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

    /// Blanks between tokens: space, tab, CR (of CRLF line ends), vertical tab, form feed.
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 13 || c == 11 || c == 12 }

    /// Calls `body(tokens, line)` for each statement of an OBJ or MTL file, with the 1-based number of the line it
    /// starts on; lines that hold no token are skipped.
    ///
    /// The OBJ specification's rules (the .obj appendix of Wavefront's Advanced Visualizer manual: `#` comments,
    /// `\` line continuation), applied to MTL files too: `#` starts a comment anywhere on a line, up to the end of
    /// that line; a line whose last character before any comment and trailing blanks is `\` continues on the next
    /// line, the `\` and the line break separating tokens as a blank does. Blanks are `isSpace`, so CRLF files read
    /// as LF files. A UTF-8 byte order mark at the start of the file is skipped.
    /// - Complexity: O(bytes); the token array is reused between statements.
    func forEachStatement(_ body: (_ tokens: [Range<Int>], _ line: Int) throws -> Void) rethrows {
        var toks: [Range<Int>] = []
        let n = count
        var i = n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        var line = 1, first = 1
        var continued = false
        while i < n {
            var j = i
            while j < n && bytes[j] != 10 { j += 1 }
            var end = i
            while end < j && bytes[end] != 35 /* # */ { end += 1 }
            while end > i && TextBytes.isSpace(bytes[end - 1]) { end -= 1 }
            let continues = end > i && bytes[end - 1] == 92 /* \ */
            if continues { end -= 1 }
            if !continued { toks.removeAll(keepingCapacity: true); first = line }
            appendTokens(i, end, to: &toks)
            if !continues && !toks.isEmpty { try body(toks, first) }
            continued = continues
            i = j + 1; line += 1
        }
        if continued && !toks.isEmpty { try body(toks, first) }  // a `\` on the last line
    }

    /// Appends the token ranges of `[start, end)` to `out`.
    func appendTokens(_ start: Int, _ end: Int, to out: inout [Range<Int>]) {
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

    /// The 1-based line that byte `offset` is on (for messages about a token of a continued statement).
    /// - Complexity: O(offset).
    func lineNumber(at offset: Int) -> Int {
        var line = 1
        for k in 0..<min(offset, count) where bytes[k] == 10 { line += 1 }
        return line
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
