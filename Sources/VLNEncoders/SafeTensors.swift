import Foundation
import VLNCore

/// A `.safetensors` file (Hugging Face's format for model weights), read once (memory-mapped) and validated.
///
/// Layout (https://github.com/huggingface/safetensors, "Format"): an unsigned 64-bit little-endian header length
/// `N`; `N` bytes of UTF-8 JSON, an object of `name → {"dtype", "shape", "data_offsets": [begin, end]}` plus an
/// optional `"__metadata__"` object of string → string; then the data section. Offsets are in bytes, relative to
/// the start of the data section, `end` exclusive; elements are little-endian, C order.
///
/// Validation follows the reference implementation: the header must lie within the file, every `dtype` must be
/// one of the format's, every shape's element count × element size must equal `end − begin`, and the tensors,
/// sorted by `begin`, must tile the data section exactly (no overlap, no gap, nothing left over).
public struct SafeTensors: Sendable {
    /// Element types of the format. `floats(_:)` converts the numeric ones to `Float`.
    public enum DType: String, Sendable, CaseIterable {
        /// Booleans, 8-bit integers and the two 8-bit float formats (1 byte each); the raw value is the header's `dtype`.
        case bool = "BOOL", uint8 = "U8", int8 = "I8", float8E5M2 = "F8_E5M2", float8E4M3 = "F8_E4M3"
        /// 16-bit integers, IEEE half and bfloat16 (2 bytes each).
        case int16 = "I16", uint16 = "U16", float16 = "F16", bfloat16 = "BF16"
        /// 32- and 64-bit integers and floats (4 or 8 bytes each).
        case int32 = "I32", uint32 = "U32", float32 = "F32", float64 = "F64", int64 = "I64", uint64 = "U64"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: return 1
            case .int16, .uint16, .float16, .bfloat16: return 2
            case .int32, .uint32, .float32: return 4
            case .float64, .int64, .uint64: return 8
            }
        }
    }

    /// One tensor's header entry.
    public struct TensorInfo: Sendable, Equatable {
        /// Key of the entry in the header.
        public let name: String
        /// Element type (the entry's `dtype`).
        public let dtype: DType
        /// Shape, outermost first (C order); `[]` for a scalar.
        public let shape: [Int]
        /// Byte range within the data section.
        public let dataRange: Range<Int>
        /// Number of elements (the product of `shape`).
        public var count: Int { shape.reduce(1, *) }
    }

    /// The file read (or the name given to `init(data:path:)`), for messages.
    public let path: String
    /// Tensors by name.
    public let tensors: [String: TensorInfo]
    /// The header's `__metadata__` (empty when absent).
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    /// Tensor names, sorted.
    public var names: [String] { tensors.keys.sorted() }

    /// Reads and validates the file at `path` (memory-mapped).
    /// - Throws: `VLNError.io` if it cannot be read; `VLNError.badFile` naming the file and the field (`header`,
    ///   or the tensor and its `dtype` / `shape` / `data_offsets`) if it is not a valid safetensors file.
    public init(contentsOf path: String) throws {
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw VLNError.io(path: path, reason: "cannot read: \((error as NSError).localizedDescription)")
        }
        try self.init(data: bytes, path: path)
    }

    /// Parses and validates safetensors bytes; `path` is only used in messages.
    /// - Throws: `VLNError.badFile` as `init(contentsOf:)`.
    public init(data bytes: Data, path: String = "<data>") throws {
        func bad(_ field: String, _ reason: String) -> VLNError { .badFile(path: path, field: field, reason: reason) }
        guard bytes.count >= 8 else { throw bad("header", "file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        let lengthBytes = [UInt8](bytes.prefix(8))
        let headerLength = lengthBytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw bad("header", "header length \(headerLength) runs past the end of the file (\(bytes.count) bytes)")
        }
        let start = 8 + Int(headerLength)
        let headerData = bytes.subdata(in: (bytes.startIndex + 8)..<(bytes.startIndex + start))
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: headerData) } catch {
            throw bad("header", "header is not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error.localizedDescription)")
        }
        guard let header = object as? [String: Any] else { throw bad("header", "header is not a JSON object") }

        var metadata = [String: String]()
        if let meta = header["__metadata__"] {
            guard let m = meta as? [String: Any] else { throw bad("__metadata__", "not an object of strings") }
            for (k, v) in m {
                guard let s = v as? String else { throw bad("__metadata__.\(k)", "not a string") }
                metadata[k] = s
            }
        }
        let dataSize = bytes.count - start
        var tensors = [String: TensorInfo]()
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any] else { throw bad(name, "entry is not an object") }
            guard let dtypeText = entry["dtype"] as? String else { throw bad("\(name).dtype", "missing or not a string") }
            guard let dtype = DType(rawValue: dtypeText) else {
                throw bad("\(name).dtype", "unsupported dtype '\(dtypeText)' (supported: \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let shape = SafeTensors.integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw bad("\(name).shape", "missing or not a list of non-negative integers")
            }
            guard let offsets = SafeTensors.integers(entry["data_offsets"]), offsets.count == 2 else {
                throw bad("\(name).data_offsets", "missing or not a pair of integers [begin, end]")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else { throw bad("\(name).data_offsets", "[\(begin), \(end)] is not a byte range") }
            guard end <= dataSize else {
                throw bad("\(name).data_offsets", "[\(begin), \(end)] runs past the end of the data section (\(dataSize) bytes)")
            }
            var count = 1, overflow = false
            for d in shape {
                let (m, o) = count.multipliedReportingOverflow(by: d); count = m; overflow = overflow || o
            }
            let (byteCount, o2) = count.multipliedReportingOverflow(by: dtype.size)
            guard !overflow, !o2, byteCount == end - begin else {
                throw bad("\(name).data_offsets", "[\(begin), \(end)] holds \(end - begin) bytes, shape \(shape) of \(dtypeText) needs \(overflow || o2 ? "too many" : String(byteCount))")
            }
            tensors[name] = TensorInfo(name: name, dtype: dtype, shape: shape, dataRange: begin..<end)
        }
        // The tensors must tile the data section: sorted by begin, each starts where the previous one ended.
        var previous: TensorInfo?
        for t in tensors.values.sorted(by: { ($0.dataRange.lowerBound, $0.dataRange.upperBound, $0.name) < ($1.dataRange.lowerBound, $1.dataRange.upperBound, $1.name) }) {
            let expected = previous?.dataRange.upperBound ?? 0
            if t.dataRange.lowerBound < expected, let p = previous {
                throw bad("\(t.name).data_offsets", "bytes [\(t.dataRange.lowerBound), \(t.dataRange.upperBound)) overlap tensor '\(p.name)' [\(p.dataRange.lowerBound), \(p.dataRange.upperBound))")
            }
            if t.dataRange.lowerBound > expected {
                throw bad("\(t.name).data_offsets", "starts at byte \(t.dataRange.lowerBound), leaving bytes [\(expected), \(t.dataRange.lowerBound)) of the data section to no tensor")
            }
            previous = t
        }
        let covered = previous?.dataRange.upperBound ?? 0
        guard covered == dataSize else {
            throw bad("data_offsets", "the tensors cover \(covered) bytes, the data section holds \(dataSize)")
        }
        self.path = path
        self.tensors = tensors
        self.metadata = metadata
        self.data = bytes
        self.dataStart = bytes.startIndex + start
    }

    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var out = [Int]()
        for v in list {
            // Reject fractions and numbers beyond Int (NSNumber would round them).
            guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue), n.stringValue == String(i) else { return nil }
            out.append(i)
        }
        return out
    }

    /// The header entry of `name`.
    /// - Throws: `VLNError.badFile` (field = `name`) if there is no such tensor.
    public func info(_ name: String) throws -> TensorInfo {
        guard let t = tensors[name] else {
            throw VLNError.badFile(path: path, field: name, reason: "no such tensor (the file holds \(tensors.count): \(names.prefix(5).joined(separator: ", "))\(tensors.count > 5 ? ", …" : ""))")
        }
        return t
    }

    /// The elements of tensor `name` as `Float` (C order), converted from F32, F16, BF16, F64 and the integer types.
    /// - Parameter shape: the shape the caller expects; `nil` accepts any.
    /// - Throws: `VLNError.badFile` (field = `name`) if the tensor is missing, has another shape, or is of a type
    ///   that does not convert (BOOL, F8).
    public func floats(_ name: String, shape: [Int]? = nil) throws -> [Float] {
        let t = try info(name)
        if let shape, shape != t.shape {
            throw VLNError.badFile(path: path, field: name, reason: "shape \(t.shape), expected \(shape)")
        }
        switch t.dtype {
        case .float32: return load(t, Float.self)
        case .float16: return load(t, UInt16.self).map(SafeTensors.float(fromHalfBits:))
        case .bfloat16: return load(t, UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }
        case .float64: return load(t, Double.self).map { Float($0) }
        case .int64: return load(t, Int64.self).map { Float($0) }
        case .int32: return load(t, Int32.self).map { Float($0) }
        case .int16: return load(t, Int16.self).map { Float($0) }
        case .int8: return load(t, Int8.self).map { Float($0) }
        case .uint8: return load(t, UInt8.self).map { Float($0) }
        case .uint16: return load(t, UInt16.self).map { Float($0) }
        case .uint32: return load(t, UInt32.self).map { Float($0) }
        case .uint64: return load(t, UInt64.self).map { Float($0) }
        case .bool, .float8E5M2, .float8E4M3:
            throw VLNError.badFile(path: path, field: name, reason: "dtype \(t.dtype.rawValue) does not convert to Float")
        }
    }

    /// The elements of an integer tensor `name` as `Int64` (C order).
    /// - Throws: `VLNError.badFile` (field = `name`) if the tensor is missing or not of an integer type.
    public func int64s(_ name: String) throws -> [Int64] {
        let t = try info(name)
        switch t.dtype {
        case .int64: return load(t, Int64.self)
        case .int32: return load(t, Int32.self).map { Int64($0) }
        case .int16: return load(t, Int16.self).map { Int64($0) }
        case .int8: return load(t, Int8.self).map { Int64($0) }
        case .uint8: return load(t, UInt8.self).map { Int64($0) }
        case .uint16: return load(t, UInt16.self).map { Int64($0) }
        case .uint32: return load(t, UInt32.self).map { Int64($0) }
        default:
            throw VLNError.badFile(path: path, field: name, reason: "dtype \(t.dtype.rawValue) is not a (≤ 63-bit) integer type")
        }
    }

    /// The raw little-endian bytes of tensor `name`.
    public func rawBytes(_ name: String) throws -> Data {
        let t = try info(name)
        return data.subdata(in: (dataStart + t.dataRange.lowerBound)..<(dataStart + t.dataRange.upperBound))
    }

    private func load<T>(_ t: TensorInfo, _: T.Type) -> [T] {
        // The host is little-endian (x86-64, arm64): the bytes are copied as they are (offsets need not be aligned).
        let n = t.count
        return [T](unsafeUninitializedCapacity: n) { out, initialised in
            data.withUnsafeBytes { raw in
                let src = UnsafeRawBufferPointer(rebasing: raw[(dataStart - data.startIndex + t.dataRange.lowerBound)..<(dataStart - data.startIndex + t.dataRange.upperBound)])
                UnsafeMutableRawBufferPointer(out).copyMemory(from: src)
            }
            initialised = n
        }
    }

    /// IEEE 754 binary16 → binary32 (subnormals, infinities and NaN included).
    public static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            let value = Float(mantissa) * 0x1p-24  // subnormal: mantissa · 2^-24
            return sign != 0 ? -value : value
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}

extension SafeTensors {
    /// Writes tensors as a `.safetensors` file (F32 only), atomically; for tests and converted weights.
    /// - Parameters:
    ///   - tensors: name → (shape, elements in C order); stored in name order.
    ///   - metadata: the `__metadata__` object, omitted when empty.
    /// - Precondition: each element count equals its shape's product.
    public static func write(_ tensors: [String: (shape: [Int], values: [Float])], metadata: [String: String] = [:], to path: String) throws {
        try writeAtomically(encode(tensors, metadata: metadata), to: path)
    }

    /// The bytes of a `.safetensors` file holding `tensors` (F32, in name order); see `write(_:metadata:to:)`.
    public static func encode(_ tensors: [String: (shape: [Int], values: [Float])], metadata: [String: String] = [:]) -> Data {
        var header = [String: Any]()
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        var body = Data()
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            precondition(t.values.count == t.shape.reduce(1, *), "\(name): \(t.values.count) values for shape \(t.shape)")
            let n = t.values.count * 4
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + n]] as [String: Any]
            t.values.withUnsafeBytes { body.append(contentsOf: $0) }
            offset += n
        }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }  // the reference writer pads to 8 bytes
        var out = Data()
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        return out + json + body
    }
}
