#!/usr/bin/env bash
# Run on the GPU machine by the `device` tool: the producers over every committed reference fixture.
#   1. the HIP runner (nvcc build of hip/, carried in hip/build/nvidia or built here), both
#      recipes, both input_nan_to_num variants of each and the knob variants -> $OUT/hip-NAME.h5
#   2. unless WITH_TORCH_PEERS=0: the torch peers (scripts/gpu/peer_torch.py)    -> $OUT/torch-NAME.h5
# Each file is judged there by the carried static fp8moe (.gpu/fp8moe[.gz]) when there is one;
# else verify them on the development machine (fixtures/hip/README.md says how).
# Provenance: FP8MOE_COMMIT (git rev-parse HEAD of the tree sent) and the script name are written
# into every result group by the runner (attributes commit, script, date, command).
# On the development machine the results go to fixtures/hip/ and fixtures/peers/.
cd "$(dirname "$0")/../.."
set -uo pipefail
: "${OUT:?set OUT}"
export PYTHONUNBUFFERED=1 FP8MOE_SCRIPT="${FP8MOE_SCRIPT:-scripts/gpu/fixtures.sh}"
# FP8MOE_COMMIT (pass `FP8MOE_COMMIT=$(git rev-parse HEAD)` in the device command: the copy there
# has no .git) goes into the peers' provenance through python/fp8moe_fixture.
export FP8MOE_FIXTURE_GIT_COMMIT="${FP8MOE_FIXTURE_GIT_COMMIT:-${FP8MOE_COMMIT:-}}"
verify=""
if [ -x .gpu/fp8moe ] || { [ -f .gpu/fp8moe.gz ] && gunzip -k .gpu/fp8moe.gz; }; then verify=.gpu/fp8moe; fi
status=0
if [ ! -x hip/build/nvidia/fp8moe-hip-runner ] || ldd hip/build/nvidia/fp8moe-hip-runner | grep -q "not found"; then
    bash scripts/hip/gpu_relink.sh > /tmp/hip-build.log 2>&1 || { tail -20 /tmp/hip-build.log; exit 1; }
fi
work=/tmp/hip-fixtures-out
rm -rf "$work"; mkdir -p "$work"
HIP_VARIANTS=1 scripts/hip/run_all.sh fixtures/reference "$work" | tail -n 5 || status=1
for f in "$work"/*.hip.h5; do
    name=$(basename "$f" .hip.h5)
    cp "$f" "$OUT/hip-$name.h5"
    if [ -n "$verify" ]; then "$verify" verify "$OUT/hip-$name.h5" | head -n 1 || status=1; fi
done
if [ "${WITH_TORCH_PEERS:-1}" != 0 ]; then
    for f in fixtures/reference/*.h5; do
        name=$(basename "$f" .h5)
        python3 scripts/gpu/peer_torch.py "$f" "$OUT/torch-$name.h5" > /dev/null || status=1
        if [ -n "$verify" ]; then "$verify" verify "$OUT/torch-$name.h5" | head -n 1 || status=1; fi
    done
fi
exit $status
