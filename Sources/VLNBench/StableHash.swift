import Crypto
import Foundation

/// SHA-256 (FIPS 180-4) of a byte string as 64 lowercase hex digits, for the suite hash in a run's manifest
/// (swift-crypto's implementation; Swift's per-process seeded `Hasher` is no use for a hash kept in a file).
func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

/// A stable 64-bit hash (FNV-1a over the UTF-8 bytes, then SplitMix64's finaliser to spread the bits): the same
/// text gives the same number in every process and on every machine, unlike Swift's per-process seeded `Hasher`.
func stableHash64(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
    h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
    return h ^ (h >> 31)
}
