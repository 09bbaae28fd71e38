import Foundation
import Testing
import Verify

/// PR #4179's real kernels, run on the H200 (fixtures/peers/pr4179-*.h5, made by
/// scripts/gpu/peer_pr4179.py; provenance in each file, findings in fixtures/peers/README.md).
/// What issue 8 asks of verify on them: the 2-D kernels and the per-group kernel at BLOCK_SIZE
/// 2048 on the straddle fixture agree; every mismatch of a straddling config is attributed to
/// the straddle with its block size; the autotuner's first call to the contaminated amax;
/// nothing unexplained anywhere.
@Suite struct PR4179PeerTests {
    static let files = GPUProducerFixtureTests.root.appendingPathComponent("peers").path
    static func report(_ name: String) throws -> VerifyReport { try Verifier.verify(path: "\(files)/pr4179-\(name).h5") }

    @Test func resultsArePresent() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.files)) ?? []
        #expect(names.filter { $0.hasPrefix("pr4179-") && $0.hasSuffix(".h5") }.count == 7)
    }

    @Test func straddleFixture() throws {
        let r = try Self.report("straddle")
        for (p, pr) in r.producers where p.hasPrefix("pr4179-") {
            for (d, s) in pr.datasets where s.skipped == nil && s.kind != "gemm" {
                if p.contains("-2d") || p.contains("dual") || p.contains("single-scalar") || p.hasSuffix("bs2048") {
                    #expect(s.mismatches == 0, "\(p)/\(d): \(s.causes?.map(\.cause) ?? [])")
                }
                #expect(s.unexplained ?? 0 == 0, "\(p)/\(d)")
                for c in s.causes ?? [] {
                    if let size = p.split(separator: "-").last.flatMap({ $0.hasPrefix("bs") ? Int($0.dropFirst(2)) : nil }) {
                        #expect(c.cause.hasPrefix(MismatchCause.groupBoundary(blockSize: size)), "\(p)/\(d): \(c.cause)")
                    } else if p.hasSuffix("autotune") {
                        #expect(c.cause.hasPrefix("scale from a neighbouring group's amax (the autotuner's first call"), "\(p)/\(d): \(c.cause)")
                    }
                }
            }
        }
        let bs4096 = try #require(r.producers["pr4179-bd79c46-per-group-bs4096"]?.datasets["a_wgrad_fp8"])
        #expect(bs4096.mismatches == 3561)
    }

    @Test("nothing unexplained on any PR peer fixture", arguments: ["inf", "inf-a", "moe-specials", "pow2-amax",
                                                                     "single-expert-e5m2", "small-balanced", "straddle"])
    func nothingUnexplained(_ name: String) throws {
        let r = try Self.report(name)
        for (p, pr) in r.producers where p.hasPrefix("pr4179-") {
            for (d, s) in pr.datasets where s.mismatches > 0 {
                #expect(s.unexplained == 0, "\(name) \(p)/\(d): \(s.causes?.map { "\($0.count) \($0.cause)" } ?? [])")
                #expect((s.causes ?? []).map(\.count).reduce(0, +) == s.mismatches)
            }
        }
    }
}
