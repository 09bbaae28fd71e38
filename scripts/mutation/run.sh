#!/usr/bin/env bash
# run.sh: the mutation run on an NVIDIA GPU machine (device tool), one call (hip/mutants/README.md).
#
#   FP8MOE_COMMIT=<hash of the hip/ tree> bash scripts/mutation/run.sh [HIP_DIR]
#
# 1. builds, in parallel (one nvcc per mutant, all cores), the HIP kernels of HIP_DIR (default
#    hip/; the call of 2026-12-05 carried `git archive HEAD hip` as .mutation-carry/hip) as they are
#    (mutant 00-baseline) and once per planted bug of hip/mutants/*.mutant, each applied to its
#    own copy (/tmp/mutation/<id>/hip) by scripts/mutation/apply.py; links each with the runner's
#    host objects (built once) into a runner and a libfp8q.so;
# 2. runs every runner, in parallel across mutants, over
#    committed: fixtures/reference/*.h5 with the variants of scripts/hip/run_all.sh (as
#               scripts/gpu/fixtures.sh runs them): the suite as it is;
#               (read from run_all.sh; since run 2 they include fp64-nopow2, which the first
#               run had as an extra variant);
#    extended:  the committed PR #4179 inputs straddle.h5 and pow2-amax.h5 and
#               fixtures/mutation/*.h5 with every variant, and scripts/mutation/two_calls.py (the grouped kernels called one after
#               another on one amax scratch, as a caller reusing its workspace does);
# 3. packs the result files (sorted by fixture, then mutant: neighbours compress) into
#    $OUT/mutation-results.tar.<zst|xz>[.partNN] (parts under 15 MiB) and the logs into $OUT.
# Judge them on the development machine: scripts/mutation/judge.sh.
# HDF5: the runner links the HDF5 library bundled with h5py (the GPU image has no libhdf5-dev)
# against headers in H5INC (default .mutation-carry/h5inc, a copy of /usr/include/hdf5/serial),
# with HDF5_DISABLE_VERSION_CHECK=2 (as scripts/hip/gpu_relink.sh does).
# TIME_BUDGET (seconds, default 250): no new runner starts after it; what is done is packed.
# Timing (H100 run 1, H200 run 2, 2026-12-05): the 17 builds take 50-90 s together, each runner
# call about 3-4 s with all mutants running at once; run 2 (42 runner calls and two_calls per
# mutant) started its last runner inside TIME_BUDGET=240 and ended at 265 s (timeout_s 330).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$PWD
t0=$(date +%s)
hip="$(cd "${1:-hip}" && pwd)"
OUT="${OUT:-$repo/.mutation-out}"
mkdir -p "$OUT"
exec > >(tee "$OUT/mutation.log") 2>&1
export HDF5_DISABLE_VERSION_CHECK=2 PYTHONUNBUFFERED=1 FP8MOE_SCRIPT=scripts/mutation/run.sh
export FP8MOE_COMMIT="${FP8MOE_COMMIT:-unknown}"
work=/tmp/mutation
rm -rf "$work"; mkdir -p "$work/host" "$work/results"
jobs="${JOBS:-$(nproc)}"
budget="${TIME_BUDGET:-250}"
gencode="${NVIDIA_GENCODE:-arch=compute_90,code=sm_90}"
elapsed() { echo $(( $(date +%s) - t0 )); }

echo "=== environment ($(date -u +%FT%TZ))"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
nvcc --version | tail -1
echo "commit $FP8MOE_COMMIT; hip from $hip; $(nproc) cores; jobs $jobs; budget ${budget}s"
sha256sum "$hip"/kernels/* "$hip"/runner/* | sed "s#$hip/##"

h5lib="$(python3 -c "import h5py, os, glob; d = os.path.join(os.path.dirname(os.path.dirname(h5py.__file__)), 'h5py.libs'); print((sorted(glob.glob(d + '/libhdf5-*.so*')) or [''])[0])")"
for lib in /usr/lib/x86_64-linux-gnu/libhdf5_serial.so.103 /usr/lib/x86_64-linux-gnu/hdf5/serial/libhdf5.so; do
    [ -f "$lib" ] && { h5lib="$lib"; break; }
done
h5inc="${H5INC:-$repo/.mutation-carry/h5inc}"
[ -f "$h5inc/hdf5.h" ] || h5inc=/usr/include/hdf5/serial
echo "HDF5 library $h5lib, headers $h5inc"
cuda_home="$(dirname "$(dirname "$(command -v nvcc)")")"

echo "=== build ($(elapsed)s)"
for f in runner h5io; do
    g++ -std=c++17 -O2 -DFP8MOE_NVIDIA -I"$hip/include" -I"$hip/kernels" -I"$cuda_home/include" -I"$h5inc" \
        -c "$hip/runner/$f.cpp" -o "$work/host/$f.o" || { echo "host build failed"; exit 1; }
done
mutants=(00-baseline)
for m in hip/mutants/*.mutant; do mutants+=("$(basename "$m" .mutant)"); done
build_one() {  # $1 = mutant name
    local name=$1 d=$work/$1
    mkdir -p "$d"; cp -r "$hip" "$d/hip"
    if [ "$name" != 00-baseline ]; then
        python3 scripts/mutation/apply.py "hip/mutants/$name.mutant" "$d/hip" > "$d/diff.txt" 2>&1 || { echo "$name: apply failed: $(cat "$d/diff.txt")"; return 1; }
    fi
    nvcc -std=c++17 -O3 -gencode "$gencode" -I"$d/hip/include" -I"$d/hip/kernels" -Xcompiler -fPIC \
        -x cu -c "$d/hip/kernels/quantize_launch.hip" -o "$d/quantize_launch.o" > "$d/build.log" 2>&1 &&
    nvcc -gencode "$gencode" "$work/host/runner.o" "$work/host/h5io.o" "$d/quantize_launch.o" -o "$d/runner" \
        -Xlinker "$h5lib" -Xlinker -rpath -Xlinker "$(dirname "$h5lib")" >> "$d/build.log" 2>&1 &&
    nvcc -shared -gencode "$gencode" "$d/quantize_launch.o" -o "$d/libfp8q.so" >> "$d/build.log" 2>&1 ||
        { echo "$name: build failed"; tail -5 "$d/build.log"; return 1; }
    echo "$name: built ($(elapsed)s)"
}
export -f build_one elapsed
export work hip gencode h5lib t0
printf '%s\n' "${mutants[@]}" | xargs -P "$jobs" -I{} bash -c 'build_one {}'
"$work/00-baseline/runner" --device-info || echo "baseline runner does not start"

echo "=== run ($(elapsed)s)"
# The variants of scripts/hip/run_all.sh (scripts/hip_run_all.sh before the move).
# Read from run_all.sh itself, so that the committed suite is exactly what runs here.
mapfile -t variants < <(sed -n '/^variants=(/,/^)/p' scripts/hip/run_all.sh | grep -o '"[^"]*"' | tr -d '"')
[ "${#variants[@]}" -gt 0 ] || { echo "no variants read from scripts/hip/run_all.sh"; exit 1; }
echo "variants of run_all.sh: ${variants[*]}"
run_fixture() {  # mutant fixture outfile variant...  (first: the plain run with --out)
    local name=$1 fx=$2 out=$3; shift 3
    local runner=$work/$name/runner log=$work/$name/run.log
    if [ $(( $(date +%s) - t0 )) -gt "$budget" ]; then echo "SKIPPED (time budget) $fx" >> "$log"; return; fi
    mkdir -p "$(dirname "$out")"
    local first=1 v
    for v in "$@"; do
        local tag=${v%%|*} flags=${v#*|} rc tagargs=""
        [ "$tag" = plain ] || tagargs="--tag $tag"
        if [ $first = 1 ]; then
            # shellcheck disable=SC2086
            timeout 60 "$runner" "$fx" --out "$out" --reps 1 $tagargs $flags > /dev/null 2>> "$log"; rc=$?
        else
            # shellcheck disable=SC2086
            timeout 60 "$runner" "$out" --write $tagargs --reps 1 $flags > /dev/null 2>> "$log"; rc=$?
        fi
        echo "rc=$rc $fx ${tag}" >> "$log"
        first=0
    done
}
run_mutant() {
    local name=$1 r=$work/results fx base
    [ -x "$work/$name/runner" ] || { echo "$name: no runner"; return; }
    for fx in fixtures/reference/*.h5; do
        base=$(basename "$fx" .h5)
        run_fixture "$name" "$fx" "$r/committed/$base/$name.h5" "plain|" "${variants[@]}"
    done
    # two_calls before the extended fixtures (run 2): it is what exposes 11 deterministically,
    # and the budget may not reach the end of the extended set
    if [ $(( $(date +%s) - t0 )) -le "$budget" ]; then
        python3 scripts/mutation/two_calls.py "$work/$name/libfp8q.so" "$r" "$name" \
            fixtures/reference/*.h5 >> "$work/$name/run.log" 2>&1 ||
            echo "$name: two_calls failed (see its run.log)"
    fi
    for fx in fixtures/peers/pr4179-inputs/straddle.h5 fixtures/peers/pr4179-inputs/pow2-amax.h5 fixtures/mutation/*.h5; do
        [ -f "$fx" ] || continue
        base=$(basename "$fx" .h5)
        run_fixture "$name" "$fx" "$r/extended/$base/$name.h5" "plain|" "${variants[@]}"
    done
    echo "$name: ran ($(elapsed)s): $(grep -c '^rc=0' "$work/$name/run.log") runs exit 0, $(grep '^rc=' "$work/$name/run.log" | grep -vc '^rc=0') not"
}
export -f run_fixture run_mutant
export budget
export VARIANTS_SERIAL="$(printf '%s\n' "${variants[@]}")"
# bash cannot export arrays: each worker rebuilds the list
# Every mutant at once (GPU-bound): with fewer slots than mutants the last ones start after the
# budget (the call of 2026-12-05 ran 17 mutants with 16 slots and lost one that way).
printf '%s\n' "${mutants[@]}" | xargs -P "${RUN_JOBS:-${#mutants[@]}}" -I{} bash -c 'mapfile -t variants <<< "$VARIANTS_SERIAL"; run_mutant {}'

echo "=== pack ($(elapsed)s)"
for name in "${mutants[@]}"; do
    for f in diff.txt build.log run.log; do [ -f "$work/$name/$f" ] && cp "$work/$name/$f" "$work/results/logs-$name-$f" 2>/dev/null; done
done
mkdir -p "$work/results/logs"; mv "$work/results"/logs-* "$work/results/logs/" 2>/dev/null
(cd "$work/results" && find . -type f | LC_ALL=C sort > ../files.txt)
if command -v zstd > /dev/null; then
    (cd "$work/results" && tar -cf - -T ../files.txt | zstd -q -T0 -15 --long=27 -o "$work/mutation-results.tar.zst")
    pack="$work/mutation-results.tar.zst"
else
    (cd "$work/results" && tar -cf - -T ../files.txt | xz -T0 -6 > "$work/mutation-results.tar.xz")
    pack="$work/mutation-results.tar.xz"
fi
ls -la "$pack"
size=$(stat -c %s "$pack")
if [ "$size" -gt $((15 * 1024 * 1024)) ]; then
    split -b 15M -d "$pack" "$OUT/$(basename "$pack").part"
else
    cp "$pack" "$OUT/"
fi
ls -la "$OUT"
echo "=== done ($(elapsed)s)"
