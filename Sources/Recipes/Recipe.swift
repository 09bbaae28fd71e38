// Module Recipes: quantization recipes as values (SPEC 3). Recipe (amax -> scale -> multiply
// -> clamp -> cast, each step a field), its presets and fixture attribute spellings, the
// reductions and the operands they apply to, ScaleGrouping (which elements share a scale),
// the Quantizer, and RecipeDeclaration (a producer's attributes, parsed once, AttributeError
// when a value is unknown). A new recipe is a preset in Recipe+Presets.swift; a new variant of
// a step is a case of that step's enum plus its attribute spelling in Recipe+Attributes.swift.

import FP8

/// A quantization recipe, as a value: amax -> scale -> multiply -> clamp -> cast
/// (SPEC section 3). Every step's variant is a field; the named presets are in
/// `Recipe+Presets.swift`, the fixture attribute spellings in `Recipe+Attributes.swift`.
///
/// The reduction set is not a field: it depends on the operand (`Operand.reduction(under:)`)
/// and a dataset may override it.
public struct Recipe: Hashable, Sendable, CustomStringConvertible {
    /// Which table of reduction sets the recipe uses for its operands (attribute `recipe`).
    public enum Kind: String, CaseIterable, Hashable, Sendable {
        /// torchao rowwise MoE: one scale per row (per expert column for weights), per group
        /// and column for the wgrad operands.
        case rowwise
        /// One scale per activation tensor, per expert for weights, per group for wgrad operands.
        case tensorwise
        /// SPEC 8.3 MXFP8: one e8m0 scale per 32 elements along the contraction
        /// (`Recipe+BlockPresets.swift`).
        case mxfp8
        /// SPEC 8.3 blockwise (DeepSeek-V3): 1x128 activation tiles, 128x128 weight blocks, fp32 scales.
        case blockwise
    }

    public var kind: Kind
    /// The fp8 format of the payload; `fp8_max` is its largest finite value.
    public var format: FP8Format
    public var amaxNaN: AmaxNaNPolicy
    public var scaleCompute: ScaleCompute
    /// Whether the scale is rounded down to a power of two, `exp2(floor(log2(scale)))`.
    public var scalePow2: Bool
    /// The policy of the final cast from fp32 (SPEC section 2).
    public var castPolicy: ConversionPolicy
    public var nanArithmetic: NaNArithmetic
    /// SPEC 8.1 `input_nan_to_num`: `x` is replaced by `nan_to_num(x)` (NaN -> 0, +-Inf ->
    /// +-bf16 max) before the amax AND before the multiply, so a NaN input is written as code
    /// 0x00. `amaxNaN = .nanToNum` alone means only the amax sees `nan_to_num`.
    public var inputNaNToNum: Bool
    /// SPEC 8.3 `scale_format`: fp32 values, or e8m0 codes (then the scale comes from
    /// `scaleMode`, not from `scaleCompute` and `scalePow2`).
    public var scaleFormat: ScaleFormat = .fp32
    /// SPEC 8.3 `scale_mode`: how an e8m0 scale is chosen (used only with `scaleFormat == .e8m0`).
    public var scaleMode: ScaleMode = .floor
    /// SPEC 8.3 `scale_convention`: which fp32 value is stored (multiplier or its reciprocal).
    public var scaleConvention: ScaleConvention = .multiplier
    /// SPEC 8.3 `block_padding`: how a block reduction meets a tensor it does not divide.
    public var blockPadding: BlockPadding = .none

    public init(kind: Kind, format: FP8Format, amaxNaN: AmaxNaNPolicy, scaleCompute: ScaleCompute,
                scalePow2: Bool, castPolicy: ConversionPolicy, nanArithmetic: NaNArithmetic,
                inputNaNToNum: Bool = false, scaleFormat: ScaleFormat = .fp32, scaleMode: ScaleMode = .floor,
                scaleConvention: ScaleConvention = .multiplier) {
        self.inputNaNToNum = inputNaNToNum
        self.scaleFormat = scaleFormat
        self.scaleMode = scaleMode
        self.scaleConvention = scaleConvention
        self.kind = kind
        self.format = format
        self.amaxNaN = amaxNaN
        self.scaleCompute = scaleCompute
        self.scalePow2 = scalePow2
        self.castPolicy = castPolicy
        self.nanArithmetic = nanArithmetic
    }

    /// `fp8_max`: the format's largest finite value (448 for e4m3fn, 240 for e4m3fnuz).
    public var fp8Max: Double { format.maxFinite }

    public var description: String {
        "\(kind.rawValue) \(format.name) amax_nan=\(amaxNaN.rawValue) scale_compute=\(scaleCompute.rawValue) "
            + "scale_pow2=\(scalePow2 ? 1 : 0) cast_policy=\(castPolicy.name) nan_arith=\(nanArithmetic.rawValue)"
            + (inputNaNToNum ? " input_nan_to_num=1" : "")
            + (scaleFormat == .e8m0 ? " scale_format=e8m0 scale_mode=\(scaleMode.rawValue)" : "")
            + (scaleConvention == .reciprocal ? " scale_convention=reciprocal" : "")
            + (blockPadding == .zero ? " block_padding=zero" : "")
    }
}
