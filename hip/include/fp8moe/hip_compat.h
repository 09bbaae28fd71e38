// fp8moe/hip_compat.h: the project's own portability header for the HIP production path.
//
// The kernels and the runner are written against the HIP runtime API. On AMD this header simply
// includes HIP. On NVIDIA it maps the few runtime calls, types and intrinsics the project uses
// onto CUDA, so the same `.hip` sources build with `nvcc -x cu` (Debian's HIP-on-NVIDIA headers
// do not compile against CUDA 13, so we do not use them).
//
// Platform selection:
//   NVIDIA  when compiled by nvcc (`__CUDACC__`), or a host-only file built with -DFP8MOE_NVIDIA
//   AMD     otherwise (hipcc, or a host-only file: we define __HIP_PLATFORM_AMD__ if missing)
//
// -DFP8MOE_NO_RUNTIME: plain host C++ (the numeric tests), no runtime header at all.
//
// Only what the project uses is mapped. Add a name here before using it anywhere else.
#ifndef FP8MOE_HIP_COMPAT_H
#define FP8MOE_HIP_COMPAT_H

#if defined(FP8MOE_NO_RUNTIME)
// Plain host C++ that uses only the numeric headers (hip/tests): no runtime at all.
#define FP8MOE_PLATFORM_NAME "host"

#elif defined(__CUDACC__) || defined(FP8MOE_NVIDIA)
// ---------------------------------------------------------------------------------- NVIDIA
#define FP8MOE_PLATFORM_NVIDIA 1
#if defined(__CUDACC__)
#include <cuda_runtime.h>
#else
#include <cuda_runtime_api.h>
#endif

typedef cudaError_t hipError_t;
typedef cudaStream_t hipStream_t;
typedef cudaEvent_t hipEvent_t;
typedef cudaDeviceProp hipDeviceProp_t;

#define hipSuccess cudaSuccess
#define hipErrorNoDevice cudaErrorNoDevice
#define hipErrorInvalidValue cudaErrorInvalidValue
#define hipMemcpyHostToDevice cudaMemcpyHostToDevice
#define hipMemcpyDeviceToHost cudaMemcpyDeviceToHost
#define hipMemcpyDeviceToDevice cudaMemcpyDeviceToDevice

#define hipGetErrorName cudaGetErrorName
#define hipGetErrorString cudaGetErrorString
#define hipGetLastError cudaGetLastError
#define hipGetDeviceCount cudaGetDeviceCount
#define hipGetDevice cudaGetDevice
#define hipSetDevice cudaSetDevice
#define hipGetDeviceProperties cudaGetDeviceProperties
#define hipDeviceGetAttribute cudaDeviceGetAttribute
#define hipDeviceAttributeMultiprocessorCount cudaDevAttrMultiProcessorCount
#define hipDeviceAttributeWarpSize cudaDevAttrWarpSize
#define hipDeviceSynchronize cudaDeviceSynchronize
#define hipRuntimeGetVersion cudaRuntimeGetVersion
#define hipDriverGetVersion cudaDriverGetVersion
#define hipMalloc cudaMalloc
#define hipFree cudaFree
#define hipMemcpy cudaMemcpy
#define hipMemcpyAsync cudaMemcpyAsync
#define hipMemset cudaMemset
#define hipMemsetAsync cudaMemsetAsync
#define hipStreamSynchronize cudaStreamSynchronize
#define hipEventCreate cudaEventCreate
#define hipEventDestroy cudaEventDestroy
#define hipEventRecord cudaEventRecord
#define hipEventSynchronize cudaEventSynchronize
#define hipEventElapsedTime cudaEventElapsedTime
#define hipOccupancyMaxActiveBlocksPerMultiprocessor cudaOccupancyMaxActiveBlocksPerMultiprocessor

#define FP8MOE_PLATFORM_NAME "cuda"

#else
// ---------------------------------------------------------------------------------- AMD
#define FP8MOE_PLATFORM_AMD 1
#if !defined(__HIP_PLATFORM_AMD__) && !defined(__HIP_PLATFORM_HCC__)
#define __HIP_PLATFORM_AMD__ 1
#endif
#if defined(__HIPCC__)
#include <hip/hip_runtime.h>
#else
#include <hip/hip_runtime_api.h>
#endif

#define FP8MOE_PLATFORM_NAME "hip"

#endif

// ------------------------------------------------------------------------- device helpers
#if defined(__CUDACC__) || defined(__HIPCC__)
#define FP8MOE_HD __host__ __device__
#define FP8MOE_DEVICE_COMPILER 1
#else
#define FP8MOE_HD
#endif

#if defined(__CUDACC__)
// NVIDIA warps are 32 lanes; CUDA 13 has only the `_sync` shuffles.
#define FP8MOE_WARP_SIZE 32
#define fp8moe_shfl_xor(value, lane_mask) __shfl_xor_sync(0xffffffffu, (value), (lane_mask))
#elif defined(__HIPCC__)
// CDNA (gfx90a, gfx94x) runs 64-lane wavefronts. The host pass of hipcc does not define the
// wavefront macro; device code there is never run, so any value will do for it.
#if defined(__AMDGCN_WAVEFRONT_SIZE)
#define FP8MOE_WARP_SIZE __AMDGCN_WAVEFRONT_SIZE
#else
#define FP8MOE_WARP_SIZE 64
#endif
#define fp8moe_shfl_xor(value, lane_mask) __shfl_xor((value), (lane_mask))
#endif

// ------------------------------------------------------- chained launches (NVIDIA sm_90+)
//
// Programmatic dependent launch: a kernel launched by fp8moe_launch(..., chained = true) may start
// while the kernel before it in the stream is still running, once every block of that kernel has
// called fp8moe_allow_next_grid() or exited. Before it reads anything the earlier kernel writes,
// it must call fp8moe_wait_prior_grid(), which returns once that kernel has completed and its
// writes are visible (at once when the launch was not chained). Call it outside loops and
// branches (nvcc 13.0 gives a kernel with a wait inside a loop a stack frame and fewer registers).
// Elsewhere (AMD, NVIDIA before sm_90) these calls are empty and launches are plain: stream
// order alone.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
__device__ inline void fp8moe_wait_prior_grid() { asm volatile("griddepcontrol.wait;" ::: "memory"); }
__device__ inline void fp8moe_allow_next_grid() { asm volatile("griddepcontrol.launch_dependents;" ::: "memory"); }
/// Asks L2 for the 128-byte line holding p (a hint; nothing is read into registers).
__device__ inline void fp8moe_prefetch_l2(const void* p) { asm volatile("prefetch.global.L2 [%0];" ::"l"(p)); }
#elif defined(FP8MOE_DEVICE_COMPILER)
__device__ inline void fp8moe_wait_prior_grid() {}
__device__ inline void fp8moe_allow_next_grid() {}
__device__ inline void fp8moe_prefetch_l2(const void*) {}
#endif

#if defined(__CUDACC__)
/// kernel<<<grid, block, 0, stream>>>(args...), chained (above) when `chained`; returns the
/// launch's error code.
template <typename... Params, typename... Args>
inline hipError_t fp8moe_launch(void (*kernel)(Params...), dim3 grid, dim3 block, hipStream_t stream,
                                bool chained, Args... args) {
    cudaLaunchAttribute attribute{};
    attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attribute.val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t config{};
    config.gridDim = grid;
    config.blockDim = block;
    config.stream = stream;
    config.attrs = &attribute;
    config.numAttrs = chained ? 1 : 0;
    return cudaLaunchKernelEx(&config, kernel, args...);
}
#define FP8MOE_CHAINED_LAUNCH 1
#elif defined(__HIPCC__)
template <typename... Params, typename... Args>
inline hipError_t fp8moe_launch(void (*kernel)(Params...), dim3 grid, dim3 block, hipStream_t stream,
                                bool /*chained*/, Args... args) {
    hipLaunchKernelGGL(kernel, grid, block, 0, stream, args...);
    return hipGetLastError();
}
#define FP8MOE_CHAINED_LAUNCH 0
#endif

#endif  // FP8MOE_HIP_COMPAT_H
