import ArgumentParser
import Dispatch
import FP8
import Foundation
import GroupedGEMM

/// Reference grouped GEMM throughput beside plain BLAS of the same size, measured in one run:
/// `exact` mode against one `cblas_dgemm` of M x K by K x N (the same 2MKN flops), `fp32` mode
/// against one `cblas_sgemm`.
struct BenchGEMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "Grouped GEMM (exact and fp32 modes) in GFLOP/s beside cblas_dgemm / cblas_sgemm of the same size.",
        discussion: """
            Operands: random finite e4m3fn codes, rowwise scales for A ([M]) and per expert and column \
            for B ([G,N]), balanced routing. Each size is timed as the best of --repeats runs.
            """)

    @Option(help: "Sizes as MxKxNxG, comma-separated.") var sizes: String = "2048x1024x512x4,8192x2048x1408x8"
    @Option(help: "Timed repetitions (the best is reported).") var repeats: Int = 3
    @Flag(help: "Skip the fp32 mode and sgemm rows.") var exactOnly = false

    struct Size { let m, k, n, g: Int }

    func run() throws {
        try exitingOnBadInput {
            let parsed = try parseSizes()
            guard repeats > 0 else { throw InputError("--repeats must be positive") }
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let kernel = BLAS.coreName
            print("# fp8moe bench gemm: grouped GEMM (e4m3fn operands, rowwise scales, balanced routing) beside plain BLAS "
                  + "of the same size, best of \(repeats); \(cores) cores; OpenBLAS core \(kernel), "
                  + "\(BLAS.threads) threads")
            print("M x K x N, G\tpath\ttime ms\tGFLOP/s\tBLAS baseline\tBLAS ms\tBLAS GFLOP/s\tratio")
            for s in parsed { try bench(s) }
        }
    }

    private func parseSizes() throws -> [Size] {
        try sizes.split(separator: ",").map { text in
            let v = text.split(separator: "x").compactMap { Int($0) }
            guard v.count == 4, v.allSatisfy({ $0 > 0 }), v[0] >= v[3] else {
                throw InputError("bad size '\(text)' (expected MxKxNxG with positive extents and M >= G)")
            }
            return Size(m: v[0], k: v[1], n: v[2], g: v[3])
        }
    }

    private func best(_ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return best
    }

    private func bench(_ s: Size) throws {
        var rng = BenchRandom(seed: 0xB0B + UInt64(s.m * 31 + s.k))
        let format = FP8Format.e4m3fn
        // Finite e4m3fn codes: every code but 0x7F and 0xFF (NaN).
        func codes(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in
                let c = UInt8(truncatingIfNeeded: rng.next())
                return c & 0x7F == 0x7F ? c ^ 0x01 : c
            }
        }
        func scales(_ count: Int) -> [Float] {
            (0..<count).map { _ in Float(sign: .plus, exponent: Int(rng.next() % 8), significand: 1) }
        }
        let a = GroupedGEMM.Operand(codes: codes(s.m * s.k), shape: [s.m, s.k], format: format,
                                    scales: OperandScales(scales(s.m), layout: .perGlobalRow))
        let b = GroupedGEMM.Operand(codes: codes(s.g * s.k * s.n), shape: [s.g, s.k, s.n], format: format,
                                    scales: OperandScales(scales(s.g * s.n), layout: .perGroupAndIndex(s.n)))
        let offsets = (1...s.g).map { $0 * s.m / s.g }
        let flops = 2.0 * Double(s.m) * Double(s.k) * Double(s.n)
        let label = "\(s.m) x \(s.k) x \(s.n), \(s.g)"

        // Plain BLAS of the same size: A [M,K] @ B [K,N] (expert 0's weights), operands decoded.
        let decoded = (0..<256).map { format.decode(UInt8($0)) }
        let ad = a.codes.map { decoded[Int($0)] }
        let bd = b.codes[0..<(s.k * s.n)].map { decoded[Int($0)] }
        var checksum = 0.0
        // Through the project's one BLAS wrapper, which allocates C as the grouped GEMM allocates its output.
        let dgemm = best { checksum += Double(BLAS.dgemm(ad, bd, m: s.m, n: s.n, k: s.k).count) }
        let exact = best {
            GroupedGEMM(mode: .exact).forward(a: a, b: b, offsets: offsets) { checksum += Double($0.bits.count) }
        }
        row(label, "exact", exact, flops, "dgemm", dgemm)
        // The same outputs without S = sum |a b| (verify's bound needs it, a second GEMM).
        let outputsOnly = best {
            GroupedGEMM(mode: .exact, computesMagnitudes: false).forward(a: a, b: b, offsets: offsets) {
                checksum += Double($0.bits.count)
            }
        }
        row(label, "exact, outputs only", outputsOnly, flops, "dgemm", dgemm)
        if exactOnly { return }
        let af = ad.map(Float.init), bf = bd.map(Float.init)
        let sgemm = best { checksum += Double(BLAS.sgemm(af, bf, m: s.m, n: s.n, k: s.k).count) }
        let fp32 = best {
            GroupedGEMM(mode: .fp32).forward(a: a, b: b, offsets: offsets) { checksum += Double($0.bits.count) }
        }
        row(label, "fp32", fp32, flops, "sgemm", sgemm)
        precondition(checksum > 0)
    }

    private func row(_ label: String, _ path: String, _ t: Double, _ flops: Double, _ baseline: String, _ tb: Double) {
        print("\(label)\t\(path)\t\(String(format: "%.0f", t * 1e3))\t\(String(format: "%.1f", flops / t / 1e9))\t"
              + "\(baseline)\t\(String(format: "%.0f", tb * 1e3))\t\(String(format: "%.1f", flops / tb / 1e9))\t"
              + "\(String(format: "%.0f%%", tb / t * 100))")
    }
}

/// A small seeded generator (64-bit LCG, top bits) for benchmark data.
struct BenchRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 32
    }
}
