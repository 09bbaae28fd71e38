/// The block reductions of SPEC 8.3 as block shapes.
///
/// A tensor is seen as `rows x columns` (a 3-D weight [G,K,N] as (G*K) x N, as in
/// `ScaleGrouping`); `block_RxC` gives one scale to each R consecutive rows by C consecutive
/// columns. Blocks never straddle experts: K must be a multiple of R.
///
///     reduction       2-D [M,C]: scale shape     3-D [G,K,N]: scale shape
///     block_1x32      [M, C/32]                  [G, K, N/32]
///     block_32x1      [M/32, C]                  [G, K/32, N]
///     block_1x128     [M, C/128]                 [G, K, N/128]
///     block_128x1     [M/128, C]                 [G, K/128, N]
///     block_128x128   [M/128, C/128]             [G, K/128, N/128]
///
/// mxfp8 uses the 32-element blocks (OCP MX v1.0, torchao `to_mx` with `block_size = 32`);
/// blockwise the 128 ones (DeepSeek-V3, torchao `blockwise_fp8_training`).
extension Reduction {
    /// Rows and columns of one block, or nil for the reductions that are not blocks.
    public var blockShape: (rows: Int, columns: Int)? {
        switch self {
        case .block1x32: (1, 32)
        case .block32x1: (32, 1)
        case .block1x128: (1, 128)
        case .block128x1: (128, 1)
        case .block128x128: (128, 128)
        default: nil
        }
    }

    /// Every block reduction.
    public static let blocks: [Reduction] = allCases.filter { $0.blockShape != nil }
}

extension ScaleGrouping {
    /// The grouping of a block reduction over a tensor of `shape` (rank 2 or 3).
    ///
    /// Errors: a block extent that does not divide the tensor (rows, columns, or K of a 3-D
    /// weight), named with the extents.
    static func blocks(_ reduction: Reduction, shape: [Int], padding: BlockPadding = .none) throws(GroupingError)
        -> (rows: Int, columns: Int, rowBase: [Int], columnStride: Int, columnBlock: Int, rowBlock: Int, scaleShape: [Int])
    {
        guard let (br, bc) = reduction.blockShape else { throw GroupingError("\(reduction.rawValue) is not a block reduction") }
        guard shape.count == 2 || shape.count == 3 else {
            throw GroupingError("reduction \(reduction.rawValue) does not apply to a tensor of rank \(shape.count)")
        }
        let columns = shape.last!
        let rows = shape.dropLast().reduce(1, *)
        // The extent that blocks of br rows must divide: M, or K of a 3-D weight (blocks never
        // straddle experts).
        let rowExtent = shape.count == 2 ? shape[0] : shape[1]
        if padding == .none {
            let rowName = shape.count == 2 ? "row count M" : "K (dimension 1)"
            let columnName = shape.count == 2 ? "column count" : "N (dimension 2)"
            let hint = " (or declare block_padding = zero)"
            if rowExtent % br != 0 {
                throw GroupingError("\(reduction.rawValue) needs the \(rowName) \(rowExtent) to be a multiple of \(br)" + hint)
            }
            if columns % bc != 0 {
                throw GroupingError("\(reduction.rawValue) needs the \(columnName) \(columns) to be a multiple of \(bc)" + hint)
            }
        }
        let blocksPerRow = (columns + bc - 1) / bc
        let rowBlocks = (rowExtent + br - 1) / br  // per expert for a 3-D weight
        let rowBase = (0..<rows).map { r in
            (shape.count == 2 ? r / br : (r / max(rowExtent, 1)) * rowBlocks + (r % max(rowExtent, 1)) / br) * blocksPerRow
        }
        return (rows: rows, columns: columns, rowBase: rowBase, columnStride: 1, columnBlock: bc, rowBlock: br,
                scaleShape: shape.count == 2 ? [rowBlocks, blocksPerRow] : [shape[0], rowBlocks, blocksPerRow])
    }
}
