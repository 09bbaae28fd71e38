// cast_device_test.hip: the device build of the software cast, checked over all 2^32 fp32 inputs.
//
// NVIDIA (sm_89+): the software cast for e4m3fn against the hardware conversion
// `cvt.rn.satfinite.e4m3x2.f32`, the implementation the `satfinite` policy names (SPEC section 2).
// Everywhere, both formats: the cast funnel cast_pair (what every kernel converts through: PTX on
// sm_89+ for e4m3fn, v_cvt_pk_fp8_f32 on gfx94x for e4m3fnuz and on gfx950 for e4m3fn, else
// software) against the software cast over all 2^32 fp32 inputs. Also quantize_bf16_pair (what the kernels call; the hardware conversion where fp8_cast.h
// enables it) against the software cast on random pairs of different values (byte order), and the
// device build of scale_from_amax against the host build for every bf16 amax and scale knob.
//
// Exit status 0 when everything matches, 1 on a mismatch (first ones printed in hex), 3 on a
// runtime error.
#include <stdio.h>
#include <stdlib.h>

#include "fp8_cast.h"

using namespace fp8moe;

#define CHECK(call)                                                                            \
    do {                                                                                       \
        hipError_t e_ = (call);                                                                \
        if (e_ != hipSuccess) {                                                                \
            fprintf(stderr, "%s failed: %s (%s)\n", #call, hipGetErrorName(e_), hipGetErrorString(e_)); \
            exit(3);                                                                           \
        }                                                                                      \
    } while (0)

struct Mismatches {
    unsigned long long count;
    uint32_t first[8][3];  // input bits, ours, reference
};

__device__ void record(Mismatches* m, uint32_t in, uint32_t ours, uint32_t ref) {
    const unsigned long long k = atomicAdd(&m->count, 1ull);
    if (k < 8) {
        m->first[k][0] = in;
        m->first[k][1] = ours;
        m->first[k][2] = ref;
    }
}

#if defined(__CUDACC__)
__global__ void cast_vs_ptx(uint32_t hi, Mismatches* m) {
    const uint32_t u = (hi << 24) | (blockIdx.x << 8) | threadIdx.x;  // 2^24 inputs per launch
    const float x = __uint_as_float(u);
    unsigned short pair;
    asm("cvt.rn.satfinite.e4m3x2.f32 %0, %1, %2;" : "=h"(pair) : "f"(x), "f"(x));
    const uint32_t ref = pair >> 8, ref_lo = pair & 0xFF;
    const uint32_t ours = fp32_to_fp8_raw<Fp8Format::e4m3fn>(x);
    if (ours != ref || ref != ref_lo) record(m, u, ours, ref);
}
#endif

/// The cast funnel against the software cast, all 2^32 fp32 inputs (2^24 per launch), in both
/// byte positions.
template <Fp8Format F>
__global__ void funnel_vs_software(uint32_t hi, Mismatches* m) {
    const uint32_t u = (hi << 24) | (blockIdx.x << 8) | threadIdx.x;
    const float x = __uint_as_float(u);
    const uint32_t pair = cast_pair<F>(x, x);
    const uint32_t want = fp32_to_fp8_raw<F>(x);
    if ((pair & 0xFFu) != want || (pair >> 8) != want) record(m, u, pair, want);
}

/// The pair function the kernels use (hardware conversion on sm_89+ for e4m3fn) against the
/// software cast element by element, on pairs of different values: checks the byte order too.
template <Fp8Format F>
__global__ void pairs_vs_software(uint32_t seed, Mismatches* m) {
    uint32_t h = (blockIdx.x * blockDim.x + threadIdx.x) * 2654435761u ^ seed;
    h ^= h >> 13; h *= 0x5bd1e995u; h ^= h >> 15;
    const uint32_t x0 = h & 0xFFFFu, x1 = h >> 16;
    const float s0 = bits_float(0x3F800000u + ((h * 7u) & 0x7FFFFFu)) * 8.0f;  // in [8, 16)
    const float s1 = 0.25f;
    const uint32_t pair = quantize_bf16_pair<F>(x0, s0, x1, s1);
    const uint32_t want = quantize_bf16<F>(x0, s0) | (quantize_bf16<F>(x1, s1) << 8);
    if (pair != want) record(m, (x1 << 16) | x0, pair, want);
}

/// What the device side of this build uses for F (cast_is_hardware is known only on the device).
template <Fp8Format F> __global__ void hw_probe(int* out) { *out = cast_is_hardware<F>() ? 1 : 0; }
template <Fp8Format F> const char* hw_name() {
    int* d = nullptr;
    int h = 0;
    CHECK(hipMalloc(&d, sizeof(int)));
    hw_probe<F><<<1, 1>>>(d);
    CHECK(hipMemcpy(&h, d, sizeof(int), hipMemcpyDeviceToHost));
    CHECK(hipFree(d));
    return h ? "hardware" : "software";
}

__global__ void scales_on_device(float* out) {
    // out[((fmt * 2 + fp32) * 2 + pow2) * 32768 + amax]
    const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= 8u * 32768u) return;
    const uint32_t amax = i % 32768u, knob = i / 32768u;
    const ScaleParams p{int((knob >> 1) & 1), int(knob & 1)};
    out[i] = (knob >> 2) ? scale_from_amax<Fp8Format::e4m3fnuz>(amax, p)
                         : scale_from_amax<Fp8Format::e4m3fn>(amax, p);
}

int main() {
    int devices = 0;
    CHECK(hipGetDeviceCount(&devices));
    int bad = 0;
#if defined(__CUDACC__)
    Mismatches* dm = nullptr;
    Mismatches m;
    CHECK(hipMalloc(&dm, sizeof(Mismatches)));
    CHECK(hipMemset(dm, 0, sizeof(Mismatches)));
    for (uint32_t hi = 0; hi < 256; ++hi) {
        cast_vs_ptx<<<65536, 256>>>(hi, dm);
        CHECK(hipGetLastError());
    }
    CHECK(hipMemcpy(&m, dm, sizeof(Mismatches), hipMemcpyDeviceToHost));
    printf("e4m3fn device cast vs cvt.rn.satfinite.e4m3x2.f32: 2^32 inputs, %llu mismatches\n", m.count);
    for (unsigned long long k = 0; k < m.count && k < 8; ++k)
        printf("  fp32 0x%08X: ours 0x%02X, ptx 0x%02X\n", m.first[k][0], m.first[k][1], m.first[k][2]);
    bad |= m.count != 0;
    CHECK(hipFree(dm));
#endif
    {
        Mismatches* dm = nullptr;
        Mismatches m;
        CHECK(hipMalloc(&dm, sizeof(Mismatches)));
        for (int fmt = 0; fmt < 2; ++fmt) {
            CHECK(hipMemset(dm, 0, sizeof(Mismatches)));
            for (uint32_t hi = 0; hi < 256; ++hi) {
                if (fmt == 0) funnel_vs_software<Fp8Format::e4m3fn><<<65536, 256>>>(hi, dm);
                else funnel_vs_software<Fp8Format::e4m3fnuz><<<65536, 256>>>(hi, dm);
                CHECK(hipGetLastError());
            }
            CHECK(hipMemcpy(&m, dm, sizeof(Mismatches), hipMemcpyDeviceToHost));
            printf("%s cast_pair (%s) vs software: 2^32 fp32 inputs, %llu mismatches\n",
                   fmt == 0 ? "e4m3fn" : "e4m3fnuz", fmt == 0 ? hw_name<Fp8Format::e4m3fn>() : hw_name<Fp8Format::e4m3fnuz>(), m.count);
            for (unsigned long long k = 0; k < m.count && k < 8; ++k)
                printf("  fp32 0x%08X: funnel 0x%04X, software 0x%02X\n", m.first[k][0], m.first[k][1], m.first[k][2]);
            bad |= m.count != 0;
        }
        for (int fmt = 0; fmt < 2; ++fmt) {
            CHECK(hipMemset(dm, 0, sizeof(Mismatches)));
            for (uint32_t seed = 0; seed < 16; ++seed) {
                if (fmt == 0) pairs_vs_software<Fp8Format::e4m3fn><<<4096, 256>>>(seed, dm);
                else pairs_vs_software<Fp8Format::e4m3fnuz><<<4096, 256>>>(seed, dm);
                CHECK(hipGetLastError());
            }
            CHECK(hipMemcpy(&m, dm, sizeof(Mismatches), hipMemcpyDeviceToHost));
            printf("%s quantize_bf16_pair vs software, 2^24 random pairs: %llu mismatches\n",
                   fmt == 0 ? "e4m3fn" : "e4m3fnuz", m.count);
            for (unsigned long long k = 0; k < m.count && k < 8; ++k)
                printf("  bf16 pair 0x%08X: pair 0x%04X, software 0x%04X\n", m.first[k][0], m.first[k][1], m.first[k][2]);
            bad |= m.count != 0;
        }
        CHECK(hipFree(dm));
    }
    const size_t n = 8u * 32768u;
    float* d = nullptr;
    CHECK(hipMalloc(&d, n * sizeof(float)));
    scales_on_device<<<(n + 255) / 256, 256>>>(d);
    CHECK(hipGetLastError());
    float* h = (float*)malloc(n * sizeof(float));
    CHECK(hipMemcpy(h, d, n * sizeof(float), hipMemcpyDeviceToHost));
    size_t scale_bad = 0;
    for (size_t i = 0; i < n; ++i) {
        const uint32_t amax = i % 32768u, knob = uint32_t(i / 32768u);
        const ScaleParams p{int((knob >> 1) & 1), int(knob & 1)};
        const float want = (knob >> 2) ? scale_from_amax<Fp8Format::e4m3fnuz>(amax, p)
                                       : scale_from_amax<Fp8Format::e4m3fn>(amax, p);
        if (float_bits(want) != float_bits(h[i]) && scale_bad++ < 8)
            printf("  scale amax 0x%04X knob %u: device 0x%08X host 0x%08X\n", amax, knob, float_bits(h[i]), float_bits(want));
    }
    printf("scale_from_amax device vs host: %zu amax x knob cases, %zu mismatches\n", n, scale_bad);
    bad |= scale_bad != 0;
    free(h);
    CHECK(hipFree(d));
    printf(bad ? "FAIL\n" : "PASS\n");
    return bad;
}
