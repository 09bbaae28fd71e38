#!/usr/bin/env bash
# Times verify's per-element cause attribution (SPEC 8.2) on the issue-8 benchmark: a
# 98432 x 2048 tensorwise payload (the DeepSeek-V3-16B activation shape) with 25% of its bytes
# wrong, three ways: random bytes (each goes through every hypothesis: the worst case), NaN
# inputs written as 0x7F by a producer that declared nan_to_num, and the whole payload with the
# fp32 instead of the fp64 scale. Prints wall times; results in reports/attribution-*.md.
#   bash scripts/bench/attribution.sh [WORKDIR]      (needs ~3 GB of disk in WORKDIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:-/tmp/fp8moe-attribution}"
mkdir -p "$work"
bin=.build/release/fp8moe
[ -x "$bin" ] || swift build -c release --product fp8moe >/dev/null
f="$work/deepseek.h5"
if [ ! -f "$f" ]; then
    "$bin" generate "$f" --shape deepseek-v3-16b --recipe tensorwise --no-gemm --inject nan --seed 11 --overwrite
fi
python3 - "$f" <<'PY'
import sys, h5py, numpy as np
path = sys.argv[1]
with h5py.File(path, "r+") as f:
    ref = f["results/reference-tensorwise"]
    codes = ref["a_fp8"][()]
    rng = np.random.default_rng(2026)
    for name in ["bench-random25"]:
        if name in f["results"]: del f["results"][name]
    g = f["results"].create_group("bench-random25")
    for k, v in ref.attrs.items(): g.attrs[k] = v
    g.attrs["producer"] = "scripts/bench/attribution.sh: reference a_fp8 with 25% of its bytes replaced by random ones"
    wrong = codes.copy()
    pick = rng.random(codes.shape) < 0.25
    wrong[pick] = (wrong[pick].astype(np.int32) + rng.integers(1, 256, size=int(pick.sum()))).astype(np.uint8)
    d = g.create_dataset("a_fp8", data=wrong, chunks=(512, 2048), compression="gzip", compression_opts=1)
    d.attrs["dtype"] = "float8_e4m3fn"; d.attrs["reduction"] = "tensorwise"
    print(f"bench-random25: {int((wrong != codes).sum())} of {codes.size} bytes wrong ({(wrong != codes).mean():.4f})")
PY
for p in bench-random25; do
    start=$(date +%s.%N)
    "$bin" verify "$f" --producer "$p" --json "$work/$p.json" > "$work/$p.txt" || true
    end=$(date +%s.%N)
    printf '%s: verify %.1f s\n' "$p" "$(echo "$end - $start" | bc)"
    sed -n '1,12p' "$work/$p.txt"
done
