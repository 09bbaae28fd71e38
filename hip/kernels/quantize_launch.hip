// quantize_launch.hip: host glue of the kernels: the C interface of fp8moe/quant_api.h. Picks
// the template instance (format, vector width, NaN handling, unroll, team), sizes the grid,
// launches, and checks every runtime call and launch. The kernels themselves are in
// quantize_kernels.h and block_kernels.h.
#include <stdint.h>
#include <string.h>

#include "fp8moe/hip_compat.h"
#include "fp8moe/quant_api.h"
#include "block_kernels.h"
#include "quantize_kernels.h"

namespace fp8moe {
namespace {

#define FP8Q_CHECK(call)                              \
    do {                                              \
        const hipError_t fp8q_status_ = (call);       \
        if (fp8q_status_ != hipSuccess) return int(fp8q_status_); \
    } while (0)

/// An attribute of the current device, read once per device.
struct DeviceFacts {
    int device = -1, sms = 0, warp = 0;
};

int device_facts(DeviceFacts* out) {
    static DeviceFacts cached;
    int device = 0;
    FP8Q_CHECK(hipGetDevice(&device));
    if (device != cached.device) {
        DeviceFacts f;
        f.device = device;
        FP8Q_CHECK(hipDeviceGetAttribute(&f.sms, hipDeviceAttributeMultiprocessorCount, device));
        FP8Q_CHECK(hipDeviceGetAttribute(&f.warp, hipDeviceAttributeWarpSize, device));
        cached = f;
    }
    *out = cached;
    return 0;
}

/// Resident blocks of `Kernel` per multiprocessor, read once per kernel instance.
template <auto Kernel>
int blocks_per_sm(int* blocks) {
    static int cached = 0;
    if (cached == 0) {
        FP8Q_CHECK(hipOccupancyMaxActiveBlocksPerMultiprocessor(&cached, Kernel, kBlock, 0));
        if (cached < 1) cached = 1;
    }
    *blocks = cached;
    return 0;
}

bool aligned(const void* p, uintptr_t bytes) { return reinterpret_cast<uintptr_t>(p) % bytes == 0; }

bool vectorizable(const void* x, const void* out, int64_t cols) {
    return cols % 8 == 0 && aligned(x, 16) && aligned(out, 8);
}

ScaleParams scale_params(const fp8q_recipe& r) {
    return ScaleParams{r.scale_compute == FP8Q_SCALE_FP32 ? 1 : 0, r.pow2 ? 1 : 0};
}

bool recipe_ok(const fp8q_recipe& r) {
    return (r.format == FP8Q_E4M3FN || r.format == FP8Q_E4M3FNUZ) &&
           (r.amax_nan == FP8Q_AMAX_PROPAGATE || r.amax_nan == FP8Q_AMAX_NAN_TO_NUM) &&
           (r.scale_compute == FP8Q_SCALE_FP64 || r.scale_compute == FP8Q_SCALE_FP32) &&
           (r.pow2 == 0 || r.pow2 == 1) && (r.input_nan_to_num == 0 || r.input_nan_to_num == 1);
}

/// The amax sees nan_to_num(x) (SPEC 3 amax_nan, or 8.1 input_nan_to_num).
bool key_nan_to_num(const fp8q_recipe& r) { return r.amax_nan == FP8Q_AMAX_NAN_TO_NUM || r.input_nan_to_num; }

/// Defaults: the grouped passes' best variant measured on the H200 at 98432x2048 and 16384x7168
/// (reports/hip-bench-2026-12-01-h200.md); the dual layout's 64x128 tile, the fastest at every
/// shape of the H100 runs of 2026-12-05 (reports/hip-bench-2026-12-05-dual-coalesced.md).
fp8q_tuning g_tuning = {2, 2, 1, 0, 8, 8, 0, 1, 0, 0, 1};

bool tuning_ok(const fp8q_tuning& t) {
    auto unroll_ok = [](int u) { return u == 4 || u == 8; };
    return t.amax_tiles >= 0 && t.apply_tiles >= 0 && (t.apply_reverse == 0 || t.apply_reverse == 1) &&
           (t.apply_wide == 0 || t.apply_wide == 1) && unroll_ok(t.amax_unroll) && unroll_ok(t.apply_unroll) &&
           t.rowwise_team >= 0 && t.rowwise_team <= kBlock && (t.chain == 0 || t.chain == 1) &&
           (t.dual_tile == 0 || t.dual_tile == 1) && (t.dual_order == 0 || t.dual_order == 1) &&
           (t.small_shape == 0 || t.small_shape == 1);
}

// ---------------------------------------------------------------------------- grouped

/// The launch shape for a tensor of n elements: the tuning, except that (small_shape = 1) a tensor
/// too small to give the tuned grid 8 blocks per multiprocessor gets 1 tile per block, 4 loads per
/// thread (more, smaller blocks: 2048x2048 ran 0.0163 ms with the tuned shape, 0.0149 with this
/// one). The dual layout's pass 2 keeps its tile: 64x128 is also the fastest at 2048x2048.
fp8q_tuning launch_shape(int64_t n, const DeviceFacts& dev) {
    fp8q_tuning t = g_tuning;
    const int64_t tile = int64_t(kBlock) * 8 * t.apply_unroll;
    const int64_t per_block = t.apply_tiles > 0 ? t.apply_tiles : 1;
    if (t.small_shape && (n + tile * per_block - 1) / (tile * per_block) < int64_t(dev.sms) * 8) {
        t.amax_tiles = t.apply_tiles = 1;
        t.amax_unroll = t.apply_unroll = 4;
    }
    return t;
}

/// Tiles per block for `per_block` (0: one wave of `resident` blocks per multiprocessor).
int64_t tiles_per_block(int64_t num_tiles, int per_block, int sms, int resident) {
    if (num_tiles == 0) return 1;
    if (per_block > 0) return per_block;
    const int64_t wave = int64_t(sms) * resident;
    return (num_tiles + wave - 1) / wave;
}

TilePlan base_plan(int64_t rows, int64_t cols, const int32_t* offsets, int groups) {
    TilePlan p{};
    p.n = rows * cols;
    p.cols = cols;
    p.narrow = p.n <= (int64_t(1) << 32) && cols <= 0xFFFFFFFF;
    if (p.narrow) p.cols_div = make_fastdiv(uint32_t(cols));
    p.offsets = offsets;
    p.groups = groups;
    return p;
}

/// Whether pass 2 is chained to pass 1 (fp8q_tuning.chain; plain launches where the platform has
/// no chained launch).
bool chain_pass2(const fp8q_tuning& t) { return FP8MOE_CHAINED_LAUNCH && t.chain == 1; }

/// Pass 1 of the grouped recipes (also of the dual layout): memset of the amax scratch, then the
/// amax kernel with UNROLL vector loads in flight per thread.
template <int VEC, int UNROLL, bool KeyNaN>
int grouped_amax(const uint16_t* x, TilePlan p, uint32_t* amax, const fp8q_tuning& t, const DeviceFacts& dev,
                 hipStream_t s) {
    int resident = 0;
    if (const int e = blocks_per_sm<grouped_amax_kernel<VEC, UNROLL, KeyNaN>>(&resident)) return e;
    p.num_tiles = (p.n + tile_size<VEC, UNROLL>() - 1) / tile_size<VEC, UNROLL>();
    p.tiles_per_block = tiles_per_block(p.num_tiles, t.amax_tiles, dev.sms, resident);
    p.reverse = 0;
    FP8Q_CHECK(hipMemsetAsync(amax, 0, sizeof(uint32_t) * size_t(p.groups), s));
    const int64_t grid = (p.num_tiles + p.tiles_per_block - 1) / p.tiles_per_block;
    if (grid > 0)
        FP8Q_CHECK(fp8moe_launch(grouped_amax_kernel<VEC, UNROLL, KeyNaN>, dim3(unsigned(grid)), dim3(kBlock), s,
                                 false, x, p, amax));
    return 0;
}

/// Pass 2 of the grouped recipes with PER vectors per store (PER = 2: 16-byte stores).
template <Fp8Format F, bool InNaN, int VEC, int UNROLL, int PER>
int grouped_apply(const uint16_t* x, TilePlan p, const uint32_t* amax, ScaleParams params,
                  uint8_t* out, float* scale_out, const fp8q_tuning& t, const DeviceFacts& dev, hipStream_t s) {
    int resident = 0;
    if (const int e = blocks_per_sm<grouped_apply_kernel<F, InNaN, VEC, UNROLL, PER>>(&resident)) return e;
    p.num_tiles = (p.n + tile_size<VEC, UNROLL>() - 1) / tile_size<VEC, UNROLL>();
    p.tiles_per_block = tiles_per_block(p.num_tiles, t.apply_tiles, dev.sms, resident);
    p.reverse = t.apply_reverse;
    int64_t grid = (p.num_tiles + p.tiles_per_block - 1) / p.tiles_per_block;
    if (grid == 0) grid = 1;  // still write the scales
    FP8Q_CHECK(fp8moe_launch(grouped_apply_kernel<F, InNaN, VEC, UNROLL, PER>, dim3(unsigned(grid)), dim3(kBlock), s,
                             chain_pass2(t), x, p, amax, params, out, scale_out));
    return 0;
}

template <Fp8Format F, int VEC, bool KeyNaN, bool InNaN>
int grouped(const uint16_t* x, int64_t rows, int64_t cols, const int32_t* offsets, int groups,
            const fp8q_recipe& r, uint8_t* out, float* scale_out, uint32_t* amax, hipStream_t s) {
    DeviceFacts dev;
    if (const int e = device_facts(&dev)) return e;
    const TilePlan p = base_plan(rows, cols, offsets, groups);
    const ScaleParams params = scale_params(r);
    const fp8q_tuning t = launch_shape(p.n, dev);
    if constexpr (VEC == 8) {
        const int e = t.amax_unroll == 8 ? grouped_amax<8, 8, KeyNaN>(x, p, amax, t, dev, s)
                                         : grouped_amax<8, 4, KeyNaN>(x, p, amax, t, dev, s);
        if (e) return e;
        const bool wide = t.apply_wide && cols % 16 == 0 && aligned(out, 16);
        if (t.apply_unroll == 8)
            return wide ? grouped_apply<F, InNaN, 8, 8, 2>(x, p, amax, params, out, scale_out, t, dev, s)
                        : grouped_apply<F, InNaN, 8, 8, 1>(x, p, amax, params, out, scale_out, t, dev, s);
        return wide ? grouped_apply<F, InNaN, 8, 4, 2>(x, p, amax, params, out, scale_out, t, dev, s)
                    : grouped_apply<F, InNaN, 8, 4, 1>(x, p, amax, params, out, scale_out, t, dev, s);
    } else {
        if (const int e = grouped_amax<1, 4, KeyNaN>(x, p, amax, t, dev, s)) return e;
        return grouped_apply<F, InNaN, 1, 4, 1>(x, p, amax, params, out, scale_out, t, dev, s);
    }
}

// ------------------------------------------------------------------------ dual layout

/// Pass 2 of the dual layout, ROWS x 128 tiles, one block per tile (1-D grid).
template <Fp8Format F, bool InNaN, int ROWS>
int dual_apply(const uint16_t* x, int64_t rows, int64_t cols, int vec_ok, const uint32_t* amax, ScaleParams params,
               uint8_t* out, uint8_t* out_t, float* scale_out, const fp8q_tuning& t, hipStream_t s) {
    const int64_t row_tiles = rows > 0 ? (rows + ROWS - 1) / ROWS : 1;
    const int64_t col_tiles = (cols + DualTile<ROWS>::kCols - 1) / DualTile<ROWS>::kCols;
    if (row_tiles * col_tiles > 0x7FFFFFFF) return int(hipErrorInvalidValue);
    FP8Q_CHECK(fp8moe_launch(dual_apply_kernel<F, InNaN, ROWS>, dim3(unsigned(row_tiles * col_tiles)), dim3(kBlock), s,
                             chain_pass2(t), x, rows, cols, vec_ok, t.dual_order, amax, params, out, out_t, scale_out));
    return 0;
}

template <Fp8Format F, int VEC, bool KeyNaN, bool InNaN>
int dual(const uint16_t* x, int64_t rows, int64_t cols, const fp8q_recipe& r, uint8_t* out,
         uint8_t* out_t, float* scale_out, uint32_t* amax, hipStream_t s) {
    DeviceFacts dev;
    if (const int e = device_facts(&dev)) return e;
    const TilePlan p = base_plan(rows, cols, nullptr, 1);
    const fp8q_tuning t = launch_shape(p.n, dev);
    const int e = t.amax_unroll == 8 && VEC == 8 ? grouped_amax<VEC, 8, KeyNaN>(x, p, amax, t, dev, s)
                                                 : grouped_amax<VEC, 4, KeyNaN>(x, p, amax, t, dev, s);
    if (e) return e;
    const int vec_ok = VEC == 8 && rows % 16 == 0 && aligned(out_t, 16);
    const ScaleParams params = scale_params(r);
    return t.dual_tile == 1
               ? dual_apply<F, InNaN, 128>(x, rows, cols, vec_ok, amax, params, out, out_t, scale_out, t, s)
               : dual_apply<F, InNaN, 64>(x, rows, cols, vec_ok, amax, params, out, out_t, scale_out, t, s);
}

// ---------------------------------------------------------------------- group columns

template <Fp8Format F, int VEC, bool KeyNaN, bool InNaN>
int group_columns(const uint16_t* x, int64_t rows, int64_t cols, const int32_t* offsets,
                  int groups, const fp8q_recipe& r, uint8_t* out, float* scale_out,
                  uint32_t* amax, hipStream_t s) {
    DeviceFacts dev;
    if (const int e = device_facts(&dev)) return e;
    const int64_t col_tiles = (cols + int64_t(kBlock) * VEC - 1) / (int64_t(kBlock) * VEC);
    // About 8 blocks per multiprocessor; no fewer than 32 rows per tile (each tile costs
    // cols atomics), and at most 65535 row tiles (grid.y limit).
    const int64_t want_row_tiles = (int64_t(dev.sms) * 8 + col_tiles - 1) / col_tiles;
    int64_t rows_per_tile = (rows + want_row_tiles - 1) / (want_row_tiles > 0 ? want_row_tiles : 1);
    if (rows_per_tile < 32) rows_per_tile = 32;
    if ((rows + rows_per_tile - 1) / rows_per_tile > 65535) rows_per_tile = (rows + 65534) / 65535;
    int64_t row_tiles = (rows + rows_per_tile - 1) / rows_per_tile;

    FP8Q_CHECK(hipMemsetAsync(amax, 0, sizeof(uint32_t) * size_t(groups) * size_t(cols), s));
    if (row_tiles > 0 && col_tiles > 0) {
        column_amax_kernel<VEC, KeyNaN><<<dim3(unsigned(col_tiles), unsigned(row_tiles)), dim3(kBlock), 0, s>>>(
            x, rows, cols, offsets, groups, rows_per_tile, amax);
        FP8Q_CHECK(hipGetLastError());
    }
    const int64_t gx = col_tiles > 0 ? col_tiles : 1, gy = row_tiles > 0 ? row_tiles : 1;
    column_apply_kernel<F, InNaN, VEC><<<dim3(unsigned(gx), unsigned(gy)), dim3(kBlock), 0, s>>>(
        x, rows, cols, offsets, groups, rows_per_tile, amax, scale_params(r), out, scale_out);
    FP8Q_CHECK(hipGetLastError());
    return 0;
}

// ---------------------------------------------------------------------------- rowwise

template <Fp8Format F, int VEC, bool KeyNaN, bool InNaN, int TEAM>
int rowwise_launch(const uint16_t* x, int64_t rows, int64_t cols, const fp8q_recipe& r,
                   uint8_t* out, float* scale_out, hipStream_t s) {
    constexpr int64_t rows_per_block = kBlock / TEAM;
    int64_t grid = (rows + rows_per_block - 1) / rows_per_block;
    if (grid > 0x7FFFFFFF) grid = 0x7FFFFFFF;  // the kernel strides over rows
    rowwise_kernel<F, VEC, KeyNaN, InNaN, TEAM><<<dim3(unsigned(grid)), dim3(kBlock), 0, s>>>(
        x, rows, cols, scale_params(r), out, scale_out);
    FP8Q_CHECK(hipGetLastError());
    return 0;
}

/// The team per row: the tuning's, else the smallest number of whole warps whose registers hold
/// the row (kRowCache vectors per thread), else the whole block (the row is read twice).
/// VEC = 1 (odd or unaligned rows) uses one warp or the whole block.
template <Fp8Format F, int VEC, bool KeyNaN, bool InNaN>
int rowwise(const uint16_t* x, int64_t rows, int64_t cols, const fp8q_recipe& r, uint8_t* out,
            float* scale_out, hipStream_t s) {
    if (rows == 0) return 0;
    DeviceFacts dev;
    if (const int e = device_facts(&dev)) return e;
    constexpr int W = FP8MOE_WARP_SIZE;
    if (dev.warp != W) return int(hipErrorInvalidValue);  // a build for another wavefront size
    const int64_t nvec = cols / VEC;
    int team = g_tuning.rowwise_team;
    if (team == 0) {
        team = kBlock;
        for (int t = W; t < kBlock; t *= 2)
            if (nvec <= int64_t(kRowCache) * t) { team = t; break; }
    }
    if (team % W != 0) return int(hipErrorInvalidValue);
    if constexpr (VEC == 1) {
        return team == W ? rowwise_launch<F, 1, KeyNaN, InNaN, W>(x, rows, cols, r, out, scale_out, s)
                         : rowwise_launch<F, 1, KeyNaN, InNaN, kBlock>(x, rows, cols, r, out, scale_out, s);
    } else {
        switch (team / W) {
        case 1: return rowwise_launch<F, VEC, KeyNaN, InNaN, W>(x, rows, cols, r, out, scale_out, s);
        case 2: return rowwise_launch<F, VEC, KeyNaN, InNaN, 2 * W>(x, rows, cols, r, out, scale_out, s);
        case 4: if constexpr (4 * W <= kBlock) return rowwise_launch<F, VEC, KeyNaN, InNaN, 4 * W>(x, rows, cols, r, out, scale_out, s);
                break;
        case 8: if constexpr (8 * W <= kBlock) return rowwise_launch<F, VEC, KeyNaN, InNaN, 8 * W>(x, rows, cols, r, out, scale_out, s);
                break;
        }
        return int(hipErrorInvalidValue);
    }
}

// ------------------------------------------------------------------- block-scaled (8.3)

/// One pass over the flat tensor (block_kernels.h): the vector path when the pointers allow it
/// (cols % BLOCK == 0 makes n a multiple of 8), with g_tuning.apply_unroll loads per thread, else
/// the scalar path.
template <Fp8Format F, int BLOCK, class Scale, bool KeyNaN, bool InNaN>
int block_scaled(const uint16_t* x, int64_t rows, int64_t cols, Scale rule, uint8_t* out,
                 typename Scale::Stored* scale_out, hipStream_t s) {
    const int64_t n = rows * cols;
    if (n == 0) return 0;
    if (vectorizable(x, out, cols)) {
        const int unroll = g_tuning.apply_unroll;
        const int64_t per_block = int64_t(kBlock) * unroll;
        const int64_t grid = (n / 8 + per_block - 1) / per_block;
        if (grid > 0x7FFFFFFF) return int(hipErrorInvalidValue);
        if (unroll == 8)
            block_kernel<F, BLOCK, Scale, KeyNaN, InNaN, 8><<<dim3(unsigned(grid)), dim3(kBlock), 0, s>>>(x, n, rule, out, scale_out);
        else
            block_kernel<F, BLOCK, Scale, KeyNaN, InNaN, 4><<<dim3(unsigned(grid)), dim3(kBlock), 0, s>>>(x, n, rule, out, scale_out);
    } else {
        const int64_t grid = (n / BLOCK + kBlock - 1) / kBlock;
        if (grid > 0x7FFFFFFF) return int(hipErrorInvalidValue);
        block_scalar_kernel<F, BLOCK, Scale, KeyNaN, InNaN><<<dim3(unsigned(grid)), dim3(kBlock), 0, s>>>(x, n, rule, out, scale_out);
    }
    FP8Q_CHECK(hipGetLastError());
    return 0;
}

template <Fp8Format F, int VEC, bool K, bool I> struct BlockwiseOp {
    static int run(const uint16_t* x, int64_t rows, int64_t cols, const fp8q_recipe& r, int reciprocal,
                   uint8_t* out, float* scale_out, hipStream_t s) {
        const BlockwiseScale<F> rule{scale_params(r), reciprocal};
        return block_scaled<F, 128, BlockwiseScale<F>, K, I>(x, rows, cols, rule, out, scale_out, s);
    }
};

// ------------------------------------------------------------------------- dispatch

/// Calls Op<F, VEC, KeyNaN, InNaN>::run(args...) for the recipe's format and NaN handling
/// (InNaN implies KeyNaN: three combinations per format).
template <template <Fp8Format, int, bool, bool> class Op, int VEC, typename... Args>
int dispatch(const fp8q_recipe& r, Args... args) {
    const bool key = key_nan_to_num(r), in = r.input_nan_to_num != 0;
    if (r.format == FP8Q_E4M3FN) {
        if (in) return Op<Fp8Format::e4m3fn, VEC, true, true>::run(args...);
        return key ? Op<Fp8Format::e4m3fn, VEC, true, false>::run(args...)
                   : Op<Fp8Format::e4m3fn, VEC, false, false>::run(args...);
    }
    if (in) return Op<Fp8Format::e4m3fnuz, VEC, true, true>::run(args...);
    return key ? Op<Fp8Format::e4m3fnuz, VEC, true, false>::run(args...)
               : Op<Fp8Format::e4m3fnuz, VEC, false, false>::run(args...);
}

template <Fp8Format F, int VEC, bool K, bool I> struct GroupedOp {
    template <typename... A> static int run(A... a) { return grouped<F, VEC, K, I>(a...); }
};
template <Fp8Format F, int VEC, bool K, bool I> struct DualOp {
    template <typename... A> static int run(A... a) { return dual<F, VEC, K, I>(a...); }
};
template <Fp8Format F, int VEC, bool K, bool I> struct ColumnsOp {
    template <typename... A> static int run(A... a) { return group_columns<F, VEC, K, I>(a...); }
};
template <Fp8Format F, int VEC, bool K, bool I> struct RowwiseOp {
    template <typename... A> static int run(A... a) { return rowwise<F, VEC, K, I>(a...); }
};

}  // namespace
}  // namespace fp8moe

using namespace fp8moe;

extern "C" int fp8q_quantize_grouped(const uint16_t* x, int64_t rows, int64_t cols,
                                     const int32_t* offsets, int groups, fp8q_recipe recipe,
                                     uint8_t* out, float* scale_out, uint32_t* amax_scratch,
                                     void* stream) {
    if (!recipe_ok(recipe) || rows < 0 || cols <= 0 || (offsets == nullptr && groups != 1) ||
        groups < 1 || !x || !out || !scale_out || !amax_scratch)
        return int(hipErrorInvalidValue);
    hipStream_t s = static_cast<hipStream_t>(stream);
    if (vectorizable(x, out, cols))
        return dispatch<GroupedOp, 8>(recipe, x, rows, cols, offsets, groups, recipe, out, scale_out, amax_scratch, s);
    return dispatch<GroupedOp, 1>(recipe, x, rows, cols, offsets, groups, recipe, out, scale_out, amax_scratch, s);
}

extern "C" int fp8q_quantize_tensorwise_dual(const uint16_t* x, int64_t rows, int64_t cols,
                                             fp8q_recipe recipe, uint8_t* out, uint8_t* out_t,
                                             float* scale_out, uint32_t* amax_scratch, void* stream) {
    if (!recipe_ok(recipe) || rows < 0 || cols <= 0 || !x || !out || !out_t || !scale_out || !amax_scratch)
        return int(hipErrorInvalidValue);
    hipStream_t s = static_cast<hipStream_t>(stream);
    if (vectorizable(x, out, cols))
        return dispatch<DualOp, 8>(recipe, x, rows, cols, recipe, out, out_t, scale_out, amax_scratch, s);
    return dispatch<DualOp, 1>(recipe, x, rows, cols, recipe, out, out_t, scale_out, amax_scratch, s);
}

extern "C" int fp8q_quantize_group_columns(const uint16_t* x, int64_t rows, int64_t cols,
                                           const int32_t* offsets, int groups, fp8q_recipe recipe,
                                           uint8_t* out, float* scale_out, uint32_t* amax_scratch,
                                           void* stream) {
    if (!recipe_ok(recipe) || rows < 0 || cols <= 0 || offsets == nullptr || groups < 1 || !x ||
        !out || !scale_out || !amax_scratch)
        return int(hipErrorInvalidValue);
    hipStream_t s = static_cast<hipStream_t>(stream);
    if (vectorizable(x, out, cols))
        return dispatch<ColumnsOp, 8>(recipe, x, rows, cols, offsets, groups, recipe, out, scale_out, amax_scratch, s);
    return dispatch<ColumnsOp, 1>(recipe, x, rows, cols, offsets, groups, recipe, out, scale_out, amax_scratch, s);
}

extern "C" int fp8q_quantize_rowwise(const uint16_t* x, int64_t rows, int64_t cols,
                                     fp8q_recipe recipe, uint8_t* out, float* scale_out,
                                     void* stream) {
    if (!recipe_ok(recipe) || rows < 0 || cols <= 0 || !x || !out || !scale_out) return int(hipErrorInvalidValue);
    hipStream_t s = static_cast<hipStream_t>(stream);
    if (vectorizable(x, out, cols))
        return dispatch<RowwiseOp, 8>(recipe, x, rows, cols, recipe, out, scale_out, s);
    return dispatch<RowwiseOp, 1>(recipe, x, rows, cols, recipe, out, scale_out, s);
}

extern "C" int fp8q_quantize_mxfp8_1x32(const uint16_t* x, int64_t rows, int64_t cols, int scale_mode,
                                        uint8_t* out, uint8_t* scale_e8m0, void* stream) {
    if ((scale_mode != FP8Q_MX_FLOOR && scale_mode != FP8Q_MX_RCEIL) || rows < 0 || cols <= 0 ||
        cols % 32 != 0 || !x || !out || !scale_e8m0)
        return int(hipErrorInvalidValue);
    const MxScale rule{scale_mode == FP8Q_MX_FLOOR ? MxScaleMode::floor : MxScaleMode::rceil};
    return block_scaled<Fp8Format::e4m3fn, 32, MxScale, false, false>(x, rows, cols, rule, out, scale_e8m0,
                                                                      static_cast<hipStream_t>(stream));
}

extern "C" int fp8q_quantize_blockwise_1x128(const uint16_t* x, int64_t rows, int64_t cols, fp8q_recipe recipe,
                                             int reciprocal, uint8_t* out, float* scale_out, void* stream) {
    if (!recipe_ok(recipe) || (reciprocal != 0 && reciprocal != 1) || rows < 0 || cols <= 0 || cols % 128 != 0 ||
        !x || !out || !scale_out)
        return int(hipErrorInvalidValue);
    return dispatch<BlockwiseOp, 8>(recipe, x, rows, cols, recipe, reciprocal, out, scale_out,
                                    static_cast<hipStream_t>(stream));
}

extern "C" int fp8q_get_tuning(fp8q_tuning* tuning) {
    if (!tuning) return int(hipErrorInvalidValue);
    *tuning = g_tuning;
    return 0;
}

extern "C" int fp8q_set_tuning(const fp8q_tuning* tuning) {
    if (!tuning || !tuning_ok(*tuning)) return int(hipErrorInvalidValue);
    g_tuning = *tuning;
    return 0;
}

extern "C" const char* fp8q_cast_description(void) {
#if defined(FP8MOE_SOFTWARE_CAST)
    return "cast satfinite: software (fp8_cast.h) on every target";
#elif defined(FP8MOE_PLATFORM_NVIDIA)
    return "cast satfinite: e4m3fn by PTX cvt.rn.satfinite.e4m3x2.f32 on sm_89+ (identical to the "
           "software cast over all fp32), else software";
#else
    return "cast satfinite: e4m3fnuz on gfx940/941/942 and e4m3fn on gfx950 by v_cvt_pk_fp8_f32 "
           "after an fmed3 clamp with NaN routed around it, else software (fp8_cast.h)";
#endif
}

extern "C" const char* fp8q_error_name(int code) { return hipGetErrorName(hipError_t(code)); }

extern "C" const char* fp8q_error_string(int code) { return hipGetErrorString(hipError_t(code)); }

extern "C" int fp8q_launch_count(const char* function_name) {
    if (strcmp(function_name, "fp8q_quantize_grouped") == 0) return 3;
    if (strcmp(function_name, "fp8q_quantize_tensorwise_dual") == 0) return 3;
    if (strcmp(function_name, "fp8q_quantize_group_columns") == 0) return 3;
    if (strcmp(function_name, "fp8q_quantize_rowwise") == 0) return 1;
    if (strcmp(function_name, "fp8q_quantize_mxfp8_1x32") == 0) return 1;
    if (strcmp(function_name, "fp8q_quantize_blockwise_1x128") == 0) return 1;
    return -1;
}
