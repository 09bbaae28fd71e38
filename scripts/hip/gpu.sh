#!/usr/bin/env bash
# gpu.sh: everything the HIP path does on an NVIDIA GPU machine, in one device call:
#   1. environment (GPU, nvcc, Python packages)
#   2. build: the carried hip/build/nvidia (scripts/hip/build.sh nvidia, made on the development
#      machine) if its runner loads here, else the runner relinked here (scripts/hip/gpu_relink.sh),
#      else everything built here
#   3. hip/build/nvidia/cast_device_test: the cast funnel vs the software cast, all 2^32 fp32
#   4. hip/build/nvidia/odd_shapes_test: every kernel on odd and unaligned shapes vs a host reference
#   5. test fixtures: invalid ones must give exit 2; the runner over the valid ones with every knob
#      variant, judged by fp8moe verify (scripts/hip/run_all.sh; carry .gpu/fp8moe.gz)
#   6. the committed reference fixtures through the runner (scripts/gpu/fixtures.sh, HIP only)
#      -> $OUT/hip-NAME.h5 (copy to fixtures/hip/ on the development machine)
#   7. the benchmark beside PR #4179's kernels (scripts/hip/bench.py) -> $OUT/hip-bench.md
#   8. with NCU=1: the grouped and dual-layout kernels under ncu (scripts/hip/ncu_kernels.py):
#      time and DRAM bytes per kernel -> $OUT/ncu.csv
# Everything printed goes to $OUT/gpu.log too. Every stage runs even if an earlier one failed;
# the exit status is the number of failed stages. Set FP8MOE_COMMIT to `git rev-parse HEAD` of
# the tree sent (recorded in the fixtures and the report). PR #4179's kernels are read from
# .peers-hip/ (carried; see scripts/hip/peers.sh). SKIP_FIXTURES=1 leaves out stages 5 and 6,
# SKIP_REFERENCE=1 stage 6 alone.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT="${OUT:-$PWD/hip/build/out}"
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu.log") 2>&1
export PYTHONUNBUFFERED=1 HDF5_DISABLE_VERSION_CHECK=2 FP8MOE_SCRIPT=scripts/hip/gpu.sh
failed=()
stage() { echo; echo "=== $* ($(date -u +%H:%M:%S))"; }
bin=hip/build/nvidia

stage "environment"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
nvcc --version | tail -1
python3 -c "import torch, triton, h5py, numpy; print('torch', torch.__version__, 'triton', triton.__version__, 'h5py', h5py.__version__, 'hdf5', h5py.version.hdf5_version, 'numpy', numpy.__version__)"
echo "commit ${FP8MOE_COMMIT:-unknown}"

stage "build"
# hip/build/nvidia travels packed (scripts/carry/build.sh --hip) where the tree would be too large.
[[ -f hip/build/nvidia.tar.xz ]] && tar -C hip/build -xJf hip/build/nvidia.tar.xz && echo "unpacked hip/build/nvidia.tar.xz"
if [[ -x $bin/fp8moe-hip-runner ]] && ! ldd $bin/fp8moe-hip-runner | grep -q "not found"; then
    echo "carried build loads here"
else
    ldd $bin/fp8moe-hip-runner 2>&1 | grep "not found"
    bash scripts/hip/gpu_relink.sh || failed+=(build)
fi
$bin/fp8moe-hip-runner --device-info || failed+=(device_info)

stage "device cast test"
$bin/cast_device_test || failed+=(cast_test)

stage "odd shapes and unaligned pointers"
$bin/odd_shapes_test | tail -n 25 || failed+=(odd_shapes)

if [[ "${SKIP_FIXTURES:-0}" != 1 ]]; then
stage "test fixtures: invalid inputs, runner + fp8moe verify"
fx=/tmp/hip-fixtures
rm -rf "$fx" "$fx-bad" "$fx-out"
python3 scripts/hip/make_test_fixture.py make "$fx" >/dev/null && python3 scripts/hip/make_test_fixture.py bad "$fx-bad" >/dev/null
bad_ok=1
for f in "$fx-bad"/*.h5; do
    msg="$($bin/fp8moe-hip-runner "$f" --out /tmp/hip-bad-out.h5 2>&1)"; rc=$?
    if [[ $rc -ne 2 || "$msg" != *"$f"* ]]; then echo "invalid fixture $f: exit $rc: $msg"; bad_ok=0; else echo "exit 2: ${msg#*invalid input: }"; fi
done
[[ $bad_ok -eq 1 ]] || failed+=(invalid_inputs)
RUNNER=$bin/fp8moe-hip-runner scripts/hip/run_all.sh "$fx" "$fx-out" >/tmp/run_all.log 2>&1 || failed+=(fixtures)
grep -E "hip_run_all|FAIL|mismatch" /tmp/run_all.log | tail -20
grep -A16 "moe2048.h5 ->" /tmp/run_all.log | head -18

if [[ "${SKIP_REFERENCE:-0}" != 1 ]]; then
stage "reference fixtures (fixtures/hip)"
WITH_TORCH_PEERS=0 FP8MOE_SCRIPT=scripts/gpu/fixtures.sh bash scripts/gpu/fixtures.sh || failed+=(reference_fixtures)
ls -la "$OUT"/hip-*.h5
fi
fi

stage "benchmark"
python3 scripts/hip/bench.py --report "$OUT/hip-bench.md" ${HIP_BENCH_ARGS:-} > /tmp/bench.log 2>&1 || failed+=(bench)
grep -v "^|" /tmp/bench.log | grep -v "^- " | tail -60
grep -E "^- " /tmp/bench.log | tail -30

if [[ "${NCU:-0}" == 1 ]]; then
stage "ncu: time and DRAM bytes per kernel (clocks as found, caches flushed before each kernel)"
timeout 150 ncu --clock-control none --cache-control all --csv --metrics \
    gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,sm__warps_active.avg.pct_of_peak_sustained_active \
    python3 scripts/hip/ncu_kernels.py > "$OUT/ncu.csv" 2> /tmp/ncu.err || { tail -5 /tmp/ncu.err; failed+=(ncu); }
python3 scripts/hip/ncu_kernels.py --summarize "$OUT/ncu.csv" || failed+=(ncu_summary)
fi

stage "summary"
if [[ ${#failed[@]} -eq 0 ]]; then echo "hip_gpu: all stages passed"; else echo "hip_gpu: failed stages: ${failed[*]}"; fi
exit ${#failed[@]}
