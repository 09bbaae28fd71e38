// swift-tools-version:6.1
//
// fp8moe: a numerics verification suite for FP8 Mixture-of-Experts training.
//
// Modules (one folder each under Sources/):
//   FP8          formats as data, the generic conversion core, fast paths, the naive oracle
//   CHDF5        system-library shim over libhdf5 (Debian: libhdf5-dev, /usr/include/hdf5/serial)
//   Fixtures     HDF5 files: typed reads and writes, errors that name the file and the path
//   Golden       golden tables of real implementations and which policy reproduces each
//   fp8moe       the command-line tool (swift-argument-parser)
import PackageDescription

let package = Package(
    name: "fp8moe",
    products: [
        .executable(name: "fp8moe", targets: ["fp8moe"]),
        .library(name: "FP8", targets: ["FP8"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        .target(name: "FP8"),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial",
                       providers: [.apt(["libhdf5-dev"])]),
        .target(name: "Fixtures", dependencies: ["CHDF5"]),
        .target(name: "Golden", dependencies: ["FP8", "Fixtures"]),
        .executableTarget(
            name: "fp8moe",
            dependencies: [
                "FP8", "Fixtures", "Recipes", "GroupedGEMM", "Verify", "Golden", "Metrics", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "FP8Tests",
            dependencies: [
                "FP8", "Fixtures", "Golden",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(name: "FixturesTests", dependencies: ["Fixtures"]),
        // Runs the built fp8moe binary; depends on it so that it is built first.
        .testTarget(name: "CLITests", dependencies: ["fp8moe"]),
        // Issue 3: quantization recipes, the exact reference grouped GEMM, fixtures and verify.
        .target(name: "Recipes", dependencies: ["FP8"]),
        .testTarget(name: "RecipesTests", dependencies: ["Recipes", "FP8"]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "GroupedGEMM", dependencies: ["FP8", "COpenBLAS"]),
        .testTarget(name: "GroupedGEMMTests", dependencies: ["GroupedGEMM", "FP8"]),
        .target(name: "Verify", dependencies: ["FP8", "Fixtures", "Recipes", "GroupedGEMM", "Metrics"]),
        // Error metrics (SQNR, relative error, ULP histograms) and the compare / report verbs.
        .target(name: "Metrics"),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .target(name: "Report", dependencies: ["Metrics", "Verify", "Recipes", "GroupedGEMM", "Fixtures", "FP8"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Metrics", "Verify", "Recipes", "GroupedGEMM", "Fixtures"]),
        .testTarget(name: "VerifyTests", dependencies: ["Verify", "Recipes", "GroupedGEMM", "Fixtures", "FP8"]),
    ]
)
