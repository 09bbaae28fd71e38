/// The arithmetic every binary floating-point layout here shares, fp8 and fp32/bf16/fp16 alike:
/// the value of an exponent field and a fraction field, the rounding of a magnitude to the
/// layout's precision, and the fields of a value that is representable. It is the one home of
/// rounding and decoding: `FP8Format.encode`'s funnel (step 8), `FP8Format.decode`,
/// `BinaryFormat.decode` and `BinaryFormat.roundToNearestEven` all go through it (as every
/// narrowing in SoftFloat goes through `roundPack*`).
///
/// A layout knows nothing of special values (NaN, infinity, saturation): the formats decide
/// those before and after calling it.
struct BinaryLayout: Sendable {
    /// Width of the stored (trailing) significand field.
    let mantissaBits: Int
    /// Exponent bias: a normal value with exponent field `E` has scale `2^(E - bias)`.
    let bias: Int
    /// Whether exponent field 0 holds subnormals and zero (false for e8m0fnu, where field 0 is
    /// the normal number 2^-127).
    let hasSubnormals: Bool

    /// Unbiased exponent of the smallest normal number.
    var minNormalExponent: Int { hasSubnormals ? 1 - bias : -bias }

    /// The exact value of a non-negative finite (field, fraction) pair.
    func value(field: Int, fraction: Int) -> Double {
        if field == 0 && hasSubnormals {
            // 1. Subnormal: 0.fraction * 2^(1 - bias).
            return Double(sign: .plus, exponent: 1 - bias - mantissaBits, significand: Double(fraction))
        }
        // 2. Normal: 1.fraction * 2^(field - bias).
        return Double(sign: .plus, exponent: field - bias - mantissaBits,
                      significand: Double((1 << mantissaBits) + fraction))
    }

    /// The exponent of the last place kept when `a` (positive, finite) is rounded: its own
    /// exponent less `mantissaBits`, but never below `lowestExponent - mantissaBits` (the
    /// subnormal range has the quantum of the smallest normal binade).
    func quantumExponent(of a: Double, lowestExponent: Int) -> Int {
        max(Int(a.exponent), lowestExponent) - mantissaBits
    }

    /// `a / 2^quantumExponent` rounded to an integer by `rounding`; `negative` is the sign of
    /// the value whose magnitude `a` is (upward rounding truncates a negative value's magnitude).
    ///
    /// Postconditions: exact inputs (integral `a / 2^quantumExponent`) never move; the result is
    /// exact (a Double integer below 2^53).
    static func roundedMultiple(_ a: Double, quantumExponent: Int, negative: Bool,
                                rounding: RoundingRule) -> Double {
        let scaled = a * Double(sign: .plus, exponent: -quantumExponent, significand: 1)  // exact
        switch rounding {
        case .toNearestOrEven: return scaled.rounded(.toNearestOrEven)
        case .towardZero: return scaled.rounded(.towardZero)
        case .upward: return negative ? scaled.rounded(.towardZero) : scaled.rounded(.awayFromZero)
        case .stochastic(let bits):
            let floor = scaled.rounded(.down)
            let discarded = scaled - floor  // exact: both are multiples of the input's ulp
            let threshold = 1 - Double(bits) * 0x1p-32  // exact
            return discarded > 0 && discarded >= threshold ? floor + 1 : floor
        }
    }

    /// The fields of an exactly representable positive finite value `r` (the exponent field may
    /// exceed the layout's range: overflow is the caller's to judge).
    func fields(of r: Double) -> (field: Int, fraction: Int) {
        let e = Int(r.exponent)
        if hasSubnormals && e < minNormalExponent {
            return (0, Int(r * Double(sign: .plus, exponent: mantissaBits - minNormalExponent, significand: 1)))
        }
        return (e + bias, Int(r * Double(sign: .plus, exponent: mantissaBits - e, significand: 1)) - (1 << mantissaBits))
    }
}
