/// Exact decimal expansions of binary fractions, for tables a person reads: every fp8 value is
/// `m * 2^e`, whose decimal expansion is finite. (`Double.description` gives the shortest string
/// that round-trips, which is not the exact value: 2^-127 has 89 significant digits.)
public enum ExactDecimal {
    /// The exact decimal expansion of a finite Double, e.g. `0.001953125`, `-448`, `1.5`.
    public static func string(_ x: Double) -> String {
        precondition(x.isFinite)
        if x == 0 { return x.sign == .minus ? "-0" : "0" }
        // x = significand * 2^exponent with an integer significand.
        let a = x.magnitude
        let shift = Int(a.exponent) - 52
        var significand = UInt64(a.significandBitPattern) | (a.isNormal ? 1 << 52 : 0)
        var e = a.isNormal ? shift : -1074
        while significand & 1 == 0 { significand >>= 1; e += 1 }
        var digits = decimalDigits(of: significand)  // most significant first
        var fractionDigits = 0
        if e >= 0 {
            for _ in 0..<e { digits = multiply(digits, by: 2) }
        } else {
            // m / 2^k = m * 5^k / 10^k
            for _ in 0..<(-e) { digits = multiply(digits, by: 5) }
            fractionDigits = -e
        }
        while digits.count <= fractionDigits { digits.insert(0, at: 0) }
        let integerPart = digits[..<(digits.count - fractionDigits)].map(String.init).joined()
        let fractionPart = digits[(digits.count - fractionDigits)...].map(String.init).joined()
        return (x.sign == .minus ? "-" : "") + integerPart + (fractionPart.isEmpty ? "" : "." + fractionPart)
    }

    private static func decimalDigits(of n: UInt64) -> [UInt8] {
        String(n).utf8.map { $0 - 48 }
    }

    private static func multiply(_ digits: [UInt8], by factor: UInt8) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: digits.count + 1)
        var carry = 0
        for i in stride(from: digits.count - 1, through: 0, by: -1) {
            let p = Int(digits[i]) * Int(factor) + carry
            result[i + 1] = UInt8(p % 10)
            carry = p / 10
        }
        result[0] = UInt8(carry)
        return result[0] == 0 ? Array(result.dropFirst()) : result
    }
}
