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

    static let rocmProducers = ["rocm6.2-satfinite", "rocm6.2-nosat", "rocm6.3-satfinite", "rocm6.3-nosat",
                                "rocm7-satfinite", "rocm7-nosat"]
    static let producers = ["mldtypes", "torch-cpu", "torch-cuda", "triton", "cuda-satfinite", "cuda-nosat",
                            "cuda-host-satfinite", "cuda-host-nosat"] + rocmProducers

    static func file(_ producer: String) throws -> HDF5File {
        try HDF5File(reading: goldenDirectory.appendingPathComponent(producer + ".h5").path)
    }

    static func allTables() throws -> [GoldenTable] {
        try producers.flatMap { try GoldenTable.tables(in: file($0)) }
    }

    @Test func everyProducerHasTables() throws {
        let all = try Self.allTables()
        // 15 + 15 + 15 + 6 + 4 x 10 tables, then ROCm: 2 x 6 (6.2, fnuz only) + 2 x 12 (6.3)
        // + 2 x (12 + 8 e8m0) (7.x) (see fixtures/golden/README.md).
        #expect(all.count == 91 + 76)
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
            // ROCm versions against each other and against the intended reading.
            ("rocm7-satfinite", "/bf16/e4m3fn", .hipSW), ("rocm7-satfinite", "/f32/e5m2", .hipSWROCm63X86),
            ("rocm6.3-satfinite", "/f32/e4m3fnuz", .hipSWROCm7X86), ("rocm6.3-satfinite", "/bf16/e4m3fn", .hipSWROCm7X86),
            ("rocm6.2-satfinite", "/bf16/e4m3fnuz", .hipSWROCm63X86), ("rocm6.2-nosat", "/bf16/e5m2fnuz", .hipSWNoSatROCm63X86),
            ("rocm6.2-nosat", "/f16/e4m3fnuz", .nosat), ("rocm7-nosat", "/f32/e4m3fn", .nosat),
            ("rocm7-satfinite", "/f32/e8m0fnu.rp", .satfinite), ("rocm7-satfinite", "/bf16/e8m0fnu.rz", .hipSW),
        ]
        for (producer, path, wrong) in pairs {
            let table = try #require(try GoldenTable.tables(in: Self.file(producer)).first { $0.path == path })
            let swapped = GoldenTable(file: table.file, producer: table.producer, source: table.source,
                                      name: table.name, format: table.format, policy: wrong, rounding: table.rounding)
            #expect(try swapped.check(in: Self.file(producer)).mismatches > 0, "\(producer) \(path) under \(wrong)")
        }
    }

    /// The ROCm tables say where each header came from (repo, commit, path, sha256), how it was
    /// compiled, and the sha256 of the harness that ran it (`producer_sha256`: the harness builds
    /// fetched code, so it is not committed; fixtures/golden/README.md).
    @Test(arguments: GoldenTableTests.rocmProducers)
    func rocmProvenanceIsRecorded(_ producer: String) throws {
        let file = try Self.file(producer)
        for name in ["header_repo", "header_commit", "header_path", "header_sha256", "build", "far_underflow", "producer_sha256",
                     "compiler_variants"] {
            #expect(!(try file.stringAttribute(name)).isEmpty, "\(producer) lacks \(name)")
        }
        #expect(try file.stringAttribute("header_sha256").count == 64)
    }

    /// Each ROCm table is reproduced by its version's `-x86` policy; the same version's intended
    /// policy (far underflow gives +-0) disagrees exactly on inputs below 2^(minNormalExponent - 63)
    /// that the quirk sends to a non-zero code, and only there. For ROCm 7.x the intended
    /// policies are `hip-sw` and `hip-sw-nosat`.
    @Test(arguments: GoldenTableTests.rocmProducers)
    func rocmIntendedDiffersOnlyInFarUnderflow(_ producer: String) throws {
        let intended: [String: ConversionPolicy] = [
            "rocm6.2-satfinite": .hipSWROCm62, "rocm6.2-nosat": .hipSWNoSatROCm62,
            "rocm6.3-satfinite": .hipSWROCm63, "rocm6.3-nosat": .hipSWNoSatROCm63,
            "rocm7-satfinite": .hipSW, "rocm7-nosat": .hipSWNoSat,
        ]
        let file = try Self.file(producer)
        var total = 0
        // fp8 tables only: the e8m0 conversions are other functions, which hip-sw does not name.
        for table in try GoldenTable.tables(in: file) where table.format.isSigned {
            let policy = try #require(intended[producer])
            let inputs: [UInt32] = table.source == .f32
                ? try file.readArray("/inputs/f32", as: UInt32.self).values
                : try file.readArray("/inputs/\(table.source.name)", as: UInt16.self).values.map(UInt32.init)
            let expected = try file.readArray(table.path, as: UInt8.self).values
            let threshold = Double(sign: .plus, exponent: table.format.minNormalExponent - 63, significand: 1)
            for (bits, want) in zip(inputs, expected) {
                let x = table.source.decode(bits)
                let got = table.format.encode(x, policy: policy)
                if got != want {
                    total += 1
                    #expect(x.magnitude < threshold && got & 0x7F == 0,
                            "\(producer) \(table.path) \(hex(bits, width: table.source.bitWidth / 4)): \(hex(want, width: 2)) vs intended \(hex(got, width: 2))")
                }
            }
            // f16 never reaches the quirk: its smallest subnormal is 2^-24.
            if table.source == .f16 { #expect(try table.check(in: file).mismatches == 0) }
        }
        #expect(total > 0, "\(producer): the far-underflow quirk should show in the bf16 and f32 tables")
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
