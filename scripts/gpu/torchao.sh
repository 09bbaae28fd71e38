#!/usr/bin/env bash
# Run on the GPU machine by the `device` tool, carrying .whl (torchao 0.18 wheel) and .gpu
# (the static fp8moe): torchao's fused MoE kernels over every committed reference fixture,
# added to the torch peer files under $OUT, each verified there.
cd "$(dirname "$0")/../.."
set -uo pipefail
: "${OUT:?set OUT}"
[ -x .gpu/fp8moe ] || gunzip -k .gpu/fp8moe.gz
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site || exit 1
export PYTHONUNBUFFERED=1
# FP8MOE_COMMIT (pass `FP8MOE_COMMIT=$(git rev-parse HEAD)` in the device command: the copy there
# has no .git) goes into the peers' provenance through python/fp8moe_fixture.
export FP8MOE_FIXTURE_GIT_COMMIT="${FP8MOE_FIXTURE_GIT_COMMIT:-${FP8MOE_COMMIT:-}}"
status=0
for f in fixtures/reference/*.h5; do
    name=$(basename "$f" .h5)
    cp "fixtures/peers/torch-$name.h5" "$OUT/torch-$name.h5"
    python3 scripts/gpu/peer_torchao.py "$f" "$OUT/torch-$name.h5" || status=1
    .gpu/fp8moe verify "$OUT/torch-$name.h5" --producer torchao-triton-rowwise | grep -v ': ok ' || status=1
done
exit $status
