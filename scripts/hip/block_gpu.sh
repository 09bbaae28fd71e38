#!/usr/bin/env bash
# block_gpu.sh: the block-scaled HIP kernels on an NVIDIA GPU machine, in one device call:
#   1. environment
#   2. build: the runner relinked there from the carried kernels object (scripts/hip/gpu_relink.sh),
#      libfp8q.so and odd_shapes_test linked from the carried objects
#   3. odd_shapes_test: every kernel, the block-scaled ones included, vs a host reference
#   4. the HIP test fixtures (scripts/hip/make_test_fixture.py): invalid ones exit 2; the runner
#      over the valid ones with every knob variant, judged by `fp8moe verify` (scripts/hip/run_all.sh)
#   5. the block-scaled producers (runner --recipe block) on fixtures/reference/single-expert-e5m2.h5
#      and on fixtures/hip/block/block-specials.h5 -> $OUT/hip-block-*.h5
#   6. torchao's kernels on the same inputs, bytes compared, and the benchmark beside its Triton
#      kernels (scripts/hip/block_peers.py) -> $OUT/block-peers.md
# Carry: hip/build/nvidia (at least quantize_launch.o, odd_shapes_test.o), hip/build/h5inc,
# .gpu (fp8moe.gz, for verify), .peers-ao (torchao's source). FP8MOE_COMMIT: the commit sent.
# Every stage runs; the exit status is the number of failed stages.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT="${OUT:-$PWD/hip/build/out}"
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu.log") 2>&1
export PYTHONUNBUFFERED=1 HDF5_DISABLE_VERSION_CHECK=2 FP8MOE_SCRIPT=scripts/hip/block_gpu.sh
failed=()
stage() { echo; echo "=== $* ($(date -u +%H:%M:%S))"; }
bin=hip/build/nvidia
gencode="arch=compute_90,code=sm_90"

stage "environment"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
nvcc --version | tail -1
python3 -c "import torch, triton, h5py, numpy; print('torch', torch.__version__, 'triton', triton.__version__, 'h5py', h5py.__version__, 'numpy', numpy.__version__)"
echo "commit ${FP8MOE_COMMIT:-unknown}"

stage "build"
# hip/build/nvidia travels packed (scripts/carry/build.sh --hip) where the tree would be too large.
[[ -f hip/build/nvidia.tar.xz ]] && tar -C hip/build -xJf hip/build/nvidia.tar.xz && echo "unpacked hip/build/nvidia.tar.xz"
if [[ -x $bin/fp8moe-hip-runner ]] && ! ldd $bin/fp8moe-hip-runner | grep -q "not found"; then
    echo "carried runner loads here"
else
    bash scripts/hip/gpu_relink.sh || failed+=(build)
fi
[[ -f $bin/libfp8q.so ]] || nvcc -shared -gencode "$gencode" $bin/quantize_launch.o -o $bin/libfp8q.so || failed+=(lib)
[[ -x $bin/odd_shapes_test ]] || nvcc -gencode "$gencode" $bin/odd_shapes_test.o $bin/quantize_launch.o -o $bin/odd_shapes_test || failed+=(odd_link)
$bin/fp8moe-hip-runner --device-info || failed+=(device_info)
if [[ -f .gpu/fp8moe.gz ]]; then
    gunzip -c .gpu/fp8moe.gz > /tmp/fp8moe && chmod +x /tmp/fp8moe && export FP8MOE_VERIFY=/tmp/fp8moe
    echo "verify: .gpu/fp8moe.gz (commit $(cat .gpu/fp8moe.commit 2>/dev/null))"
fi

stage "odd shapes, unaligned pointers, block-scaled kernels"
timeout 120 $bin/odd_shapes_test > /tmp/odd.log 2>&1 || failed+=(odd_shapes)
grep -E "FAIL|cases|PASS" /tmp/odd.log | tail -n 12

stage "HIP test fixtures: invalid inputs exit 2; runner + fp8moe verify"
fx=/tmp/hip-fixtures
rm -rf "$fx" "$fx-bad" "$fx-out"
python3 scripts/hip/make_test_fixture.py make "$fx" >/dev/null && python3 scripts/hip/make_test_fixture.py bad "$fx-bad" >/dev/null
bad_ok=1
for f in "$fx-bad"/*.h5; do
    msg="$($bin/fp8moe-hip-runner "$f" --out /tmp/hip-bad-out.h5 2>&1)"; rc=$?
    [[ $rc -eq 2 && "$msg" == *"$f"* ]] || { echo "invalid fixture $f: exit $rc: $msg"; bad_ok=0; }
done
[[ $bad_ok -eq 1 ]] && echo "every invalid fixture: exit 2 naming the file" || failed+=(invalid_inputs)
RUNNER=$bin/fp8moe-hip-runner HIP_REPS=3 timeout 120 bash scripts/hip/run_all.sh "$fx" "$fx-out" > /tmp/run_all.log 2>&1 || failed+=(fixtures)
grep -E "hip_run_all|FAIL|mismatch" /tmp/run_all.log | tail -20

stage "block-scaled producers"
for f in fixtures/reference/single-expert-e5m2.h5 fixtures/hip/block/block-specials.h5; do
    out="$OUT/hip-block-$(basename "$f")"
    $bin/fp8moe-hip-runner "$f" --out "$out" --recipe block --reps 5 || failed+=(runner_block)
    [[ -n "${FP8MOE_VERIFY:-}" ]] && { /tmp/fp8moe verify "$out" | head -n 3; echo "(verify exit ${PIPESTATUS[0]}: it does not know mxfp8/blockwise before helper M's merge)"; }
done

stage "torchao peers: bytes and benchmark"
timeout 330 python3 scripts/hip/block_peers.py --ao .peers-ao --lib $bin/libfp8q.so --report "$OUT/block-peers.md" ${BLOCK_PEERS_ARGS:-} \
    "$OUT"/hip-block-*.h5 > "$OUT/block-peers.log" 2>&1 || failed+=(peers)
grep -v "^|" "$OUT/block-peers.log" | tail -n 60

stage "summary"
if [[ ${#failed[@]} -eq 0 ]]; then echo "block_gpu: all stages passed"; else echo "block_gpu: failed stages: ${failed[*]}"; fi
exit ${#failed[@]}
