#!/usr/bin/env bash
# hip_build.sh: build the HIP production path (hip/).
#
#   scripts/hip_build.sh amd     hipcc --offload-arch=gfx90a,gfx940: kernels, runner (libamdhip64)
#   scripts/hip_build.sh nvidia  nvcc -gencode arch=compute_90,code=sm_90: kernels, runner,
#                                libfp8q.so (the kernels' C API, for the benchmark's ctypes) and
#                                libfp8q_sw.so (the same with the software cast only)
#   scripts/hip_build.sh test    host only: the exhaustive cast test (g++, OpenMP) and the
#                                fast-division test
#
# Outputs go to hip/build/<target>/ (ignored by git). Environment overrides:
#   HIPCC, NVCC, CXX             compilers
#   AMD_ARCHS                    default "gfx90a gfx940" (Debian's clang 15 does not know gfx942)
#   NVIDIA_GENCODE               default "arch=compute_90,code=sm_90"
#   EXTRA_NVCC_FLAGS             e.g. -DFP8MOE_SOFTWARE_CAST (no hardware e4m3 conversion)
#   HDF5_CFLAGS, HDF5_LIBS       default: pkg-config hdf5-serial, else /usr/include/hdf5/serial
#                                with -lhdf5_serial, else /usr/include with -lhdf5
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hip="$here/hip"
target="${1:-}"
out="$hip/build/$target"

die() { echo "hip_build.sh: $*" >&2; exit 1; }

hdf5_flags() {
    if [[ -n "${HDF5_CFLAGS:-}${HDF5_LIBS:-}" ]]; then
        return
    elif pkg-config --exists hdf5-serial 2>/dev/null; then
        HDF5_CFLAGS="$(pkg-config --cflags hdf5-serial)"
        HDF5_LIBS="$(pkg-config --libs hdf5-serial)"
    elif [[ -f /usr/include/hdf5/serial/hdf5.h ]]; then
        HDF5_CFLAGS="-I/usr/include/hdf5/serial"
        HDF5_LIBS="-lhdf5_serial"
    elif [[ -f /usr/include/hdf5.h ]]; then
        HDF5_CFLAGS=""
        HDF5_LIBS="-lhdf5"
    else
        die "the HDF5 C library was not found (Debian/Ubuntu: apt-get install libhdf5-dev), or set HDF5_CFLAGS/HDF5_LIBS"
    fi
}

includes=(-I"$hip/include" -I"$hip/kernels")
warnings=(-Wall -Wextra)

case "$target" in
amd)
    HIPCC="${HIPCC:-hipcc}"
    command -v "$HIPCC" >/dev/null || die "hipcc not found (Debian: apt-get install hipcc libamdhip64-dev)"
    hdf5_flags
    mkdir -p "$out"
    archs=()
    for a in ${AMD_ARCHS:-gfx90a gfx940}; do archs+=(--offload-arch="$a"); done
    echo "[amd] kernels for ${AMD_ARCHS:-gfx90a gfx940}"
    "$HIPCC" -std=c++17 -O3 "${archs[@]}" "${includes[@]}" "${warnings[@]}" -fPIC \
        -c "$hip/kernels/quantize_launch.hip" -o "$out/quantize_launch.o"
    echo "[amd] runner"
    # Host-only files: plain C++ against the HIP runtime API (hip_compat.h picks AMD).
    CXX="${CXX:-g++}"
    for f in runner h5io; do
        "$CXX" -std=c++17 -O2 -D__HIP_PLATFORM_AMD__ "${includes[@]}" "${warnings[@]}" \
            $HDF5_CFLAGS -c "$hip/runner/$f.cpp" -o "$out/$f.o"
    done
    "$HIPCC" "${archs[@]}" "$out/runner.o" "$out/h5io.o" "$out/quantize_launch.o" \
        -o "$out/fp8moe-hip-runner" $HDF5_LIBS -lamdhip64
    "$HIPCC" -std=c++17 -O3 "${archs[@]}" "${includes[@]}" \
        "$hip/tests/cast_device_test.hip" -o "$out/cast_device_test"
    echo "[amd] built $out/fp8moe-hip-runner and $out/cast_device_test"
    ;;
nvidia)
    NVCC="${NVCC:-nvcc}"
    command -v "$NVCC" >/dev/null || die "nvcc not found"
    cuda_home="$(dirname "$(dirname "$(command -v "$NVCC")")")"
    CXX="${CXX:-g++}"
    hdf5_flags
    mkdir -p "$out"
    gencode="${NVIDIA_GENCODE:-arch=compute_90,code=sm_90}"
    echo "[nvidia] kernels for $gencode"
    # shellcheck disable=SC2086
    "$NVCC" -std=c++17 -O3 -gencode "$gencode" "${includes[@]}" -Xcompiler -fPIC,-Wall \
        ${EXTRA_NVCC_FLAGS:-} -Xptxas -v -x cu -c "$hip/kernels/quantize_launch.hip" \
        -o "$out/quantize_launch.o" 2> "$out/ptxas.log" || { cat "$out/ptxas.log" >&2; exit 1; }
    grep -E "error|warning" "$out/ptxas.log" >&2 || true
    "$NVCC" -shared -gencode "$gencode" "$out/quantize_launch.o" -o "$out/libfp8q.so"
    # The same kernels with the software cast everywhere, for the benchmark's comparison.
    "$NVCC" -std=c++17 -O3 -gencode "$gencode" "${includes[@]}" -Xcompiler -fPIC \
        -DFP8MOE_SOFTWARE_CAST -x cu -c "$hip/kernels/quantize_launch.hip" -o "$out/quantize_launch_sw.o"
    "$NVCC" -shared -gencode "$gencode" "$out/quantize_launch_sw.o" -o "$out/libfp8q_sw.so"
    echo "[nvidia] runner"
    for f in runner h5io; do
        "$CXX" -std=c++17 -O2 -DFP8MOE_NVIDIA "${includes[@]}" "${warnings[@]}" \
            -I"$cuda_home/include" $HDF5_CFLAGS -c "$hip/runner/$f.cpp" -o "$out/$f.o"
    done
    "$NVCC" -gencode "$gencode" "$out/runner.o" "$out/h5io.o" "$out/quantize_launch.o" \
        -o "$out/fp8moe-hip-runner" $HDF5_LIBS
    # shellcheck disable=SC2086
    "$NVCC" -std=c++17 -O3 -gencode "$gencode" "${includes[@]}" ${EXTRA_NVCC_FLAGS:-} -x cu \
        "$hip/tests/cast_device_test.hip" -o "$out/cast_device_test"
    echo "[nvidia] built $out/fp8moe-hip-runner, $out/libfp8q.so and $out/cast_device_test"
    ;;
test)
    CXX="${CXX:-g++}"
    mkdir -p "$out"
    "$CXX" -std=c++17 -O2 -fopenmp "${includes[@]}" "${warnings[@]}" \
        "$hip/tests/cast_exhaustive.cpp" -o "$out/cast_exhaustive"
    "$CXX" -std=c++17 -O2 "${includes[@]}" "${warnings[@]}" \
        "$hip/tests/fast_div_test.cpp" -o "$out/fast_div_test"
    echo "[test] built $out/cast_exhaustive and $out/fast_div_test"
    ;;
*)
    die "usage: scripts/hip_build.sh amd|nvidia|test"
    ;;
esac
