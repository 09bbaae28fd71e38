// block_scale_test.cpp: host test of the block-scaled recipes' scale arithmetic (kernels/e8m0.h,
// fp8_cast.h scale_reciprocal) against naive oracles written from the definitions, over every bf16
// amax (all 2^15 magnitudes plus NaN payloads; the amax of a block of bf16 values is one of them).
//
//   FLOOR   code = clamp(floor(log2(amax)) - 8, -127, 128) + 127, floor(log2) from frexp; 0xFF for
//           NaN/Inf; a zero amax has no logarithm and gets the clamp's bottom, 0
//   RCEIL   code = max(ceil(log2(d)), -127) + 127 for d = fl32(amax * fl32(1/448)) > 0, the
//           smallest power of two >= d found by doubling from 2^-127 in long double; 0 for d = 0;
//           0xFF for NaN/Inf
//   multiplier 2^(127 - code) by ldexp in double, then to float (exact: 2^-127 is an fp32 subnormal)
//   reciprocal 1.0f / s (the host's IEEE fp32 division) for every blockwise scale fp8_max / amax
//
// It also runs the whole element path once per (amax, code) against torchao's definition on a
// sample: payload = satfinite(fp32(x) * multiplier). Exit status 0 when all agree, 1 otherwise.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "e8m0.h"
#include "fp8_cast.h"

using namespace fp8moe;

namespace {

uint32_t bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

uint32_t oracle_floor(float amax) {
    if (isnan(amax) || isinf(amax)) return 0xFF;
    if (amax == 0.0f) return 0;
    int k = 0;
    frexp(double(amax), &k);  // amax = f * 2^k, f in [0.5, 1): floor(log2(amax)) = k - 1
    long e = long(k - 1) - 8;
    if (e < -127) e = -127;
    if (e > 128) e = 128;
    return uint32_t(e + 127);
}

uint32_t oracle_rceil(float amax) {
    const float d = amax * float(1.0 / 448.0);
    if (isnan(d) || isinf(d)) return 0xFF;
    if (d == 0.0f) return 0;
    long double p = ldexpl(1.0L, -127);
    int k = -127;
    while (p < (long double)d) { p *= 2; ++k; }
    return uint32_t(k + 127);
}

float oracle_multiplier(uint32_t code) {
    if (code == 0xFF) return NAN;
    return float(ldexp(1.0, 127 - int(code)));
}

int failures = 0;
void expect(bool ok, const char* what, uint32_t key, uint32_t got, uint32_t want) {
    if (!ok && failures++ < 10) printf("  %s: amax 0x%04X: got 0x%X, expected 0x%X\n", what, key, got, want);
}

}  // namespace

int main() {
    long checked = 0;
    for (uint32_t key = 0; key <= 0x7FFFu; ++key) {
        const float amax = bf16_to_float(key);
        const uint32_t f = e8m0_floor_code(key), r = e8m0_rceil_code(key);
        expect(f == oracle_floor(amax), "floor code", key, f, oracle_floor(amax));
        expect(r == oracle_rceil(amax), "rceil code", key, r, oracle_rceil(amax));
        for (uint32_t code : {f, r}) {
            const float m = e8m0_multiplier(code), w = oracle_multiplier(code);
            const bool same = isnan(w) ? isnan(m) : bits(m) == bits(w);
            expect(same, "multiplier", key, bits(m), bits(w));
        }
        // Blockwise: the stored reciprocal of the SPEC 3 scale (fp64, no pow2).
        const float s = scale_from_amax<Fp8Format::e4m3fn>(key, ScaleParams{0, 0});
        const float rec = scale_reciprocal(s), want = 1.0f / s;
        expect(isnan(want) ? bits(rec) == kCanonicalNaN : bits(rec) == bits(want), "reciprocal", key, bits(rec), bits(want));
        checked += 4;
    }
    // The payload of a block: every bf16 x against the block's multiplier, for a sample of codes
    // (FLOOR and RCEIL of amax = x's own magnitude and of 448 * 2^k), against torchao's formula
    // clamp(fp32(x) * multiplier, -448, 448) rounded to e4m3fn (satfinite) through a value oracle.
    for (uint32_t code : {0u, 1u, 100u, 119u, 127u, 128u, 135u, 200u, 246u, 253u, 254u, 255u}) {
        const float m = e8m0_multiplier(code);
        for (uint32_t x = 0; x <= 0xFFFFu; ++x) {
            const float y = bf16_to_float(x) * m;
            uint32_t want;
            if (isnan(y)) {
                want = 0x7F;
            } else {
                // Nearest e4m3fn value, ties to even, clamped to +-448: search the 127 codes.
                const float a = fabsf(y) > 448.0f ? 448.0f : fabsf(y);
                uint32_t best = 0;
                double best_d = INFINITY;
                for (uint32_t c = 0; c <= 0x7E; ++c) {
                    const int e = int(c >> 3), mant = int(c & 7);
                    const double v = e == 0 ? ldexp(mant, -9) : ldexp(8 + mant, e - 10);
                    const double dist = fabs(double(a) - v);
                    if (dist < best_d || (dist == best_d && (c & 1) == 0)) { best = c; best_d = dist; }
                }
                want = best | (signbit(y) ? 0x80u : 0u);
            }
            const uint32_t got = quantize_bf16<Fp8Format::e4m3fn>(x, m);
            expect(got == want, "payload", x, got, want);
            ++checked;
        }
    }
    printf("block_scale_test: %ld checks, %d failures -> %s\n", checked, failures, failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
