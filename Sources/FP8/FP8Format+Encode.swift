/// The generic conversion core: one funnel that alone owns rounding, overflow and underflow for
/// every format, every policy and every source (the role of SoftFloat's `roundPackToF16` and of
/// ml_dtypes' `ConvertImpl`). The input is an exact real number held in a Double, so one
/// rounding here is the single rounding from fp32, bf16 or fp16.
///
/// It is the reference every fast path is tested against, and is itself tested against the
/// naive `NearestCodeOracle` and against golden tables from the real implementations.
extension FP8Format {
    /// Converts `x` to a code of this format under `policy` and `rounding`.
    ///
    /// Edge Cases: NaN, +-Inf, overflow, negative numbers in unsigned formats and zero in
    /// zero-less formats go as `policy` says. A result that rounds to zero keeps the input's sign
    /// where the format has -0 (0x80), else is 0x00.
    public func encode(_ x: Double, policy: ConversionPolicy,
                       rounding: RoundingRule = .toNearestOrEven) -> UInt8 {
        // 1. NaN (ROCm 6.3 sends a fnuz NaN the way of an infinity).
        if x.isNaN {
            if nanEncoding == .negativeZeroCode && policy.nanInputInFNUZ == .likeInfinity {
                return outOfRangeCode(policy.infinity, negative: x.sign == .minus, policy: policy)
            }
            return nanCode(negative: x.sign == .minus, policy: policy)
        }
        var negative = x.sign == .minus

        // 2. Negative numbers in an unsigned format.
        if !isSigned && negative {
            if x != 0 && policy.negativeInUnsigned == .nan { return nanCode(negative: true, policy: policy) }
            negative = false
        }

        // 3. Infinities.
        var a = x.magnitude
        if a.isInfinite {
            let rule = isSigned ? policy.infinity : policy.infinityInUnsigned ?? policy.infinity
            return outOfRangeCode(rule, negative: negative, policy: policy)
        }

        // 4. Zero.
        if a == 0 { return zeroCode(negative: negative, policy: policy) }

        // 5. Overflow judged on the input (ROCm software cast).
        if policy.overflowTest(for: self) == .beforeRounding && a > maxFinite {
            return outOfRangeCode(policy.overflow, negative: negative, policy: policy)
        }

        // 6. Far underflow as ROCm's software cast computes it on x86-64: a shift count of 64 or
        //    more is taken modulo 64, which converts x * 2^64 instead (see `FarUnderflow`).
        if policy.farUnderflow == .shiftCountModulo64 && isSigned
            && a < Double(sign: .plus, exponent: minNormalExponent - 63, significand: 1) {
            a *= 0x1p64
        }

        // 7. ROCm's e8m0 rounds 2^-127 up (its fp32 significand field is not zero).
        if !hasSubnormals && policy.underflowWithoutZeroCode == .significandFieldRoundsUp && rounding == .upward
            && a == Double(sign: .plus, exponent: minNormalExponent, significand: 1) {
            a = Double(sign: .plus, exponent: minNormalExponent + 1, significand: 1)
        }

        // 8. Round the magnitude to the format's precision, with no upper exponent limit.
        let r = roundMagnitude(a, negative: negative, rounding: rounding,
                               smallestActsAsZero: policy.underflowWithoutZeroCode == .smallestActsAsZero)

        // 9. Overflow judged on the rounded value (OCP, PyTorch, ml_dtypes, PTX). As in IEEE 754
        //    (7.4), a rounding that never increases the magnitude delivers the max finite value.
        if r > maxFinite {
            let truncates = rounding == .towardZero || (rounding == .upward && negative)
            return outOfRangeCode(truncates ? .saturate : policy.overflow, negative: negative, policy: policy)
        }

        // 10. Underflow to zero.
        if r == 0 { return zeroCode(negative: negative, policy: policy) }

        // 11. Pack the representable magnitude and the sign.
        return pack(r, negative: negative)
    }

    /// Rounds a positive finite magnitude to this format's precision: the result is
    /// `q * 2^(e - mantissaBits)` with `e = max(exponent(a), minNormalExponent)` and `q` the
    /// integer `rounding` picks (`BinaryLayout`, the one rounding home). Formats without
    /// subnormals or zero never go below their smallest value; with `smallestActsAsZero` they
    /// round below their second-smallest value as if the smallest were zero (see
    /// `ConversionPolicy.UnderflowWithoutZeroCode`).
    @usableFromInline
    func roundMagnitude(_ a: Double, negative: Bool, rounding: RoundingRule,
                        smallestActsAsZero: Bool = false) -> Double {
        let smallest = Double(sign: .plus, exponent: minNormalExponent, significand: 1)
        let zeroLess = !hasSubnormals && smallestActsAsZero
        let lowestExponent = zeroLess ? minNormalExponent + 1 : minNormalExponent
        if zeroLess && a == smallest { return smallest }  // exact values never move
        let quantumExponent = layout.quantumExponent(of: a, lowestExponent: lowestExponent)
        var q = BinaryLayout.roundedMultiple(a, quantumExponent: quantumExponent, negative: negative,
                                             rounding: rounding)
        if zeroLess && q == 0 { return smallest }
        if !hasSubnormals { q = max(q, 1) }
        return q * Double(sign: .plus, exponent: quantumExponent, significand: 1)
    }

    /// Packs an exactly representable, positive, finite value into a code.
    @usableFromInline
    func pack(_ r: Double, negative: Bool) -> UInt8 {
        let (field, fraction) = layout.fields(of: r)
        let magnitude = UInt8(field << mantissaBits | fraction)
        return negative ? signBit | magnitude : magnitude
    }

    /// The NaN code a policy produces for a NaN input of the given sign.
    public func nanCode(negative: Bool, policy: ConversionPolicy) -> UInt8 {
        nanCode(negative: negative && policy.nanSign == .keep, significand: policy.nanSignificand)
    }

    /// The NaN code with the given sign and significand rule.
    func nanCode(negative: Bool, significand rule: ConversionPolicy.NaNSignificand) -> UInt8 {
        let sign: UInt8 = negative ? signBit : 0
        switch nanEncoding {
        case .negativeZeroCode: return 0x80
        case .allOnesUnsigned: return 0xFF
        case .allOnesCode: return sign | 0x7F
        case .allOnesExponentNonzeroMantissa:
            let significand: UInt8 = rule == .allOnes ? mantissaMask : 1 << UInt8(mantissaBits - 1)
            return sign | UInt8(exponentFieldMax << mantissaBits) | significand
        }
    }

    /// The code for a value beyond the finite range (overflow or infinity). A NaN made here keeps
    /// the value's sign, whatever the policy does with NaN inputs.
    func outOfRangeCode(_ rule: ConversionPolicy.OutOfRange, negative: Bool,
                        policy: ConversionPolicy) -> UInt8 {
        let sign: UInt8 = negative ? signBit : 0
        switch rule {
        case .saturate: return sign | maxFiniteCode
        case .infinityOrNaN:
            if let inf = infinityCode { return sign | inf }
            return nanCode(negative: negative, significand: policy.nanSignificand)
        case .nan: return nanCode(negative: negative, significand: policy.nanSignificand)
        case .exponentAllOnes: return sign | UInt8(truncatingIfNeeded: exponentFieldMax << mantissaBits)
        }
    }

    /// The code for a zero result: -0 where the format has it, else +0; in a zero-less format,
    /// as the policy says.
    func zeroCode(negative: Bool, policy: ConversionPolicy) -> UInt8 {
        guard hasSubnormals else {
            return policy.zeroWithoutZeroCode == .nan ? nanCode(negative: negative, policy: policy) : 0x00
        }
        return negative && hasNegativeZero ? 0x80 : 0x00
    }

    /// Converts source bits (`f32`, `bf16` or `f16`, in the low bits) through the generic core.
    @inlinable
    public func encode(bits: UInt32, from source: BinaryFormat, policy: ConversionPolicy,
                       rounding: RoundingRule = .toNearestOrEven) -> UInt8 {
        encode(source.decode(bits), policy: policy, rounding: rounding)
    }
}
