import Foundation
import VLNCore
import XCTest

/// The `.npy` reader (VLNCore) against byte images written as NumPy writes them.
final class NPYTests: XCTestCase {
    /// A `.npy` file: magic, version, header dict padded with spaces to a multiple of 64 bytes, then `payload`.
    static func npy(descr: String, shape: String, fortran: String = "False", version: UInt8 = 1, payload: [UInt8]) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let n = header.utf8.count
        bytes += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
        return Data(bytes + Array(header.utf8) + payload)
    }

    static func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    func testReadsFloat32Matrix() throws {
        let values: [Float] = [1, 2.5, -3, 4, 5, 6e-3]
        let a = try NPYArray(npyData: Self.npy(descr: "<f4", shape: "(2, 3)", payload: Self.bytes(values)))
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.dtype, .float32)
        XCTAssertEqual(a.floatValues(), values)
        XCTAssertEqual(try a.values(Float.self), values)
        XCTAssertEqual(a.doubleValues(), values.map(Double.init))
    }

    func testReadsVersion2AndOtherTypes() throws {
        let d: [Double] = [0.1, -2, 1e300]
        let a = try NPYArray(npyData: Self.npy(descr: "<f8", shape: "(3,)", version: 2, payload: Self.bytes(d)))
        XCTAssertEqual(a.shape, [3])
        XCTAssertEqual(try a.values(Double.self), d)
        let u: [UInt16] = [0, 5000, 65535, 7]
        let b = try NPYArray(npyData: Self.npy(descr: "<u2", shape: "(2, 2)", payload: Self.bytes(u)))
        XCTAssertEqual(try b.values(UInt16.self), u)
        XCTAssertEqual(b.floatValues(), [0, 5000, 65535, 7])
        let i: [Int64] = [-1, 1 << 40]
        XCTAssertEqual(try NPYArray(npyData: Self.npy(descr: "<i8", shape: "(2,)", payload: Self.bytes(i))).values(Int64.self), i)
        let s = try NPYArray(npyData: Self.npy(descr: "<i4", shape: "()", payload: Self.bytes([Int32(42)])))
        XCTAssertEqual(s.shape, []); XCTAssertEqual(s.count, 1)
        XCTAssertEqual(try s.values(Int32.self), [42])
        XCTAssertEqual(try NPYArray(npyData: Self.npy(descr: "<u4", shape: "(0, 3)", payload: [])).count, 0)
    }

    func testRejectsBadFilesNamingTheField() {
        func field(_ data: Data) -> String? {
            do { _ = try NPYArray(npyData: data, path: "x.npy"); return nil } catch let VLNError.badFile(path, _, field, _) {
                XCTAssertEqual(path, "x.npy"); return field
            } catch { return "other: \(error)" }
        }
        let four = Self.bytes([Float(1), 2, 3, 4])
        XCTAssertEqual(field(Self.npy(descr: ">f4", shape: "(4,)", payload: four)), "descr")
        XCTAssertEqual(field(Self.npy(descr: "|b1", shape: "(4,)", payload: four)), "descr")
        XCTAssertEqual(field(Self.npy(descr: "<f4", shape: "(4,)", fortran: "True", payload: four)), "fortran_order")
        XCTAssertEqual(field(Self.npy(descr: "<f4", shape: "(5,)", payload: four)), "data")
        XCTAssertEqual(field(Self.npy(descr: "<f4", shape: "(3,)", payload: four)), "data")
        XCTAssertEqual(field(Self.npy(descr: "<f4", shape: "(a,)", payload: four)), "shape")
        XCTAssertEqual(field(Data("not numpy at all".utf8)), "magic")
        XCTAssertEqual(field(Data([0x93] + Array("NUMPY".utf8) + [1, 0, 0xE8, 0x03] + Array("{'descr': '<f4'".utf8))), "header")
        XCTAssertEqual(field(Data([0x93] + Array("NUMPY".utf8) + [4, 0, 0, 0])), "version")
        // The wrong element type for a typed read.
        let a = try? NPYArray(npyData: Self.npy(descr: "<f4", shape: "(4,)", payload: four))
        XCTAssertThrowsError(try a?.values(Double.self)) { error in
            guard case let VLNError.badFile(_, _, field, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "descr")
        }
    }

    func testReadsAFileAndNamesAMissingOne() throws {
        let path = NSTemporaryDirectory() + "vlnsim-npy-test-\(getpid()).npy"
        try Self.npy(descr: "<f4", shape: "(2,)", payload: Self.bytes([Float(7), 8])).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try NPYArray(contentsOf: path).floatValues(), [7, 8])
        XCTAssertThrowsError(try NPYArray(contentsOf: path + ".missing")) { error in
            XCTAssertTrue("\(error)".contains(".missing"), "\(error)")
        }
    }
}
