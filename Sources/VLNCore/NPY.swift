import Foundation

/// A NumPy `.npy` array (format versions 1.0, 2.0 and 3.0), little-endian, C order.
///
/// Supported element types (`descr`): `<f4`, `<f8`, `<u2`, `<u4`, `<i4`, `<i8`. The format is documented in
/// `numpy.lib.format`: magic `\x93NUMPY`, major and minor version bytes, a little-endian header length (2 bytes in
/// v1, 4 bytes in v2/v3), an ASCII Python dict literal with `descr`, `fortran_order` and `shape`, then the raw
/// elements.
public struct NPYArray: Sendable {
    /// Element type, by its NumPy `descr`.
    public enum DType: String, Sendable, CaseIterable {
        /// Little-endian float32, float64, uint16, uint32, int32, int64; the raw value is the NumPy `descr`.
        case float32 = "<f4", float64 = "<f8", uint16 = "<u2", uint32 = "<u4", int32 = "<i4", int64 = "<i8"
        /// Bytes per element.
        public var size: Int {
            switch self {
            case .uint16: return 2
            case .float32, .uint32, .int32: return 4
            case .float64, .int64: return 8
            }
        }
    }

    /// Array shape, outermost first (C order); `[]` for a scalar.
    public let shape: [Int]
    /// Element type (the header's `descr`).
    public let dtype: DType
    /// The raw little-endian element bytes, `count · dtype.size` of them.
    public let data: Data
    /// The file it was read from (or the name given to `init(npyData:path:)`), for error messages.
    public let path: String

    /// Number of elements (the product of `shape`).
    public var count: Int { shape.reduce(1, *) }

    /// Reads the `.npy` file at `path`.
    /// - Throws: `VLNError.io` if it cannot be read, `VLNError.badFile` naming the file and the field
    ///   (`magic`, `version`, `header`, `descr`, `fortran_order`, `shape`, `data`) if it is not a supported array.
    public init(contentsOf path: String) throws {
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw VLNError.io(path: path, reason: error.localizedDescription)
        }
        try self.init(npyData: bytes, path: path)
    }

    /// Parses the bytes of a `.npy` file; `path` is only used in error messages.
    /// - Throws: `VLNError.badFile` as `init(contentsOf:)`.
    public init(npyData bytes: Data, path: String = "<data>") throws {
        let b = [UInt8](bytes.prefix(12))  // magic, version, header length; the rest is sliced, not copied
        func bad(_ field: String, _ reason: String) -> VLNError { .badFile(path: path, field: field, reason: reason) }
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else {
            throw bad("magic", "not a NumPy .npy file (no \\x93NUMPY magic)")
        }
        let major = b[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8; headerStart = 10
        case 2, 3:
            guard b.count >= 12 else { throw bad("header", "file ends inside the header length") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24; headerStart = 12
        default:
            throw bad("version", "unsupported format version \(major).\(b[7]) (supported: 1.0, 2.0, 3.0)")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else { throw bad("header", "header length \(headerLength) runs past the end of the file") }
        let headerBytes = bytes[(bytes.startIndex + headerStart)..<(bytes.startIndex + dataStart)]
        guard let header = String(bytes: headerBytes, encoding: .utf8) else {
            throw bad("header", "header is not text")
        }
        let dict = try NPYArray.parseHeader(header, bad)
        guard let descr = dict["descr"] else { throw bad("descr", "missing") }
        guard let dtype = DType(rawValue: descr) else {
            throw bad("descr", "unsupported element type '\(descr)' (supported: \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let fortran = dict["fortran_order"] else { throw bad("fortran_order", "missing") }
        guard fortran == "False" else { throw bad("fortran_order", "only C order is supported, got \(fortran)") }
        guard let shapeText = dict["shape"] else { throw bad("shape", "missing") }
        var shape = [Int]()
        for part in shapeText.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw bad("shape", "not a tuple of non-negative integers: (\(shapeText))") }
            shape.append(v)
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, v in
            let (m, o) = acc.0.multipliedReportingOverflow(by: v); return (m, acc.1 || o)
        }
        let (byteCount, overflow2) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, !overflow2 else { throw bad("shape", "element count overflows: \(shape)") }
        let available = bytes.count - dataStart
        guard available == byteCount else {
            throw bad("data", "shape \(shape) of \(descr) needs \(byteCount) bytes, the file holds \(available)")
        }
        self.shape = shape
        self.dtype = dtype
        self.path = path
        data = bytes.subdata(in: bytes.startIndex + dataStart ..< bytes.startIndex + dataStart + byteCount)
    }

    /// Parses the header's Python dict literal into key → value text (strings unquoted, tuples without parens).
    private static func parseHeader(_ s: String, _ bad: (String, String) -> VLNError) throws -> [String: String] {
        var chars = Array(s.trimmingCharacters(in: .whitespacesAndNewlines))
        guard chars.first == "{", chars.last == "}" else { throw bad("header", "not a dict literal: \(s)") }
        chars = Array(chars[1..<(chars.count - 1)])
        var out = [String: String]()
        var i = 0
        func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "," || chars[i] == "\n" { i += 1 } }
        func quoted() throws -> String {
            guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else { throw bad("header", "expected a quoted key or value: \(s)") }
            let q = chars[i]; i += 1
            let start = i
            while i < chars.count, chars[i] != q { i += 1 }
            guard i < chars.count else { throw bad("header", "unterminated string: \(s)") }
            defer { i += 1 }
            return String(chars[start..<i])
        }
        while true {
            skipSpace()
            if i >= chars.count { break }
            let key = try quoted()
            while i < chars.count, chars[i] == " " { i += 1 }
            guard i < chars.count, chars[i] == ":" else { throw bad("header", "expected ':' after '\(key)'") }
            i += 1
            while i < chars.count, chars[i] == " " { i += 1 }
            guard i < chars.count else { throw bad(key, "missing value") }
            let value: String
            if chars[i] == "'" || chars[i] == "\"" {
                value = try quoted()
            } else if chars[i] == "(" {
                let start = i + 1
                while i < chars.count, chars[i] != ")" { i += 1 }
                guard i < chars.count else { throw bad(key, "unterminated tuple") }
                value = String(chars[start..<i]); i += 1
            } else {
                let start = i
                while i < chars.count, chars[i] != ",", chars[i] != " " { i += 1 }
                value = String(chars[start..<i])
            }
            out[key] = value
        }
        return out
    }

    private func load<T>(_: T.Type) -> [T] {
        // The host is little-endian (x86-64, arm64), so the bytes are copied as they are.
        let n = count
        return [T](unsafeUninitializedCapacity: n) { out, initialised in
            data.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(n * MemoryLayout<T>.stride)]))
            }
            initialised = n
        }
    }

    /// The elements as `Float`, converted from any element type (C order).
    public func floatValues() -> [Float] {
        switch dtype {
        case .float32: return load(Float.self)
        case .float64: return load(Double.self).map { Float($0) }
        case .uint16: return load(UInt16.self).map { Float($0) }
        case .uint32: return load(UInt32.self).map { Float($0) }
        case .int32: return load(Int32.self).map { Float($0) }
        case .int64: return load(Int64.self).map { Float($0) }
        }
    }

    /// The elements as `Double`, converted from any element type (C order).
    public func doubleValues() -> [Double] {
        switch dtype {
        case .float32: return load(Float.self).map { Double($0) }
        case .float64: return load(Double.self)
        case .uint16: return load(UInt16.self).map { Double($0) }
        case .uint32: return load(UInt32.self).map { Double($0) }
        case .int32: return load(Int32.self).map { Double($0) }
        case .int64: return load(Int64.self).map { Double($0) }
        }
    }

    /// The elements as stored, without conversion.
    /// - Throws: `VLNError.badFile` (field `descr`) if the element type is not `T`'s.
    public func values<T: NPYElement>(_: T.Type) throws -> [T] {
        guard dtype == T.npyType else {
            throw VLNError.badFile(path: path, field: "descr", reason: "expected \(T.npyType.rawValue), the array holds \(dtype.rawValue)")
        }
        return load(T.self)
    }
}

/// A Swift type that `.npy` arrays can hold, with its NumPy `descr`.
public protocol NPYElement { static var npyType: NPYArray.DType { get } }
extension Float: NPYElement { public static var npyType: NPYArray.DType { .float32 } }
extension Double: NPYElement { public static var npyType: NPYArray.DType { .float64 } }
extension UInt16: NPYElement { public static var npyType: NPYArray.DType { .uint16 } }
extension UInt32: NPYElement { public static var npyType: NPYArray.DType { .uint32 } }
extension Int32: NPYElement { public static var npyType: NPYArray.DType { .int32 } }
extension Int64: NPYElement { public static var npyType: NPYArray.DType { .int64 } }
