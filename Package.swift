// swift-tools-version:6.1
//
// fp8moe: a numerics verification suite for FP8 Mixture-of-Experts training.
//
// The targets below are listed in the order the data flows through them (each depends only on
// targets above it); each module is one folder under Sources/ whose top file (named in its line)
// opens with what lives there and where a new recipe, cause, dataset or plot goes.
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
        // Formats as data, the generic conversion core (one rounding funnel), fast paths, the naive oracle.
        .target(name: "FP8"),
        // System-library shim over libhdf5 (Debian: libhdf5-dev, /usr/include/hdf5/serial).
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
        // Generic HDF5 files: typed reads and writes, errors (FixtureError) naming file and path. Top: HDF5File.swift
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        // Golden tables of real implementations' conversions and which policy reproduces each.
        .target(name: "Golden", dependencies: ["FP8", "HDF5"]),
        // GroupOffsets: which rows belong to which group (expert), shared by all below. Top: GroupOffsets.swift
        .target(name: "Groups"),
        // The one parallel-rows helper: chunks of rows on every core, each writing its own elements. Top: ParallelRows.swift
        .target(name: "Parallel", dependencies: ["FP8"]),
        // Quantization recipes as values: attributes, reductions, scale groupings, the quantizer. Top: Recipe.swift
        .target(name: "Recipes", dependencies: ["FP8", "Groups", "Parallel"]),
        // System-library shim over CBLAS (libopenblas-dev).
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        // The exact reference grouped GEMM (one rounding), the fp32 mode, the one BLAS wrapper. Top: GroupedGEMM.swift
        .target(name: "GroupedGEMM", dependencies: ["FP8", "Groups", "Parallel", "COpenBLAS"]),
        // The fixture schema (SPEC 5): inputs, result datasets, reading, writing, InvalidFixture. Top: FixtureSchema.swift
        .target(name: "Schema", dependencies: ["FP8", "HDF5", "Groups", "Recipes", "GroupedGEMM"]),
        // Error metrics: SQNR, relative error, bf16 ULP histograms. Top: ErrorSummary.swift
        .target(name: "Metrics"),
        // `fp8moe verify`: the plan of a fixture, the checks, the causes of mismatches, the summary. Top: Verifier.swift
        .target(name: "Verify", dependencies: ["FP8", "HDF5", "Groups", "Parallel", "Recipes", "GroupedGEMM", "Schema", "Metrics"]),
        // `fp8moe generate`: seeded fixture inputs (shapes, distributions, routing, specials). Top: FixtureGenerator.swift
        .target(name: "Generate", dependencies: ["FP8", "Groups", "Recipes", "Schema"]),
        // `fp8moe compare` and `fp8moe report`: recipes against the fp64 ideal, Markdown / HTML / SVG. Top: FixtureReport.swift
        .target(name: "Report", dependencies: ["FP8", "Groups", "Parallel", "Recipes", "GroupedGEMM", "Schema", "Metrics", "Verify"]),
        // The command-line tool (swift-argument-parser), one file per verb. Top: FP8MoE.swift
        .executableTarget(
            name: "fp8moe",
            dependencies: [
                "FP8", "HDF5", "Golden", "Recipes", "GroupedGEMM", "Schema", "Verify", "Generate", "Metrics", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Helpers shared by the test targets (runPython). Top: Python.swift
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "FP8Tests",
            dependencies: [
                "FP8", "HDF5", "Golden",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "RecipesTests", dependencies: ["Recipes", "Groups", "FP8"]),
        .testTarget(name: "GroupedGEMMTests", dependencies: ["GroupedGEMM", "Groups", "FP8"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "VerifyTests",
                    dependencies: ["Verify", "Schema", "Generate", "Recipes", "Groups", "GroupedGEMM", "HDF5", "FP8", "TestSupport"]),
        .testTarget(name: "ReportTests",
                    dependencies: ["Report", "Metrics", "Verify", "Schema", "Generate", "Recipes", "Groups", "GroupedGEMM", "HDF5"]),
        // Runs the built fp8moe binary; depends on it so that it is built first.
        .testTarget(name: "CLITests", dependencies: ["fp8moe", "TestSupport"]),
    ]
)
