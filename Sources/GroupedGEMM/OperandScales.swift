/// The scales of one GEMM operand and how they map onto the output: the GEMM receives
/// `1/scale` as an fp32 reciprocal (SPEC section 3), one per output row (left operand) or
/// output column (right operand).
public struct OperandScales: Hashable, Sendable {
    /// How scale values are indexed.
    public enum Layout: Hashable, Sendable {
        /// One scale for the whole tensor ([1]).
        case single
        /// One scale per group or expert ([G]).
        case perGroup
        /// One scale per global row of a 2-D tensor ([M]): the output row's index in the
        /// full [M, ...] output.
        case perGlobalRow
        /// One scale per group and output row/column index within the group's block ([G, n]).
        case perGroupAndIndex(Int)
    }

    /// The quantization multipliers (`fp8_max / amax`), as stored.
    public var scales: [Float]
    public var layout: Layout

    public init(_ scales: [Float], layout: Layout) {
        self.scales = scales
        self.layout = layout
    }

    /// The multiplier for an output row/column: `global` is the row in the full output
    /// (used by `perGlobalRow`), `local` the index within group `group`'s block.
    @inlinable
    public func scale(group: Int, global: Int, local: Int) -> Float {
        switch layout {
        case .single: scales[0]
        case .perGroup: scales[group]
        case .perGlobalRow: scales[global]
        case .perGroupAndIndex(let n): scales[group * n + local]
        }
    }

    /// The fp32 reciprocal the GEMM receives: `1 / scale`, one correctly rounded fp32 division.
    @inlinable
    public func reciprocal(group: Int, global: Int, local: Int) -> Float {
        1 / scale(group: group, global: global, local: local)
    }

    /// How many scales the layout needs, or nil when it depends on M (`perGlobalRow`).
    public func requiredCount(groups: Int) -> Int? {
        switch layout {
        case .single: 1
        case .perGroup: groups
        case .perGlobalRow: nil
        case .perGroupAndIndex(let n): groups * n
        }
    }
}
