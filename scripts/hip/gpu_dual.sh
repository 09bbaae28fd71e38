#!/usr/bin/env bash
# gpu_dual.sh: on the GPU machine, in one call: unpack the carried hip/build/nvidia.tar.xz, or
# else build the NVIDIA kernels (libfp8q.so) and odd_shapes_test from the tree sent (the two nvcc
# jobs side by side), run odd_shapes_test (every
# kernel, every dual_tile, identical bytes; after the benchmark, in the seconds left of BUDGET),
# and the dual-layout benchmark
# (scripts/hip/bench.py --only dual: every dual_tile at 98432x2048, 16384x7168 and 2048x2048,
# beside the PR branch's dual-layout kernel from .peers-hip). Everything goes to $OUT
# (gpu_dual.log, ptxas.log, bench.md). FP8MOE_COMMIT names the commit sent.
#
#   device tool: command "bash scripts/hip/gpu_dual.sh", carry [".peers-hip"] (and
#   "hip/build/nvidia.tar.xz" when built here), kind nvidia-h100-x1
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT="${OUT:-$PWD/hip/build/out}"
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu_dual.log") 2>&1
export PYTHONUNBUFFERED=1
stage() { echo; echo "=== $* ($(date -u +%H:%M:%S))"; }
out=hip/build/nvidia
gencode=arch=compute_90,code=sm_90
inc=(-Ihip/include -Ihip/kernels)

stage "environment"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv,noheader
nvcc --version | tail -1
echo "commit ${FP8MOE_COMMIT:-unknown}"

stage "build"
if [[ -f hip/build/nvidia.tar.xz ]]; then
    # Built on the development machine (scripts/hip/build.sh nvidia, then scripts/carry/build.sh --hip).
    tar -C hip/build -xJf hip/build/nvidia.tar.xz && cp "$out/ptxas.log" "$OUT/ptxas.log" &&
        echo "carried hip/build/nvidia.tar.xz" || { echo "carried build did not unpack"; exit 1; }
else
    mkdir -p "$out"
    split=()  # nvcc's parallel optimizer where this nvcc has it (the kernels are one large file)
    nvcc --help | grep -q -- --split-compile && split=(--split-compile=0)
    nvcc -std=c++17 -O3 -gencode "$gencode" "${inc[@]}" "${split[@]}" -Xcompiler -fPIC,-Wall -Xptxas -v -x cu \
        -c hip/kernels/quantize_launch.hip -o "$out/quantize_launch.o" 2> "$OUT/ptxas.log" &
    k=$!
    nvcc -std=c++17 -O2 -gencode "$gencode" "${inc[@]}" -x cu -c hip/tests/odd_shapes_test.hip \
        -o "$out/odd_shapes_test.o" &
    t=$!
    wait $k || { tail -n 40 "$OUT/ptxas.log"; echo "kernels did not build"; exit 1; }
    wait $t || { echo "odd_shapes_test did not build"; exit 1; }
    grep -E "error|warning" "$OUT/ptxas.log" || true
    nvcc -shared -gencode "$gencode" "$out/quantize_launch.o" -o "$out/libfp8q.so" &&
        nvcc -gencode "$gencode" "$out/odd_shapes_test.o" "$out/quantize_launch.o" -o "$out/odd_shapes_test" ||
        { echo "link failed"; exit 1; }
fi
# Registers, stack and shared memory of the dual-layout kernels (ptxas -v).
grep -A4 "Compiling entry function '_ZN6fp8moe.*dual_apply" "$OUT/ptxas.log" | grep -E "Compiling|Used" | head -n 64

stage "dual-layout benchmark"
python3 scripts/hip/bench.py --only dual --lib "$out/libfp8q.so" --lib-sw /nonexistent --peers .peers-hip \
    --tensorwise-shapes 98432x2048,16384x7168,2048x2048 --rowwise-shapes "" --report "$OUT/bench.md"
bench=$?
left=$((${BUDGET:-225} - SECONDS - 5))  # what the call has left (BUDGET: its timeout_s)
stage "odd shapes and unaligned pointers"
odd=0
timeout $((left > 10 ? left : 10)) "$out/odd_shapes_test" > "$OUT/odd_shapes.log" 2>&1 || odd=1
tail -n 8 "$OUT/odd_shapes.log"

stage "done: odd_shapes_test exit $odd, bench.py exit $bench"
exit $((odd | bench))
