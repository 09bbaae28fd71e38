/// How a scale is stored (SPEC 8.3, attribute `scale_format`).
public enum ScaleFormat: String, CaseIterable, Hashable, Sendable {
    /// An fp32 value (SPEC section 5; which value: `ScaleConvention`).
    case fp32
    /// An e8m0fnu code (`FP8Format.e8m0fnu`), uint8 with `dtype = "float8_e8m0fnu"`: the
    /// DEQUANTIZATION exponent, `value = payload * 2^(code - 127)` (OCP MX v1.0, torchao's
    /// `to_mx`); 0xFF is NaN. The quantization multiplier is `2^(127 - code)`.
    case e8m0
}
