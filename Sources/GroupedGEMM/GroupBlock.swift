/// The output block of one group: `rows x columns`, row-major.
public struct GroupBlock: Sendable {
    public let group: Int
    public let rows: Int
    public let columns: Int
    /// The reference output, bf16 bits.
    public var bits: [UInt16]
    /// Exact mode: E, the exact value before its rounding to bf16 (as a Double rounded to odd,
    /// within 2^-52 relative of E). fp32 mode: the fp32 result before its rounding to bf16.
    public var value: [Double]
    /// `S = sum_k |x_k y_k|` times the same reciprocal scales (the verify bound, SPEC section 4).
    public var absSum: [Double]
}
