import FP8
import GroupedGEMM
import Recipes
import Schema

/// GEMM operands whose scales follow a block grid (SPEC 8.3): the block reductions, and the
/// reductions that are regular grids too (tensorwise, per expert, rowwise), so that a
/// block-scaled operand can meet a row-scaled one. Per-group reductions are not grids: nil.
enum BlockScaledOperands {
    /// The grid of `reduction` on a tensor of `shape` seen as rows x columns ((G*K) x N).
    static func grid(_ reduction: Reduction, shape: [Int], transposedWeight: Bool) -> (rowBlock: Int, columnBlock: Int, gridColumns: Int)? {
        let columns = shape.last ?? 1
        let rows = max(shape.dropLast().reduce(1, *), 1)
        if let (br, bc) = reduction.blockShape {
            // A padded 3-D weight whose K is not a multiple of br has blocks per expert, not a grid.
            if shape.count == 3 && shape[1] % br != 0 { return nil }
            return (br, bc, (columns + bc - 1) / bc)
        }
        switch (reduction, shape.count) {
        case (.tensorwise, _): return (rows, max(columns, 1), 1)
        case (.perExpert, 3): return (max(shape[1], 1), max(columns, 1), 1)
        case (.rowwise, 2): return (1, max(columns, 1), 1)
        case (.rowwise, 3): return transposedWeight ? (1, max(columns, 1), 1) : (max(shape[1], 1), 1, max(columns, 1))
        default: return nil
        }
    }

    static func operand(_ q: QuantizedTensor, _ op: Operand, _ reduction: Reduction, dequantization: [Float]) -> BlockScaledGEMM.Operand? {
        guard let g = grid(reduction, shape: q.shape, transposedWeight: op.isTransposedWeight) else { return nil }
        return BlockScaledGEMM.Operand(codes: q.codes, shape: q.shape, format: q.format,
                                       scales: BlockScales(dequantization: dequantization, rowBlock: g.rowBlock,
                                                           columnBlock: g.columnBlock, gridColumns: g.gridColumns))
    }
}

extension ReferenceGEMM {
    /// Runs `kind` on block-scaled operands (`BlockScaledGEMM`, exact).
    static func run(_ kind: GEMMKind, _ x: BlockScaledGEMM.Operand, _ y: BlockScaledGEMM.Operand,
                    offsets: [Int], body: (GroupBlock) -> Void) {
        let gemm = BlockScaledGEMM()
        switch kind {
        case .out: gemm.forward(a: x, b: y, offsets: offsets, body: body)
        case .gradA: gemm.dgrad(gradOut: x, bT: y, offsets: offsets, body: body)
        case .gradB: gemm.wgrad(a: x, gradOut: y, offsets: offsets, body: body)
        }
    }
}
