/// How `amax = max |x|` treats NaN and infinity (SPEC section 3, attribute `amax_nan`).
public enum AmaxNaNPolicy: String, CaseIterable, Hashable, Sendable {
    /// A NaN anywhere in the reduction set makes the amax NaN, and so the scale NaN
    /// (torchao rowwise: `torch.amax(torch.abs(x))` propagates NaN). Infinity stays infinity,
    /// which makes the scale 0.
    case propagate
    /// `torch.nan_to_num(x)` before the abs: NaN -> 0, +-Inf -> +-bf16 max
    /// (`(2 - 2^-7) * 2^127`, bits 0x7F7F), as the tensorwise PR does. Only the amax sees this;
    /// the values that are cast are the original ones.
    case nanToNum = "nan_to_num"
    /// NaN is skipped and infinity kept: a max that returns its non-NaN operand, as Triton's
    /// `tl.max` / `tl.maximum` do with their default `propagate_nan=NONE` on NVIDIA (PTX
    /// `max.f32`). torchao's fused MoE kernels (`triton_fp8_rowwise_2d_scale_and_cast` and
    /// friends, torchao 0.18) compute their amax this way.
    case ignore
}
