import Foundation
import Testing

/// `fp8moe bench gemm` and `fp8moe bench quantize` at small sizes: they run, print their table,
/// and the quantize peer (numpy + ml_dtypes, python3) gives the same codes and scale.
@Suite struct BenchCLITests {
    @Test func quantizeAgreesWithNumpyPeer() throws {
        // 512 x 512 = 2^18 elements: large enough for the quantizer's table path.
        let r = try CLITests.run(["bench", "quantize", "--rows", "512", "--columns", "512", "--repeats", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("identical codes: yes, 262144 of 262144 equal"), "\(r.stdout)")
        #expect(r.stdout.contains("\n1 core\t") && r.stdout.contains("numpy+ml_dtypes Melem/s"), "\(r.stdout)")
    }

    @Test func gemmPrintsBothModes() throws {
        let r = try CLITests.run(["bench", "gemm", "--sizes", "64x32x16x2", "--repeats", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("64 x 32 x 16, 2\t") }
        #expect(rows.count == 3 && rows[0].contains("\texact\t") && rows[0].contains("\tdgemm\t")
                && rows[1].contains("\texact, outputs only\t") && rows[1].contains("\tdgemm\t")
                && rows[2].contains("\tfp32\t") && rows[2].contains("\tsgemm\t"), "\(r.stdout)")
    }

    @Test func gemmRejectsBadSize() throws {
        let r = try CLITests.run(["bench", "gemm", "--sizes", "64x32x16"])
        #expect(r.status == 2 && r.stderr.contains("bad size '64x32x16'"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
}
