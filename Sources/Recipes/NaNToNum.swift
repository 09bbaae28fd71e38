import FP8
import Parallel

/// `torch.nan_to_num` on bf16 bit patterns: NaN -> +0, +Inf -> bf16 max `(2 - 2^-7) * 2^127`
/// (0x7F7F), -Inf -> -bf16 max (0xFF7F); everything else unchanged. What SPEC 8.1's
/// `input_nan_to_num` applies to `x` before the amax and the multiply, as PR #4179's kernels
/// do (`x = tl.where(x != x, 0.0, x)`, then clamping to +-`torch.finfo(bfloat16).max`).
public enum NaNToNum {
    @inlinable
    public static func bf16(_ bits: UInt16) -> UInt16 {
        let m = bits & 0x7FFF
        if m > 0x7F80 { return 0 }
        if m == 0x7F80 { return bits & 0x8000 | 0x7F7F }
        return bits
    }

    /// The whole tensor sanitised, on every core.
    public static func apply(_ bits: [UInt16], concurrently: Bool = true) -> [UInt16] {
        var out = bits
        forEachChunk(count: out.count, chunk: 1 << 16, concurrently: concurrently, writing: &out) { range, b in
            for i in range { b[i] = bf16(b[i]) }
        }
        return out
    }
}
