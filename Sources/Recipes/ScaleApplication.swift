/// The apply step: `x_fp32 * scale` (one fp32 multiply, single rounding), the NaN it yields
/// under a `NaNArithmetic`, then `clamp(-fp8_max, fp8_max)`; the result goes to the cast.
///
/// The product of two fp32 values is exact in Double (48 significant bits), so rounding it
/// once to Float is the fp32 multiply, overflow and subnormals included.
public enum ScaleApplication {
    /// The canonical NaN of NVIDIA GPUs.
    public static let canonicalNaN = Float(bitPattern: 0x7FFF_FFFF)
    /// The x86 default NaN, produced by an invalid operation (Inf * 0).
    public static let x86DefaultNaN = Float(bitPattern: 0xFFC0_0000)

    @inlinable
    public static func apply(_ x: Float, scale: Float, fp8Max: Float, nan: NaNArithmetic) -> Float {
        var y = Float(Double(x) * Double(scale))
        if y.isNaN {
            switch nan {
            case .canonical:
                y = canonicalNaN
            case .propagate:
                if x.isNaN { y = Float(bitPattern: x.bitPattern | 0x0040_0000) }
                else if scale.isNaN { y = Float(bitPattern: scale.bitPattern | 0x0040_0000) }
                else { y = x86DefaultNaN }
            }
            return y  // clamp propagates NaN
        }
        if y > fp8Max { return fp8Max }
        if y < -fp8Max { return -fp8Max }
        return y
    }
}
