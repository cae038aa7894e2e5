import Foundation

/// Decodes JSON file content into `T` (keys as `T`'s CodingKeys spell them), turning `DecodingError`s into `VLNError.badFile`
/// that names the file and the field path (e.g. `events[2].step`) and, for syntax errors, the line.
/// - Parameters:
///   - data: the file's bytes.
///   - path: the file's path, for messages.
public func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data, path: String) throws -> T {
    do {
        return try JSONDecoder().decode(type, from: data)
    } catch let error as DecodingError {
        throw VLNError.badFile(path: path, line: jsonLine(of: error, in: data), field: fieldPath(of: error), reason: reason(of: error))
    }
}

/// Reads and decodes a JSON file (see `decodeJSON(_:from:path:)`).
/// - Throws: `VLNError.io` if the file cannot be read, `VLNError.badFile` if it does not decode.
public func loadJSON<T: Decodable>(_ type: T.Type, path: String) throws -> T {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw VLNError.io(path: path, reason: "cannot read: \((error as NSError).localizedDescription)")
    }
    return try decodeJSON(type, from: data, path: path)
}

private func snake(_ key: String) -> String {
    var out = ""
    for ch in key {
        if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
    }
    return out
}

private func render(_ codingPath: [CodingKey]) -> String {
    var s = ""
    for key in codingPath {
        if let i = key.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + snake(key.stringValue) }
    }
    return s
}

private func fieldPath(of error: DecodingError) -> String? {
    switch error {
    case let .keyNotFound(key, ctx):
        let p = render(ctx.codingPath + [key])
        return p.isEmpty ? nil : p
    case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx), let .dataCorrupted(ctx):
        let p = render(ctx.codingPath)
        return p.isEmpty ? nil : p
    @unknown default: return nil
    }
}

private func reason(of error: DecodingError) -> String {
    switch error {
    case let .keyNotFound(key, ctx): return "missing required field '\(render(ctx.codingPath + [key]))'"
    case let .typeMismatch(type, ctx): return "field '\(render(ctx.codingPath))' has the wrong type (expected \(type))"
    case let .valueNotFound(type, ctx): return "field '\(render(ctx.codingPath))' is null (expected \(type))"
    case let .dataCorrupted(ctx):
        if let underlying = ctx.underlyingError as NSError? {
            return "invalid JSON: \(underlying.userInfo[NSDebugDescriptionErrorKey] ?? underlying.localizedDescription)"
        }
        return ctx.debugDescription
    @unknown default: return "cannot decode"
    }
}

/// For syntax errors Foundation reports a character index; turn it into a 1-based line number.
private func jsonLine(of error: DecodingError, in data: Data) -> Int? {
    guard case let .dataCorrupted(ctx) = error, let ns = ctx.underlyingError as NSError?,
          let index = ns.userInfo["NSJSONSerializationErrorIndex"] as? Int else { return nil }
    return data.prefix(index).reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
}

/// Encodes `value` as pretty, key-sorted JSON with snake_case keys and writes it atomically.
public func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    try writeAtomically(data + Data("\n".utf8), to: path)
}
