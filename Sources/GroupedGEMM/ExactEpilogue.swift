import FP8

/// The exact epilogue: `E = D * rx * ry * 2^-shift`, with D an exact integer dot product and
/// rx, ry the fp32 reciprocal scales, rounded once to bf16 (SPEC section 4: "the exact value
/// E ... then one rounding to the output type").
///
/// `rx * ry` is exact in Double (two 24-bit significands), so E is the integer
/// `|D| * m` (at most 128 + 48 bits) times a power of two. The product is formed exactly in
/// three 64-bit words and rounded to 53 bits *to odd* (truncate, then set the last bit if
/// anything was dropped). Rounding a round-to-odd value with at least two more bits than the
/// target to nearest-even gives the correctly rounded result (Boldo & Melquiond, "Emulation of
/// FMA and correctly rounded sums: proved algorithms using rounding to odd"), so
/// `BinaryFormat.bf16.roundToNearestEven` of it is the one rounding of E, subnormals included.
public enum ExactEpilogue {
    /// E as a Double rounded to odd (within 2^-52 relative of E, and exactly E when E fits in
    /// 53 bits), or the non-finite / zero value when D, rx or ry make it so.
    public static func value(dot: Int128, rx: Float, ry: Float, shift: Int) -> Double {
        let r = Double(rx) * Double(ry)
        if !r.isFinite || r == 0 || dot == 0 {
            let z = Double(dot) * r
            return z.isNaN ? z : z * Double(sign: .plus, exponent: -shift, significand: 1)
        }
        let negative = (dot < 0) != (r < 0)
        // r is a normal Double (a product of two fp32 values): r = m * 2^(exponent - 52).
        let m = r.significandBitPattern | (1 << 52)
        let mExponent = Int(r.exponent) - 52
        // |dot| * m, exactly, in three words (little-endian).
        let d = dot.magnitude
        let lo = UInt64(truncatingIfNeeded: d)
        let hi = UInt64(truncatingIfNeeded: d >> 64)
        let p0 = lo.multipliedFullWidth(by: m)
        let p1 = hi.multipliedFullWidth(by: m)
        let w0 = p0.low
        let (w1, carry) = p0.high.addingReportingOverflow(p1.low)
        let w2 = p1.high &+ (carry ? 1 : 0)
        let magnitude = roundToOdd53(w0, w1, w2)
        let e = magnitude.exponent + mExponent - shift
        return Double(sign: negative ? .minus : .plus, exponent: e, significand: magnitude.significand)
    }

    /// One rounding of `value(...)` to bf16 bits.
    public static func bf16(dot: Int128, rx: Float, ry: Float, shift: Int) -> UInt16 {
        UInt16(BinaryFormat.bf16.roundToNearestEven(value(dot: dot, rx: rx, ry: ry, shift: shift)))
    }

    /// The 192-bit integer `w2:w1:w0` as `significand * 2^exponent` with `significand` < 2^53
    /// rounded to odd. Precondition: not zero.
    static func roundToOdd53(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64) -> (significand: Double, exponent: Int) {
        let top: Int  // index of the most significant set bit
        if w2 != 0 { top = 128 + 63 - w2.leadingZeroBitCount }
        else if w1 != 0 { top = 64 + 63 - w1.leadingZeroBitCount }
        else { top = 63 - w0.leadingZeroBitCount }
        let shift = top - 52
        if shift <= 0 { return (Double(w0), 0) }  // fits in 53 bits: exact
        // Shift right by `shift`, remembering whether any 1 bit fell off.
        var (a, b, c) = (w0, w1, w2)
        var sticky = false
        var s = shift
        while s >= 64 {
            sticky = sticky || a != 0
            (a, b, c) = (b, c, 0)
            s -= 64
        }
        if s > 0 {
            sticky = sticky || (a << UInt64(64 - s)) != 0
            a = (a >> UInt64(s)) | (b << UInt64(64 - s))
        }
        let significand = sticky ? a | 1 : a
        return (Double(significand), shift)
    }
}

