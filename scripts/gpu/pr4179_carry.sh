#!/usr/bin/env bash
# Makes .peers/ (ignored: list /.peers/ in .git/info/exclude): the Python sources of pytorch/ao at
# PR #4179's commits bd79c46 and 3322d2f, for scripts/gpu/pr4179.sh to run as peers. Real
# implementations are run, never copied into this repository.
#   PYTORCH_AO=/path/to/a/clone/of/pytorch/ao bash scripts/gpu/pr4179_carry.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${PYTORCH_AO:?set PYTORCH_AO to a clone of github.com/pytorch/ao that has the PR branch commits}"
grep -qx '/.peers/' .git/info/exclude 2>/dev/null || echo '/.peers/' >> .git/info/exclude
for c in bd79c46 3322d2f; do
    rm -rf ".peers/$c"; mkdir -p ".peers/$c"
    git -C "$PYTORCH_AO" archive "$c" torchao | tar -x -C ".peers/$c"
done
du -sh .peers/*
