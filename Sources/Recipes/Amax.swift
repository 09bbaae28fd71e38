import FP8
import Parallel

/// `amax = max |x|` over each reduction set, from bf16 bit patterns (SPEC section 3).
///
/// The result is exact: a max of bf16 magnitudes is a bf16 magnitude, held as a Double.
/// Under `propagate` a NaN in a set makes its amax NaN (positive: `abs` clears the sign);
/// under `nan_to_num` NaN counts as 0 and +-Inf as bf16 max, `(2 - 2^-7) * 2^127`; under
/// `ignore` NaN counts as 0 and infinity stays infinity.
/// A set with no elements (an empty group) has amax 0.
public enum Amax {
    /// bf16 max, bits 0x7F7F: `(1 + 127/128) * 2^(254 - 127)`.
    public static let bf16Max: Double = BinaryFormat.bf16.decode(0x7F7F)

    /// The amax of every scale of `grouping`, over the bf16 bit patterns `bits` (row-major).
    ///
    /// Reductions with one scale per row (`columnStride == 0`: tensorwise, per expert, per group,
    /// 2-D rowwise) take each row's max over its contiguous slice, then merge the rows of each
    /// set; with `concurrently` the rows are spread over every core. The result is the same.
    public static func compute(_ bits: [UInt16], grouping: ScaleGrouping, policy: AmaxNaNPolicy,
                               concurrently: Bool = false) -> [Double] {
        precondition(bits.count == grouping.rows * grouping.columns, "values do not fill the tensor")
        if grouping.columnStride == 0 { return byRows(bits, grouping: grouping, policy: policy, concurrently: concurrently) }
        if grouping.columnBlock > 1 { return byBlocks(bits, grouping: grouping, policy: policy, concurrently: concurrently) }
        var amax = [Double](repeating: 0, count: grouping.scaleCount)
        var hasNaN = [Bool](repeating: false, count: grouping.scaleCount)
        // Magnitudes of bf16 values order like their bit patterns without the sign: compare
        // integers, decode once per set at the end.
        var best = [UInt16](repeating: 0, count: grouping.scaleCount)
        bits.withUnsafeBufferPointer { x in
            for r in 0..<grouping.rows {
                let base = grouping.rowBase[r]
                if base < 0 { continue }
                let row = r * grouping.columns
                for c in 0..<grouping.columns {
                    var m = x[row + c] & 0x7FFF
                    if m > 0x7F80 {  // NaN
                        if policy == .propagate { hasNaN[base + c * grouping.columnStride] = true; continue }
                        m = 0
                    } else if m == 0x7F80 && policy == .nanToNum {  // +-Inf
                        m = 0x7F7F
                    }
                    let i = base + c * grouping.columnStride
                    if m > best[i] { best[i] = m }
                }
            }
        }
        for i in 0..<amax.count {
            amax[i] = hasNaN[i] ? .nan : BinaryFormat.bf16.decode(UInt32(best[i]))
        }
        return amax
    }

    /// `compute` for reductions with one scale per row.
    static func byRows(_ bits: [UInt16], grouping: ScaleGrouping, policy: AmaxNaNPolicy, concurrently: Bool) -> [Double] {
        let (rows, columns) = (grouping.rows, grouping.columns)
        let infinity: UInt16 = policy == .nanToNum ? 0x7F7F : 0x7F80
        let propagate = policy == .propagate
        // Per row: the largest magnitude, or 0xFFFF when a NaN poisons it (propagate).
        var rowBest = [UInt16](repeating: 0, count: rows)
        forEachChunk(count: rows, chunk: max(1, 65536 / max(columns, 1)), concurrently: concurrently,
                     writing: &rowBest) { range, out in
            bits.withUnsafeBufferPointer { x in
                for r in range where grouping.rowBase[r] >= 0 {
                    out[r] = rowMax(UnsafeBufferPointer(rebasing: x[r * columns..<(r + 1) * columns]),
                                    infinity: infinity, propagateNaN: propagate)
                }
            }
        }
        var best = [UInt16](repeating: 0, count: grouping.scaleCount)
        var hasNaN = [Bool](repeating: false, count: grouping.scaleCount)
        for r in 0..<rows {
            let base = grouping.rowBase[r]
            if base < 0 { continue }
            if rowBest[r] == 0xFFFF { hasNaN[base] = true } else if rowBest[r] > best[base] { best[base] = rowBest[r] }
        }
        return (0..<best.count).map { hasNaN[$0] ? .nan : BinaryFormat.bf16.decode(UInt32(best[$0])) }
    }

    /// The largest bf16 magnitude of `x` (NaN counts as 0, infinity as `infinity`), or 0xFFFF
    /// when `propagateNaN` and `x` holds a NaN. Branch-free, so that it vectorizes.
    @inline(__always)
    static func rowMax(_ x: UnsafeBufferPointer<UInt16>, infinity: UInt16, propagateNaN: Bool) -> UInt16 {
        var best: UInt16 = 0
        var nan: UInt16 = 0
        for i in 0..<x.count {
            let m = x[i] & 0x7FFF
            let isNaN: UInt16 = m > 0x7F80 ? 1 : 0
            nan |= isNaN
            let v = isNaN != 0 ? 0 : (m == 0x7F80 ? infinity : m)
            best = max(best, v)
        }
        return propagateNaN && nan != 0 ? 0xFFFF : best
    }
}
