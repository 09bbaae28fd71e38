#!/usr/bin/env python3
"""Inputs for, and HDF5 packing of, scripts/golden/cuda_tables.cu.

    python3 scripts/golden/cuda_pack.py prep IN_DIR
        writes IN_DIR/{f32,bf16,f16}.bin (little-endian bit patterns from inputs.py)
    python3 scripts/golden/cuda_pack.py pack RAW_DIR OUT_DIR [NVCC_VERSION_FILE] [PTX_FILE]
        reads RAW_DIR/manifest.tsv + meta.txt + the .bin tables written by cuda_tables (cuda_tables.cu) and
        writes OUT_DIR/cuda-satfinite.h5, cuda-nosat.h5 (conversions run in a kernel) and
        OUT_DIR/cuda-host-satfinite.h5, cuda-host-nosat.h5 (the same __host__ __device__
        functions called on the CPU).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from writer import Golden, cpu_model, python_numpy_versions  # noqa: E402
from inputs import make_inputs  # noqa: E402

SCRIPTS = ["scripts/golden/cuda_tables.cu", "scripts/golden/cuda_pack.py", "scripts/golden/gpu.sh",
           "scripts/golden/inputs.py", "scripts/golden/writer.py"]
BUILD = "nvcc -O2 -std=c++17 -gencode arch=compute_90,code=sm_90 scripts/golden/cuda_tables.cu"


def prep(in_dir):
    os.makedirs(in_dir, exist_ok=True)
    for src, arr in make_inputs().items():
        arr.astype(arr.dtype.newbyteorder("<")).tofile(os.path.join(in_dir, f"{src}.bin"))


def read_meta(raw):
    meta = {}
    with open(os.path.join(raw, "meta.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    return meta


def ptx_cvt_shapes(path):
    if not path or not os.path.exists(path):
        return "unavailable"
    shapes = set()
    with open(path) as f:
        for ln in f:
            if "cvt." in ln and ("e4m3" in ln or "e5m2" in ln or "ue8m0" in ln or "bf16" in ln):
                shapes.add(re.sub(r"%[a-z]+\d+", "%r", re.sub(r"\s+", " ", ln.strip())))
    return "\n".join(sorted(shapes)) or "none found"


def pack(raw, out_dir, nvcc_file=None, ptx_file=None):
    meta = read_meta(raw)
    nvcc = "unknown"
    if nvcc_file and os.path.exists(nvcc_file):
        with open(nvcc_file) as f:
            lines = [ln.strip() for ln in f if ln.strip()]
        rel = [ln for ln in lines if "release" in ln]
        nvcc = (rel[-1] if rel else " ".join(lines[-2:]))
    rows = []
    with open(os.path.join(raw, "manifest.tsv")) as f:
        for line in f:
            where, sat, src, name, call = line.rstrip("\n").split("\t")
            rows.append((where, sat, src, name, call))
    ptx = ptx_cvt_shapes(ptx_file)
    inputs = make_inputs()
    written = []
    for where in ("device", "host"):
        for sat in ("satfinite", "nosat"):
            sel = [r for r in rows if r[0] == where and r[1] == sat]
            if not sel:
                continue
            producer = f"cuda-{sat}" if where == "device" else f"cuda-host-{sat}"
            satc = "__NV_SATFINITE" if sat == "satfinite" else "__NV_NOSAT"
            if where == "device":
                desc = (f"CUDA cuda_fp8.h intrinsics with {satc}, evaluated ON THE DEVICE: one thread per "
                        f"element in a kernel built with `{BUILD}` (sm_90 SASS only). fp8 from f32: "
                        f"__nv_cvt_float_to_fp8; from bf16: __nv_cvt_bfloat16raw_to_fp8; from f16: "
                        f"__nv_cvt_halfraw_to_fp8. e8m0fnu.rz / e8m0fnu.rp: __nv_cvt_float_to_e8m0 and "
                        f"__nv_cvt_bfloat16raw_to_e8m0 with cudaRoundZero / cudaRoundPosInf (no f16 "
                        f"e8m0 intrinsic; cudaRoundNearest is not supported: the header asserts RZ or RP). "
                        f"fnuz formats: none in CUDA.")
            else:
                desc = (f"The same cuda_fp8.h __host__ __device__ functions with {satc}, called on the "
                        f"HOST CPU from the same program (compiled by nvcc's host compiler), for comparison "
                        f"with the device results: on the host these take the software path.")
            g = Golden(producer, SCRIPTS, desc)
            for k in inputs:
                assert np.array_equal(g.inputs[k], inputs[k])
            for _, _, src, name, call in sel:
                arr = np.fromfile(os.path.join(raw, f"{where}-{sat}", f"{src}__{name}.bin"), dtype=np.uint8)
                g.add(src, name, arr, call,
                      evaluated_on="device kernel" if where == "device" else "host CPU")
            have = {(r[2], r[3].split(".")[0]) for r in sel}
            for src in ("f32", "bf16", "f16"):
                for fmt in ("e4m3fnuz", "e5m2fnuz"):
                    g.skip(src, fmt, "CUDA has no fnuz fp8 conversion")
                if (src, "e8m0fnu") not in have:
                    g.skip(src, "e8m0fnu", "no CUDA e8m0 conversion intrinsic for this source"
                           if meta.get("have_e8m0") == "1" else "this CUDA version has no e8m0 intrinsics")
            if where == "device":
                device = f"{meta.get('device_name')} (sm_{meta.get('compute_capability', '?').replace('.', '')})"
            else:
                device = f"CPU: {cpu_model()} (host side of the program that ran on {meta.get('device_name')})"
            sw = (f"{nvcc}; nvcc macros {meta.get('nvcc')}; CUDA runtime {meta.get('cuda_runtime')}; "
                  f"CUDA driver API {meta.get('cuda_driver')}; packed with {python_numpy_versions()}")
            path = os.path.join(out_dir, f"{producer}.h5")
            g.write(path, device=device, software=sw,
                    extra_attrs={"build": BUILD, "ptx_cvt": ptx if where == "device" else "n/a (host)"})
            written.append(path)
    return written


if __name__ == "__main__":
    if sys.argv[1] == "prep":
        prep(sys.argv[2])
    elif sys.argv[1] == "pack":
        pack(sys.argv[2], sys.argv[3], *(sys.argv[4:6]))
    else:
        sys.exit(__doc__)
