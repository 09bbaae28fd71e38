#!/usr/bin/env python3
"""Packs the raw output of the ROCm golden producer into fixtures/golden/rocm<version>-<sat>.h5.

    python3 scripts/golden/rocm/pack.py RAW_DIR OUT_DIR

The producer (fixtures/golden/README.md, "ROCm") compiles the host path of one version of
ROCm's amd_hip_fp8.h on the CPU and writes RAW_DIR/manifest.tsv (sat, src, name, call),
RAW_DIR/<sat>/<src>__<name>.bin (one byte per input of scripts/golden/inputs.py, in order;
<name> is an fp8 format, or e8m0fnu.rn/.rz/.rp/.rm for hipRoundNearest/Zero/PosInf/MinInf) and
RAW_DIR/meta.json (version, header provenance, compiler, build command, producer file hashes).
This script only reads those files; it builds and runs nothing.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

from writer import Golden, cpu_model, python_numpy_versions  # noqa: E402
from inputs import make_inputs  # noqa: E402

SCRIPTS = ["scripts/golden/rocm/pack.py", "scripts/golden/inputs.py", "scripts/golden/writer.py"]
SOURCES = ("f32", "bf16", "f16")
FP8 = ("e4m3fn", "e5m2", "e4m3fnuz", "e5m2fnuz")


def pack(raw, out_dir):
    with open(os.path.join(raw, "meta.json")) as f:
        meta = json.load(f)
    rows = []
    with open(os.path.join(raw, "manifest.tsv")) as f:
        for line in f:
            sat, src, name, call = line.rstrip("\n").split("\t")
            rows.append((sat, src, name, call))
    inputs = make_inputs()
    written = []
    for sat in ("satfinite", "nosat"):
        sel = [r for r in rows if r[0] == sat]
        producer = f"rocm{meta['version']}-{sat}"
        satc = "__HIP_SATFINITE" if sat == "satfinite" else "__HIP_NOSAT"
        desc = (f"ROCm {meta['version_long']}: amd_hip_fp8.h conversion functions with {satc}, host "
                f"(software) path, compiled for x86-64 and run on the CPU: f32 via "
                f"__hip_cvt_float_to_fp8, bf16 via __hip_cvt_bfloat16raw_to_fp8, f16 via "
                f"__hip_cvt_halfraw_to_fp8 (both widen to float first, exactly). Header: "
                f"{meta['header_repo']} {meta['header_commit']} {meta['header_path']}. "
                f"{meta['header_note']}")
        g = Golden(producer, SCRIPTS, desc)
        for k in inputs:
            assert np.array_equal(g.inputs[k], inputs[k])
        have = set()
        for _, src, name, call in sel:
            arr = np.fromfile(os.path.join(raw, sat, f"{src}__{name}.bin"), dtype=np.uint8)
            g.add(src, name, arr, call, evaluated_on="host CPU (x86-64)")
            have.add((src, name))
        for src in SOURCES:
            for fmt in FP8:
                if (src, fmt) not in have:
                    g.skip(src, fmt, f"ROCm {meta['version']}'s header has no {fmt} interpretation")
            if not any(s == src and n.startswith("e8m0") for s, n in have):
                g.skip(src, "e8m0fnu", "the header has no fp16 -> e8m0 conversion" if meta["e8m0_in_header"]
                       else "this header version has no e8m0 conversion")
        for n in meta.get("notes", []):
            g.note(n)
        sw = (f"{meta['compiler']}; flags {meta['flags']}; packed with {python_numpy_versions()}")
        extra = {k: meta[k] for k in ("build", "header_repo", "header_commit", "header_path",
                                      "header_sha256", "header_note", "producer_sha256",
                                      "far_underflow", "compiler_variants")}
        path = os.path.join(out_dir, f"{producer}.h5")
        g.write(path, device=f"CPU: {cpu_model()}", software=sw, extra_attrs=extra)
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pack(sys.argv[1], sys.argv[2])
