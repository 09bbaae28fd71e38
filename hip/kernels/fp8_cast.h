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
// every platform.
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

/// One element of the recipe's apply step: y = x_fp32 * scale (one fp32 multiply, one rounding),
/// clamp to +-fp8_max, cast under `satfinite`. The clamp is the cast's saturation: every y with
/// |y| >= fp8_max maps to +-max_code, exactly as clamp-then-cast does, and NaN passes the clamp.
template <Fp8Format F>
FP8MOE_HD inline uint32_t quantize_bf16(uint32_t x_bf16, float scale) {
    return fp32_to_fp8_raw<F>(bf16_to_float(x_bf16) * scale);
}

/// Two elements of the apply step, codes packed as (first) | (second << 8).
///
/// NVIDIA sm_89+ and e4m3fn: the hardware conversion `cvt.rn.satfinite.e4m3x2.f32`, which IS the
/// `satfinite` policy this file implements in software: hip/tests/cast_device_test.hip compares
/// the two over all 2^32 fp32 inputs (0 mismatches on the H100) and checks the byte order of this
/// function on random pairs; scripts/hip_gpu.sh falls back to the software cast if it ever fails.
/// It is one instruction per two elements instead of about sixteen per element. Everywhere else
/// (AMD, e4m3fnuz, or -DFP8MOE_SOFTWARE_CAST): the software cast above.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 890 && !defined(FP8MOE_SOFTWARE_CAST)
#define FP8MOE_HW_E4M3FN_CAST 1
#endif

template <Fp8Format F>
FP8MOE_HD inline uint32_t quantize_bf16_pair(uint32_t x0, float scale0, uint32_t x1, float scale1) {
#if defined(FP8MOE_HW_E4M3FN_CAST)
    if constexpr (F == Fp8Format::e4m3fn) {
        const float y0 = bf16_to_float(x0) * scale0, y1 = bf16_to_float(x1) * scale1;
        unsigned short codes;
        // PTX: the first source goes to the upper byte, the second to the lower byte.
        asm("cvt.rn.satfinite.e4m3x2.f32 %0, %1, %2;" : "=h"(codes) : "f"(y1), "f"(y0));
        return codes;
    }
#endif
    return quantize_bf16<F>(x0, scale0) | (quantize_bf16<F>(x1, scale1) << 8);
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
