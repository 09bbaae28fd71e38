import Generate
import HDF5
import Foundation
import Schema
import Testing
import Verify

/// The fixtures under fixtures/reference/ (written by `fp8moe generate`, see its README) must
/// verify clean, and regenerating one from its recorded configuration must give the same inputs.
@Suite struct CommittedFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/reference")

    static var fixtures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".h5") }.sorted()
    }

    @Test func fixturesArePresent() {
        #expect(Self.fixtures.count >= 4)
    }

    /// Regression, not evidence: the reference's results as committed (an earlier build of this
    /// emulator wrote them) judged by the reference as it is now.
    @Test("regression: the reference reproduces its own committed results", arguments: Self.fixtures)
    func regressionReferenceReproducesItsCommittedResults(name: String) throws {
        let report = try Verifier.verify(path: Self.directory.appendingPathComponent(name).path)
        #expect(report.agrees, "\(VerifySummary.text(report))")
        for (_, p) in report.producers {
            #expect(p.attributes["producer"] == FixtureSchema.referenceProducer)
            for (d, s) in p.datasets { #expect(s.skipped == nil && s.elements > 0, "\(name) \(d)") }
        }
    }

    @Test func generationIsDeterministic() throws {
        let inputs = FixtureGenerator.inputs(GeneratorConfig(m: 64, k: 32, n: 16, g: 4, seed: 1))
        let file = try HDF5File(reading: Self.directory.appendingPathComponent("small-balanced.h5").path)
        defer { file.close() }
        #expect(try file.readArray("/inputs/a", as: UInt16.self).values == inputs.a!.bits)
        #expect(try file.readArray("/inputs/b", as: UInt16.self).values == inputs.b!.bits)
        #expect(try file.readArray("/inputs/grad_out", as: UInt16.self).values == inputs.gradOut!.bits)
        #expect(try file.readArray("/inputs/offsets", as: Int32.self).values == [16, 32, 48, 64])
    }
}
