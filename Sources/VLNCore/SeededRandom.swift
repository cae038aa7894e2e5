/// SplitMix64: a small, fast, seedable generator, so the same seed gives the same scene, episode and noise on
/// every platform (Swift's `SystemRandomNumberGenerator` is not seedable). Steele, Lea & Flood 2014.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// A generator whose sequence is fixed by `seed` (any value, including 0).
    public init(seed: UInt64) { state = seed }
    /// The next 64 uniformly distributed bits (the SplitMix64 step).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi] (24 random bits scaled into the interval; float rounding can give `hi` itself).
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }
}
