import Foundation
import VLNCore

/// A text encoder that embeds each distinct text once, alone (a batch of one), and hands out the stored vector
/// afterwards. Thread-safe: one instance can serve every worker thread of a run.
///
/// Why alone: a batched encoder (MiniLM pads a batch to its longest text) may round a text's embedding differently
/// depending on the other texts of the batch. Embedding every text by itself makes its vector a function of the text
/// only, so results cannot depend on which scene, worker or chain asked first.
public final class CachingTextEncoder: TextEncoder, @unchecked Sendable {
    /// The encoder that computes missing embeddings.
    public let base: any TextEncoder
    /// Length of every embedding: `base.dimension` (384 for all-MiniLM-L6-v2).
    public var dimension: Int { base.dimension }
    private let lock = NSLock()
    private var cache: [String: [Float]] = [:]

    /// Wraps `base`.
    public init(_ base: any TextEncoder) { self.base = base }

    /// The stored embedding of `text`, computed with `base.embed(_:)` on first use.
    /// - Throws: whatever `base` throws (nothing is stored then).
    public func embed(_ text: String) throws -> [Float] {
        lock.lock()
        if let hit = cache[text] { lock.unlock(); return hit }
        lock.unlock()
        let v = try base.embed(text)  // outside the lock; two threads may compute the same vector, which is deterministic
        lock.lock(); defer { lock.unlock() }
        if let hit = cache[text] { return hit }
        cache[text] = v
        return v
    }

    /// `embed(_:)` on each text in turn (never a batch of several: see the type's note).
    public func embed(batch texts: [String]) throws -> [[Float]] { try texts.map(embed) }

    /// Number of distinct texts embedded so far.
    public var count: Int { lock.lock(); defer { lock.unlock() }; return cache.count }
}
