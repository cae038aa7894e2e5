import Foundation

/// Error policy (stated once): a failed `precondition` is a programmer error and never depends on user input;
/// bad files, fields and arguments are thrown as `VLNError`, whose description names the file and the line or
/// field.
public enum VLNError: Error, CustomStringConvertible, Equatable {
    /// A file could not be parsed. `line` is 1-based when known; `field` names the element or key.
    case badFile(path: String, line: Int? = nil, field: String? = nil, reason: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A value given by the user (a pose, an argument) is unusable.
    case invalidValue(field: String, reason: String)

    /// `path[:line][ (field)]: reason` for `badFile`, `path: reason` for `io`, `field: reason` for `invalidValue`.
    public var description: String {
        switch self {
        case let .badFile(path, line, field, reason):
            var s = path
            if let line { s += ":\(line)" }
            if let field { s += " (\(field))" }
            return "\(s): \(reason)"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .invalidValue(field, reason): return "\(field): \(reason)"
        }
    }
}

extension VLNError: LocalizedError {
    /// The same text as `description`, so `localizedDescription` shows the file, line and field.
    public var errorDescription: String? { description }
}

/// Writes a file so that readers never see it half-written: the bytes go to a temporary file in the same
/// folder, which is then renamed over `path`. On failure the temporary file is removed and nothing is left.
/// - Parameter write: writes the content to the temporary path it is given.
/// - Throws: whatever `write` throws, or `VLNError.io`.
public func writeAtomically(to path: String, _ write: (_ temporaryPath: String) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent().path
    let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    do {
        try write(tmp)
    } catch {
        try? FileManager.default.removeItem(atPath: tmp)
        throw error
    }
    if rename(tmp, path) != 0 {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(atPath: tmp)
        throw VLNError.io(path: path, reason: reason)
    }
}

/// Writes `data` to `path` atomically (see `writeAtomically(to:_:)`).
public func writeAtomically(_ data: Data, to path: String) throws {
    try writeAtomically(to: path) { tmp in
        do { try data.write(to: URL(fileURLWithPath: tmp)) } catch {
            throw VLNError.io(path: path, reason: error.localizedDescription)
        }
    }
}
