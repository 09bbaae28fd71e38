// host_grouped.cpp: a host stand-in of fp8q_quantize_grouped (quant_api.h) for testing
// scripts/mutation/two_calls.py without a GPU (TWO_CALLS_DEVICE=cpu): the fp8_cast.h arithmetic,
// one element at a time, groups by a linear search; e4m3fn only. Not a kernel and not an oracle of
// record (verify is): a plumbing test. hip/mutants/README.md says how to build and run it.
#include <stdint.h>
#include "fp8_cast.h"
#include "fp8moe/quant_api.h"
using namespace fp8moe;
extern "C" int fp8q_quantize_grouped(const uint16_t* x, int64_t rows, int64_t cols, const int32_t* offsets, int groups,
                                     fp8q_recipe r, uint8_t* out, float* scale_out, uint32_t* amax, void*) {
    if (r.format != FP8Q_E4M3FN) return 1;  // e4m3fn only
    for (int g = 0; g < groups; ++g) amax[g] = 0;
    auto grp = [&](int64_t row) { if (!offsets) return 0; int g = 0; while (g < groups && offsets[g] <= row) ++g; return g; };
    bool key = r.amax_nan == 1 || r.input_nan_to_num;
    for (int64_t i = 0; i < rows * cols; ++i) { int g = grp(i / cols); if (g >= groups) continue;
        uint32_t k = key ? bf16_abs_key<true>(x[i]) : bf16_abs_key<false>(x[i]); if (k > amax[g]) amax[g] = k; }
    ScaleParams p{r.scale_compute, r.pow2};
    for (int g = 0; g < groups; ++g) scale_out[g] = scale_from_amax<Fp8Format::e4m3fn>(amax[g], p);
    for (int64_t i = 0; i < rows * cols; ++i) { int g = grp(i / cols);
        uint32_t v = r.input_nan_to_num ? bf16_nan_to_num(x[i]) : x[i];
        out[i] = g >= groups ? 0 : quantize_bf16<Fp8Format::e4m3fn>(v, scale_out[g]); }
    return 0;
}
extern "C" const char* fp8q_error_name(int) { return "mock"; }
