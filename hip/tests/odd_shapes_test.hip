// odd_shapes_test.hip: every kernel of quant_api.h on shapes whose columns are not a multiple of
// 8 and on pointers that are not aligned (the scalar paths), and on aligned shapes (the vector
// paths), each against a host reference built from fp8_cast.h's element functions; under the
// default launch shapes and under seven sets of changed tuning knobs (every knob changed; launches
// plain and chained, each dual-layout tile and block order), and the dual layout's tiles on a
// tensor of more tiles than one wave of blocks holds. Identical bytes and scale
// bits are required everywhere. The block-scaled kernels (mxfp8 1x32 floor/rceil, blockwise 1x128
// multiplier/reciprocal) run on shapes whose columns are multiples of 128, aligned and not, against
// a per-block host reference built from e8m0.h and fp8_cast.h (those are checked against naive
// oracles by tests/block_scale_test.cpp).
//
// The data holds NaN of both signs and several payloads, +-Inf, bf16 subnormals, -0, +-bf16 max,
// an all-NaN row, a zero row; groups include an empty one and rows of no group.
//
// Exit status 0 when everything matches, 1 on a mismatch (the first ones printed in hex), 3 on a
// runtime error.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "e8m0.h"
#include "fp8_cast.h"
#include "fp8moe/quant_api.h"

using namespace fp8moe;

#define CHECK(call)                                                                                \
    do {                                                                                           \
        const hipError_t e_ = (call);                                                              \
        if (e_ != hipSuccess) {                                                                    \
            fprintf(stderr, "%s failed: %s (%s)\n", #call, hipGetErrorName(e_), hipGetErrorString(e_)); \
            exit(3);                                                                               \
        }                                                                                          \
    } while (0)

#define API(call)                                                                                  \
    do {                                                                                           \
        const int e_ = (call);                                                                     \
        if (e_ != 0) {                                                                             \
            fprintf(stderr, "%s failed: %s\n", #call, fp8q_error_name(e_));                        \
            exit(3);                                                                               \
        }                                                                                          \
    } while (0)

namespace {

uint64_t g_state = 0x9E3779B97F4A7C15ull;
uint32_t next_random() {
    g_state ^= g_state << 13;
    g_state ^= g_state >> 7;
    g_state ^= g_state << 17;
    return uint32_t(g_state >> 32);
}

const uint16_t kSpecials[] = {0x7FC0, 0xFFC0, 0xFFC1, 0x7F81, 0x7F80, 0xFF80, 0x0001, 0x8001,
                              0x007F, 0x8000, 0x0000, 0x7F7F, 0xFF7F, 0x3F88, 0xBF98};

std::vector<uint16_t> make_data(int64_t rows, int64_t cols) {
    std::vector<uint16_t> x(size_t(rows * cols));
    for (auto& v : x) {
        const uint32_t r = next_random();
        // Normal values of random sign and magnitude (exponents 2^-20 .. 2^12), 3% specials.
        v = (r % 100 < 3) ? kSpecials[(r >> 8) % (sizeof kSpecials / 2)]
                          : uint16_t(((r >> 16) & 0x8000) | ((107 + (r >> 8) % 33) << 7) | (r & 0x7F));
    }
    if (rows > 3) {
        for (int64_t c = 0; c < cols; ++c) x[size_t(1 * cols + c)] = 0x7FC0;  // an all-NaN row
        for (int64_t c = 0; c < cols; ++c) x[size_t(2 * cols + c)] = 0;       // a zero row
    }
    return x;
}

struct Recipe {
    Fp8Format format;
    int amax_nan, input_nan_to_num;
};

uint32_t key(uint16_t x, const Recipe& r) {
    return (r.amax_nan || r.input_nan_to_num) ? bf16_abs_key<true>(x) : bf16_abs_key<false>(x);
}
float scale_of(uint32_t amax, const Recipe& r) {
    const ScaleParams p{0, 1};
    return r.format == Fp8Format::e4m3fn ? scale_from_amax<Fp8Format::e4m3fn>(amax, p)
                                         : scale_from_amax<Fp8Format::e4m3fnuz>(amax, p);
}
uint8_t code_of(uint16_t x, float scale, const Recipe& r) {
    const uint32_t in = r.input_nan_to_num ? bf16_nan_to_num(x) : x;
    return uint8_t(r.format == Fp8Format::e4m3fn ? quantize_bf16<Fp8Format::e4m3fn>(in, scale)
                                                 : quantize_bf16<Fp8Format::e4m3fnuz>(in, scale));
}
int group_of(int64_t row, const std::vector<int32_t>& offsets) {
    int g = 0;
    while (g < int(offsets.size()) && offsets[size_t(g)] <= row) ++g;
    return g;
}

struct Expected {
    std::vector<uint8_t> codes, codes_t;
    std::vector<float> scales;
};

enum class Kernel { tensorwise, per_group, group_columns, rowwise, dual };
const char* kKernelNames[] = {"tensorwise", "per_group", "group_columns", "rowwise", "dual"};

Expected reference(Kernel k, const std::vector<uint16_t>& x, int64_t rows, int64_t cols,
                   const std::vector<int32_t>& offsets, const Recipe& r) {
    Expected e;
    e.codes.assign(size_t(rows * cols), 0);
    const int G = int(offsets.size());
    auto at = [&](int64_t i, int64_t c) { return x[size_t(i * cols + c)]; };
    if (k == Kernel::tensorwise || k == Kernel::dual) {
        uint32_t m = 0;
        for (uint16_t v : x) m = m > key(v, r) ? m : key(v, r);
        const float s = scale_of(m, r);
        e.scales = {s};
        for (size_t i = 0; i < x.size(); ++i) e.codes[i] = code_of(x[i], s, r);
        if (k == Kernel::dual) {
            e.codes_t.assign(e.codes.size(), 0);
            for (int64_t i = 0; i < rows; ++i)
                for (int64_t c = 0; c < cols; ++c) e.codes_t[size_t(c * rows + i)] = e.codes[size_t(i * cols + c)];
        }
    } else if (k == Kernel::per_group) {
        std::vector<uint32_t> m(size_t(G), 0);
        for (int64_t i = 0; i < rows; ++i) {
            const int g = group_of(i, offsets);
            if (g < G) for (int64_t c = 0; c < cols; ++c) m[size_t(g)] = m[size_t(g)] > key(at(i, c), r) ? m[size_t(g)] : key(at(i, c), r);
        }
        for (int g = 0; g < G; ++g) e.scales.push_back(scale_of(m[size_t(g)], r));
        for (int64_t i = 0; i < rows; ++i) {
            const int g = group_of(i, offsets);
            if (g < G) for (int64_t c = 0; c < cols; ++c) e.codes[size_t(i * cols + c)] = code_of(at(i, c), e.scales[size_t(g)], r);
        }
    } else if (k == Kernel::group_columns) {
        std::vector<uint32_t> m(size_t(G * cols), 0);
        for (int64_t i = 0; i < rows; ++i) {
            const int g = group_of(i, offsets);
            if (g < G)
                for (int64_t c = 0; c < cols; ++c) {
                    uint32_t& slot = m[size_t(g * cols + c)];
                    slot = slot > key(at(i, c), r) ? slot : key(at(i, c), r);
                }
        }
        for (uint32_t v : m) e.scales.push_back(scale_of(v, r));
        for (int64_t i = 0; i < rows; ++i) {
            const int g = group_of(i, offsets);
            if (g < G) for (int64_t c = 0; c < cols; ++c) e.codes[size_t(i * cols + c)] = code_of(at(i, c), e.scales[size_t(g * cols + c)], r);
        }
    } else {
        for (int64_t i = 0; i < rows; ++i) {
            uint32_t m = 0;
            for (int64_t c = 0; c < cols; ++c) m = m > key(at(i, c), r) ? m : key(at(i, c), r);
            const float s = scale_of(m, r);
            e.scales.push_back(s);
            for (int64_t c = 0; c < cols; ++c) e.codes[size_t(i * cols + c)] = code_of(at(i, c), s, r);
        }
    }
    return e;
}

int64_t g_cases = 0, g_bad_cases = 0;

/// Compares bytes; prints the first mismatches of a case.
int64_t compare(const std::string& what, const uint8_t* got, const uint8_t* want, size_t n) {
    int64_t bad = 0;
    for (size_t i = 0; i < n; ++i)
        if (got[i] != want[i] && bad++ < 3)
            printf("  %s: byte %zu: got 0x%02X, expected 0x%02X\n", what.c_str(), i, got[i], want[i]);
    return bad;
}

void run_case(Kernel k, int64_t rows, int64_t cols, int misalign, const Recipe& r, const std::string& tuning) {
    const std::vector<uint16_t> x = make_data(rows, cols);
    std::vector<int32_t> offsets;
    if (k == Kernel::per_group || k == Kernel::group_columns) {
        // Groups: first a third, then an empty group, then up to rows - 1 (the last row in no group).
        offsets = {int32_t(rows / 3), int32_t(rows / 3), int32_t(rows > 1 ? rows - 1 : rows)};
    }
    const Expected want = reference(k, x, rows, cols, offsets, r);
    const size_t n = x.size();
    // Device buffers with room for an offset of `misalign` elements / bytes.
    uint16_t* dx = nullptr;
    uint8_t *dout = nullptr, *dout_t = nullptr;
    float* dscale = nullptr;
    uint32_t* damax = nullptr;
    int32_t* doff = nullptr;
    CHECK(hipMalloc(reinterpret_cast<void**>(&dx), (n + 8) * 2));
    CHECK(hipMalloc(reinterpret_cast<void**>(&dout), n + 16));
    CHECK(hipMalloc(reinterpret_cast<void**>(&dout_t), n + 16));
    CHECK(hipMalloc(reinterpret_cast<void**>(&dscale), (want.scales.size() + 1) * 4));
    CHECK(hipMalloc(reinterpret_cast<void**>(&damax), (want.scales.size() + 1) * 4));
    CHECK(hipMalloc(reinterpret_cast<void**>(&doff), (offsets.size() + 1) * 4));
    uint16_t* px = dx + misalign;
    uint8_t* pout = dout + misalign;
    uint8_t* pout_t = dout_t + misalign;
    CHECK(hipMemcpy(px, x.data(), n * 2, hipMemcpyHostToDevice));
    if (!offsets.empty()) CHECK(hipMemcpy(doff, offsets.data(), offsets.size() * 4, hipMemcpyHostToDevice));
    CHECK(hipMemset(dout, 0xA5, n + 16));
    CHECK(hipMemset(dout_t, 0xA5, n + 16));
    const fp8q_recipe recipe{r.format == Fp8Format::e4m3fn ? FP8Q_E4M3FN : FP8Q_E4M3FNUZ,
                             r.amax_nan ? FP8Q_AMAX_NAN_TO_NUM : FP8Q_AMAX_PROPAGATE, FP8Q_SCALE_FP64, 1,
                             r.input_nan_to_num};
    switch (k) {
    case Kernel::tensorwise: API(fp8q_quantize_grouped(px, rows, cols, nullptr, 1, recipe, pout, dscale, damax, nullptr)); break;
    case Kernel::per_group: API(fp8q_quantize_grouped(px, rows, cols, doff, int(offsets.size()), recipe, pout, dscale, damax, nullptr)); break;
    case Kernel::group_columns: API(fp8q_quantize_group_columns(px, rows, cols, doff, int(offsets.size()), recipe, pout, dscale, damax, nullptr)); break;
    case Kernel::rowwise: API(fp8q_quantize_rowwise(px, rows, cols, recipe, pout, dscale, nullptr)); break;
    case Kernel::dual: API(fp8q_quantize_tensorwise_dual(px, rows, cols, recipe, pout, pout_t, dscale, damax, nullptr)); break;
    }
    CHECK(hipDeviceSynchronize());
    std::vector<uint8_t> got(n), got_t(n);
    std::vector<float> scales(want.scales.size());
    CHECK(hipMemcpy(got.data(), pout, n, hipMemcpyDeviceToHost));
    if (k == Kernel::dual) CHECK(hipMemcpy(got_t.data(), pout_t, n, hipMemcpyDeviceToHost));
    CHECK(hipMemcpy(scales.data(), dscale, scales.size() * 4, hipMemcpyDeviceToHost));
    char label[200];
    snprintf(label, sizeof label, "%s %lldx%lld misalign %d %s amax_nan %d input_nan_to_num %d [%s]",
             kKernelNames[int(k)], (long long)rows, (long long)cols, misalign,
             r.format == Fp8Format::e4m3fn ? "e4m3fn" : "e4m3fnuz", r.amax_nan, r.input_nan_to_num, tuning.c_str());
    int64_t bad = compare(std::string(label) + " codes", got.data(), want.codes.data(), n);
    if (k == Kernel::dual) bad += compare(std::string(label) + " column-major", got_t.data(), want.codes_t.data(), n);
    bad += compare(std::string(label) + " scales", reinterpret_cast<const uint8_t*>(scales.data()),
                   reinterpret_cast<const uint8_t*>(want.scales.data()), scales.size() * 4);
    ++g_cases;
    if (bad) {
        ++g_bad_cases;
        printf("FAIL %s: %lld bytes differ\n", label, (long long)bad);
    }
    CHECK(hipFree(dx));
    CHECK(hipFree(dout));
    CHECK(hipFree(dout_t));
    CHECK(hipFree(dscale));
    CHECK(hipFree(damax));
    CHECK(hipFree(doff));
}

/// The block-scaled kernels: kind 0 mxfp8 floor, 1 mxfp8 rceil, 2 blockwise multiplier,
/// 3 blockwise reciprocal (e4m3fn, amax propagate, fp64, no pow2: torchao's act quantizer).
void run_block_case(int kind, int64_t rows, int64_t cols, int misalign, const std::string& tuning) {
    const std::vector<uint16_t> x = make_data(rows, cols);
    const size_t n = x.size();
    const int64_t block = kind < 2 ? 32 : 128;
    const size_t nblocks = n / size_t(block);
    std::vector<uint8_t> want(n), want_scale_bytes;
    const ScaleParams p{0, 0};
    for (size_t b = 0; b < nblocks; ++b) {
        uint32_t m = 0;
        for (int64_t j = 0; j < block; ++j) m = m > bf16_abs_key<false>(x[b * block + j]) ? m : bf16_abs_key<false>(x[b * block + j]);
        float mult;
        if (kind < 2) {
            const uint32_t code = e8m0_code(kind == 0 ? MxScaleMode::floor : MxScaleMode::rceil, m);
            mult = e8m0_multiplier(code);
            want_scale_bytes.push_back(uint8_t(code));
        } else {
            mult = scale_from_amax<Fp8Format::e4m3fn>(m, p);
            const float stored = kind == 3 ? scale_reciprocal(mult) : mult;
            const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&stored);
            want_scale_bytes.insert(want_scale_bytes.end(), bytes, bytes + 4);
        }
        for (int64_t j = 0; j < block; ++j) want[b * block + j] = uint8_t(quantize_bf16<Fp8Format::e4m3fn>(x[b * block + j], mult));
    }
    uint16_t* dx = nullptr;
    uint8_t *dout = nullptr, *dscale = nullptr;
    CHECK(hipMalloc(reinterpret_cast<void**>(&dx), (n + 8) * 2));
    CHECK(hipMalloc(reinterpret_cast<void**>(&dout), n + 16));
    CHECK(hipMalloc(reinterpret_cast<void**>(&dscale), want_scale_bytes.size() + 16));
    uint16_t* px = dx + misalign;
    uint8_t* pout = dout + misalign;
    CHECK(hipMemcpy(px, x.data(), n * 2, hipMemcpyHostToDevice));
    CHECK(hipMemset(dout, 0xA5, n + 16));
    CHECK(hipMemset(dscale, 0xA5, want_scale_bytes.size() + 16));
    const fp8q_recipe recipe{FP8Q_E4M3FN, FP8Q_AMAX_PROPAGATE, FP8Q_SCALE_FP64, 0, 0};
    if (kind < 2)
        API(fp8q_quantize_mxfp8_1x32(px, rows, cols, kind == 0 ? FP8Q_MX_FLOOR : FP8Q_MX_RCEIL, pout, dscale, nullptr));
    else
        API(fp8q_quantize_blockwise_1x128(px, rows, cols, recipe, kind == 3, pout, reinterpret_cast<float*>(dscale), nullptr));
    CHECK(hipDeviceSynchronize());
    std::vector<uint8_t> got(n), got_scale(want_scale_bytes.size());
    CHECK(hipMemcpy(got.data(), pout, n, hipMemcpyDeviceToHost));
    CHECK(hipMemcpy(got_scale.data(), dscale, got_scale.size(), hipMemcpyDeviceToHost));
    static const char* names[] = {"mxfp8 1x32 floor", "mxfp8 1x32 rceil", "blockwise 1x128 multiplier", "blockwise 1x128 reciprocal"};
    char label[200];
    snprintf(label, sizeof label, "%s %lldx%lld misalign %d [%s]", names[kind], (long long)rows, (long long)cols,
             misalign, tuning.c_str());
    int64_t bad = compare(std::string(label) + " codes", got.data(), want.data(), n);
    bad += compare(std::string(label) + " scales", got_scale.data(), want_scale_bytes.data(), got_scale.size());
    ++g_cases;
    if (bad) {
        ++g_bad_cases;
        printf("FAIL %s: %lld bytes differ\n", label, (long long)bad);
    }
    CHECK(hipFree(dx));
    CHECK(hipFree(dout));
    CHECK(hipFree(dscale));
}

}  // namespace

int main() {
    int devices = 0;
    CHECK(hipGetDeviceCount(&devices));
    fp8q_tuning defaults{};
    API(fp8q_get_tuning(&defaults));
    // Every knob changed at once, three times: launches plain and chained (NVIDIA), both
    // dual-layout tiles (the default, 64x128, and 128x128) and both block orders. Then four more
    // with the other knobs at their defaults: each dual tile in the other block order, and each
    // with plain launches.
    const fp8q_tuning changed[7] = {{0, 0, 0, 1, 4, 4, 256, 0, 1, 1, 0}, {1, 1, 0, 0, 8, 4, 64, 1, 0, 0, 0},
                                    {4, 1, 1, 1, 4, 8, 128, 1, 1, 1, 0}, {2, 2, 1, 0, 8, 8, 0, 1, 1, 0, 0},
                                    {2, 2, 1, 0, 8, 8, 0, 1, 0, 1, 0}, {2, 2, 1, 0, 8, 8, 0, 0, 1, 0, 0},
                                    {2, 2, 1, 0, 8, 8, 0, 0, 0, 1, 0}};
    constexpr int kTunings = 8;
    const fp8q_tuning* tunings[kTunings] = {&defaults,   &changed[0], &changed[1], &changed[2],
                                            &changed[3], &changed[4], &changed[5], &changed[6]};
    const char* tuning_names[kTunings] = {"default tuning",       "tuning changed",      "tuning changed 2",
                                          "tuning changed 3",     "dual_tile 1",         "dual_tile 0 order 1",
                                          "dual_tile 1 plain launch", "dual_tile 0 order 1 plain launch"};
    const struct { int64_t rows, cols; } shapes[] = {
        {1, 1}, {3, 7}, {17, 9}, {64, 13}, {33, 24}, {130, 1000}, {257, 2049}, {300, 136},
        {256, 4096}, {40, 7168}, {1000, 64}, {129, 130}, {144, 264}, {528, 320}};
    const Recipe recipes[] = {
        {Fp8Format::e4m3fn, 0, 0}, {Fp8Format::e4m3fn, 1, 0}, {Fp8Format::e4m3fn, 1, 1},
        {Fp8Format::e4m3fnuz, 0, 0}, {Fp8Format::e4m3fnuz, 1, 1}};
    for (int t = 0; t < kTunings; ++t) {
        API(fp8q_set_tuning(tunings[t]));
        const std::string tuning = tuning_names[t];
        for (const auto& s : shapes)
            for (int misalign = 0; misalign < 2; ++misalign)
                for (const Recipe& r : recipes)
                    for (int k = 0; k < 5; ++k) run_case(Kernel(k), s.rows, s.cols, misalign, r, tuning);
    }
    // The dual layout on more tiles than one wave of blocks holds, full and edge tiles mixed
    // (16400 = 128 * 128 + 16 rows, 2056 = 16 * 128 + 8 columns), both tiles, both block orders,
    // and once unaligned per tile (every tile element by element).
    const int64_t before_many = g_cases;
    for (int tile = 0; tile <= 1; ++tile)
        for (int order = 0; order < 2; ++order) {
            fp8q_tuning t = defaults;
            t.dual_tile = tile;
            t.dual_order = order;
            API(fp8q_set_tuning(&t));
            const std::string name = "dual_tile " + std::to_string(tile) + " order " + std::to_string(order);
            run_case(Kernel::dual, 16400, 2056, 0, recipes[order], name);
            if (order == 1) run_case(Kernel::dual, 16400, 2056, 1, recipes[2], name);
        }
    printf("dual layout on many tiles: %lld cases (16400x2056, dual_tile 0..1 x 2 block orders, two unaligned)\n",
           (long long)(g_cases - before_many));
    const int64_t before = g_cases;
    const struct { int64_t rows, cols; } block_shapes[] = {{1, 128}, {3, 256}, {5, 384}, {33, 1024}, {130, 2048}, {257, 7168}};
    for (int t = 0; t < 2; ++t) {
        API(fp8q_set_tuning(tunings[t]));
        for (const auto& s : block_shapes)
            for (int misalign = 0; misalign < 2; ++misalign)
                for (int kind = 0; kind < 4; ++kind)
                    run_block_case(kind, s.rows, s.cols, misalign, tuning_names[t]);
    }
    printf("block-scaled kernels: %lld cases (%zu shapes x aligned/unaligned x 4 recipes x 2 tunings)\n",
           (long long)(g_cases - before), sizeof block_shapes / sizeof block_shapes[0]);
    printf("odd shapes and unaligned pointers: %lld cases (%zu shapes x aligned/unaligned x %zu recipes x 5 kernels x %d tunings, and the above), %lld with differences\n",
           (long long)before, sizeof shapes / sizeof shapes[0], sizeof recipes / sizeof recipes[0], kTunings, (long long)g_bad_cases);
    printf(g_bad_cases ? "FAIL\n" : "PASS\n");
    return g_bad_cases ? 1 : 0;
}
