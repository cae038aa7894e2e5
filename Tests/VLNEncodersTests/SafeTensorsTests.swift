import Foundation
import VLNCore
import VLNEncoders
import VLNTestSupport
import XCTest

/// The safetensors reader: round trip, conversions, and every way a header can lie.
final class SafeTensorsTests: XCTestCase {
    /// A file from a hand-written header (padded to 8 bytes) and a data section.
    static func file(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> Data {
        var h = Data(header.utf8)
        while h.count % 8 != 0 { h.append(UInt8(ascii: " ")) }
        var length = (declaredLength ?? UInt64(h.count)).littleEndian
        var out = Data()
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        return out + h + Data(data)
    }

    /// Expects `VLNError.badFile` whose message holds every string of `mentions`.
    func expectBad(_ bytes: Data, mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors(data: bytes, path: "weights.safetensors"), file: file, line: line) { error in
            guard let e = error as? VLNError, case .badFile = e else { return XCTFail("not badFile: \(error)", file: file, line: line) }
            for m in mentions + ["weights.safetensors"] {
                XCTAssertTrue(e.description.contains(m), "'\(e.description)' lacks '\(m)'", file: file, line: line)
            }
        }
    }

    func testRoundTripWithMetadata() throws {
        let dir = try makeTempDir()
        let path = dir + "/t.safetensors"
        try SafeTensors.write(["a": ([2, 3], [1, 2, 3, 4, 5, 6]), "b.bias": ([3], [-1, 0, 1.5]), "scalar": ([], [7])],
                              metadata: ["format": "pt"], to: path)
        let st = try SafeTensors(contentsOf: path)
        XCTAssertEqual(st.names, ["a", "b.bias", "scalar"])
        XCTAssertEqual(st.metadata, ["format": "pt"])
        XCTAssertEqual(try st.floats("a", shape: [2, 3]), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try st.floats("b.bias"), [-1, 0, 1.5])
        XCTAssertEqual(try st.floats("scalar", shape: []), [7])
        XCTAssertEqual(try st.info("a").dtype, .float32)
        XCTAssertEqual(filesIn(dir), ["t.safetensors"], "atomic write leaves no temporary file")
    }

    func testConvertsF16BF16F64AndIntegers() throws {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 0x0001 = 2^-24.
        // BF16: 1.0 = 0x3F80, -0.5 = 0xBF00. F64: 0.25. I64: -3, 2^40.
        var data = [UInt8]()
        for h: UInt16 in [0x3C00, 0xC000, 0x7BFF, 0x0001] { data += [UInt8(h & 0xFF), UInt8(h >> 8)] }
        for h: UInt16 in [0x3F80, 0xBF00] { data += [UInt8(h & 0xFF), UInt8(h >> 8)] }
        data += withUnsafeBytes(of: Double(0.25).bitPattern.littleEndian, Array.init)
        data += withUnsafeBytes(of: Int64(-3).littleEndian, Array.init)
        data += withUnsafeBytes(of: Int64(1 << 40).littleEndian, Array.init)
        let header = """
        {"__metadata__":{"format":"pt"},"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},\
        "bf":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"d":{"dtype":"F64","shape":[1],"data_offsets":[12,20]},\
        "i":{"dtype":"I64","shape":[1,2],"data_offsets":[20,36]}}
        """
        let st = try SafeTensors(data: Self.file(header: header, data: data))
        XCTAssertEqual(try st.floats("h"), [1, -2, 65504, 0x1p-24])
        XCTAssertEqual(try st.floats("bf"), [1, -0.5])
        XCTAssertEqual(try st.floats("d"), [0.25])
        XCTAssertEqual(try st.int64s("i"), [-3, 1 << 40])
        XCTAssertEqual(try st.floats("i", shape: [1, 2]), [-3, Float(1 << 40)])
        XCTAssertEqual(SafeTensors.float(fromHalfBits: 0x7C00), .infinity)
        XCTAssertTrue(SafeTensors.float(fromHalfBits: 0x7E00).isNaN)
        XCTAssertThrowsError(try st.int64s("h"))
    }

    func testHeaderLengthBeyondTheFileIsAnError() {
        expectBad(Self.file(header: "{}", data: [], declaredLength: 1_000_000), mentions: ["header", "runs past the end"])
        expectBad(Data([1, 2, 3]), mentions: ["header", "shorter than"])
        expectBad(Self.file(header: "{}", data: [], declaredLength: UInt64.max), mentions: ["header"])
    }

    func testHeaderThatIsNotJSONIsAnError() {
        expectBad(Self.file(header: "{\"a\": [", data: []), mentions: ["header", "JSON"])
        expectBad(Self.file(header: "[1, 2]", data: []), mentions: ["header", "object"])
    }

    func testOffsetsBeyondTheDataSectionAreAnError() {
        expectBad(Self.file(header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 8)),
                  mentions: ["w.data_offsets", "past the end of the data section"])
    }

    func testOffsetsThatDisagreeWithDtypeAndShapeAreAnError() {
        expectBad(Self.file(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 16)),
                  mentions: ["w.data_offsets", "16 bytes", "needs 12"])
        expectBad(Self.file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: [UInt8](repeating: 0, count: 8)),
                  mentions: ["w.data_offsets", "not a byte range"])
        expectBad(Self.file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, data: [UInt8](repeating: 0, count: 8)),
                  mentions: ["w.data_offsets"])
        expectBad(Self.file(header: #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
                  mentions: ["w.shape"])
        expectBad(Self.file(header: #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
                  mentions: ["w.shape"])
    }

    func testOverlappingTensorsAreAnError() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        expectBad(Self.file(header: header, data: [UInt8](repeating: 0, count: 12)), mentions: ["b.data_offsets", "overlap", "'a'"])
    }

    func testGapsAndTrailingBytesAreAnError() {
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        expectBad(Self.file(header: gap, data: [UInt8](repeating: 0, count: 12)), mentions: ["b.data_offsets", "to no tensor"])
        let trailing = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        expectBad(Self.file(header: trailing, data: [UInt8](repeating: 0, count: 12)), mentions: ["cover 4 bytes", "holds 12"])
    }

    func testUnsupportedDtypeIsAnError() {
        expectBad(Self.file(header: #"{"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 16)),
                  mentions: ["w.dtype", "F128"])
        expectBad(Self.file(header: #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, data: [UInt8](repeating: 0, count: 4)), mentions: ["w.dtype", "missing"])
    }

    func testMissingTensorWrongShapeAndMissingFileAreErrors() throws {
        let st = try SafeTensors(data: SafeTensors.encode(["w": ([2, 2], [1, 2, 3, 4])]), path: "m.safetensors")
        XCTAssertThrowsError(try st.floats("w", shape: [4])) { e in
            XCTAssertEqual((e as? VLNError)?.description, "m.safetensors (w): shape [2, 2], expected [4]")
        }
        XCTAssertThrowsError(try st.floats("nope")) { e in XCTAssertTrue("\(e)".contains("nope") && "\(e)".contains("no such tensor")) }
        XCTAssertThrowsError(try SafeTensors(contentsOf: "/nonexistent/x.safetensors")) { e in
            guard case .io(let path, _)? = e as? VLNError else { return XCTFail("\(e)") }
            XCTAssertEqual(path, "/nonexistent/x.safetensors")
        }
    }

    func testEmptyFileWithNoTensorsIsValid() throws {
        let st = try SafeTensors(data: Self.file(header: "{}", data: []))
        XCTAssertTrue(st.tensors.isEmpty)
    }

    func testMatrixProductAndLinearLayerThroughOpenBLAS() {
        let a = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        let b = Matrix(rows: 3, columns: 2, values: [7, 8, 9, 10, 11, 12])
        XCTAssertEqual(a.multiplied(by: b).values, [58, 64, 139, 154])
        XCTAssertEqual(a.multiplied(by: b.transposed(), transposeOther: true).values, [58, 64, 139, 154])
        XCTAssertEqual(a.transposed().values, [1, 4, 2, 5, 3, 6])
        // Linear in PyTorch's layout: W is outputs × inputs.
        let l = Linear(weight: [1, 0, 0, 0, 1, 1], bias: [0.5, -1], inputs: 3, outputs: 2)
        var y = [Float](repeating: 0, count: 4)
        a.values.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { l.apply(rows: 2, x: x.baseAddress!, ldx: 3, y: $0.baseAddress!, ldy: 2) }
        }
        XCTAssertEqual(y, [1.5, 4, 4.5, 10])
        let both = Linear(concatenating: [l, l])
        XCTAssertEqual(both.outputs, 4)
        XCTAssertEqual(both.bias, [0.5, -1, 0.5, -1])
        XCTAssertEqual(BLAS.threadCount, 1, "vlnsim keeps OpenBLAS single-threaded")
    }

    func testVectorMathAgainstFoundation() {
        let xs: [Float] = stride(from: -6, through: 6, by: 0.01).map { Float($0) }
        var worstExp: Float = 0, worstGelu: Float = 0
        let e = VectorMath.exp(xs + [-60, 60, 85])
        var g = xs
        g.withUnsafeMutableBufferPointer { VectorMath.geluInPlace($0.baseAddress!, count: xs.count) }
        for (i, x) in (xs + [-60, 60, 85]).enumerated() { worstExp = max(worstExp, abs(e[i] - Foundation.exp(x)) / Foundation.exp(x)) }
        for (i, x) in xs.enumerated() {
            let exact = Double(x) * 0.5 * (1 + Foundation.erf(Double(x) / 2.0.squareRoot()))
            worstGelu = max(worstGelu, Float(abs(Double(g[i]) - exact)))
        }
        XCTAssertLessThan(worstExp, 3e-7)
        XCTAssertLessThan(worstGelu, 1e-6)
        XCTAssertEqual(VectorMath.exp([-200])[0], 0, accuracy: 1e-37)
        // Softmax and LayerNorm on one row.
        var row: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        row.withUnsafeMutableBufferPointer { VectorMath.softmaxRowsInPlace($0.baseAddress!, rows: 1, width: 8, ld: 8) }
        let z = (1...8).reduce(0.0) { $0 + Foundation.exp(Double($1)) }
        for i in 0..<8 { XCTAssertEqual(Double(row[i]), Foundation.exp(Double(i + 1)) / z, accuracy: 1e-6) }
        var ln: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        let gamma = [Float](repeating: 2, count: 8), beta = [Float](repeating: 1, count: 8)
        ln.withUnsafeMutableBufferPointer { VectorMath.layerNormInPlace($0.baseAddress!, rows: 1, width: 8, gamma: gamma, beta: beta, eps: 0) }
        for i in 0..<8 { XCTAssertEqual(ln[i], (Float(i + 1) - 4.5) / Float(5.25).squareRoot() * 2 + 1, accuracy: 1e-5) }
    }
}
