/// The quantized operands of the three grouped GEMMs, by their dataset names
/// (docs/results-schema.md): `<name>_fp8` and `<name>_scale`.
public enum Operand: String, CaseIterable, Hashable, Sendable {
    /// `inputs/a` [M,K] for forward.
    case a
    /// `inputs/b` [G,K,N] for forward.
    case b
    /// `inputs/grad_out` [M,N] for dgrad.
    case gradOut = "grad_out"
    /// `inputs/b` seen as B^T for dgrad: stored in b's layout, scaled per (g, k) under rowwise.
    case bT = "b_t"
    /// `inputs/a` for wgrad.
    case aWgrad = "a_wgrad"
    /// `inputs/grad_out` for wgrad.
    case gradOutWgrad = "grad_out_wgrad"

    /// The input dataset name it quantizes (`a`, `b` or `grad_out`).
    public var source: String {
        switch self {
        case .a, .aWgrad: "a"
        case .b, .bT: "b"
        case .gradOut, .gradOutWgrad: "grad_out"
        }
    }

    /// Whether the source is the 3-D weight.
    public var isWeight: Bool { self == .b || self == .bT }

    /// Whether a 3-D `rowwise` reduction runs over N (per (g, k)) instead of over K (per (g, n)).
    public var isTransposedWeight: Bool { self == .bT }

    /// The reduction set this operand uses under a recipe (docs/results-schema.md table).
    public func reduction(under kind: Recipe.Kind) -> Reduction {
        switch (self, kind) {
        case (.a, .rowwise), (.gradOut, .rowwise), (.b, .rowwise), (.bT, .rowwise): .rowwise
        case (.aWgrad, .rowwise), (.gradOutWgrad, .rowwise): .perGroupColumn
        case (.a, .tensorwise), (.gradOut, .tensorwise): .tensorwise
        case (.b, .tensorwise), (.bT, .tensorwise): .perExpert
        case (.aWgrad, .tensorwise), (.gradOutWgrad, .tensorwise): .perGroup
        // SPEC 8.3: blocks run along each GEMM's contraction (K for forward, N for dgrad, M for
        // wgrad); weights in blocks of 32 along K (b) or N (b_t) under mxfp8, 128x128 under blockwise.
        case (.a, .mxfp8), (.gradOut, .mxfp8), (.bT, .mxfp8): .block1x32
        case (.b, .mxfp8), (.aWgrad, .mxfp8), (.gradOutWgrad, .mxfp8): .block32x1
        case (.a, .blockwise), (.gradOut, .blockwise): .block1x128
        case (.b, .blockwise), (.bT, .blockwise): .block128x128
        case (.aWgrad, .blockwise), (.gradOutWgrad, .blockwise): .block128x1
        }
    }
}
