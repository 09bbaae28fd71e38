// quantize_kernels.h: the device code of the HIP production path (SPEC section 7).
//
// Recipe steps (SPEC section 3): amax -> scale -> multiply -> clamp -> cast. The element-level
// arithmetic (input nan_to_num, amax key, scale, multiply, cast) lives in fp8_cast.h; this file
// holds only the reduction sets and the memory traffic:
//
//   grouped_amax_kernel + grouped_apply_kernel     one scale per group of rows: `tensorwise`
//                                                  (offsets == nullptr), `per_group`, `per_expert`
//   grouped_amax_kernel + dual_apply_kernel        tensorwise, row-major and column-major outputs
//   column_amax_kernel  + column_apply_kernel      one scale per (group of rows, column):
//                                                  `per_group_column`, rowwise 3-D weights
//   rowwise_kernel                                 one scale per row, one pass, a team per row
//
// Data: bf16 stays bf16 in memory (uint16 bit patterns); fp32 only in registers. VEC = 8 uses
// 16-byte loads and 8-byte stores (cols % 8 == 0, aligned pointers), VEC = 1 is the scalar path.
//
// NaN handling, two template flags (SPEC 3 and 8.1):
//   KeyNaN   the amax sees nan_to_num(x) (amax_nan = nan_to_num, or input_nan_to_num = 1)
//   InNaN    the multiply sees nan_to_num(x) too (input_nan_to_num = 1)
//
// Amax values travel as bf16 *keys* (fp8_cast.h, bf16_abs_key): unsigned integers ordered as
// |x| with NaN above Inf, so an integer atomicMax is an exact amax and propagates NaN.
#ifndef FP8MOE_QUANTIZE_KERNELS_H
#define FP8MOE_QUANTIZE_KERNELS_H

#include "fast_div.h"
#include "fp8_cast.h"

namespace fp8moe {

constexpr int kBlock = 256;  ///< threads per block, every kernel

__device__ inline uint32_t umax(uint32_t a, uint32_t b) { return a > b ? a : b; }
__device__ inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// ------------------------------------------------------------------------------ vectors

/// VEC bf16 values in registers.
template <int VEC> struct Bf16Vec;

template <> struct Bf16Vec<8> {
    uint32_t w[4];
    __device__ static Bf16Vec load(const uint16_t* p) {
        const uint4 v = *reinterpret_cast<const uint4*>(p);
        return Bf16Vec{{v.x, v.y, v.z, v.w}};
    }
    __device__ static Bf16Vec zero() { return Bf16Vec{{0, 0, 0, 0}}; }
    __device__ uint32_t operator[](int i) const { return (w[i >> 1] >> ((i & 1) * 16)) & 0xFFFFu; }
};

template <> struct Bf16Vec<1> {
    uint32_t h;
    __device__ static Bf16Vec load(const uint16_t* p) { return Bf16Vec{p[0]}; }
    __device__ static Bf16Vec zero() { return Bf16Vec{0}; }
    __device__ uint32_t operator[](int) const { return h; }
};

/// The value the multiply sees: x, or nan_to_num(x) when InNaN (SPEC 8.1).
template <bool InNaN>
__device__ inline uint32_t input_of(uint32_t x_bf16) { return InNaN ? bf16_nan_to_num(x_bf16) : x_bf16; }

/// Packs 8 codes (each < 256) into two words, first code lowest.
__device__ inline uint2 pack8(const uint32_t (&q)[8]) {
    return make_uint2(q[0] | (q[1] << 8) | (q[2] << 16) | (q[3] << 24),
                      q[4] | (q[5] << 8) | (q[6] << 16) | (q[7] << 24));
}

/// Stores VEC codes to out: one 8-byte store for VEC = 8.
template <int VEC> __device__ inline void store_codes(const uint32_t (&q)[VEC], uint8_t* out);

template <> __device__ inline void store_codes<8>(const uint32_t (&q)[8], uint8_t* out) {
    *reinterpret_cast<uint2*>(out) = pack8(q);
}

template <> __device__ inline void store_codes<1>(const uint32_t (&q)[1], uint8_t* out) {
    out[0] = uint8_t(q[0]);
}

template <int VEC> __device__ inline void store_zeros(uint8_t* out) {
    uint32_t q[VEC];
#pragma unroll
    for (int j = 0; j < VEC; ++j) q[j] = 0;
    store_codes<VEC>(q, out);
}

template <bool KeyNaN, int VEC> __device__ inline uint32_t vec_amax(const Bf16Vec<VEC>& v) {
    uint32_t m = 0;
#pragma unroll
    for (int j = 0; j < VEC; ++j) m = umax(m, bf16_abs_key<KeyNaN>(v[j]));
    return m;
}

/// Quantizes VEC values, value j with scale[j], into codes q[j] (pairs through the cast funnel,
/// fp8_cast.h cast_pair, the hardware conversion where the target has one).
template <Fp8Format F, bool InNaN, int VEC>
__device__ inline void quantize_vec(const Bf16Vec<VEC>& v, const float (&scale)[VEC], uint32_t (&q)[VEC]) {
    if constexpr (VEC % 2 == 0) {
#pragma unroll
        for (int j = 0; j < VEC; j += 2) {
            const uint32_t pair = quantize_bf16_pair<F>(input_of<InNaN>(v[j]), scale[j],
                                                        input_of<InNaN>(v[j + 1]), scale[j + 1]);
            q[j] = pair & 0xFFu;
            q[j + 1] = pair >> 8;
        }
    } else {
#pragma unroll
        for (int j = 0; j < VEC; ++j) q[j] = quantize_bf16_one<F>(input_of<InNaN>(v[j]), scale[j]);
    }
}

/// The same with one scale for all VEC values.
template <Fp8Format F, bool InNaN, int VEC>
__device__ inline void quantize_vec(const Bf16Vec<VEC>& v, float scale, uint32_t (&q)[VEC]) {
    float s[VEC];
#pragma unroll
    for (int j = 0; j < VEC; ++j) s[j] = scale;
    quantize_vec<F, InNaN, VEC>(v, s, q);
}

/// Quantizes VEC values of VEC consecutive columns, each with its own scale, and stores them.
template <Fp8Format F, bool InNaN, int VEC>
__device__ inline void quantize_store(const Bf16Vec<VEC>& v, const float (&scale)[VEC], uint8_t* out) {
    uint32_t q[VEC];
    quantize_vec<F, InNaN, VEC>(v, scale, q);
    store_codes<VEC>(q, out);
}

/// Quantizes VEC values with one scale and stores the codes.
template <Fp8Format F, bool InNaN, int VEC>
__device__ inline void quantize_store(const Bf16Vec<VEC>& v, float scale, uint8_t* out) {
    uint32_t q[VEC];
    quantize_vec<F, InNaN, VEC>(v, scale, q);
    store_codes<VEC>(q, out);
}

// ------------------------------------------------------------------------------ reductions

__device__ inline uint32_t warp_max(uint32_t v) {
#pragma unroll
    for (int lane_mask = FP8MOE_WARP_SIZE / 2; lane_mask > 0; lane_mask >>= 1)
        v = umax(v, fp8moe_shfl_xor(v, lane_mask));
    return v;
}

/// Max over the block; the result is valid in thread 0. Every thread of the block must call it.
__device__ inline uint32_t block_max(uint32_t v) {
    constexpr int kWarps = kBlock / FP8MOE_WARP_SIZE;
    __shared__ uint32_t partial[kWarps];
    const int lane = threadIdx.x % FP8MOE_WARP_SIZE, warp = threadIdx.x / FP8MOE_WARP_SIZE;
    v = warp_max(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) v = warp_max(lane < kWarps ? partial[lane] : 0u);
    __syncthreads();  // `partial` may be reused by the next call
    return v;
}

/// Max over a team of TEAM consecutive threads (a multiple of the warp size, at most kBlock),
/// valid in every thread of the team. Every thread of the block must call it.
template <int TEAM>
__device__ inline uint32_t team_max(uint32_t v) {
    v = warp_max(v);
    if constexpr (TEAM > FP8MOE_WARP_SIZE) {
        constexpr int kWarps = kBlock / FP8MOE_WARP_SIZE, kPer = TEAM / FP8MOE_WARP_SIZE;
        __shared__ uint32_t partial[kWarps];
        const int warp = threadIdx.x / FP8MOE_WARP_SIZE;
        if (threadIdx.x % FP8MOE_WARP_SIZE == 0) partial[warp] = v;
        __syncthreads();
        const int first = warp / kPer * kPer;
        v = 0;
#pragma unroll
        for (int i = 0; i < kPer; ++i) v = umax(v, partial[first + i]);
        __syncthreads();
    }
    return v;
}

/// The group of a row (SPEC section 4): the first g with offsets[g] > row, so that group g is
/// rows [offsets[g-1], offsets[g]); `groups` when the row belongs to none (at or beyond
/// offsets[groups-1]). Empty groups are never returned. offsets == nullptr: one group, all rows.
__device__ inline int group_of_row(int64_t row, const int32_t* __restrict__ offsets, int groups) {
    if (offsets == nullptr) return 0;
    int lo = 0, hi = groups;
    while (lo < hi) {
        const int mid = (lo + hi) >> 1;
        if (int64_t(offsets[mid]) > row) hi = mid; else lo = mid + 1;
    }
    return lo;
}

// ------------------------------------------------------------- one scale per group of rows
//
// The flattened tensor is cut into tiles of kBlock * VEC * UNROLL elements (UNROLL independent
// vector loads in flight per thread); block b handles the run of `tiles_per_block` consecutive
// tiles starting at b * tiles_per_block (1: an ordinary grid; larger: a persistent one). A tile
// whose first and last rows are in the same group is processed with that group's amax / scale; a
// tile that straddles a boundary (or an empty group) is processed vector by vector, each vector
// finding its own group (a vector never crosses a row: cols % VEC == 0). `reverse` walks the
// tiles from the end: pass 2 then starts on the rows pass 1 read last, which are still in L2.

/// What a launch of the grouped kernels needs to find rows, groups and tiles.
struct TilePlan {
    int64_t n, cols;
    FastDiv cols_div;  ///< valid when narrow
    int narrow;        ///< n <= 2^32: rows by FastDiv, else by 64-bit division
    const int32_t* offsets;
    int groups;
    int64_t num_tiles, tiles_per_block;
    int reverse;
};

__device__ inline int64_t row_of(const TilePlan& p, int64_t i) {
    if (p.narrow) {
        const uint32_t x = uint32_t(i);
        return int64_t(fastdiv_finish(x, __umulhi(x, p.cols_div.magic), p.cols_div));
    }
    return i / p.cols;
}

/// A group and the rows [lo, hi) it owns (`groups` with lo = offsets[groups-1], hi = max: the rows
/// of no group).
struct GroupSpan {
    int g;
    int64_t lo, hi;
};

__device__ inline GroupSpan group_span(int64_t row, const TilePlan& p) {
    if (p.offsets == nullptr) return GroupSpan{0, 0, INT64_MAX};
    const int g = group_of_row(row, p.offsets, p.groups);
    return GroupSpan{g, g > 0 ? int64_t(p.offsets[g - 1]) : 0,
                     g < p.groups ? int64_t(p.offsets[g]) : INT64_MAX};
}

/// The group of every element of tile t, or -1 when the tile straddles a boundary. `span`
/// caches the last group found, so most tiles cost two divisions and two compares.
__device__ inline int tile_group(const TilePlan& p, int64_t base, int64_t last, GroupSpan& span) {
    const int64_t r0 = row_of(p, base), r1 = row_of(p, last);
    if (r0 < span.lo || r0 >= span.hi) span = group_span(r0, p);
    return r1 < span.hi ? span.g : -1;
}

template <int VEC, int UNROLL>
FP8MOE_HD constexpr int64_t tile_size() { return int64_t(kBlock) * VEC * UNROLL; }

/// Asks L2 for elements [base, min(base + count, n)) of x, one 128-byte line per thread and step:
/// what a block reads first, requested before it waits for the kernel it is chained to.
__device__ inline void prefetch_tile(const uint16_t* x, int64_t base, int64_t count, int64_t n) {
    constexpr int64_t kLine = 64;  // bf16 values per 128-byte line
    for (int64_t i = base + int64_t(threadIdx.x) * kLine; i < min64(base + count, n); i += int64_t(kBlock) * kLine)
        fp8moe_prefetch_l2(x + i);
}

/// Pass 1: amax per group. Each block keeps a running max for the group of its current tiles and
/// publishes it (block reduction, one atomicMax) when the group changes and at the end.
template <int VEC, int UNROLL, bool KeyNaN>
__global__ void __launch_bounds__(kBlock) grouped_amax_kernel(
    const uint16_t* __restrict__ x, TilePlan p, uint32_t* __restrict__ amax) {
    fp8moe_allow_next_grid();  // pass 2 may start (it waits for this pass before reading amax)
    constexpr int64_t kTile = tile_size<VEC, UNROLL>();
    const int64_t t_begin = int64_t(blockIdx.x) * p.tiles_per_block;
    const int64_t t_end = min64(t_begin + p.tiles_per_block, p.num_tiles);
    GroupSpan span{-1, 0, 0};
    int current = -1;  // block-uniform
    uint32_t acc = 0;
    for (int64_t t = t_begin; t < t_end; ++t) {
        const int64_t base = t * kTile;
        const int64_t last = min64(base + kTile, p.n) - 1;
        // Loads first: they do not wait for the group lookup (rows of no group are read for
        // nothing; they are rare).
        Bf16Vec<VEC> v[UNROLL];
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const int64_t i = base + (int64_t(u) * kBlock + threadIdx.x) * VEC;
            v[u] = i < p.n ? Bf16Vec<VEC>::load(x + i) : Bf16Vec<VEC>::zero();
        }
        const int g = tile_group(p, base, last, span);
        if (g >= 0) {
            if (g != current) {
                if (current >= 0 && current < p.groups) {
                    const uint32_t m = block_max(acc);
                    if (threadIdx.x == 0 && m != 0) atomicMax(&amax[current], m);
                }
                current = g;
                acc = 0;
            }
            if (current >= p.groups) continue;  // rows of no group
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) acc = umax(acc, vec_amax<KeyNaN>(v[u]));
        } else {
#pragma unroll
            for (int u = 0; u < UNROLL; ++u) {
                const int64_t i = base + (int64_t(u) * kBlock + threadIdx.x) * VEC;
                if (i >= p.n) continue;
                const int gi = group_of_row(row_of(p, i), p.offsets, p.groups);
                if (gi >= p.groups) continue;
                const uint32_t m = vec_amax<KeyNaN>(v[u]);
                if (m != 0) atomicMax(&amax[gi], m);
            }
        }
    }
    if (current >= 0 && current < p.groups) {
        const uint32_t m = block_max(acc);
        if (threadIdx.x == 0 && m != 0) atomicMax(&amax[current], m);
    }
}

/// PER vectors of VEC values (consecutive in memory) quantized with one scale and stored: one
/// 16-byte store for VEC = 8, PER = 2.
template <Fp8Format F, bool InNaN, int VEC, int PER>
__device__ inline void quantize_store_chunk(const Bf16Vec<VEC>* v, float scale, uint8_t* out) {
    if constexpr (PER == 1) {
        quantize_store<F, InNaN, VEC>(v[0], scale, out);
    } else {
        static_assert(VEC == 8 && PER == 2, "wide chunks are 2 x 8 values");
        uint32_t q0[8], q1[8];
        quantize_vec<F, InNaN, 8>(v[0], scale, q0);
        quantize_vec<F, InNaN, 8>(v[1], scale, q1);
        const uint2 lo = pack8(q0), hi = pack8(q1);
        *reinterpret_cast<uint4*>(out) = make_uint4(lo.x, lo.y, hi.x, hi.y);
    }
}

template <int VEC, int PER>
__device__ inline void store_zeros_chunk(uint8_t* out) {
    if constexpr (PER == 1) store_zeros<VEC>(out);
    else *reinterpret_cast<uint4*>(out) = make_uint4(0, 0, 0, 0);
}

/// Pass 2: scale + clamp + cast with the scale of each element's group; zeros for rows of no
/// group. Also writes scale_out[g] for every group (empty ones too). A thread handles chunks of
/// PER * VEC consecutive values (PER = 2: 16-byte stores; needs cols % 16 == 0). A block asks L2
/// for its first tile before it waits for pass 1 (chained launch: the reads overlap pass 1's end).
template <Fp8Format F, bool InNaN, int VEC, int UNROLL, int PER>
__global__ void __launch_bounds__(kBlock) grouped_apply_kernel(
    const uint16_t* __restrict__ x, TilePlan p, const uint32_t* __restrict__ amax,
    ScaleParams params, uint8_t* __restrict__ out, float* __restrict__ scale_out) {
    constexpr int kChunk = VEC * PER, kSteps = UNROLL / PER;
    constexpr int64_t kTile = tile_size<VEC, UNROLL>();
    const int64_t t_begin = int64_t(blockIdx.x) * p.tiles_per_block;
    const int64_t t_end = min64(t_begin + p.tiles_per_block, p.num_tiles);
    if (t_begin < t_end) prefetch_tile(x, (p.reverse ? p.num_tiles - 1 - t_begin : t_begin) * kTile, kTile, p.n);
    fp8moe_wait_prior_grid();  // pass 1 has completed (chained launch): the amaxes are final
    for (int64_t g = int64_t(blockIdx.x) * kBlock + threadIdx.x; g < p.groups;
         g += int64_t(gridDim.x) * kBlock)
        scale_out[g] = scale_from_amax<F>(amax[g], params);
    GroupSpan span{-1, 0, 0};
    int current = -1;
    float scale = 0.0f;
    for (int64_t s = t_begin; s < t_end; ++s) {
        const int64_t t = p.reverse ? p.num_tiles - 1 - s : s;
        const int64_t base = t * kTile;
        const int64_t last = min64(base + kTile, p.n) - 1;
        Bf16Vec<VEC> v[UNROLL];  // loads first, as in pass 1
#pragma unroll
        for (int u = 0; u < kSteps; ++u) {
            const int64_t i = base + (int64_t(u) * kBlock + threadIdx.x) * kChunk;
#pragma unroll
            for (int k = 0; k < PER; ++k)
                v[u * PER + k] = i < p.n ? Bf16Vec<VEC>::load(x + i + k * VEC) : Bf16Vec<VEC>::zero();
        }
        const int g = tile_group(p, base, last, span);
        if (g >= 0) {
            if (g != current) {
                current = g;
                if (current < p.groups) scale = scale_from_amax<F>(amax[current], params);
            }
#pragma unroll
            for (int u = 0; u < kSteps; ++u) {
                const int64_t i = base + (int64_t(u) * kBlock + threadIdx.x) * kChunk;
                if (i >= p.n) continue;
                if (current < p.groups) quantize_store_chunk<F, InNaN, VEC, PER>(&v[u * PER], scale, out + i);
                else store_zeros_chunk<VEC, PER>(out + i);
            }
        } else {
#pragma unroll
            for (int u = 0; u < kSteps; ++u) {
                const int64_t i = base + (int64_t(u) * kBlock + threadIdx.x) * kChunk;
                if (i >= p.n) continue;
                const int gi = group_of_row(row_of(p, i), p.offsets, p.groups);
                if (gi < p.groups)
                    quantize_store_chunk<F, InNaN, VEC, PER>(&v[u * PER], scale_from_amax<F>(amax[gi], params), out + i);
                else
                    store_zeros_chunk<VEC, PER>(out + i);
            }
        }
    }
}

// ------------------------------------------------- tensorwise, two layouts from one pass
//
// Pass 2 of the dual-layout recipe (the PR #4179 branch's 2-D kernel at 3322d2f writes both):
// tiles of ROWS x 128 columns, one per block; a block quantizes its tile once, stores it row-major
// (out[r * cols + c]) and, through shared memory, column-major (out_t[c * rows + r], i.e. the
// [cols, rows] transpose, which is what a [rows, cols] tensor with strides (1, rows) holds): runs
// of ROWS bytes per column. Bytes: read bf16 twice (pass 1 + pass 2), write fp8 twice: 6 B per
// element. Tiles are counted from the last (the rows pass 1 read last are still in L2);
// `row_tiles_fastest` 0: consecutive tiles are the column tiles of one row tile (a wave reads
// whole rows), 1: the row tiles of one column tile.
// `aligned` (cols % 8 == 0, rows % 16 == 0, 16-byte aligned pointers) allows the vector path on
// full tiles; edge tiles and unaligned tensors go element by element (same bytes).
//
// The thread map is what makes this pass run at the copy rate: 16 consecutive threads cover a
// whole 128-column row of the tile, so a load instruction reads 2 rows x 256 contiguous bytes and
// a row-major store writes 2 rows x 128 bytes. A map with 32 threads over 16 rows x 16 columns
// (half-sector stores, 16 lines per load) ran the same tile at 65 % of DRAM peak instead of 85 %
// on an H100 (reports/hip-bench-2026-12-05-dual-coalesced.md, which also has the tiles, maps and
// looping kernels tried and dropped).

/// Bytes 0..3 of four words holding one code each, as one word (first lowest).
__device__ inline uint32_t pack4(uint32_t b0, uint32_t b1, uint32_t b2, uint32_t b3) {
    return b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
}

/// The memory traffic of one ROWS x 128 tile. Thread t owns the 8 columns 8 (t % 16) .. + 7
/// (vector cv) of kPasses quads of 4 rows (quad t / 16 + 16 h in pass h). The transposed tile in
/// shared memory has one word per (column, quad), holding rows 4q..4q+3 of the column: word
/// c * ROWS / 4 + q, XOR 2 * (c / 8 mod 16). The XOR changes bits 1..4 of the word's place among
/// the 32 banks of its bank row, so that the word stores of a warp (16 vectors x 2 quads) and the
/// 16-byte loads of the column-major stores fall in distinct banks; padding cannot do that here
/// (columns 8 apart would share 4 banks).
template <int ROWS> struct DualTile {
    static constexpr int kCols = 128, kStride = ROWS / 4, kWords = kCols * kStride;
    static constexpr int kQuadsPerPass = kBlock / 16, kPasses = ROWS / 4 / kQuadsPerPass;
    static_assert((ROWS == 64 || ROWS == 128) && kBlock == 256, "the thread map and the swizzle below");
    int cv = threadIdx.x & 15, quad0 = threadIdx.x >> 4;
    /// The XOR applied to the words of column c.
    __device__ static int swizzle(int c) { return ((c >> 3) & 15) * 2; }
    /// The word holding rows 4q..4q+3 of column c.
    __device__ static int word(int c, int q) { return (c * kStride + q) ^ swizzle(c); }
    /// Origin of tile t (counted from the last, in the order above); whether it is a full tile.
    __device__ static bool origin(int64_t t, int64_t rows, int64_t cols, int aligned, int row_tiles_fastest,
                                  int64_t& r0, int64_t& c0) {
        const int64_t row_tiles = rows > 0 ? (rows + ROWS - 1) / ROWS : 1, col_tiles = (cols + kCols - 1) / kCols;
        const int64_t b = row_tiles * col_tiles - 1 - t;
        r0 = (row_tiles_fastest ? b % row_tiles : b / col_tiles) * ROWS;
        c0 = (row_tiles_fastest ? b / row_tiles : b % col_tiles) * kCols;
        return aligned && r0 + ROWS <= rows && c0 + kCols <= cols;
    }
    /// Asks L2 for the full tile's rows, 256 bytes each: one request per 128-byte line.
    __device__ static void prefetch(const uint16_t* x, int64_t cols, int64_t r0, int64_t c0) {
        for (int i = threadIdx.x; i < ROWS * 2; i += kBlock) fp8moe_prefetch_l2(x + (r0 + i / 2) * cols + c0 + i % 2 * 64);
    }
    /// Pass h of the full tile: this thread's 4 rows of 8 columns.
    __device__ void load(Bf16Vec<8> (&v)[4], const uint16_t* x, int64_t cols, int64_t r0, int64_t c0, int h) const {
#pragma unroll
        for (int i = 0; i < 4; ++i)
            v[i] = Bf16Vec<8>::load(x + (r0 + (h * kQuadsPerPass + quad0) * 4 + i) * cols + c0 + cv * 8);
    }
    /// Quantizes pass h: 8-byte row-major stores to out, one word per column into `tile`.
    template <Fp8Format F, bool InNaN>
    __device__ void quantize_store(const Bf16Vec<8> (&v)[4], float scale, uint8_t* out, int64_t cols, int64_t r0,
                                   int64_t c0, int h, uint32_t* tile) const {
        const int quad = h * kQuadsPerPass + quad0;
        uint32_t q[4][8];
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            quantize_vec<F, InNaN, 8>(v[i], scale, q[i]);
            store_codes<8>(q[i], out + (r0 + quad * 4 + i) * cols + c0 + cv * 8);
        }
#pragma unroll
        for (int j = 0; j < 8; ++j) tile[word(cv * 8 + j, quad)] = pack4(q[0][j], q[1][j], q[2][j], q[3][j]);
    }
    /// Column-major, after a barrier: 16 consecutive rows of one column per 16-byte store.
    __device__ static void store_columns(const uint32_t* tile, uint8_t* out_t, int64_t rows, int64_t r0, int64_t c0) {
        constexpr int kChunks = ROWS / 16, kSteps = kCols * kChunks / kBlock;
#pragma unroll
        for (int u = 0; u < kSteps; ++u) {
            const int idx = u * kBlock + threadIdx.x, c = idx / kChunks, part = idx % kChunks;
            // Quads 4 part .. 4 part + 3 are 4 aligned words (the XOR moves the group whole, and
            // swaps its halves where bit 1 of the XOR is set).
            const uint32_t* w = tile + ((c * kStride + part * 4) ^ (swizzle(c) & ~3));
            const int h = swizzle(c) & 2;
            *reinterpret_cast<uint4*>(out_t + (c0 + c) * rows + r0 + part * 16) =
                make_uint4(w[0 ^ h], w[1 ^ h], w[2 ^ h], w[3 ^ h]);
        }
    }
    /// Edge tiles and unaligned tensors: element by element, the same bytes (one barrier inside).
    template <Fp8Format F, bool InNaN>
    __device__ static void edge(const uint16_t* x, int64_t rows, int64_t cols, int64_t r0, int64_t c0, float scale,
                                uint8_t* out, uint8_t* out_t, uint32_t* tile) {
        uint8_t* bytes = reinterpret_cast<uint8_t*>(tile);  // bytes[c * ROWS + r]
        for (int idx = threadIdx.x; idx < ROWS * kCols; idx += kBlock) {
            const int r = idx / kCols, c = idx % kCols;
            if (r0 + r >= rows || c0 + c >= cols) continue;
            const uint32_t q = quantize_bf16_one<F>(input_of<InNaN>(x[(r0 + r) * cols + c0 + c]), scale);
            out[(r0 + r) * cols + c0 + c] = uint8_t(q);
            bytes[c * ROWS + r] = uint8_t(q);
        }
        __syncthreads();
        for (int idx = threadIdx.x; idx < ROWS * kCols; idx += kBlock) {
            const int c = idx / ROWS, r = idx % ROWS;
            if (r0 + r >= rows || c0 + c >= cols) continue;
            out_t[(c0 + c) * rows + r0 + r] = bytes[c * ROWS + r];
        }
    }
};

/// One tile per block (grid: every tile).
template <Fp8Format F, bool InNaN, int ROWS>
__global__ void __launch_bounds__(kBlock) dual_apply_kernel(
    const uint16_t* __restrict__ x, int64_t rows, int64_t cols, int aligned, int row_tiles_fastest,
    const uint32_t* __restrict__ amax, ScaleParams params, uint8_t* __restrict__ out,
    uint8_t* __restrict__ out_t, float* __restrict__ scale_out) {
    using T = DualTile<ROWS>;
    __shared__ uint32_t tile[T::kWords];
    int64_t r0 = 0, c0 = 0;
    const bool full = T::origin(blockIdx.x, rows, cols, aligned, row_tiles_fastest, r0, c0);
    if (full) T::prefetch(x, cols, r0, c0);  // asked of L2 before the wait
    fp8moe_wait_prior_grid();  // pass 1 has completed (chained launch): the amax is final
    const float scale = scale_from_amax<F>(amax[0], params);
    if (blockIdx.x == 0 && threadIdx.x == 0) scale_out[0] = scale;
    if (!full) {
        T::template edge<F, InNaN>(x, rows, cols, r0, c0, scale, out, out_t, tile);
        return;
    }
    const T map;
    Bf16Vec<8> v[T::kPasses][4];
#pragma unroll
    for (int h = 0; h < T::kPasses; ++h) map.load(v[h], x, cols, r0, c0, h);
#pragma unroll
    for (int h = 0; h < T::kPasses; ++h) map.template quantize_store<F, InNaN>(v[h], scale, out, cols, r0, c0, h, tile);
    __syncthreads();
    T::store_columns(tile, out_t, rows, r0, c0);
}

// -------------------------------------------------- one scale per (group of rows, column)
//
// Grid (column tiles, row tiles). A thread owns VEC consecutive columns and walks the rows of
// its row tile; group boundaries are the same for the whole block, so the walk is split into
// segments of one group each (empty groups are skipped by group_of_row).

constexpr int kColumnUnroll = 4;  ///< rows loaded ahead per thread in the column kernels

/// Pass 1: per segment, VEC running maxes in registers, then VEC atomicMax into amax[g, c..].
template <int VEC, bool KeyNaN>
__global__ void __launch_bounds__(kBlock) column_amax_kernel(
    const uint16_t* __restrict__ x, int64_t rows, int64_t cols, const int32_t* __restrict__ offsets,
    int groups, int64_t rows_per_tile, uint32_t* __restrict__ amax) {
    const int64_t c = (int64_t(blockIdx.x) * kBlock + threadIdx.x) * VEC;
    if (c >= cols) return;  // no block-wide synchronisation below
    int64_t r = int64_t(blockIdx.y) * rows_per_tile;
    const int64_t r_end = min64(r + rows_per_tile, rows);
    while (r < r_end) {
        const int g = group_of_row(r, offsets, groups);
        if (g >= groups) break;
        const int64_t seg_end = min64(r_end, int64_t(offsets[g]));
        uint32_t acc[VEC];
#pragma unroll
        for (int j = 0; j < VEC; ++j) acc[j] = 0;
        const uint16_t* p = x + r * cols + c;
        for (; r + kColumnUnroll <= seg_end; r += kColumnUnroll, p += kColumnUnroll * cols) {
            Bf16Vec<VEC> v[kColumnUnroll];
#pragma unroll
            for (int u = 0; u < kColumnUnroll; ++u) v[u] = Bf16Vec<VEC>::load(p + u * cols);
#pragma unroll
            for (int u = 0; u < kColumnUnroll; ++u)
#pragma unroll
                for (int j = 0; j < VEC; ++j) acc[j] = umax(acc[j], bf16_abs_key<KeyNaN>(v[u][j]));
        }
        for (; r < seg_end; ++r, p += cols) {
            const Bf16Vec<VEC> v = Bf16Vec<VEC>::load(p);
#pragma unroll
            for (int j = 0; j < VEC; ++j) acc[j] = umax(acc[j], bf16_abs_key<KeyNaN>(v[j]));
        }
        uint32_t* a = amax + int64_t(g) * cols + c;
#pragma unroll
        for (int j = 0; j < VEC; ++j)
            if (acc[j] != 0) atomicMax(a + j, acc[j]);
    }
}

/// Pass 2: per segment, VEC scales from the amaxes, then scale + clamp + cast row by row; zeros
/// for rows of no group. Also writes scale_out[g, c] for every group and column.
template <Fp8Format F, bool InNaN, int VEC>
__global__ void __launch_bounds__(kBlock) column_apply_kernel(
    const uint16_t* __restrict__ x, int64_t rows, int64_t cols, const int32_t* __restrict__ offsets,
    int groups, int64_t rows_per_tile, const uint32_t* __restrict__ amax, ScaleParams params,
    uint8_t* __restrict__ out, float* __restrict__ scale_out) {
    const int64_t threads = int64_t(gridDim.x) * gridDim.y * kBlock;
    const int64_t slots = int64_t(groups) * cols;
    for (int64_t i = (int64_t(blockIdx.y) * gridDim.x + blockIdx.x) * kBlock + threadIdx.x;
         i < slots; i += threads)
        scale_out[i] = scale_from_amax<F>(amax[i], params);

    const int64_t c = (int64_t(blockIdx.x) * kBlock + threadIdx.x) * VEC;
    if (c >= cols) return;
    int64_t r = int64_t(blockIdx.y) * rows_per_tile;
    const int64_t r_end = min64(r + rows_per_tile, rows);
    while (r < r_end) {
        const int g = group_of_row(r, offsets, groups);
        if (g >= groups) {
            for (; r < r_end; ++r) store_zeros<VEC>(out + r * cols + c);
            break;
        }
        const int64_t seg_end = min64(r_end, int64_t(offsets[g]));
        float scale[VEC];
#pragma unroll
        for (int j = 0; j < VEC; ++j)
            scale[j] = scale_from_amax<F>(amax[int64_t(g) * cols + c + j], params);
        for (; r + kColumnUnroll <= seg_end; r += kColumnUnroll) {
            Bf16Vec<VEC> v[kColumnUnroll];
#pragma unroll
            for (int u = 0; u < kColumnUnroll; ++u) v[u] = Bf16Vec<VEC>::load(x + (r + u) * cols + c);
#pragma unroll
            for (int u = 0; u < kColumnUnroll; ++u) quantize_store<F, InNaN, VEC>(v[u], scale, out + (r + u) * cols + c);
        }
        for (; r < seg_end; ++r)
            quantize_store<F, InNaN, VEC>(Bf16Vec<VEC>::load(x + r * cols + c), scale, out + r * cols + c);
    }
}

// ------------------------------------------------------------------------ one scale per row

/// Vectors per lane held in registers: a row of up to kRowCache * TEAM * VEC elements is read
/// once (with VEC = 8: 64 * TEAM, e.g. 2048 for a 32-lane team, 8192 for 128 lanes); longer rows
/// are read twice (the second read mostly from cache).
constexpr int kRowCache = 8;

/// A team of TEAM threads per row (a multiple of the warp; the block holds kBlock / TEAM rows at
/// a time; the loop over rows is block-uniform, so teams may synchronise): amax over the row,
/// team reduction, scale, cast.
template <Fp8Format F, int VEC, bool KeyNaN, bool InNaN, int TEAM>
__global__ void __launch_bounds__(kBlock) rowwise_kernel(
    const uint16_t* __restrict__ x, int64_t rows, int64_t cols, ScaleParams params,
    uint8_t* __restrict__ out, float* __restrict__ scale_out) {
    static_assert(TEAM % FP8MOE_WARP_SIZE == 0 && TEAM <= kBlock, "a team is whole warps of one block");
    constexpr int kTeams = kBlock / TEAM;
    const int lane = threadIdx.x % TEAM, team = threadIdx.x / TEAM;
    const int64_t nvec = cols / VEC;
    for (int64_t first = int64_t(blockIdx.x) * kTeams; first < rows; first += int64_t(gridDim.x) * kTeams) {
        const int64_t row = first + team;
        const bool live = row < rows;
        const uint16_t* xr = x + row * cols;
        uint8_t* outr = out + row * cols;
        float scale;
        if (nvec <= int64_t(kRowCache) * TEAM) {
            Bf16Vec<VEC> v[kRowCache];
#pragma unroll
            for (int j = 0; j < kRowCache; ++j) {
                const int64_t i = lane + int64_t(j) * TEAM;
                v[j] = live && i < nvec ? Bf16Vec<VEC>::load(xr + i * VEC) : Bf16Vec<VEC>::zero();
            }
            uint32_t m = 0;
#pragma unroll
            for (int j = 0; j < kRowCache; ++j) m = umax(m, vec_amax<KeyNaN>(v[j]));
            scale = scale_from_amax<F>(team_max<TEAM>(m), params);
#pragma unroll
            for (int j = 0; j < kRowCache; ++j) {
                const int64_t i = lane + int64_t(j) * TEAM;
                if (live && i < nvec) quantize_store<F, InNaN, VEC>(v[j], scale, outr + i * VEC);
            }
        } else {
            uint32_t m = 0;
            if (live)
                for (int64_t i = lane; i < nvec; i += TEAM)
                    m = umax(m, vec_amax<KeyNaN>(Bf16Vec<VEC>::load(xr + i * VEC)));
            scale = scale_from_amax<F>(team_max<TEAM>(m), params);
            if (live)
                for (int64_t i = lane; i < nvec; i += TEAM)
                    quantize_store<F, InNaN, VEC>(Bf16Vec<VEC>::load(xr + i * VEC), scale, outr + i * VEC);
        }
        if (live && lane == 0) scale_out[row] = scale;
    }
}

}  // namespace fp8moe

#endif  // FP8MOE_QUANTIZE_KERNELS_H
