import Foundation
import XCTest
import VLNCore
import VLNScene

/// The lexical rules of OBJ and MTL files: `#` comments anywhere on a line, any blank (spaces, tabs, CR of CRLF
/// line ends) between and after tokens, and `\` continuation lines — on every statement.
final class OBJSyntaxTests: XCTestCase {
    /// A small scene that uses every statement the reader knows or skips: `mtllib`, `v`, `vt`, `vn`, `o`, `g`,
    /// `s`, `usemtl`, `f` (several forms), `l` and `p`.
    static let cleanOBJ = [
        "mtllib syntax.mtl",
        "v 0 0 0",
        "v 2 0 0",
        "v 2 0 2",
        "v 0 0 2",
        "v 0 1 0",
        "vt 0.5 0.5",
        "vn 0 1 0",
        "o chair_1",
        "g bed_3",
        "s 1",
        "usemtl red",
        "f 1/1/1 2/1/1 3/1/1 4/1/1",
        "l 1 2",
        "p 5",
        "g kitchen_counter.001",
        "s off",
        "usemtl blue",
        "f -5//1 -4//1 -1//1",
    ]
    static let cleanMTL = [
        "newmtl red",
        "Ka 0 0 0",
        "Kd 1 0 0",
        "Ks 0.5 0.5 0.5",
        "Ns 10",
        "d 1",
        "illum 2",
        "map_Kd red.png",
        "newmtl blue",
        "Kd 0 0 1",
    ]

    typealias Loaded = (mesh: TriangleMesh, instances: [InstanceInfo], warnings: [String])

    func load(obj: [String], mtl: [String], lineEnd: String = "\n", in dir: String) throws -> Loaded {
        try Data((obj.joined(separator: lineEnd) + lineEnd).utf8).write(to: URL(fileURLWithPath: dir + "/syntax.obj"))
        try Data((mtl.joined(separator: lineEnd) + lineEnd).utf8).write(to: URL(fileURLWithPath: dir + "/syntax.mtl"))
        return try TriangleMesh.loadOBJ(path: dir + "/syntax.obj")
    }

    func assertSameScene(_ a: Loaded, _ b: Loaded, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.mesh.vertices, b.mesh.vertices, message, file: file, line: line)
        XCTAssertEqual(a.mesh.triangles, b.mesh.triangles, message, file: file, line: line)
        XCTAssertEqual(a.mesh.triangleInstanceIds, b.mesh.triangleInstanceIds, message, file: file, line: line)
        XCTAssertEqual(a.mesh.triangleColors, b.mesh.triangleColors, message, file: file, line: line)
        XCTAssertEqual(a.instances, b.instances, message, file: file, line: line)
        XCTAssertEqual(a.warnings, b.warnings, message, file: file, line: line)
    }

    /// The user's report: `f`, `g`, `o` and `usemtl` lines ending in a comment were refused ("malformed vertex
    /// index '#'"), and group names kept the comment's words.
    func testTrailingCommentsOnFaceGroupObjectAndMaterialLines() throws {
        let dir = try makeTempDir()
        try Data("newmtl red # the red one\nKd 1 0 0 # pure red\n".utf8).write(to: URL(fileURLWithPath: dir + "/c.mtl"))
        try Data("""
            mtllib c.mtl # materials
            v 0 0 0 # first corner
            v 1 0 0
            v 0 0 1
            o chair_1 # an object
            f 1 2 3 # a face
            g bed_3 # a group
            usemtl red # a material
            f 1 2 3#no space before the comment

            """.utf8).write(to: URL(fileURLWithPath: dir + "/c.obj"))
        let (mesh, instances, warnings) = try TriangleMesh.loadOBJ(path: dir + "/c.obj")
        XCTAssertEqual(instances, [InstanceInfo(id: 1, category: "chair"), InstanceInfo(id: 2, category: "bed")])
        XCTAssertEqual(mesh.triangles, [SIMD3(0, 1, 2), SIMD3(0, 1, 2)])
        XCTAssertEqual(mesh.triangleInstanceIds, [1, 2])
        XCTAssertEqual(mesh.triangleColors, [TriangleMesh.defaultOBJColor, RGB8(255, 0, 0)])
        XCTAssertEqual(warnings, [])
    }

    /// Each way of writing a statement, applied to one statement at a time, must read as the clean file does.
    static let styles: [(name: String, apply: (String) -> String)] = [
        ("trailing comment", { $0 + " # a comment, with / slashes and 1 2 3 numbers" }),
        ("comment without a blank", { $0 + "#comment" }),
        ("tabs", { $0.replacingOccurrences(of: " ", with: "\t") }),
        ("several blanks", { $0.replacingOccurrences(of: " ", with: "  \t  ") }),
        ("leading and trailing blanks", { "  \t" + $0 + " \t " }),
        ("CR before the line end", { $0 + "\r" }),
        ("continuation after the keyword", { s in
            let parts = s.split(separator: " ", maxSplits: 1)
            return parts.count == 2 ? "\(parts[0]) \\\n  \(parts[1])" : s
        }),
        ("continuation before each argument", { s in s.split(separator: " ").joined(separator: " \\\n") }),
        ("continuation without a blank before the backslash", { s in s.split(separator: " ").joined(separator: "\\\n") }),
        ("continuation, blanks after the backslash", { s in s.split(separator: " ").joined(separator: " \\ \t\n") }),
        ("continuation, then a comment", { s in s.split(separator: " ").joined(separator: " \\ # part\n") }),
    ]

    func testCommentsBlanksAndContinuationsOnEveryOBJStatement() throws {
        let dir = try makeTempDir()
        let clean = try load(obj: Self.cleanOBJ, mtl: Self.cleanMTL, in: dir)
        XCTAssertEqual(clean.instances, [InstanceInfo(id: 1, category: "bed"), InstanceInfo(id: 2, category: "kitchen counter")])
        XCTAssertEqual(clean.mesh.triangleColors, [RGB8(255, 0, 0), RGB8(255, 0, 0), RGB8(0, 0, 255)])
        XCTAssertEqual(clean.warnings, [])
        for k in Self.cleanOBJ.indices {
            for (name, apply) in Self.styles {
                var obj = Self.cleanOBJ
                obj[k] = apply(obj[k])
                let what = "\(name) on '\(Self.cleanOBJ[k])'"
                do { assertSameScene(try load(obj: obj, mtl: Self.cleanMTL, in: dir), clean, what) } catch {
                    XCTFail("\(what): \(error)")
                }
            }
        }
    }

    func testCommentsBlanksAndContinuationsOnEveryMTLStatement() throws {
        let dir = try makeTempDir()
        let clean = try load(obj: Self.cleanOBJ, mtl: Self.cleanMTL, in: dir)
        for k in Self.cleanMTL.indices {
            for (name, apply) in Self.styles {
                var mtl = Self.cleanMTL
                mtl[k] = apply(mtl[k])
                let what = "\(name) on '\(Self.cleanMTL[k])'"
                do { assertSameScene(try load(obj: Self.cleanOBJ, mtl: mtl, in: dir), clean, what) } catch {
                    XCTFail("\(what): \(error)")
                }
            }
        }
    }

    func testCRLFLineEndsAndAByteOrderMarkEverywhere() throws {
        let dir = try makeTempDir()
        let clean = try load(obj: Self.cleanOBJ, mtl: Self.cleanMTL, in: dir)
        assertSameScene(try load(obj: Self.cleanOBJ, mtl: Self.cleanMTL, lineEnd: "\r\n", in: dir), clean, "CRLF")
        // A UTF-8 byte order mark (as some Windows editors write) is not part of the first statement.
        assertSameScene(try load(obj: ["\u{FEFF}" + Self.cleanOBJ[0]] + Self.cleanOBJ.dropFirst(),
                                 mtl: ["\u{FEFF}" + Self.cleanMTL[0]] + Self.cleanMTL.dropFirst(), in: dir), clean, "BOM")
        let v = try load(obj: ["\u{FEFF}v 0 0 0", "v 1 0 0", "v 0 0 1", "f 1 2 3"], mtl: [], in: dir)
        XCTAssertEqual(v.mesh.vertices.count, 3, "the first vertex behind a BOM is read")
    }

    func testCommentOnlyAndBlankLinesAndAContinuationAtTheEndOfTheFile() throws {
        let dir = try makeTempDir()
        let obj = ["# header", "   ", "\t# indented comment", "v 0 0 0", "v 1 0 0", "v 0 0 1", "#", "f 1 2 \\", "3 \\"]
        let r = try load(obj: obj, mtl: [], in: dir)
        XCTAssertEqual(r.mesh.triangles, [SIMD3(0, 1, 2)], "a statement continued past the last line ends there")
    }

    func testAContinuedFaceWithTooFewVerticesOrABadIndexNamesItsLine() throws {
        let dir = try makeTempDir()
        let path = dir + "/bad.obj"
        // Errors name the line the bad token is on (a continued statement spans several).
        let cases: [(String, Int, String)] = [
            ("v 0 0 0\nv 1 0 0\nv 0 0 1\nf 1 \\\n 2 \\\n 9\n", 6, "out of range"),
            ("v 0 0 0\nv 1 0 0\nv 0 0 1\nf 1 \\\n 2 # and nothing else\n", 4, "at least 3"),
            ("v 0 0 0\nv 1 0 0\nv 0 0 1\nf 1 2 3 \\\n\n# x\nf 1 2 # 3\n", 7, "at least 3"),
            ("v 0 \\\n 0\n", 1, "x y z"),
            ("v 0 0 \\\n 0x1\n", 2, "malformed number '0x1'"),
            ("v 0 0 0\nv 1 0 0\nv 0 0 1\nf 1 2 #3\n", 4, "at least 3"),
        ]
        try expectOBJErrors(cases, at: path)
    }

    func testContinuedStatementsAreJoinedAcrossLines() throws {
        let dir = try makeTempDir()
        let r = try load(obj: ["v 0 \\", "0 \\", "0", "v 1 0 0", "v 0 0 1", "g living_room \\", "sofa_2", "f 1 2 \\", "3"],
                         mtl: [], in: dir)
        XCTAssertEqual(r.mesh.vertices, [Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 0, 1)])
        XCTAssertEqual(r.mesh.triangles, [SIMD3(0, 1, 2)])
        // A line break after `\` separates tokens as a blank does: the group has two names, joined by `_`.
        XCTAssertEqual(r.instances, [InstanceInfo(id: 1, category: "living room sofa")])
    }

    func testKdWithOneValueSpectralAndXYZ() throws {
        let dir = try makeTempDir()
        // MTL: `Kd r` means r = g = b; `Kd spectral file.rfl` and `Kd xyz x y z` are valid but not read (a warning,
        // the material stays grey).
        let r = try load(obj: ["mtllib syntax.mtl", "v 0 0 0", "v 1 0 0", "v 0 0 1",
                               "usemtl grey_half", "f 1 2 3", "usemtl spectral", "f 1 2 3", "usemtl cie", "f 1 2 3"],
                         mtl: ["newmtl grey_half", "Kd 0.5", "newmtl spectral", "Kd spectral wood.rfl 1.0",
                               "newmtl cie", "Kd xyz 0.3 0.3 0.3"], in: dir)
        XCTAssertEqual(r.mesh.triangleColors, [RGB8(128, 128, 128), TriangleMesh.defaultOBJColor, TriangleMesh.defaultOBJColor])
        XCTAssertEqual(r.warnings.count, 2, "\(r.warnings)")
        XCTAssertTrue(r.warnings.allSatisfy { $0.contains(dir + "/syntax.mtl:") }, "\(r.warnings)")
        XCTAssertTrue(r.warnings.contains { $0.contains("syntax.mtl:4") && $0.contains("spectral") }, "\(r.warnings)")
        XCTAssertTrue(r.warnings.contains { $0.contains("syntax.mtl:6") && $0.contains("xyz") }, "\(r.warnings)")
        // Two numbers are still malformed (the line of the statement; a bad number's own line).
        try Data("newmtl m\nKd 1 0\n".utf8).write(to: URL(fileURLWithPath: dir + "/syntax.mtl"))
        let e = expectBadFile { try TriangleMesh.loadOBJ(path: dir + "/syntax.obj") }
        XCTAssertEqual(e?.path, dir + "/syntax.mtl")
        XCTAssertEqual(e?.line, 2)
        try Data("newmtl m\nKd 1 \\\n  0 x\n".utf8).write(to: URL(fileURLWithPath: dir + "/syntax.mtl"))
        let e2 = expectBadFile { try TriangleMesh.loadOBJ(path: dir + "/syntax.obj") }
        XCTAssertEqual(e2?.line, 3)
        XCTAssertTrue(e2?.reason.contains("'x'") ?? false, e2?.reason ?? "")
    }
}
