#!/usr/bin/env python3
"""Write fixtures/malformed/hostile-reading/: the hostile fixtures of issue 12 that the fuzz
campaign's minimised corpus (fixtures/malformed/hostile/, make_hostile.py) does not already hold,
one per class that `fp8moe verify` must refuse with exit 2 and one line (what each is and the
line it gives: the folder's README.md). Structure-aware cases are scripts/fuzz/mutants.py's
builders applied to the committed control fixtures; the others are built here.

Usage: python3 scripts/fuzz/make_reading_cases.py [OUT_DIR]   (from the repository root)
Deterministic except libver-latest-*.h5, whose bytes depend on the h5py/HDF5 that writes it
(committed: h5py 3.16.0 with HDF5 2.0.0, pip's wheel of 2026-12).
"""
import os
import shutil
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutants as M  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "fixtures/malformed/hostile-reading"
CONTROL = "fixtures/malformed/valid-control.h5"
SMALL = "fixtures/reference/small-balanced.h5"

STRUCTURE_CASES = {
    "soft-self-a.h5": (CONTROL, "soft-self:/inputs/a"),
    "soft-to-group-result.h5": (CONTROL, "soft-to-group:@result0"),
    "external-link-self-a.h5": (CONTROL, "external-link-self:/inputs/a"),
    "external-link-passwd-a.h5": (CONTROL, "external-link-passwd:/inputs/a"),
    "gzip-short-stream-a.h5": (CONTROL, "gzip-short-stream:/inputs/a"),
    "gzip-long-stream-a.h5": (CONTROL, "gzip-long-stream:/inputs/a"),
    "huge-shape-unwritten-a.h5": (CONTROL, "huge-shape-unwritten:/inputs/a 2^27 rows (1 GiB of fill)"),
}


def offsets_beyond_rows_without_inputs(path):
    """small-balanced.h5 without /inputs/a and /inputs/grad_out, offsets[-1] = 256 > the 64 rows
    that the producers' a_fp8, out, grad_a hold (GroupedGEMM trapped 'Index out of range')."""
    shutil.copy(SMALL, path)
    with h5py.File(path, "a") as f:
        del f["inputs/a"]
        del f["inputs/grad_out"]
        offsets = f["inputs/offsets"][...]
        offsets[-1] = 256
        del f["inputs/offsets"]
        f["inputs/offsets"] = offsets


def libver_latest(path, chunked):
    """valid-control.h5 copied object by object by h5py with libver='latest'. Contiguous datasets
    stay readable by HDF5 1.10; chunked ones (`chunked`: /inputs/a written with gzip chunks) get
    HDF5 2.0's version-5 layout message, which 1.10 cannot decode."""
    with h5py.File(CONTROL, "r") as src, h5py.File(path, "w", libver="latest") as dst:
        for k, v in src.attrs.items():
            dst.attrs[k] = v
        for name in src:
            src.copy(src[name], dst, name=name)
        if chunked:
            a = dst["inputs/a"]
            data, attrs = a[...], dict(a.attrs)
            del dst["inputs/a"]
            a = dst.create_dataset("inputs/a", data=data, chunks=(data.shape[0] // 2, data.shape[1]),
                                   compression="gzip")
            for k, v in attrs.items():
                a.attrs[k] = v


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        ctx = M.make_canaries(os.path.join(work, "ctx"))
        ctx["work"] = work
        for name, (seed, mutant) in STRUCTURE_CASES.items():
            fn, _ = M.STRUCTURE[mutant]
            if fn(seed, os.path.join(OUT, name), ctx) is False:
                raise SystemExit("make_reading_cases: %s did not build on %s" % (mutant, seed))
    offsets_beyond_rows_without_inputs(os.path.join(OUT, "offsets-beyond-rows-without-inputs.h5"))
    libver_latest(os.path.join(OUT, "libver-latest-chunked.h5"), chunked=True)
    libver_latest(os.path.join(OUT, "libver-latest-contiguous.h5"), chunked=False)
    print("wrote %d files to %s" % (len(STRUCTURE_CASES) + 3, OUT))


if __name__ == "__main__":
    main()
