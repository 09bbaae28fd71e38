/// Which NaN the fp32 multiply `x * scale` yields (SPEC section 3, attribute `nan_arith`).
public enum NaNArithmetic: String, CaseIterable, Hashable, Sendable {
    /// NVIDIA GPUs: every fp32 operation that yields NaN yields the canonical +NaN 0x7FFFFFFF,
    /// so a -NaN input or Inf times a zero scale reaches the cast as +NaN (measured on an H100:
    /// such elements come out 0x7F in e4m3fn).
    case canonical
    /// x86 CPUs (SSE): a NaN operand propagates, quieted, with its sign and payload (the input
    /// first, then the scale); an invalid operation (Inf * 0) yields the x86 default NaN
    /// 0xFFC00000, which is negative (numpy: 0xFF in e4m3fn).
    case propagate
}
