import Foundation
import Testing
import Verify

/// Results made on the GPU (HIP kernels: H200, 2026-12-01; PyTorch peers: H100) and committed with their provenance: the HIP kernels
/// (fixtures/hip/, by scripts/gpu_fixtures.sh) and PyTorch (fixtures/peers/, torch eager with
/// torchao semantics and torch._scaled_grouped_mm, by scripts/peer_torch.py; torchao's fused
/// Triton kernels, by scripts/peer_torchao.py). verify must agree with every one of them, bit for
/// bit for payloads and scales, under the SPEC 4 bound for GEMMs, except for the one defect it
/// found in torchao's kernels, which is pinned here.
@Suite struct GPUProducerFixtureTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    /// The .h5 files of a fixtures folder (`peers`: the torch peers; PR #4179's are pinned by
    /// PR4179PeerTests).
    static func files(_ folder: String) -> [String] {
        let dir = root.appendingPathComponent(folder)
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".h5") && (folder != "peers" || $0.hasPrefix("torch-")) }.sorted()
            .map { dir.appendingPathComponent($0).path }
    }

    @Test func resultsArePresent() {
        #expect(Self.files("hip").count == 4)
        #expect(Self.files("peers").count == 4)
        #expect(Self.files("hip/block").count == 2)
    }

    @Test("verify agrees with the HIP kernels run on the H200", arguments: GPUProducerFixtureTests.files("hip"))
    func hipResults(path: String) throws {
        let report = try Verifier.verify(path: path)
        #expect(report.agrees, "\(VerifySummary.text(report))")
        let hip = report.producers.filter { $0.key.hasPrefix("hip-sm90-") }
        #expect(hip.count >= 2, "both recipes, and the knob variants")
        for (name, p) in hip {
            #expect(p.attributes["device"]?.contains("H200") == true, "\(name) device")
            #expect(p.datasets.values.allSatisfy { $0.skipped == nil && $0.elements > 0 }, "\(name)")
        }
    }

    /// The HIP block-scaled kernels (MXFP8 block_1x32 floor and rceil, blockwise block_1x128;
    /// H100, 2026-12-05, scripts/hip/block_gpu.sh; fixtures/hip/block/README.md): bit for bit
    /// with verify's mxfp8 and blockwise recipes (SPEC 8.3), specials included.
    @Test("verify agrees with the HIP block-scaled kernels", arguments: GPUProducerFixtureTests.files("hip/block"))
    func hipBlockResults(path: String) throws {
        let report = try Verifier.verify(path: path)
        #expect(report.agrees, "\(VerifySummary.text(report))")
        let hip = report.producers.filter { $0.key.hasPrefix("hip-sm90-") }
        let recipes = Set(hip.values.compactMap { $0.attributes["recipe"] })
        #expect(recipes == ["mxfp8", "blockwise"], "\(recipes)")
        #expect(hip.count == 3, "mxfp8 floor, mxfp8 rceil, blockwise")
        for (name, p) in hip {
            #expect(p.datasets.values.allSatisfy { $0.skipped == nil && $0.elements > 0 }, "\(name)")
        }
    }

    @Test("verify agrees with PyTorch on the H100", arguments: GPUProducerFixtureTests.files("peers"))
    func torchResults(path: String) throws {
        let producers = ["torch-eager-rowwise", "torch-eager-tensorwise", "torch-scaled-grouped-mm",
                         "torch-scaled-grouped-mm-fast-accum"]
        let report = try Verifier.verify(path: path, producers: producers)
        #expect(report.agrees, "\(VerifySummary.text(report))")
        for recipe in ["rowwise", "tensorwise"] {
            let p = try #require(report.producers["torch-eager-\(recipe)"])
            #expect(p.attributes["device"]?.contains("H100") == true)
            #expect(p.datasets.count >= 10 && p.datasets.values.allSatisfy { $0.skipped == nil && $0.elements > 0 })
        }
    }

    /// torchao 0.18's fused Triton kernels (scripts/peer_torchao.py) declare torchao's own
    /// semantics, and verify finds exactly one kind of disagreement: where x * scale is NaN (a NaN
    /// input, or +-Inf times the zero scale of its row), the kernels write +448 (0x7E) instead of
    /// NaN. Every scale agrees; every other payload byte agrees.
    @Test("torchao's Triton kernels: NaN clamped to +max, nothing else", arguments: GPUProducerFixtureTests.files("peers"))
    func torchaoTritonFinding(path: String) throws {
        let report = try Verifier.verify(path: path, producers: ["torchao-triton-rowwise"])
        let p = try #require(report.producers["torchao-triton-rowwise"])
        #expect(p.datasets.count == 12)
        let hasSpecials = !path.hasSuffix("torch-small-balanced.h5")
        var mismatches = 0
        for (name, d) in p.datasets {
            #expect(d.skipped == nil && d.elements > 0, "\(name)")
            if d.kind == "scale" { #expect(d.mismatches == 0, "\(name)") }
            if d.mismatches > 0 {
                let m = try #require(d.firstMismatch)
                #expect(m.expected == "0x7f" && m.actual == "0x7e", "\(name)")
                #expect(m.cause == MismatchCause.nanClampedToMax, "\(name): \(m.cause ?? "no cause")")
            }
            mismatches += d.mismatches
        }
        #expect(hasSpecials ? mismatches > 0 : mismatches == 0)
    }
}
