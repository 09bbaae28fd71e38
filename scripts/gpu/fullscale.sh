#!/usr/bin/env bash
# Full-scale study at the DeepSeek-V3-16B expert shape (M=98432, K=2048, N=1408, G=8), where the
# data is: the GPU machine (device tool, carrying .gpu with the gzipped static fp8moe).
#   1. fp8moe generate: seeded inputs and the reference quantization (heavy-tailed activations)
#   2. scripts/gpu/peer_torch.py: torch eager (torchao semantics) and torch._scaled_grouped_mm, on the H100
#   3. fp8moe verify: every payload and scale bit for bit; the hardware GEMM's `out` against the
#      exact reference (fp64 BLAS on integer-scaled operands, one rounding), with the measured
#      accumulation precision
# Results (JSON and text, small) go to $OUT; the 1.2 GB fixture stays on the machine.
cd "$(dirname "$0")/../.."
set -uo pipefail
: "${OUT:?set OUT}"
[ -x .gpu/fp8moe ] || gunzip -k .gpu/fp8moe.gz
export PYTHONUNBUFFERED=1
# FP8MOE_COMMIT (pass `FP8MOE_COMMIT=$(git rev-parse HEAD)` in the device command: the copy there
# has no .git) goes into the peers' provenance through python/fp8moe_fixture.
export FP8MOE_FIXTURE_GIT_COMMIT="${FP8MOE_FIXTURE_GIT_COMMIT:-${FP8MOE_COMMIT:-}}"
work=/tmp/fullscale
mkdir -p "$work"
cmd=(.gpu/fp8moe generate "$work/ds.h5" --shape deepseek-v3-16b --seed 1 --distribution heavy --overwrite)
echo "${cmd[*]}" | tee "$OUT/fullscale-commands.txt"
/usr/bin/time -f "generate: %e s, %M KB" "${cmd[@]}" 2>&1 | tail -n 2
/usr/bin/time -f "torch: %e s" python3 scripts/gpu/peer_torch.py "$work/ds.h5" "$work/ds-torch.h5" 2>&1 | tail -n 4
echo "python3 scripts/gpu/peer_torch.py $work/ds.h5 $work/ds-torch.h5" >> "$OUT/fullscale-commands.txt"
/usr/bin/time -f "verify: %e s" .gpu/fp8moe verify "$work/ds-torch.h5" --json "$OUT/fullscale-verify.json" > "$OUT/fullscale-verify.txt" 2>&1
echo ".gpu/fp8moe verify $work/ds-torch.h5 --json fullscale-verify.json" >> "$OUT/fullscale-commands.txt"
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; python3 -c 'import torch; print("torch", torch.__version__)'; nproc; date -u +%FT%TZ; } >> "$OUT/fullscale-commands.txt"
grep -v ': ok ' "$OUT/fullscale-verify.txt" | head -n 40
