/// An exact sum of terms `D * r * 2^-shift` (D an integer dot product, r a finite Double:
/// the product of two fp32 dequantization factors), and its one rounding.
///
/// The sum is held as two non-negative fixed-point integers (the positive and the negative
/// terms) of `limbCount` 64-bit words whose lowest bit weighs `2^lowestExponent`. Range: a term's
/// lowest bit is at least `2^(-298 - 52 - shift)` (two fp32 subnormals, a 53-bit significand,
/// shift <= 40 for every fp8 pair), its highest below `2^(256 + 128)`; 14 words from 2^-448
/// reach 2^448, room for 2^60 terms. `roundedToOdd` gives the sum as a Double rounded to odd
/// (see `ExactEpilogue`), so one more rounding to bf16 is the correctly rounded result.
struct ExactSum {
    static let limbCount = 14
    static let lowestExponent = -448
    var positive = [UInt64](repeating: 0, count: limbCount)
    var negative = [UInt64](repeating: 0, count: limbCount)

    mutating func reset() {
        for i in 0..<Self.limbCount { positive[i] = 0; negative[i] = 0 }
    }

    /// Adds `dot * r * 2^-shift`. Preconditions: r finite.
    mutating func add(dot: Int128, r: Double, shift: Int) {
        if dot == 0 || r == 0 { return }
        let m = r.significandBitPattern | (r.isSubnormal ? 0 : 1 << 52)
        let exponent = (r.isSubnormal ? -1074 : Int(r.exponent) - 52) - shift
        let d = dot.magnitude
        let p0 = UInt64(truncatingIfNeeded: d).multipliedFullWidth(by: m)
        let p1 = UInt64(truncatingIfNeeded: d >> 64).multipliedFullWidth(by: m)
        let (w1, carry) = p0.high.addingReportingOverflow(p1.low)
        let offset = exponent - Self.lowestExponent
        precondition(offset >= 0, "term below the accumulator's range")
        if (dot < 0) != (r < 0) {
            Self.addShifted(p0.low, w1, p1.high &+ (carry ? 1 : 0), offset, into: &negative)
        } else {
            Self.addShifted(p0.low, w1, p1.high &+ (carry ? 1 : 0), offset, into: &positive)
        }
    }

    /// Adds the 192-bit integer `w2:w1:w0` times `2^offset` to `acc`.
    static func addShifted(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ offset: Int, into acc: inout [UInt64]) {
        let (q, s) = (offset / 64, UInt64(offset % 64))
        // The words shifted left by s, four of them (the last takes what w2 pushes out).
        let shifted: (UInt64, UInt64, UInt64, UInt64) = s == 0
            ? (w0, w1, w2, 0)
            : (w0 &<< s, (w1 &<< s) | (w0 &>> (64 - s)), (w2 &<< s) | (w1 &>> (64 - s)), w2 &>> (64 - s))
        var carry: UInt64 = 0
        var i = q
        for w in [shifted.0, shifted.1, shifted.2, shifted.3] {
            precondition(i < limbCount || (w == 0 && carry == 0), "sum beyond the accumulator's range")
            if i >= limbCount { break }
            let (a, c1) = acc[i].addingReportingOverflow(w)
            let (b, c2) = a.addingReportingOverflow(carry)
            acc[i] = b
            carry = (c1 ? 1 : 0) + (c2 ? 1 : 0)
            i += 1
        }
        while carry != 0 && i < limbCount {
            let (a, c) = acc[i].addingReportingOverflow(carry)
            acc[i] = a
            carry = c ? 1 : 0
            i += 1
        }
    }

    /// The exact sum as a Double rounded to odd (exact when it fits in 53 bits).
    func roundedToOdd() -> Double {
        var larger = positive, smaller = negative
        var sign: FloatingPointSign = .plus
        for i in stride(from: Self.limbCount - 1, through: 0, by: -1) where positive[i] != negative[i] {
            if positive[i] < negative[i] { (larger, smaller, sign) = (negative, positive, .minus) }
            break
        }
        // difference = larger - smaller (non-negative)
        var borrow: UInt64 = 0
        for i in 0..<Self.limbCount {
            let (a, b1) = larger[i].subtractingReportingOverflow(smaller[i])
            let (b, b2) = a.subtractingReportingOverflow(borrow)
            larger[i] = b
            borrow = (b1 ? 1 : 0) + (b2 ? 1 : 0)
        }
        guard let topWord = larger.lastIndex(where: { $0 != 0 }) else { return 0 }
        let top = topWord * 64 + 63 - larger[topWord].leadingZeroBitCount
        let drop = max(top - 52, 0)
        // bits [drop, drop + 53) as the significand, the rest as a sticky bit.
        var significand: UInt64 = 0
        for b in stride(from: top, through: drop, by: -1) {
            significand = significand << 1 | (larger[b / 64] >> UInt64(b % 64)) & 1
        }
        var sticky = false
        if drop > 0 {
            for w in 0..<(drop / 64) where larger[w] != 0 { sticky = true }
            let rest = drop % 64
            if rest > 0 && larger[drop / 64] & ((1 << UInt64(rest)) - 1) != 0 { sticky = true }
        }
        if sticky { significand |= 1 }
        return Double(sign: sign, exponent: drop + Self.lowestExponent, significand: Double(significand))
    }
}
