import FP8
import HDF5
import Foundation
import Golden
import Testing

/// The emulator against the golden tables of the real implementations (`fixtures/golden/`,
/// made by `scripts/golden_*`; provenance in each file's root attributes): every table, every
/// row, bit for bit, through the generic core and the fast path. Each table is pinned to one
/// policy and rounding rule (`GoldenTable.pinnedPolicy`); a table without one fails.
@Suite struct GoldenTableTests {
    static let goldenDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/golden")

    static let producers = ["mldtypes", "torch-cpu", "torch-cuda", "triton", "cuda-satfinite", "cuda-nosat",
                            "cuda-host-satfinite", "cuda-host-nosat"]

    static func file(_ producer: String) throws -> HDF5File {
        try HDF5File(reading: goldenDirectory.appendingPathComponent(producer + ".h5").path)
    }

    static func allTables() throws -> [GoldenTable] {
        try producers.flatMap { try GoldenTable.tables(in: file($0)) }
    }

    @Test func everyProducerHasTables() throws {
        let all = try Self.allTables()
        // 15 + 15 + 15 + 6 + 4 x 10 tables (see fixtures/golden/README.md).
        #expect(all.count == 91)
        for producer in Self.producers { #expect(all.contains { $0.producer == producer }) }
    }

    @Test func provenanceIsRecorded() throws {
        for producer in Self.producers {
            let file = try Self.file(producer)
            #expect(try file.stringAttribute("schema") == "fp8moe-golden")
            #expect(try file.stringAttribute("producer") == producer)
            for name in ["device", "software", "date", "script"] {
                #expect(!(try file.stringAttribute(name)).isEmpty, "\(producer) lacks \(name)")
            }
        }
    }

    @Test(arguments: try GoldenTableTests.allTables())
    func tableMatchesBitForBit(_ table: GoldenTable) throws {
        let result = try table.check(in: Self.file(table.producer))
        #expect(result.rows > 9000)
        let shown = result.examples.map {
            "\(hex($0.input, width: table.source.bitWidth / 4)): \(hex($0.expected, width: 2)) vs \(hex($0.actual, width: 2))"
        }
        #expect(result.mismatches == 0, "\(table) under \(table.policy) \(table.rounding): \(result.mismatches) mismatches; \(shown)")
    }

    /// The pinning is not vacuous: where two real implementations disagree, the other's policy
    /// fails on the table (Triton saturates, PyTorch does not; ml_dtypes' e5m2 NaN is 0x7E).
    @Test func pinnedPoliciesAreDistinguishable() throws {
        let pairs: [(String, String, ConversionPolicy)] = [
            ("triton", "/f32/e4m3fn", .nosat), ("torch-cuda", "/bf16/e4m3fn", .satfinite),
            ("mldtypes", "/bf16/e5m2", .nosat), ("cuda-nosat", "/bf16/e4m3fn", .nosat),
            ("torch-cpu", "/f32/e8m0fnu", .nosatMLDtypes), ("torch-cpu", "/f32/e8m0fnu", .satfinite),
        ]
        for (producer, path, wrong) in pairs {
            let table = try #require(try GoldenTable.tables(in: Self.file(producer)).first { $0.path == path })
            let swapped = GoldenTable(file: table.file, producer: table.producer, source: table.source,
                                      name: table.name, format: table.format, policy: wrong, rounding: table.rounding)
            #expect(try swapped.check(in: Self.file(producer)).mismatches > 0, "\(producer) \(path) under \(wrong)")
        }
    }

    /// Every code of every format decodes exactly as ml_dtypes and PyTorch (CPU and CUDA) decode it.
    @Test(arguments: ["decode-mldtypes", "decode-torch-cpu", "decode-torch-cuda"])
    func decodeMatchesRealImplementations(_ producer: String) throws {
        let file = try Self.file(producer)
        let tables = try DecodeTable.tables(in: file)
        #expect(tables.count == FP8Format.all.count)
        for table in tables {
            let result = try table.check(in: file)
            #expect(result.mismatchedCodes.isEmpty, "\(table): \(result.mismatchedCodes.prefix(5).map { "\(hex($0.code, width: 2)): \(hex($0.expected, width: 8)) vs \(hex($0.actual, width: 8))" })")
        }
    }
}
