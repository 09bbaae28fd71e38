#!/usr/bin/env bash
# Makes the inputs of the PR #4179 peer run that fixtures/reference lacks (development machine;
# needs .build/debug/fp8moe, h5py, numpy), into fixtures/peers/pr4179-inputs/ (a folder of its
# own: the tests over fixtures/peers/*.h5 judge PyTorch's results and need these not):
#   straddle.h5   K = 64, offsets 96, 192, 288, 384: every group boundary falls on a 2048-element
#                 block edge (32 rows), two of three inside a 4096-element block (64 rows), all
#                 three inside an 8192 one; NaNs; neighbouring groups' power-of-two scales differ.
#   inf.h5        M, K, N and the group sizes multiples of 16 (torch._scaled_grouped_mm runs) with
#                 +-Inf (in a and b), NaN, subnormals, an all-zero group.
#   inf-a.h5      inf.h5 with b's one +Inf replaced by 2^-6: only a holds +-Inf, so the
#                 single-scalar recipe's B is not flushed to zero.
#   pow2-amax.h5  small-balanced.h5's inputs with amaxes planted at 1.75 * 2^j, where
#                 fp8_max / amax is exactly a power of two 2^k, k in -1..3: a's whole-tensor amax
#                 896 (k = -1; per group 896, 448, 224, 112), grad_out's 448 (k = 0; per group
#                 448, 224, 112, 56), b's 224 (k = 1; per expert 224, 112, 56, 28). Where the
#                 division is approximate (Triton's fp32 `/` is PTX div.full.f32) and lands below
#                 2^k, floor(log2) halves the scale; here that would show.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${FP8MOE:-.build/debug/fp8moe}
dir=fixtures/peers/pr4179-inputs
mkdir -p "$dir"
"$bin" generate "$dir/straddle.h5" --m 384 --k 64 --n 64 --g 4 --seed 27 \
    --distribution heavy-tokens --routing balanced --inject nan --overwrite
"$bin" generate "$dir/inf.h5" --m 128 --k 64 --n 32 --g 4 --seed 1 \
    --distribution heavy --routing balanced --inject nan --inject inf --inject subnormal --inject zero-group --overwrite
python3 - "$dir" <<'PY'
import sys
import numpy as np
sys.path.insert(0, "python")
import fp8moe_fixture as fx
d = sys.argv[1]


def derived(f, what):
    for k in ("generator", "generator_config", "command", "date", "emulator_commit"):
        if k in f.file.attrs:
            f.file.attrs["source_" + k] = f.file.attrs[k]
            del f.file.attrs[k]
    f.file.attrs["description"] = what + "; made by scripts/gpu/pr4179_inputs.sh"
    f.file.attrs.update({k: v for k, v in fx.provenance(script="scripts/gpu/pr4179_inputs.sh").items() if k in ("date", "script", "git_commit", "writer")})


with fx.copy_inputs(d + "/inf.h5", d + "/inf-a.h5") as f:
    b = f.file["inputs/b"]
    bits = b[...]
    where = [tuple(int(i) for i in w) for w in np.argwhere(bits == 0x7F80)]
    assert where == [(0, 23, 11)], where
    bits[where[0]] = 0x3C80  # bf16 2^-6
    b[...] = bits
    derived(f, "inf.h5 (%s) with b[0,23,11] = +Inf replaced by 0x3C80 (2^-6), so only a holds +-Inf"
            % f.file.attrs["description"])

BF16 = {896: 0x4460, 448: 0x43E0, 224: 0x4360, 112: 0x42E0, 56: 0x4260, 28: 0x41E0}
with fx.copy_inputs("fixtures/reference/small-balanced.h5", d + "/pow2-amax.h5") as f:
    offs = [int(o) for o in f.file["inputs/offsets"][...]]
    starts = [0] + offs[:-1]

    def plant(name, values, rows_of):
        ds = f.file["inputs/" + name]
        bits = ds[...]
        mag = (bits.astype(np.uint32) << 16).view(np.float32)
        assert np.abs(mag).max() < min(values), (name, np.abs(mag).max())
        for g, v in enumerate(values):
            bits[rows_of(g)] = BF16[v] | (0x8000 if g % 2 else 0)  # alternate signs: amax is |x|
        ds[...] = bits
    plant("a", [896, 448, 224, 112], lambda g: (starts[g], 1 + g))
    plant("grad_out", [448, 224, 112, 56], lambda g: (starts[g] + 1, 2 + g))
    plant("b", [224, 112, 56, 28], lambda g: (g, 3 + g, 5))
    derived(f, "small-balanced.h5's inputs (%s) with amaxes 1.75 * 2^j planted: a 896 448 224 112 (one per "
            "group, rows 0 16 32 48), grad_out 448 224 112 56, b 224 112 56 28 (one per expert)"
            % f.file.attrs["description"])
PY
echo "wrote $dir/{straddle,inf,inf-a,pow2-amax}.h5"
