#!/usr/bin/env bash
# Run on the GPU machine (H100 host: 16 cores, Ubuntu 24.04) by the `device` tool, with the
# stripped static build carried in .gpu (`bash scripts/carry/build.sh --static`):
#   1. torch decode tables (CPU and CUDA) for the decode golden tests;
#   2. the static binary reproduces the golden tables there too;
#   3. `fp8moe exhaustive` over all 2^32 fp32 inputs, every format x policy, on 16 cores.
cd "$(dirname "$0")/../.."
set -euo pipefail
: "${OUT:?set OUT to the folder for results}"
[ -x .gpu/fp8moe ] || gunzip -k .gpu/fp8moe.gz
{ date -u +%FT%TZ; uname -a; nproc; lscpu | grep 'Model name'; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; python3 -c 'import torch; print("torch", torch.__version__)'; } > "$OUT/machine.txt" 2>&1
python3 scripts/golden/decode_tables.py torch-cpu "$OUT/decode-torch-cpu.h5"
python3 scripts/golden/decode_tables.py torch-cuda "$OUT/decode-torch-cuda.h5"
.gpu/fp8moe golden fixtures/golden | tail -n 1
.gpu/fp8moe exhaustive --format all --policy all 2>"$OUT/exhaustive-progress.txt" | tee "$OUT/exhaustive.txt"
