import Foundation
import Testing
import Verify

/// torchao at main (pytorch/ao 36027d82) run on an H100 by scripts/gpu/torchao_blockscaled.py
/// (fixtures/peers/torchao-{specials,grouped,single-expert-e5m2,small-balanced,
/// skewed-outliers-e4m3fnuz}.h5; provenance in each file, the run in fixtures/peers/README.md).
/// What issue 11 asks of verify on them: eager `to_mx` in all four modes and the Triton MXFP8
/// FLOOR kernels (dim0 and dim1) agree bit for bit; the blockwise kernels' scales agree and every
/// mismatch of their payloads and of the emulated grouped GEMM is named, nothing unexplained.
@Suite struct TorchaoBlockScaledPeerTests {
    static let files = ["specials", "grouped", "single-expert-e5m2", "small-balanced", "skewed-outliers-e4m3fnuz"]
    static func report(_ name: String) throws -> VerifyReport {
        try Verifier.verify(path: GPUProducerFixtureTests.root.appendingPathComponent("peers/torchao-\(name).h5").path)
    }

    @Test("to_mx (4 modes) and Triton MXFP8 FLOOR agree bit for bit", arguments: Self.files)
    func mxAgrees(_ name: String) throws {
        let r = try Self.report(name)
        let mx = r.producers.filter { $0.key.hasPrefix("torchao-to_mx-") || $0.key == "torchao-triton-mxfp8-floor" }
        #expect(mx.count == 5, "\(name): \(r.producers.keys.sorted())")
        var compared = 0
        for (p, pr) in mx {
            for (d, s) in pr.datasets where s.skipped == nil {
                compared += s.elements
                #expect(s.mismatches == 0, "\(name) \(p)/\(d): \(s.causes?.map { "\($0.count) \($0.cause)" } ?? [])")
            }
        }
        #expect(compared > 0)
    }

    @Test("blockwise: scales agree, every mismatch named", arguments: Self.files)
    func blockwiseNamed(_ name: String) throws {
        let r = try Self.report(name)
        for (p, pr) in r.producers where p.hasPrefix("torchao-blockwise") {
            for (d, s) in pr.datasets where s.skipped == nil {
                if s.kind == "scale" { #expect(s.mismatches == 0, "\(name) \(p)/\(d)") }
                #expect(s.unexplained ?? 0 == 0, "\(name) \(p)/\(d): \(s.causes?.map { "\($0.count) \($0.cause)" } ?? [])")
                for c in s.causes ?? [] {
                    let expected = s.kind == "gemm" ? MismatchCause.fp32AccumulatorOverflow : MismatchCause.nanClampedToMax
                    #expect(c.cause == expected, "\(name) \(p)/\(d): \(c.count) \(c.cause)")
                }
            }
        }
    }

    /// The counts on specials.h5, from its planted specials: each 1x128 (and 128x1) NaN, -NaN and
    /// +-Inf element of `a` (1 + 1 + 1 + 1 + 32 -Inf of row 4 + 1 at [170, 247] = 37) is written
    /// +448 where the reference is NaN; `b` has one NaN and two Inf (3); the emulated GEMM's row
    /// 18 (bf16-max values, sum |a b| above fp32 max) overflows its fp32 accumulation in 91 outputs.
    @Test func specialsCounts() throws {
        let r = try Self.report("specials")
        let bw = try #require(r.producers["torchao-blockwise"])
        #expect(bw.datasets["a_fp8"]?.mismatches == 37)
        #expect(bw.datasets["a_wgrad_fp8"]?.mismatches == 37)
        #expect(bw.datasets["b_fp8"]?.mismatches == 3)
        let gemm = try #require(r.producers["torchao-blockwise-grouped-gemm"]?.datasets["out"])
        #expect(gemm.mismatches == 91)
        #expect(gemm.firstMismatch?.row == 18)
        // The RCEIL Triton kernel did not compile for sm_90 (Blackwell-only PTX): no datasets.
        #expect(r.producers["torchao-triton-mxfp8-rceil"]?.datasets.isEmpty == true)
        #expect(r.producers["torchao-triton-mxfp8-rceil"]?.attributes["failed"]?.contains("ue8m0x2") == true)
    }
}
