#!/usr/bin/env bash
# run_all.sh: run the HIP runner over every fixture of a folder, then judge the results with
# `fp8moe verify`.
#
#   scripts/hip/run_all.sh DIR [OUTDIR]
#
# For each DIR/*.h5 (outputs named *.hip*.h5 are skipped):
#   1. runner FIXTURE --out OUTDIR/NAME.hip.h5          both recipes with their defaults
#      (tensorwise: amax nan_to_num; rowwise: amax propagate; fp64 scales, pow2, e4m3fn)
#   2. unless HIP_VARIANTS=0, more result groups added in place with --write (which also tests
#      the temp-file-and-rename path): e4m3fnuz; fp32 scales without pow2; fp64 scales without
#      pow2 (the only run where fp64 scale arithmetic is not hidden by the power-of-two rounding:
#      hip/mutants/06-fp32-scale survived without it); the other amax NaN policy of each recipe
#   3. `fp8moe verify` on every output: the judge. FP8MOE_VERIFY names the fp8moe binary; else
#      the first of .gpu/fp8moe (gunzip of the carried static build .gpu/fp8moe.gz),
#      .build/release/fp8moe, .build/debug/fp8moe. Without one the results are NOT judged, which
#      counts as a failure (judge them on the development machine: fp8moe verify OUTDIR/*.hip.h5).
# OUTDIR defaults to DIR/hip-results. RUNNER picks the runner binary (default: the NVIDIA build
# if present, else the AMD one). Exit status 0 when every run and every verdict passed.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${1:?usage: scripts/hip/run_all.sh DIR [OUTDIR]}"
outdir="${2:-$dir/hip-results}"
if [[ -z "${RUNNER:-}" ]]; then
    RUNNER="$here/hip/build/nvidia/fp8moe-hip-runner"
    [[ -x "$RUNNER" ]] || RUNNER="$here/hip/build/amd/fp8moe-hip-runner"
fi
[[ -x "$RUNNER" ]] || { echo "hip_run_all: no runner at $RUNNER (scripts/hip/build.sh nvidia|amd)"; exit 1; }
mkdir -p "$outdir"

variants=(
    "fnuz|--format e4m3fnuz"
    "fp32-nopow2|--scale-compute fp32 --pow2 0"
    "fp64-nopow2|--pow2 0"
    "propagate|--recipe tensorwise --amax-nan propagate"
    "nan2num|--recipe rowwise --amax-nan nan_to_num"
    "fnuz-fp32|--format e4m3fnuz --scale-compute fp32 --amax-nan propagate"
)

failures=0
outputs=()
shopt -s nullglob
for fixture in "$dir"/*.h5; do
    name="$(basename "$fixture" .h5)"
    [[ "$name" == *.hip* ]] && continue
    out="$outdir/$name.hip.h5"
    echo "== $fixture"
    if ! "$RUNNER" "$fixture" --out "$out" --reps "${HIP_REPS:-5}"; then
        echo "hip_run_all: FAIL: runner on $fixture"
        failures=$((failures + 1))
        continue
    fi
    if [[ "${HIP_VARIANTS:-1}" != 0 ]]; then
        for v in "${variants[@]}"; do
            tag="${v%%|*}"
            # shellcheck disable=SC2086
            if ! "$RUNNER" "$out" --write --tag "$tag" --reps 2 ${v#*|} >/dev/null; then
                echo "hip_run_all: FAIL: runner variant $tag on $out"
                failures=$((failures + 1))
            fi
        done
    fi
    outputs+=("$out")
done
[[ ${#outputs[@]} -gt 0 ]] || { echo "hip_run_all: no fixtures in $dir"; exit 1; }

verify="${FP8MOE_VERIFY:-}"
if [[ -z "$verify" && -f "$here/.gpu/fp8moe.gz" ]]; then
    verify="$(mktemp -d)/fp8moe"
    gunzip -c "$here/.gpu/fp8moe.gz" > "$verify" && chmod +x "$verify" || verify=""
fi
for candidate in "$here/.build/release/fp8moe" "$here/.build/debug/fp8moe"; do
    [[ -z "$verify" && -x "$candidate" ]] && verify="$candidate"
done
if [[ -n "$verify" ]]; then
    for out in "${outputs[@]}"; do
        if "$verify" verify "$out" > "$out.verify.txt" 2>&1; then
            echo "hip_run_all: verify: $(head -n 1 "$out.verify.txt")"
        else
            cat "$out.verify.txt"
            echo "hip_run_all: FAIL: fp8moe verify $out"
            failures=$((failures + 1))
        fi
    done
else
    echo "hip_run_all: no fp8moe binary (FP8MOE_VERIFY, .gpu/fp8moe.gz, .build/*/fp8moe): results NOT judged"
    failures=$((failures + 1))
fi
[[ $failures -eq 0 ]] && echo "hip_run_all: PASS" || echo "hip_run_all: $failures failure(s)"
[[ $failures -eq 0 ]]
