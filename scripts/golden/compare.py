#!/usr/bin/env python3
"""Compare the golden FP8 tables of several producers and describe where they disagree.

    python3 scripts/golden/compare.py [FILE.h5 ...] [--md OUT.md]

With no files, reads every fixtures/golden/*.h5. Checks that all files hold identical
/inputs (and that they equal scripts/golden/inputs.py's make_inputs()), then, for each
source (bf16, f16, f32) and format, takes every table of that format as a column
(`producer` or `producer[rz]` for the CUDA e8m0 rounding variants) and reports:

  * which columns are identical over all rows;
  * for every row where the columns do not all agree, the input's class (NaN sign and
    kind, +-Inf, +-0, overflow relative to the format's max finite and max + ulp/2,
    underflow, exact / tie / inexact, for e8m0 negative and below 2^-127), and the
    partition of the columns into groups with equal output; rows are counted per
    (class, partition) with a few example inputs and every column's output.

Classes are computed from the format definitions in inputs.py (exact rationals),
not from any producer.
"""

import argparse
import bisect
import glob
import os
import struct
import sys
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import h5py  # noqa: E402
import numpy as np  # noqa: E402

from inputs import FORMAT_NAMES, FORMATS, finite_magnitudes, make_inputs  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORDER = ["mldtypes", "torch-cpu", "torch-cuda", "triton", "cuda-satfinite", "cuda-nosat",
         "cuda-host-satfinite", "cuda-host-nosat"]


# ---- source decoding ---------------------------------------------------------------

def src_fields(src, bits):
    """(sign, exponent field, mantissa field, mantissa bits, exponent all-ones) of a source pattern."""
    bits = int(bits)
    if src == "f32":
        return bits >> 31, (bits >> 23) & 0xFF, bits & 0x7FFFFF, 23, 0xFF
    if src == "bf16":
        return bits >> 15, (bits >> 7) & 0xFF, bits & 0x7F, 7, 0xFF
    return bits >> 15, (bits >> 10) & 0x1F, bits & 0x3FF, 10, 0x1F


def src_value(src, bits):
    """Exact value as a Python float (all three sources embed exactly in float64)."""
    bits = int(bits)
    if src == "f32":
        return struct.unpack("<f", struct.pack("<I", bits))[0]
    if src == "bf16":
        return struct.unpack("<f", struct.pack("<I", bits << 16))[0]
    return float(np.array([bits], dtype=np.uint16).view(np.float16)[0])


def fmt_value(src, bits):
    v = src_value(src, bits)
    s, e, m, mb, emax = src_fields(src, bits)
    if e == emax and m:
        return "NaN"
    return repr(v) if abs(v) >= 1e-4 and abs(v) < 1e7 or v == 0 or v != v else f"{v:.9g}"


_MAGS = {f: finite_magnitudes(f) for f in FORMATS}


def classify(src, fmt, bits):
    s, e, m, mb, emax = src_fields(src, bits)
    sg = "-" if s else "+"
    if e == emax:
        if m == 0:
            return f"{sg}Inf"
        quiet = (m >> (mb - 1)) & 1
        return f"NaN {sg} ({'quiet' if quiet else 'signalling'})"
    v = Fraction(src_value(src, bits))
    if v == 0:
        return f"{sg}0"
    a = abs(v)
    mags = _MAGS[fmt]
    mx = mags[-1]
    e8 = FORMATS[fmt]["kind"] == "e8m0"
    pre = f"{sg}" + ("negative, " if e8 and s else "")
    half_top = (mx / 2) if e8 else (mx - mags[-2]) / 2
    if a > mx:
        if a < mx + half_top:
            return pre + "overflow: max < abs(x) < max+ulp/2"
        if a == mx + half_top:
            return pre + "overflow: abs(x) = max+ulp/2 (tie)"
        return pre + "overflow: abs(x) > max+ulp/2"
    lo = mags[0] if mags[0] != 0 else mags[1]  # smallest positive
    if e8:
        if a < lo:
            return pre + ("abs(x) < 2^-127 (below min), " +
                          ("< 2^-128" if a < lo / 2 else ("= 2^-128" if a == lo / 2 else "in (2^-128, 2^-127)")))
    else:
        if a < lo / 2:
            return pre + "underflow: abs(x) < min_sub/2"
        if a == lo / 2:
            return pre + "underflow tie: abs(x) = min_sub/2"
    i = bisect.bisect_left(mags, a)
    if mags[i] == a:
        kind = "exact"
    else:
        mid = (mags[i - 1] + mags[i]) / 2
        kind = "tie" if a == mid else "inexact"
    if e8:
        rng = ""
    else:
        minnorm = Fraction(2) ** (1 - FORMATS[fmt]["bias"])
        rng = " (fp8-subnormal range)" if a < minnorm else ""
    return pre + kind + rng


# ---- loading -------------------------------------------------------------------------

def load(files):
    ref = make_inputs()
    cols = {}    # (src, fmt) -> {column: array}
    meta = {}
    bad_inputs = []
    for path in files:
        with h5py.File(path, "r") as f:
            prod = str(f.attrs["producer"])
            meta[prod] = {k: f.attrs[k] for k in ("device", "software", "date", "script")}
            for src in ("bf16", "f16", "f32"):
                if not np.array_equal(f["inputs"][src][:], ref[src]):
                    bad_inputs.append(f"{path}: /inputs/{src} differs from make_inputs()")
                if src not in f:
                    continue
                for name in f[src]:
                    fmt, _, var = name.partition(".")
                    col = prod + (f"[{var}]" if var else "")
                    cols.setdefault((src, fmt), {})[col] = f[src][name][:]
    return ref, cols, meta, bad_inputs


def col_key(c):
    base, _, var = c.partition("[")
    return (ORDER.index(base) if base in ORDER else 99, base, var)


def pick_examples(src, idxs, bits, k=4):
    """A few readable examples: simplest bit patterns first, plus extremes of magnitude."""
    idxs = list(idxs)
    if len(idxs) <= k:
        return idxs

    def simplicity(i):
        s, e, m, mb, emax = src_fields(src, bits[i])
        tz = (m & -m).bit_length() - 1 if m else mb
        return (-tz, abs(src_value(src, bits[i])) if e != emax else float("inf"), i)
    by_s = sorted(idxs, key=simplicity)
    mag = sorted(idxs, key=lambda i: (abs(src_value(src, bits[i])) if src_fields(src, bits[i])[1]
                                      != src_fields(src, bits[i])[4] else float("inf"), i))
    out = []
    for i in by_s[:2] + [mag[0], mag[-1]] + by_s[2:]:
        if i not in out:
            out.append(i)
        if len(out) == k:
            break
    return out


def partition(outs):
    """'a'/'b'/... labels per column by first appearance of its output value."""
    seen = {}
    return "".join(seen.setdefault(o, "abcdefghijklmnop"[len(seen)]) for o in outs)


def describe_partition(lbl, names):
    groups = {}
    for l, n in zip(lbl, names):
        groups.setdefault(l, []).append(n)
    return " | ".join("{" + ", ".join(g) + "}" for g in groups.values())


def hexw(src):
    return 8 if src == "f32" else 4


# Inputs shown for every producer in a "key inputs" table per source and format.
KEY_INPUTS = {
    "f32": [0x00000000, 0x80000000, 0x3F800000, 0x3FC00000, 0xBF800000, 0xBFC00000,
            0x43700000, 0x43780000, 0x43E00000, 0x43E80000, 0x43E80001, 0x43F00000,
            0x47600000, 0x47700000, 0x47700001, 0x00400000, 0x00400001, 0x7F000001,
            0x7F400000, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F800000, 0xFF800000,
            0x7FC00000, 0xFFC00000, 0x7FFFFFFF, 0xFFFFFFFF, 0x7F800001, 0xFF800001],
    "bf16": [0x0000, 0x8000, 0x3F80, 0x3FC0, 0xBF80, 0x4370, 0x4378, 0x43E0, 0x43E8,
             0x43FA, 0xC3FA, 0x4760, 0x4770, 0x0040, 0x0041, 0x7F40, 0x7F7F, 0x7F80, 0xFF80,
             0x7FC0, 0xFFC0, 0x7FFF, 0x7F81, 0xFF81],
    "f16": [0x0000, 0x8000, 0x3C00, 0x3E00, 0xBC00, 0x5B80, 0x5BC0, 0x5F00, 0x5F40, 0x5FD0,
            0xDFD0, 0x7B00, 0x7B80, 0x7BFF, 0x0001, 0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7FFF,
            0x7C01, 0xFC01],
}


# ---- textbook model (exact rationals, from the format definitions) -------------------

def _pos_codes(fmt):
    """Sorted (magnitude, code) of the finite non-negative values of fmt (one code each)."""
    from inputs import decode
    best = {}
    for c in range(256):
        v = decode(fmt, c)
        if isinstance(v, Fraction) and v >= 0 and not (c & 0x80 and FORMATS[fmt]["kind"] != "e8m0"):
            best.setdefault(v, c)
    return sorted(best.items())


_POS = {f: _pos_codes(f) for f in FORMATS}


def model_code(src, fmt, bits, policy):
    """Textbook conversion: round-to-nearest-even on the exact value, THEN overflow handling.

    policy "nosat": overflow and +-Inf -> Inf (e5m2) or NaN (e4m3fn 0x7F|s, fnuz 0x80);
    policy "satfinite": overflow and +-Inf -> +-max. Returns None for NaN inputs (NaN
    encodings are compared in the disagreement tables, not here). e8m0 models:
    "rn_up" round to nearest power of two with ties (1.5*2^k) up, "rz" floor, "rp" ceil;
    all on |x|, clamped below to code 0; sign and zero handled by the caller.
    """
    sgn, e, m, mb, emax = src_fields(src, bits)
    if e == emax and m:
        return None
    kind = FORMATS[fmt]["kind"]
    pos = _POS[fmt]
    mags = [p[0] for p in pos]
    if kind == "e8m0":
        if e == emax:
            return 0xFE if policy.endswith("-sat") else 0xFF
        a = abs(Fraction(src_value(src, bits)))
        if a == 0:
            return 0x00
        i = bisect.bisect_right(mags, a) - 1  # mags[i] <= a
        if i < 0:
            return 0x00
        code = pos[i][1]
        if mags[i] != a:
            up = (policy.startswith("rp") or
                  (policy.startswith("rn_up") and a >= mags[i] * Fraction(3, 2)))
            if up:
                code += 1
        if code > 0xFE:
            return 0xFE if policy.endswith("-sat") else 0xFF
        return code
    sbit = 0x80 if sgn else 0
    mx_code = pos[-1][1]
    over = (0x7C if kind == "ieee" else (0x80 if kind == "fnuz" else 0x7F))
    if e == emax:  # Inf
        return (mx_code | sbit) if policy == "satfinite" else (over | (sbit if kind != "fnuz" else 0))
    a = abs(Fraction(src_value(src, bits)))
    i = bisect.bisect_left(mags, a)
    if i < len(mags) and mags[i] == a:
        code = pos[i][1]
    else:
        lo = pos[i - 1]
        if i < len(mags):
            hi = pos[i]
        else:  # beyond max: the code an unbounded format would have next
            hi = (lo[0] + (lo[0] - pos[-2][0]), lo[1] + 1)
        mid = (lo[0] + hi[0]) / 2
        if a < mid:
            code = lo[1]
        elif a > mid:
            code = hi[1]
        else:
            code = lo[1] if lo[1] % 2 == 0 else hi[1]
    if code > mx_code:
        return (mx_code | sbit) if policy == "satfinite" else (over | (sbit if kind != "fnuz" else 0))
    if code == 0:
        return 0x00 if kind == "fnuz" else sbit
    return code | sbit


def model_section(w, ref, cols):
    w("## Check against a textbook model\n")
    w("`scripts/golden/compare.py` also encodes every input with an exact model built from the "
      "format definitions alone: round to nearest, ties to even, on the exact value, then "
      "overflow handling (`nosat`: Inf for e5m2, NaN 0x7F|s for e4m3fn, 0x80 for fnuz; "
      "`satfinite`: +-max; +-Inf likewise). NaN inputs are excluded (their encodings are in the "
      "tables above). For e8m0fnu the models act on abs(x) (sign ignored, +-0 -> 0x00, "
      "abs(x) < 2^-127 -> 0x00): `rn_up` = nearest power of two with ties (1.5*2^k) rounded "
      "up, `rz` = floor, `rp` = ceil; overflow and Inf give 0xFF (`*-nosat`) or 0xFE "
      "(`*-sat`); for e8m0 only inputs x > 0 and +Inf are counted (zero and negatives are "
      "in the tables above). For each column the best-fitting model is given with its "
      "mismatch count.\n")
    w("| source | format | column | best model | rows checked | mismatches | examples: input -> column / model |")
    w("|---|---|---|---|---|---|---|")
    for src in ("bf16", "f16", "f32"):
        bits = ref[src]
        for fmt in FORMAT_NAMES:
            if (src, fmt) not in cols:
                continue
            c = cols[(src, fmt)]
            e8 = FORMATS[fmt]["kind"] == "e8m0"
            policies = (["rn_up-nosat", "rn_up-sat", "rz-nosat", "rz-sat", "rp-nosat", "rp-sat"]
                        if e8 else ["nosat", "satfinite"])
            rows = []
            for i, b in enumerate(bits):
                sg, e, m, mb, emax = src_fields(src, b)
                if e == emax and m:
                    continue
                if e8 and (sg or (e == 0 and m == 0)):
                    continue
                rows.append(i)
            models = {p: np.array([model_code(src, fmt, bits[i], p) for i in rows], dtype=np.uint8)
                      for p in policies}
            for n in sorted(c, key=col_key):
                got = c[n][rows]
                best = min(policies, key=lambda p: int(np.sum(got != models[p])))
                bad = np.nonzero(got != models[best])[0]
                ex = "<br>".join(
                    f"`{int(bits[rows[j]]):0{hexw(src)}X}` ({fmt_value(src, bits[rows[j]])}) -> "
                    f"{int(got[j]):02X} / {int(models[best][j]):02X}"
                    for j in pick_examples(src, [int(k) for k in bad], [bits[r] for r in rows]))
                w(f"| {src} | {fmt} | `{n}` | {best} | {len(rows)} | {bad.size} | {ex} |")
    w("")


def compare(files, md_out=None):
    ref, cols, meta, bad_inputs = load(files)
    lines = []
    w = lines.append
    w("# FP8 golden tables: disagreements between producers\n")
    w("Generated by `python3 scripts/golden/compare.py` from: " +
      ", ".join(os.path.relpath(p, REPO) for p in files) + ".\n")
    w("Inputs identical in every file and equal to `scripts/golden/inputs.py` make_inputs(): " +
      ("**yes**" if not bad_inputs else "**NO**: " + "; ".join(bad_inputs)) + "\n")
    w("Producers:\n")
    for p in sorted(meta, key=lambda c: col_key(c)):
        m = meta[p]
        w(f"- `{p}`: {m['device']}; {m['software']}; {m['date']}")
    w("")
    w("Column `p[rz]` / `p[rp]` is producer p's `e8m0fnu.rz` / `e8m0fnu.rp` table. Outputs are "
      "hex bytes. A partition like `{a, b} | {c}` says which columns agree on those rows.\n")
    summary = []
    for src in ("bf16", "f16", "f32"):
        for fmt in FORMAT_NAMES:
            if (src, fmt) not in cols:
                continue
            c = cols[(src, fmt)]
            names = sorted(c, key=col_key)
            mat = np.stack([c[n] for n in names], axis=1)  # rows x columns
            bits = ref[src]
            # identical-column groups over all rows
            groups = []
            for n in names:
                for g in groups:
                    if np.array_equal(c[g[0]], c[n]):
                        g.append(n)
                        break
                else:
                    groups.append([n])
            dis = np.nonzero(np.any(mat != mat[:, :1], axis=1))[0]
            w(f"## {src} -> {fmt}\n")
            w(f"{bits.size} inputs, {len(names)} columns. Identical over all rows: " +
              "; ".join("{" + ", ".join(g) + "}" for g in groups) + ".")
            summary.append((src, fmt, groups, dis.size))
            pos = {int(b): i for i, b in enumerate(bits)}
            keys = [k for k in KEY_INPUTS[src] if k in pos]
            w("\nKey inputs (every column):\n")
            w("| input | value | class | " + " | ".join(f"`{n}`" for n in names) + " |")
            w("|---|---|---|" + "---|" * len(names))
            for k in keys:
                i = pos[k]
                w(f"| `{k:0{hexw(src)}X}` | {fmt_value(src, k)} | {classify(src, fmt, k)} | " +
                  " | ".join(f"{int(o):02X}" for o in mat[i]) + " |")
            if dis.size == 0:
                w("\nNo disagreements.\n")
                continue
            w(f"\nRows where columns differ: {dis.size}.\n")
            buckets = {}
            for i in dis:
                key = (classify(src, fmt, bits[i]), partition(tuple(mat[i])))
                buckets.setdefault(key, []).append(int(i))
            w("| input class | rows | columns that agree | examples: input (value) -> " +
              " / ".join(f"`{n}`" for n in names) + " |")
            w("|---|---|---|---|")
            for (cls, lbl), idxs in sorted(buckets.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
                ex = []
                for i in pick_examples(src, idxs, bits):
                    outs = " ".join(f"{int(o):02X}" for o in mat[i])
                    ex.append(f"`{int(bits[i]):0{hexw(src)}X}` ({fmt_value(src, bits[i])}) -> {outs}")
                w(f"| {cls} | {len(idxs)} | {describe_partition(lbl, names)} | " + "<br>".join(ex) + " |")
            w("")
    model_section(w, ref, cols)
    w("## Summary\n")
    w("| source | format | identical column groups | rows with any disagreement |")
    w("|---|---|---|---|")
    for src, fmt, groups, nd in summary:
        w(f"| {src} | {fmt} | " + " ; ".join("{" + ", ".join(g) + "}" for g in groups) + f" | {nd} |")
    text = "\n".join(lines) + "\n"
    if md_out:
        with open(md_out, "w") as f:
            f.write(text)
        print(f"wrote {md_out}")
    else:
        sys.stdout.write(text)
    return 1 if bad_inputs else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--md", help="write the markdown report here instead of stdout")
    a = ap.parse_args()
    # Conversion tables only: decode-*.h5 (schema fp8moe-golden-decode) have no /inputs, and the
    # ROCm tables (rocm*.h5) have their own comparison, scripts/golden/rocm/compare.py.
    files = a.files or [p for p in sorted(glob.glob(os.path.join(REPO, "fixtures/golden/*.h5")))
                        if not os.path.basename(p).startswith(("decode-", "rocm"))]
    files = sorted(files, key=lambda p: col_key(os.path.basename(p)[:-3]))
    sys.exit(compare(files, a.md))


if __name__ == "__main__":
    main()
