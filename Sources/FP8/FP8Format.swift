/// An 8-bit floating-point format, described as data.
///
/// Every fp8 format this project knows is one value of this type; nothing about a format lives
/// in a type of its own. The record follows gfloat's `FormatInfo` (graphcore-research/gfloat,
/// `src/gfloat/types.py`): the bit split and bias, plus the flags that say which special values
/// the encoding spends codes on. Everything else (max finite, NaN codes, the value of each code)
/// is derived from these fields.
///
/// Encodings (SPEC section 2):
///
///     format     bias  max finite            min subnormal  NaN                 Inf        -0
///     e4m3fn        7  448    (0x7E)         2^-9           0x7F / 0xFF         none       0x80
///     e5m2         15  57344  (0x7B)         2^-16          exp 11111, mant!=0  0x7C/0xFC  0x80
///     e4m3fnuz      8  240    (0x7F)         2^-10          0x80 only           none       none
///     e5m2fnuz     16  57344  (0x7F)         2^-17          0x80 only           none       none
///     e8m0fnu     127  2^127  (0xFE)         none           0xFF                none       none
public struct FP8Format: Hashable, Sendable, CustomStringConvertible {
    /// Canonical short name: `e4m3fn`, `e5m2`, `e4m3fnuz`, `e5m2fnuz`, `e8m0fnu`.
    public let name: String
    /// Width of the exponent field.
    public let exponentBits: Int
    /// Width of the stored (trailing) significand field.
    public let mantissaBits: Int
    /// Exponent bias: a normal code with exponent field `E` has scale `2^(E - bias)`.
    public let bias: Int
    /// Whether the top bit is a sign bit. `e8m0fnu` is unsigned: all 8 bits are exponent.
    public let isSigned: Bool
    /// Whether the all-ones exponent with a zero mantissa encodes infinity (IEEE style: e5m2).
    public let hasInfinities: Bool
    /// How NaN is encoded.
    public let nanEncoding: NaNEncoding
    /// Whether code 0x80 is negative zero. False for the fnuz formats, where 0x80 is the NaN.
    public let hasNegativeZero: Bool
    /// Whether exponent field 0 holds subnormals (and zero). False for e8m0fnu, where code 0x00
    /// is the normal number 2^-127 and there is no zero at all.
    public let hasSubnormals: Bool

    /// Where a format keeps its NaNs.
    public enum NaNEncoding: Hashable, Sendable {
        /// IEEE: every code with the all-ones exponent and a non-zero mantissa (e5m2).
        case allOnesExponentNonzeroMantissa
        /// Only the all-ones exponent and all-ones mantissa, S.1111.111 (e4m3fn).
        case allOnesCode
        /// The code that would be negative zero, 0x80 (the fnuz formats).
        case negativeZeroCode
        /// The all-ones byte 0xFF of an unsigned format (e8m0fnu).
        case allOnesUnsigned
    }

    public init(name: String, exponentBits: Int, mantissaBits: Int, bias: Int, isSigned: Bool,
                hasInfinities: Bool, nanEncoding: NaNEncoding, hasNegativeZero: Bool,
                hasSubnormals: Bool) {
        precondition(exponentBits + mantissaBits + (isSigned ? 1 : 0) == 8, "an fp8 format has 8 bits")
        self.name = name
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.bias = bias
        self.isSigned = isSigned
        self.hasInfinities = hasInfinities
        self.nanEncoding = nanEncoding
        self.hasNegativeZero = hasNegativeZero
        self.hasSubnormals = hasSubnormals
    }

    public var description: String { name }
}

extension FP8Format {
    /// OCP FP8 E4M3 ("fn": finite, NaN only at S.1111.111).
    /// Max finite `(1 + 0b110 * 2^-3) * 2^(0b1111 - 7) = 448`.
    public static let e4m3fn = FP8Format(
        name: "e4m3fn", exponentBits: 4, mantissaBits: 3, bias: 7, isSigned: true,
        hasInfinities: false, nanEncoding: .allOnesCode, hasNegativeZero: true, hasSubnormals: true)

    /// OCP FP8 E5M2, IEEE-like. Max finite `(1 + 0b11 * 2^-2) * 2^(0b11110 - 15) = 57344`.
    public static let e5m2 = FP8Format(
        name: "e5m2", exponentBits: 5, mantissaBits: 2, bias: 15, isSigned: true,
        hasInfinities: true, nanEncoding: .allOnesExponentNonzeroMantissa, hasNegativeZero: true,
        hasSubnormals: true)

    /// E4M3 "fnuz" (AMD MI300, Graphcore): bias 8, no infinities, no -0, NaN is 0x80.
    /// Max finite `(1 + 0b111 * 2^-3) * 2^(0b1111 - 8) = 240`.
    public static let e4m3fnuz = FP8Format(
        name: "e4m3fnuz", exponentBits: 4, mantissaBits: 3, bias: 8, isSigned: true,
        hasInfinities: false, nanEncoding: .negativeZeroCode, hasNegativeZero: false, hasSubnormals: true)

    /// E5M2 "fnuz": bias 16, no infinities, no -0, NaN is 0x80.
    /// Max finite `(1 + 0b11 * 2^-2) * 2^(0b11111 - 16) = 57344`.
    public static let e5m2fnuz = FP8Format(
        name: "e5m2fnuz", exponentBits: 5, mantissaBits: 2, bias: 16, isSigned: true,
        hasInfinities: false, nanEncoding: .negativeZeroCode, hasNegativeZero: false, hasSubnormals: true)

    /// OCP MX scale format E8M0: unsigned, exponent only, `code = E` means `2^(E - 127)`;
    /// 0x00 is 2^-127 (no zero, no subnormals), 0xFF is NaN. Max finite `2^(0xFE - 127) = 2^127`.
    public static let e8m0fnu = FP8Format(
        name: "e8m0fnu", exponentBits: 8, mantissaBits: 0, bias: 127, isSigned: false,
        hasInfinities: false, nanEncoding: .allOnesUnsigned, hasNegativeZero: false, hasSubnormals: false)

    /// Every format, in SPEC order.
    public static let all: [FP8Format] = [.e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e8m0fnu]

    /// Looks a format up by its short name (`e4m3fn`) or its PyTorch / ml_dtypes / fixture
    /// spelling (`float8_e4m3fn`).
    public init?(named text: String) {
        let key = text.lowercased()
        let short = key.hasPrefix("float8_") ? String(key.dropFirst("float8_".count)) : key
        let aliases = ["e8m0": "e8m0fnu"]
        guard let found = FP8Format.all.first(where: { $0.name == (aliases[short] ?? short) }) else {
            return nil
        }
        self = found
    }

    /// The `dtype` attribute value fixtures use for this format (`float8_e4m3fn`).
    public var dtypeName: String { "float8_" + name }
}
