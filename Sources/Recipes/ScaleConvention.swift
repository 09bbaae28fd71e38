/// Which fp32 value a producer stores as the scale (SPEC 8.3, attribute `scale_convention`).
public enum ScaleConvention: String, CaseIterable, Hashable, Sendable {
    /// The quantization multiplier `fp8_max / amax` (SPEC section 5, the default).
    case multiplier
    /// Its reciprocal, `1 / multiplier` rounded once to nearest fp32: what torchao's blockwise
    /// kernels store (`tl.div_rn(1.0, scale)` in `torchao/prototype/blockwise_fp8_training/kernels.py`,
    /// `1.0 / s` in its torch reference functions; pytorch/ao at 36027d82).
    case reciprocal

    /// The stored fp32 value of a multiplier: itself, or its correctly rounded reciprocal
    /// (1/0 = +Inf, 1/Inf = 0, NaN stays NaN).
    @inlinable
    public func stored(multiplier m: Float) -> Float {
        switch self {
        case .multiplier: m
        case .reciprocal: 1 / m
        }
    }
}
