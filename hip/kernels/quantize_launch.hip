// quantize_launch.hip: host glue of the kernels: the C interface of fp8moe/quant_api.h. Picks
// the template instance (format, vector width, amax NaN policy), sizes the grid, launches, and
// checks every runtime call and launch. The kernels themselves are in quantize_kernels.h.
#include <stdint.h>
#include <string.h>

#include "fp8moe/hip_compat.h"
#include "fp8moe/quant_api.h"
#include "quantize_kernels.h"

namespace fp8moe {
namespace {

#define FP8Q_CHECK(call)                              \
    do {                                              \
        const hipError_t fp8q_status_ = (call);       \
        if (fp8q_status_ != hipSuccess) return int(fp8q_status_); \
    } while (0)

/// Multiprocessor count of the current device, read once per device.
int multiprocessors(int* count) {
    static int cached_device = -1, cached_count = 0;
    int device = 0;
    FP8Q_CHECK(hipGetDevice(&device));
    if (device != cached_device) {
        FP8Q_CHECK(hipDeviceGetAttribute(&cached_count, hipDeviceAttributeMultiprocessorCount, device));
        cached_device = device;
    }
    *count = cached_count;
    return 0;
}

/// Warp size of the current device (the rowwise kernel's grid; it strides, so any value is safe).
int warp_size(int* size) {
    int device = 0;
    FP8Q_CHECK(hipGetDevice(&device));
    FP8Q_CHECK(hipDeviceGetAttribute(size, hipDeviceAttributeWarpSize, device));
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

bool vectorizable(const void* x, const void* out, int64_t cols) {
    return cols % 8 == 0 && reinterpret_cast<uintptr_t>(x) % 16 == 0 &&
           reinterpret_cast<uintptr_t>(out) % 8 == 0;
}

ScaleParams scale_params(const fp8q_recipe& r) {
    return ScaleParams{r.scale_compute == FP8Q_SCALE_FP32 ? 1 : 0, r.pow2 ? 1 : 0};
}

bool recipe_ok(const fp8q_recipe& r) {
    return (r.format == FP8Q_E4M3FN || r.format == FP8Q_E4M3FNUZ) &&
           (r.amax_nan == FP8Q_AMAX_PROPAGATE || r.amax_nan == FP8Q_AMAX_NAN_TO_NUM) &&
           (r.scale_compute == FP8Q_SCALE_FP64 || r.scale_compute == FP8Q_SCALE_FP32) &&
           (r.pow2 == 0 || r.pow2 == 1);
}

// ---------------------------------------------------------------------------- grouped

/// Grid shape of the grouped kernels (fp8q_set_grouped_tuning): tiles per block of each pass,
/// 0 meaning a persistent grid of one wave; pass 2 walking the tiles from the end.
struct GroupedTuning {
    int amax_tiles = 1;
    int apply_tiles = 1;
    int apply_reverse = 1;
    int apply_wide = 0;  ///< 16-byte stores in pass 2 where cols % 16 == 0 (slower on the H100)
};
GroupedTuning g_tuning;

/// Tiles per block for `per_block` (0: one wave of `resident` blocks per multiprocessor).
int64_t tiles_per_block(int64_t num_tiles, int per_block, int sms, int resident) {
    if (num_tiles == 0) return 1;
    if (per_block > 0) return per_block;
    const int64_t wave = int64_t(sms) * resident;
    return (num_tiles + wave - 1) / wave;
}

template <Fp8Format F, int VEC, bool NanToNum>
int grouped(const uint16_t* x, int64_t rows, int64_t cols, const int32_t* offsets, int groups,
            const fp8q_recipe& r, uint8_t* out, float* scale_out, uint32_t* amax, hipStream_t s) {
    TilePlan p{};
    p.n = rows * cols;
    p.cols = cols;
    p.narrow = p.n <= (int64_t(1) << 32) && cols <= 0xFFFFFFFF;
    if (p.narrow) p.cols_div = make_fastdiv(uint32_t(cols));
    p.offsets = offsets;
    p.groups = groups;
    p.num_tiles = (p.n + tile_size<VEC>() - 1) / tile_size<VEC>();
    bool wide = false;
    if constexpr (VEC == 8)
        wide = g_tuning.apply_wide && cols % 16 == 0 && reinterpret_cast<uintptr_t>(out) % 16 == 0;
    int sms = 0, per_sm_amax = 0, per_sm_apply = 0;
    if (const int e = multiprocessors(&sms)) return e;
    int status = blocks_per_sm<grouped_amax_kernel<VEC, NanToNum>>(&per_sm_amax);
    if (status == 0) status = blocks_per_sm<grouped_apply_kernel<F, VEC, 1>>(&per_sm_apply);
    if constexpr (VEC == 8)
        if (status == 0 && wide) status = blocks_per_sm<grouped_apply_kernel<F, VEC, 2>>(&per_sm_apply);
    if (status != 0) return status;

    FP8Q_CHECK(hipMemsetAsync(amax, 0, sizeof(uint32_t) * size_t(groups), s));
    TilePlan p1 = p;
    p1.tiles_per_block = tiles_per_block(p.num_tiles, g_tuning.amax_tiles, sms, per_sm_amax);
    p1.reverse = 0;
    const int64_t grid1 = (p.num_tiles + p1.tiles_per_block - 1) / p1.tiles_per_block;
    if (grid1 > 0) {
        grouped_amax_kernel<VEC, NanToNum><<<dim3(unsigned(grid1)), dim3(kBlock), 0, s>>>(x, p1, amax);
        FP8Q_CHECK(hipGetLastError());
    }
    TilePlan p2 = p;
    p2.tiles_per_block = tiles_per_block(p.num_tiles, g_tuning.apply_tiles, sms, per_sm_apply);
    p2.reverse = g_tuning.apply_reverse;
    int64_t grid2 = (p.num_tiles + p2.tiles_per_block - 1) / p2.tiles_per_block;
    if (grid2 == 0) grid2 = 1;  // still write the scales
    if constexpr (VEC == 8) {
        if (wide) {
            grouped_apply_kernel<F, VEC, 2><<<dim3(unsigned(grid2)), dim3(kBlock), 0, s>>>(
                x, p2, amax, scale_params(r), out, scale_out);
            FP8Q_CHECK(hipGetLastError());
            return 0;
        }
    }
    grouped_apply_kernel<F, VEC, 1><<<dim3(unsigned(grid2)), dim3(kBlock), 0, s>>>(
        x, p2, amax, scale_params(r), out, scale_out);
    FP8Q_CHECK(hipGetLastError());
    return 0;
}

// ---------------------------------------------------------------------- group columns

template <Fp8Format F, int VEC, bool NanToNum>
int group_columns(const uint16_t* x, int64_t rows, int64_t cols, const int32_t* offsets,
                  int groups, const fp8q_recipe& r, uint8_t* out, float* scale_out,
                  uint32_t* amax, hipStream_t s) {
    int sms = 0;
    if (const int e = multiprocessors(&sms)) return e;
    const int64_t col_tiles = (cols + int64_t(kBlock) * VEC - 1) / (int64_t(kBlock) * VEC);
    // About 8 blocks per multiprocessor; no fewer than 32 rows per tile (each tile costs
    // cols atomics), and at most 65535 row tiles (grid.y limit).
    const int64_t want_row_tiles = (int64_t(sms) * 8 + col_tiles - 1) / col_tiles;
    int64_t rows_per_tile = (rows + want_row_tiles - 1) / (want_row_tiles > 0 ? want_row_tiles : 1);
    if (rows_per_tile < 32) rows_per_tile = 32;
    if ((rows + rows_per_tile - 1) / rows_per_tile > 65535) rows_per_tile = (rows + 65534) / 65535;
    int64_t row_tiles = (rows + rows_per_tile - 1) / rows_per_tile;

    FP8Q_CHECK(hipMemsetAsync(amax, 0, sizeof(uint32_t) * size_t(groups) * size_t(cols), s));
    if (row_tiles > 0 && col_tiles > 0) {
        column_amax_kernel<VEC, NanToNum><<<dim3(unsigned(col_tiles), unsigned(row_tiles)), dim3(kBlock), 0, s>>>(
            x, rows, cols, offsets, groups, rows_per_tile, amax);
        FP8Q_CHECK(hipGetLastError());
    }
    const int64_t gx = col_tiles > 0 ? col_tiles : 1, gy = row_tiles > 0 ? row_tiles : 1;
    column_apply_kernel<F, VEC><<<dim3(unsigned(gx), unsigned(gy)), dim3(kBlock), 0, s>>>(
        x, rows, cols, offsets, groups, rows_per_tile, amax, scale_params(r), out, scale_out);
    FP8Q_CHECK(hipGetLastError());
    return 0;
}

// ---------------------------------------------------------------------------- rowwise

template <Fp8Format F, int VEC, bool NanToNum>
int rowwise(const uint16_t* x, int64_t rows, int64_t cols, const fp8q_recipe& r, uint8_t* out,
            float* scale_out, hipStream_t s) {
    if (rows == 0) return 0;
    int warp = 0;
    if (const int e = warp_size(&warp)) return e;
    const int64_t rows_per_block = kBlock / warp;
    int64_t grid = (rows + rows_per_block - 1) / rows_per_block;
    if (grid > 0x7FFFFFFF) grid = 0x7FFFFFFF;  // the kernel strides over rows
    rowwise_kernel<F, VEC, NanToNum><<<dim3(unsigned(grid)), dim3(kBlock), 0, s>>>(
        x, rows, cols, scale_params(r), out, scale_out);
    FP8Q_CHECK(hipGetLastError());
    return 0;
}

// ------------------------------------------------------------------------- dispatch

/// Calls Op<F, VEC, NanToNum>::run(args...) for the recipe's format and NaN policy.
template <template <Fp8Format, int, bool> class Op, int VEC, typename... Args>
int dispatch(const fp8q_recipe& r, Args... args) {
    const bool nan_to_num = r.amax_nan == FP8Q_AMAX_NAN_TO_NUM;
    if (r.format == FP8Q_E4M3FN)
        return nan_to_num ? Op<Fp8Format::e4m3fn, VEC, true>::run(args...)
                          : Op<Fp8Format::e4m3fn, VEC, false>::run(args...);
    return nan_to_num ? Op<Fp8Format::e4m3fnuz, VEC, true>::run(args...)
                      : Op<Fp8Format::e4m3fnuz, VEC, false>::run(args...);
}

template <Fp8Format F, int VEC, bool N> struct GroupedOp {
    template <typename... A> static int run(A... a) { return grouped<F, VEC, N>(a...); }
};
template <Fp8Format F, int VEC, bool N> struct ColumnsOp {
    template <typename... A> static int run(A... a) { return group_columns<F, VEC, N>(a...); }
};
template <Fp8Format F, int VEC, bool N> struct RowwiseOp {
    template <typename... A> static int run(A... a) { return rowwise<F, VEC, N>(a...); }
};

}  // namespace
}  // namespace fp8moe

using namespace fp8moe;

extern "C" int fp8q_quantize_grouped(const uint16_t* x, int64_t rows, int64_t cols,
                                     const int32_t* offsets, int groups, fp8q_recipe recipe,
                                     uint8_t* out, float* scale_out, uint32_t* amax_scratch,
                                     void* stream) {
    if (!recipe_ok(recipe) || rows < 0 || cols <= 0 || (offsets == nullptr && groups != 1) ||
        groups < 1)
        return int(hipErrorInvalidValue);
    hipStream_t s = static_cast<hipStream_t>(stream);
    if (vectorizable(x, out, cols))
        return dispatch<GroupedOp, 8>(recipe, x, rows, cols, offsets, groups, recipe, out, scale_out, amax_scratch, s);
    return dispatch<GroupedOp, 1>(recipe, x, rows, cols, offsets, groups, recipe, out, scale_out, amax_scratch, s);
}

extern "C" int fp8q_quantize_group_columns(const uint16_t* x, int64_t rows, int64_t cols,
                                           const int32_t* offsets, int groups, fp8q_recipe recipe,
                                           uint8_t* out, float* scale_out, uint32_t* amax_scratch,
                                           void* stream) {
    if (!recipe_ok(recipe) || rows < 0 || cols <= 0 || offsets == nullptr || groups < 1)
        return int(hipErrorInvalidValue);
    hipStream_t s = static_cast<hipStream_t>(stream);
    if (vectorizable(x, out, cols))
        return dispatch<ColumnsOp, 8>(recipe, x, rows, cols, offsets, groups, recipe, out, scale_out, amax_scratch, s);
    return dispatch<ColumnsOp, 1>(recipe, x, rows, cols, offsets, groups, recipe, out, scale_out, amax_scratch, s);
}

extern "C" int fp8q_quantize_rowwise(const uint16_t* x, int64_t rows, int64_t cols,
                                     fp8q_recipe recipe, uint8_t* out, float* scale_out,
                                     void* stream) {
    if (!recipe_ok(recipe) || rows < 0 || cols <= 0) return int(hipErrorInvalidValue);
    hipStream_t s = static_cast<hipStream_t>(stream);
    if (vectorizable(x, out, cols))
        return dispatch<RowwiseOp, 8>(recipe, x, rows, cols, recipe, out, scale_out, s);
    return dispatch<RowwiseOp, 1>(recipe, x, rows, cols, recipe, out, scale_out, s);
}

extern "C" int fp8q_set_grouped_tuning(int amax_tiles_per_block, int apply_tiles_per_block,
                                       int apply_reverse, int apply_wide) {
    if (amax_tiles_per_block < 0 || apply_tiles_per_block < 0 || (apply_reverse != 0 && apply_reverse != 1) ||
        (apply_wide != 0 && apply_wide != 1))
        return int(hipErrorInvalidValue);
    g_tuning.amax_tiles = amax_tiles_per_block;
    g_tuning.apply_tiles = apply_tiles_per_block;
    g_tuning.apply_reverse = apply_reverse;
    g_tuning.apply_wide = apply_wide;
    return 0;
}

extern "C" const char* fp8q_cast_description(void) {
#if defined(FP8MOE_PLATFORM_NVIDIA) && !defined(FP8MOE_SOFTWARE_CAST)
    return "cast satfinite: e4m3fn by PTX cvt.rn.satfinite.e4m3x2.f32 on sm_89+ (identical to the "
           "software cast over all fp32), else software";
#else
    return "cast satfinite: software (fp8_cast.h)";
#endif
}

extern "C" const char* fp8q_error_name(int code) { return hipGetErrorName(hipError_t(code)); }

extern "C" const char* fp8q_error_string(int code) { return hipGetErrorString(hipError_t(code)); }

extern "C" int fp8q_launch_count(const char* function_name) {
    if (strcmp(function_name, "fp8q_quantize_grouped") == 0) return 3;
    if (strcmp(function_name, "fp8q_quantize_group_columns") == 0) return 3;
    if (strcmp(function_name, "fp8q_quantize_rowwise") == 0) return 1;
    return -1;
}
