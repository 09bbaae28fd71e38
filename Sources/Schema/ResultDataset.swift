import GroupedGEMM
import Recipes

/// The datasets `fp8moe verify` knows inside `/results/<producer>/` (docs/results-schema.md).
/// Any other name is ignored (timings, provenance).
public enum ResultDataset: Hashable, Sendable, CustomStringConvertible {
    /// `<operand>_fp8`: uint8 codes in the layout of the operand's source.
    case payload(Operand)
    /// `<operand>_scale`: fp32 multipliers.
    case scale(Operand)
    /// `out`, `grad_a`, `grad_b`: bf16 GEMM outputs.
    case gemm(GEMMKind)

    public init?(name: String) {
        if let g = GEMMKind(rawValue: name) { self = .gemm(g); return }
        for op in Operand.allCases {
            if name == op.rawValue + "_fp8" { self = .payload(op); return }
            if name == op.rawValue + "_scale" { self = .scale(op); return }
        }
        return nil
    }

    public var name: String {
        switch self {
        case .payload(let op): op.rawValue + "_fp8"
        case .scale(let op): op.rawValue + "_scale"
        case .gemm(let g): g.rawValue
        }
    }

    public var description: String { name }
}

/// The three grouped GEMMs, by output dataset name (SPEC section 4).
public enum GEMMKind: String, CaseIterable, Hashable, Sendable {
    /// forward: `out = A @ B[g]` from operands `a` and `b`.
    case out
    /// dgrad: `grad_a = grad_out @ B[g]^T` from `grad_out` and `b_t`.
    case gradA = "grad_a"
    /// wgrad: `grad_b[g] = A_g^T @ grad_out_g` from `a_wgrad` and `grad_out_wgrad`.
    case gradB = "grad_b"

    /// The (left, right) quantized operands.
    public var operands: (Operand, Operand) {
        switch self {
        case .out: (.a, .b)
        case .gradA: (.gradOut, .bT)
        case .gradB: (.aWgrad, .gradOutWgrad)
        }
    }
}
