#!/usr/bin/env python3
"""Golden FP8 tables from ml_dtypes (numpy casts), on the CPU.

    python3 scripts/golden_mldtypes.py [OUT.h5]      (default fixtures/golden/mldtypes.h5)
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ml_dtypes  # noqa: E402
import numpy as np  # noqa: E402

from golden_h5 import REPO_ROOT, Golden, consistency, cpu_model, python_numpy_versions  # noqa: E402
from golden_inputs import FORMAT_NAMES  # noqa: E402

SCRIPTS = ["scripts/golden_mldtypes.py", "scripts/golden_inputs.py", "scripts/golden_h5.py"]

# how each source's bit patterns become a numpy array of that type
SOURCE_VIEW = {
    "f32": ("np.float32", lambda b: b.view(np.float32)),
    "bf16": ("ml_dtypes.bfloat16", lambda b: b.view(ml_dtypes.bfloat16)),
    "f16": ("np.float16", lambda b: b.view(np.float16)),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO_ROOT, "fixtures/golden/mldtypes.h5")
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


if __name__ == "__main__":
    main()
