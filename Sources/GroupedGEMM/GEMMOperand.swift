import FP8

/// One fp8 GEMM operand: codes in the row-major layout of `shape` ([M,K], [M,N] or [G,K,N]),
/// their format, and their scales: `OperandScales` (one per output row or column, the
/// epilogue's; `GroupedGEMM.Operand`) or `BlockScales` (a block grid over the stored layout,
/// possibly changing along the contraction; `BlockScaledGEMM.Operand`).
public struct GEMMOperand<Scales: Sendable>: Sendable {
    public var codes: [UInt8]
    public var shape: [Int]
    public var format: FP8Format
    public var scales: Scales

    public init(codes: [UInt8], shape: [Int], format: FP8Format, scales: Scales) {
        self.codes = codes
        self.shape = shape
        self.format = format
        self.scales = scales
    }
}
