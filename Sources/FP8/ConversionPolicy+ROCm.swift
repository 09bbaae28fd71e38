/// ROCm's software fp8 cast (`internal::cast_to_f8` in `amd_hip_fp8.h`, from rocBLAS
/// `rocblas_hip_f8_impl.h`), one policy per header version and saturation flag, each pinned by
/// the golden tables made by compiling that header's host path (`fixtures/golden/rocm*.h5`).
///
/// Naming: `hip-sw[-nosat]-rocm<version>` is what the version's source says (far-underflowing
/// inputs become +-0); the `-x86` suffix is what the same source does once compiled for x86-64
/// (clang; ROCm/rocm-systems#10591: a 64-bit shift by 64 or more places, taken modulo 64, see
/// `FarUnderflow`). The tables pin the `-x86` policies; the others differ from them only on
/// inputs below 2^(minNormalExponent - 63). `hip-sw` / `hip-sw-nosat` keep their meaning: the
/// ROCm 7.x header (ROCm/rocm-systems) as its source reads.
///
///     version       overflow test   sat: overflow / +-Inf / NaN     nosat: overflow / +-Inf / NaN
///     6.2 (fnuz)    after rounding  +-max / 0x80 / 0x80             +-(exp all ones) / 0x80 / 0x80
///     6.3           before rounding +-max / +-max / 0x7F|s (fnuz:   NaN or Inf / NaN or Inf / 0x7F|s
///                                   +-max)                          (fnuz 0x80)
///     7.x           before rounding +-max / e5m2 Inf, else NaN /    NaN or Inf / NaN or Inf / 0x7F|s
///                                   0x7F|s (fnuz 0x80)              (fnuz 0x80)
extension ConversionPolicy {
    /// ROCm 6.2 (ROCm/clr tag rocm-6.2.0; 6.2.1 and 6.2.2 carry the same file), fnuz formats only,
    /// `__HIP_SATFINITE`: round first, then +-max; every NaN and Inf input gives 0x80.
    public static let hipSWROCm62 = ConversionPolicy(
        name: "hip-sw-rocm6.2", overflow: .saturate, overflowTest: .afterRounding, infinity: .infinityOrNaN,
        nanSign: .keep, nanSignificand: .allOnes, negativeInUnsigned: .magnitude,
        zeroWithoutZeroCode: .smallest, underflowWithoutZeroCode: .nearest)

    /// ROCm 6.2 with `__HIP_NOSAT`: a value that rounds above max becomes the header's
    /// `signed_inf`, the code with every exponent bit set, which is finite in the fnuz formats:
    /// e4m3fnuz 0x78|s (+-128), e5m2fnuz 0x7C|s (+-32768).
    public static let hipSWNoSatROCm62 = ConversionPolicy(
        name: "hip-sw-nosat-rocm6.2", overflow: .exponentAllOnes, overflowTest: .afterRounding,
        infinity: .infinityOrNaN, nanSign: .keep, nanSignificand: .allOnes, negativeInUnsigned: .magnitude,
        zeroWithoutZeroCode: .smallest, underflowWithoutZeroCode: .nearest)

    /// ROCm 6.3 (ROCm/clr release/rocm-rel-6.3.0.1) with `__HIP_SATFINITE`: compared with max
    /// before rounding; +-Inf become +-max; a NaN is 0x7F|s in e4m3fn and e5m2, but +-max
    /// (0x7F|s) in the fnuz formats, where the header returns its saturated "infinity" for NaN too.
    public static let hipSWROCm63 = ConversionPolicy(
        name: "hip-sw-rocm6.3", overflow: .saturate, overflowTest: .beforeRounding, infinity: .saturate,
        nanSign: .keep, nanSignificand: .allOnes, negativeInUnsigned: .magnitude,
        zeroWithoutZeroCode: .smallest, underflowWithoutZeroCode: .nearest, nanInputInFNUZ: .likeInfinity)

    /// ROCm 6.3 with `__HIP_NOSAT`: above max (before rounding) and +-Inf give NaN (e4m3fn
    /// 0x7F|s, fnuz 0x80) or Inf (e5m2); NaN 0x7F|s (fnuz 0x80).
    public static let hipSWNoSatROCm63 = ConversionPolicy(
        name: "hip-sw-nosat-rocm6.3", overflow: .infinityOrNaN, overflowTest: .beforeRounding,
        infinity: .infinityOrNaN, nanSign: .keep, nanSignificand: .allOnes, negativeInUnsigned: .magnitude,
        zeroWithoutZeroCode: .smallest, underflowWithoutZeroCode: .nearest, nanInputInFNUZ: .likeInfinity)

    public static let hipSWROCm62X86 = hipSWROCm62.shippedOnX86()
    public static let hipSWNoSatROCm62X86 = hipSWNoSatROCm62.shippedOnX86()
    public static let hipSWROCm63X86 = hipSWROCm63.shippedOnX86()
    public static let hipSWNoSatROCm63X86 = hipSWNoSatROCm63.shippedOnX86()
    /// ROCm 7.x (ROCm/rocm-systems) as compiled for x86-64: `hip-sw` with the shift quirk, and
    /// for e8m0fnu what the 7.x header's `__hip_cvt_float_to_e8m0` / `__hip_cvt_bfloat16raw_to_e8m0`
    /// do (the fp8 cast `hip-sw` names has no e8m0 path, so `hip-sw` keeps its own e8m0 fields):
    /// +-Inf saturate to 0xFE, upward rounding moves 2^-127 to 0x01. Its rounding modes:
    /// `hipRoundZero`, `hipRoundNearest` and `hipRoundMinInf` all truncate (`.towardZero`, the
    /// sign being ignored); `hipRoundPosInf` is `.upward` on the magnitude.
    public static let hipSWROCm7X86: ConversionPolicy = {
        var p = hipSW.shippedOnX86(name: "hip-sw-rocm7-x86")
        p.infinityInUnsigned = .saturate
        p.overflowTestInUnsigned = .afterRounding
        p.underflowWithoutZeroCode = .significandFieldRoundsUp
        return p
    }()
    /// ROCm 7.x as compiled for x86-64 with `__HIP_NOSAT`: `hip-sw-nosat` with the shift quirk;
    /// e8m0fnu as `hip-sw-rocm7-x86`, but judged after rounding (truncation keeps 0xFE) and +-Inf
    /// and an upward rounding past 2^127 give 0xFF.
    public static let hipSWNoSatROCm7X86: ConversionPolicy = {
        var p = hipSWNoSat.shippedOnX86(name: "hip-sw-nosat-rocm7-x86")
        p.underflowWithoutZeroCode = .significandFieldRoundsUp
        p.overflowTestInUnsigned = .afterRounding
        return p
    }()

    /// The ROCm-version policies, in version order (intended, then as shipped on x86-64).
    public static let rocmVersions: [ConversionPolicy] = [
        .hipSWROCm62, .hipSWNoSatROCm62, .hipSWROCm62X86, .hipSWNoSatROCm62X86,
        .hipSWROCm63, .hipSWNoSatROCm63, .hipSWROCm63X86, .hipSWNoSatROCm63X86,
        .hipSWROCm7X86, .hipSWNoSatROCm7X86,
    ]

    /// This policy with ROCm's x86-64 far-underflow behaviour, named `<name>-x86`.
    func shippedOnX86(name: String? = nil) -> ConversionPolicy {
        var p = self
        p.name = name ?? self.name + "-x86"
        p.farUnderflow = .shiftCountModulo64
        return p
    }
}
