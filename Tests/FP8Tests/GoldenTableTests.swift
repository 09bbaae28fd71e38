import FP8
import Fixtures
import Foundation
import Testing

/// The emulator against the golden tables of the real implementations (`fixtures/golden/`,
/// made by `scripts/golden_*`; provenance in each file's root attributes): every table, every
/// row, bit for bit. Each (producer, source, table) is pinned to one policy and rounding rule;
/// a table without an expectation fails the test, so a new table cannot go unchecked.
@Suite struct GoldenTableTests {
    struct Expectation: CustomStringConvertible {
        let producer: String
        let policy: ConversionPolicy
        let rounding: RoundingRule
        let format: FP8Format
        let source: BinaryFormat
        let table: String
        var description: String { "\(producer) /\(source.name)/\(table)" }
    }

    static let goldenDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/golden")

    static let producers = ["mldtypes", "torch-cpu", "torch-cuda", "triton", "cuda-satfinite", "cuda-nosat",
                            "cuda-host-satfinite", "cuda-host-nosat"]

    /// Which policy reproduces which producer's table. Where one producer uses two policies
    /// (PyTorch on CUDA casts fp16 through PTX `cvt`), the table says so.
    static func pinnedPolicy(producer: String, source: BinaryFormat, table: String) -> (ConversionPolicy, RoundingRule)? {
        let rounding: RoundingRule = table.hasSuffix(".rz") ? .towardZero : table.hasSuffix(".rp") ? .upward : .toNearestOrEven
        switch producer {
        case "mldtypes": return (.nosatMLDtypes, rounding)
        case "torch-cpu": return (.nosat, rounding)
        case "torch-cuda":
            if source == .f16 && (table == "e4m3fn" || table == "e5m2") { return (.nosatPTX, rounding) }
            return (.nosat, rounding)
        case "triton", "cuda-satfinite", "cuda-host-satfinite": return (.satfinite, rounding)
        case "cuda-nosat", "cuda-host-nosat": return (.nosatPTX, rounding)
        default: return nil
        }
    }

    static func expectations() throws -> [Expectation] {
        var result: [Expectation] = []
        for producer in producers {
            let file = try HDF5File(reading: goldenDirectory.appendingPathComponent(producer + ".h5").path)
            for sourceName in try file.members(of: "/") where sourceName != "inputs" {
                let source = try #require(BinaryFormat(named: sourceName), "unknown source group /\(sourceName) in \(producer)")
                for table in try file.members(of: "/" + sourceName) {
                    let formatName = String(table.split(separator: ".")[0])
                    let format = try #require(FP8Format(named: formatName), "unknown format \(table) in \(producer)")
                    let (policy, rounding) = try #require(pinnedPolicy(producer: producer, source: source, table: table),
                                                         "no expectation for \(producer) /\(sourceName)/\(table)")
                    result.append(Expectation(producer: producer, policy: policy, rounding: rounding,
                                              format: format, source: source, table: table))
                }
            }
        }
        return result
    }

    @Test func everyProducerHasTables() throws {
        let all = try Self.expectations()
        // 15 + 15 + 15 + 6 + 4 x 10 tables (see fixtures/golden/README.md).
        #expect(all.count == 91)
        for producer in Self.producers { #expect(all.contains { $0.producer == producer }) }
    }

    @Test func provenanceIsRecorded() throws {
        for producer in Self.producers {
            let file = try HDF5File(reading: Self.goldenDirectory.appendingPathComponent(producer + ".h5").path)
            #expect(try file.stringAttribute("schema") == "fp8moe-golden")
            #expect(try file.stringAttribute("producer") == producer)
            for name in ["device", "software", "date", "script"] {
                #expect(!(try file.stringAttribute(name)).isEmpty, "\(producer) lacks \(name)")
            }
        }
    }

    @Test(arguments: try GoldenTableTests.expectations())
    func tableMatchesBitForBit(_ e: Expectation) throws {
        let file = try HDF5File(reading: Self.goldenDirectory.appendingPathComponent(e.producer + ".h5").path)
        let inputs: [UInt32]
        switch e.source {
        case .f32: inputs = try file.readArray("/inputs/f32", as: UInt32.self).values
        default: inputs = try file.readArray("/inputs/\(e.source.name)", as: UInt16.self).values.map(UInt32.init)
        }
        let expected = try file.readArray("/\(e.source.name)/\(e.table)", as: UInt8.self).values
        #expect(expected.count == inputs.count)
        let fast = FP8Converter(format: e.format, policy: e.policy)
        var bad = Mismatches()
        for (bits, want) in zip(inputs, expected) {
            let core = e.format.encode(bits: bits, from: e.source, policy: e.policy, rounding: e.rounding)
            let table = e.rounding == .toNearestOrEven ? fast.convert(bits: bits, from: e.source) : core
            if core != want || table != want {
                bad.record("\(e.source) \(hex(bits, width: e.source.bitWidth / 4)): \(e.producer) \(hex(want, width: 2)) core \(hex(core, width: 2)) fast \(hex(table, width: 2))")
            }
        }
        #expect(bad.count == 0, "\(e) under \(e.policy) \(e.rounding): \(bad.summary)")
    }
}
