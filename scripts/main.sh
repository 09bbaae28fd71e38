#!/usr/bin/env bash
# The main job on the committed fixtures: install what is missing, build, check the emulator
# against every golden table of the real implementations, verify every fixture under fixtures/
# (once `fp8moe verify` exists), and write the reports under reports/latest/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product fp8moe
bin=.build/release/fp8moe
out=reports/latest
mkdir -p "$out"
status=0
echo "== emulator vs golden tables (fixtures/golden)"
"$bin" golden fixtures/golden --markdown "$out/golden.md" --json "$out/golden.json" | tail -n 1 || status=1
if "$bin" verify --help >/dev/null 2>&1; then
    shopt -s nullglob
    for f in fixtures/*.h5; do
        name=$(basename "$f" .h5)
        echo "== verify $f"
        "$bin" verify "$f" --json "$out/verify-$name.json" || status=1
    done
fi
echo "reports written to $out/"
exit $status
