import Foundation
import Testing
import Verify

/// Results made on the H100 and committed with their provenance: the HIP kernels
/// (fixtures/hip/, by scripts/gpu_fixtures.sh) and PyTorch (fixtures/peers/, torch eager with
/// torchao semantics and torch._scaled_grouped_mm, by scripts/peer_torch.py). verify must agree
/// with every one of them, bit for bit for payloads and scales, under the SPEC 4 bound for GEMMs.
@Suite struct GPUProducerFixtureTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    static func files(_ folder: String) -> [String] {
        let dir = root.appendingPathComponent(folder)
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".h5") }.sorted().map { dir.appendingPathComponent($0).path }
    }

    @Test func resultsArePresent() {
        #expect(Self.files("hip").count == 4)
        #expect(Self.files("peers").count == 4)
    }

    @Test("verify agrees with the HIP kernels run on the H100", arguments: GPUProducerFixtureTests.files("hip"))
    func hipResults(path: String) throws {
        let report = try Verifier.verify(path: path)
        #expect(report.agrees, "\(VerifySummary.text(report))")
        let hip = report.producers.filter { $0.key.hasPrefix("hip-sm90-") }
        #expect(hip.count >= 2, "both recipes, and the knob variants")
        for (name, p) in hip {
            #expect(p.attributes["device"]?.contains("H100") == true, "\(name) device")
            #expect(p.datasets.values.allSatisfy { $0.skipped == nil && $0.elements > 0 }, "\(name)")
        }
    }

    @Test("verify agrees with PyTorch on the H100", arguments: GPUProducerFixtureTests.files("peers"))
    func torchResults(path: String) throws {
        let report = try Verifier.verify(path: path)
        #expect(report.agrees, "\(VerifySummary.text(report))")
        for recipe in ["rowwise", "tensorwise"] {
            let p = try #require(report.producers["torch-eager-\(recipe)"])
            #expect(p.attributes["device"]?.contains("H100") == true)
            #expect(p.datasets.count >= 10 && p.datasets.values.allSatisfy { $0.skipped == nil && $0.elements > 0 })
        }
    }
}
