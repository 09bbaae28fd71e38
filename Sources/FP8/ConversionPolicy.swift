/// How a conversion treats what the format cannot hold: overflow, infinities, NaNs, and (for
/// unsigned or zero-less formats) negative numbers and zero. A policy is data: each real
/// implementation's behaviour is one value of this type (SPEC section 2).
///
/// Rounding of in-range values is not part of the policy; see `RoundingRule`.
public struct ConversionPolicy: Hashable, Sendable, CustomStringConvertible {
    /// The SPEC name: `nosat`, `nosat-mldtypes`, `satfinite`, `hip-sw`, ...
    public var name: String
    /// What a finite value too large for the format becomes.
    public var overflow: OutOfRange
    /// Whether "too large" is judged after rounding to the format's precision (OCP, PyTorch,
    /// ml_dtypes, PTX) or on the input before rounding (ROCm's software `cast_to_f8`, which
    /// compares the input's bits against the max finite value's bits).
    public var overflowTest: OverflowTest
    /// What +-infinity becomes.
    public var infinity: OutOfRange
    /// The sign of the NaN a NaN input becomes: copied from the input, or always clear (PTX).
    /// An overflow that becomes NaN always keeps the sign of the value (every implementation).
    public var nanSign: NaNSign
    /// The significand of a NaN result, where the format has several NaN codes (e5m2).
    public var nanSignificand: NaNSignificand
    /// Unsigned formats (e8m0fnu): what a negative input becomes.
    public var negativeInUnsigned: NegativeInUnsigned
    /// Formats without a zero (e8m0fnu): what a zero input becomes.
    public var zeroWithoutZeroCode: ZeroWithoutZeroCode
    /// Formats without a zero (e8m0fnu): how inputs below the second-smallest value round.
    public var underflowWithoutZeroCode: UnderflowWithoutZeroCode
    /// fnuz formats: whether a NaN input is a NaN, or goes the way of an infinity (ROCm 6.3's
    /// software cast returns its "signed infinity" for every non-finite fnuz input, so with
    /// saturation a NaN becomes +-max).
    public var nanInputInFNUZ: NaNInputInFNUZ
    /// Inputs far below the smallest subnormal: the value they have, or what ROCm's software
    /// cast gives once compiled for x86-64 (a 64-bit shift by 64 or more places).
    public var farUnderflow: FarUnderflow
    /// Unsigned formats (e8m0fnu): what +-infinity becomes, where that differs from `infinity`
    /// (ROCm 7.x's `__hip_cvt_float_to_e8m0` with `__HIP_SATFINITE` gives 0xFE, while its fp8
    /// casts under the same flag give NaN or Inf). `nil`: as `infinity`.
    public var infinityInUnsigned: OutOfRange?
    /// Unsigned formats (e8m0fnu): when "too large" is judged, where that differs from
    /// `overflowTest` (ROCm 7.x's e8m0 conversion truncates 2^127 * 1.5 to 0xFE with
    /// `__HIP_NOSAT`, while its fp8 casts compare before rounding). `nil`: as `overflowTest`.
    public var overflowTestInUnsigned: OverflowTest?

    public enum OutOfRange: String, Hashable, Sendable {
        /// Infinity where the format has one, else NaN (OCP non-saturating).
        case infinityOrNaN
        /// The largest finite value of the same sign (`satfinite`).
        case saturate
        /// NaN, even where the format has an infinity.
        case nan
        /// The code with every exponent bit set and a zero significand, sign kept: infinity in
        /// e5m2, but the finite values +-128 in e4m3fnuz (0x78) and +-32768 in e5m2fnuz (0x7C).
        /// ROCm 6.2's software cast without saturation returns this "signed_inf" on overflow.
        case exponentAllOnes
    }
    public enum OverflowTest: String, Hashable, Sendable { case afterRounding, beforeRounding }

    /// The overflow test for `format`: `overflowTestInUnsigned` for unsigned formats where set.
    public func overflowTest(for format: FP8Format) -> OverflowTest {
        format.isSigned ? overflowTest : overflowTestInUnsigned ?? overflowTest
    }
    public enum NaNSign: String, Hashable, Sendable { case keep, clear }
    public enum NaNSignificand: String, Hashable, Sendable {
        /// All significand bits set: e5m2 0x7F (PyTorch, PTX).
        case allOnes
        /// Only the top (quiet) significand bit set: e5m2 0x7E (ml_dtypes).
        case quietBit
    }
    public enum NegativeInUnsigned: String, Hashable, Sendable {
        /// Negative inputs are NaN (ml_dtypes).
        case nan
        /// The sign is ignored and the magnitude converted (PyTorch reads only exponent bits).
        case magnitude
    }
    public enum ZeroWithoutZeroCode: String, Hashable, Sendable {
        case nan
        /// The smallest code (e8m0fnu 0x00 = 2^-127).
        case smallest
    }

    public enum UnderflowWithoutZeroCode: String, Hashable, Sendable {
        /// To the nearest representable value; nothing is below the smallest (CUDA's clamp).
        case nearest
        /// As if the smallest code were zero: below 2^-126, e8m0fnu rounds between "0" (code 0x00)
        /// and 2^-126 (0x01), so inputs in (2^-127, 1.5 * 2^-127) give 0x01 although 0x00 is
        /// nearer. ml_dtypes 0.6 and PyTorch 2.11 both do this (golden tables, fp32 0x00400001).
        case smallestActsAsZero
        /// As `nearest`, except that upward rounding moves every value whose fp32 significand
        /// field is non-zero, as ROCm 7.x's `__hip_cvt_float_to_e8m0(x, .., hipRoundPosInf)` does:
        /// 2^-127 (fp32 subnormal 0x00400000), exactly code 0x00, becomes 0x01. Below 2^-127 it
        /// gives 0x00 (the header does not round those up).
        case significandFieldRoundsUp
    }

    public enum NaNInputInFNUZ: String, Hashable, Sendable {
        /// A NaN input is the NaN code 0x80 (every implementation but ROCm 6.3).
        case nan
        /// A NaN input is treated as an infinity of its sign: `infinity` decides (ROCm 6.3).
        case likeInfinity
    }

    public enum FarUnderflow: String, Hashable, Sendable {
        /// Rounded as its value says: far below the smallest subnormal it is +-0.
        case exact
        /// As ROCm's `cast_to_f8` does it on x86-64 (ROCm/rocm-systems#10591): the significand is
        /// shifted right by `minNormalExponent - exponent(x)` places, a 64-bit shift that x86-64
        /// takes modulo 64. Where that count is 64 or more, i.e. |x| < 2^(minNormalExponent - 63),
        /// the code rounds the shifted significand exactly as it would for a count 64 smaller,
        /// so the result is the conversion of `x * 2^64` (the tie test uses the same reduced
        /// count; golden tables `rocm*.h5`). fp32 subnormals count from exponent -126, which is
        /// where `x * 2^64` puts them too. Signed fp8 formats only; e8m0fnu is not affected.
        case shiftCountModulo64
    }

    public init(name: String, overflow: OutOfRange, overflowTest: OverflowTest, infinity: OutOfRange,
                nanSign: NaNSign, nanSignificand: NaNSignificand,
                negativeInUnsigned: NegativeInUnsigned, zeroWithoutZeroCode: ZeroWithoutZeroCode,
                underflowWithoutZeroCode: UnderflowWithoutZeroCode,
                nanInputInFNUZ: NaNInputInFNUZ = .nan, farUnderflow: FarUnderflow = .exact,
                infinityInUnsigned: OutOfRange? = nil, overflowTestInUnsigned: OverflowTest? = nil) {
        self.name = name
        self.overflow = overflow
        self.overflowTest = overflowTest
        self.infinity = infinity
        self.nanSign = nanSign
        self.nanSignificand = nanSignificand
        self.negativeInUnsigned = negativeInUnsigned
        self.zeroWithoutZeroCode = zeroWithoutZeroCode
        self.underflowWithoutZeroCode = underflowWithoutZeroCode
        self.nanInputInFNUZ = nanInputInFNUZ
        self.farUnderflow = farUnderflow
        self.infinityInUnsigned = infinityInUnsigned
        self.overflowTestInUnsigned = overflowTestInUnsigned
    }

    public var description: String { name }
}
