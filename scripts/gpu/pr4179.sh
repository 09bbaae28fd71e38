#!/usr/bin/env bash
# Run on the GPU machine by the `device` tool, carrying .peers (git archives of pytorch/ao at
# bd79c46 and 3322d2f: `bash scripts/gpu/pr4179_carry.sh` makes them). PR #4179's kernels over
# every fixture in fixtures/reference and fixtures/peers/pr4179-inputs (scripts/gpu/pr4179_inputs.sh):
#   $OUT/pr4179-fixtures.tar  pr4179-NAME.h5 for each: the fixture's inputs with /results/pr4179-*
#                             (scripts/gpu/peer_pr4179.py)
#   $OUT/pr4179.log           this run's output
# On the development machine the .h5 files go to fixtures/peers/ and are judged by fp8moe verify.
set -uo pipefail
: "${OUT:?set OUT}"
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1 TORCHAO_FORCE_SKIP_LOADING_SO_FILES=1 TRITON_CACHE_DIR=/tmp/pr4179-triton-cache
unset TRITON_CACHE_AUTOTUNING TRITON_INTERPRET
# Most telling first: a run cut short by its time limit keeps whole files for these.
inputs=(fixtures/peers/pr4179-inputs/straddle.h5 fixtures/peers/pr4179-inputs/inf-a.h5
        fixtures/peers/pr4179-inputs/pow2-amax.h5 fixtures/peers/pr4179-inputs/inf.h5
        fixtures/reference/moe-specials.h5 fixtures/reference/small-balanced.h5
        fixtures/reference/single-expert-e5m2.h5 fixtures/reference/skewed-outliers-e4m3fnuz.h5)
work=/tmp/pr4179-out
rm -rf "$work"; mkdir -p "$work"
status=0
{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    python3 -c 'import torch, triton, h5py, numpy; print("torch", torch.__version__, "CUDA", torch.version.cuda, "triton", triton.__version__, "h5py", h5py.__version__, "numpy", numpy.__version__)'
    # Each commit in its own process (each imports its own torchao tree), within its time.
    timeout 240 python3 scripts/gpu/peer_pr4179.py --commit bd79c46 "$work" "${inputs[@]}" || echo "bd79c46: exit $?"
    timeout 170 python3 scripts/gpu/peer_pr4179.py --commit 3322d2f "$work" "${inputs[@]}" || echo "3322d2f: exit $?"
    # One bundle: more files than the device tool brings back (8).
    (cd "$work" && tar cf "$OUT/pr4179-fixtures.tar" pr4179-*.h5 && ls -l)
} 2>&1 | tee "$OUT/pr4179.log"
grep -q ": exit " "$OUT/pr4179.log" && status=1
exit $status
