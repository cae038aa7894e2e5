import Foundation
import VLNCore

/// Ground-truth semantic features for simulated scenes: each patch gets the text embedding (e.g. all-MiniLM-L6-v2,
/// 384 values) of its majority instance's category, so the token memory and planners can be studied without a
/// perception error — or with a controlled one (Gaussian noise).
///
/// The instance-id image is cut into `patchSize × patchSize`-pixel patches from the top-left, `ceil(height /
/// patchSize) × ceil(width / patchSize)` of them (the last row and column may be narrower). A patch's feature is
/// the embedding of the category of the instance id covering most of its pixels (ties: the smaller id); zeros
/// when that id is 0 (no instance) or has no category. With `noiseSigma > 0`, each non-zero feature gets
/// independent `N(0, σ²)` noise per value and is L2-normalised again.
///
/// Independent of the simulator: it takes the instance image and the id → category map. Embeddings are computed
/// once per category, at initialisation.
public struct GroundTruthSemanticEncoder: FeatureMapEncoder {
    /// Instance id → category (e.g. "sofa").
    public let categories: [UInt32: String]
    /// Patch side, pixels.
    public let patchSize: Int
    /// Standard deviation of the noise added to each value of a (unit) feature; 0 = none.
    public let noiseSigma: Float
    /// Seed of the noise (see `featureMap(_:)`).
    public let seed: UInt64
    /// Category → embedding (`channels` values).
    public let embeddings: [String: [Float]]
    /// Length of every patch feature: the text encoder's embedding length.
    public let channels: Int

    /// - Parameters:
    ///   - textEncoder: embeds each distinct category once.
    ///   - categories: instance id → category.
    ///   - patchSize: patch side in pixels (16 gives a 16×16 grid on a 256×256 frame).
    ///   - noiseSigma: noise standard deviation, ≥ 0.
    ///   - seed: noise seed.
    /// - Throws: `VLNError.invalidValue` (field `patchSize` or `noiseSigma`) for a bad value; whatever the text
    ///   encoder throws.
    public init(textEncoder: TextEncoder, categories: [UInt32: String], patchSize: Int = 16, noiseSigma: Float = 0, seed: UInt64 = 0) throws {
        guard patchSize >= 1 else { throw VLNError.invalidValue(field: "patchSize", reason: "\(patchSize) pixels; it must be at least 1") }
        guard noiseSigma >= 0, noiseSigma.isFinite else {
            throw VLNError.invalidValue(field: "noiseSigma", reason: "\(noiseSigma); it must be finite and ≥ 0")
        }
        let names = Array(Set(categories.values)).sorted()
        let vectors = try textEncoder.embed(batch: names)
        self.categories = categories
        self.patchSize = patchSize
        self.noiseSigma = noiseSigma
        self.seed = seed
        embeddings = Dictionary(uniqueKeysWithValues: zip(names, vectors))
        channels = textEncoder.dimension
    }

    /// This encoder with `newCategories` added (a scene event that adds an object), or itself when every id already
    /// has that category. The categories are embedded again with `textEncoder` (all of them, as `init` does).
    /// - Throws: whatever the text encoder throws.
    public func including(categories newCategories: [UInt32: String], textEncoder: TextEncoder) throws -> GroundTruthSemanticEncoder {
        guard newCategories.contains(where: { categories[$0.key] != $0.value }) else { return self }
        return try GroundTruthSemanticEncoder(textEncoder: textEncoder, categories: categories.merging(newCategories) { $1 },
                                              patchSize: patchSize, noiseSigma: noiseSigma, seed: seed)
    }

    /// The majority instance id of each patch, `patchesHigh × patchesWide`, row-major: the id covering most of the
    /// patch's pixels, ties to the smaller id.
    /// - Complexity: O(pixels × distinct ids per patch); a patch holds few ids, so it is counted in a short list
    ///   (no hashing), with the previous pixel's entry tried first (ids come in runs along a row).
    public func majorityIDs(_ ids: InstanceImage) -> (patchesHigh: Int, patchesWide: Int, ids: [UInt32]) {
        let w = ids.width, h = ids.height
        let ph = (h + patchSize - 1) / patchSize, pw = (w + patchSize - 1) / patchSize
        var out = [UInt32](repeating: 0, count: ph * pw)
        // Distinct ids of the current patch and their pixel counts (at most patchSize² entries).
        var seen = [UInt32](repeating: 0, count: min(patchSize * patchSize, w * h) + 1)
        var counts = [Int](repeating: 0, count: seen.count)
        ids.pixels.withUnsafeBufferPointer { px in
            seen.withUnsafeMutableBufferPointer { seen in
                counts.withUnsafeMutableBufferPointer { counts in
                    for py in 0..<ph {
                        let y0 = py * patchSize, y1 = min(y0 + patchSize, h)
                        for pxIndex in 0..<pw {
                            let x0 = pxIndex * patchSize, x1 = min(x0 + patchSize, w)
                            var n = 0, last = 0
                            for y in y0..<y1 {
                                let row = y &* w
                                for x in x0..<x1 {
                                    let id = px[row &+ x]
                                    if n > 0 && seen[last] == id { counts[last] &+= 1; continue }
                                    var k = 0
                                    while k < n && seen[k] != id { k &+= 1 }
                                    if k == n { seen[n] = id; counts[n] = 0; n &+= 1 }
                                    counts[k] &+= 1
                                    last = k
                                }
                            }
                            var best: (id: UInt32, count: Int) = (0, -1)
                            for k in 0..<n where counts[k] > best.count || (counts[k] == best.count && seen[k] < best.id) {
                                best = (seen[k], counts[k])
                            }
                            out[py &* pw &+ pxIndex] = best.id
                        }
                    }
                }
            }
        }
        return (ph, pw, out)
    }

    /// The feature map of `input.instanceIDs` (the colour image is not used), noise seeded by `noiseSeed`: the same
    /// seed and ids give the same map.
    /// - Throws: `VLNError.invalidValue` (field `instanceIDs`) without instance ids or for a zero-size image.
    public func featureMap(_ input: FeatureMapInput, noiseSeed: UInt64) throws -> FeatureMap {
        guard let ids = input.instanceIDs else {
            throw VLNError.invalidValue(field: "instanceIDs", reason: "the ground-truth semantic encoder needs the instance-id image (simulated frames)")
        }
        guard ids.width > 0, ids.height > 0 else {
            throw VLNError.invalidValue(field: "instanceIDs", reason: "the image is \(ids.width)×\(ids.height): nothing to encode")
        }
        let (ph, pw, majority) = majorityIDs(ids)
        var map = FeatureMap(patchesHigh: ph, patchesWide: pw, channels: channels)
        if noiseSigma == 0 {
            // Without noise a patch's feature is its category's embedding, looked up once per run of equal ids.
            let c = channels
            map.values.withUnsafeMutableBufferPointer { out in
                var lastID: UInt32 = 0, last: [Float]? = nil
                for (i, id) in majority.enumerated() where id != 0 {
                    if id != lastID { lastID = id; last = categories[id].flatMap { embeddings[$0] } }
                    guard let e = last, e.count == c else { continue }
                    e.withUnsafeBufferPointer { (out.baseAddress! + i &* c).update(from: $0.baseAddress!, count: c) }
                }
            }
            return map
        }
        var rng = SeededRandom(seed: noiseSeed)
        for (i, id) in majority.enumerated() {
            guard id != 0, let category = categories[id], var e = embeddings[category] else { continue }
            for j in 0..<e.count { e[j] += noiseSigma * GroundTruthSemanticEncoder.gaussian(&rng) }
            e = normalised(e)
            map.values.replaceSubrange((i * channels)..<((i + 1) * channels), with: e)
        }
        return map
    }

    /// The feature map of `input.instanceIDs`, noise seeded by `seed` mixed with a hash of the instance ids (so
    /// that different frames get different noise, and the same frame the same noise).
    /// - Throws: as `featureMap(_:noiseSeed:)`.
    public func featureMap(_ input: FeatureMapInput) throws -> FeatureMap {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the ids
        if noiseSigma > 0, let ids = input.instanceIDs {
            for v in ids.pixels { hash = (hash ^ UInt64(v)) &* 0x100_0000_01b3 }
        }
        return try featureMap(input, noiseSeed: seed ^ hash)
    }

    /// A standard normal sample (Box–Muller).
    static func gaussian(_ rng: inout SeededRandom) -> Float {
        let u1 = max(Double(rng.next() >> 11) * 0x1p-53, 0x1p-60), u2 = Double(rng.next() >> 11) * 0x1p-53
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }
}
