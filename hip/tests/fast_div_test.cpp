// fast_div_test.cpp: FastDiv (fast_div.h) against the / operator: edge numerators for every
// divisor below 5000, two million numerators each for the divisors the kernels meet.
#include <stdio.h>

#include <random>

#define FP8MOE_NO_RUNTIME 1
#include "fast_div.h"

using namespace fp8moe;

static uint32_t quotient(uint32_t x, FastDiv f) {
    return fastdiv_finish(x, uint32_t((uint64_t(x) * f.magic) >> 32), f);
}

int main() {
    long bad = 0;
    auto check = [&](uint32_t x, uint32_t d, FastDiv f) {
        if (quotient(x, f) != x / d && bad++ < 10) printf("d=%u x=%u: %u, want %u\n", d, x, quotient(x, f), x / d);
    };
    for (uint32_t d = 1; d < 5000; ++d) {
        const FastDiv f = make_fastdiv(d);
        for (uint32_t x : {0u, 1u, d - 1, d, d + 1, 2 * d - 1, 2 * d, 0xFFFFFFFEu, 0xFFFFFFFFu}) check(x, d, f);
    }
    std::mt19937 rng(7);
    for (uint32_t d : {13u, 24u, 72u, 136u, 512u, 2048u, 4096u, 5120u, 7168u, 65535u, 65536u, 100003u,
                       0x7FFFFFFFu, 0x80000000u, 0x80000001u, 0xFFFFFFFFu}) {
        const FastDiv f = make_fastdiv(d);
        for (int k = 0; k < 2000000; ++k) check(k < 1000 ? 0xFFFFFFFFu - k : uint32_t(rng()), d, f);
    }
    printf("fast_div: %ld mismatches -> %s\n", bad, bad ? "FAIL" : "PASS");
    return bad != 0;
}
