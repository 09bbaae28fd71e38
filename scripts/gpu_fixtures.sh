#!/usr/bin/env bash
# Run on the GPU machine by the `device` tool (carry .gpu and hip/build/h5inc): the producers
# over every committed reference fixture, each judged there by the carried static fp8moe.
#   1. the HIP runner (nvcc build of hip/), both recipes and the knob variants -> $OUT/hip-NAME.h5
#   2. the torch peers (scripts/peer_torch.py)                                -> $OUT/torch-NAME.h5
# On the development machine the results go to fixtures/hip/ and fixtures/peers/.
set -uo pipefail
: "${OUT:?set OUT}"
[ -x .gpu/fp8moe ] || gunzip -k .gpu/fp8moe.gz
export PYTHONUNBUFFERED=1
status=0
if ! scripts/hip_build.sh nvidia > /tmp/hip-build.log 2>&1; then
    h5lib="$(python3 -c "import h5py, os, glob; d = os.path.join(os.path.dirname(os.path.dirname(h5py.__file__)), 'h5py.libs'); print((sorted(glob.glob(d + '/libhdf5-*.so*')) or [''])[0])")"
    export HDF5_DISABLE_VERSION_CHECK=2
    HDF5_CFLAGS="-I$PWD/hip/build/h5inc" HDF5_LIBS="$h5lib -Xlinker -rpath -Xlinker $(dirname "$h5lib")" \
        scripts/hip_build.sh nvidia > /tmp/hip-build.log 2>&1 || { tail -20 /tmp/hip-build.log; exit 1; }
fi
tail -n 2 /tmp/hip-build.log
work=/tmp/hip-fixtures-out
rm -rf "$work"; mkdir -p "$work"
HIP_VARIANTS=1 scripts/hip_run_all.sh fixtures/reference "$work" | tail -n 5 || status=1
for f in "$work"/*.hip.h5; do
    name=$(basename "$f" .hip.h5)
    cp "$f" "$OUT/hip-$name.h5"
    .gpu/fp8moe verify "$OUT/hip-$name.h5" | head -n 1 || status=1
done
for f in fixtures/reference/*.h5; do
    name=$(basename "$f" .h5)
    python3 scripts/peer_torch.py "$f" "$OUT/torch-$name.h5" > /dev/null || status=1
    .gpu/fp8moe verify "$OUT/torch-$name.h5" | head -n 1 || status=1
done
exit $status
