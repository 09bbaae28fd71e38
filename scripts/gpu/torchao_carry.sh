#!/usr/bin/env bash
# Makes .peers-ao/ (ignored: /.peers-ao/ in .git/info/exclude): the Python/Triton sources of
# pytorch/ao at main (36027d82d1ad9949597ea16002ff4940374b1b94, 2026-08-21), for
# scripts/gpu/torchao_blockscaled.sh to run as a peer. Real implementations are run, never
# copied into this repository. C++/CUDA sources are left out (never built or loaded).
#   PYTORCH_AO=/path/to/a/clone/of/pytorch/ao bash scripts/gpu/torchao_carry.sh [COMMIT]
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${PYTORCH_AO:?set PYTORCH_AO to a clone (or bare mirror) of github.com/pytorch/ao}"
commit=${1:-36027d82d1ad9949597ea16002ff4940374b1b94}
grep -qx '/.peers-ao/' .git/info/exclude 2>/dev/null || echo '/.peers-ao/' >> .git/info/exclude
rm -rf .peers-ao; mkdir -p .peers-ao
git --git-dir="$(git -C "$PYTORCH_AO" rev-parse --absolute-git-dir)" archive "$commit" torchao | tar -x -C .peers-ao
rm -rf .peers-ao/torchao/csrc
echo "$commit" > .peers-ao/COMMIT
du -sh .peers-ao
