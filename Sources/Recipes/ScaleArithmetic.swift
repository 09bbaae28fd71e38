import Foundation

/// `scale = fp8_max / max(amax, EPS)`, EPS = 1e-12, then optional power-of-two rounding
/// (SPEC section 3). The result is the quantization multiplier, stored as fp32.
///
/// Reproduces torchao `amax_to_scale` (`torchao/float8/float8_utils.py`) and
/// `_round_scale_down_to_power_of_2` (`torch.exp2(torch.floor(torch.log2(scale)))` on the fp32
/// scale).
///
/// Edge Cases:
/// - amax NaN -> scale +NaN (`clamp` propagates NaN); pow2 keeps NaN.
/// - amax +Inf -> scale 0; pow2: `exp2(floor(log2(0))) = exp2(-Inf) = 0`.
/// - amax 0 (empty group) -> `fp8_max / EPS` (448e12 rounded to fp32), 2^48 after pow2.
public enum ScaleArithmetic {
    /// EPS of torchao's `amax_to_scale`.
    public static let eps: Double = 1e-12

    public static func scale(amax: Double, recipe: Recipe) -> Float {
        if recipe.scaleFormat == .e8m0 {  // SPEC 8.3: a power of two from the scale mode
            return E8M0Scale.multiplier(code: E8M0Scale.code(amax: amax, mode: recipe.scaleMode, format: recipe.format))
        }
        var s: Float
        if amax.isNaN {
            s = .nan
        } else {
            switch recipe.scaleCompute {
            case .fp64:
                s = Float(recipe.fp8Max / max(amax, eps))
            case .fp32:
                // Float(amax) is exact for a bf16 amax.
                s = Float(recipe.fp8Max) / max(Float(amax), Float(eps))
            }
        }
        return recipe.scalePow2 ? roundDownToPowerOfTwo(s) : s
    }

    /// `exp2(floor(log2(s)))` as torch evaluates it on an fp32 tensor: log2 rounded to fp32
    /// before the floor (so a scale within half an fp32 ulp of `log2` below a power of two
    /// rounds up to it, as `log2f` does), then exp2 exact.
    public static func roundDownToPowerOfTwo(_ s: Float) -> Float {
        if s.isNaN { return s }
        if s == 0 { return 0 }
        if s.isInfinite { return s }
        let l = Float(Foundation.log2(Double(s)))
        return Float(Foundation.exp2(Double(l.rounded(.down))))
    }
}
