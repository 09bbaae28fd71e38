import FP8

extension Recipe {
    /// SPEC 8.3 `recipe = mxfp8`: torchao's eager `to_mx` (pytorch/ao at
    /// 36027d82d1ad9949597ea16002ff4940374b1b94, `torchao/prototype/mx_formats/mx_tensor.py`)
    /// with its default `ScaleCalculationMode.FLOOR`, e4m3fn payload, e8m0 scales.
    ///
    /// - amax: `torch.amax(torch.abs(x))` over the block, NaN propagates (`propagate`).
    /// - scale: `E8M0Scale.code` in the declared mode; the payload is multiplied by the exact
    ///   power of two `2^(127 - code)` (NaN for code 0xFF) in fp32.
    /// - clamp then cast: torch < 2.13 clamps to +-fp8_max before an eager `.to(float8_e4m3fn)`
    ///   (`nosat`); torch 2.13+ skips the clamp and its eager cast saturates. Both give the same
    ///   codes: nothing but NaN reaches the cast out of range, and NaN casts to 0x7F. The rceil
    ///   path never clamps; its products stay below 448 * (1 + 2^-23), which rounds to 448 either
    ///   way (tested over every bf16 amax).
    public static let mxfp8 = Recipe(
        kind: .mxfp8, format: .e4m3fn, amaxNaN: .propagate, scaleCompute: .fp32, scalePow2: false,
        castPolicy: .nosat, nanArithmetic: .canonical, scaleFormat: .e8m0, scaleMode: .floor)

    /// SPEC 8.3 `recipe = blockwise`: torchao's blockwise FP8 quantizers (pytorch/ao at
    /// 36027d82, `torchao/prototype/blockwise_fp8_training/kernels.py`), e4m3fn payload,
    /// `scale = fl32(448 / max(amax, EPS))` divided in fp64, no power-of-two rounding, clamp, cast.
    /// The torch reference functions (`torch_blockwise_scale_act_quant_lhs`, ...) propagate NaN
    /// through `x.abs().max()`; the scale is stored as the multiplier unless the producer
    /// declares `scale_convention = reciprocal` (torchao's kernels and functions all return
    /// `1 / scale`).
    public static let blockwise = Recipe(
        kind: .blockwise, format: .e4m3fn, amaxNaN: .propagate, scaleCompute: .fp64, scalePow2: false,
        castPolicy: .nosat, nanArithmetic: .canonical)
}

extension ImplementationPreset {
    /// torchao's eager `to_mx` in each scale mode (see `Recipe.mxfp8`), `block_1x32`.
    public static func torchaoToMX(_ mode: ScaleMode) -> ImplementationPreset {
        var r = Recipe.mxfp8
        r.scaleMode = mode
        return ImplementationPreset(name: "torchao-to-mx-\(mode.rawValue)", recipe: r, reduction: .block1x32)
    }

    /// torchao's Triton `triton_to_mxfp8_dim0` (`torchao/prototype/mx_formats/kernels.py` at
    /// 36027d82), FLOOR: amax by `tl.max` after `_triton_amax_nan_as_inf` (a NaN block gets the
    /// same code 0xFF as under `propagate`), the unbiased exponent carried through bf16 (exact for
    /// [-135, 128]), the payload `x * 2^(127 - code)` in fp32, no clamp, Triton's `satfinite`
    /// cast (`tl.float8e4nv`). Same codes as the eager FLOOR. RCEIL needs Blackwell's
    /// `cvt.rp.ue8m0x2.f32` (sm_100) in this kernel.
    public static let torchaoTritonMXFP8Dim0 = ImplementationPreset(
        name: "torchao-triton-mxfp8-dim0-floor",
        recipe: Recipe(kind: .mxfp8, format: .e4m3fn, amaxNaN: .propagate, scaleCompute: .fp32, scalePow2: false,
                       castPolicy: .satfinite, nanArithmetic: .canonical, scaleFormat: .e8m0, scaleMode: .floor),
        reduction: .block1x32)

    /// `triton_to_mxfp8_dim1`: the same arithmetic over 32 rows of a column (`block_32x1`).
    public static let torchaoTritonMXFP8Dim1 = ImplementationPreset(
        name: "torchao-triton-mxfp8-dim1-floor", recipe: torchaoTritonMXFP8Dim0.recipe, reduction: .block32x1)

    /// torchao's Triton blockwise quantizers (`triton_fp8_blockwise_act_quant_lhs` and friends,
    /// `blockwise_fp8_training/kernels.py` and `grouped_weight_quant.py` at 36027d82):
    /// - amax `tl.max(tl.abs(x))` skips NaN (`ignore`); `tl.clamp(amax, min=EPS, max=inf)` is
    ///   `max.f32` then `min.f32` (Triton's ClampFOp lowering without NaN propagation), in fp32
    ///   with EPS = fl32(1e-12); then `.to(tl.float64)`, `448 / amax` in fp64, `.to(tl.float32)`.
    ///   For fp8_max 448 (and 240) this equals `scale_compute = fp64` for every bf16 amax (tested).
    /// - `y = x * scale` in fp32, `tl.clamp(y, -448, 448)` (the clip pattern: `min.xorsign.abs.f32`
    ///   on sm_90, which turns a NaN product into +448: verify's "NaN clamped to +max"), then the
    ///   `satfinite` cast.
    /// - stored scale: `tl.div_rn(1.0, scale)`, the reciprocal.
    public static let torchaoTritonBlockwise = ImplementationPreset(
        name: "torchao-triton-blockwise",
        recipe: Recipe(kind: .blockwise, format: .e4m3fn, amaxNaN: .ignore, scaleCompute: .fp64, scalePow2: false,
                       castPolicy: .satfinite, nanArithmetic: .canonical, scaleConvention: .reciprocal),
        reduction: nil)

    /// The block-scaled presets.
    public static let blockScaled: [ImplementationPreset] =
        ScaleMode.allCases.map(torchaoToMX) + [torchaoTritonMXFP8Dim0, torchaoTritonMXFP8Dim1, torchaoTritonBlockwise]
}
