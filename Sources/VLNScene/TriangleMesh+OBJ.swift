import Foundation
import VLNCore

/// Wavefront OBJ (+ MTL) reading and writing.
///
/// Lexical rules (the OBJ specification's, for OBJ and MTL alike): `#` starts a comment anywhere on a line; tokens
/// are separated by any run of spaces, tabs or CRs (CRLF files read as LF files); a line ending in `\` continues on
/// the next; a UTF-8 byte order mark is skipped (see `TextBytes.forEachStatement`).
///
/// Supported on reading: `v` (extra components such as `w` or vertex colours are ignored), `f` in the forms
/// `v`, `v/vt`, `v//vn`, `v/vt/vn` with positive or negative (relative) indices, polygons fan-triangulated
/// (`v0 v1 v2`, `v0 v2 v3`, …); `o` and `g` (each distinct object/group name with faces becomes one instance);
/// `mtllib` and `usemtl` (the material's `Kd` colour becomes the triangle colour; a material may be used before
/// the `mtllib` that defines it, and the first library defining a name wins). `vt`, `vn`, `s`, `l`, `p` and
/// unknown statements are ignored. Coordinates are taken as they are (metres, Y up — the writer's convention).
///
/// A missing `.mtl` file or an undefined material is not an error — the faces are drawn in `defaultOBJColor`, as
/// other OBJ readers do — but a warning that names the file and line of the statement.
extension TriangleMesh {
    /// Colour given to triangles without a material, or whose material or `.mtl` file is missing.
    public static let defaultOBJColor = RGB8(200, 200, 200)

    /// At most this many undefined materials get a warning each; the rest are counted in one more.
    public static let maxMaterialWarnings = 10

    /// The category an OBJ group name stands for: a trailing `_<digits>` or `.<digits>` suffix is dropped and
    /// underscores become spaces (`"bed_3"` → `"bed"`, `"kitchen_counter.001"` → `"kitchen counter"`).
    public static func objCategory(fromGroupName name: String) -> String {
        var s = Substring(name)
        if let sep = s.lastIndex(where: { $0 == "_" || $0 == "." }), sep != s.startIndex {
            let suffix = s[s.index(after: sep)...]
            if !suffix.isEmpty, suffix.allSatisfy({ $0.isASCII && $0.isNumber }) { s = s[..<sep] }
        }
        return s.replacingOccurrences(of: "_", with: " ")
    }

    /// Reads an OBJ file.
    ///
    /// - Parameter path: the `.obj` file; `mtllib` files are looked up relative to its folder.
    /// - Returns: the mesh; its instances in order of first appearance: each distinct `o`/`g` name that has
    ///   faces gets id 1, 2, … and category `objCategory(fromGroupName:)` (faces before any `o`/`g` have
    ///   instance 0); and the warnings, each `path:line (statement): what`, in file order: an `mtllib` file that
    ///   does not exist or cannot be read (the `.obj` file and line, and the `.mtl` path looked for), a `usemtl`
    ///   naming a material no library defines (the line of its first use; at most `maxMaterialWarnings`, then
    ///   one warning counting the rest). Their faces get `defaultOBJColor`.
    /// - Throws: `VLNError.io` if the file cannot be read; `VLNError.badFile` with the 1-based line for a
    ///   malformed number, a face with fewer than 3 vertices, or a zero / out-of-range face index (also for a
    ///   malformed `.mtl`, naming that file). The line is the bad token's (a statement continued with `\` spans
    ///   several lines), else the statement's first.
    /// - Complexity: O(file size).
    public static func loadOBJ(path: String) throws -> (mesh: TriangleMesh, instances: [InstanceInfo], warnings: [String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VLNError.io(path: path, reason: "cannot read the OBJ file (missing or unreadable)")
        }
        let text = TextBytes(data)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var mesh = TriangleMesh()
        var instances: [InstanceInfo] = []
        var groupIds: [String: UInt32] = [:]
        var currentGroup: String? = nil
        var currentInstance: UInt32 = 0
        var materials: [String: RGB8] = [:]
        var libraries: [String] = []  // the .mtl files read, for messages
        var warnings: [(line: Int, text: String)] = []
        // Materials are resolved after the whole file is read: per triangle an index into `used` (−1: none).
        var used: [(name: String, line: Int, uses: Int)] = []
        var usedIndex: [String: Int32] = [:]
        var triangleMaterials: [Int32] = []
        var currentMaterial: Int32 = -1
        var face: [UInt32] = []
        /// `path:line (statement): reason`, the form of `VLNError.badFile`'s description, for a warning.
        func message(_ line: Int, _ statement: String, _ reason: String) -> String {
            VLNError.badFile(path: path, line: line, field: statement, reason: reason).description
        }

        try text.forEachStatement { toks, line in
            let key = toks[0]
            /// An error on the statement's first line, or on the line of `token` (a statement may be continued).
            func bad(_ field: String, _ reason: String, at token: Range<Int>? = nil) -> VLNError {
                VLNError.badFile(path: path, line: token.map { text.lineNumber(at: $0.lowerBound) } ?? line, field: field,
                                 reason: reason)
            }
            if text.equals(key, "v") {
                guard toks.count >= 4 else { throw bad("v", "a vertex needs x y z, found \(toks.count - 1) values") }
                var p = Vec3.zero
                for k in 0..<3 {
                    guard let v = text.double(toks[k + 1]) else {
                        throw bad("v", "malformed number '\(text.string(toks[k + 1]))'", at: toks[k + 1])
                    }
                    p[k] = Float(v)
                }
                mesh.vertices.append(p)
            } else if text.equals(key, "f") {
                guard toks.count >= 4 else {
                    throw bad("f", "a face needs at least 3 vertices, found \(toks.count - 1)")
                }
                face.removeAll(keepingCapacity: true)
                let n = mesh.vertices.count
                for t in toks.dropFirst() {
                    var e = t.lowerBound
                    while e < t.upperBound && text.bytes[e] != 47 /* / */ { e += 1 }
                    guard let k = text.integer(t.lowerBound..<e) else {
                        throw bad("f", "malformed vertex index '\(text.string(t))'", at: t)
                    }
                    let idx = k > 0 ? k - 1 : n + k
                    guard k != 0, idx >= 0, idx < n else {
                        throw bad("f", "vertex index \(k) is out of range (\(n) vertices defined so far; "
                                  + "indices are 1…\(n) or −1…−\(n))", at: t)
                    }
                    face.append(UInt32(idx))
                }
                if currentInstance == 0, let g = currentGroup {
                    if let id = groupIds[g] { currentInstance = id } else {
                        let id = UInt32(instances.count + 1)
                        groupIds[g] = id
                        instances.append(InstanceInfo(id: id, category: objCategory(fromGroupName: g)))
                        currentInstance = id
                    }
                }
                for k in 1..<(face.count - 1) {
                    mesh.triangles.append(SIMD3(face[0], face[k], face[k + 1]))
                    mesh.triangleInstanceIds.append(currentInstance)
                    triangleMaterials.append(currentMaterial)
                }
            } else if text.equals(key, "o") || text.equals(key, "g") {
                let name = toks.count > 1 ? toks.dropFirst().map { text.string($0) }.joined(separator: "_") : "default"
                currentGroup = name
                currentInstance = groupIds[name] ?? 0  // assigned at the group's first face
            } else if text.equals(key, "mtllib") {
                if toks.count == 1 { warnings.append((line, message(line, "mtllib", "no file name; nothing is read"))) }
                for t in toks.dropFirst() {
                    let file = text.string(t)
                    let mtlPath = file.hasPrefix("/") ? file : folder + "/" + file
                    guard let (library, libraryWarnings) = try readMTL(path: mtlPath) else {
                        warnings.append((line, message(line, "mtllib", "material library '\(mtlPath)' does not exist or cannot be "
                                                       + "read; faces using its materials are drawn in the default grey")))
                        continue
                    }
                    libraries.append(file)
                    warnings += libraryWarnings.map { (line, $0) }
                    for (name, c) in library where materials[name] == nil { materials[name] = c }
                }
            } else if text.equals(key, "usemtl") {
                let name = toks.count > 1 ? text.string(toks[1]) : ""
                if let k = usedIndex[name] { currentMaterial = k; used[Int(k)].uses += 1 } else {
                    currentMaterial = Int32(used.count)
                    usedIndex[name] = currentMaterial
                    used.append((name, line, 1))
                }
            }
        }
        guard !mesh.triangles.isEmpty else {
            throw VLNError.badFile(path: path, reason: "no faces: an OBJ scene needs at least one 'f' line")
        }
        let colors = used.map { materials[$0.name] }
        mesh.triangleColors = triangleMaterials.map { $0 < 0 ? defaultOBJColor : colors[Int($0)] ?? defaultOBJColor }
        let undefined = used.indices.filter { colors[$0] == nil }
        let read = libraries.isEmpty ? "none" : libraries.map { "'\($0)'" }.joined(separator: ", ")
        for k in undefined.prefix(maxMaterialWarnings) {
            let u = used[k]
            let what = u.name.isEmpty ? "a usemtl without a material name" : "material '\(u.name)'"
            let uses = u.uses > 1 ? " (first of \(u.uses) uses)" : ""
            warnings.append((u.line, message(u.line, "usemtl", "\(what)\(uses) is defined by no material library read "
                                            + "(read: \(read)); its faces are drawn in the default grey")))
        }
        if undefined.count > maxMaterialWarnings {
            let rest = undefined.dropFirst(maxMaterialWarnings)
            let names = rest.prefix(5).map { "'\(used[$0].name)'" }.joined(separator: ", ") + (rest.count > 5 ? ", …" : "")
            warnings.append((used[rest.first!].line, message(used[rest.first!].line, "usemtl", "\(rest.count) more materials "
                                                            + "defined by no material library read (\(names)); drawn in the default grey")))
        }
        // File order; warnings of one line keep the order they were found in.
        let ordered = warnings.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
        return (mesh, instances, ordered.map(\.element.text))
    }

    /// Reads `newmtl` names and their `Kd` colours (same lexical rules as OBJ: `TextBytes.forEachStatement`).
    ///
    /// `Kd r g b` and `Kd r` (g = b = r) are read, components 0–1; `Kd spectral …` and `Kd xyz …` (valid MTL, not
    /// supported here) leave the material grey, with a warning. Other statements are ignored.
    /// - Returns: the materials and the warnings (`path:line (Kd): …`), or nil if the file does not exist or
    ///   cannot be read.
    /// - Throws: `VLNError.badFile` naming the `.mtl` file and line for a malformed `Kd`.
    static func readMTL(path: String) throws -> (materials: [String: RGB8], warnings: [String])? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = TextBytes(data)
        var out: [String: RGB8] = [:]
        var warnings: [String] = []
        var current: String? = nil
        try text.forEachStatement { toks, line in
            let key = toks[0]
            if text.equals(key, "newmtl") {
                current = toks.count > 1 ? text.string(toks[1]) : ""
                if let c = current, out[c] == nil { out[c] = defaultOBJColor }
            } else if text.equals(key, "Kd"), let name = current {
                if toks.count > 1, text.equals(toks[1], "spectral") || text.equals(toks[1], "xyz") {
                    warnings.append(VLNError.badFile(path: path, line: line, field: "Kd", reason:
                        "'Kd \(text.string(toks[1])) …' is not supported (only 'Kd r g b'); material '\(name)' is drawn in "
                        + "the default grey").description)
                    return
                }
                guard toks.count == 2 || toks.count >= 4 else {
                    throw VLNError.badFile(path: path, line: line, field: "Kd", reason: "Kd needs r g b (or one value for grey)")
                }
                var c = Vec3.zero
                for k in 0..<3 {
                    let t = toks[toks.count == 2 ? 1 : k + 1]
                    guard let v = text.double(t) else {
                        throw VLNError.badFile(path: path, line: text.lineNumber(at: t.lowerBound), field: "Kd",
                                               reason: "malformed number '\(text.string(t))'")
                    }
                    c[k] = Float(v)
                }
                out[name] = RGB8(unit: c)
            }
        }
        return (out, warnings)
    }

    /// Writes this mesh as OBJ at `path` and its materials as MTL next to it (same name, extension `.mtl`),
    /// each atomically.
    ///
    /// Triangles of instance 0 come first, outside any group; then one group per instance with triangles, in
    /// increasing id order, named `<category with spaces as underscores>_<new id>`. Instance ids are renumbered
    /// 1…n in that order (so `loadOBJ` gives the same ids back when they were already 1…n). One material per
    /// distinct colour, named `c_RRGGBB`, with `Kd` = colour / 255.
    /// - Parameter instances: categories by instance id; an id without an entry is written as `"object"`.
    /// - Returns: the renumbering, old instance id → id in the file.
    /// - Throws: `VLNError.io` if a file cannot be written (nothing partial is left behind).
    @discardableResult
    public func writeOBJ(to path: String, instances: [UInt32: InstanceInfo] = [:]) throws -> [UInt32: UInt32] {
        let url = URL(fileURLWithPath: path)
        let mtlName = url.deletingPathExtension().lastPathComponent + ".mtl"
        let mtlPath = url.deletingLastPathComponent().appendingPathComponent(mtlName).path

        func materialName(_ c: RGB8) -> String {
            "c_" + [c.r, c.g, c.b].map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
        }
        var colors = Array(Set(triangleColors))
        colors.sort { ($0.r, $0.g, $0.b) < ($1.r, $1.g, $1.b) }
        var mtl = "# vlnsim materials: one per colour, Kd = sRGB / 255\n"
        for c in colors {
            mtl += "newmtl \(materialName(c))\nKd \(Double(c.r) / 255) \(Double(c.g) / 255) \(Double(c.b) / 255)\n\n"
        }

        var byInstance: [UInt32: [Int]] = [:]
        for i in triangles.indices { byInstance[triangleInstanceIds[i], default: []].append(i) }
        let ids = byInstance.keys.filter { $0 != 0 }.sorted()
        var renumber: [UInt32: UInt32] = [:]
        for (k, id) in ids.enumerated() { renumber[id] = UInt32(k + 1) }

        var out = "# vlnsim mesh: metres, Y up; one group per instance\nmtllib \(mtlName)\n"
        out.reserveCapacity(vertices.count * 32 + triangles.count * 24)
        for v in vertices { out += "v \(formatFloat(v.x)) \(formatFloat(v.y)) \(formatFloat(v.z))\n" }
        func writeFaces(_ tris: [Int]) {
            let sorted = tris.sorted { a, b in
                let ca = triangleColors[a], cb = triangleColors[b]
                return (ca.r, ca.g, ca.b, a) < (cb.r, cb.g, cb.b, b)
            }
            var last: RGB8? = nil
            for i in sorted {
                if triangleColors[i] != last { last = triangleColors[i]; out += "usemtl \(materialName(last!))\n" }
                let t = triangles[i]
                out += "f \(t.x + 1) \(t.y + 1) \(t.z + 1)\n"
            }
        }
        if let free = byInstance[0] { writeFaces(free) }
        for id in ids {
            let category = instances[id]?.category ?? "object"
            var name = category.replacingOccurrences(of: " ", with: "_")
            if name.isEmpty { name = "object" }
            out += "g \(name)_\(renumber[id]!)\n"
            writeFaces(byInstance[id]!)
        }
        let mtlExisted = FileManager.default.fileExists(atPath: mtlPath)
        try writeAtomically(Data(mtl.utf8), to: mtlPath)
        do { try writeAtomically(Data(out.utf8), to: path) } catch {
            if !mtlExisted { try? FileManager.default.removeItem(atPath: mtlPath) }  // leave nothing partial
            throw error
        }
        return renumber
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
