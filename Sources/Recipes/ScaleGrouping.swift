import Groups

/// Which scale each element of a tensor uses: the reduction set of SPEC section 3 laid out on
/// the tensor.
///
/// A tensor is seen as a 2-D row-major matrix of `rows x columns`: [M,C] as is, a 3-D weight
/// [G,K,N] as (G*K) x N. The scale of element (r, c) is
/// `rowBase[r] + (c / columnBlock) * columnStride`, or none when `rowBase[r] < 0` (rows outside
/// every group). `columnBlock` is 1 except for the block reductions of SPEC 8.3, whose rows come
/// in runs of `rowBlock` sharing their scales.
public struct ScaleGrouping: Hashable, Sendable {
    public let rows: Int
    public let columns: Int
    public let rowBase: [Int]
    public let columnStride: Int
    /// Consecutive columns that share a scale (the C of `block_RxC`; 1 otherwise).
    public let columnBlock: Int
    /// Consecutive rows that share their scales under a block reduction (the R of `block_RxC`;
    /// 1 otherwise).
    public let rowBlock: Int
    /// The shape of the scale dataset (SPEC section 3 "scale shapes").
    public let scaleShape: [Int]
    public var scaleCount: Int { scaleShape.reduce(1, *) }

    /// Errors: a description of why the reduction does not apply to this shape.
    public init(reduction: Reduction, shape: [Int], transposedWeight: Bool = false,
                offsets: GroupOffsets? = nil, padding: BlockPadding = .none) throws(GroupingError) {
        if reduction.blockShape != nil {
            let b = try Self.blocks(reduction, shape: shape, padding: padding)
            (rows, columns, rowBase, columnStride) = (b.rows, b.columns, b.rowBase, b.columnStride)
            (columnBlock, rowBlock, scaleShape) = (b.columnBlock, b.rowBlock, b.scaleShape)
            return
        }
        columnBlock = 1
        rowBlock = 1
        switch (reduction, shape.count) {
        case (.tensorwise, 2), (.tensorwise, 3):
            rows = shape.count == 2 ? shape[0] : shape[0] * shape[1]
            columns = shape.last!
            rowBase = [Int](repeating: 0, count: rows)
            columnStride = 0
            scaleShape = [1]
        case (.perExpert, 3):
            let (g, k, n) = (shape[0], shape[1], shape[2])
            rows = g * k
            columns = n
            rowBase = (0..<rows).map { $0 / max(k, 1) }
            columnStride = 0
            scaleShape = [g]
        case (.rowwise, 2):
            rows = shape[0]
            columns = shape[1]
            rowBase = Array(0..<rows)
            columnStride = 0
            scaleShape = [rows]
        case (.rowwise, 3):
            let (g, k, n) = (shape[0], shape[1], shape[2])
            rows = g * k
            columns = n
            if transposedWeight {
                // b_t: B^T[g] is [N,K]; its rowwise reduction is per (g, k), over N.
                rowBase = Array(0..<rows)
                columnStride = 0
                scaleShape = [g, k]
            } else {
                rowBase = (0..<rows).map { ($0 / max(k, 1)) * n }
                columnStride = 1
                scaleShape = [g, n]
            }
        case (.perGroup, 2), (.perGroupColumn, 2):
            guard let offsets else { throw GroupingError("\(reduction.rawValue) needs offsets") }
            rows = shape[0]
            columns = shape[1]
            let width = shape[1]
            let groupOf = offsets.groupOfRow(rows: rows)
            if reduction == .perGroup {
                rowBase = groupOf
                columnStride = 0
                scaleShape = [offsets.groupCount]
            } else {
                rowBase = groupOf.map { $0 < 0 ? -1 : $0 * width }
                columnStride = 1
                scaleShape = [offsets.groupCount, columns]
            }
        default:
            throw GroupingError("reduction \(reduction.rawValue) does not apply to a tensor of rank \(shape.count)")
        }
    }

    /// The scale index of element (r, c), or nil when the row is in no group.
    @inlinable public func scaleIndex(row r: Int, column c: Int) -> Int? {
        let base = rowBase[r]
        return base < 0 ? nil : base + (columnBlock == 1 ? c : c / columnBlock) * columnStride
    }
}

/// A reduction that does not fit the tensor it is applied to.
public struct GroupingError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
