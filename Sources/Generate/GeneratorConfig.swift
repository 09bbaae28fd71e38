import Foundation
import FP8
import Recipes

/// What `fp8moe generate` makes: shapes, value distributions, routing and injected specials.
public struct GeneratorConfig: Sendable {
    /// How input values are drawn (then rounded once to bf16).
    public enum Distribution: String, CaseIterable, Sendable {
        /// N(0, 1) times the tensor's base scale.
        case normal
        /// A scale mixture, `N(0,1) * 2^(2 N(0,1))`: occasional values thousands of times the
        /// typical magnitude.
        case heavy
        /// Normal, with about 1 in 16 columns (channels) scaled by 2^10.
        case outlierChannels = "outlier-channels"
        /// Normal, with about 1 in 16 rows scaled by 2^10.
        case outlierRows = "outlier-rows"
        /// `heavy`, with activation and output-gradient tokens (rows) whose magnitudes span four
        /// decades: row r of `a` and `grad_out` is also multiplied by `10^(-4 u_r)`, u_r uniform
        /// in (0,1) (`FixtureGenerator.tokenMagnitude`); weights as `heavy`.
        case heavyTokens = "heavy-tokens"
    }

    /// How the M rows are split into G groups (the `offsets`).
    public enum Routing: String, CaseIterable, Sendable {
        /// As equal as possible.
        case balanced
        /// Zipf-like: group g gets a share proportional to 1/(g+1)^1.5.
        case skewed
        /// Every third expert (from the second) gets no rows; the rest balanced.
        case empty
        /// All routed rows go to one expert (the middle one); the others are empty.
        case single
    }

    /// Special values put into the inputs.
    public enum Injection: String, CaseIterable, Sendable {
        /// +NaN and -NaN in one row of `a` and one of `grad_out`.
        case nan
        /// +Inf and -Inf in `a`, -Inf in `grad_out`, +Inf in one weight column of `b`.
        case inf
        /// bf16 subnormals scattered through `a`, and one row of `a` made of subnormals only.
        case subnormal
        /// One non-empty group's rows of `a` and `grad_out` all zero.
        case zeroGroup = "zero-group"
    }

    public var m: Int
    public var k: Int
    public var n: Int
    public var g: Int
    public var seed: UInt64
    public var distribution: Distribution
    public var routing: Routing
    public var injections: [Injection]
    /// Rows at the end of `a` that belong to no group (`offsets[G-1] = M - tailRows`).
    public var tailRows: Int
    public var withGradOut: Bool
    /// The recipes whose reference results are written, each under `/results/reference-<recipe>`.
    public var recipes: [Recipe]
    /// Whether the reference writes GEMM outputs (slow at DeepSeek-V3 shapes).
    public var withGEMM: Bool
    public var description: String

    public init(m: Int, k: Int, n: Int, g: Int, seed: UInt64 = 0, distribution: Distribution = .normal,
                routing: Routing = .balanced, injections: [Injection] = [], tailRows: Int = 0,
                withGradOut: Bool = true, recipes: [Recipe] = [.rowwise, .tensorwise], withGEMM: Bool = true,
                description: String = "") {
        self.m = m
        self.k = k
        self.n = n
        self.g = g
        self.seed = seed
        self.distribution = distribution
        self.routing = routing
        self.injections = injections
        self.tailRows = tailRows
        self.withGradOut = withGradOut
        self.recipes = recipes
        self.withGEMM = withGEMM
        self.description = description
    }

    /// DeepSeek-V3-16B MoE layer shapes: M = 98432 routed rows, K = 2048, N = 1408, G = 8.
    public static func deepSeekV3_16B(seed: UInt64 = 0) -> GeneratorConfig {
        GeneratorConfig(m: 98432, k: 2048, n: 1408, g: 8, seed: seed, withGEMM: false,
                        description: "DeepSeek-V3-16B MoE layer shapes")
    }

    /// Why this shape cannot be generated on this machine, or nil (issue 12: `generate` refuses
    /// sizes it cannot hold, exit 2, instead of trapping on an overflow or a failed allocation).
    /// M and G must fit the int32 offsets; every tensor's element count (a [M,K], b [G,K,N],
    /// grad_out [M,N]) must fit an Int; and the generator's working set, about 8 bytes per
    /// element of them all (bf16 inputs, fp8 copies, scales, GEMM outputs), must fit in
    /// `memory` bytes (default: the machine's physical memory).
    public func sizeProblem(memory: UInt64 = ProcessInfo.processInfo.physicalMemory) -> String? {
        guard m <= Int(Int32.max) else { return "M = \(m) does not fit the int32 offsets (at most \(Int32.max))" }
        guard g <= Int(Int32.max) else { return "G = \(g) does not fit the int32 offsets (at most \(Int32.max))" }
        func product(_ factors: [Int]) -> Int? {
            var p = 1
            for f in factors {
                let (r, overflow) = p.multipliedReportingOverflow(by: f)
                if overflow { return nil }
                p = r
            }
            return p
        }
        guard let mk = product([m, k]), let gkn = product([g, k, n]), let mn = product([m, n]),
              let total = product([mk.addingReportingOverflow(gkn).overflow ? -1 : mk + gkn, 1]),
              total >= 0, !total.addingReportingOverflow(mn).overflow,
              let bytes = product([total + mn, 8])
        else { return "M=\(m) K=\(k) N=\(n) G=\(g): the tensors' sizes overflow a 64-bit count" }
        guard UInt64(bytes) <= memory else {
            return String(format: "M=%d K=%d N=%d G=%d needs about %.1f GB to generate, this machine has %.1f GB",
                          m, k, n, g, Double(bytes) / 1e9, Double(memory) / 1e9)
        }
        return nil
    }
}
