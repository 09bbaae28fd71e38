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
}
