/// How an MX block's e8m0 scale exponent is chosen from its amax (SPEC 8.3, attribute
/// `scale_mode`), exactly as torchao's `ScaleCalculationMode` and `to_mx` compute it
/// (pytorch/ao at 36027d82d1ad9949597ea16002ff4940374b1b94,
/// `torchao/prototype/mx_formats/mx_tensor.py`, `config.py`). `E8M0Scale.code` is the arithmetic.
///
/// With `emax` the exponent of the payload format's largest power of two (8 for e4m3fn: 448 =
/// 1.75 * 2^8; 15 for e5m2) and `amax` as an fp32 bit pattern:
public enum ScaleMode: String, CaseIterable, Hashable, Sendable {
    /// OCP MX v1.0 section 6.3: `floor(log2(amax)) - emax`, read off the fp32 exponent field.
    /// The largest element may land above fp8_max (up to 1.99 * 2^emax) and is clamped.
    case floor
    /// cuBLAS's "RCEIL": `descale = fl32(amax * fl32(1 / fp8_max))`, rounded UP to a power of two
    /// (`_f32_to_e8m0_rceil`: +1 to the exponent field when any mantissa bit is set; an fp32
    /// subnormal descale gives code 1 above 2^-127, else 0).
    case rceil
    /// `floor(log2(amax)) + (mantissa != 0) - emax`: a power of two at or above amax / 2^emax.
    case ceil
    /// amax's fp32 bits are first rounded to `mbits` mantissa bits (add `1 << (22 - mbits)`,
    /// keep sign and exponent), then as `floor`. A bf16 amax of 1.9375 * 2^127 or more rounds
    /// to infinity, which gives the NaN scale 0xFF.
    case even
}
