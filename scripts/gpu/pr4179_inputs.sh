#!/usr/bin/env bash
# Makes the inputs of the PR #4179 peer run that fixtures/reference lacks (development machine;
# needs .build/debug/fp8moe, h5py, numpy), into fixtures/peers/:
#   pr4179-input-straddle.h5  K = 64, offsets 96, 192, 288, 384: every group boundary falls on a
#                             2048-element block edge (32 rows), two of three fall inside a
#                             4096-element block (64 rows), all three inside an 8192 one; NaNs.
#   pr4179-input-inf.h5       M, K, N and the group sizes multiples of 16 (torch._scaled_grouped_mm
#                             runs) with +-Inf (in a and b), NaN, subnormals, an all-zero group.
#   pr4179-input-inf-a.h5     the same with b's one +Inf replaced by 2^-6: only a holds +-Inf,
#                             so the single-scalar recipe's B is not flushed to zero.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${FP8MOE:-.build/debug/fp8moe}
dir=fixtures/peers
"$bin" generate "$dir/pr4179-input-straddle.h5" --m 384 --k 64 --n 64 --g 4 --seed 27 \
    --distribution heavy-tokens --routing balanced --inject nan --overwrite
"$bin" generate "$dir/pr4179-input-inf.h5" --m 128 --k 64 --n 32 --g 4 --seed 1 \
    --distribution heavy --routing balanced --inject nan --inject inf --inject subnormal --inject zero-group --overwrite
python3 - "$dir/pr4179-input-inf.h5" "$dir/pr4179-input-inf-a.h5" <<'PY'
import sys
import numpy as np
sys.path.insert(0, "python")
import fp8moe_fixture as fx
src, dst = sys.argv[1:]
with fx.copy_inputs(src, dst) as f:
    b = f.file["inputs/b"]
    bits = b[...]
    where = [tuple(int(i) for i in w) for w in np.argwhere(bits == 0x7F80)]
    assert where == [(0, 23, 11)], where
    bits[where[0]] = 0x3C80  # bf16 2^-6
    b[...] = bits
    f.file.attrs["description"] = (
        "pr4179-input-inf.h5 (%s) with b[0,23,11] = +Inf replaced by 0x3C80 (2^-6), so only a holds "
        "+-Inf; made by scripts/gpu/pr4179_inputs.sh" % f.file.attrs["description"])
    for k in ("generator", "generator_config"):
        if k in f.file.attrs:
            f.file.attrs["derived_from_" + k] = f.file.attrs[k]
            del f.file.attrs[k]
PY
echo "wrote $dir/pr4179-input-{straddle,inf,inf-a}.h5"
