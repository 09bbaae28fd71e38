/// The arithmetic of `scale = fp8_max / max(amax, EPS)` (SPEC section 3, attribute `scale_compute`).
public enum ScaleCompute: String, CaseIterable, Hashable, Sendable {
    /// In fp64, then rounded once to fp32: torchao `amax_to_scale`
    /// (`amax.to(torch.float64)`, `clamp(min=EPS)`, divide, `.to(torch.float32)`).
    case fp64
    /// In fp32: `Float(fp8_max) / max(Float(amax), Float(1e-12))`, one fp32 division. EPS is the
    /// fp32 value nearest 1e-12, as a Python float clamp bound on an fp32 tensor becomes.
    case fp32
}
