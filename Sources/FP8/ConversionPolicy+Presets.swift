/// The named policies of SPEC section 2, each reproducing one real implementation. Every preset
/// is pinned by golden tables made by that implementation (`fixtures/golden/`, tests in
/// `Tests/FP8Tests/GoldenTableTests.swift`).
extension ConversionPolicy {
    /// OCP non-saturating conversion as PyTorch <= 2.11 does it in `Tensor.to(float8_*)` on CPU,
    /// and on CUDA from fp32 and bf16 (c10/util/Float8_*.h): round to nearest even first, then a
    /// result above the max finite value becomes Inf (e5m2) or NaN (e4m3fn, fnuz); NaN keeps its
    /// sign (0x7F|s). e8m0fnu: the sign is ignored, zero gives 0x00, and fp32 subnormals round
    /// as if 0x00 were zero.
    public static let nosat = ConversionPolicy(
        name: "nosat", overflow: .infinityOrNaN, overflowTest: .afterRounding, infinity: .infinityOrNaN,
        nanSign: .keep, nanSignificand: .allOnes, negativeInUnsigned: .magnitude,
        zeroWithoutZeroCode: .smallest, underflowWithoutZeroCode: .smallestActsAsZero)

    /// ml_dtypes 0.6 `astype(float8_*)`: as `nosat`, but an e5m2 NaN is the quiet NaN 0x7E|s,
    /// and e8m0fnu maps zero and negative inputs to NaN (0xFF).
    public static let nosatMLDtypes = ConversionPolicy(
        name: "nosat-mldtypes", overflow: .infinityOrNaN, overflowTest: .afterRounding,
        infinity: .infinityOrNaN, nanSign: .keep, nanSignificand: .quietBit, negativeInUnsigned: .nan,
        zeroWithoutZeroCode: .nan, underflowWithoutZeroCode: .smallestActsAsZero)

    /// PTX `cvt.rn.satfinite.{e4m3,e5m2}x2.{f32,f16x2,bf16x2}` (CUDA `__nv_cvt_*_to_fp8(x,
    /// __NV_SATFINITE, ..)` on sm_89+, and Triton's `tl.float8e4nv` / `tl.float8e5` casts on
    /// NVIDIA): round to nearest even, then clamp to +-max; +-Inf become +-max; every NaN becomes
    /// 0x7F (sign dropped). e8m0fnu (`__nv_cvt_*_to_e8m0`, rz or rp only): sign ignored, zero
    /// gives 0x00, results clamp to [0x00, 0xFE].
    public static let satfinite = ConversionPolicy(
        name: "satfinite", overflow: .saturate, overflowTest: .afterRounding, infinity: .saturate,
        nanSign: .clear, nanSignificand: .allOnes, negativeInUnsigned: .magnitude,
        zeroWithoutZeroCode: .smallest, underflowWithoutZeroCode: .nearest)

    /// PTX `cvt.rn` without `.satfinite` (CUDA `__nv_cvt_*_to_fp8(x, __NV_NOSAT, ..)`, and
    /// PyTorch's CUDA cast from fp16): overflow as `nosat` (sign kept), but every NaN input
    /// becomes 0x7F (sign dropped), as with `satfinite`.
    public static let nosatPTX = ConversionPolicy(
        name: "nosat-ptx", overflow: .infinityOrNaN, overflowTest: .afterRounding, infinity: .infinityOrNaN,
        nanSign: .clear, nanSignificand: .allOnes, negativeInUnsigned: .magnitude,
        zeroWithoutZeroCode: .smallest, underflowWithoutZeroCode: .nearest)

    /// ROCm's software `cast_to_f8` (hip/amd_detail/amd_hip_fp8.h, from rocBLAS
    /// `rocblas_hip_f8_impl.h`) with `clip = true`, the `__HIP_SATFINITE` default of HIP's fp8
    /// types: the input is compared with the max finite value BEFORE rounding (anything above it
    /// becomes +-max); Inf stays Inf in e5m2 and is NaN in e4m3/fnuz; NaN keeps its sign (0x7F|s).
    /// This is the ROCm 7.x header (ROCm/rocm-systems) as its source reads; compiled for x86-64 the
    /// same header converts far-underflowing inputs differently (`hip-sw-rocm7-x86`, pinned by
    /// `fixtures/golden/rocm7-satfinite.h5`; see `ConversionPolicy+ROCm.swift` for other versions).
    public static let hipSW = ConversionPolicy(
        name: "hip-sw", overflow: .saturate, overflowTest: .beforeRounding, infinity: .infinityOrNaN,
        nanSign: .keep, nanSignificand: .allOnes, negativeInUnsigned: .magnitude,
        zeroWithoutZeroCode: .smallest, underflowWithoutZeroCode: .nearest)

    /// ROCm's software `cast_to_f8` with `clip = false` (`__HIP_NOSAT`): an input above the max
    /// finite value, even by less than half an ulp, becomes NaN (e4m3, fnuz) or Inf (e5m2). ROCm 7.x
    /// as its source reads; as compiled for x86-64: `hip-sw-nosat-rocm7-x86`.
    public static let hipSWNoSat = ConversionPolicy(
        name: "hip-sw-nosat", overflow: .infinityOrNaN, overflowTest: .beforeRounding,
        infinity: .infinityOrNaN, nanSign: .keep, nanSignificand: .allOnes,
        negativeInUnsigned: .magnitude, zeroWithoutZeroCode: .smallest, underflowWithoutZeroCode: .nearest)

    /// The policies of SPEC section 2, then the extensions.
    public static let all: [ConversionPolicy] = [.nosat, .nosatMLDtypes, .satfinite, .hipSW, .nosatPTX, .hipSWNoSat]
        + rocmVersions

    /// Looks a policy up by name.
    public init?(named name: String) {
        guard let found = ConversionPolicy.all.first(where: { $0.name == name }) else { return nil }
        self = found
    }
}
