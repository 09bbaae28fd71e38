/// How a value between two adjacent representable numbers is resolved.
public enum RoundingRule: Hashable, Sendable {
    /// Round to nearest; a tie goes to the neighbour whose integral significand is even (IEEE
    /// roundTiesToEven). For e8m0fnu every significand is 1, so a tie 1.5 * 2^e goes up to
    /// 2^(e+1), as ml_dtypes and PyTorch do.
    case toNearestOrEven
    /// Truncate the magnitude (CUDA `cudaRoundZero`).
    case towardZero
    /// Toward +infinity (CUDA `cudaRoundPosInf`): positive values round up, negative ones toward 0.
    case upward
    /// Stochastic rounding with caller-supplied random bits: the magnitude rounds away from zero
    /// exactly when the discarded fraction `f` (in units of the result's last place, 0 <= f < 1)
    /// satisfies `f >= 1 - bits / 2^32`. `bits = 0` truncates; uniformly random bits round up with
    /// probability `f` (to 2^-32). Exact values never move.
    case stochastic(UInt32)
}
