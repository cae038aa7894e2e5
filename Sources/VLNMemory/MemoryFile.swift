import CZlib
import Foundation
import VLNCore

/// The `.vlnmem` file: the whole memory (every slot, live or free, and the free lists), so that a memory loaded
/// from a file continues exactly as the one that was saved (lifelong memory across episodes).
///
/// Layout, little-endian:
///
///     bytes 0–7    magic "VLNMEM\r\n" (the CR LF catches text-mode mangling, as PNG's signature)
///     bytes 8–11   format version (UInt32) = `TokenMemory.fileVersion`
///     bytes 12–15  header length H (UInt32)
///     H bytes      header: JSON {configuration, featureDimension, frameCount, patchSlots, instanceSlots, zoneSlots,
///                  freePatches, freeInstances, freeZones, lastInserted}
///     arrays, in the order `save` writes them (patches, instances, zones, free lists, last frame's patches), each the
///     raw little-endian elements (counts from the header)
///     last 4 bytes CRC-32 (zlib `crc32`) of everything before it
///
/// Members of instances and zones are not stored: they are rebuilt from each patch's (instance, index) and each
/// instance's (zone, index), then the invariants are checked. The instances' normalised features are written as the
/// memory computes them from the exact feature sums (which are written current, zeros for a free slot); `load` skips
/// them and computes them from the sums again (the same values for a file that `save` wrote).
extension TokenMemory {
    /// The current `.vlnmem` format version.
    public static let fileVersion: UInt32 = 1
    static let magic: [UInt8] = Array("VLNMEM\r\n".utf8)

    struct FileHeader: Codable {
        var configuration: TokenMemoryConfiguration
        var featureDimension: Int, frameCount: Int
        var patchSlots: Int, instanceSlots: Int, zoneSlots: Int
        var freePatches: Int, freeInstances: Int, freeZones: Int, lastInserted: Int
    }

    /// Writes the memory to `path` atomically (temporary file, then rename).
    /// - Throws: `VLNError.io` naming the path if it cannot be written.
    public func save(to path: String) throws {
        var out = Data()
        out.append(contentsOf: Self.magic)
        append(Self.fileVersion, to: &out)
        let header = FileHeader(configuration: configuration, featureDimension: featureDimension, frameCount: frameCount,
                                patchSlots: px.count, instanceSlots: iAlive.count, zoneSlots: zAlive.count,
                                freePatches: freePatches.count, freeInstances: freeInstances.count, freeZones: freeZones.count,
                                lastInserted: lastInsertedPatches.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]            // the same memory gives the same bytes
        let json = try encoder.encode(header)
        append(UInt32(json.count), to: &out)
        out.append(json)
        func put<T>(_ a: [T]) { a.withUnsafeBytes { out.append(contentsOf: $0) } }
        put(px); put(py); put(pz); put(pFeature); put(pScale); put(pDirection.flatMap { [$0.x, $0.y, $0.z] })
        put(pStep); put(pFrame); put(pInstance); put(pMemberIndex); put(pAlive.map { UInt8($0 ? 1 : 0) }); put(freePatches)
        // Instance features: the sums (a free slot's row as zeros, whatever it held), then the normalised features
        // (computed from the sums; zeros for a free slot).
        let d = featureDimension
        var sums = iFeatureSum, features = [Float](repeating: 0, count: iAlive.count * d)
        sums.withUnsafeMutableBufferPointer { s in features.withUnsafeMutableBufferPointer { f in
            for i in 0..<iAlive.count {
                if !iAlive[i] {
                    s[i * d ..< (i + 1) * d].update(repeating: 0)
                } else {
                    if iSumStale[i] { featureSum(iMembers[i], into: s.baseAddress! + i * d) }
                    normalisedFeature(i, into: f.baseAddress! + i * d)
                }
            }
        }}
        put(iAlive.map { UInt8($0 ? 1 : 0) }); put(iPositionSum.flatMap { [$0.x, $0.y, $0.z] }); put(sums); put(features)
        put(iCentre.flatMap { [$0.x, $0.y, $0.z] }); put(iLower.flatMap { [$0.x, $0.y, $0.z] }); put(iUpper.flatMap { [$0.x, $0.y, $0.z] })
        put(iZone); put(iZoneIndex); put(iLastSeen); put(iFirstSeen); put(freeInstances)
        put(zAlive.map { UInt8($0 ? 1 : 0) }); put(zCell.flatMap { [$0.x, $0.y, $0.z] }); put(zCentre.flatMap { [$0.x, $0.y, $0.z] })
        put(freeZones); put(lastInsertedPatches)
        let crc = out.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: UInt8.self).baseAddress, uInt($0.count))) }
        append(crc, to: &out)
        try writeAtomically(out, to: path)
    }

    private func append(_ v: UInt32, to d: inout Data) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }

    /// Reads a memory written by `save`.
    /// - Parameter merge: the merge rule to continue with (not stored in the file; default: the geometric rule).
    /// - Throws: `VLNError.io` if the file cannot be read; `VLNError.badFile` naming the path and the field for a
    ///   file that is not a `.vlnmem`, of another version, truncated or longer than its header says, whose
    ///   checksum does not match (corrupted), or whose content is inconsistent (counts, references, free lists,
    ///   non-finite positions: every invariant of `invariantViolations` is checked).
    public static func load(from path: String, merge: (any InstanceMerge)? = nil) throws -> TokenMemory {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw VLNError.io(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        let bytes = [UInt8](data)
        func bad(_ field: String, _ reason: String) -> VLNError { .badFile(path: path, field: field, reason: reason) }
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else { throw bad("magic", "not a vlnsim memory file (.vlnmem)") }
        func u32(_ at: Int) -> UInt32 { bytes[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        let version = u32(8)
        guard version == fileVersion else {
            throw bad("version", "format version \(version); this vlnsim reads version \(fileVersion)")
        }
        let stored = u32(bytes.count - 4)
        let actual = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt(bytes.count - 4))) }
        let headerLength = Int(u32(12))
        guard 16 + headerLength + 4 <= bytes.count else { throw bad("header", "truncated (\(bytes.count) bytes)") }
        let header: FileHeader
        do { header = try JSONDecoder().decode(FileHeader.self, from: Data(bytes[16..<16 + headerLength])) } catch {
            throw bad("header", stored == actual ? "unreadable: \(error)" : "checksum mismatch: the file is corrupted")
        }
        let d = header.featureDimension, P = header.patchSlots, I = header.instanceSlots, Z = header.zoneSlots
        // Every count is bounded by the file's size (each item takes at least a byte), so the products below cannot
        // overflow.
        let counts = [P, I, Z, header.freePatches, header.freeInstances, header.freeZones, header.lastInserted]
        guard d >= 0, d < 1 << 20, counts.allSatisfy({ $0 >= 0 && $0 <= bytes.count }), P < Int(Int32.max), I < Int(Int32.max) else {
            throw bad("header", stored == actual ? "negative or impossible counts" : "checksum mismatch: the file is corrupted")
        }
        guard (0...Int(Int32.max)).contains(header.frameCount), d > 0 || P + I + Z == 0 else {
            throw bad("header", stored == actual ? "invalid frameCount or featureDimension" : "checksum mismatch: the file is corrupted")
        }
        let expected = 16 + headerLength
            + P * (4 * 3 + 2 * d + 4 + 12 + 4 * 4 + 1) + header.freePatches * 4
            + I * (1 + 24 + 8 * d + 4 * d + 36 + 4 * 4) + header.freeInstances * 4
            + Z * (1 + 12 + 12) + header.freeZones * 4 + header.lastInserted * 4 + 4
        guard bytes.count == expected else {
            throw bad("length", bytes.count < expected
                      ? "truncated: \(bytes.count) bytes, the header describes \(expected)"
                      : "\(bytes.count) bytes, the header describes \(expected) (trailing data)")
        }
        guard stored == actual else { throw bad("checksum", "CRC-32 mismatch (stored \(stored), computed \(actual)): the file is corrupted") }

        var at = 16 + headerLength
        func take<T>(_ count: Int, _: T.Type) -> [T] {
            let n = count * MemoryLayout<T>.stride
            defer { at += n }
            return bytes.withUnsafeBytes { raw in
                [T](unsafeUninitializedCapacity: count) { buf, initialised in
                    UnsafeMutableRawBufferPointer(buf).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[at..<at + n]))
                    initialised = count
                }
            }
        }
        func vec3(_ count: Int) -> [Vec3] { let f = take(count * 3, Float.self); return (0..<count).map { Vec3(f[3 * $0], f[3 * $0 + 1], f[3 * $0 + 2]) } }
        var m: TokenMemory
        do { m = try TokenMemory(configuration: header.configuration, featureDimension: d > 0 ? d : nil, merge: merge) } catch {
            throw bad("configuration", "\(error)")
        }
        m.frameCount = header.frameCount
        m.px = take(P, Float.self); m.py = take(P, Float.self); m.pz = take(P, Float.self)
        m.pFeature = take(P * d, UInt16.self); m.pScale = take(P, Float.self); m.pDirection = vec3(P)
        m.pStep = take(P, Int32.self); m.pFrame = take(P, Int32.self); m.pInstance = take(P, Int32.self)
        m.pMemberIndex = take(P, Int32.self); m.pAlive = take(P, UInt8.self).map { $0 != 0 }
        m.freePatches = take(header.freePatches, Int32.self)
        m.iAlive = take(I, UInt8.self).map { $0 != 0 }
        let sums = take(I * 3, Double.self)
        m.iPositionSum = (0..<I).map { SIMD3<Double>(sums[3 * $0], sums[3 * $0 + 1], sums[3 * $0 + 2]) }
        // The stored normalised features are skipped: the memory computes them from the sums when asked (the same
        // values for a file that `save` wrote).
        m.iFeatureSum = take(I * d, Double.self); at += I * d * MemoryLayout<Float>.stride
        m.iSumStale = [Bool](repeating: false, count: I)
        m.iCentre = vec3(I); m.iLower = vec3(I); m.iUpper = vec3(I)
        m.iZone = take(I, Int32.self); m.iZoneIndex = take(I, Int32.self); m.iLastSeen = take(I, Int32.self); m.iFirstSeen = take(I, Int32.self)
        m.freeInstances = take(header.freeInstances, Int32.self)
        m.zAlive = take(Z, UInt8.self).map { $0 != 0 }
        let cells = take(Z * 3, Int32.self)
        m.zCell = (0..<Z).map { SIMD3<Int32>(cells[3 * $0], cells[3 * $0 + 1], cells[3 * $0 + 2]) }
        m.zCentre = vec3(Z); m.freeZones = take(header.freeZones, Int32.self)
        m.lastInsertedPatches = take(header.lastInserted, Int32.self)
        guard m.lastInsertedPatches.allSatisfy({ $0 >= 0 && Int($0) < P }) else { throw bad("lastInserted", "a patch id out of range") }

        // Rebuild members, the cell map and the counts, checking every reference on the way.
        /// Lists of members per container from each member's (container, index); nil container = not a member.
        func members(count: Int, of items: Int, container: (Int) -> Int?, index: (Int) -> Int32, isLive: (Int) -> Bool,
                     field: String, names: (String, String)) throws -> [[Int32]] {
            var lists = [[Int32]](repeating: [], count: count)
            for item in 0..<items {
                guard let c = container(item) else { continue }
                guard c >= 0, c < count, isLive(c) else { throw bad(field, "\(names.0) \(item) is in \(names.1) \(c), which is not live") }
                let at = Int(index(item))
                guard at >= 0, at < items else { throw bad(field, "\(names.0) \(item) has an invalid place in \(names.1) \(c)") }
                if lists[c].count <= at { lists[c] += [Int32](repeating: -1, count: at + 1 - lists[c].count) }
                guard lists[c][at] == -1 else { throw bad(field, "\(names.0) \(item) has an invalid place in \(names.1) \(c)") }
                lists[c][at] = Int32(item)
            }
            for (c, list) in lists.enumerated() where list.contains(-1) {
                throw bad(field, "\(names.1) \(c) has a gap in its member list")
            }
            return lists
        }
        guard P < Int(Int32.max), I < Int(Int32.max) else { throw bad("header", "too many slots") }
        m.iMembers = try members(count: I, of: P, container: { m.pAlive[$0] && m.pInstance[$0] >= 0 ? Int(m.pInstance[$0]) : nil },
                                 index: { m.pMemberIndex[$0] }, isLive: { m.iAlive[$0] }, field: "patches", names: ("patch", "instance"))
        m.zMembers = try members(count: Z, of: I, container: { m.iAlive[$0] ? Int(m.iZone[$0]) : nil },
                                 index: { m.iZoneIndex[$0] }, isLive: { m.zAlive[$0] }, field: "instances", names: ("instance", "zone"))
        for z in 0..<Z where m.zAlive[z] { m.zoneOfCell[m.zCell[z]] = Int32(z) }
        m.livePatchCount = m.pAlive.filter { $0 }.count
        m.liveInstanceCount = m.iAlive.filter { $0 }.count
        m.liveZoneCount = m.zAlive.filter { $0 }.count
        let violations = m.invariantViolations()
        guard violations.isEmpty else { throw bad("content", "inconsistent memory: \(violations.joined(separator: "; "))") }
        return m
    }
}
