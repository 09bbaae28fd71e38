/// The wider IEEE binary formats fp8 values come from and go to: fp32, bf16 and fp16, as data.
///
/// All three embed exactly in Double, so a conversion from any of them to fp8 is a single
/// rounding of the exact value (SPEC section 2: "single rounding from each").
public struct BinaryFormat: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let exponentBits: Int
    public let mantissaBits: Int
    public var bias: Int { (1 << (exponentBits - 1)) - 1 }
    public var bitWidth: Int { 1 + exponentBits + mantissaBits }
    public var description: String { name }

    public static let f32 = BinaryFormat(name: "f32", exponentBits: 8, mantissaBits: 23)
    public static let bf16 = BinaryFormat(name: "bf16", exponentBits: 8, mantissaBits: 7)
    public static let f16 = BinaryFormat(name: "f16", exponentBits: 5, mantissaBits: 10)
    public static let all: [BinaryFormat] = [.f32, .bf16, .f16]

    /// Looks a format up by name: `f32`/`fp32`/`float32`, `bf16`/`bfloat16`, `f16`/`fp16`/`float16`.
    public init?(named text: String) {
        switch text.lowercased() {
        case "f32", "fp32", "float32", "float": self = .f32
        case "bf16", "bfloat16": self = .bf16
        case "f16", "fp16", "float16", "half": self = .f16
        default: return nil
        }
    }

    private init(name: String, exponentBits: Int, mantissaBits: Int) {
        self.name = name
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
    }

    /// The layout arithmetic (value of fields, rounding) these formats share with fp8.
    var layout: BinaryLayout { BinaryLayout(mantissaBits: mantissaBits, bias: bias, hasSubnormals: true) }

    /// The exact value of a bit pattern (low `bitWidth` bits of `bits`). NaNs keep their sign.
    public func decode(_ bits: UInt32) -> Double {
        let negative = (bits >> UInt32(bitWidth - 1)) & 1 == 1
        let field = Int((bits >> UInt32(mantissaBits)) & UInt32((1 << exponentBits) - 1))
        let fraction = Int(bits & UInt32((1 << mantissaBits) - 1))
        let magnitude = field == (1 << exponentBits) - 1
            ? (fraction == 0 ? Double.infinity : .nan) : layout.value(field: field, fraction: fraction)
        return negative ? -magnitude : magnitude
    }

    /// Rounds `x` once, to nearest even, to this format; overflow gives +-Inf, NaN gives the
    /// canonical quiet NaN with `x`'s sign (0x7FC0 for bf16, as PyTorch and ml_dtypes produce).
    /// Used for GEMM outputs: the exact result rounded once to bf16 (SPEC section 4). The
    /// rounding is `BinaryLayout`'s, the one the fp8 funnel uses.
    public func roundToNearestEven(_ x: Double) -> UInt32 {
        let signBit: UInt32 = x.sign == .minus ? 1 << UInt32(bitWidth - 1) : 0
        let fieldMax = (1 << exponentBits) - 1
        let infinityBits = UInt32(fieldMax) << UInt32(mantissaBits)
        if x.isNaN { return signBit | infinityBits | (1 << UInt32(mantissaBits - 1)) }
        let a = x.magnitude
        if a.isInfinite { return signBit | infinityBits }
        if a == 0 { return signBit }
        let layout = self.layout
        let quantumExponent = layout.quantumExponent(of: a, lowestExponent: layout.minNormalExponent)
        let q = BinaryLayout.roundedMultiple(a, quantumExponent: quantumExponent, negative: false,
                                             rounding: .toNearestOrEven)
        if q == 0 { return signBit }
        let (field, fraction) = layout.fields(of: q * Double(sign: .plus, exponent: quantumExponent, significand: 1))
        if field >= fieldMax { return signBit | infinityBits }
        return signBit | UInt32(field) << UInt32(mantissaBits) | UInt32(fraction)
    }
}
