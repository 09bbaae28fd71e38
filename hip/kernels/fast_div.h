// fast_div.h: division by a fixed divisor for 32-bit numerators, as a multiply-high and a shift
// (the round-up method of Granlund and Montgomery). The kernels use it to turn a flat element
// index into a row without a 64-bit division per tile. Host-testable: hip/tests/fast_div_test.cpp.
#ifndef FP8MOE_FAST_DIV_H
#define FP8MOE_FAST_DIV_H

#include <stdint.h>

#include "fp8moe/hip_compat.h"

namespace fp8moe {

/// q = (umulhi(x, magic) + x) >> shift == x / d for every 32-bit x, with
/// shift = ceil(log2 d) and magic = floor(2^32 * (2^shift - d) / d) + 1 (the sum is formed in
/// 64 bits, so it cannot overflow).
struct FastDiv {
    uint32_t magic, shift;
};

/// For 1 <= d < 2^32.
inline FastDiv make_fastdiv(uint32_t d) {
    uint32_t shift = 0;
    while ((uint64_t(1) << shift) < d) ++shift;
    const uint64_t magic = ((uint64_t(1) << 32) * ((uint64_t(1) << shift) - d)) / d + 1;
    return FastDiv{uint32_t(magic), shift};
}

/// `hi` is umulhi(x, f.magic): __umulhi on the device, a 64-bit product on the host.
FP8MOE_HD inline uint32_t fastdiv_finish(uint32_t x, uint32_t hi, FastDiv f) {
    return uint32_t((uint64_t(hi) + x) >> f.shift);
}

}  // namespace fp8moe

#endif  // FP8MOE_FAST_DIV_H
