import Foundation
import XCTest
import VLNCore
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

/// Minimal NumPy `.npy` v1/v2 reader for little-endian float32 / uint32 arrays (used to cross-check values).
struct NPYArray {
    var shape: [Int]
    var descr: String
    var payload: [UInt8]

    init(path: String) throws {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard d.count > 10, d[0] == 0x93, String(decoding: d[1..<6], as: UTF8.self) == "NUMPY" else {
            throw VLNError.badFile(path: path, reason: "not an npy file")
        }
        let major = d[6]
        let (hlen, start) = major == 1 ? (Int(d[8]) | Int(d[9]) << 8, 10)
            : (Int(d[8]) | Int(d[9]) << 8 | Int(d[10]) << 16 | Int(d[11]) << 24, 12)
        let header = String(decoding: d[start..<(start + hlen)], as: UTF8.self)
        func value(_ key: String) -> String {
            guard let r = header.range(of: "'\(key)':") else { return "" }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        descr = String(value("descr").dropFirst().prefix { $0 != "'" })
        let shapeText = value("shape").dropFirst().prefix { $0 != ")" }
        shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !value("fortran_order").hasPrefix("True") else { throw VLNError.badFile(path: path, reason: "fortran order") }
        payload = Array(d[(start + hlen)...])
    }

    func float32(_ i: Int) -> Float {
        precondition(descr == "<f4")
        let b = payload[(4 * i)..<(4 * i + 4)].map(UInt32.init)
        return Float(bitPattern: b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24)
    }
    func uint32(_ i: Int) -> UInt32 {
        precondition(descr == "<u4")
        let b = payload[(4 * i)..<(4 * i + 4)].map(UInt32.init)
        return b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24
    }
}
