import CEncoderKernels
import Foundation
import VLNEncoders
import XCTest

/// The kernel-path overrides (`VLNSIM_SIMD`, `VLNSIM_AMX`) are obeyed, so that `make test`'s reruns on narrower paths
/// really run those paths.
final class KernelPathTests: XCTestCase {
    func testTheSIMDLevelIsTheCPUsCappedByVLNSIM_SIMD() {
        let env = ProcessInfo.processInfo.environment
        let cap: SIMDLevel = switch env["VLNSIM_SIMD"]?.lowercased() {
        case "avx2": .avx2
        case "baseline": .baseline
        default: .avx512
        }
        XCTAssertEqual(SIMDLevel.current, min(SIMDLevel.cpu, cap))
        XCTAssertEqual(Int(vln_simd_level()), SIMDLevel.current.rawValue)
        // The CPU's level agrees with the flags Linux reports.
        XCTAssertEqual(SIMDLevel.cpu >= .avx2, KernelPath.missing(SIMDLevel.avx2.requiredFlags).isEmpty)
        XCTAssertEqual(SIMDLevel.cpu >= .avx512, KernelPath.missing(SIMDLevel.avx512.requiredFlags).isEmpty)
        print("kernel path: \(KernelPath.summary)")
    }

    func testAMXIsUsedOnlyWhereTheCPUHasItAndNothingTurnsItOff() {
        let off = ProcessInfo.processInfo.environment["VLNSIM_AMX"] == "0" || SIMDLevel.current < .avx512
        if !MatrixProducts.cpuHasAMX || off { XCTAssertFalse(MatrixProducts.usesAMX) }
        if MatrixProducts.usesAMX { XCTAssertTrue(MatrixProducts.cpuHasAMX) }
    }

    /// Below AVX-512, OpenBLAS must not run its AVX-512 kernels (unless OPENBLAS_CORETYPE forces them).
    func testOpenBLASKernelsFollowTheSIMDLevel() throws {
        XCTAssertEqual(BLAS.threadCount, 1)
        if let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            throw XCTSkip("OPENBLAS_CORETYPE=\(forced) chooses OpenBLAS's kernels in this run")
        }
        let core = BLAS.coreName.lowercased()
        if SIMDLevel.current == .avx2 { XCTAssertTrue(["haswell", "zen"].contains(core), core) }
        if SIMDLevel.current == .avx512 { XCTAssertTrue(["skylakex", "cooperlake", "sapphirerapids"].contains(core), core) }
        XCTAssertNil(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], "re-selecting the kernels leaves the environment as it was")
    }
}
