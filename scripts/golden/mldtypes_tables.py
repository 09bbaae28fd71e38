#!/usr/bin/env python3
"""Golden FP8 tables from ml_dtypes (numpy casts), on the CPU.

    python3 scripts/golden/mldtypes_tables.py [OUT.h5]      (default fixtures/golden/mldtypes.h5)
    python3 scripts/golden/mldtypes_tables.py OUT.h5 --check REF.h5
        also compare every table with REF.h5 (exit 1 if any differs)
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ml_dtypes  # noqa: E402
import numpy as np  # noqa: E402

from writer import REPO_ROOT, Golden, consistency, cpu_model, python_numpy_versions  # noqa: E402
from inputs import FORMAT_NAMES  # noqa: E402

SCRIPTS = ["scripts/golden/mldtypes_tables.py", "scripts/golden/inputs.py", "scripts/golden/writer.py"]

# how each source's bit patterns become a numpy array of that type
SOURCE_VIEW = {
    "f32": ("np.float32", lambda b: b.view(np.float32)),
    "bf16": ("ml_dtypes.bfloat16", lambda b: b.view(ml_dtypes.bfloat16)),
    "f16": ("np.float16", lambda b: b.view(np.float16)),
}


def main():
    args = sys.argv[1:]
    ref = None
    if "--check" in args:
        i = args.index("--check")
        ref = args[i + 1]
        del args[i:i + 2]
    out = args[0] if args else os.path.join(REPO_ROOT, "fixtures/golden/mldtypes.h5")
    g = Golden("mldtypes", SCRIPTS,
               "ml_dtypes casts: x.astype(ml_dtypes.float8_<fmt>) of a numpy array of the source "
               "type (float32, ml_dtypes.bfloat16, numpy float16), converted directly (no "
               "intermediate cast written by us), then viewed as uint8.")
    for src, (tname, view) in SOURCE_VIEW.items():
        bits = g.inputs[src]
        for fmt in FORMAT_NAMES:
            dt_name = "float8_" + fmt
            dt = getattr(ml_dtypes, dt_name, None)
            if dt is None:
                g.skip(src, fmt, f"ml_dtypes {ml_dtypes.__version__} has no {dt_name}")
                continue
            call = f"bits.view({tname}).astype(ml_dtypes.{dt_name}).view(np.uint8)"

            def conv(b, dt=dt, view=view):
                with np.errstate(invalid="ignore", over="ignore"):  # NaN/Inf/overflow casts are the point
                    r = view(b).astype(dt)
                assert r.dtype == dt
                return r.view(np.uint8)
            try:
                res, cons = consistency(conv, bits)
            except Exception as e:  # noqa: BLE001
                g.skip(src, fmt, f"{type(e).__name__}: {e}")
                continue
            if not cons.startswith("ok"):
                g.note(f"{src}/{fmt}: {cons}")
            g.add(src, fmt, res, call, consistency=cons)
    software = f"{python_numpy_versions()}; ml_dtypes {ml_dtypes.__version__}"
    g.write(out, device=f"CPU: {cpu_model()}", software=software)
    if ref:
        import h5py
        with h5py.File(out, "r") as a, h5py.File(ref, "r") as b:
            print("this run:", a.attrs["software"], "|", ref + ":", b.attrs["software"])
            bad = [f"{s}/{k}" for s in ("bf16", "f16", "f32") for k in b[s]
                   if k not in a[s] or not np.array_equal(a[s][k][:], b[s][k][:])]
            for s in ("bf16", "f16", "f32"):
                if not np.array_equal(a["inputs"][s][:], b["inputs"][s][:]):
                    bad.append(f"inputs/{s}")
        print("identical to", ref + ":", "yes" if not bad else f"NO: {bad}")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
