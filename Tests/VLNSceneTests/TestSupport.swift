import Foundation
import XCTest
import VLNCore
import VLNScene
@_exported import VLNTestSupport

/// Asserts that `body` throws `VLNError.badFile` and returns its parts.
func expectBadFile<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line)
    -> (path: String, line: Int?, field: String?, reason: String)? {
    do {
        _ = try body()
        XCTFail("expected VLNError.badFile, nothing was thrown", file: file, line: line)
    } catch let VLNError.badFile(p, l, f, r) {
        return (p, l, f, r)
    } catch {
        XCTFail("expected VLNError.badFile, got \(error)", file: file, line: line)
    }
    return nil
}

/// Writes each OBJ text of `cases` to `path` and asserts that loading it fails with `VLNError.badFile` naming `path`,
/// the given line and a reason that contains the given text.
func expectOBJErrors(_ cases: [(text: String, line: Int, reason: String)], at path: String, file: StaticString = #filePath,
                     line: UInt = #line) throws {
    for c in cases {
        try Data(c.text.utf8).write(to: URL(fileURLWithPath: path))
        let e = expectBadFile({ try TriangleMesh.loadOBJ(path: path) }, file: file, line: line)
        XCTAssertEqual(e?.path, path, c.text, file: file, line: line)
        XCTAssertEqual(e?.line, c.line, c.text, file: file, line: line)
        XCTAssertTrue(e?.reason.contains(c.reason) ?? false, "\(c.text): \(e?.reason ?? "")", file: file, line: line)
    }
}

/// Little helper to write binary fixtures by hand in either byte order.
struct ByteWriter {
    var bytes: [UInt8] = []
    let bigEndian: Bool
    init(bigEndian: Bool) { self.bigEndian = bigEndian }
    mutating func text(_ s: String) { bytes += Array(s.utf8) }
    mutating func raw<T: FixedWidthInteger>(_ v: T) {
        let w = bigEndian ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: w) { bytes += $0 }
    }
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func i16(_ v: Int16) { raw(v) }
    mutating func i32(_ v: Int32) { raw(v) }
    mutating func u16(_ v: UInt16) { raw(v) }
    mutating func f32(_ v: Float) { raw(v.bitPattern) }
    mutating func f64(_ v: Double) { raw(v.bitPattern) }
}
