#!/usr/bin/env bash
# Run on the GPU machine by the `device` tool, carrying .peers-ao (pytorch/ao's torchao/ sources:
# `bash scripts/gpu/torchao_carry.sh` makes it). torchao's block-scaled quantizers (eager to_mx in
# four scale modes, the Triton MXFP8 dim0/dim1 kernels, the blockwise_fp8_training kernels and the
# blockwise grouped GEMM) over fixtures/peers/torchao-inputs (scripts/gpu/torchao_inputs.py) and
# the committed reference fixtures whose K divides by 32:
#   $OUT/torchao-fixtures.tar  torchao-NAME.h5 for each input (scripts/gpu/torchao_blockscaled.py)
#   $OUT/torchao-gpu.log       this run's output
# On the development machine the .h5 files go to fixtures/peers/ and are judged by fp8moe verify.
set -uo pipefail
: "${OUT:?set OUT}"
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1 TORCHAO_FORCE_SKIP_LOADING_SO_FILES=1 TRITON_CACHE_DIR=/tmp/torchao-triton-cache
unset TRITON_INTERPRET
commit=$(cat .peers-ao/COMMIT 2>/dev/null || echo 36027d82d1ad9949597ea16002ff4940374b1b94)
inputs=(fixtures/peers/torchao-inputs/specials.h5 fixtures/peers/torchao-inputs/grouped.h5
        fixtures/reference/single-expert-e5m2.h5 fixtures/reference/small-balanced.h5
        fixtures/reference/skewed-outliers-e4m3fnuz.h5)
work=/tmp/torchao-out
rm -rf "$work"; mkdir -p "$work"
status=0
{
    date -u
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader
    python3 -c 'import torch, triton, h5py, numpy; print("torch", torch.__version__, "CUDA", torch.version.cuda, "triton", triton.__version__, "h5py", h5py.__version__, "numpy", numpy.__version__)'
    timeout 240 python3 scripts/gpu/torchao_blockscaled.py --commit "$commit" "$work" "${inputs[@]}" || echo "torchao_blockscaled.py: exit $?"
    (cd "$work" && tar cf "$OUT/torchao-fixtures.tar" torchao-*.h5 && ls -l)
    date -u
} 2>&1 | tee "$OUT/torchao-gpu.log"
grep -q ": exit " "$OUT/torchao-gpu.log" && status=1
exit $status
