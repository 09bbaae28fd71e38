// Golden FP8 tables from the CUDA conversion intrinsics of cuda_fp8.h.
//
// Build:  nvcc -O2 -std=c++17 -gencode arch=compute_90,code=sm_90 scripts/golden/cuda_tables.cu -o cuda_tables
// Run:    ./cuda_tables IN_DIR OUT_DIR [--host-only]
//
// IN_DIR holds f32.bin (uint32 LE bit patterns), bf16.bin and f16.bin (uint16 LE),
// written by `python3 scripts/golden/cuda_pack.py prep IN_DIR`.
// For every conversion it writes OUT_DIR/<where>-<sat>/<src>__<name>.bin (uint8, one
// byte per input) and a line in OUT_DIR/manifest.tsv:
//   where \t sat \t src \t name \t call
// where = "device" (computed in a kernel, one thread per element) or "host" (the same
// __host__ __device__ function called on the CPU, for comparison).
// OUT_DIR/meta.txt gets runtime/driver versions and the device name.
// Every CUDA call is checked; any failure exits non-zero.
// e8m0: only cudaRoundZero and cudaRoundPosInf are used; CUDA 13's cuda_fp8.hpp asserts
// (rounding == cudaRoundZero || rounding == cudaRoundPosInf) in __nv_cvt_float_to_e8m0.

#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cuda_fp8.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <sys/stat.h>

#define CK(call)                                                                      \
  do {                                                                                \
    cudaError_t err_ = (call);                                                        \
    if (err_ != cudaSuccess) {                                                        \
      fprintf(stderr, "%s:%d: %s failed: %s (%s)\n", __FILE__, __LINE__, #call,      \
              cudaGetErrorName(err_), cudaGetErrorString(err_));                      \
      exit(2);                                                                        \
    }                                                                                 \
  } while (0)

#if (__CUDACC_VER_MAJOR__ * 1000 + __CUDACC_VER_MINOR__ * 10) >= 12080
#define GOLDEN_HAVE_E8M0 1
#else
#define GOLDEN_HAVE_E8M0 0
#endif

// ---- conversion functors (each usable on host and device) -------------------------

__host__ __device__ inline float bits_to_float(uint32_t b) {
  float x;
  memcpy(&x, &b, sizeof x);
  return x;
}

template <__nv_saturation_t S, __nv_fp8_interpretation_t F>
struct F32ToFp8 {
  typedef uint32_t In;
  __host__ __device__ uint8_t operator()(uint32_t b) const {
    return (uint8_t)__nv_cvt_float_to_fp8(bits_to_float(b), S, F);
  }
};

template <__nv_saturation_t S, __nv_fp8_interpretation_t F>
struct Bf16ToFp8 {
  typedef uint16_t In;
  __host__ __device__ uint8_t operator()(uint16_t b) const {
    __nv_bfloat16_raw r;
    r.x = b;
    return (uint8_t)__nv_cvt_bfloat16raw_to_fp8(r, S, F);
  }
};

template <__nv_saturation_t S, __nv_fp8_interpretation_t F>
struct F16ToFp8 {
  typedef uint16_t In;
  __host__ __device__ uint8_t operator()(uint16_t b) const {
    __half_raw r;
    r.x = b;
    return (uint8_t)__nv_cvt_halfraw_to_fp8(r, S, F);
  }
};

#if GOLDEN_HAVE_E8M0
template <__nv_saturation_t S, enum cudaRoundMode R>
struct F32ToE8m0 {
  typedef uint32_t In;
  __host__ __device__ uint8_t operator()(uint32_t b) const {
    return (uint8_t)__nv_cvt_float_to_e8m0(bits_to_float(b), S, R);
  }
};

template <__nv_saturation_t S, enum cudaRoundMode R>
struct Bf16ToE8m0 {
  typedef uint16_t In;
  __host__ __device__ uint8_t operator()(uint16_t b) const {
    __nv_bfloat16_raw r;
    r.x = b;
    return (uint8_t)__nv_cvt_bfloat16raw_to_e8m0(r, S, R);
  }
};
#endif

template <class Op>
__global__ void convert_kernel(const typename Op::In* __restrict__ in, uint8_t* __restrict__ out,
                               int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = Op()(in[i]);
}

// ---- host driver -------------------------------------------------------------------

static std::string g_out;
static bool g_host_only = false;  // test mode for machines without a GPU
static FILE* g_manifest = nullptr;
static std::vector<uint32_t> g_f32;
static std::vector<uint16_t> g_bf16, g_f16;

template <class T>
static std::vector<T> read_bin(const std::string& path) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) { fprintf(stderr, "cannot open %s\n", path.c_str()); exit(2); }
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (sz <= 0 || sz % (long)sizeof(T)) { fprintf(stderr, "bad size %ld: %s\n", sz, path.c_str()); exit(2); }
  std::vector<T> v(sz / sizeof(T));
  if (fread(v.data(), sizeof(T), v.size(), f) != v.size()) { fprintf(stderr, "short read %s\n", path.c_str()); exit(2); }
  fclose(f);
  return v;
}

static void write_bin(const std::string& path, const std::vector<uint8_t>& v) {
  FILE* f = fopen(path.c_str(), "wb");
  if (!f || fwrite(v.data(), 1, v.size(), f) != v.size() || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s\n", path.c_str());
    exit(2);
  }
}

static const std::vector<uint32_t>& source_data(const uint32_t*, const char*) { return g_f32; }
static const std::vector<uint16_t>& source_data(const uint16_t*, const char* src) {
  return strcmp(src, "bf16") == 0 ? g_bf16 : g_f16;
}

template <class Op>
static void run_one(const char* sat, const char* src, const char* name, const char* call) {
  typedef typename Op::In In;
  const std::vector<In>& hin = source_data((const In*)nullptr, src);
  const int n = (int)hin.size();

  std::vector<uint8_t> dres(n), hres(n);
  // device: one thread per element
  if (!g_host_only) {
    In* din = nullptr;
    uint8_t* dout = nullptr;
    CK(cudaMalloc(&din, n * sizeof(In)));
    CK(cudaMalloc(&dout, n));
    CK(cudaMemcpy(din, hin.data(), n * sizeof(In), cudaMemcpyHostToDevice));
    CK(cudaMemset(dout, 0xA5, n));  // poison
    const int threads = 256;
    convert_kernel<Op><<<(n + threads - 1) / threads, threads>>>(din, dout, n);
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    CK(cudaMemcpy(dres.data(), dout, n, cudaMemcpyDeviceToHost));
    CK(cudaFree(din));
    CK(cudaFree(dout));
  }

  // host: same function on the CPU
  Op op;
  for (int i = 0; i < n; ++i) hres[i] = op(hin[i]);

  const char* where[2] = {"device", "host"};
  const std::vector<uint8_t>* res[2] = {&dres, &hres};
  for (int w = g_host_only ? 1 : 0; w < 2; ++w) {
    std::string dir = g_out + "/" + where[w] + "-" + sat;
    mkdir(dir.c_str(), 0755);
    write_bin(dir + "/" + src + "__" + name + ".bin", *res[w]);
    fprintf(g_manifest, "%s\t%s\t%s\t%s\t%s\n", where[w], sat, src, name, call);
  }
  int ndiff = 0;
  for (int i = 0; i < n && !g_host_only; ++i) ndiff += dres[i] != hres[i];
  printf("%-9s %-5s %-12s n=%6d  device!=host at %d rows\n", sat, src, name, n, ndiff);
}

// Stringify the call exactly as it is written in the functors above.
#define FP8_CASES(SATN, SAT)                                                                      \
  run_one<F32ToFp8<SAT, __NV_E4M3>>(SATN, "f32", "e4m3fn",                                        \
      "__nv_cvt_float_to_fp8(x, " #SAT ", __NV_E4M3)  [x: float with the input's bits]");        \
  run_one<F32ToFp8<SAT, __NV_E5M2>>(SATN, "f32", "e5m2",                                          \
      "__nv_cvt_float_to_fp8(x, " #SAT ", __NV_E5M2)  [x: float with the input's bits]");        \
  run_one<Bf16ToFp8<SAT, __NV_E4M3>>(SATN, "bf16", "e4m3fn",                                      \
      "__nv_cvt_bfloat16raw_to_fp8(r, " #SAT ", __NV_E4M3)  [r: __nv_bfloat16_raw, r.x = bits]"); \
  run_one<Bf16ToFp8<SAT, __NV_E5M2>>(SATN, "bf16", "e5m2",                                        \
      "__nv_cvt_bfloat16raw_to_fp8(r, " #SAT ", __NV_E5M2)  [r: __nv_bfloat16_raw, r.x = bits]"); \
  run_one<F16ToFp8<SAT, __NV_E4M3>>(SATN, "f16", "e4m3fn",                                        \
      "__nv_cvt_halfraw_to_fp8(r, " #SAT ", __NV_E4M3)  [r: __half_raw, r.x = bits]");           \
  run_one<F16ToFp8<SAT, __NV_E5M2>>(SATN, "f16", "e5m2",                                          \
      "__nv_cvt_halfraw_to_fp8(r, " #SAT ", __NV_E5M2)  [r: __half_raw, r.x = bits]");

#define E8M0_CASE(SATN, SAT, RM, SUF)                                                             \
  run_one<F32ToE8m0<SAT, RM>>(SATN, "f32", "e8m0fnu." SUF,                                        \
      "__nv_cvt_float_to_e8m0(x, " #SAT ", " #RM ")  [x: float with the input's bits]");         \
  run_one<Bf16ToE8m0<SAT, RM>>(SATN, "bf16", "e8m0fnu." SUF,                                      \
      "__nv_cvt_bfloat16raw_to_e8m0(r, " #SAT ", " #RM ")  [r: __nv_bfloat16_raw, r.x = bits]");

int main(int argc, char** argv) {
  if (argc != 3 && !(argc == 4 && strcmp(argv[3], "--host-only") == 0)) {
    fprintf(stderr, "usage: %s IN_DIR OUT_DIR [--host-only]\n", argv[0]);
    return 2;
  }
  g_host_only = argc == 4;
  std::string in = argv[1];
  g_out = argv[2];
  mkdir(g_out.c_str(), 0755);
  g_f32 = read_bin<uint32_t>(in + "/f32.bin");
  g_bf16 = read_bin<uint16_t>(in + "/bf16.bin");
  g_f16 = read_bin<uint16_t>(in + "/f16.bin");

  int dev = 0, rt = 0, drv = 0;
  cudaDeviceProp p;
  memset(&p, 0, sizeof p);
  strcpy(p.name, "none (--host-only)");
  if (!g_host_only) {
    CK(cudaGetDevice(&dev));
    CK(cudaGetDeviceProperties(&p, dev));
    CK(cudaRuntimeGetVersion(&rt));
    CK(cudaDriverGetVersion(&drv));
  }
  FILE* meta = fopen((g_out + "/meta.txt").c_str(), "w");
  if (!meta) { fprintf(stderr, "cannot write meta.txt\n"); return 2; }
  fprintf(meta, "device_name=%s\ncompute_capability=%d.%d\ncuda_runtime=%d\ncuda_driver=%d\n"
                "nvcc=%d.%d.%d\nhave_e8m0=%d\n",
          p.name, p.major, p.minor, rt, drv, __CUDACC_VER_MAJOR__, __CUDACC_VER_MINOR__,
          __CUDACC_VER_BUILD__, GOLDEN_HAVE_E8M0);
  fclose(meta);
  printf("device %s sm_%d%d, runtime %d, driver %d, nvcc %d.%d, e8m0 %d\n", p.name, p.major,
         p.minor, rt, drv, __CUDACC_VER_MAJOR__, __CUDACC_VER_MINOR__, GOLDEN_HAVE_E8M0);

  g_manifest = fopen((g_out + "/manifest.tsv").c_str(), "w");
  if (!g_manifest) { fprintf(stderr, "cannot write manifest\n"); return 2; }

  FP8_CASES("satfinite", __NV_SATFINITE)
  FP8_CASES("nosat", __NV_NOSAT)
#if GOLDEN_HAVE_E8M0
  E8M0_CASE("satfinite", __NV_SATFINITE, cudaRoundZero, "rz")
  E8M0_CASE("satfinite", __NV_SATFINITE, cudaRoundPosInf, "rp")
  E8M0_CASE("nosat", __NV_NOSAT, cudaRoundZero, "rz")
  E8M0_CASE("nosat", __NV_NOSAT, cudaRoundPosInf, "rp")
#endif
  fclose(g_manifest);
  if (!g_host_only) CK(cudaDeviceSynchronize());
  printf("done\n");
  return 0;
}
