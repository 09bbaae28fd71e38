import FP8

/// Scales as a producer stores them (SPEC 8.3): fp32 values (multipliers or their reciprocals)
/// or e8m0 codes. The quantizer's `scales` are always the multipliers; these are their stored
/// form, and back.
public enum StoredScales: Hashable, Sendable {
    case fp32([Float])
    case e8m0([UInt8])

    /// The stored form of `multipliers` under `recipe` (`scale_format`, `scale_convention`).
    /// e8m0 multipliers are powers of two or NaN by construction (`E8M0Scale`).
    public init(multipliers: [Float], recipe: Recipe) {
        switch recipe.scaleFormat {
        case .e8m0: self = .e8m0(multipliers.map(E8M0Scale.code(multiplier:)))
        case .fp32: self = .fp32(multipliers.map(recipe.scaleConvention.stored(multiplier:)))
        }
    }

    public var count: Int {
        switch self {
        case .fp32(let v): v.count
        case .e8m0(let v): v.count
        }
    }

    /// What the GEMM multiplies each payload value by, per scale: `2^(code - 127)` for e8m0 (NaN
    /// for 0xFF), the stored value for `reciprocal`, `1 / multiplier` (one fp32 division, SPEC 3)
    /// for `multiplier`.
    public func dequantization(convention: ScaleConvention) -> [Float] {
        switch self {
        case .e8m0(let codes): codes.map(E8M0Scale.dequantization(code:))
        case .fp32(let v): convention == .reciprocal ? v : v.map { 1 / $0 }
        }
    }
}
