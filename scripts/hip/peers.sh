#!/usr/bin/env bash
# peers.sh: copies PR #4179's Triton kernels (pytorch/ao, public history of the PR branch)
# into .peers-hip/ for scripts/hip/bench.py, from a local clone or mirror of pytorch/ao:
#   scripts/hip/peers.sh /path/to/pytorch/ao            (a git directory or work tree)
# .peers-hip/ is ignored (add `/.peers-hip/` to .git/info/exclude); the files are never committed.
set -euo pipefail
repo="${1:?usage: scripts/hip/peers.sh PATH_TO_PYTORCH_AO_GIT}"
dest="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.peers-hip"
mkdir -p "$dest"
k=torchao/prototype/moe_training/kernels
git -C "$repo" show bd79c46:$k/fp8_tensorwise_2d.py > "$dest/pr4179_bd79c46_fp8_tensorwise_2d.py"
git -C "$repo" show bd79c46:$k/fp8_tensorwise_per_group.py > "$dest/pr4179_bd79c46_fp8_tensorwise_per_group.py"
git -C "$repo" show 3322d2f:$k/fp8_tensorwise_2d.py > "$dest/pr4179_3322d2f_fp8_tensorwise_2d.py"
(cd "$dest" && sha256sum pr4179_*.py > SHA256SUMS && cat SHA256SUMS)
