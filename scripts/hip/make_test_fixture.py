#!/usr/bin/env python3
"""Small seeded test fixtures for the HIP path, and a numpy check of the HIP results in them.

  make_test_fixture.py make DIR [--seed N]     write the test fixtures (SPEC section 5)
  make_test_fixture.py bad DIR                 write invalid fixtures (the runner must exit 2)
  make_test_fixture.py check FILE...           recompute every /results/hip-* group with
                                                   numpy + ml_dtypes and compare bit for bit

The fixtures hold NaN (both signs, several payloads), +-Inf, bf16 subnormals, -0, the bf16 max,
rows whose amax is below EPS, empty groups (first, middle, last), rows beyond offsets[G-1],
group boundaries inside the kernels' tiles, M not a multiple of any block size, and K, N not
multiples of 8 (the scalar path).

The reference follows SPEC section 3 / torchao semantics, written independently of the kernels
(float arithmetic, not bit tricks):
  input  input_nan_to_num = 1 (SPEC 8.1): x = np.nan_to_num(x, 0, +-bf16 max) before the amax
         AND the multiply (PR #4179's kernels); 0: x as it is
  amax   max |x| over the reduction set; `nan_to_num`: np.nan_to_num(x, 0, +-bf16 max) first;
         `propagate`: a NaN anywhere makes the amax NaN
  scale  fp8_max / max(amax, 1e-12): fp64 then rounded to fp32, or fp32; pow2:
         exp2(floor(log2(scale)))
  apply  float32(x) * scale (fp32), clip to +-fp8_max, ml_dtypes cast (round to nearest even)
  cast   policy `satfinite`: NaN -> 0x7F (e4m3fn) / 0x80 (e4m3fnuz), sign dropped
A NaN scale must be exactly 0x7FFFFFFF (nan_arith = canonical). Rows at and beyond
offsets[G-1] must be 0x00 in per-group results.
Exit status of `check`: 0 all agree, 1 a mismatch, 2 a file or result group is malformed.
"""
import argparse
import os
import sys

import h5py
import ml_dtypes
import numpy as np

BF16_MAX = float(ml_dtypes.finfo(ml_dtypes.bfloat16).max)
EPS = 1e-12
FORMATS = {
    "e4m3fn": (ml_dtypes.float8_e4m3fn, 448.0, 0x7F),
    "e4m3fnuz": (ml_dtypes.float8_e4m3fnuz, 240.0, 0x80),
}
# bf16 bit patterns worth meeting: NaNs (quiet, negative, signalling-payload), infinities,
# subnormals, smallest normal, -0, the max, values on fp8 rounding ties after pow2 scaling.
SPECIAL_NAN = [0x7FC0, 0xFFC0, 0xFFC1, 0x7F81, 0x7FFF]
SPECIAL_INF = [0x7F80, 0xFF80]
SPECIAL_FINITE = [0x0001, 0x8001, 0x0040, 0x807F, 0x0080, 0x8000, 0x0000,
                  0x3F88, 0x3F98, 0xBF88, 0x3F84, 0x4188]
SPECIAL_MAX = [0x7F7F, 0xFF7F]  # placed by hand: one of them makes a tensorwise scale tiny


# ----------------------------------------------------------------------------- fixtures

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


# ----------------------------------------------------------------------------- reference

def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def amax_of(x, axis, nan_policy):
    """max |x| over `axis` (None: all) with an empty reduction giving 0."""
    if nan_policy == "nan_to_num":
        x = np.nan_to_num(x, nan=0.0, posinf=BF16_MAX, neginf=-BF16_MAX)
    return np.max(np.abs(x), axis=axis, initial=0.0)  # np.max propagates NaN


def scale_of(amax, fp8_max, compute, pow2):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if compute == "fp64":
            s = (np.float64(fp8_max) / np.maximum(np.asarray(amax, np.float64), EPS)).astype(np.float32)
        else:
            s = np.float32(fp8_max) / np.maximum(np.asarray(amax, np.float32), np.float32(EPS))
        if pow2:
            s = np.exp2(np.floor(np.log2(s))).astype(np.float32)
    return np.asarray(s, np.float32)


def cast(x, scale, fmt):
    dtype, fp8_max, nan_code = FORMATS[fmt]
    with np.errstate(invalid="ignore", over="ignore"):
        y = np.clip(x.astype(np.float32) * scale.astype(np.float32), -fp8_max, fp8_max)
        codes = y.astype(dtype).view(np.uint8).copy()
    codes[np.isnan(y)] = nan_code  # satfinite: the NaN code, sign dropped
    return codes


def group_ids(rows, offsets):
    """Group of each row (len(offsets) for rows of no group)."""
    return np.searchsorted(np.asarray(offsets, np.int64), np.arange(rows), side="right")


def reference(inputs, name, recipe, fmt, nan_policy, compute, pow2, input_nan_to_num=0):
    """(codes, scales) of one result dataset under the recipe of docs/results-schema.md."""
    fp8_max = FORMATS[fmt][1]
    sc = lambda amax: scale_of(amax, fp8_max, compute, pow2)
    src = {"a": "a", "a_wgrad": "a", "grad_out": "grad_out", "grad_out_wgrad": "grad_out",
           "b": "b", "b_t": "b"}[name]
    x = bf16_to_f32(inputs[src])
    if input_nan_to_num:
        x = np.nan_to_num(x, nan=0.0, posinf=BF16_MAX, neginf=-BF16_MAX).astype(np.float32)
    if name in ("a", "grad_out"):
        if recipe == "tensorwise":
            s = sc(np.array([amax_of(x, None, nan_policy)]))
            return cast(x, s[0], fmt), s
        s = sc(amax_of(x, 1, nan_policy))
        return cast(x, s[:, None], fmt), s
    if name in ("b", "b_t"):
        if recipe == "tensorwise":
            s = sc(amax_of(x, (1, 2), nan_policy))
            return cast(x, s[:, None, None], fmt), s
        if name == "b":
            s = sc(amax_of(x, 1, nan_policy))          # [G, N] over K
            return cast(x, s[:, None, :], fmt), s
        s = sc(amax_of(x, 2, nan_policy))              # [G, K] over N
        return cast(x, s[:, :, None], fmt), s
    # wgrad operands: per group of rows (tensorwise) or per group and column (rowwise)
    offsets = inputs["offsets"]
    G = len(offsets)
    gid = group_ids(x.shape[0], offsets)
    codes = np.zeros(x.shape, np.uint8)
    scales = []
    for g in range(G):
        rows = gid == g
        xg = x[rows]
        if recipe == "tensorwise":
            s = sc(np.array([amax_of(xg, None, nan_policy)]))
            codes[rows] = cast(xg, s[0], fmt)
            scales.append(s[0])
        else:
            s = sc(amax_of(xg, 0, nan_policy))
            codes[rows] = cast(xg, s[None, :], fmt)
            scales.append(s)
    return codes, np.array(scales, np.float32)


# ----------------------------------------------------------------------------- check

class Malformed(Exception):
    pass


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def compare(label, want, got, inputs_bits, max_report=5):
    """Bit comparison; prints the first mismatches in hex. Returns the mismatch count."""
    if want.shape != got.shape:
        print(f"  {label}: shape {got.shape}, expected {want.shape}")
        return max(1, want.size)
    w = want.view(np.uint32) if want.dtype == np.float32 else want
    g = got.view(np.uint32) if got.dtype == np.float32 else got
    bad = np.flatnonzero(w.reshape(-1) != g.reshape(-1))
    for i in bad[:max_report]:
        idx = np.unravel_index(i, want.shape)
        src = f" input 0x{int(inputs_bits.reshape(-1)[i]):04X}" if inputs_bits is not None and inputs_bits.size == want.size else ""
        print(f"  {label}[{','.join(map(str, idx))}]:{src} expected 0x{int(w.reshape(-1)[i]):X}, got 0x{int(g.reshape(-1)[i]):X}")
    return len(bad)


def check_file(path, summary):
    mismatches = 0
    with h5py.File(path, "r") as f:
        inputs = {k: f["inputs"][k][...] for k in ("a", "b", "grad_out", "offsets") if k in f.get("inputs", {})}
        for producer in sorted(f.get("results", {})):
            if not producer.startswith("hip-"):
                continue
            grp = f["results"][producer]
            at = {k: text(v) if not isinstance(v, (np.integer, int)) else int(v) for k, v in grp.attrs.items()}
            for key in ("producer", "device", "software", "recipe", "fp8_format", "amax_nan",
                        "scale_compute", "scale_pow2", "cast_policy", "nan_arith", "input_nan_to_num",
                        "date", "commit", "script"):
                if key not in at:
                    raise Malformed(f"{path}: /results/{producer}: attribute '{key}' missing")
            if at["cast_policy"] != "satfinite" or at["nan_arith"] != "canonical":
                raise Malformed(f"{path}: /results/{producer}: unexpected cast_policy/nan_arith")
            fmt = at["fp8_format"]
            for name in ("a", "grad_out", "b", "b_t", "a_wgrad", "grad_out_wgrad"):
                if name + "_fp8" not in grp:
                    continue
                if text(grp[name + "_fp8"].attrs.get("dtype", "")) != "float8_" + fmt:
                    raise Malformed(f"{path}: /results/{producer}/{name}_fp8: dtype attribute")
                if "timings/" + name not in grp:
                    raise Malformed(f"{path}: /results/{producer}/timings/{name} missing")
                want_codes, want_scales = reference(inputs, name, at["recipe"], fmt, at["amax_nan"],
                                                    at["scale_compute"], at["scale_pow2"],
                                                    at["input_nan_to_num"])
                got_codes = grp[name + "_fp8"][...]
                got_scales = grp[name + "_scale"][...].astype(np.float32)
                # A NaN scale must be the canonical 0x7FFFFFFF.
                want_scales = want_scales.copy()
                want_scales.view(np.uint32)[np.isnan(want_scales)] = 0x7FFFFFFF
                src = {"a": "a", "a_wgrad": "a", "grad_out": "grad_out", "grad_out_wgrad": "grad_out"}.get(name, "b")
                n_codes = compare(f"{producer}/{name}_fp8", want_codes, got_codes, inputs.get(src))
                n_scales = compare(f"{producer}/{name}_scale", want_scales.reshape(got_scales.shape) if want_scales.size == got_scales.size else want_scales, got_scales, None)
                mismatches += n_codes + n_scales
                t = grp["timings/" + name][...]
                summary.append((os.path.basename(path), producer, name, want_codes.size, n_codes,
                                want_scales.size, n_scales, float(np.median(t))))
    return mismatches


def check(paths):
    summary, total = [], 0
    try:
        for p in paths:
            total += check_file(p, summary)
    except (Malformed, OSError, KeyError) as e:
        print("check: malformed:", e)
        return 2
    print(f"{'file':<26} {'producer':<36} {'dataset':<15} {'codes':>9} {'bad':>5} {'scales':>7} {'bad':>4} {'median_ms':>9}")
    for row in summary:
        print(f"{row[0]:<26} {row[1]:<36} {row[2]:<15} {row[3]:>9} {row[4]:>5} {row[5]:>7} {row[6]:>4} {row[7]:>9.4f}")
    n = len(summary)
    print(f"check: {n} datasets in {len(paths)} files, {total} mismatching elements -> {'PASS' if total == 0 and n else 'FAIL'}")
    return 0 if total == 0 and n else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="verb", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    m.add_argument("--seed", type=int, default=20261124)
    bd = sub.add_parser("bad")
    bd.add_argument("dir")
    c = sub.add_parser("check")
    c.add_argument("files", nargs="+")
    args = ap.parse_args()
    if args.verb == "make":
        make(args.dir, args.seed)
        return 0
    if args.verb == "bad":
        bad(args.dir)
        return 0
    return check(args.files)


if __name__ == "__main__":
    sys.exit(main())
