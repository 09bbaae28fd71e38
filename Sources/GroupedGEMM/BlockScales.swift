/// The scales of a block-scaled GEMM operand (SPEC 8.3): a regular grid of blocks over the
/// operand as stored, each with the factor the GEMM multiplies its payload values by.
///
/// The operand is seen as `rows x columns` in its stored layout (a 3-D [G,K,N] weight as
/// (G*K) x N); element (r, c) uses `dequantization[(r / rowBlock) * gridColumns + c / columnBlock]`.
/// Per-row scales are `rowBlock = 1, columnBlock = columns`; `block_1x32` is `1 x 32`;
/// `block_128x128` of a weight is `128 x 128` with `gridColumns = N / 128`.
public struct BlockScales: Hashable, Sendable {
    /// The factor per block: `2^(code - 127)` for e8m0, the stored reciprocal, or
    /// `1 / multiplier` (one fp32 division) for multipliers.
    public var dequantization: [Float]
    public var rowBlock: Int
    public var columnBlock: Int
    public var gridColumns: Int

    public init(dequantization: [Float], rowBlock: Int, columnBlock: Int, gridColumns: Int) {
        precondition(rowBlock > 0 && columnBlock > 0 && gridColumns > 0, "empty block grid")
        self.dequantization = dequantization
        self.rowBlock = rowBlock
        self.columnBlock = columnBlock
        self.gridColumns = gridColumns
    }

    /// The scale index of stored element (r, c).
    @inlinable public func index(row r: Int, column c: Int) -> Int { (r / rowBlock) * gridColumns + c / columnBlock }
}
