// swift-tools-version: 6.1
// vlnsim benchmarks, a package apart from the unit tests (package-benchmark, https://github.com/ordo-one/benchmark).
// Run from this folder:
//   swift package benchmark --target RaycastBenchmarks      (or EncoderBenchmarks, LiftBenchmarks)
// or, side by side with Open3D and Embree on the same mesh and rays: ../scripts/bench-raycast.sh;
// with PyTorch on the same sentences: ../scripts/bench-encoders.sh;
// RGB-D lifting + voxel downsampling beside Open3D: ../scripts/bench-lift.sh
import PackageDescription
import class Foundation.ProcessInfo
import struct Foundation.URL

// A path dependency's identity is its folder's name (the worktree may be checked out under any name).
let rootIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "vlnsim-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // MobileNetV2 beside PyTorch: ../scripts/bench-mobilenet.sh.
        .executableTarget(
            name: "MobileNetBenchmarks",
            dependencies: [.product(name: "VLNEncoders", package: rootIdentity), .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/MobileNetBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "MobileNetTiming",
            dependencies: [.product(name: "VLNEncoders", package: rootIdentity)],
            path: "Sources/MobileNetTiming"
        ),
        .executableTarget(
            name: "RaycastBenchmarks",
            dependencies: [
                // VLNRender and VLNCore come with the root package's VLNSim library product.
                .product(name: "VLNSim", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/RaycastBenchmarks",
            swiftSettings: [.unsafeFlags(["-Ounchecked"])],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LiftBenchmarks",
            dependencies: [
                // VLNRGBD comes with the root package's VLNSim library product.
                .product(name: "VLNSim", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/LiftBenchmarks",
            swiftSettings: [.unsafeFlags(["-Ounchecked"])],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The same work as plain executables: for profilers, and as a fallback where package-benchmark cannot run.
        .executableTarget(
            name: "LiftTiming",
            dependencies: [.product(name: "VLNSim", package: rootIdentity)],
            path: "Sources/LiftTiming",
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "RaycastTiming",
            dependencies: [.product(name: "VLNSim", package: rootIdentity)],
            path: "Sources/RaycastTiming",
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        // Renderer.render on generated houses at 128 × 128 and 256 × 256, one thread (ray caster vs rasteriser).
        .executableTarget(
            name: "RenderTiming",
            dependencies: [.product(name: "VLNSim", package: rootIdentity)],
            path: "Sources/RenderTiming",
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        // The shortest-path oracle over a seeded sweep of generated houses: time per decision and per distance field.
        .executableTarget(
            name: "OracleTiming",
            dependencies: [.product(name: "VLNSim", package: rootIdentity)],
            path: "Sources/OracleTiming"
        ),
        // One Dynam3D memory update beside ../shared/anchors/dynam3d_update_anchor.py: ../scripts/bench-memory.sh.
        .executableTarget(
            name: "MemoryTiming",
            dependencies: [.product(name: "VLNMemory", package: rootIdentity)],
            path: "Sources/MemoryTiming"
        ),
        // MiniLM (and, later, MobileNetV2) beside PyTorch: ../scripts/bench-encoders.sh.
        .target(
            name: "EncoderBenchmarkSupport",
            dependencies: [.product(name: "VLNEncoders", package: rootIdentity)],
            path: "Sources/EncoderBenchmarkSupport"
        ),
        .executableTarget(
            name: "EncoderBenchmarks",
            dependencies: ["EncoderBenchmarkSupport", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/EncoderBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EncoderTiming",
            dependencies: ["EncoderBenchmarkSupport", .product(name: "VLNEncoders", package: rootIdentity)],
            path: "Sources/EncoderTiming"
        ),
    ]
)
