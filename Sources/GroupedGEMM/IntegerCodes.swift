import FP8

/// fp8 codes as integers: every finite value of an fp8 format is an integer times
/// `2^-exponentShift`, with `exponentShift = bias + mantissaBits - 1` (the min subnormal's
/// exponent). e4m3fn: `448 * 2^9 = 229376 < 2^18`; e5m2: `57344 * 2^16 < 2^32`.
///
/// The table holds `value * 2^exponentShift` as a Double (exact integers), 0 for NaN and Inf,
/// whose codes are flagged in `isSpecial` and handled apart.
public struct IntegerCodes: Sendable {
    public let format: FP8Format
    public let exponentShift: Int
    /// Bits of the largest integer magnitude.
    public let magnitudeBits: Int
    public let integer: [Double]
    public let isSpecial: [Bool]
    /// The decoded value (NaN and Inf included), as fp32 (exact for every fp8 value).
    public let value: [Float]

    public init(format: FP8Format) {
        self.format = format
        exponentShift = format.bias + format.mantissaBits - 1
        let scale = Double(sign: .plus, exponent: exponentShift, significand: 1)
        let decoded = (0..<256).map { format.decode(UInt8($0)) }
        isSpecial = decoded.map { !$0.isFinite }
        integer = decoded.map { $0.isFinite ? $0 * scale : 0 }
        value = decoded.map { Float($0) }
        let largest = integer.map(abs).max() ?? 1
        magnitudeBits = Int(largest.exponent) + 1
    }
}
