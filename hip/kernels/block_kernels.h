// block_kernels.h: device code of the block-scaled recipes (SPEC 8.3) along the last dimension:
//
//   block_kernel<F, 32, MxScale, ...>         mxfp8 `block_1x32`: one e8m0 code per 32 elements
//   block_kernel<F, 128, BlockwiseScale, ...> blockwise `block_1x128`: one fp32 scale per 128
//
// A row-major [rows, cols] tensor with cols % BLOCK == 0 is, flattened, a sequence of BLOCK-element
// blocks, and block b's scale is element b of the row-major [rows, cols / BLOCK] scale tensor. So
// both kernels are one pass over the flat tensor, no row arithmetic: a group of BLOCK / 8
// consecutive threads holds one block in registers (8 bf16 per thread, one 16-byte load), reduces
// its amax by butterfly shuffles inside the group, derives the scale (the Scale rule), quantizes
// and stores 8 bytes per thread; the group's first thread stores the scale. UNROLL loads per thread
// are issued before any arithmetic. Bytes moved: 2 B read + 1 B written per element + the scales.
//
// block_scalar_kernel is the path for unaligned pointers: one thread per block, element by element,
// the same arithmetic (hip/tests/odd_shapes_test.hip checks both paths against a host reference).
//
// The element arithmetic (amax key, scale, multiply, cast) is fp8_cast.h's and e8m0.h's.
#ifndef FP8MOE_BLOCK_KERNELS_H
#define FP8MOE_BLOCK_KERNELS_H

#include "e8m0.h"
#include "quantize_kernels.h"

namespace fp8moe {

/// mxfp8: amax propagates NaN; the stored scale is the e8m0 code (uint8), the multiplier
/// 2^(127 - code) (e8m0.h).
struct MxScale {
    using Stored = uint8_t;
    MxScaleMode mode;
    __device__ float multiplier(uint32_t amax_key, Stored* stored) const {
        const uint32_t code = e8m0_code(mode, amax_key);
        *stored = uint8_t(code);
        return e8m0_multiplier(code);
    }
};

/// blockwise: the scale of SPEC 3 (fp8_max / max(amax, 1e-12), fp64 then fp32, pow2 per the
/// recipe), stored as the multiplier or its rounded reciprocal (scale_convention).
template <Fp8Format F>
struct BlockwiseScale {
    using Stored = float;
    ScaleParams params;
    int reciprocal;
    __device__ float multiplier(uint32_t amax_key, Stored* stored) const {
        const float s = scale_from_amax<F>(amax_key, params);
        *stored = reciprocal ? scale_reciprocal(s) : s;
        return s;
    }
};

/// Max over the group of G consecutive lanes that holds one block (G a power of two <= warp).
template <int G>
__device__ inline uint32_t group_max(uint32_t v) {
#pragma unroll
    for (int lane_mask = G / 2; lane_mask > 0; lane_mask >>= 1) v = umax(v, fp8moe_shfl_xor(v, lane_mask));
    return v;
}

/// Vector path: n % BLOCK == 0, x 16-byte and out 8-byte aligned. Thread t of launch block b
/// handles vectors (b * UNROLL + u) * kBlock + t, u < UNROLL: consecutive threads hold consecutive
/// vectors, so a block of BLOCK elements is BLOCK / 8 consecutive lanes of one warp. Every lane
/// joins every shuffle (vectors beyond n are loaded as zeros and not stored; a group is wholly in
/// or wholly beyond n).
template <Fp8Format F, int BLOCK, class Scale, bool KeyNaN, bool InNaN, int UNROLL>
__global__ void __launch_bounds__(kBlock) block_kernel(
    const uint16_t* __restrict__ x, int64_t n, Scale rule, uint8_t* __restrict__ out,
    typename Scale::Stored* __restrict__ scale_out) {
    constexpr int G = BLOCK / 8;
    static_assert(BLOCK % 8 == 0 && G <= FP8MOE_WARP_SIZE && (G & (G - 1)) == 0, "a block is a lane group");
    const int64_t nvec = n / 8;
    Bf16Vec<8> v[UNROLL];
#pragma unroll
    for (int u = 0; u < UNROLL; ++u) {
        const int64_t i = (int64_t(blockIdx.x) * UNROLL + u) * kBlock + threadIdx.x;
        v[u] = i < nvec ? Bf16Vec<8>::load(x + i * 8) : Bf16Vec<8>::zero();
    }
#pragma unroll
    for (int u = 0; u < UNROLL; ++u) {
        const int64_t i = (int64_t(blockIdx.x) * UNROLL + u) * kBlock + threadIdx.x;
        const uint32_t amax = group_max<G>(vec_amax<KeyNaN, 8>(v[u]));
        typename Scale::Stored stored;
        const float m = rule.multiplier(amax, &stored);
        if (i < nvec) {
            quantize_store<F, InNaN, 8>(v[u], m, out + i * 8);
            if (threadIdx.x % G == 0) scale_out[i / G] = stored;
        }
    }
}

/// Scalar path (any alignment): one thread per block of BLOCK elements.
template <Fp8Format F, int BLOCK, class Scale, bool KeyNaN, bool InNaN>
__global__ void __launch_bounds__(kBlock) block_scalar_kernel(
    const uint16_t* __restrict__ x, int64_t n, Scale rule, uint8_t* __restrict__ out,
    typename Scale::Stored* __restrict__ scale_out) {
    const int64_t b = int64_t(blockIdx.x) * kBlock + threadIdx.x;
    if (b >= n / BLOCK) return;
    const uint16_t* xb = x + b * BLOCK;
    uint32_t amax = 0;
    for (int j = 0; j < BLOCK; ++j) amax = umax(amax, bf16_abs_key<KeyNaN>(xb[j]));
    typename Scale::Stored stored;
    const float m = rule.multiplier(amax, &stored);
    for (int j = 0; j < BLOCK; ++j) out[b * BLOCK + j] = uint8_t(quantize_bf16_one<F>(input_of<InNaN>(xb[j]), m));
    scale_out[b] = stored;
}

}  // namespace fp8moe

#endif  // FP8MOE_BLOCK_KERNELS_H
