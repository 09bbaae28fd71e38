// runner.cpp: fp8moe-hip-runner, the host side of the HIP production path (SPEC section 7).
//
// Reads a fixture's inputs (SPEC section 5), runs the quantization kernels of each recipe on the
// GPU, and writes /results/hip-<platform>-<recipe>[-<tag>][-raw-input|-nan2num-input] with the
// group attributes SPEC sections 5 and 8.1 ask for, provenance (date, commit, script, command),
// the datasets of docs/results-schema.md, and timings/<operand>.
//
// Usage: fp8moe-hip-runner FIXTURE.h5 [--out FILE | --write]
//            [--recipe tensorwise|rowwise|mxfp8|blockwise|block|all]
//            [--format e4m3fn|e4m3fnuz] [--amax-nan propagate|nan_to_num]
//            [--input-nan-to-num 0|1|both] [--scale-compute fp64|fp32] [--pow2 0|1]
//            [--scale-mode floor|rceil|both] [--tag SUFFIX] [--reps N] [--commit HASH]
//            [--script NAME]
//        fp8moe-hip-runner --device-info
//
// Recipes: tensorwise and rowwise (the default pair), and the block-scaled recipes of SPEC 8.3
// (`block` = both, `all` = all four): mxfp8 `block_1x32` (e8m0 scales, one producer per scale mode:
// hip-<platform>-mxfp8-floor, -mxfp8-rceil) and blockwise `block_1x128` (fp32 scales stored as
// reciprocals, torchao's act quantizer: amax propagate, fp64, no pow2 unless --pow2 1). They
// quantize `a` and `grad_out` along their last dimension, each where that dimension is a multiple
// of the block (a dataset that is not is left out and named; none at all is exit 2). They are
// written with input_nan_to_num = 0 only.
//
// input_nan_to_num (SPEC 8.1): `both` (default) writes each recipe twice, once with the recipe's
// preset value under the plain name (tensorwise: 1, the PR #4179 recipe; rowwise: 0) and once
// with the other value under the name + "-raw-input" (tensorwise, 0) or "-nan2num-input"
// (rowwise, 1). `--commit` and `--script` (or FP8MOE_COMMIT, FP8MOE_SCRIPT) are recorded as the
// `commit` and `script` attributes; the runner adds `date` (UTC) and `command` itself.
//
// The output is a copy of the fixture plus the results (default FIXTURE stem + .hip-<platform>.h5;
// --write updates the fixture itself). Either way it is written to a temporary file beside the
// destination and renamed over it only when complete: a failure never leaves a damaged file.
//
// Exit status: 0 done; 2 bad usage or invalid input (the message names the file and the path
// inside it); 3 GPU runtime failure (the message names the call and the runtime's error name,
// e.g. hipErrorNoDevice); 4 the output could not be written.
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "fp8moe/hip_compat.h"
#include "fp8moe/quant_api.h"
#include "h5io.h"

namespace fp8moe {
namespace {

constexpr const char* kRunnerVersion = "fp8moe-hip-runner 0.1";

struct UsageError : std::runtime_error { using std::runtime_error::runtime_error; };
struct InputError : std::runtime_error { using std::runtime_error::runtime_error; };
struct DeviceError : std::runtime_error { using std::runtime_error::runtime_error; };
struct OutputError : std::runtime_error { using std::runtime_error::runtime_error; };

#define RUNTIME_CHECK(call)                                                                   \
    do {                                                                                      \
        const hipError_t status_ = (call);                                                    \
        if (status_ != hipSuccess)                                                            \
            throw DeviceError(std::string(#call) + " failed: " + hipGetErrorName(status_) +   \
                              " (" + hipGetErrorString(status_) + ")");                       \
    } while (0)

void kernel_check(int status, const std::string& what) {
    if (status != 0)
        throw DeviceError(what + " failed: " + fp8q_error_name(status) + " (" +
                          fp8q_error_string(status) + ")");
}

// ------------------------------------------------------------------------------ options

struct Options {
    std::string fixture;
    std::string out;
    bool write = false;
    bool device_info = false;
    std::vector<std::string> recipes{"tensorwise", "rowwise"};
    std::vector<std::string> scale_modes{"floor", "rceil"};  // mxfp8
    std::string format = "e4m3fn";
    std::string amax_nan;  // empty: the recipe's default
    std::string input_nan_to_num = "both";
    std::string scale_compute = "fp64";
    int pow2 = -1;  // -1: the recipe's (tensorwise/rowwise 1, blockwise 0)
    std::string tag;
    int reps = 10;
    std::string commit, script, command;
};

const char* kUsage =
    "usage: fp8moe-hip-runner FIXTURE.h5 [--out FILE | --write]\n"
    "           [--recipe tensorwise|rowwise|mxfp8|blockwise|block|all]\n"
    "           [--format e4m3fn|e4m3fnuz] [--amax-nan propagate|nan_to_num]\n"
    "           [--input-nan-to-num 0|1|both] [--scale-compute fp64|fp32] [--pow2 0|1]\n"
    "           [--scale-mode floor|rceil|both] [--tag SUFFIX] [--reps N] [--commit HASH]\n"
    "           [--script NAME]\n"
    "       fp8moe-hip-runner --device-info\n";

std::string one_of(const std::string& flag, const std::string& value,
                   const std::vector<std::string>& allowed) {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw UsageError(flag + " '" + value + "' is not supported (one of: " + list + ")");
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw UsageError(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--out") o.out = value();
        else if (arg == "--write") o.write = true;
        else if (arg == "--device-info") o.device_info = true;
        else if (arg == "--recipe") {
            const std::string r = one_of(arg, value(), {"tensorwise", "rowwise", "mxfp8", "blockwise", "block", "all"});
            o.recipes = r == "all"   ? std::vector<std::string>{"tensorwise", "rowwise", "mxfp8", "blockwise"}
                      : r == "block" ? std::vector<std::string>{"mxfp8", "blockwise"}
                                     : std::vector<std::string>{r};
        } else if (arg == "--scale-mode") {
            const std::string m = one_of(arg, value(), {"floor", "rceil", "both"});
            o.scale_modes = m == "both" ? std::vector<std::string>{"floor", "rceil"} : std::vector<std::string>{m};
        } else if (arg == "--format") o.format = one_of("fp8_format", value(), {"e4m3fn", "e4m3fnuz"});
        else if (arg == "--amax-nan") o.amax_nan = one_of(arg, value(), {"propagate", "nan_to_num"});
        else if (arg == "--input-nan-to-num") o.input_nan_to_num = one_of(arg, value(), {"0", "1", "both"});
        else if (arg == "--commit") o.commit = value();
        else if (arg == "--script") o.script = value();
        else if (arg == "--scale-compute") o.scale_compute = one_of(arg, value(), {"fp64", "fp32"});
        else if (arg == "--pow2") o.pow2 = one_of(arg, value(), {"0", "1"}) == "1";
        else if (arg == "--tag") {
            o.tag = value();
            if (o.tag.empty() || o.tag.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos)
                throw UsageError("--tag '" + o.tag + "' must be letters, digits, '_', '.', '-' (it becomes part of an HDF5 group name)");
        }
        else if (arg == "--reps") {
            const std::string v = value();
            char* end = nullptr;
            const long reps = strtol(v.c_str(), &end, 10);
            if (!end || *end || reps < 1 || reps > 100000) throw UsageError("--reps '" + v + "' is not a count");
            o.reps = int(reps);
        } else if (arg == "-h" || arg == "--help") {
            fputs(kUsage, stdout);
            exit(0);
        } else if (!arg.empty() && arg[0] == '-') throw UsageError("unknown option " + arg);
        else if (o.fixture.empty()) o.fixture = arg;
        else throw UsageError("more than one fixture given: " + o.fixture + ", " + arg);
    }
    if (!o.device_info && o.fixture.empty()) throw UsageError("no fixture given");
    if (o.write && !o.out.empty()) throw UsageError("--write and --out exclude each other");
    for (const auto& r : o.recipes) {
        if ((r == "mxfp8" || r == "blockwise") && o.input_nan_to_num == "1")
            throw UsageError("--recipe " + r + ": input_nan_to_num 1 is not implemented (torchao's recipe quantizes x as it is)");
        if (r == "mxfp8" && o.format != "e4m3fn") throw UsageError("--recipe mxfp8: the payload is e4m3fn");
    }
    auto env = [](const char* name) { const char* v = getenv(name); return std::string(v ? v : ""); };
    if (o.commit.empty()) o.commit = env("FP8MOE_COMMIT");
    if (o.commit.empty()) o.commit = "unknown";
    if (o.script.empty()) o.script = env("FP8MOE_SCRIPT");
    if (o.script.empty()) o.script = "fp8moe-hip-runner (by hand)";
    for (int i = 0; i < argc; ++i) o.command += (i ? " " : "") + std::string(argv[i]);
    return o;
}

// ------------------------------------------------------------------------------ inputs

struct Inputs {
    bool has_a = false, has_b = false, has_grad_out = false, has_offsets = false;
    H5Array<uint16_t> a, b, grad_out;
    std::vector<int32_t> offsets;
    int64_t M = 0, K = 0, N = 0, G = 0;
};

std::string shape_text(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

/// Reads and validates the inputs (SPEC sections 4 and 5). Every problem is an InputError that
/// names the file and the path.
Inputs read_inputs(const std::string& path) {
    Inputs in;
    auto bad = [&](const std::string& object, const std::string& what) {
        return InputError(path + ": " + object + ": " + what);
    };
    try {
        H5File file(path, false);
        in.has_a = file.exists("/inputs/a");
        in.has_b = file.exists("/inputs/b");
        in.has_grad_out = file.exists("/inputs/grad_out");
        in.has_offsets = file.exists("/inputs/offsets");
        if (in.has_a) in.a = file.read_bf16("/inputs/a");
        if (in.has_b) in.b = file.read_bf16("/inputs/b");
        if (in.has_grad_out) in.grad_out = file.read_bf16("/inputs/grad_out");
        H5Array<int64_t> offsets;
        if (in.has_offsets) offsets = file.read_integers("/inputs/offsets");

        if (!in.has_a && !in.has_b && !in.has_grad_out)
            throw bad("/inputs", "none of a, b, grad_out is present: nothing to quantize");
        if (in.has_a) {
            if (in.a.shape.size() != 2) throw bad("/inputs/a", "must be 2-D [M,K], is " + shape_text(in.a.shape));
            in.M = in.a.dim(0);
            in.K = in.a.dim(1);
            if (in.K == 0) throw bad("/inputs/a", "has no columns " + shape_text(in.a.shape));
        }
        if (in.has_b) {
            if (in.b.shape.size() != 3) throw bad("/inputs/b", "must be 3-D [G,K,N], is " + shape_text(in.b.shape));
            if (in.has_a && in.b.dim(1) != in.K)
                throw bad("/inputs/b", "shape " + shape_text(in.b.shape) + " does not match a's K = " + std::to_string(in.K));
            if (in.b.dim(1) == 0 || in.b.dim(2) == 0) throw bad("/inputs/b", "has an empty dimension " + shape_text(in.b.shape));
            if (in.b.dim(0) * in.b.dim(1) > INT32_MAX) throw bad("/inputs/b", "G*K exceeds int32");
            in.G = in.b.dim(0);
            in.K = in.b.dim(1);
            in.N = in.b.dim(2);
        }
        if (in.has_grad_out) {
            if (in.grad_out.shape.size() != 2)
                throw bad("/inputs/grad_out", "must be 2-D [M,N], is " + shape_text(in.grad_out.shape));
            if (in.has_a && in.grad_out.dim(0) != in.M)
                throw bad("/inputs/grad_out", "shape " + shape_text(in.grad_out.shape) + " does not match a's M = " + std::to_string(in.M));
            if (in.has_b && in.grad_out.dim(1) != in.N)
                throw bad("/inputs/grad_out", "shape " + shape_text(in.grad_out.shape) + " does not match b's N = " + std::to_string(in.N));
            if (in.grad_out.dim(1) == 0) throw bad("/inputs/grad_out", "has no columns");
            in.M = in.grad_out.dim(0);
            in.N = in.grad_out.dim(1);
        }
        if (in.has_offsets) {
            if (offsets.shape.size() != 1) throw bad("/inputs/offsets", "must be 1-D [G], is " + shape_text(offsets.shape));
            const int64_t G = offsets.dim(0);
            if (in.has_b && G != in.G)
                throw bad("/inputs/offsets", "has " + std::to_string(G) + " groups, b has " + std::to_string(in.G));
            const bool rows_known = in.has_a || in.has_grad_out;
            int64_t previous = 0;
            for (int64_t g = 0; g < G; ++g) {
                const int64_t v = offsets.data[size_t(g)];
                const std::string at = "offsets[" + std::to_string(g) + "] = " + std::to_string(v);
                if (v < 0) throw bad("/inputs/offsets", at + " is negative");
                if (v < previous) throw bad("/inputs/offsets", at + " is less than offsets[" + std::to_string(g - 1) + "] = " + std::to_string(previous) + " (must be non-decreasing)");
                if (rows_known && v > in.M) throw bad("/inputs/offsets", at + " exceeds M = " + std::to_string(in.M));
                if (v > INT32_MAX) throw bad("/inputs/offsets", at + " exceeds int32");
                previous = v;
            }
            in.G = G;
            in.offsets.assign(offsets.data.begin(), offsets.data.end());
        }
        // What the kernels cannot do: grids of more than 2^31 blocks of 2^11..2^14 elements.
        const int64_t kMaxElements = int64_t(1) << 40;
        if (in.has_a && in.a.data.size() > size_t(kMaxElements)) throw bad("/inputs/a", "has more than 2^40 elements: beyond the kernels' grids");
        if (in.has_b && in.b.data.size() > size_t(kMaxElements)) throw bad("/inputs/b", "has more than 2^40 elements: beyond the kernels' grids");
        if (in.has_grad_out && in.grad_out.data.size() > size_t(kMaxElements)) throw bad("/inputs/grad_out", "has more than 2^40 elements: beyond the kernels' grids");
        if (in.has_offsets && in.G > 0 && !in.has_a && !in.has_grad_out && !in.has_b)
            throw bad("/inputs/offsets", "present without a, b or grad_out");
    } catch (const H5Failure& e) {
        throw InputError(e.what());
    }
    return in;
}

// ------------------------------------------------------------------------------ device

template <typename T> struct DeviceBuffer {
    T* ptr = nullptr;
    size_t count = 0;
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t n) : count(n) {
        RUNTIME_CHECK(hipMalloc(reinterpret_cast<void**>(&ptr), sizeof(T) * (n ? n : 1)));
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& o) noexcept : ptr(o.ptr), count(o.count) { o.ptr = nullptr; }
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        std::swap(ptr, o.ptr);
        std::swap(count, o.count);
        return *this;
    }
    ~DeviceBuffer() {
        if (ptr) (void)hipFree(ptr);  // nothing useful to do with an error while unwinding
    }
    void upload(const T* host) {
        if (count) RUNTIME_CHECK(hipMemcpy(ptr, host, sizeof(T) * count, hipMemcpyHostToDevice));
    }
    void download(T* host) const {
        if (count) RUNTIME_CHECK(hipMemcpy(host, ptr, sizeof(T) * count, hipMemcpyDeviceToHost));
    }
};

struct Device {
    std::string name, platform, software;
};

Device open_device() {
    int count = 0;
    RUNTIME_CHECK(hipGetDeviceCount(&count));
    if (count < 1) throw DeviceError("hipGetDeviceCount found no device: hipErrorNoDevice");
    RUNTIME_CHECK(hipSetDevice(0));
    hipDeviceProp_t props;
    RUNTIME_CHECK(hipGetDeviceProperties(&props, 0));
    int runtime = 0, driver = 0;
    RUNTIME_CHECK(hipRuntimeGetVersion(&runtime));
    RUNTIME_CHECK(hipDriverGetVersion(&driver));
    Device d;
    d.name = props.name;
#if defined(FP8MOE_PLATFORM_NVIDIA)
    d.platform = "sm" + std::to_string(props.major) + std::to_string(props.minor);
    d.software = std::string(kRunnerVersion) + "; CUDA runtime " + std::to_string(runtime / 1000) + "." +
                 std::to_string(runtime % 1000 / 10) + ", driver " + std::to_string(driver / 1000) + "." +
                 std::to_string(driver % 1000 / 10);
#else
    const std::string arch = props.gcnArchName;
    d.platform = arch.substr(0, arch.find(':'));
    if (d.name.empty()) d.name = arch;
    d.software = std::string(kRunnerVersion) + "; HIP runtime " + std::to_string(runtime) +
                 ", driver " + std::to_string(driver);
#endif
    d.software += "; " + hdf5_version() + "; " + fp8q_cast_description();
    return d;
}

// ------------------------------------------------------------------------------ jobs

enum class Kind { grouped, columns, rowwise, mxfp8, blockwise };

/// One quantized operand of docs/results-schema.md.
struct Job {
    std::string name;       // a, b, grad_out, b_t, a_wgrad, grad_out_wgrad
    std::string reduction;  // for the timings' `kernel` attribute
    Kind kind;
    const uint16_t* x;
    int64_t rows, cols;
    const int32_t* offsets;  // device; nullptr: tensorwise
    int groups;
    std::vector<int64_t> data_shape, scale_shape;
    int mx_mode = FP8Q_MX_FLOOR;  // Kind::mxfp8
};

struct JobResult {
    std::vector<uint8_t> codes;
    std::vector<float> scales;          // fp32 scales
    std::vector<uint8_t> scale_codes;   // e8m0 scales (Kind::mxfp8)
    std::vector<double> times_ms;
};

int64_t product(const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

const char* api_name(Kind k) {
    switch (k) {
    case Kind::grouped: return "fp8q_quantize_grouped";
    case Kind::columns: return "fp8q_quantize_group_columns";
    case Kind::rowwise: return "fp8q_quantize_rowwise";
    case Kind::mxfp8: return "fp8q_quantize_mxfp8_1x32";
    case Kind::blockwise: return "fp8q_quantize_blockwise_1x128";
    }
    return "?";
}

JobResult run_job(const Job& job, const fp8q_recipe& recipe, int reps) {
    const size_t n = size_t(job.rows * job.cols);
    const size_t scales = size_t(product(job.scale_shape));
    DeviceBuffer<uint8_t> out(n);
    DeviceBuffer<float> scale(scales);
    DeviceBuffer<uint32_t> amax(job.kind == Kind::columns ? size_t(job.groups) * size_t(job.cols)
                                                          : size_t(job.groups));
    // Poison: an element no kernel writes shows up as a mismatch.
    RUNTIME_CHECK(hipMemsetAsync(out.ptr, 0xA5, n ? n : 1, nullptr));
    RUNTIME_CHECK(hipMemsetAsync(scale.ptr, 0xFF, sizeof(float) * (scales ? scales : 1), nullptr));

    const std::string what = std::string(api_name(job.kind)) + "(" + job.name + ")";
    auto launch = [&]() {
        int status = 0;
        switch (job.kind) {
        case Kind::grouped:
            status = fp8q_quantize_grouped(job.x, job.rows, job.cols, job.offsets, job.groups, recipe,
                                           out.ptr, scale.ptr, amax.ptr, nullptr);
            break;
        case Kind::columns:
            status = fp8q_quantize_group_columns(job.x, job.rows, job.cols, job.offsets, job.groups,
                                                 recipe, out.ptr, scale.ptr, amax.ptr, nullptr);
            break;
        case Kind::rowwise:
            status = fp8q_quantize_rowwise(job.x, job.rows, job.cols, recipe, out.ptr, scale.ptr, nullptr);
            break;
        case Kind::mxfp8:  // e8m0 codes: the first `scales` bytes of the scale buffer
            status = fp8q_quantize_mxfp8_1x32(job.x, job.rows, job.cols, job.mx_mode, out.ptr,
                                              reinterpret_cast<uint8_t*>(scale.ptr), nullptr);
            break;
        case Kind::blockwise:  // torchao stores the reciprocal
            status = fp8q_quantize_blockwise_1x128(job.x, job.rows, job.cols, recipe, 1, out.ptr, scale.ptr, nullptr);
            break;
        }
        kernel_check(status, what);
    };
    launch();  // warm-up: module load, first-touch
    RUNTIME_CHECK(hipDeviceSynchronize());

    std::vector<hipEvent_t> events(size_t(2 * reps), nullptr);
    JobResult result;
    try {
        for (auto& e : events) RUNTIME_CHECK(hipEventCreate(&e));
        for (int r = 0; r < reps; ++r) {
            RUNTIME_CHECK(hipEventRecord(events[size_t(2 * r)], nullptr));
            launch();
            RUNTIME_CHECK(hipEventRecord(events[size_t(2 * r + 1)], nullptr));
        }
        RUNTIME_CHECK(hipEventSynchronize(events.back()));
        RUNTIME_CHECK(hipDeviceSynchronize());
        for (int r = 0; r < reps; ++r) {
            float ms = 0;
            RUNTIME_CHECK(hipEventElapsedTime(&ms, events[size_t(2 * r)], events[size_t(2 * r + 1)]));
            result.times_ms.push_back(ms);
        }
    } catch (...) {
        for (auto e : events)
            if (e) (void)hipEventDestroy(e);
        throw;
    }
    for (auto e : events) RUNTIME_CHECK(hipEventDestroy(e));

    result.codes.resize(n);
    out.download(result.codes.data());
    if (job.kind == Kind::mxfp8) {
        result.scale_codes.resize(scales);
        if (scales) RUNTIME_CHECK(hipMemcpy(result.scale_codes.data(), scale.ptr, scales, hipMemcpyDeviceToHost));
    } else {
        result.scales.resize(scales);
        scale.download(result.scales.data());
    }
    return result;
}

struct RecipeRun {
    std::string recipe, producer;
    std::string scale_mode;  // mxfp8
    fp8q_recipe knobs;
    std::string amax_nan;
    int input_nan_to_num = 0;
    std::vector<Job> jobs;
    std::vector<JobResult> results;
};

/// Now, UTC, ISO 8601 to the second ("2026-12-01T21:30:00Z").
std::string utc_now() {
    const time_t t = time(nullptr);
    struct tm u;
    gmtime_r(&t, &u);
    char text[32];
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &u);
    return text;
}

// ------------------------------------------------------------------------------ output

std::string default_output(const std::string& fixture, const std::string& platform) {
    std::string stem = fixture;
    if (stem.size() > 3 && stem.compare(stem.size() - 3, 3, ".h5") == 0) stem.resize(stem.size() - 3);
    return stem + ".hip-" + platform + ".h5";
}

void write_results(H5File& file, const Device& device, const Options& o, const RecipeRun& run) {
    const std::string group = "/results/" + run.producer;
    file.remove(group);
    file.create_group(group);
    file.set_string(group, "producer", run.producer);
    file.set_string(group, "device", device.name);
    file.set_string(group, "software", device.software);
    file.set_string(group, "platform", device.platform);
    file.set_string(group, "recipe", run.recipe);
    file.set_string(group, "fp8_format", o.format);
    file.set_string(group, "amax_nan", run.amax_nan);
    file.set_int(group, "input_nan_to_num", run.input_nan_to_num);
    if (run.recipe == "mxfp8") {  // SPEC 8.3
        file.set_string(group, "reduction", "block_1x32");
        file.set_string(group, "scale_format", "e8m0");
        file.set_string(group, "scale_mode", run.scale_mode);
        // The e8m0 code is the dequantization exponent: 2^(code - 127) = 1 / multiplier.
        file.set_string(group, "scale_convention", "reciprocal");
    } else {
        file.set_string(group, "scale_compute", o.scale_compute);
        file.set_int(group, "scale_pow2", run.knobs.pow2);
    }
    if (run.recipe == "blockwise") {
        file.set_string(group, "reduction", "block_1x128");
        file.set_string(group, "scale_format", "fp32");
        file.set_string(group, "scale_convention", "reciprocal");
    }
    file.set_string(group, "cast_policy", "satfinite");
    file.set_string(group, "nan_arith", "canonical");
    file.set_string(group, "date", utc_now());
    file.set_string(group, "commit", o.commit);
    file.set_string(group, "script", o.script);
    file.set_string(group, "command", o.command);
    const std::string dtype = "float8_" + o.format;
    for (size_t i = 0; i < run.jobs.size(); ++i) {
        const Job& job = run.jobs[i];
        const JobResult& r = run.results[i];
        const std::string codes = group + "/" + job.name + "_fp8";
        file.write_u8(codes, job.data_shape, r.codes.data());
        file.set_string(codes, "dtype", dtype);
        const std::string scale = group + "/" + job.name + "_scale";
        if (job.kind == Kind::mxfp8) {
            file.write_u8(scale, job.scale_shape, r.scale_codes.data());
            file.set_string(scale, "dtype", "float8_e8m0fnu");
        } else {
            file.write_f32(scale, job.scale_shape, r.scales.data());
        }
        const std::string timing = group + "/timings/" + job.name;
        file.write_f64(timing, {int64_t(r.times_ms.size())}, r.times_ms.data());
        file.set_string(timing, "kernel", job.reduction);
        file.set_string(timing, "shape", shape_text(job.data_shape));
        file.set_int(timing, "launches", fp8q_launch_count(api_name(job.kind)));
    }
}

/// Copies the fixture to a temporary file beside `destination`, adds the results, and renames it
/// over `destination`. On any failure the temporary file is removed and nothing else changes.
void publish(const Options& o, const Device& device, const std::vector<RecipeRun>& runs,
             const std::string& destination) {
    namespace fs = std::filesystem;
    const std::string temporary = destination + ".tmp-" + std::to_string(getpid());
    try {
        std::error_code ec;
        fs::copy_file(o.fixture, temporary, fs::copy_options::overwrite_existing, ec);
        if (ec) throw OutputError(temporary + ": cannot copy the fixture: " + ec.message());
        {
            H5File file(temporary, true);
            for (const auto& run : runs) write_results(file, device, o, run);
            file.close();
        }
        fs::rename(temporary, destination, ec);
        if (ec) throw OutputError(destination + ": cannot rename " + temporary + " over it: " + ec.message());
    } catch (const H5Failure& e) {
        std::error_code ignored;
        fs::remove(temporary, ignored);
        throw OutputError(e.what());
    } catch (...) {
        std::error_code ignored;
        fs::remove(temporary, ignored);
        throw;
    }
}

// ------------------------------------------------------------------------------ main

int run(const Options& o) {
    if (o.device_info) {
        const Device d = open_device();
        printf("device: %s\nplatform: %s\nsoftware: %s\n", d.name.c_str(), d.platform.c_str(), d.software.c_str());
        return 0;
    }
    const Inputs in = read_inputs(o.fixture);  // before the device: bad input is exit 2 anywhere
    for (const auto& r : o.recipes) {
        const int64_t block = r == "mxfp8" ? 32 : r == "blockwise" ? 128 : 0;
        if (block && !(in.has_a && in.K % block == 0) && !(in.has_grad_out && in.N % block == 0))
            throw InputError(o.fixture + ": /inputs/" + (in.has_a ? "a" : "grad_out") + ": recipe " + r +
                             " needs the last dimension of a or grad_out to be a multiple of " + std::to_string(block) +
                             " (K = " + std::to_string(in.K) + ", N = " + std::to_string(in.N) + ")");
    }
    const Device device = open_device();

    // Device copies of the inputs; uniform offsets K, 2K, ... for the 3-D weight.
    DeviceBuffer<uint16_t> a, b, grad_out;
    DeviceBuffer<int32_t> offsets, expert_offsets;
    if (in.has_a) { a = DeviceBuffer<uint16_t>(in.a.data.size()); a.upload(in.a.data.data()); }
    if (in.has_b) { b = DeviceBuffer<uint16_t>(in.b.data.size()); b.upload(in.b.data.data()); }
    if (in.has_grad_out) { grad_out = DeviceBuffer<uint16_t>(in.grad_out.data.size()); grad_out.upload(in.grad_out.data.data()); }
    if (in.has_offsets && in.G > 0) { offsets = DeviceBuffer<int32_t>(in.offsets.size()); offsets.upload(in.offsets.data()); }
    if (in.has_b && in.G > 0) {
        std::vector<int32_t> ends(size_t(in.G));
        for (int64_t g = 0; g < in.G; ++g) ends[size_t(g)] = int32_t((g + 1) * in.K);
        expert_offsets = DeviceBuffer<int32_t>(ends.size());
        expert_offsets.upload(ends.data());
    }
    const bool have_b = in.has_b && in.G > 0, have_groups = in.has_offsets && in.G > 0;
    const int G = int(in.G);

    std::vector<RecipeRun> runs;
    // (recipe, input_nan_to_num) pairs: the recipe's preset value first (SPEC 8.1).
    std::vector<std::pair<std::string, int>> variants;
    for (const std::string& recipe : o.recipes) {
        const int preset = recipe == "tensorwise" ? 1 : 0;
        if (recipe == "mxfp8") {
            for (const auto& mode : o.scale_modes) variants.push_back({"mxfp8-" + mode, 0});
        } else if (recipe == "blockwise") {
            variants.push_back({recipe, 0});
        } else if (o.input_nan_to_num == "both") {
            variants.push_back({recipe, preset});
            variants.push_back({recipe, 1 - preset});
        } else {
            variants.push_back({recipe, o.input_nan_to_num == "1" ? 1 : 0});
        }
    }
    for (const auto& [variant, input_nan_to_num] : variants) {
        RecipeRun run;
        const bool mx = variant.rfind("mxfp8-", 0) == 0;
        const std::string recipe = mx ? "mxfp8" : variant;
        run.recipe = recipe;
        run.scale_mode = mx ? variant.substr(6) : "";
        run.input_nan_to_num = input_nan_to_num;
        const int preset = recipe == "tensorwise" ? 1 : 0;
        run.producer = "hip-" + device.platform + "-" + variant + (o.tag.empty() ? "" : "-" + o.tag) +
                       (input_nan_to_num == preset ? "" : input_nan_to_num ? "-nan2num-input" : "-raw-input");
        run.amax_nan = !o.amax_nan.empty() ? o.amax_nan : recipe == "tensorwise" ? "nan_to_num" : "propagate";
        if (mx && run.amax_nan != "propagate") throw UsageError("--recipe mxfp8: the amax propagates NaN (torchao's to_mx)");
        run.knobs.format = o.format == "e4m3fnuz" ? FP8Q_E4M3FNUZ : FP8Q_E4M3FN;
        run.knobs.amax_nan = run.amax_nan == "nan_to_num" ? FP8Q_AMAX_NAN_TO_NUM : FP8Q_AMAX_PROPAGATE;
        run.knobs.scale_compute = o.scale_compute == "fp32" ? FP8Q_SCALE_FP32 : FP8Q_SCALE_FP64;
        run.knobs.pow2 = o.pow2 >= 0 ? o.pow2 : recipe == "blockwise" ? 0 : 1;
        run.knobs.input_nan_to_num = input_nan_to_num;
        auto& j = run.jobs;
        const int64_t M = in.M, K = in.K, N = in.N;
        if (mx || recipe == "blockwise") {
            // Along the last dimension, where it is a multiple of the block (SPEC 8.3).
            const int64_t block = mx ? 32 : 128;
            const Kind kind = mx ? Kind::mxfp8 : Kind::blockwise;
            const std::string reduction = mx ? "block_1x32" : "block_1x128";
            const int mode = run.scale_mode == "rceil" ? FP8Q_MX_RCEIL : FP8Q_MX_FLOOR;
            std::string skipped;
            if (in.has_a && K % block == 0) j.push_back({"a", reduction, kind, a.ptr, M, K, nullptr, 0, {M, K}, {M, K / block}, mode});
            else if (in.has_a) skipped += " /inputs/a (K = " + std::to_string(K) + ")";
            if (in.has_grad_out && N % block == 0) j.push_back({"grad_out", reduction, kind, grad_out.ptr, M, N, nullptr, 0, {M, N}, {M, N / block}, mode});
            else if (in.has_grad_out) skipped += " /inputs/grad_out (N = " + std::to_string(N) + ")";
            if (j.empty())
                throw InputError(o.fixture + ":" + (skipped.empty() ? std::string(" /inputs: no a or grad_out") : skipped) +
                                 ": " + reduction + " needs the last dimension to be a multiple of " + std::to_string(block));
            if (!skipped.empty())
                fprintf(stderr, "fp8moe-hip-runner: %s: %s left out:%s is not a multiple of %lld\n", o.fixture.c_str(),
                        run.producer.c_str(), skipped.c_str(), (long long)block);
        } else if (recipe == "tensorwise") {
            if (in.has_a) j.push_back({"a", "tensorwise", Kind::grouped, a.ptr, M, K, nullptr, 1, {M, K}, {1}});
            if (in.has_grad_out) j.push_back({"grad_out", "tensorwise", Kind::grouped, grad_out.ptr, M, N, nullptr, 1, {M, N}, {1}});
            if (have_b) j.push_back({"b", "per_expert", Kind::grouped, b.ptr, G * K, N, expert_offsets.ptr, G, {G, K, N}, {G}});
            if (in.has_a && have_groups) j.push_back({"a_wgrad", "per_group", Kind::grouped, a.ptr, M, K, offsets.ptr, G, {M, K}, {G}});
            if (in.has_grad_out && have_groups) j.push_back({"grad_out_wgrad", "per_group", Kind::grouped, grad_out.ptr, M, N, offsets.ptr, G, {M, N}, {G}});
        } else {
            if (in.has_a) j.push_back({"a", "rowwise", Kind::rowwise, a.ptr, M, K, nullptr, 0, {M, K}, {M}});
            if (in.has_grad_out) j.push_back({"grad_out", "rowwise", Kind::rowwise, grad_out.ptr, M, N, nullptr, 0, {M, N}, {M}});
            if (have_b) j.push_back({"b", "per_expert_column", Kind::columns, b.ptr, G * K, N, expert_offsets.ptr, G, {G, K, N}, {G, N}});
            if (have_b) j.push_back({"b_t", "per_expert_row", Kind::rowwise, b.ptr, G * K, N, nullptr, 0, {G, K, N}, {G, K}});
            if (in.has_a && have_groups) j.push_back({"a_wgrad", "per_group_column", Kind::columns, a.ptr, M, K, offsets.ptr, G, {M, K}, {G, K}});
            if (in.has_grad_out && have_groups) j.push_back({"grad_out_wgrad", "per_group_column", Kind::columns, grad_out.ptr, M, N, offsets.ptr, G, {M, N}, {G, N}});
        }
        for (const Job& job : run.jobs) run.results.push_back(run_job(job, run.knobs, o.reps));
        runs.push_back(std::move(run));
    }

    const std::string destination = o.write ? o.fixture : !o.out.empty() ? o.out : default_output(o.fixture, device.platform);
    publish(o, device, runs, destination);

    printf("%s -> %s (%s, %s)\n", o.fixture.c_str(), destination.c_str(), device.name.c_str(), device.platform.c_str());
    printf("%-28s %-16s %-18s %9s %10s %9s\n", "producer", "dataset", "reduction", "launches", "median_ms", "GB/s");
    for (const auto& run : runs) {
        for (size_t i = 0; i < run.jobs.size(); ++i) {
            std::vector<double> t = run.results[i].times_ms;
            std::sort(t.begin(), t.end());
            const double median = t[t.size() / 2];
            const Job& job = run.jobs[i];
            const bool one_pass = job.kind == Kind::rowwise || job.kind == Kind::mxfp8 || job.kind == Kind::blockwise;
            const double pass_bytes = one_pass ? 3.0 : 5.0;  // bf16 read once or twice, fp8 written
            const double gbs = median > 0 ? pass_bytes * double(job.rows * job.cols) / (median * 1e6) : 0;
            printf("%-28s %-16s %-18s %9d %10.4f %9.1f\n", run.producer.c_str(), (job.name + "_fp8").c_str(),
                   job.reduction.c_str(), fp8q_launch_count(api_name(job.kind)), median, gbs);
        }
    }
    return 0;
}

}  // namespace
}  // namespace fp8moe

int main(int argc, char** argv) {
    using namespace fp8moe;
    std::string fixture = "-";
    try {
        const Options o = parse(argc, argv);
        fixture = o.device_info ? "--device-info" : o.fixture;
        return run(o);
    } catch (const UsageError& e) {
        fprintf(stderr, "fp8moe-hip-runner: %s\n%s", e.what(), kUsage);
        return 2;
    } catch (const InputError& e) {
        fprintf(stderr, "fp8moe-hip-runner: invalid input: %s\n", e.what());
        return 2;
    } catch (const DeviceError& e) {
        fprintf(stderr, "fp8moe-hip-runner: %s: GPU runtime error: %s\n", fixture.c_str(), e.what());
        return 3;
    } catch (const OutputError& e) {
        fprintf(stderr, "fp8moe-hip-runner: cannot write the output: %s\n", e.what());
        return 4;
    } catch (const std::exception& e) {
        fprintf(stderr, "fp8moe-hip-runner: %s: %s\n", fixture.c_str(), e.what());
        return 4;
    }
}
