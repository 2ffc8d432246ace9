// swift-tools-version:6.0
// edge-audit: train, quantise and audit small image classifiers for edge CPUs.
import PackageDescription

// Release builds keep Swift's overflow and bounds checks (-O, not -Ounchecked): an index
// that validation missed must trap, not read or write arbitrary memory. The int8 kernels
// are C and trust plans validated once; the float hot loops run on unsafe buffer pointers.
// Cost measured in BENCHMARKS.md ("Checked release build").
let release: [SwiftSetting] = []

let package = Package(
    name: "edge-audit",
    platforms: [.macOS(.v13)],
    // MARK: - Public API
    products: [
        .executable(name: "edge-audit", targets: ["edge-audit"]),
        .library(name: "EdgeTrain", targets: ["EdgeTrain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // MARK: - Command-line tool (thin: parse, call, print, exit code)
        .executableTarget(
            name: "edge-audit",
            dependencies: [
                "EdgeCore", "EdgeData", "EdgeModel", "EdgeFloat", "EdgeTrain", "EdgeQuant", "EdgeImport", "EdgeImportQuant", "EdgeImportFloat", "EdgeExport", "EdgeAudit", "EdgeMetrics", "EdgeCorruptions", "EdgeAttacks", "EdgeInformation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "EdgeTools",
            ],
            swiftSettings: release),

        // MARK: - Layers, lowest first
        .target(name: "EdgeCore", swiftSettings: release),
        .target(
            name: "CImageIO",
            cSettings: [.unsafeFlags(["-O2", "-Wall"])],
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("z")]),
        .target(name: "EdgeData", dependencies: ["EdgeCore", "CImageIO"], swiftSettings: release),
        // One op per folder, one ISA per file; config.c alone detects the CPU and picks the kernels.
        .target(name: "CEdgeKernels", cSettings: [.headerSearchPath("internal"), .unsafeFlags(["-O2", "-Wall", "-fno-strict-aliasing"])]),
        // Persistent worker threads that split one image's layers (kept out of CEdgeKernels,
        // which the libc-free device runner compiles whole).
        .target(name: "CEdgeTeam", dependencies: ["CEdgeKernels"], cSettings: [.unsafeFlags(["-O2", "-Wall"])],
                linkerSettings: [.linkedLibrary("pthread")]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "EdgeModel", dependencies: ["EdgeCore"], swiftSettings: release),
        .target(name: "EdgeImport", dependencies: ["EdgeCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                swiftSettings: release),
        .target(name: "EdgeFloat", dependencies: ["EdgeCore", "EdgeModel", "COpenBLAS"], swiftSettings: release),
        .target(name: "EdgeTrain", dependencies: ["EdgeCore", "EdgeData", "EdgeModel", "EdgeFloat"], swiftSettings: release),
        .target(name: "EdgeQuant", dependencies: ["EdgeCore", "EdgeData", "EdgeModel", "EdgeFloat", "CEdgeKernels", "CEdgeTeam"], swiftSettings: release),
        .target(name: "EdgeExport", dependencies: ["EdgeCore", "EdgeQuant"], swiftSettings: release),
        // The work behind the commands other than the audit, and the CLI's typing helpers
        // (ε lists, calibration default, subcommand suggestions): the CLI only parses and prints.
        .target(name: "EdgeTools", dependencies: ["EdgeCore", "EdgeData", "EdgeModel", "EdgeFloat", "EdgeTrain", "EdgeQuant", "EdgeImport",
                                                  "EdgeImportQuant", "EdgeImportFloat", "EdgeExport", "EdgeAudit", "EdgeAttacks", "EdgeCorruptions",
                                                  "EdgeMetrics", "EdgeInformation"],
                swiftSettings: release),
        .target(name: "EdgeImportQuant", dependencies: ["EdgeCore", "EdgeImport", "EdgeQuant"], swiftSettings: release),
        .target(name: "EdgeImportFloat", dependencies: ["EdgeCore", "EdgeImport", "EdgeModel"], swiftSettings: release),
        .target(name: "EdgeMetrics", dependencies: ["EdgeCore", "COpenBLAS"], swiftSettings: release),
        .target(name: "EdgeCorruptions", dependencies: ["EdgeCore", "EdgeData"], swiftSettings: release),
        .target(name: "EdgeAttacks", dependencies: ["EdgeCore", "EdgeData", "EdgeModel", "EdgeFloat", "EdgeQuant", "EdgeTrain"], swiftSettings: release),
        .target(name: "EdgeAudit", dependencies: ["EdgeCore", "EdgeData", "EdgeModel", "EdgeFloat", "EdgeQuant", "EdgeMetrics",
                                                  "EdgeCorruptions", "EdgeAttacks", "EdgeInformation"], swiftSettings: release),
        // Information flow (seed papers): input Fisher information, CCKL, information planes
        // over training, MIAT's natural/adversarial MI. Needs the float executor, hence not EdgeMetrics.
        .target(name: "EdgeInformation", dependencies: ["EdgeCore", "EdgeData", "EdgeModel", "EdgeFloat", "EdgeMetrics", "EdgeAttacks"],
                swiftSettings: release),

        // MARK: - Tests (one target per module)
        .testTarget(name: "EdgeCoreTests", dependencies: ["EdgeCore"]),
        .testTarget(name: "EdgeDataTests", dependencies: ["EdgeData", "CImageIO"]),
        .testTarget(name: "EdgeToolsTests", dependencies: ["EdgeTools", "EdgeTrain", "EdgeQuant", "EdgeData", "EdgeModel", "EdgeFloat", "EdgeCore"]),
        .testTarget(name: "EdgeModelTests", dependencies: ["EdgeModel"]),
        .testTarget(name: "EdgeImportTests", dependencies: ["EdgeImport", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "EdgeImportQuantTests", dependencies: ["EdgeImportQuant", "EdgeImport", "EdgeQuant", "EdgeData", "EdgeCore"]),
        .testTarget(name: "EdgeImportFloatTests", dependencies: ["EdgeImportFloat", "EdgeImportQuant", "EdgeImport", "EdgeFloat", "EdgeModel", "EdgeQuant", "EdgeData", "EdgeAttacks", "EdgeCore"]),
        .testTarget(name: "EdgeExportTests", dependencies: ["EdgeExport", "EdgeImportQuant", "EdgeImport", "EdgeQuant", "EdgeData", "EdgeCore"]),
        .testTarget(name: "EdgeFloatTests", dependencies: ["EdgeFloat", "EdgeModel"]),
        .testTarget(name: "EdgeTrainTests", dependencies: ["EdgeTrain"]),
        .testTarget(name: "EdgeQuantTests", dependencies: ["EdgeQuant", "EdgeTrain", "CEdgeKernels"]),
        .testTarget(name: "EdgeMetricsTests", dependencies: ["EdgeMetrics"]),
        .testTarget(name: "EdgeCorruptionsTests", dependencies: ["EdgeCorruptions"]),
        .testTarget(name: "EdgeAttacksTests", dependencies: ["EdgeAttacks", "EdgeTrain"]),
        .testTarget(name: "EdgeInformationTests", dependencies: ["EdgeInformation", "EdgeFloat", "EdgeModel", "EdgeTrain", "EdgeQuant", "EdgeData"]),
        .testTarget(name: "EdgeAuditTests", dependencies: ["EdgeAudit", "EdgeTrain", "EdgeAttacks"]),
        .testTarget(name: "EdgeAuditCLITests", dependencies: ["edge-audit"]),
    ],
    swiftLanguageModes: [.v5]
)
