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
        if case let .dataCorrupted(ctx) = error, ctx.codingPath.isEmpty, let syntax = syntaxError(in: data) {
            throw VLNError.badFile(path: path, line: syntax.line, reason: "invalid JSON: \(syntax.message)")
        }
        throw VLNError.badFile(path: path, field: fieldPath(of: error), reason: reason(of: error))
    }
}

/// Reads and decodes a JSON file (see `decodeJSON(_:from:path:)`).
/// - Throws: `VLNError.io` if the file cannot be read, `VLNError.badFile` if it does not decode.
public func loadJSON<T: Decodable>(_ type: T.Type, path: String) throws -> T {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw VLNError.io(path: path, reason: "is a folder, not a JSON file")
    }
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
        // Foundation's wording ("The given data was not valid JSON.") also covers valid JSON with a value the type
        // cannot hold, e.g. a number out of range.
        return ctx.codingPath.isEmpty ? "cannot decode a value (a number out of range for its field?)" : ctx.debugDescription
    @unknown default: return "cannot decode"
    }
}

/// A JSON syntax error with its 1-based line: JSONDecoder does not say where, JSONSerialization says
/// "… around character N" (the index may also come as NSJSONSerializationErrorIndex).
private func syntaxError(in data: Data) -> (line: Int?, message: String)? {
    do {
        _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        return nil
    } catch {
        let info = (error as NSError).userInfo
        let message = (info[NSDebugDescriptionErrorKey] as? String) ?? (error as NSError).localizedDescription
        var index = info["NSJSONSerializationErrorIndex"] as? Int
        if index == nil, let r = message.range(of: "character ") {
            index = Int(message[r.upperBound...].prefix { $0.isNumber })
        }
        let line = index.map { i in data.prefix(i).reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } }
        return (line, message)
    }
}

/// Encodes `value` as pretty, key-sorted JSON with snake_case keys and writes it atomically.
public func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    try writeAtomically(data + Data("\n".utf8), to: path)
}
