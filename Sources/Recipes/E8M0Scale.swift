import FP8

/// The e8m0 scale of an MX block: its code from the block's amax under a `ScaleMode`, and the
/// values a code stands for (SPEC 8.3).
///
/// Reproduces torchao's eager `to_mx` and its helpers `_to_mx_rceil`, `_f32_to_e8m0_rceil` and
/// `_e8m0_scale_to_reciprocal_fp32` (pytorch/ao at 36027d82d1ad9949597ea16002ff4940374b1b94,
/// `torchao/prototype/mx_formats/mx_tensor.py`), and the Triton kernels' `_triton_calculate_scale_floor`,
/// `_triton_f32_to_e8m0_rceil` and `_calculate_reciprocal_scale` (`kernels.py`, same commit),
/// which compute the same codes: the Triton amax turns NaN into +Inf (`_triton_amax_nan_as_inf`)
/// where the eager one propagates NaN, and either way the block's code is 0xFF.
///
/// Steps (`amax` is an fp32 value: a bf16 amax widened exactly; `emax` = exponent of the
/// format's largest power of two, 8 for e4m3fn, 15 for e5m2):
/// 1. rceil: `descale = fl32(amax * fl32(1.0 / fp8_max))` (the Python double `1.0 / max_pos`
///    becomes an fp32 operand); code = its exponent field, +1 when any mantissa bit is set (for
///    an fp32 subnormal descale: +1 only above 2^-127); non-finite descale -> 0xFF.
/// 2. even: amax's bits `+ (1 << (22 - mbits))`, then only sign and exponent kept (NaN kept).
/// 3. floor / even: `e = exponent field - 127 - emax`; ceil: `+1` when the mantissa is non-zero.
/// 4. `e` clamped to [-127, 128], code = `e + 127`; an amax (after step 2) that is not finite
///    gives 0xFF.
///
/// Edge Cases: amax 0 gives code 0 (multiplier 2^127, every payload 0); a NaN or Inf block gives
/// 0xFF, whose multiplier is NaN, so every element of the block is cast from NaN.
public enum E8M0Scale {
    /// The e8m0 NaN code.
    public static let nanCode: UInt8 = 0xFF

    /// The exponent of the largest power of two at or below the format's max finite value
    /// (torchao's `F8E4M3_MAX_POW2 = 8`, `F8E5M2_MAX_POW2 = 15`).
    public static func targetMaxExponent(_ format: FP8Format) -> Int { Int(format.maxFinite.exponent) }

    /// The code of a block with amax `amax` (exact, non-negative or NaN).
    public static func code(amax: Double, mode: ScaleMode, format: FP8Format) -> UInt8 {
        let a = Float(amax)
        if mode == .rceil {
            let reciprocalMax = Float(1.0 / format.maxFinite)
            let descale = Float(Double(a) * Double(reciprocalMax))  // one fp32 multiply
            if !descale.isFinite { return nanCode }
            let field = Int(descale.bitPattern >> 23) & 0xFF
            let mantissa = descale.bitPattern & 0x7F_FFFF
            let up = field == 0 ? mantissa > 0x40_0000 : mantissa != 0
            return UInt8(truncatingIfNeeded: field + (up ? 1 : 0))
        }
        var bits = a.bitPattern
        if mode == .even && !a.isNaN {
            bits = (bits &+ (1 << UInt32(22 - format.mantissaBits))) & 0xFF80_0000
        }
        if !Float(bitPattern: bits).isFinite { return nanCode }
        var e = Int(bits >> 23) & 0xFF - 127
        if mode == .ceil && bits & 0x7F_FFFF != 0 { e += 1 }
        e -= targetMaxExponent(format)
        e = min(max(e, -127), 128)
        return UInt8(e + 127)
    }

    /// The quantization multiplier of a code, `2^(127 - code)` (2^127 for code 0, the fp32
    /// subnormal 2^-127 for 254), NaN for 0xFF: the e8m0 value of code `254 - code`, as torchao's
    /// `_e8m0_scale_to_reciprocal_fp32` forms it.
    public static func multiplier(code: UInt8) -> Float {
        code == nanCode ? .nan : Float(FP8Format.e8m0fnu.decode(254 - code))
    }

    /// The dequantization factor of a code, `2^(code - 127)`, NaN for 0xFF (its e8m0 value).
    public static func dequantization(code: UInt8) -> Float { Float(FP8Format.e8m0fnu.decode(code)) }

    /// The code whose multiplier is `m`. Precondition: `m` is NaN or a power of two in
    /// [2^-127, 2^127].
    public static func code(multiplier m: Float) -> UInt8 {
        if m.isNaN { return nanCode }
        precondition(m.significandBitPattern == 0 || m.isSubnormal, "not a power of two: \(m)")
        return UInt8(127 - Int(m.exponent))
    }
}
