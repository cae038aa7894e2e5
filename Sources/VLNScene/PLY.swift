import Foundation
import VLNCore

/// The Stanford PLY format: reading (ASCII, binary little- and big-endian) and writing (binary little-endian).
///
/// Reading uses the `vertex` element's `x y z` (required), `red green blue` (uchar 0–255, or float/double
/// 0–1; `r g b` and `diffuse_red …` are accepted too), `label` (semantic label id; ScanNet's convention) and
/// `instance` (also `objectId`, `instance_id`; negative ids become 0), and the optional `face` element's list
/// property `vertex_indices` (or `vertex_index`; any count and index types, polygons fan-triangulated) with
/// optional per-face `red green blue` and `instance`. A file without faces — no `face` element, or
/// `element face 0` — is a point cloud (`PLYData.hasFaces`). Elements may have count 0 anywhere, in any
/// encoding (`element vertex 0` gives no positions). All scalar types are accepted, by their names
/// (`char uchar short ushort int uint float double`) and aliases (`int8 uint8 int16 uint16 int32 uint32
/// float32 float64`); other elements and properties are skipped. Coordinates are returned as stored — the
/// caller converts frames (see `UpAxis`).
public enum PLY {
    /// The body encoding named on the header's `format` line.
    public enum Format: String, Sendable {
        /// Whitespace-separated text values, one element record per line.
        case ascii
        /// Packed binary records, little-endian (the format `PLY.write` produces).
        case binaryLittleEndian = "binary_little_endian"
        /// Packed binary records, big-endian.
        case binaryBigEndian = "binary_big_endian"
    }

    /// A PLY scalar type.
    public enum ScalarType: Sendable {
        /// Signed and unsigned 8/16/32-bit integers (`char uchar short ushort int uint`), IEEE `float` and `double`.
        case int8, uint8, int16, uint16, int32, uint32, float32, float64

        /// From a type name or alias; nil if unknown.
        public init?(name: String) {
            switch name {
            case "char", "int8": self = .int8
            case "uchar", "uint8": self = .uint8
            case "short", "int16": self = .int16
            case "ushort", "uint16": self = .uint16
            case "int", "int32": self = .int32
            case "uint", "uint32": self = .uint32
            case "float", "float32": self = .float32
            case "double", "float64": self = .float64
            default: return nil
            }
        }

        /// Size in bytes in a binary body.
        public var size: Int {
            switch self {
            case .int8, .uint8: return 1
            case .int16, .uint16: return 2
            case .int32, .uint32, .float32: return 4
            case .float64: return 8
            }
        }

        /// Whether this is `float` or `double` (not allowed as a list's count type).
        public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
    }

    /// One property of an element: a scalar, or a list (`countType` set) of `type` values.
    public struct Property: Sendable {
        /// Property name, e.g. `x`, `red`, `vertex_indices`.
        public var name: String
        /// Type of the value (of each entry, for a list).
        public var type: ScalarType
        /// The type of the list length, for list properties; nil for scalars.
        public var countType: ScalarType?
    }

    /// One element declared in the header (`element <name> <count>`).
    public struct Element: Sendable {
        /// Element name, e.g. `vertex` or `face`.
        public var name: String
        /// Number of records in the body (≥ 0).
        public var count: Int
        /// The element's properties, in record order.
        public var properties: [Property]
        /// Bytes per record in a binary body when every property is a scalar; nil when there are lists.
        public var fixedStride: Int? {
            var s = 0
            for p in properties { if p.countType != nil { return nil }; s += p.type.size }
            return s
        }
    }

    /// A parsed header.
    public struct Header: Sendable {
        /// Body encoding, from the `format` line (version 1.0 only).
        public var format: Format
        /// Elements in declaration order (the order of the body).
        public var elements: [Element]
        /// Text of the `comment` and `obj_info` lines, without the keyword.
        public var comments: [String]
        /// Byte offset of the body (just after the `end_header` line).
        public var bodyOffset: Int
        /// Number of header lines (the body of an ASCII file starts on line `lineCount + 1`).
        public var lineCount: Int
    }

    /// Parses the header at the start of `bytes`.
    /// - Throws: `VLNError.badFile` with the 1-based line of a bad header line, or when `end_header` is missing.
    public static func parseHeader(_ bytes: [UInt8], path: String) throws -> Header {
        func bad(_ line: Int, _ reason: String, field: String? = nil) -> VLNError {
            VLNError.badFile(path: path, line: line, field: field, reason: reason)
        }
        var format: Format? = nil
        var elements: [Element] = []
        var comments: [String] = []
        var i = 0, line = 0
        let n = bytes.count
        while true {
            guard i < n else { throw bad(line, "the header has no end_header line", field: "end_header") }
            var j = i
            while j < n && bytes[j] != 10 { j += 1 }
            line += 1
            guard j < n || line > 1 else { throw bad(1, "not a PLY file: the first line must be 'ply'") }
            var text = String(decoding: bytes[i..<j], as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }
            i = j + 1
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if line == 1 {
                guard words == ["ply"] else { throw bad(1, "not a PLY file: the first line must be 'ply'") }
                continue
            }
            guard let key = words.first else { continue }
            switch key {
            case "format":
                guard words.count == 3, let f = Format(rawValue: words[1]) else {
                    throw bad(line, "unknown format line '\(text)' (ascii, binary_little_endian or binary_big_endian)",
                              field: "format")
                }
                guard words[2] == "1.0" else { throw bad(line, "unsupported PLY version \(words[2])", field: "format") }
                format = f
            case "comment", "obj_info":
                comments.append(String(text.dropFirst(key.count).drop { $0 == " " }))
            case "element":
                guard words.count == 3, let c = Int(words[2]), c >= 0 else {
                    throw bad(line, "malformed element line '\(text)' (element <name> <count>)", field: "element")
                }
                elements.append(Element(name: words[1], count: c, properties: []))
            case "property":
                guard !elements.isEmpty else { throw bad(line, "property before any element", field: "property") }
                if words.count >= 2 && words[1] == "list" {
                    guard words.count == 5, let ct = ScalarType(name: words[2]), let t = ScalarType(name: words[3]) else {
                        throw bad(line, "malformed list property '\(text)' (property list <count type> <type> <name>)",
                                  field: "property")
                    }
                    guard !ct.isFloatingPoint else { throw bad(line, "a list count must be an integer type", field: "property") }
                    elements[elements.count - 1].properties.append(Property(name: words[4], type: t, countType: ct))
                } else {
                    guard words.count == 3, let t = ScalarType(name: words[1]) else {
                        throw bad(line, "malformed property '\(text)' (property <type> <name>; types char uchar short "
                                  + "ushort int uint float double)", field: "property")
                    }
                    elements[elements.count - 1].properties.append(Property(name: words[2], type: t, countType: nil))
                }
            case "end_header":
                guard let format else { throw bad(line, "the header has no format line", field: "format") }
                return Header(format: format, elements: elements, comments: comments, bodyOffset: i, lineCount: line)
            default:
                throw bad(line, "unknown header line '\(text)'")
            }
        }
    }

    /// Reads a PLY file.
    /// - Returns: the vertex and (if there are faces) triangle data, as stored.
    /// - Throws: `VLNError.io` if the file cannot be read; `VLNError.badFile` for a bad header line (with its
    ///   line), a missing `x`/`y`/`z` (field `vertex.x` …), faces without a `vertex_indices` list (field
    ///   `face.vertex_indices`; only when the face count is not 0), a body shorter than the header promises (bytes or
    ///   values expected vs found), a malformed ASCII value (line), a face with fewer than 3 vertices or an
    ///   out-of-range vertex index (field `face[i]`).
    /// - Complexity: O(file size); binary bodies are read in place with unaligned loads, nothing per vertex is
    ///   allocated.
    public static func read(path: String) throws -> PLYData {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VLNError.io(path: path, reason: "cannot read the PLY file (missing or unreadable)")
        }
        let bytes = [UInt8](data)
        let header = try parseHeader(bytes, path: path)
        var reader = BodyReader(path: path, header: header)
        if header.format == .ascii {
            var text = TextBytes(bytes: bytes)
            try reader.readASCII(&text)
        } else {
            try bytes.withUnsafeBytes { try reader.readBinary($0) }
        }
        var out = reader.out
        out.comments = header.comments
        return out
    }
}

/// What a PLY file holds, as stored (file frame, no conversion). Optional arrays are nil when the file has no
/// such property.
public struct PLYData: Sendable {
    /// Vertex positions (file frame; metres for every format the project reads).
    public var positions: [Vec3] = []
    /// Per-vertex colour (`red green blue` or an accepted alias; float values 0–1 scaled to 0–255).
    public var colors: [RGB8]? = nil
    /// Per-vertex semantic label id (`label`).
    public var semanticLabels: [UInt16]? = nil
    /// Per-vertex instance id (`instance`, `objectId`, `instance_id`), 0 = none.
    public var instanceIds: [UInt32]? = nil
    /// Fan-triangulated faces: nil when the file has no `face` element, empty when it declares `element face 0`.
    public var triangles: [SIMD3<UInt32>]? = nil
    /// Per-triangle colour from the face's own `red green blue`, if present.
    public var faceColors: [RGB8]? = nil
    /// Per-triangle instance id from the face's own `instance`, if present.
    public var faceInstanceIds: [UInt32]? = nil
    /// The header's `comment` and `obj_info` lines.
    public var comments: [String] = []

    /// Empty data (no vertices, no faces).
    public init() {}

    /// Whether the file has at least one face: then it is a mesh, else — no `face` element, or
    /// `element face 0` — a point cloud of its vertices.
    public var hasFaces: Bool { !(triangles?.isEmpty ?? true) }

    /// The vertices as a point cloud (missing colours grey, missing labels and instances 0).
    public func pointCloud(pointRadius: Float = 0.03) -> PointCloud {
        PointCloud(positions: positions, colors: colors, semanticLabels: semanticLabels, instanceIds: instanceIds,
                   pointRadius: pointRadius)
    }

    /// The faces as a triangle mesh. A triangle's colour is the face's own colour if given, else the mean of its
    /// vertex colours, else grey; its instance is the face's own instance if given, else the majority of its
    /// three vertices' instances (the first vertex's when all differ).
    public func mesh() -> TriangleMesh {
        let tris = triangles ?? []
        var colorsOut = [RGB8]()
        colorsOut.reserveCapacity(tris.count)
        var ids = [UInt32]()
        ids.reserveCapacity(tris.count)
        for (k, t) in tris.enumerated() {
            if let fc = faceColors { colorsOut.append(fc[k]) } else if let vc = colors {
                let s = SIMD3<Int>(Int(vc[Int(t.x)].r), Int(vc[Int(t.x)].g), Int(vc[Int(t.x)].b))
                    &+ SIMD3<Int>(Int(vc[Int(t.y)].r), Int(vc[Int(t.y)].g), Int(vc[Int(t.y)].b))
                    &+ SIMD3<Int>(Int(vc[Int(t.z)].r), Int(vc[Int(t.z)].g), Int(vc[Int(t.z)].b))
                colorsOut.append(RGB8(UInt8((s.x + 1) / 3), UInt8((s.y + 1) / 3), UInt8((s.z + 1) / 3)))
            } else { colorsOut.append(TriangleMesh.defaultOBJColor) }
            if let fi = faceInstanceIds { ids.append(fi[k]) } else if let vi = instanceIds {
                let a = vi[Int(t.x)], b = vi[Int(t.y)], c = vi[Int(t.z)]
                ids.append(b == c ? b : a)
            } else { ids.append(0) }
        }
        return TriangleMesh(vertices: positions, triangles: tris, triangleInstanceIds: ids, triangleColors: colorsOut)
    }
}

// MARK: - Body

/// Which output a property feeds.
private enum Slot { case none, x, y, z, red, green, blue, label, instance, faceRed, faceGreen, faceBlue, faceInstance, indices }

private struct BodyReader {
    let path: String
    let header: PLY.Header
    var out = PLYData()
    var vertexCount = 0

    init(path: String, header: PLY.Header) {
        self.path = path; self.header = header
        vertexCount = header.elements.first { $0.name == "vertex" }?.count ?? 0
    }

    func slots(for e: PLY.Element) throws -> [Slot] {
        if e.name == "vertex" {
            let s: [Slot] = e.properties.map { p in
                if p.countType != nil { return .none }
                switch p.name {
                case "x": return .x
                case "y": return .y
                case "z": return .z
                case "red", "r", "diffuse_red": return .red
                case "green", "g", "diffuse_green": return .green
                case "blue", "b", "diffuse_blue": return .blue
                case "label": return .label
                case "instance", "objectId", "instance_id": return .instance
                default: return .none
                }
            }
            for (axis, slot) in [("x", Slot.x), ("y", .y), ("z", .z)] where !s.contains(where: { $0 == slot }) {
                throw VLNError.badFile(path: path, field: "vertex.\(axis)",
                                       reason: "the vertex element has no scalar property '\(axis)'")
            }
            return s
        }
        if e.name == "face" {
            // Faces that cannot be read would make a mesh without triangles or, as none are read, a point cloud.
            let named = { (p: PLY.Property) in p.countType != nil && (p.name == "vertex_indices" || p.name == "vertex_index") }
            if e.count > 0 && !e.properties.contains(where: named) {
                throw VLNError.badFile(path: path, field: "face.vertex_indices",
                                       reason: "the face element (\(e.count) faces) has no list property 'vertex_indices' "
                                       + "(or 'vertex_index'): its faces cannot be read")
            }
            return e.properties.map { p in
                if p.countType != nil { return p.name == "vertex_indices" || p.name == "vertex_index" ? .indices : .none }
                switch p.name {
                case "red", "r", "diffuse_red": return .faceRed
                case "green", "g", "diffuse_green": return .faceGreen
                case "blue", "b", "diffuse_blue": return .faceBlue
                case "instance", "objectId", "instance_id": return .faceInstance
                default: return .none
                }
            }
        }
        return e.properties.map { _ in .none }
    }

    /// Allocates the outputs of element `e`, after checking that the `availableBytes` left in the file can hold
    /// `e.count` elements at all (so a lying count is a truncation error, not a huge allocation).
    mutating func prepare(_ e: PLY.Element, _ s: [Slot], availableBytes: Int, ascii: Bool) throws {
        // Smallest possible encoding of one element: binary, every scalar (and every list's count); ASCII, at least
        // one byte per scalar (a digit or a separator; a loose bound, so the reader's own message reports short files).
        let minimum = ascii ? e.properties.count
            : e.properties.reduce(0) { $0 + ($1.countType?.size ?? $1.type.size) }
        let (need, overflow) = e.count.multipliedReportingOverflow(by: max(minimum, 1))
        if overflow || need > availableBytes {
            throw VLNError.badFile(path: path, field: e.name,
                                   reason: "truncated: the header promises \(e.count) '\(e.name)' elements, which need at "
                                   + "least \(overflow ? "more than \(Int.max)" : "\(need)") bytes, found \(availableBytes) bytes")
        }
        if e.name == "vertex" {
            out.positions = [Vec3](repeating: .zero, count: e.count)
            if s.contains(where: { $0 == .red || $0 == .green || $0 == .blue }) {
                out.colors = [RGB8](repeating: RGB8(0, 0, 0), count: e.count)
            }
            if s.contains(where: { $0 == .label }) { out.semanticLabels = [UInt16](repeating: 0, count: e.count) }
            if s.contains(where: { $0 == .instance }) { out.instanceIds = [UInt32](repeating: 0, count: e.count) }
        } else if e.name == "face" {
            out.triangles = []
            out.triangles!.reserveCapacity(e.count)
            if s.contains(where: { $0 == .faceRed || $0 == .faceGreen || $0 == .faceBlue }) { out.faceColors = [] }
            if s.contains(where: { $0 == .faceInstance }) { out.faceInstanceIds = [] }
        }
    }

    @inline(__always) static func colorByte(_ v: Double, _ t: PLY.ScalarType) -> UInt8 {
        let c = t.isFloatingPoint ? v * 255 + 0.5 : v
        return c <= 0 ? 0 : c >= 255 ? 255 : UInt8(c)
    }
    @inline(__always) static func instanceId(_ v: Double) -> UInt32 { v <= 0 ? 0 : v >= 4294967295 ? .max : UInt32(v) }

    /// Stores scalar `v` of property `p` (slot `s`) for record `r`.
    @inline(__always) mutating func store(_ s: Slot, _ p: PLY.Property, _ v: Double, _ r: Int,
                                          faceColor: inout RGB8, faceInstance: inout UInt32) {
        switch s {
        case .x: out.positions[r].x = Float(v)
        case .y: out.positions[r].y = Float(v)
        case .z: out.positions[r].z = Float(v)
        case .red: out.colors![r].r = BodyReader.colorByte(v, p.type)
        case .green: out.colors![r].g = BodyReader.colorByte(v, p.type)
        case .blue: out.colors![r].b = BodyReader.colorByte(v, p.type)
        case .label: out.semanticLabels![r] = v <= 0 ? 0 : v >= 65535 ? .max : UInt16(v)
        case .instance: out.instanceIds![r] = BodyReader.instanceId(v)
        case .faceRed: faceColor.r = BodyReader.colorByte(v, p.type)
        case .faceGreen: faceColor.g = BodyReader.colorByte(v, p.type)
        case .faceBlue: faceColor.b = BodyReader.colorByte(v, p.type)
        case .faceInstance: faceInstance = BodyReader.instanceId(v)
        case .none, .indices: break
        }
    }

    /// Appends a face's fan triangles (checked against the vertex count).
    mutating func addFace(_ idx: [Int], face f: Int, line: Int?, color: RGB8, instance: UInt32,
                          hasColor: Bool, hasInstance: Bool) throws {
        guard idx.count >= 3 else {
            throw VLNError.badFile(path: path, line: line, field: "face[\(f)]",
                                   reason: "a face needs at least 3 vertex indices, found \(idx.count)")
        }
        for v in idx where v < 0 || v >= vertexCount {
            throw VLNError.badFile(path: path, line: line, field: "face[\(f)]",
                                   reason: "vertex index \(v) is out of range (\(vertexCount) vertices)")
        }
        for k in 1..<(idx.count - 1) {
            out.triangles!.append(SIMD3(UInt32(idx[0]), UInt32(idx[k]), UInt32(idx[k + 1])))
            if hasColor { out.faceColors!.append(color) }
            if hasInstance { out.faceInstanceIds!.append(instance) }
        }
    }

    // MARK: Binary

    @inline(__always) static func load(_ p: UnsafeRawBufferPointer, _ o: Int, _ t: PLY.ScalarType, _ swap: Bool) -> Double {
        switch t {
        case .int8: return Double(p.load(fromByteOffset: o, as: Int8.self))
        case .uint8: return Double(p[o])
        case .int16:
            let u = p.loadUnaligned(fromByteOffset: o, as: UInt16.self)
            return Double(Int16(bitPattern: swap ? u.byteSwapped : u))
        case .uint16:
            let u = p.loadUnaligned(fromByteOffset: o, as: UInt16.self)
            return Double(swap ? u.byteSwapped : u)
        case .int32:
            let u = p.loadUnaligned(fromByteOffset: o, as: UInt32.self)
            return Double(Int32(bitPattern: swap ? u.byteSwapped : u))
        case .uint32:
            let u = p.loadUnaligned(fromByteOffset: o, as: UInt32.self)
            return Double(swap ? u.byteSwapped : u)
        case .float32:
            let u = p.loadUnaligned(fromByteOffset: o, as: UInt32.self)
            return Double(Float(bitPattern: swap ? u.byteSwapped : u))
        case .float64:
            let u = p.loadUnaligned(fromByteOffset: o, as: UInt64.self)
            return Double(bitPattern: swap ? u.byteSwapped : u)
        }
    }

    mutating func readBinary(_ p: UnsafeRawBufferPointer) throws {
        let swap = (header.format == .binaryBigEndian) == (UInt16(1).littleEndian == 1)
        let n = p.count
        var o = header.bodyOffset
        for e in header.elements {
            let s = try slots(for: e)
            try prepare(e, s, availableBytes: n - o, ascii: false)
            func truncated(_ record: Int, need: Int) -> VLNError {
                VLNError.badFile(path: path, field: e.name,
                                 reason: "truncated: the header promises \(e.count) '\(e.name)' elements, the body "
                                 + "ends inside element \(record) (needs at least \(need) more bytes at offset \(o), "
                                 + "file has \(n) bytes)")
            }
            if let stride = e.fixedStride {
                let (need, overflow) = e.count.multipliedReportingOverflow(by: stride)
                guard !overflow, n - o >= need else {
                    throw VLNError.badFile(path: path, field: e.name,
                                           reason: "truncated: the header promises \(e.count) '\(e.name)' elements × "
                                           + "\(stride) bytes = \(need) bytes after the header, found \(n - o) bytes "
                                           + "(\((n - o) / max(stride, 1)) whole elements)")
                }
                var offsets: [Int] = []
                var used: [(Slot, PLY.Property, Int)] = []
                var acc = 0
                for (k, prop) in e.properties.enumerated() {
                    offsets.append(acc)
                    if s[k] != .none { used.append((s[k], prop, acc)) }
                    acc += prop.type.size
                }
                var fc = RGB8(0, 0, 0), fi: UInt32 = 0
                if !used.isEmpty {
                    for r in 0..<e.count {
                        let base = o + r * stride
                        for (slot, prop, off) in used {
                            store(slot, prop, BodyReader.load(p, base + off, prop.type, swap), r, faceColor: &fc, faceInstance: &fi)
                        }
                    }
                }
                o += need
            } else {
                let hasColor = out.faceColors != nil && e.name == "face"
                let hasInstance = out.faceInstanceIds != nil && e.name == "face"
                var idx: [Int] = []
                for r in 0..<e.count {
                    var fc = RGB8(0, 0, 0), fi: UInt32 = 0
                    var isFace = false
                    idx.removeAll(keepingCapacity: true)
                    for (k, prop) in e.properties.enumerated() {
                        if let ct = prop.countType {
                            guard n - o >= ct.size else { throw truncated(r, need: ct.size) }
                            let c = BodyReader.load(p, o, ct, swap)
                            o += ct.size
                            guard c >= 0 else {
                                throw VLNError.badFile(path: path, field: "\(e.name)[\(r)].\(prop.name)", reason: "negative list length")
                            }
                            let cnt = Int(c), need = cnt * prop.type.size
                            guard n - o >= need else { throw truncated(r, need: need) }
                            if s[k] == .indices {
                                isFace = true
                                for q in 0..<cnt { idx.append(Int(BodyReader.load(p, o + q * prop.type.size, prop.type, swap))) }
                            }
                            o += need
                        } else {
                            guard n - o >= prop.type.size else { throw truncated(r, need: prop.type.size) }
                            if s[k] != .none {
                                store(s[k], prop, BodyReader.load(p, o, prop.type, swap), r, faceColor: &fc, faceInstance: &fi)
                            }
                            o += prop.type.size
                        }
                    }
                    if isFace {
                        try addFace(idx, face: r, line: nil, color: fc, instance: fi, hasColor: hasColor, hasInstance: hasInstance)
                    }
                }
            }
        }
    }

    // MARK: ASCII

    mutating func readASCII(_ t: inout TextBytes) throws {
        var o = header.bodyOffset
        var line = header.lineCount + 1
        let n = t.count
        let b = t.bytes
        /// The next token and its line, or nil at the end of the file.
        func next() -> (Range<Int>, Int)? {
            while o < n && (TextBytes.isSpace(b[o]) || b[o] == 10) {
                if b[o] == 10 { line += 1 }
                o += 1
            }
            guard o < n else { return nil }
            let s = o
            while o < n && !TextBytes.isSpace(b[o]) && b[o] != 10 { o += 1 }
            return (s..<o, line)
        }
        for e in header.elements {
            let s = try slots(for: e)
            try prepare(e, s, availableBytes: n - o, ascii: true)
            let hasColor = out.faceColors != nil && e.name == "face"
            let hasInstance = out.faceInstanceIds != nil && e.name == "face"
            var idx: [Int] = []
            for r in 0..<e.count {
                var fc = RGB8(0, 0, 0), fi: UInt32 = 0
                var isFace = false
                var faceLine = line
                idx.removeAll(keepingCapacity: true)
                func value(_ prop: PLY.Property, _ what: String) throws -> (Double, Int) {
                    guard let (tok, l) = next() else {
                        throw VLNError.badFile(path: path, line: line, field: e.name,
                                               reason: "truncated: the header promises \(e.count) '\(e.name)' elements, "
                                               + "the file ends in element \(r) (\(r) complete)")
                    }
                    guard let v = t.double(tok) else {
                        throw VLNError.badFile(path: path, line: l, field: "\(e.name).\(what)",
                                               reason: "malformed number '\(t.string(tok))'")
                    }
                    if !prop.type.isFloatingPoint || what.hasSuffix("count") {
                        guard v == v.rounded() else {
                            throw VLNError.badFile(path: path, line: l, field: "\(e.name).\(what)",
                                                   reason: "'\(t.string(tok))' is not an integer")
                        }
                    }
                    return (v, l)
                }
                for (k, prop) in e.properties.enumerated() {
                    if let ct = prop.countType {
                        let (c, l) = try value(PLY.Property(name: prop.name, type: ct, countType: nil), prop.name + " count")
                        faceLine = l
                        guard c >= 0 else {
                            throw VLNError.badFile(path: path, line: l, field: "\(e.name).\(prop.name)", reason: "negative list length")
                        }
                        for _ in 0..<Int(c) {
                            let (v, _) = try value(prop, prop.name)
                            if s[k] == .indices { idx.append(Int(v)) }
                        }
                        if s[k] == .indices { isFace = true }
                    } else {
                        let (v, l) = try value(prop, prop.name)
                        if k == 0 { faceLine = l }
                        store(s[k], prop, v, r, faceColor: &fc, faceInstance: &fi)
                    }
                }
                if isFace {
                    try addFace(idx, face: r, line: faceLine, color: fc, instance: fi, hasColor: hasColor, hasInstance: hasInstance)
                }
            }
        }
    }
}
