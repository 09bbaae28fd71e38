import FP8

extension Recipe {
    /// torchao's rowwise MoE recipe, eager path (`torchao/prototype/moe_training`,
    /// `amax_to_scale` with `round_scales_to_power_of_2=True`): fp64 scale, power-of-two
    /// rounding, NaN-propagating amax, e4m3fn, cast with PyTorch's `.to(torch.float8_e4m3fn)`
    /// (`nosat`), NVIDIA NaN arithmetic. What `recipe = rowwise` means.
    public static let rowwise = Recipe(
        kind: .rowwise, format: .e4m3fn, amaxNaN: .propagate, scaleCompute: .fp64, scalePow2: true,
        castPolicy: .nosat, nanArithmetic: .canonical)

    /// PR #4179's tensorwise recipe (pytorch/ao, branch `tensorwise-fp8ggemm` at bd79c46,
    /// `torchao/prototype/moe_training/kernels/fp8_tensorwise_per_group.py` and
    /// `fp8_tensorwise_2d.py`): `nan_to_num` applied to `x` in both passes (amax and payload:
    /// a NaN input is written 0x00), fp64 scale (`fp8_max / clamp(amax.to(float64), EPS)`, then
    /// fp32) with power-of-two rounding, one scale per activation tensor, per expert for
    /// weights, per group for the wgrad operands. What `recipe = tensorwise` means (SPEC 8.1).
    /// The cast policy does not matter here: after `nan_to_num` and the clamp no NaN, Inf or
    /// out-of-range value reaches the cast.
    public static let tensorwise = Recipe(
        kind: .tensorwise, format: .e4m3fn, amaxNaN: .nanToNum, scaleCompute: .fp64, scalePow2: true,
        castPolicy: .nosat, nanArithmetic: .canonical, inputNaNToNum: true)

    /// The preset a `recipe` attribute names (a reduction name maps to the recipe whose table
    /// it belongs to: `per_group_column` to rowwise, `per_expert` and `per_group` to tensorwise).
    public static func preset(_ kind: Kind) -> Recipe {
        switch kind {
        case .rowwise: .rowwise
        case .tensorwise: .tensorwise
        case .mxfp8: .mxfp8
        case .blockwise: .blockwise
        }
    }
}

/// A recipe named after the implementation it reproduces: the recipe, and the reduction every
/// operand uses when it is not the recipe's table (`nil`: the table of `recipe.kind`).
public struct ImplementationPreset: Sendable {
    public let name: String
    public let recipe: Recipe
    public let reduction: Reduction?

    /// The reduction `op` uses under this preset.
    public func reduction(of op: Operand) -> Reduction { reduction ?? op.reduction(under: recipe.kind) }

    /// torchao's rowwise MoE recipe, eager (`Recipe.rowwise`).
    public static let torchaoRowwiseEager = ImplementationPreset(name: "torchao-rowwise-eager", recipe: .rowwise, reduction: nil)

    /// torchao 0.18's fused Triton kernels of the rowwise MoE recipe
    /// (`torchao/prototype/moe_training/kernels/float8_rowwise.py`, `jagged_float8_scales.py`,
    /// torchao v0.18.0): the amax is `tl.max`, which skips NaN (`amax_nan = ignore`), the cast
    /// is Triton's (`satfinite`). Their `tl.clamp` also turns a NaN product into +fp8_max; that
    /// is not part of the recipe: verify reports it as "NaN clamped to +max"
    /// (fixtures/peers/README.md).
    public static let torchaoRowwiseTriton = ImplementationPreset(
        name: "torchao-rowwise-triton-0.18",
        recipe: Recipe(kind: .rowwise, format: .e4m3fn, amaxNaN: .ignore, scaleCompute: .fp64, scalePow2: true,
                       castPolicy: .satfinite, nanArithmetic: .canonical),
        reduction: nil)

    /// PR #4179 at bd79c46, the per-group kernel and its caller
    /// (`kernels/fp8_tensorwise_per_group.py`, `triton_fp8_tensorwise_per_group_quantize`):
    /// per-expert weights, per-group wgrad operands, scale in fp64 in torch, Triton's cast.
    public static let pr4179 = ImplementationPreset(
        name: "pr4179-bd79c46",
        recipe: Recipe(kind: .tensorwise, format: .e4m3fn, amaxNaN: .nanToNum, scaleCompute: .fp64, scalePow2: true,
                       castPolicy: .satfinite, nanArithmetic: .canonical, inputNaNToNum: true),
        reduction: nil)

    /// PR #4179 at bd79c46, the 2-D kernel (`kernels/fp8_tensorwise_2d.py`,
    /// `triton_fp8_tensorwise_quantize_2d`): the scale is computed in the kernel in fp32,
    /// `fp8_max / tl.maximum(amax, EPS)`, then `exp2(floor(log2))`.
    public static let pr4179Kernel2D = ImplementationPreset(
        name: "pr4179-bd79c46-2d",
        recipe: Recipe(kind: .tensorwise, format: .e4m3fn, amaxNaN: .nanToNum, scaleCompute: .fp32, scalePow2: true,
                       castPolicy: .satfinite, nanArithmetic: .canonical, inputNaNToNum: true),
        reduction: nil)

    /// The PR branch's later single-scalar revision (3322d2f,
    /// `torchao/prototype/moe_training/fp8_tensorwise_grouped_mm.py`, `kernels/fp8_tensorwise_3d.py`,
    /// `triton_fp8_tensorwise_quantize_2d_dual_layout`): one scale for each whole tensor, the
    /// 3-D weight included (all experts together), for every GEMM operand; the 2-D kernel's
    /// in-kernel fp32 scale.
    public static let pr4179SingleScalar = ImplementationPreset(
        name: "pr4179-3322d2f-single-scalar", recipe: pr4179Kernel2D.recipe, reduction: .tensorwise)

    public static let all: [ImplementationPreset] = [
        torchaoRowwiseEager, torchaoRowwiseTriton, pr4179, pr4179Kernel2D, pr4179SingleScalar,
    ] + blockScaled
}
