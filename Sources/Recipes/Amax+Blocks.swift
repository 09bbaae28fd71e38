import FP8
import Parallel

extension Amax {
    /// `compute` for groupings whose scales span runs of `columnBlock > 1` columns (the block
    /// reductions `block_1xC` and `block_RxC` of SPEC 8.3): each row's max over each run of
    /// columns (`rowMax`), merged over the `rowBlock` rows that share the scale. Work is split
    /// into whole runs of `rowBlock` rows, so no two tasks write the same scale.
    static func byBlocks(_ bits: [UInt16], grouping: ScaleGrouping, policy: AmaxNaNPolicy, concurrently: Bool) -> [Double] {
        let (columns, width) = (grouping.columns, grouping.columnBlock)
        let infinity: UInt16 = policy == .nanToNum ? 0x7F7F : 0x7F80
        let propagate = policy == .propagate
        // Per scale: the largest magnitude, or 0xFFFF once a NaN poisons it (propagate).
        var best = [UInt16](repeating: 0, count: grouping.scaleCount)
        let rowsPerTask = grouping.rowBlock * max(1, 65536 / max(columns * grouping.rowBlock, 1))
        // Tasks own whole runs of rowBlock rows only where blocks start at multiples of rowBlock
        // (not so for a padded 3-D weight whose K is not a multiple): else one task.
        let perRow = (columns + width - 1) / width
        let aligned = (0..<grouping.rows).allSatisfy { grouping.rowBase[$0] < 0 || grouping.rowBase[$0] == ($0 / grouping.rowBlock) * perRow }
        forEachChunk(count: grouping.rows, chunk: rowsPerTask, concurrently: concurrently && aligned, writing: &best) { range, out in
            bits.withUnsafeBufferPointer { x in
                for r in range {
                    let base = grouping.rowBase[r]
                    if base < 0 { continue }
                    for b in 0..<perRow {  // the last block may be partial (block_padding = zero)
                        let start = r * columns + b * width
                        let end = min(start + width, (r + 1) * columns)
                        let m = rowMax(UnsafeBufferPointer(rebasing: x[start..<end]), infinity: infinity, propagateNaN: propagate)
                        let i = base + b * grouping.columnStride
                        if m > out[i] { out[i] = m }
                    }
                }
            }
        }
        return best.map { $0 == 0xFFFF ? .nan : BinaryFormat.bf16.decode(UInt32($0)) }
    }
}
