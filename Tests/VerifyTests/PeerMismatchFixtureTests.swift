import Foundation
import Testing
import Verify

/// fixtures/verify-cases/peer-mismatches.h5 is written by h5py (scripts/make_verify_cases.py):
/// a peer producer with known defects. verify must find each and name its cause, and leave the
/// reference producers in the same file agreeing.
@Suite struct PeerMismatchFixtureTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/verify-cases/peer-mismatches.h5").path

    @Test func everyDefectIsFoundAndNamed() throws {
        let report = try Verifier.verify(path: Self.path, producers: ["peer-gpu"])
        #expect(!report.agrees)
        let d = try #require(report.producers["peer-gpu"]?.datasets)
        #expect(d["a_fp8"]?.mismatches == 1 && d["a_fp8"]?.firstMismatch?.cause == MismatchCause.nanByteSign)
        #expect(d["grad_out_fp8"]?.mismatches == 1 && d["grad_out_fp8"]?.firstMismatch?.cause?.hasPrefix(MismatchCause.saturationVsNaN) == true)
        #expect(d["b_scale"]?.firstMismatch?.cause == MismatchCause.pow2Rounding)
        #expect(d["out"]?.mismatches == 1 && d["out"]?.firstMismatch?.index == 0)
        #expect(d["a_scale"]?.mismatches == 0)
        #expect(report.producers["peer-gpu"]?.attributes["git_sha"] == "0000000")
    }

    /// Regression, not evidence: the reference's own producers in the file judged by the reference.
    @Test func regressionReferenceProducersStillAgree() throws {
        let report = try Verifier.verify(path: Self.path, producers: ["reference-rowwise", "reference-tensorwise"])
        #expect(report.agrees)
    }

    @Test func jsonHasTheSpecKeys() throws {
        let report = try Verifier.verify(path: Self.path, producers: ["peer-gpu"])
        let text = String(decoding: try report.json(), as: UTF8.self)
        for key in ["\"elements\"", "\"mismatches\"", "\"max_ulp\"", "\"accum_bits\"", "\"first_mismatch\"",
                    "\"index\"", "\"group\"", "\"input_bits\"", "\"expected\"", "\"actual\"", "\"cause\""] {
            #expect(text.contains(key), "\(key)")
        }
    }
}
