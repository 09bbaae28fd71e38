/// A deliberately naive conversion oracle, kept apart from the generic core so that the two
/// can be compared: decode every code, find the representable neighbours of the input by exact
/// comparison, and pick one by the rounding rule, ties to the even significand. It knows nothing
/// of exponents, quanta or bit layouts (the role of TestFloat's `slowfloat`).
///
/// Special values are decided here too, from the policy's fields and the codes `SpecialCodeScan`
/// finds by decoding (NaN, infinity, zero, the largest finite value), never through the core's
/// `nanCode` / `outOfRangeCode` / `zeroCode`, so that the core's special cases are judged
/// independently (`ConversionOracleTests.everySpecialInput`).
public struct NearestCodeOracle: Sendable {
    public let format: FP8Format
    /// The format's special codes, found by decoding every code.
    public let special: SpecialCodeScan
    /// Every non-negative finite value of the format with its code, ascending. Formats with a
    /// zero start at 0; e8m0fnu starts at 2^-127.
    public let ladder: [(value: Double, code: UInt8)]
    /// The value the next code above the largest finite one would have if the exponent range
    /// went on: reaching it means overflow.
    let beyondMax: Double

    public init(_ format: FP8Format) {
        self.format = format
        special = SpecialCodeScan(format)
        var entries: [(value: Double, code: UInt8)] = []
        for code in format.allCodes {
            let v = format.decode(code)
            if v.isFinite && v.sign == .plus && !(v == 0 && code != 0) { entries.append((v, code)) }
        }
        entries.sort { $0.value < $1.value }
        ladder = entries
        let top = entries[entries.count - 1].value
        beyondMax = top + Self.unitInLastPlace(of: top, format: format)
    }

    /// The spacing of the format's values just above `v` (v non-negative, finite).
    static func unitInLastPlace(of v: Double, format: FP8Format) -> Double {
        let e = v == 0 ? format.minNormalExponent : max(Int(v.exponent), format.minNormalExponent)
        return Double(sign: .plus, exponent: e - format.mantissaBits, significand: 1)
    }

    /// The index of the last ladder entry <= a, entry 0 read as zero when `smallestIsZero`
    /// (binary search), or -1 when a is below the whole ladder.
    func lowerIndex(_ a: Double, smallestIsZero: Bool) -> Int {
        var lowIndex = -1
        var low = 0, high = ladder.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if (mid == 0 && smallestIsZero ? 0 : ladder[mid].value) <= a { lowIndex = mid; low = mid + 1 } else { high = mid - 1 }
        }
        return lowIndex
    }

    /// The code of a NaN result. A NaN input's sign survives only where the policy keeps it;
    /// a NaN made for an out-of-range value keeps that value's sign (`keepSign`).
    func nanResult(negative: Bool, policy: ConversionPolicy, keepSign: Bool = false) -> UInt8 {
        special.nan(negative: negative && (keepSign || policy.nanSign == .keep), significand: policy.nanSignificand)
    }

    /// The code of a value beyond the finite range (overflow or infinity) under `rule`.
    func outOfRange(_ rule: ConversionPolicy.OutOfRange, negative: Bool, policy: ConversionPolicy) -> UInt8 {
        func signed(_ code: UInt8) -> UInt8 { negative ? special.negated(code) : code }
        switch rule {
        case .saturate: return signed(special.maxFinite)
        case .infinityOrNaN:
            if let inf = special.positiveInfinity { return signed(inf) }
            return nanResult(negative: negative, policy: policy, keepSign: true)
        case .nan: return nanResult(negative: negative, policy: policy, keepSign: true)
        case .exponentAllOnes: return signed(special.exponentAllOnes)
        }
    }

    /// The code of a zero result: -0 where the format has one; in a zero-less format, NaN or the
    /// smallest code as the policy says.
    func zero(negative: Bool, policy: ConversionPolicy) -> UInt8 {
        guard let positiveZero = special.positiveZero else {
            return policy.zeroWithoutZeroCode == .nan ? nanResult(negative: negative, policy: policy) : ladder[0].code
        }
        return negative ? special.negativeZero ?? positiveZero : positiveZero
    }

    /// Converts `x` under `policy` and `rounding`.
    public func convert(_ x: Double, policy: ConversionPolicy,
                        rounding: RoundingRule = .toNearestOrEven) -> UInt8 {
        let zeroLess = special.positiveZero == nil
        if x.isNaN {
            // ROCm 6.3: a NaN in a fnuz format is handled as an infinity of its sign.
            if special.isFNUZ && policy.nanInputInFNUZ == .likeInfinity {
                return outOfRange(policy.infinity, negative: x.sign == .minus, policy: policy)
            }
            return nanResult(negative: x.sign == .minus, policy: policy)
        }
        var negative = x.sign == .minus
        if !special.isSigned && negative {
            if x != 0 && policy.negativeInUnsigned == .nan { return nanResult(negative: true, policy: policy) }
            negative = false
        }
        var a = x.magnitude
        if a.isInfinite {
            let rule = special.isSigned ? policy.infinity : policy.infinityInUnsigned ?? policy.infinity
            return outOfRange(rule, negative: negative, policy: policy)
        }
        if a == 0 { return zero(negative: negative, policy: policy) }
        // ROCm's e8m0 rounding up: the smallest value 2^-127 counts as inexact and moves up.
        if zeroLess && policy.underflowWithoutZeroCode == .significandFieldRoundsUp
            && rounding == .upward && a == ladder[0].value {
            return ladder[1].code
        }
        // ROCm's shift count taken modulo 64 on x86-64: below 2^-63 times the smallest normal
        // value (ladder entry `codesPerBinade`: zero, then 2^m - 1 subnormals), the conversion
        // is that of the input times 2^64.
        if policy.farUnderflow == .shiftCountModulo64 && special.isSigned {
            let smallestNormal = ladder[special.codesPerBinade].value
            if a < smallestNormal * 0x1p-63 { a *= 0x1p64 }
        }
        let top = ladder[ladder.count - 1].value
        let overflowTest = special.isSigned ? policy.overflowTest : policy.overflowTestInUnsigned ?? policy.overflowTest
        if overflowTest == .beforeRounding && a > top {
            return outOfRange(policy.overflow, negative: negative, policy: policy)
        }
        // A zero-less format whose policy rounds as if its smallest code were zero.
        let smallestIsZero = zeroLess && policy.underflowWithoutZeroCode == .smallestActsAsZero
        func value(_ i: Int) -> Double { i == 0 && smallestIsZero ? 0 : ladder[i].value }
        func code(_ i: Int) -> UInt8 {
            if value(i) == 0 && !smallestIsZero { return zero(negative: negative, policy: policy) }
            return negative ? special.negated(ladder[i].code) : ladder[i].code
        }

        let lowIndex = lowerIndex(a, smallestIsZero: smallestIsZero)
        if lowIndex < 0 || a == ladder[0].value { return code(0) }  // nothing below the smallest value
        let lower = value(lowIndex)
        if lower == a { return code(lowIndex) }
        let upper = lowIndex + 1 < ladder.count ? value(lowIndex + 1) : beyondMax

        let roundUp: Bool
        switch rounding {
        case .toNearestOrEven:
            let below = a - lower, above = upper - a  // both exact
            if below != above {
                roundUp = above < below
            } else if lower == 0 {
                roundUp = false  // zero is even
            } else {
                let ulp = Self.unitInLastPlace(of: lower, format: format)
                roundUp = (upper / ulp).truncatingRemainder(dividingBy: 2) == 0
            }
        case .towardZero: roundUp = false
        case .upward: roundUp = !negative
        case .stochastic(let bits):
            let fraction = (a - lower) / (upper - lower)  // exact: the step is a power of two
            roundUp = fraction >= 1 - Double(bits) * 0x1p-32
        }
        if !roundUp { return code(lowIndex) }
        if lowIndex + 1 >= ladder.count { return outOfRange(policy.overflow, negative: negative, policy: policy) }
        return code(lowIndex + 1)
    }

    /// Converts source bits through the oracle.
    public func convert(bits: UInt32, from source: BinaryFormat, policy: ConversionPolicy,
                        rounding: RoundingRule = .toNearestOrEven) -> UInt8 {
        convert(source.decode(bits), policy: policy, rounding: rounding)
    }
}
