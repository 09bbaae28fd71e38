/// The special codes of a format found by decoding all 256 codes and looking at the values, with
/// no knowledge of bit fields: `NearestCodeOracle`'s own derivation of SPEC section 2's table
/// (NaN codes, infinities, zeros, the largest finite value), so that the oracle decides special
/// values on its own, as TestFloat's `slowfloat` does, instead of borrowing the core's
/// `nanCode` / `outOfRangeCode` / `zeroCode`.
///
/// It relies only on `FP8Format.decode`, which is pinned code by code against ml_dtypes and
/// PyTorch (`GoldenTableTests.decodeMatchesRealImplementations`); its results are pinned to the
/// SPEC table's literal codes in `FormatTests.specialCodeScanMatchesSpecTable`.
public struct SpecialCodeScan: Sendable {
    /// Whether any code decodes to a negative value (false for e8m0fnu).
    public let isSigned: Bool
    /// The NaN codes, in code order, by the sign `decode` gives them (fnuz: 0x80, read as -NaN).
    public let positiveNaNs: [UInt8]
    public let negativeNaNs: [UInt8]
    /// The codes of +infinity and -infinity, where the format has them.
    public let positiveInfinity: UInt8?
    public let negativeInfinity: UInt8?
    /// The code of +0, and of -0 where the format has it; nil for a zero-less format.
    public let positiveZero: UInt8?
    public let negativeZero: UInt8?
    /// The codes of the largest finite value and of its negation (nil when unsigned).
    public let maxFinite: UInt8
    public let negativeMaxFinite: UInt8?
    /// How many codes share one binade: the number of values in [1, 2) (2^mantissaBits).
    public let codesPerBinade: Int
    /// The code of the negated value, for every code that is not a NaN and whose negation the
    /// format holds.
    let negation: [UInt8?]

    public init(_ format: FP8Format) {
        let values = (0...255).map { format.decode(UInt8($0)) }
        func codes(where test: (Double) -> Bool) -> [UInt8] {
            (0...255).filter { test(values[$0]) }.map { UInt8($0) }
        }
        isSigned = values.contains { $0.sign == .minus && !$0.isNaN }
        positiveNaNs = codes { $0.isNaN && $0.sign == .plus }
        negativeNaNs = codes { $0.isNaN && $0.sign == .minus }
        positiveInfinity = codes { $0 == .infinity }.first
        negativeInfinity = codes { $0 == -.infinity }.first
        positiveZero = codes { $0 == 0 && $0.sign == .plus }.first
        negativeZero = codes { $0 == 0 && $0.sign == .minus }.first
        let finite = codes { $0.isFinite }
        let top = finite.max { values[Int($0)] < values[Int($1)] }!
        maxFinite = top
        negativeMaxFinite = codes { $0 == -values[Int(top)] }.first
        codesPerBinade = codes { $0 >= 1 && $0 < 2 }.count
        negation = values.map { v in v.isNaN ? nil : (0...255).first { values[$0] == -v && values[$0].sign != v.sign }.map(UInt8.init) }
    }

    /// Whether the format is one of the fnuz kind: signed, with its -0 code spent on NaN.
    public var isFNUZ: Bool { isSigned && negativeZero == nil }

    /// `code` with its sign flipped (the code of the negated value), or `code` itself where the
    /// format has no such code (a NaN, or an unsigned format).
    public func negated(_ code: UInt8) -> UInt8 { negation[Int(code)] ?? code }

    /// The NaN code for a NaN of the given sign with the given significand rule: the signed
    /// format's NaNs of that sign (the only NaN where there is one), the last in code order for
    /// `.allOnes`, and for `.quietBit` the one halfway along the 2^m - 1 NaN codes of a binade
    /// (only e5m2 has several: 0x7D, 0x7E, 0x7F; quiet bit only is 0x7E).
    public func nan(negative: Bool, significand: ConversionPolicy.NaNSignificand) -> UInt8 {
        let wanted = negative ? negativeNaNs : positiveNaNs
        let list = wanted.isEmpty ? (negative ? positiveNaNs : negativeNaNs) : wanted
        switch significand {
        case .allOnes: return list[list.count - 1]
        case .quietBit: return list[(list.count + 1) / 2 - 1]
        }
    }

    /// The code of ROCm's "signed_inf" (every exponent bit set, significand zero): the first
    /// code of the last binade of positive codes. Positive codes run in value order up to the
    /// top code (0x7F, or 0xFF unsigned), `codesPerBinade` to a binade. That code is the
    /// infinity in e5m2, a finite value in e4m3fn / fnuz (0x78 = 256 / 128, 0x7C = 32768) and
    /// the NaN 0xFF in e8m0fnu.
    public var exponentAllOnes: UInt8 { (isSigned ? 0x7F : 0xFF) - UInt8(codesPerBinade - 1) }
}
