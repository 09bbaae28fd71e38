#!/usr/bin/env python3
"""Compare the golden FP8 tables of several producers and describe where they disagree.

    python3 scripts/golden_compare.py [FILE.h5 ...] [--md OUT.md]

With no files, reads every fixtures/golden/*.h5. Checks that all files hold identical
/inputs (and that they equal scripts/golden_inputs.py's make_inputs()), then, for each
source (bf16, f16, f32) and format, takes every table of that format as a column
(`producer` or `producer[rz]` for the CUDA e8m0 rounding variants) and reports:

  * which columns are identical over all rows;
  * for every row where the columns do not all agree, the input's class (NaN sign and
    kind, +-Inf, +-0, overflow relative to the format's max finite and max + ulp/2,
    underflow, exact / tie / inexact, for e8m0 negative and below 2^-127), and the
    partition of the columns into groups with equal output; rows are counted per
    (class, partition) with a few example inputs and every column's output.

Classes are computed from the format definitions in golden_inputs.py (exact rationals),
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

from golden_inputs import FORMAT_NAMES, FORMATS, finite_magnitudes, make_inputs  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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
            return pre + "overflow: max < |x| < max+ulp/2"
        if a == mx + half_top:
            return pre + "overflow: |x| = max+ulp/2 (tie)"
        return pre + "overflow: |x| > max+ulp/2"
    lo = mags[0] if mags[0] != 0 else mags[1]  # smallest positive
    if e8:
        if a < lo:
            return pre + ("|x| < 2^-127 (below min), " +
                          ("< 2^-128" if a < lo / 2 else ("= 2^-128" if a == lo / 2 else "in (2^-128, 2^-127)")))
    else:
        if a < lo / 2:
            return pre + "underflow: |x| < min_sub/2"
        if a == lo / 2:
            return pre + "underflow tie: |x| = min_sub/2"
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


def compare(files, md_out=None):
    ref, cols, meta, bad_inputs = load(files)
    lines = []
    w = lines.append
    w("# FP8 golden tables: disagreements between producers\n")
    w("Generated by `python3 scripts/golden_compare.py` from: " +
      ", ".join(os.path.relpath(p, REPO) for p in files) + ".\n")
    w("Inputs identical in every file and equal to `scripts/golden_inputs.py` make_inputs(): " +
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
    files = a.files or sorted(glob.glob(os.path.join(REPO, "fixtures/golden/*.h5")))
    files = sorted(files, key=lambda p: col_key(os.path.basename(p)[:-3]))
    sys.exit(compare(files, a.md))


if __name__ == "__main__":
    main()
