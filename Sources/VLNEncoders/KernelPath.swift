import CEncoderKernels
import Foundation

/// The vector instruction set the encoders' C kernels (and OpenBLAS's kernel choice) run at.
///
/// `cpu` is what the processor has; `current` is that, capped by the environment variable `VLNSIM_SIMD`
/// (`avx512`, `avx2` or `baseline`), read once per process. The cap lets a wide CPU run — and the tests check — the
/// code a narrower CPU runs: `VLNSIM_SIMD=avx2` on an AVX-512 or AMX machine gives the AVX2 + FMA kernels, OpenBLAS's
/// "Haswell" kernels (unless `OPENBLAS_CORETYPE` says otherwise) and no AMX, as on an AVX2-only AMD EPYC.
public enum SIMDLevel: Int, Sendable, Comparable, CustomStringConvertible {
    /// Plain x86-64 (SSE2) or another architecture: the compiler's baseline code.
    case baseline = 0
    /// AVX2 and FMA (Haswell, Zen 1–3).
    case avx2 = 1
    /// AVX-512 F, DQ, BW and VL (Skylake-SP and later, Zen 4 and later).
    case avx512 = 2

    /// What the processor supports.
    public static var cpu: SIMDLevel { SIMDLevel(rawValue: Int(vln_cpu_simd_level())) ?? .baseline }
    /// What the kernels run at: `cpu` capped by `VLNSIM_SIMD`.
    public static var current: SIMDLevel { SIMDLevel(rawValue: Int(vln_simd_level())) ?? .baseline }

    public static func < (a: SIMDLevel, b: SIMDLevel) -> Bool { a.rawValue < b.rawValue }

    /// "AVX-512", "AVX2" or "baseline".
    public var description: String {
        switch self {
        case .baseline: return "baseline"
        case .avx2: return "AVX2"
        case .avx512: return "AVX-512"
        }
    }

    /// The /proc/cpuinfo flags this level needs.
    public var requiredFlags: [String] {
        switch self {
        case .baseline: return []
        case .avx2: return ["avx2", "fma"]
        case .avx512: return ["avx512f", "avx512dq", "avx512bw", "avx512vl"]
        }
    }
}

/// What this process's encoder products run on, and what the CPU lacks for the other paths — for test output and
/// benchmark logs.
public enum KernelPath {
    /// The value of the first /proc/cpuinfo line that starts with `field` (text after the colon, trimmed), or nil
    /// where that file or line is absent.
    private static func cpuinfo(_ field: String) -> String? {
        guard let line = cpuinfoLines.first(where: { $0.hasPrefix(field) }), let colon = line.firstIndex(of: ":") else { return nil }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    private static let cpuinfoLines: [Substring] =
        ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").split(separator: "\n")

    /// The CPU flags Linux reports (/proc/cpuinfo's first `flags` line); empty where that file is absent.
    public static let cpuFlags: Set<String> = Set((cpuinfo("flags") ?? "").split(separator: " ").map(String.init))

    /// The CPU's model name (/proc/cpuinfo), or "unknown CPU".
    public static let cpuModel: String = cpuinfo("model name") ?? "unknown CPU"

    /// The flags AMX bf16x3 products need: `amx_tile`, `amx_bf16`, `avx512_bf16` and AVX-512's.
    public static let amxFlags = ["amx_tile", "amx_bf16", "avx512_bf16"] + SIMDLevel.avx512.requiredFlags

    /// Of `flags`, those the CPU lacks (by /proc/cpuinfo).
    public static func missing(_ flags: [String]) -> [String] { flags.filter { !cpuFlags.contains($0) } }

    /// One line naming the path this process runs, e.g. "dense products fp32, packed weights, AVX2 + FMA, other
    /// products OpenBLAS Haswell, C kernels AVX2; CPU AMD EPYC (AVX2)".
    public static var summary: String {
        let products = MatrixProducts.path.rawValue
        let env = ProcessInfo.processInfo.environment
        let caps = ["VLNSIM_SIMD", "VLNSIM_AMX", "VLNSIM_PACKED", "OPENBLAS_CORETYPE"].compactMap { name in env[name].map { "\(name)=\($0)" } }
        return "dense products \(products), other products OpenBLAS \(BLAS.coreName), C kernels \(SIMDLevel.current); "
            + "CPU \(cpuModel) (\(SIMDLevel.cpu)\(MatrixProducts.cpuHasAMX ? " + AMX" : ""))"
            + (caps.isEmpty ? "" : "; " + caps.joined(separator: " "))
    }
}
