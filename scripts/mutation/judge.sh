#!/usr/bin/env bash
# judge.sh: judge the mutation run's results with `fp8moe verify` (development machine).
#
#   scripts/mutation/judge.sh DIR [WORK]
#
# DIR holds what scripts/mutation/run.sh left in $OUT on the GPU machine
# (mutation-results.tar.zst or .xz, possibly split into .partNN, and mutation.log). Unpacks into
# WORK (default /tmp/mutation-judge), runs `fp8moe verify --json` on every result file (only the
# hip-* producers: the reference producers in the copies are judged elsewhere), two at a time,
# then scripts/mutation/judge.py writes WORK/summary.json and WORK/summary.md and prints the
# tables. FP8MOE picks the binary (default .build/release/fp8moe, else .build/debug/fp8moe; the
# release build judges 170 files in about 8 minutes on 2 cores, the debug build in about 20).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
src="${1:?usage: scripts/mutation/judge.sh DIR [WORK]}"
work="${2:-/tmp/mutation-judge}"
bin="${FP8MOE:-}"
[[ -n "$bin" ]] || for b in .build/release/fp8moe .build/debug/fp8moe; do [[ -x $b ]] && { bin=$b; break; }; done
[[ -x "$bin" ]] || { echo "judge.sh: no fp8moe binary (swift build -c release, or set FP8MOE)"; exit 1; }
rm -rf "$work"; mkdir -p "$work/results" "$work/verdicts"
shopt -s nullglob
parts=("$src"/mutation-results.tar.*)
[[ ${#parts[@]} -gt 0 ]] || { echo "judge.sh: no mutation-results.tar.* in $src"; exit 1; }
case "${parts[0]}" in
    *.zst*) cat "${parts[@]}" | zstd -dc --long=27 | tar -xf - -C "$work/results" ;;
    *.xz*) cat "${parts[@]}" | xz -dc | tar -xf - -C "$work/results" ;;
esac
export bin work
verify_one() {  # results/<suite>/<fixture>/<mutant>.h5
    local f=$1 rel suite fixture mutant args=()
    rel=${f#"$work/results/"}; suite=${rel%%/*}; fixture=$(basename "$(dirname "$f")"); mutant=$(basename "$f" .h5)
    local stem="$work/verdicts/${suite}__${fixture}__${mutant}"
    while read -r p; do args+=(--producer "$p"); done < <(python3 -c "
import h5py, sys
with h5py.File(sys.argv[1], 'r') as h: print('\n'.join(n for n in h['results'] if n.startswith('hip-')))" "$f")
    set +e
    "$bin" verify "$f" "${args[@]}" --json "$stem.json" > "$stem.txt" 2>&1
    echo $? > "$stem.rc"
}
export -f verify_one
suites=(); for s in committed extended; do [[ -d "$work/results/$s" ]] && suites+=("$work/results/$s"); done
find "${suites[@]}" -name '*.h5' | LC_ALL=C sort | xargs -P "${JOBS:-2}" -I{} bash -c 'verify_one {}'
python3 scripts/mutation/judge.py "$work/results" "$work/verdicts" hip/mutants "$work/summary.json" "$work/summary.md"
