#!/usr/bin/env python3
"""Small seeded test fixtures for the HIP path (inputs only; the judge of the HIP results written
into them is `fp8moe verify`, scripts/hip/run_all.sh).

  make_test_fixture.py make DIR [--seed N]     write the test fixtures (SPEC section 5)
  make_test_fixture.py bad DIR                 write invalid fixtures (the runner must exit 2)

The fixtures hold NaN (both signs, several payloads), +-Inf, bf16 subnormals, -0, the bf16 max,
rows whose amax is below EPS, empty groups (first, middle, last), rows beyond offsets[G-1],
group boundaries inside the kernels' tiles, M not a multiple of any block size, and K, N not
multiples of 8 (the scalar path).
"""
import argparse
import os
import sys

import h5py
import ml_dtypes
import numpy as np

# bf16 bit patterns worth meeting: NaNs (quiet, negative, signalling-payload), infinities,
# subnormals, smallest normal, -0, the max, values on fp8 rounding ties after pow2 scaling.
SPECIAL_NAN = [0x7FC0, 0xFFC0, 0xFFC1, 0x7F81, 0x7FFF]
SPECIAL_INF = [0x7F80, 0xFF80]
SPECIAL_FINITE = [0x0001, 0x8001, 0x0040, 0x807F, 0x0080, 0x8000, 0x0000,
                  0x3F88, 0x3F98, 0xBF88, 0x3F84, 0x4188]
SPECIAL_MAX = [0x7F7F, 0xFF7F]  # placed by hand: one of them makes a tensorwise scale tiny


# ----------------------------------------------------------------------------- fixtures

def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def to_bf16_bits(x):
    return np.asarray(x, dtype=np.float32).astype(ml_dtypes.bfloat16).view(np.uint16)


def random_bf16(rng, shape, spread=8):
    """Normal values with a random power-of-two magnitude per row (last axis is the row)."""
    x = rng.standard_normal(shape).astype(np.float32)
    rows = shape[:-1] + (1,)
    x *= np.exp2(rng.integers(-spread, spread + 1, size=rows)).astype(np.float32)
    return to_bf16_bits(x)


def sprinkle(rng, bits, fraction, patterns):
    flat = bits.reshape(-1)
    k = max(1, int(flat.size * fraction))
    where = rng.choice(flat.size, size=k, replace=False)
    flat[where] = rng.choice(np.array(patterns, dtype=np.uint16), size=k)
    return bits


def write_fixture(path, description, a=None, b=None, offsets=None, grad_out=None):
    with h5py.File(path, "w") as f:
        f.attrs["schema"] = "fp8moe-fixture"
        f.attrs["schema_version"] = 1
        f.attrs["description"] = description
        g = f.create_group("inputs")
        for name, value in (("a", a), ("b", b), ("grad_out", grad_out)):
            if value is not None:
                d = g.create_dataset(name, data=value.astype(np.uint16))
                d.attrs["dtype"] = "bfloat16"
        if offsets is not None:
            g.create_dataset("offsets", data=np.asarray(offsets, dtype=np.int32))


def make(outdir, seed):
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(seed)
    made = []

    # 1. Special values. K = 136 and N = 72 are multiples of 8 (vector path), M = 300 is not a
    # multiple of anything. Group 1 is empty, group 5 is empty at the end, rows 290.. are in no
    # group. Inf only in some rows / experts, so tensorwise `nan_to_num` results stay informative
    # in grad_out.
    M, K, N, G = 300, 136, 72, 6
    offsets = [37, 37, 150, 161, 290, 290]
    a = random_bf16(rng, (M, K))
    sprinkle(rng, a, 0.004, SPECIAL_NAN + SPECIAL_FINITE)
    a[3, :] = 0                                             # amax 0 -> scale fp8_max / EPS
    a[5, :] = 0x7FC0                                        # all NaN
    a[7, :] = rng.integers(0x0001, 0x0080, size=K)         # only subnormals
    a[9:12, :] = random_bf16(rng, (3, K))                   # rows without NaN, then one Inf:
    a[9, 17] = 0x7F80                                       #   +Inf: propagate -> scale 0
    a[11, 100] = 0xFF80                                     #   -Inf
    a[10, 5] = 0xFFC1                                       # a single -NaN
    a[13, :] = to_bf16_bits(rng.standard_normal(K) * 2.0**-45)  # amax < EPS
    a[15, :] = 0x8000                                       # all -0
    a[160, 3] = 0x7F7F                                      # bf16 max inside group 3
    a[200, 9] = 0xFF7F                                      # -bf16 max inside group 4
    b = random_bf16(rng, (G, K, N))
    sprinkle(rng, b, 0.005, SPECIAL_FINITE)
    b[1, 2, 3] = 0x7F7F
    b[2, 5, 7] = 0x7F80
    b[3, 9, 1] = 0xFFC1
    b[4, :, 3] = 0                                          # a zero column of expert 4
    grad_out = random_bf16(rng, (M, N))
    sprinkle(rng, grad_out, 0.004, SPECIAL_NAN + SPECIAL_FINITE)
    grad_out[150:161, :] *= 0                               # bits * 0: group 3 of grad_out all +0
    path = os.path.join(outdir, "specials.h5")
    write_fixture(path, "hip test: special values, empty groups, rows of no group", a, b, offsets, grad_out)
    made.append(path)

    # 2. Odd shapes: K = 13, N = 5 (scalar path), first group empty, Inf in a.
    M, K, N, G = 77, 13, 5, 3
    a = random_bf16(rng, (M, K))
    sprinkle(rng, a, 0.01, SPECIAL_NAN + SPECIAL_INF + SPECIAL_FINITE)
    b = random_bf16(rng, (G, K, N))
    sprinkle(rng, b, 0.01, SPECIAL_NAN + SPECIAL_INF)
    grad_out = random_bf16(rng, (M, N))
    sprinkle(rng, grad_out, 0.03, SPECIAL_FINITE + SPECIAL_MAX + SPECIAL_NAN)
    path = os.path.join(outdir, "odd.h5")
    write_fixture(path, "hip test: K, N not multiples of 8", a, b, [0, 40, 70], grad_out)
    made.append(path)

    # 3. Boundaries inside tiles: M = 4099, K = 512 (a tile of 8192 elements is 16 rows), group
    # ends at odd rows, one empty group in the middle, last end < M.
    M, K, N, G = 4099, 512, 256, 8
    ends = np.sort(rng.choice(np.arange(1, M - 30), size=G - 2, replace=False))
    offsets = np.concatenate([ends[:3], ends[2:3], ends[3:], [M - 17]])  # ends[2] twice: empty group
    a = random_bf16(rng, (M, K), spread=12)
    sprinkle(rng, a, 0.0005, SPECIAL_NAN + SPECIAL_FINITE)
    b = random_bf16(rng, (G, K, N))
    grad_out = random_bf16(rng, (M, N), spread=3)
    path = os.path.join(outdir, "straddle.h5")
    write_fixture(path, "hip test: group boundaries inside tiles", a, b, offsets, grad_out)
    made.append(path)

    # 4. Long rows: K = 4096 (the rowwise kernel's two-read path on NVIDIA), N = 64; offsets
    # cover every row.
    M, K, N, G = 66, 4096, 64, 4
    a = random_bf16(rng, (M, K))
    b = random_bf16(rng, (G, K, 64))
    grad_out = random_bf16(rng, (M, N))
    sprinkle(rng, grad_out, 0.0002, SPECIAL_NAN)
    path = os.path.join(outdir, "wide.h5")
    write_fixture(path, "hip test: long rows", a, b, [10, 30, 31, 66], grad_out)
    made.append(path)

    # 5. A training-like shape: M = 2048, K = 2048, 16 experts of uneven size.
    M, K, N, G = 2048, 2048, 256, 16
    cuts = np.sort(rng.integers(0, M + 1, size=G - 1))
    offsets = np.concatenate([cuts, [M]])
    a = random_bf16(rng, (M, K), spread=4)
    b = random_bf16(rng, (G, K, N), spread=2)
    grad_out = random_bf16(rng, (M, N), spread=4)
    path = os.path.join(outdir, "moe2048.h5")
    write_fixture(path, "hip test: 2048 tokens, 16 experts", a, b, offsets, grad_out)
    made.append(path)

    # 6. Inputs are optional: a alone (tensorwise a and rowwise a only).
    a = random_bf16(rng, (33, 24))
    path = os.path.join(outdir, "a_only.h5")
    write_fixture(path, "hip test: only /inputs/a", a=a)
    made.append(path)
    for p in made:
        print("wrote", p)


def bad(outdir):
    """Invalid fixtures, each with the reason the runner must give (exit 2)."""
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(0)
    a = random_bf16(rng, (20, 8))
    b = random_bf16(rng, (3, 8, 8))
    cases = {
        "offsets_decreasing": dict(a=a, b=b, offsets=[5, 4, 20]),
        "offsets_negative": dict(a=a, b=b, offsets=[-1, 4, 20]),
        "offsets_beyond_m": dict(a=a, b=b, offsets=[5, 10, 21]),
        "offsets_count": dict(a=a, b=b, offsets=[5, 20]),
        "a_not_2d": dict(a=a.reshape(20, 2, 4), b=b, offsets=[5, 10, 20]),
        "k_mismatch": dict(a=a, b=random_bf16(rng, (3, 9, 8)), offsets=[5, 10, 20]),
    }
    for name, kw in cases.items():
        write_fixture(os.path.join(outdir, name + ".h5"), "invalid: " + name, **kw)
    with h5py.File(os.path.join(outdir, "a_float16.h5"), "w") as f:
        d = f.create_dataset("inputs/a", data=a)
        d.attrs["dtype"] = "float16"
    with h5py.File(os.path.join(outdir, "b_float32_data.h5"), "w") as f:
        f.create_dataset("inputs/b", data=bf16_to_f32(b))  # floats, not bf16 bit patterns
    with h5py.File(os.path.join(outdir, "offsets_float.h5"), "w") as f:
        f.create_dataset("inputs/a", data=a).attrs["dtype"] = "bfloat16"
        f.create_dataset("inputs/offsets", data=np.array([5.0, 10.0, 20.0]))
    with h5py.File(os.path.join(outdir, "a_no_columns.h5"), "w") as f:
        f.create_dataset("inputs/a", data=np.zeros((4, 0), np.uint16)).attrs["dtype"] = "bfloat16"
    with open(os.path.join(outdir, "not_hdf5.h5"), "wb") as f:
        f.write(b"this is not an HDF5 file\n")
    print("wrote", len(cases) + 5, "invalid fixtures to", outdir)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="verb", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    m.add_argument("--seed", type=int, default=20261124)
    bd = sub.add_parser("bad")
    bd.add_argument("dir")
    args = ap.parse_args()
    if args.verb == "make":
        make(args.dir, args.seed)
        return 0
    bad(args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
