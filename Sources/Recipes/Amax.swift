import FP8

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
    public static func compute(_ bits: [UInt16], grouping: ScaleGrouping, policy: AmaxNaNPolicy) -> [Double] {
        precondition(bits.count == grouping.rows * grouping.columns, "values do not fill the tensor")
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
}
