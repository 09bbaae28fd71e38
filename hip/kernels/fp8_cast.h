// fp8_cast.h: the FP8 formats of the HIP path, the project's software cast fp32 -> fp8 and the
// scale arithmetic of SPEC section 3. Host and device (FP8MOE_HD): the same code runs in the
// kernels and in the host tests (hip/tests/cast_exhaustive.cpp).
//
// Numerical contract (SPEC section 2, policy `satfinite`):
//   * rounding: to nearest, ties to even, one rounding from fp32;
//   * a finite value that rounds above max finite becomes +-max finite (round first, then limit);
//   * +-Inf becomes +-max finite;
//   * NaN becomes the format's NaN code with the sign dropped (e4m3fn 0x7F, e4m3fnuz 0x80);
//   * zero keeps its sign where the format has -0 (e4m3fn 0x80), else is 0x00 (e4m3fnuz).
// This is the behaviour of PTX `cvt.rn.satfinite.e4m3x2.f32` for e4m3fn, and is what the
// recipe's clamp-then-cast gives: after the clamp to +-fp8_max only NaN can differ between
// policies, and `satfinite` makes the NaN byte independent of the NaN's sign, so the result does
// not depend on the platform's NaN arithmetic (`nan_arith`). Verified exhaustively over all 2^32
// fp32 inputs on the host against a value-domain oracle, and on NVIDIA against the PTX cvt.
//
// No hip_fp8.h / cuda_fp8.h: Debian's ROCm 5.2 has none, and the cast must be bit-identical on
// every platform. Hardware conversions are used where they give the same bits (cast_pair below).
#ifndef FP8MOE_FP8_CAST_H
#define FP8MOE_FP8_CAST_H

#include <stdint.h>
#include <string.h>

#include "fp8moe/hip_compat.h"

namespace fp8moe {

enum class Fp8Format : int { e4m3fn = 0, e4m3fnuz = 1 };

/// A format is its exponent bias plus four facts; everything else is derived below.
/// Both formats have 4 exponent and 3 mantissa bits.
template <Fp8Format F> struct Fp8Traits;

/// e4m3fn (OCP): bias 7, no Inf, NaN = S.1111.111, -0 = 0x80.
/// max finite = 0x7E = (1 + 0b110 * 2^-3) * 2^(0b1111 - 7) = 1.75 * 256 = 448.
template <> struct Fp8Traits<Fp8Format::e4m3fn> {
    static constexpr int bias = 7;
    static constexpr uint32_t max_code = 0x7E;
    static constexpr uint32_t nan_code = 0x7F;
    static constexpr bool has_negative_zero = true;
    static constexpr float max_value = 448.0f;
};

/// e4m3fnuz (MI300): bias 8, no Inf, no -0, one NaN = 0x80.
/// max finite = 0x7F = (1 + 0b111 * 2^-3) * 2^(0b1111 - 8) = 1.875 * 128 = 240.
template <> struct Fp8Traits<Fp8Format::e4m3fnuz> {
    static constexpr int bias = 8;
    static constexpr uint32_t max_code = 0x7F;
    static constexpr uint32_t nan_code = 0x80;
    static constexpr bool has_negative_zero = false;
    static constexpr float max_value = 240.0f;
};

FP8MOE_HD inline uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
    return __float_as_uint(f);
#else
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
#endif
}

FP8MOE_HD inline float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
    return __uint_as_float(u);
#else
    float f;
    memcpy(&f, &u, 4);
    return f;
#endif
}

/// bf16 bits (low 16 bits of `h`) to fp32: exact, NaN payload kept.
FP8MOE_HD inline float bf16_to_float(uint32_t h) { return bits_float(h << 16); }

/// fp32 -> fp8 code under `satfinite`, round to nearest even (the contract above).
///
/// Steps:
///   1. NaN -> the format's NaN code.
///   2. |y| below the smallest normal 2^(1-bias): the subnormal grid has spacing
///      2^(1-bias-3) = 2^(-2-bias), which is the spacing of fp32 numbers in [2^(21-bias),
///      2^(22-bias)). Adding M = 2^(21-bias) therefore rounds |y| to that grid (the fp32 add rounds
///      to nearest even), and bits(|y| + M) - bits(M) is the code, 0..8. 8 is the smallest normal,
///      which is the right code when |y| rounds up to it.
///   3. Normal: drop 20 of fp32's 23 mantissa bits with round-to-nearest-even on the integer bits
///      (add 0x7FFFF plus the lowest kept bit), a mantissa carry moves into the exponent; then
///      rebias the exponent from 127 to `bias`.
///   4. Saturate at max_code: covers values that round past max finite and +-Inf.
///   5. Sign, where the code is not zero or the format has -0.
template <Fp8Format F>
FP8MOE_HD inline uint32_t fp32_to_fp8_raw(float y) {
    using T = Fp8Traits<F>;
    const uint32_t u = float_bits(y);
    const uint32_t mag = u & 0x7FFFFFFFu;
    const uint32_t sign = (u >> 24) & 0x80u;
    // 1.
    if (mag > 0x7F800000u) return T::nan_code;
    // 2.
    const uint32_t min_normal_bits = uint32_t(127 + 1 - T::bias) << 23;
    const float magic = bits_float(uint32_t(127 + 21 - T::bias) << 23);
    uint32_t code;
    if (mag < min_normal_bits) {
        const float rounded = bits_float(mag) + magic;
        code = float_bits(rounded) - float_bits(magic);
    } else {
        // 3.
        const uint32_t rounded = (mag + 0x7FFFFu + ((mag >> 20) & 1u)) >> 20;
        code = rounded - (uint32_t(127 - T::bias) << 3);
        // 4.
        code = code < T::max_code ? code : T::max_code;
    }
    // 5.
    if (T::has_negative_zero || code != 0) code |= sign;
    return code;
}

/// How the scale is computed from the amax (SPEC section 3, attributes scale_compute and
/// scale_pow2).
struct ScaleParams {
    int fp32;  ///< 0: fp64 then rounded to fp32 (torchao amax_to_scale), 1: fp32
    int pow2;  ///< 1: exp2(floor(log2(scale)))
};

/// The canonical NaN of NVIDIA's fp32 arithmetic (SPEC 3, nan_arith = canonical). A NaN amax
/// always yields exactly this scale, on every platform.
constexpr uint32_t kCanonicalNaN = 0x7FFFFFFFu;

/// exp2(floor(log2(s))) for s >= 0 or NaN, exactly: the largest power of two <= s.
/// For a normal s that is s with its mantissa cleared; for a subnormal s its highest set bit;
/// 0 stays 0 (exp2(-inf)); Inf and NaN are returned unchanged.
FP8MOE_HD inline float pow2_floor(float s) {
    uint32_t u = float_bits(s);
    const uint32_t exponent = u & 0x7F800000u;
    if (exponent == 0x7F800000u) return s;
    if (exponent != 0) return bits_float(u & 0xFF800000u);
    if (u == 0) return s;
    uint32_t top = 0x00400000u;  // highest bit of a subnormal's mantissa
    while (!(u & top)) top >>= 1;
    return bits_float(top);
}

/// scale = fp8_max / max(amax, EPS), EPS = 1e-12 (SPEC section 3).
///
/// `amax_bf16` is the amax as bf16 bits (an amax of bf16 values is a bf16 value, >= 0 or NaN).
/// * NaN amax -> canonical NaN (0x7FFFFFFF).
/// * +Inf amax (policy `propagate` with an Inf in the set) -> 0, and so 0 after pow2.
/// * fp64: (float)(fp8_max / max((double)amax, 1e-12)), the torchao amax_to_scale arithmetic.
/// * fp32: fp8_max / max(amax, (float)1e-12) in fp32. Computed as the fp64 quotient of the same
///   fp32 operands rounded once to fp32: that is the correctly rounded fp32 quotient (double
///   rounding through a format of p' >= 2p+2 bits is innocuous for division), and it does not
///   depend on the compiler's fp32 division flags. (So the two modes differ only when
///   amax < 1e-12, where the fp32 EPS is 9.99999996e-13.)
/// * pow2: exact largest power of two <= scale (pow2_floor). For every scale reachable from a
///   bf16 amax this equals exp2(floor(log2(scale))): a bf16 amax puts 448/amax or 240/amax
///   either exactly on a power of two or at least 2^-9 (relative) away from one.
template <Fp8Format F>
FP8MOE_HD inline float scale_from_amax(uint32_t amax_bf16, ScaleParams p) {
    if ((amax_bf16 & 0x7FFFu) > 0x7F80u) return bits_float(kCanonicalNaN);
    const float amax = bf16_to_float(amax_bf16);
    float s;
    if (p.fp32) {
        const float eps = 1e-12f;
        const float clamped = amax < eps ? eps : amax;
        s = (float)((double)Fp8Traits<F>::max_value / (double)clamped);
    } else {
        const double eps = 1e-12;
        const double clamped = (double)amax < eps ? eps : (double)amax;
        s = (float)((double)Fp8Traits<F>::max_value / clamped);
    }
    return p.pow2 ? pow2_floor(s) : s;
}

/// The stored scale under scale_convention `reciprocal` (SPEC 8.3): 1 / s rounded to nearest fp32
/// (torchao blockwise_fp8_training/kernels.py stores `tl.div_rn(1.0, scale)`; its eager reference
/// `1.0 / s`). Computed as the fp64 quotient rounded once to fp32, which is the correctly rounded
/// fp32 quotient (see scale_from_amax) on every compiler. 1 / 0 = +Inf; a NaN scale gives the
/// canonical NaN.
FP8MOE_HD inline float scale_reciprocal(float s) {
    if (s != s) return bits_float(kCanonicalNaN);
    return (float)(1.0 / (double)s);
}

/// nan_to_num on a bf16 (SPEC 8.1, input_nan_to_num): NaN -> +0 (0x0000), +-Inf -> +-bf16 max
/// (0x7F7F / 0xFF7F, i.e. the Inf code minus one, sign kept), anything else unchanged.
FP8MOE_HD inline uint32_t bf16_nan_to_num(uint32_t x_bf16) {
    const uint32_t a = x_bf16 & 0x7FFFu;
    if (a < 0x7F80u) return x_bf16;
    return a == 0x7F80u ? x_bf16 - 1u : 0u;
}

// ------------------------------------------------------------------ the cast funnel
//
// Every kernel converts through cast_pair<F>(y0, y1): two fp32 values, codes packed as
// (first) | (second << 8), always the `satfinite` bits of fp32_to_fp8_raw. Where the target has a
// hardware conversion for F it is used, with everything the recipe needs done around it, so that
// the bytes never depend on what the instruction does with NaN, Inf or overflow:
//
//   target                          format    path
//   NVIDIA sm_89+                   e4m3fn    PTX cvt.rn.satfinite.e4m3x2.f32 (is `satfinite`:
//                                             RNE, +-max on overflow and +-Inf, NaN -> 0x7F)
//   AMD gfx940/941/942 (MI300)      e4m3fnuz  v_cvt_pk_fp8_f32 (FNUZ on these targets)
//   AMD gfx950 (MI355X)             e4m3fn    v_cvt_pk_fp8_f32 (OCP on this target)
//   everything else                 both      the software cast above
//
// The AMD instruction only ever sees finite values in [-max, max]: y is clamped with v_med3_f32
// (fmed3, the clamp of the recipe), a NaN is replaced by 0 before the instruction and its byte by
// the NaN code after it (sign dropped), and for FNUZ a 0x80 byte from a non-NaN (a -0 or a tiny
// negative value that rounds to zero, if the instruction kept the sign) becomes 0x00, since FNUZ
// has no -0 and 0x80 is its NaN. What is left to the instruction is the rounding of in-range
// values (round to nearest even per the MODE register, fp8 subnormals included): read from AMD's
// documentation, not run here (no AMD GPU); hip/tests/cast_device_test.hip checks it over all
// 2^32 fp32 inputs on any GPU it runs on. The CDNA ISA's clamp bit is not used; ROCm's own packed
// float2 conversion appears to ignore its saturation flag, so nothing here relies on either.
// -DFP8MOE_SOFTWARE_CAST turns every hardware path off.
#if !defined(FP8MOE_SOFTWARE_CAST)
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 890
#define FP8MOE_HW_CAST_NVIDIA_E4M3FN 1
#elif defined(__HIP_DEVICE_COMPILE__) && (defined(__gfx940__) || defined(__gfx941__) || defined(__gfx942__))
#define FP8MOE_HW_CAST_AMD Fp8Format::e4m3fnuz
#elif defined(__HIP_DEVICE_COMPILE__) && defined(__gfx950__)
#define FP8MOE_HW_CAST_AMD Fp8Format::e4m3fn
#endif
#endif

template <Fp8Format F>
FP8MOE_HD inline uint32_t cast_pair(float y0, float y1) {
#if defined(FP8MOE_HW_CAST_NVIDIA_E4M3FN)
    if constexpr (F == Fp8Format::e4m3fn) {
        unsigned short codes;
        // PTX: the first source goes to the upper byte, the second to the lower byte.
        asm("cvt.rn.satfinite.e4m3x2.f32 %0, %1, %2;" : "=h"(codes) : "f"(y1), "f"(y0));
        return codes;
    }
#elif defined(FP8MOE_HW_CAST_AMD)
    if constexpr (F == FP8MOE_HW_CAST_AMD) {
        using T = Fp8Traits<F>;
        const bool nan0 = y0 != y0, nan1 = y1 != y1;
        const float c0 = nan0 ? 0.0f : __builtin_amdgcn_fmed3f(y0, -T::max_value, T::max_value);
        const float c1 = nan1 ? 0.0f : __builtin_amdgcn_fmed3f(y1, -T::max_value, T::max_value);
        // Word 0 of the result: c0 in byte 0, c1 in byte 1.
        const uint32_t w = uint32_t(__builtin_amdgcn_cvt_pk_fp8_f32(c0, c1, 0, false));
        uint32_t b0 = w & 0xFFu, b1 = (w >> 8) & 0xFFu;
        if constexpr (!T::has_negative_zero) {
            b0 = b0 == 0x80u ? 0u : b0;
            b1 = b1 == 0x80u ? 0u : b1;
        }
        b0 = nan0 ? T::nan_code : b0;
        b1 = nan1 ? T::nan_code : b1;
        return b0 | (b1 << 8);
    }
#endif
    return fp32_to_fp8_raw<F>(y0) | (fp32_to_fp8_raw<F>(y1) << 8);
}

/// Whether cast_pair<F> uses a hardware conversion in this compilation (device side).
template <Fp8Format F>
FP8MOE_HD constexpr bool cast_is_hardware() {
#if defined(FP8MOE_HW_CAST_NVIDIA_E4M3FN)
    return F == Fp8Format::e4m3fn;
#elif defined(FP8MOE_HW_CAST_AMD)
    return F == FP8MOE_HW_CAST_AMD;
#else
    return false;
#endif
}

/// One element of the recipe's apply step: y = x_fp32 * scale (one fp32 multiply, one rounding),
/// clamp to +-fp8_max, cast under `satfinite`. The clamp is the cast's saturation: every y with
/// |y| >= fp8_max maps to +-max_code, exactly as clamp-then-cast does, and NaN passes the clamp.
template <Fp8Format F>
FP8MOE_HD inline uint32_t quantize_bf16(uint32_t x_bf16, float scale) {
    return fp32_to_fp8_raw<F>(bf16_to_float(x_bf16) * scale);
}

/// One element through the cast funnel (the kernels' scalar paths use the same conversion as their
/// vector paths).
template <Fp8Format F>
FP8MOE_HD inline uint32_t quantize_bf16_one(uint32_t x_bf16, float scale) {
    const float y = bf16_to_float(x_bf16) * scale;
    return cast_pair<F>(y, y) & 0xFFu;
}

/// Two elements of the apply step through the cast funnel, codes packed as (first) | (second << 8).
template <Fp8Format F>
FP8MOE_HD inline uint32_t quantize_bf16_pair(uint32_t x0, float scale0, uint32_t x1, float scale1) {
    return cast_pair<F>(bf16_to_float(x0) * scale0, bf16_to_float(x1) * scale1);
}

/// Abs of a bf16 as an orderable key under the amax NaN policy (SPEC section 3, amax_nan).
/// Keys compare as unsigned integers in the order of |x|: 0x0000..0x7F7F finite, 0x7F80 Inf,
/// 0x7F81.. NaN; so a plain max of keys propagates NaN (`propagate`). With `nan_to_num`, NaN
/// becomes 0 and +-Inf becomes the bf16 max 0x7F7F before the abs.
template <bool NanToNum>
FP8MOE_HD inline uint32_t bf16_abs_key(uint32_t x_bf16) {
    uint32_t a = x_bf16 & 0x7FFFu;
    if (NanToNum && a >= 0x7F80u) a = (a == 0x7F80u) ? 0x7F7Fu : 0u;
    return a;
}

}  // namespace fp8moe

#endif  // FP8MOE_FP8_CAST_H
