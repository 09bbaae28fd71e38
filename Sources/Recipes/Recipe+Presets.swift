import FP8

extension Recipe {
    /// torchao's rowwise MoE recipe (`torchao/prototype/moe_training`, `amax_to_scale` with
    /// `round_scales_to_power_of_2=True`): fp64 scale, power-of-two rounding, NaN-propagating
    /// amax, e4m3fn, cast with PyTorch's `.to(torch.float8_e4m3fn)` (`nosat`), NVIDIA NaN
    /// arithmetic.
    public static let rowwise = Recipe(
        kind: .rowwise, format: .e4m3fn, amaxNaN: .propagate, scaleCompute: .fp64, scalePow2: true,
        castPolicy: .nosat, nanArithmetic: .canonical)

    /// The tensorwise recipe of the PR: `nan_to_num` amax, fp64 scale with power-of-two
    /// rounding, one scale per activation tensor, per expert for weights, per group for the
    /// wgrad operands; otherwise as `rowwise`.
    public static let tensorwise = Recipe(
        kind: .tensorwise, format: .e4m3fn, amaxNaN: .nanToNum, scaleCompute: .fp64, scalePow2: true,
        castPolicy: .nosat, nanArithmetic: .canonical)

    /// The named presets, by `recipe` attribute value.
    public static let presets: [Recipe] = [.rowwise, .tensorwise]

    /// The preset of this kind.
    public static func preset(_ kind: Kind) -> Recipe {
        kind == .rowwise ? .rowwise : .tensorwise
    }
}
