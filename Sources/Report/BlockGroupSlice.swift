import GroupedGEMM
import Recipes
import Schema

/// One group's GEMM operands for a block-scaled recipe (SPEC 8.3), cut out of the whole
/// quantized tensors as `GroupSlice` does for the per-row recipes, for `BlockScaledGEMM` (exact:
/// each block's partial dot product scaled exactly, one rounding to bf16).
///
/// Each operand's factors are the dequantization factors of its stored scales
/// (`StoredScales.dequantization`: `2^(code - 127)` for e8m0, `1 / multiplier` in fp32 for fp32
/// multipliers), laid on the block grid of its `ScaleGrouping`. The slices keep the block grid:
/// - out / grad_a: the selected token rows of the left operand (1-row blocks, so any rows can be
///   gathered with their scale rows) and expert g's [K,N] weight with its blocks (K must be a
///   multiple of the weight's block rows, as it is without `block_padding`);
/// - grad_b: the selected columns k of `a_wgrad` and all of `grad_out_wgrad`, over the rows from
///   the start of the row block that holds the group's first row: a two-group GEMM whose second
///   group is this one (the first, under one block long, is discarded), so a group that starts
///   inside a block is cut where the block ends, as in the full GEMM.
/// nil when a slice would not keep the grid (left operand with blocks of several rows for out
/// or grad_a; padded weights).
enum BlockGroupSlice {
    /// The whole tensor's block scales, or nil when its reduction is not a grid of blocks.
    static func scales(_ q: QuantizedTensor, recipe: Recipe) -> BlockScales? {
        guard let g = q.grouping, g.rowBlock > 1 || g.columnBlock > 1, let gridColumns = g.scaleShape.last else { return nil }
        let factors = StoredScales(multipliers: q.scales, recipe: recipe).dequantization(convention: recipe.scaleConvention)
        return BlockScales(dequantization: factors, rowBlock: g.rowBlock, columnBlock: g.columnBlock, gridColumns: gridColumns)
    }

    /// The operands, the local offsets, and which local group is group g's block.
    static func operands(_ kind: GEMMKind, left lq: QuantizedTensor, right rq: QuantizedTensor, recipe: Recipe,
                         k: Int, n: Int, group g: Int, rows: Range<Int>, selected: [Int])
        -> (BlockScaledGEMM.Operand, BlockScaledGEMM.Operand, offsets: [Int], take: Int)?
    {
        guard let ls = scales(lq, recipe: recipe), let rs = scales(rq, recipe: recipe) else { return nil }
        switch kind {
        case .out, .gradA:
            guard ls.rowBlock == 1, let y = weightSlice(rq, rs, group: g, k: k, n: n) else { return nil }
            let width = lq.shape[1]
            var codes = [UInt8](repeating: 0, count: selected.count * width)
            var factors: [Float] = []
            factors.reserveCapacity(selected.count * ls.gridColumns)
            for (i, r) in selected.enumerated() {
                codes.replaceSubrange(i * width..<(i + 1) * width, with: lq.codes[r * width..<(r + 1) * width])
                factors += ls.dequantization[r * ls.gridColumns..<(r + 1) * ls.gridColumns]
            }
            let x = BlockScaledGEMM.Operand(codes: codes, shape: [selected.count, width], format: lq.format,
                                            scales: BlockScales(dequantization: factors, rowBlock: 1,
                                                                columnBlock: ls.columnBlock, gridColumns: ls.gridColumns))
            return (x, y, [selected.count], 0)
        case .gradB:
            let step = lcm(ls.rowBlock, rs.rowBlock)
            let start = rows.lowerBound - rows.lowerBound % step
            let count = rows.upperBound - start
            // a_wgrad [M,K]: rows start..<upper, the selected columns, each with its own factor.
            var codes = [UInt8](repeating: 0, count: count * selected.count)
            for i in 0..<count {
                let base = (start + i) * k
                for (j, kk) in selected.enumerated() { codes[i * selected.count + j] = lq.codes[base + kk] }
            }
            let rowBlocks = (count + ls.rowBlock - 1) / ls.rowBlock
            var factors = [Float](repeating: 0, count: rowBlocks * selected.count)
            for b in 0..<rowBlocks {
                for (j, kk) in selected.enumerated() {
                    factors[b * selected.count + j] = ls.dequantization[ls.index(row: start + b * ls.rowBlock, column: kk)]
                }
            }
            let x = BlockScaledGEMM.Operand(codes: codes, shape: [count, selected.count], format: lq.format,
                                            scales: BlockScales(dequantization: factors, rowBlock: ls.rowBlock,
                                                                columnBlock: 1, gridColumns: max(selected.count, 1)))
            // grad_out_wgrad [M,N]: rows start..<upper, every column, its scale rows.
            let firstBlock = start / rs.rowBlock
            let lastBlock = (rows.upperBound + rs.rowBlock - 1) / rs.rowBlock
            let y = BlockScaledGEMM.Operand(
                codes: Array(rq.codes[(start * n)..<(rows.upperBound * n)]), shape: [count, n], format: rq.format,
                scales: BlockScales(dequantization: Array(rs.dequantization[(firstBlock * rs.gridColumns)..<(lastBlock * rs.gridColumns)]),
                                    rowBlock: rs.rowBlock, columnBlock: rs.columnBlock, gridColumns: rs.gridColumns))
            return (x, y, [rows.lowerBound - start, count], 1)
        }
    }

    /// Expert g's [K,N] slice as a one-expert weight [1,K,N] with its blocks, or nil when K is
    /// not a multiple of the block rows (blocks would then be per expert, not a grid).
    static func weightSlice(_ q: QuantizedTensor, _ s: BlockScales, group g: Int, k: Int, n: Int) -> BlockScaledGEMM.Operand? {
        guard k % s.rowBlock == 0 else { return nil }
        let perExpert = (k / s.rowBlock) * s.gridColumns
        return BlockScaledGEMM.Operand(
            codes: Array(q.codes[(g * k * n)..<((g + 1) * k * n)]), shape: [1, k, n], format: q.format,
            scales: BlockScales(dequantization: Array(s.dequantization[(g * perExpert)..<((g + 1) * perExpert)]),
                                rowBlock: s.rowBlock, columnBlock: s.columnBlock, gridColumns: s.gridColumns))
    }

    /// Group g's output block (the selected rows, every column; bf16 bits, row-major), or nil
    /// when the slices would not keep the block grid. `BlockScaledGEMM` holds one exact dot
    /// product per output element and contraction segment at once, so the output columns are
    /// run in chunks (at block boundaries: each output column depends only on its own column of
    /// the right operand) holding at most about `budget` bytes of them.
    static func output(_ kind: GEMMKind, left lq: QuantizedTensor, right rq: QuantizedTensor, recipe: Recipe,
                       k: Int, n: Int, group g: Int, rows: Range<Int>, selected: [Int], budget: Int = 1 << 27)
        -> (rows: Int, columns: Int, bits: [UInt16])?
    {
        guard let sliced = operands(kind, left: lq, right: rq, recipe: recipe, k: k, n: n, group: g,
                                    rows: rows, selected: selected) else { return nil }
        let (x, y, offsets, take) = sliced
        let p = selected.count
        let q = kind == .gradA ? k : n
        // Segments along the contraction: at most contraction / (the shorter block extent along it) + 2.
        let (contraction, extent, align): (Int, Int, Int) = switch kind {
        case .out: (k, min(x.scales.columnBlock, y.scales.rowBlock), y.scales.columnBlock)
        case .gradA: (n, min(x.scales.columnBlock, y.scales.columnBlock), y.scales.rowBlock)
        case .gradB: (offsets.last!, min(x.scales.rowBlock, y.scales.rowBlock), y.scales.columnBlock)
        }
        let segments = contraction / max(extent, 1) + 2
        let perColumn = max(p * segments * 24, 1)  // Int128 dot + Double magnitude per element and segment
        var width = max(align, budget / perColumn / align * align)
        if width >= q { width = q }
        var bits = [UInt16](repeating: 0, count: p * q)
        for start in stride(from: 0, to: q, by: width) {
            let columns = start..<min(q, start + width)
            let part = columns.count == q ? y : subset(kind, y, columns)
            run(kind, x, part, offsets: offsets) { block in
                guard block.group == take else { return }
                for i in 0..<p {
                    bits.replaceSubrange(i * q + columns.lowerBound..<i * q + columns.upperBound,
                                         with: block.bits[i * block.columns..<(i + 1) * block.columns])
                }
            }
        }
        return (p, q, bits)
    }

    /// The right operand restricted to the output columns `columns` (a multiple of its block
    /// extent along them at the start): stored columns for out and grad_b, stored rows k of the
    /// weight for grad_a (its transpose is the right operand).
    static func subset(_ kind: GEMMKind, _ y: BlockScaledGEMM.Operand, _ columns: Range<Int>) -> BlockScaledGEMM.Operand {
        let s = y.scales
        let width = y.shape.last!
        let storedRows = y.shape.dropLast().reduce(1, *)
        if kind == .gradA {
            let firstBlock = columns.lowerBound / s.rowBlock
            let lastBlock = (columns.upperBound + s.rowBlock - 1) / s.rowBlock
            return BlockScaledGEMM.Operand(
                codes: Array(y.codes[(columns.lowerBound * width)..<(columns.upperBound * width)]),
                shape: [1, columns.count, width], format: y.format,
                scales: BlockScales(dequantization: Array(s.dequantization[(firstBlock * s.gridColumns)..<(lastBlock * s.gridColumns)]),
                                    rowBlock: s.rowBlock, columnBlock: s.columnBlock, gridColumns: s.gridColumns))
        }
        var codes = [UInt8](repeating: 0, count: storedRows * columns.count)
        for r in 0..<storedRows {
            codes.replaceSubrange(r * columns.count..<(r + 1) * columns.count,
                                  with: y.codes[(r * width + columns.lowerBound)..<(r * width + columns.upperBound)])
        }
        let rowBlocks = (storedRows + s.rowBlock - 1) / s.rowBlock
        let firstColumn = columns.lowerBound / s.columnBlock
        let gridColumns = (columns.count + s.columnBlock - 1) / s.columnBlock
        var factors = [Float](repeating: 0, count: rowBlocks * gridColumns)
        for b in 0..<rowBlocks {
            for j in 0..<gridColumns { factors[b * gridColumns + j] = s.dequantization[b * s.gridColumns + firstColumn + j] }
        }
        return BlockScaledGEMM.Operand(codes: codes, shape: Array(y.shape.dropLast()) + [columns.count], format: y.format,
                                       scales: BlockScales(dequantization: factors, rowBlock: s.rowBlock,
                                                           columnBlock: s.columnBlock, gridColumns: gridColumns))
    }

    /// Runs `kind` on block-scaled operands, handing each local group's block to `body`.
    static func run(_ kind: GEMMKind, _ x: BlockScaledGEMM.Operand, _ y: BlockScaledGEMM.Operand, offsets: [Int],
                    body: (GroupBlock) -> Void) {
        let gemm = BlockScaledGEMM()
        switch kind {
        case .out: gemm.forward(a: x, b: y, offsets: offsets, body: body)
        case .gradA: gemm.dgrad(gradOut: x, bT: y, offsets: offsets, body: body)
        case .gradB: gemm.wgrad(a: x, gradOut: y, offsets: offsets, body: body)
        }
    }

    static func lcm(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return a / x * b
    }
}
