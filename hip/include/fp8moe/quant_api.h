/* fp8moe/quant_api.h: C interface of the HIP quantization kernels (hip/kernels/quantize_launch.hip).
 *
 * Plain C, host only: the runner (hip/runner) and the benchmark (through ctypes) call it. All
 * pointers are device pointers; every call is asynchronous on `stream` (NULL: default stream)
 * and returns 0 or the runtime's error code of the first failing call or launch
 * (fp8q_error_name gives its name). Nothing is allocated inside.
 *
 * Recipes (SPEC section 3). Every function runs amax -> scale -> multiply -> clamp -> cast with
 *   input      x, or nan_to_num(x) (input_nan_to_num = 1, SPEC 8.1: NaN -> 0, +-Inf -> +-bf16
 *              max) seen by the amax AND the multiply, as PR #4179's Triton kernels do
 *   amax       max |x| over the reduction set, NaN policy `propagate` or `nan_to_num`
 *   scale      fp8_max / max(amax, 1e-12) in fp64 (then rounded to fp32) or fp32, optional pow2
 *   apply      fp32(x) * scale, clamp to +-fp8_max, cast `satfinite` (round to nearest even)
 *   NaN scale  exactly 0x7FFFFFFF (`nan_arith` = canonical) on every platform
 * Scales are written as the quantization multiplier fp8_max / amax (SPEC section 5).
 *
 * Inputs are bf16 as uint16 bit patterns, row-major. 16-byte vector loads are used when `cols`
 * is a multiple of 8 and the pointers are aligned (x to 16 bytes, outputs to 8), else a scalar
 * path; both give the same bytes (hip/tests/odd_shapes_test.hip). Invalid arguments (a recipe
 * field out of range, negative sizes, a NULL pointer where one is needed) return the runtime's
 * invalid-value code and launch nothing.
 */
#ifndef FP8MOE_QUANT_API_H
#define FP8MOE_QUANT_API_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum fp8q_format { FP8Q_E4M3FN = 0, FP8Q_E4M3FNUZ = 1 };
enum fp8q_amax_nan { FP8Q_AMAX_PROPAGATE = 0, FP8Q_AMAX_NAN_TO_NUM = 1 };
enum fp8q_scale_compute { FP8Q_SCALE_FP64 = 0, FP8Q_SCALE_FP32 = 1 };

typedef struct fp8q_recipe {
    int format;           /* enum fp8q_format */
    int amax_nan;         /* enum fp8q_amax_nan (irrelevant when input_nan_to_num = 1) */
    int scale_compute;    /* enum fp8q_scale_compute */
    int pow2;             /* 0 | 1: scale = exp2(floor(log2(scale))) */
    int input_nan_to_num; /* 0 | 1: x -> nan_to_num(x) before the amax and the multiply */
} fp8q_recipe;

/* One scale per group of rows of x [rows, cols].
 *   offsets == NULL: one group of all rows (reduction `tensorwise`, scale_out [1], groups = 1).
 *   else offsets [groups] int32 cumulative end rows, non-decreasing, last <= rows (SPEC 4):
 *     `per_group` (2-D activations) or `per_expert` (a 3-D weight [G,K,N] seen as [G*K, N] with
 *     offsets K, 2K, ...). Rows at and beyond offsets[groups-1] get code 0x00.
 *   Every element finds its own group: a tile of elements may straddle a boundary, and an empty
 *   group is legal (amax 0, scale fp8_max / 1e-12).
 *   amax_scratch: uint32 [groups], overwritten. Launches: 1 memset + 2 kernels (amax pass with
 *   an atomic max per block and group, then scale + clamp + cast; fp8q_tuning.chain). */
int fp8q_quantize_grouped(const uint16_t* x, int64_t rows, int64_t cols, const int32_t* offsets,
                          int groups, fp8q_recipe recipe, uint8_t* out, float* scale_out,
                          uint32_t* amax_scratch, void* stream);

/* One scale per (group of rows, column) of x [rows, cols]: scale_out [groups, cols].
 *   `per_group_column` (rowwise wgrad operands) or, with offsets K, 2K, ... over a 3-D weight
 *   [G,K,N] seen as [G*K, N], one scale per (expert, column n) over K (rowwise recipe, b).
 *   Rows at and beyond offsets[groups-1] get code 0x00. amax_scratch: uint32 [groups * cols].
 *   Launches: 1 memset + 2 kernels. */
int fp8q_quantize_group_columns(const uint16_t* x, int64_t rows, int64_t cols,
                                const int32_t* offsets, int groups, fp8q_recipe recipe,
                                uint8_t* out, float* scale_out, uint32_t* amax_scratch,
                                void* stream);

/* One scale per row of x [rows, cols] (`rowwise`): scale_out [rows]. One pass, one launch. A 3-D
 * weight [G,K,N] seen as [G*K, N] gives the per (expert, row k) scales of b_t. */
int fp8q_quantize_rowwise(const uint16_t* x, int64_t rows, int64_t cols, fp8q_recipe recipe,
                          uint8_t* out, float* scale_out, void* stream);

/* Tensorwise (one scale, scale_out [1]) with two outputs from one apply pass: `out` row-major
 * [rows, cols] and `out_t` column-major, i.e. out_t[c * rows + r] (the [cols, rows] transpose; a
 * [rows, cols] tensor with strides (1, rows)), as the PR #4179 branch's dual-layout 2-D kernel
 * writes them. amax_scratch: uint32 [1]. Launches: 1 memset + 2 kernels. */
int fp8q_quantize_tensorwise_dual(const uint16_t* x, int64_t rows, int64_t cols, fp8q_recipe recipe,
                                  uint8_t* out, uint8_t* out_t, float* scale_out,
                                  uint32_t* amax_scratch, void* stream);

/* Block-scaled recipes along the last dimension (SPEC 8.3), one pass, one launch. Row-major x
 * [rows, cols]; the scales are row-major [rows, cols / BLOCK]. Vector path when x is 16-byte and
 * out 8-byte aligned, else a scalar path (same bytes).
 *
 * mxfp8 `block_1x32`, e4m3fn payload, torchao's `to_mx` (mx_tensor.py at pytorch/ao 36027d8):
 *   scale_e8m0 [rows, cols / 32] uint8 e8m0 codes (the dequantization exponent, biased by 127;
 *   0xFF for a block whose amax is NaN or Inf), scale_mode FLOOR or RCEIL (kernels/e8m0.h);
 *   payload = fp32(x) * 2^(127 - code), cast satfinite. cols % 32 == 0. */
enum fp8q_mx_scale_mode { FP8Q_MX_FLOOR = 0, FP8Q_MX_RCEIL = 1 };
int fp8q_quantize_mxfp8_1x32(const uint16_t* x, int64_t rows, int64_t cols, int scale_mode,
                             uint8_t* out, uint8_t* scale_e8m0, void* stream);

/* blockwise `block_1x128` (the DeepSeek-V3 activation tile; torchao blockwise_fp8_training's
 *   act quantizer): the recipe above over each 128 elements of a row (torchao: e4m3fn, amax
 *   propagate, fp64 scale, no pow2, input as it is). scale_out [rows, cols / 128] fp32: the
 *   multiplier (reciprocal = 0) or 1 / multiplier rounded to nearest (reciprocal = 1, what
 *   torchao stores). cols % 128 == 0. */
int fp8q_quantize_blockwise_1x128(const uint16_t* x, int64_t rows, int64_t cols, fp8q_recipe recipe,
                                  int reciprocal, uint8_t* out, float* scale_out, void* stream);

/* Launch shapes, for benchmarks; results never depend on them. Process-wide, not thread-safe.
 *   amax_tiles, apply_tiles  tiles per block of the grouped passes (0: a persistent grid of one
 *                            wave); a tile is 256 threads x 8 values x the pass's unroll
 *   apply_reverse            1: pass 2 walks the tiles from the end (starts on what is in L2)
 *   apply_wide               1: pass 2 stores 16 bytes per thread where cols % 16 == 0
 *   amax_unroll, apply_unroll  vector loads in flight per thread: 4 or 8 (apply_unroll also for
 *                            the block-scaled kernels)
 *   rowwise_team             threads per row of the rowwise kernel: 0 = the smallest team that
 *                            holds the row in registers, else a multiple of the warp <= 256
 *   chain                    pass 2 of the grouped and dual-layout recipes (NVIDIA sm_90+; elsewhere
 *                            always plain): 0 launched after pass 1; 1 chained to pass 1
 *                            (programmatic dependent launch: its blocks start once every block of
 *                            pass 1 has started, ask L2 for their first tile, and wait for pass 1)
 *   dual_tile                tile of the dual-layout pass 2, one block per tile: 0 64x128, 1 128x128
 *                            (rows x columns; a column-major run is as long as the rows)
 *   dual_order               0: consecutive blocks take the column tiles of a row tile; 1: the
 *                            row tiles of a column tile
 *   small_shape              1: a tensor too small to give the grouped passes 8 blocks per
 *                            multiprocessor runs with 1 tile per block and unroll 4
 *                            whatever the fields above say; 0: as they say
 * Defaults: fp8q_get_tuning after load (the best measured, reports/hip-bench-*.md). */
typedef struct fp8q_tuning {
    int amax_tiles, apply_tiles, apply_reverse, apply_wide;
    int amax_unroll, apply_unroll, rowwise_team;
    int chain, dual_tile, dual_order, small_shape;
} fp8q_tuning;
int fp8q_get_tuning(fp8q_tuning* tuning);
int fp8q_set_tuning(const fp8q_tuning* tuning);

/* How this build casts (for provenance): every path gives the `satfinite` bits. */
const char* fp8q_cast_description(void);

/* Name of a code returned above ("hipErrorNoDevice", "cudaErrorNoDevice", ...). */
const char* fp8q_error_name(int code);
/* Description of a code returned above. */
const char* fp8q_error_string(int code);
/* Launches (kernels and memsets) each function issues: for the benchmark's table. */
int fp8q_launch_count(const char* function_name);

#ifdef __cplusplus
}
#endif

#endif /* FP8MOE_QUANT_API_H */
