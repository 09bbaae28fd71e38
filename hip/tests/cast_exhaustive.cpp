// cast_exhaustive.cpp: the software cast of fp8_cast.h against an independent oracle, over all
// 2^32 fp32 inputs, for both formats; plus the scale arithmetic at its edge cases.
//
// The oracle works on values, not bits: it decodes every code to a double, finds the two codes
// around |x| by binary search, picks the nearer, breaks a tie towards the even code, saturates
// at max finite (satfinite) and applies the sign rules. Failures print input and both codes in
// hex and stop after 10.
//
// Build and run (host only): scripts/hip_build.sh test  (or g++ -O2 -fopenmp -Ihip/include
// -Ihip/kernels -DFP8MOE_HOST_ONLY hip/tests/cast_exhaustive.cpp)
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <vector>

#define FP8MOE_NO_RUNTIME 1
#include "fp8_cast.h"

using namespace fp8moe;

namespace {

template <Fp8Format F>
struct Oracle {
    std::vector<double> value;  // value[c] for the non-negative finite codes 0..max_code

    Oracle() {
        using T = Fp8Traits<F>;
        for (uint32_t c = 0; c <= T::max_code; ++c) {
            const int e = int(c >> 3), m = int(c & 7);
            value.push_back(e == 0 ? ldexp(m / 8.0, 1 - T::bias) : ldexp(1.0 + m / 8.0, e - T::bias));
        }
    }

    uint32_t operator()(float x) const {
        using T = Fp8Traits<F>;
        if (isnan(x)) return T::nan_code;
        const bool negative = signbit(x);
        const double a = fabs((double)x);
        uint32_t code;
        if (a >= value.back()) {
            code = T::max_code;
        } else {
            size_t lo = 0, hi = value.size() - 1;  // value[lo] <= a < value[hi]
            while (hi - lo > 1) {
                const size_t mid = (lo + hi) / 2;
                (value[mid] <= a ? lo : hi) = mid;
            }
            const double below = a - value[lo], above = value[hi] - a;
            code = uint32_t(below < above ? lo : above < below ? hi : (lo % 2 == 0 ? lo : hi));
        }
        if (negative && (T::has_negative_zero || code != 0)) code |= 0x80;
        return code;
    }
};

template <Fp8Format F>
int check_all_inputs(const char* name) {
    const Oracle<F> oracle;
    long long failures = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : failures)
    for (long long hi = 0; hi < 65536; ++hi) {
        for (uint32_t lo = 0; lo < 65536; ++lo) {
            const uint32_t u = (uint32_t(hi) << 16) | lo;
            const float x = bits_float(u);
            const uint32_t got = fp32_to_fp8_raw<F>(x), want = oracle(x);
            if (got != want) {
                if (failures < 10) {
#pragma omp critical
                    printf("%s: fp32 0x%08X: cast 0x%02X, oracle 0x%02X\n", name, u, got, want);
                }
                ++failures;
            }
        }
    }
    printf("%s: 2^32 fp32 inputs, %lld mismatches\n", name, failures);
    return failures == 0 ? 0 : 1;
}

int expect_scale(const char* what, float got, uint32_t want_bits) {
    if (float_bits(got) == want_bits) return 0;
    printf("scale %s: got 0x%08X, want 0x%08X\n", what, float_bits(got), want_bits);
    return 1;
}

int check_scales() {
    int bad = 0;
    const ScaleParams fp64{0, 0}, fp32{1, 0}, fp64p{0, 1};
    // amax 1.0 (bf16 0x3F80): 448 exactly, pow2 256.
    bad += expect_scale("448/1", scale_from_amax<Fp8Format::e4m3fn>(0x3F80, fp64), 0x43E00000);
    bad += expect_scale("pow2(448/1)", scale_from_amax<Fp8Format::e4m3fn>(0x3F80, fp64p), 0x43800000);
    bad += expect_scale("240/1", scale_from_amax<Fp8Format::e4m3fnuz>(0x3F80, fp64), 0x43700000);
    // amax 0: 448 / 1e-12 = 4.48e14; fp64 path rounds 448e12 to fp32, fp32 path divides by
    // (float)1e-12. pow2: 2^48.
    bad += expect_scale("448/eps fp64", scale_from_amax<Fp8Format::e4m3fn>(0, fp64), float_bits((float)(448.0 / 1e-12)));
    bad += expect_scale("448/eps fp32", scale_from_amax<Fp8Format::e4m3fn>(0, fp32), float_bits((float)(448.0 / (double)1e-12f)));
    bad += expect_scale("pow2(448/eps)", scale_from_amax<Fp8Format::e4m3fn>(0, fp64p), 0x57800000);
    // NaN amax: canonical NaN; +Inf amax: 0.
    bad += expect_scale("NaN", scale_from_amax<Fp8Format::e4m3fn>(0x7FC1, fp64p), kCanonicalNaN);
    bad += expect_scale("Inf", scale_from_amax<Fp8Format::e4m3fn>(0x7F80, fp64p), 0);
    // pow2_floor against exp2(floor(log2)) in double for every bf16 amax, both formats.
    for (uint32_t h = 0; h < 0x7F80; ++h) {
        for (int fmt = 0; fmt < 2; ++fmt) {
            const float s = fmt == 0 ? scale_from_amax<Fp8Format::e4m3fn>(h, fp64)
                                     : scale_from_amax<Fp8Format::e4m3fnuz>(h, fp64);
            const float p = fmt == 0 ? scale_from_amax<Fp8Format::e4m3fn>(h, fp64p)
                                     : scale_from_amax<Fp8Format::e4m3fnuz>(h, fp64p);
            const float ref = (float)exp2(floor(log2((double)s)));
            if (float_bits(p) != float_bits(ref) && bad < 20) {
                printf("pow2 amax 0x%04X fmt %d: 0x%08X vs 0x%08X\n", h, fmt, float_bits(p), float_bits(ref));
                ++bad;
            }
        }
    }
    printf("scales: %s\n", bad ? "MISMATCH" : "ok");
    return bad ? 1 : 0;
}

}  // namespace

int main() {
    int rc = 0;
    rc |= check_scales();
    rc |= check_all_inputs<Fp8Format::e4m3fn>("e4m3fn");
    rc |= check_all_inputs<Fp8Format::e4m3fnuz>("e4m3fnuz");
    printf(rc ? "FAIL\n" : "PASS\n");
    return rc;
}
