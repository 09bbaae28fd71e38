// e8m0.h: the scale arithmetic of MXFP8 (SPEC 8.3, recipe `mxfp8`): from the amax of a block of
// 32 bf16 values to its e8m0 scale code, and from the code to the multiplier the payload is
// quantized with. Host and device (FP8MOE_HD): the kernels and the host tests run this code.
//
// Numerical contract: torchao's eager `to_mx` for elem_dtype float8_e4m3fn
// (torchao/prototype/mx_formats/mx_tensor.py at pytorch/ao 36027d82d1ad9949597ea16002ff4940374b1b94),
// which its Triton kernel `triton_to_mxfp8_dim0` (mx_formats/kernels.py, same commit) follows in
// FLOOR mode:
//   * the code is the DEQUANTIZATION exponent, biased by 127: value = payload * 2^(code - 127);
//     0xFF means NaN (a block whose amax is NaN or +Inf);
//   * FLOOR: code = clamp(e(amax) - 127 - 8, -127, 128) + 127 with e() the fp32 exponent field
//     (8 = log2 of 256, the largest power of two <= 448), i.e. max(e(amax) - 8, 0) for a finite
//     amax; a subnormal or zero amax gives 0;
//   * RCEIL: descale = amax * fl32(1/448) in fp32 (round to nearest even, subnormals kept: the
//     Python scalar 1.0/448.0 becomes a float in PyTorch's CUDA multiply); code = its exponent
//     field, plus one when the descale is not a power of two (normal: mantissa field != 0;
//     subnormal: mantissa field > 0x400000, since code 0 already is 2^-127); NaN/Inf descale -> 0xFF;
//   * the multiplier is 2^(127 - code): fp32 bits (254 - code) << 23, except code 254 -> 2^-127
//     (the fp32 subnormal 0x00400000) and code 255 -> NaN (`_e8m0_scale_to_reciprocal_fp32`);
//   * the payload is fp32(x) * multiplier (one rounding), cast `satfinite` (fp8_cast.h). In FLOOR
//     torchao clamps to +-448 before the cast (torch < 2.13) or relies on the saturating cast
//     (>= 2.13): both are `satfinite`. A NaN block multiplies by NaN: every byte is 0x7F.
// Not implemented (SPEC 8.3 names them): CEIL and EVEN.
#ifndef FP8MOE_E8M0_H
#define FP8MOE_E8M0_H

#include <stdint.h>

#include "fp8_cast.h"

namespace fp8moe {

enum class MxScaleMode : int { floor = 0, rceil = 1 };

constexpr uint32_t kE8m0NaN = 0xFFu;

/// fl32(1 / 448): the Python scalar `1.0 / max_pos` of `_to_mx_rceil`, as PyTorch's CUDA multiply
/// sees it (the double rounded once to float).
constexpr float kRcpE4m3Max = float(1.0 / 448.0);

/// FLOOR: the e8m0 code of a block from its amax as a bf16 key (fp8_cast.h bf16_abs_key with NaN
/// propagated: 0x0000..0x7F7F finite, 0x7F80 Inf, above NaN).
FP8MOE_HD inline uint32_t e8m0_floor_code(uint32_t amax_key) {
    if (amax_key >= 0x7F80u) return kE8m0NaN;
    const uint32_t exponent = amax_key >> 7;  // bf16 and fp32 share the exponent field
    return exponent > 8 ? exponent - 8 : 0;
}

/// RCEIL: the e8m0 code of a block from its amax as a bf16 key.
FP8MOE_HD inline uint32_t e8m0_rceil_code(uint32_t amax_key) {
    const float descale = bf16_to_float(amax_key) * kRcpE4m3Max;
    const uint32_t u = float_bits(descale);
    const uint32_t exponent = (u >> 23) & 0xFFu, mantissa = u & 0x7FFFFFu;
    if (exponent == 0xFFu) return kE8m0NaN;
    const bool up = exponent == 0 ? mantissa > 0x400000u : mantissa != 0;
    return exponent + (up ? 1u : 0u);
}

FP8MOE_HD inline uint32_t e8m0_code(MxScaleMode mode, uint32_t amax_key) {
    return mode == MxScaleMode::floor ? e8m0_floor_code(amax_key) : e8m0_rceil_code(amax_key);
}

/// The quantization multiplier 2^(127 - code) of an e8m0 code (NaN for 0xFF).
FP8MOE_HD inline float e8m0_multiplier(uint32_t code) {
    if (code == kE8m0NaN) return bits_float(kCanonicalNaN);
    if (code == 254u) return bits_float(0x00400000u);
    return bits_float((254u - code) << 23);
}

}  // namespace fp8moe

#endif  // FP8MOE_E8M0_H
