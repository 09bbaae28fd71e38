/// Code-level facts derived from a format's description: which codes are special, the largest
/// finite code, and the exact value of every code.
extension FP8Format {
    /// Mask of the stored significand field.
    @inlinable public var mantissaMask: UInt8 { UInt8(truncatingIfNeeded: (1 << mantissaBits) - 1) }
    /// The largest exponent field value (all ones).
    @inlinable public var exponentFieldMax: Int { (1 << exponentBits) - 1 }
    /// The sign bit, or 0 for an unsigned format.
    @inlinable public var signBit: UInt8 { isSigned ? 0x80 : 0 }
    /// Unbiased exponent of the smallest normal number: `1 - bias` where exponent field 0 holds
    /// subnormals, `-bias` where it is normal (e8m0fnu: code 0x00 is 2^-127).
    @inlinable public var minNormalExponent: Int { hasSubnormals ? 1 - bias : -bias }

    /// The largest finite positive code: 0x7E (e4m3fn), 0x7B (e5m2), 0x7F (fnuz), 0xFE (e8m0fnu).
    public var maxFiniteCode: UInt8 {
        let top: UInt8 = isSigned ? 0x7F : 0xFF
        switch nanEncoding {
        case .allOnesCode, .allOnesUnsigned: return top - 1
        case .allOnesExponentNonzeroMantissa: return top - (1 << UInt8(mantissaBits))
        case .negativeZeroCode: return top
        }
    }

    /// The largest finite value (448, 57344, 240, 57344, 2^127).
    public var maxFinite: Double { decode(maxFiniteCode) }

    /// The smallest positive value: the smallest subnormal, or 2^-127 for e8m0fnu.
    public var minPositive: Double { decode(1 - (hasSubnormals ? 0 : 1)) }

    /// The code of +infinity (sign bit clear), for formats that have one.
    public var infinityCode: UInt8? {
        hasInfinities ? UInt8(exponentFieldMax << mantissaBits) : nil
    }

    /// Whether `code` is a NaN in this format.
    @inlinable public func isNaN(_ code: UInt8) -> Bool {
        switch nanEncoding {
        case .allOnesCode: return code & 0x7F == 0x7F
        case .allOnesExponentNonzeroMantissa:
            return Int((code & 0x7F) >> UInt8(mantissaBits)) == exponentFieldMax && code & mantissaMask != 0
        case .negativeZeroCode: return code == 0x80
        case .allOnesUnsigned: return code == 0xFF
        }
    }

    /// Whether `code` is +-infinity in this format.
    @inlinable public func isInfinite(_ code: UInt8) -> Bool {
        guard let inf = infinityCode else { return false }
        return code & 0x7F == inf
    }

    /// The exact value of `code` as a Double (every fp8 value is exact in fp64 and in fp32).
    ///
    /// NaN codes decode to a NaN whose sign is the code's sign bit (signed formats), matching
    /// ml_dtypes' `float(x)`; infinities to +-infinity.
    public func decode(_ code: UInt8) -> Double {
        let negative = isSigned && code & 0x80 != 0
        if isNaN(code) { return negative ? -Double.nan : Double.nan }
        let magnitude = isSigned ? code & 0x7F : code
        let field = Int(magnitude >> UInt8(mantissaBits))
        let fraction = Int(magnitude & mantissaMask)
        let value = hasInfinities && field == exponentFieldMax
            ? Double.infinity : layout.value(field: field, fraction: fraction)
        return negative ? -value : value
    }

    /// The layout arithmetic (value of fields, rounding) this format shares with fp32/bf16/fp16.
    var layout: BinaryLayout { BinaryLayout(mantissaBits: mantissaBits, bias: bias, hasSubnormals: hasSubnormals) }

    /// The exact value of `code` as a Float.
    @inlinable public func decodeFloat(_ code: UInt8) -> Float { Float(decode(code)) }

    /// Every code of the format (256 of them), in code order.
    public var allCodes: [UInt8] { (0...255).map { UInt8($0) } }
}
