// swift-tools-version:6.0
// vlnsim — embodied navigation simulator for vision-and-language navigation, CPU-only.
//
// Layers (a target imports only targets listed before it; Render and Navigation never import each other):
//   CLibPNG, CLibJPEG (system libraries via pkg-config) → CImageIO (C shim: setjmp-wrapped libpng/libjpeg)
//   VLNCore (geometry, camera, images, errors)
//   VLNImage (PNG/JPEG files)            ← VLNCore, CImageIO
//   VLNScene (meshes, point clouds, manifests, procedural houses) ← VLNCore
//   VLNRender (BVH ray casting, point splatting)                   ← VLNScene
//   VLNNavigation (navigable grid, geodesic distance)              ← VLNScene
//   VLNRGBD (posed RGB-D sequences, back-projection, voxel grids)   ← VLNImage, VLNScene
//   VLNDraw (raster canvas, bitmap font, colour palettes, scale bars, label layout) ← VLNCore
//   VLNSim (agent, simulator, episodes, top-down maps)             ← VLNRender, VLNNavigation, VLNImage, VLNRGBD, VLNDraw
//   CBLAS (OpenBLAS via pkg-config), CEncoderKernels (C: GELU, softmax, LayerNorm, depthwise convolution, ReLU6;
//     AVX-512/AVX2 clones; bf16x3 matrix products on AMX tiles)
//   VLNEncoders (tensors, safetensors, MiniLM text encoder, MobileNetV2 image encoder) ← VLNCore, VLNImage, CBLAS, CEncoderKernels
//   CZlib (zlib via pkg-config), CMemoryKernels (C: fp16 conversion, F16C when present)
//   VLNMemory (Dynam3D patch/instance/zone token memory)            ← VLNCore, CMemoryKernels, CZlib
//   VLNMeasures (VLN-CE measures: NE, SR, OSR, SPL, nDTW, SDTW, TL; distance injected) ← VLNCore
//   VLNEpisodes (VLN-CE episode and ground-truth files, .json/.json.gz)                 ← VLNCore, CZlib
//   VLNBench (benchmark suites: scene ids, suite generation, R2R-style instructions, the runner, baselines, the
//     perception loop: render → ground-truth encoder → token memory → policy)
//                                                   ← VLNSim, VLNDraw, VLNMeasures, VLNEpisodes, VLNEncoders, VLNMemory
//   vlnsim (CLI; memory maps, RGBDFrame → MemoryFrame glue) ← VLNSim, VLNDraw, VLNNavigation, VLNEncoders, VLNMemory,
//     VLNMeasures, VLNEpisodes, VLNBench
import PackageDescription

let package = Package(
    name: "vlnsim",
    products: [
        .executable(name: "vlnsim", targets: ["vlnsim"]),
        .library(name: "VLNSim", targets: ["VLNSim"]),
        .library(name: "VLNDraw", targets: ["VLNDraw"]),
        .library(name: "VLNEncoders", targets: ["VLNEncoders"]),
        .library(name: "VLNMemory", targets: ["VLNMemory"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CLibJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .target(name: "CImageIO", dependencies: ["CLibPNG", "CLibJPEG"]),
        .target(name: "VLNCore"),
        .target(name: "VLNImage", dependencies: ["VLNCore", "CImageIO"]),
        .target(name: "VLNScene", dependencies: ["VLNCore"]),
        .target(name: "VLNRender", dependencies: ["VLNScene"]),
        .target(name: "VLNNavigation", dependencies: ["VLNScene"]),
        .target(name: "VLNRGBD", dependencies: ["VLNCore", "VLNImage", "VLNScene"]),
        .target(name: "VLNDraw", dependencies: ["VLNCore"]),
        .target(name: "VLNSim", dependencies: ["VLNRender", "VLNNavigation", "VLNImage", "VLNRGBD", "VLNDraw"]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CEncoderKernels"),
        .target(name: "VLNEncoders", dependencies: ["VLNCore", "VLNImage", "CBLAS", "CEncoderKernels"]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CMemoryKernels"),
        .target(name: "VLNMemory", dependencies: ["VLNCore", "CMemoryKernels", "CZlib"]),
        .target(name: "VLNMeasures", dependencies: ["VLNCore"]),
        .target(name: "VLNEpisodes", dependencies: ["VLNCore", "CZlib"]),
        .target(name: "VLNBench", dependencies: ["VLNSim", "VLNDraw", "VLNMeasures", "VLNEpisodes", "VLNEncoders", "VLNMemory",
                                                .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(name: "vlnsim", dependencies: [
            "VLNSim", "VLNDraw", "VLNMemory", "VLNScene", "VLNNavigation", "VLNImage", "VLNCore", "VLNRGBD", "VLNEncoders", "VLNMeasures", "VLNEpisodes", "VLNBench",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Test data location and temporary folders, shared by the test targets.
        .target(name: "VLNTestSupport", dependencies: ["VLNCore"], path: "Sources/VLNTestSupport"),
        // Small VLN-CE suites in generated houses, for the benchmark runner's library and CLI tests.
        .target(name: "VLNBenchTestSupport", dependencies: ["VLNBench", "VLNSim", "VLNScene", "VLNEpisodes"], path: "Sources/VLNBenchTestSupport"),
        .testTarget(name: "VLNCoreTests", dependencies: ["VLNCore", "VLNTestSupport"]),
        .testTarget(name: "VLNImageTests", dependencies: ["VLNImage", "VLNTestSupport"]),
        .testTarget(name: "VLNSceneTests", dependencies: ["VLNScene", "VLNTestSupport"]),
        .testTarget(name: "VLNRenderTests", dependencies: ["VLNRender", "VLNTestSupport"]),
        .testTarget(name: "VLNNavigationTests", dependencies: ["VLNNavigation", "VLNTestSupport"]),
        .testTarget(name: "VLNRGBDTests", dependencies: ["VLNRGBD", "VLNTestSupport"]),
        .testTarget(name: "VLNDrawTests", dependencies: ["VLNDraw", "VLNImage"]),
        .testTarget(name: "VLNSimTests", dependencies: ["VLNSim", "VLNRGBD", "VLNTestSupport"]),
        .testTarget(name: "VLNEncodersTests", dependencies: ["VLNEncoders", "VLNTestSupport"]),
        .testTarget(name: "VLNMemoryTests", dependencies: ["VLNMemory", "VLNSim", "VLNRGBD", "VLNEncoders", "VLNTestSupport"]),
        // Fixtures/ (read through `packageRoot`): fastdtw_reference.json and the script that made it with the PyPI package.
        .testTarget(name: "VLNMeasuresTests", dependencies: ["VLNMeasures", "VLNCore", "VLNTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "VLNEpisodesTests", dependencies: ["VLNEpisodes", "VLNCore", "VLNTestSupport"]),
        .testTarget(name: "VLNBenchTests", dependencies: ["VLNBench", "VLNSim", "VLNEpisodes", "VLNMeasures", "VLNEncoders", "VLNMemory", "VLNTestSupport", "VLNBenchTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["vlnsim", "VLNMemory", "VLNImage", "VLNTestSupport", "VLNBenchTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
