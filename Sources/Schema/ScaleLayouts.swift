import GroupedGEMM
import Recipes

/// How an operand's scales reach the GEMM epilogue: one per output row (left operand) or
/// output column (right operand). A reduction that varies along the contraction dimension
/// (`rowwise` on a wgrad operand, `per_group_column` on a forward operand) cannot be applied
/// after the dot product: nil.
public enum ScaleLayouts {
    public static func layout(_ op: Operand, _ reduction: Reduction, k: Int, n: Int) -> OperandScales.Layout? {
        switch (op, reduction) {
        case (_, .tensorwise): .single
        case (.b, .perExpert), (.bT, .perExpert): .perGroup
        case (.a, .perGroup), (.gradOut, .perGroup), (.aWgrad, .perGroup), (.gradOutWgrad, .perGroup): .perGroup
        case (.a, .rowwise), (.gradOut, .rowwise): .perGlobalRow
        case (.b, .rowwise): .perGroupAndIndex(n)
        case (.bT, .rowwise): .perGroupAndIndex(k)
        case (.aWgrad, .perGroupColumn): .perGroupAndIndex(k)
        case (.gradOutWgrad, .perGroupColumn): .perGroupAndIndex(n)
        default: nil
        }
    }
}
