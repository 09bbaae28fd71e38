#!/usr/bin/env bash
# build.sh: build the HIP production path (hip/).
#
#   scripts/hip/build.sh amd     hipcc --offload-arch=gfx90a,gfx940: kernels, runner (libamdhip64)
#   scripts/hip/build.sh nvidia  nvcc -gencode arch=compute_90,code=sm_90: kernels, runner,
#                                libfp8q.so (the kernels' C API, for the benchmark's ctypes) and
#                                libfp8q_sw.so (the same with the software cast only)
#   scripts/hip/build.sh isa     AMD code objects for the disassembly check (scripts/hip/isa_check.py):
#                                gfx942 and gfx950 compiled device-only by clang-22 (Debian bookworm;
#                                Debian's clang 15 knows neither) against Debian's HIP 5.2 headers and
#                                ROCm 5.2 device libraries; gfx90a and gfx940 unbundled from the
#                                `amd` build's object (run `amd` first)
#   scripts/hip/build.sh test    host only: the exhaustive cast test (g++, OpenMP), the
#                                fast-division test and the block-scale test
#
# Outputs go to hip/build/<target>/ (ignored by git). Environment overrides:
#   HIPCC, NVCC, CXX             compilers
#   AMD_ARCHS                    default "gfx90a gfx940" (Debian's clang 15 does not know gfx942)
#   CLANG_NEW, LLVM_AS_NEW       default clang-22, llvm-as-22 (the `isa` target)
#   AMD_NEW_ARCHS                default "gfx942 gfx950"
#   ROCM_BITCODE                 default /usr/lib/x86_64-linux-gnu/amdgcn/bitcode (rocm-device-libs)
#   NVIDIA_GENCODE               default "arch=compute_90,code=sm_90"
#   EXTRA_NVCC_FLAGS             e.g. -DFP8MOE_SOFTWARE_CAST (no hardware e4m3 conversion)
#   HDF5_CFLAGS, HDF5_LIBS       default: pkg-config hdf5-serial, else /usr/include/hdf5/serial
#                                with -lhdf5_serial, else /usr/include with -lhdf5
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
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
    "$HIPCC" -std=c++17 -O2 "${archs[@]}" "${includes[@]}" \
        -c "$hip/tests/odd_shapes_test.hip" -o "$out/odd_shapes_test.o"
    "$HIPCC" "${archs[@]}" "$out/odd_shapes_test.o" "$out/quantize_launch.o" -o "$out/odd_shapes_test"
    echo "[amd] built $out/fp8moe-hip-runner, $out/cast_device_test and $out/odd_shapes_test"
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
    # The kernels, and the same kernels with the software cast everywhere (the benchmark compares
    # them), compiled side by side.
    # shellcheck disable=SC2086
    "$NVCC" -std=c++17 -O3 -gencode "$gencode" "${includes[@]}" -Xcompiler -fPIC,-Wall \
        ${EXTRA_NVCC_FLAGS:-} -Xptxas -v -x cu -c "$hip/kernels/quantize_launch.hip" \
        -o "$out/quantize_launch.o" 2> "$out/ptxas.log" &
    hw=$!
    "$NVCC" -std=c++17 -O3 -gencode "$gencode" "${includes[@]}" -Xcompiler -fPIC \
        -DFP8MOE_SOFTWARE_CAST -x cu -c "$hip/kernels/quantize_launch.hip" -o "$out/quantize_launch_sw.o" &
    sw=$!
    wait $hw || { cat "$out/ptxas.log" >&2; exit 1; }
    wait $sw || exit 1
    grep -E "error|warning" "$out/ptxas.log" >&2 || true
    "$NVCC" -shared -gencode "$gencode" "$out/quantize_launch.o" -o "$out/libfp8q.so"
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
    "$NVCC" -std=c++17 -O2 -gencode "$gencode" "${includes[@]}" -x cu \
        -c "$hip/tests/odd_shapes_test.hip" -o "$out/odd_shapes_test.o"
    "$NVCC" -gencode "$gencode" "$out/odd_shapes_test.o" "$out/quantize_launch.o" -o "$out/odd_shapes_test"
    echo "[nvidia] built $out/fp8moe-hip-runner, $out/libfp8q.so, $out/cast_device_test and $out/odd_shapes_test"
    ;;
isa)
    CLANG_NEW="${CLANG_NEW:-clang-22}"
    LLVM_AS_NEW="${LLVM_AS_NEW:-llvm-as-22}"
    command -v "$CLANG_NEW" >/dev/null || die "$CLANG_NEW not found (Debian 12: apt-get install clang-22 lld-22 llvm-22)"
    bitcode="${ROCM_BITCODE:-/usr/lib/x86_64-linux-gnu/amdgcn/bitcode}"
    [[ -f "$bitcode/ockl.bc" ]] || die "ROCm device libraries not found in $bitcode (apt-get install rocm-device-libs)"
    mkdir -p "$out/devlibs"
    # ROCm 5.2's device libraries predate gfx942 and gfx950: they lack only the one-constant
    # modules oclc_isa_version_942/950 (the ISA version the libraries branch on), written here.
    # hip.bc holds __atomic_work_item_fence, which the 5.2 headers' __syncthreads calls; clang 22
    # no longer links it by itself.
    for f in "$bitcode"/*.bc; do ln -sf "$f" "$out/devlibs/"; done
    layout="$(grep -o 'target datalayout = "[^"]*"' <("${LLVM_DIS_NEW:-llvm-dis-22}" -o - "$bitcode/ockl.bc") | head -1)"
    for v in 942:9402 950:9500; do
        printf '%s\ntarget triple = "amdgcn-amd-amdhsa"\n@__oclc_ISA_version = linkonce_odr protected local_unnamed_addr addrspace(4) constant i32 %s, align 4\n' \
            "$layout" "${v#*:}" | "$LLVM_AS_NEW" -o "$out/devlibs/oclc_isa_version_${v%%:*}.bc"
    done
    pids=()
    for a in ${AMD_NEW_ARCHS:-gfx942 gfx950}; do
        echo "[isa] $a: $CLANG_NEW device-only"
        # CDNA is wave64; clang 22 no longer defines __AMDGCN_WAVEFRONT_SIZE, which ROCm 5.2's
        # headers read.
        "$CLANG_NEW" -x hip -std=c++17 -O3 --offload-arch="$a" --offload-device-only --no-gpu-bundle-output \
            -mcode-object-version=5 --rocm-path=/usr --rocm-device-lib-path="$out/devlibs" \
            -Xclang -mlink-builtin-bitcode -Xclang "$out/devlibs/hip.bc" -D__AMDGCN_WAVEFRONT_SIZE=64 \
            -Wno-linker-warnings "${includes[@]}" "${warnings[@]}" \
            -c "$hip/kernels/quantize_launch.hip" -o "$out/quantize_launch-$a.co" &
        pids+=($!)
    done
    status=0
    for p in "${pids[@]}"; do wait "$p" || status=1; done
    [[ $status -eq 0 ]] || die "device-only compile failed"
    fatobj="$hip/build/amd/quantize_launch.o"
    [[ -f "$fatobj" ]] || die "$fatobj missing: run scripts/hip/build.sh amd first"
    "${OBJCOPY_OLD:-llvm-objcopy-15}" --dump-section=.hip_fatbin="$out/fatbin.bundle" "$fatobj" "$out/host-copy.o"
    for a in ${AMD_ARCHS:-gfx90a gfx940}; do
        echo "[isa] $a: unbundled from the hipcc object"
        "${BUNDLER_OLD:-clang-offload-bundler-15}" --unbundle --type=o --input="$out/fatbin.bundle" \
            --targets="hipv4-amdgcn-amd-amdhsa--$a" --output="$out/quantize_launch-$a.co"
    done
    echo "[isa] code objects in $out"
    ;;
test)
    CXX="${CXX:-g++}"
    mkdir -p "$out"
    "$CXX" -std=c++17 -O2 -fopenmp "${includes[@]}" "${warnings[@]}" \
        "$hip/tests/cast_exhaustive.cpp" -o "$out/cast_exhaustive"
    "$CXX" -std=c++17 -O2 "${includes[@]}" "${warnings[@]}" \
        "$hip/tests/fast_div_test.cpp" -o "$out/fast_div_test"
    "$CXX" -std=c++17 -O2 "${includes[@]}" "${warnings[@]}" \
        "$hip/tests/block_scale_test.cpp" -o "$out/block_scale_test"
    echo "[test] built $out/cast_exhaustive, $out/fast_div_test and $out/block_scale_test"
    ;;
*)
    die "usage: scripts/hip/build.sh amd|nvidia|isa|test"
    ;;
esac
