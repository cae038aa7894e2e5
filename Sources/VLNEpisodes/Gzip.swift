import CZlib
import Foundation
import VLNCore

/// gzip (RFC 1952) through zlib, for `.json.gz` episode files.
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes 1f 8b.
    public static func isGzip(_ data: Data) -> Bool { data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B }

    /// Inflates a gzip stream (concatenated members included).
    /// - Parameter path: the file's path, for messages.
    /// - Throws: `VLNError.badFile` naming `path` if the stream is corrupt or truncated.
    public static func decompress(_ data: Data, path: String) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw VLNError.io(path: path, reason: "zlib inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var out = Data()
        let chunk = 1 << 18
        var buffer = [UInt8](repeating: 0, count: chunk)
        var status: Int32 = Z_OK
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                let produced: Int = buffer.withUnsafeMutableBufferPointer { b in
                    stream.next_out = b.baseAddress
                    stream.avail_out = uInt(chunk)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return chunk - Int(stream.avail_out)
                }
                out.append(contentsOf: buffer[0..<produced])
                if status == Z_STREAM_END {
                    if stream.avail_in == 0 { break }
                    inflateReset(&stream)  // another gzip member follows
                    continue
                }
                if status != Z_OK {
                    let msg = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw VLNError.badFile(path: path, reason: "corrupt gzip data: \(msg)")
                }
                if stream.avail_in == 0 && produced == 0 {
                    throw VLNError.badFile(path: path, reason: "corrupt gzip data: truncated stream")
                }
            }
        }
        return out
    }

    /// Deflates `data` into one gzip member (level 6).
    public static func compress(_ data: Data, path: String) throws -> Data {
        var stream = z_stream()
        guard deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw VLNError.io(path: path, reason: "zlib deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        var out = Data()
        let chunk = 1 << 18
        var buffer = [UInt8](repeating: 0, count: chunk)
        var status: Int32 = Z_OK
        data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                let produced: Int = buffer.withUnsafeMutableBufferPointer { b in
                    stream.next_out = b.baseAddress
                    stream.avail_out = uInt(chunk)
                    status = deflate(&stream, Z_FINISH)
                    return chunk - Int(stream.avail_out)
                }
                out.append(contentsOf: buffer[0..<produced])
            } while status == Z_OK
        }
        guard status == Z_STREAM_END else { throw VLNError.io(path: path, reason: "zlib deflate failed (status \(status))") }
        return out
    }
}

/// Reads a file, inflating it when its name ends in `.gz` (or its bytes start with the gzip magic).
/// - Throws: `VLNError.io` if it cannot be read; `VLNError.badFile` if the gzip data is corrupt.
public func readMaybeGzipped(path: String) throws -> Data {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw VLNError.io(path: path, reason: "cannot read: \((error as NSError).localizedDescription)")
    }
    if path.hasSuffix(".gz") || Gzip.isGzip(data) { return try Gzip.decompress(data, path: path) }
    return data
}

/// Writes `data` atomically, gzipped when `path` ends in `.gz`.
public func writeMaybeGzipped(_ data: Data, to path: String) throws {
    try writeAtomically(path.hasSuffix(".gz") ? Gzip.compress(data, path: path) : data, to: path)
}
