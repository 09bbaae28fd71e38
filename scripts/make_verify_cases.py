#!/usr/bin/env python3
"""Write fixtures/verify-cases/peer-mismatches.h5 with h5py: a copy of
fixtures/reference/moe-specials.h5 plus a simulated peer producer, /results/peer-gpu, whose
results carry known defects, so that `fp8moe verify` must exit 1 and name each cause:

  a_fp8          one NaN code written 0xFF instead of 0x7F           -> "NaN byte sign"
  grad_out_fp8   one NaN code written 0x7E (saturated)               -> "saturation vs NaN"
  b_scale        scales without the power-of-two rounding            -> "pow2 rounding"
  out            one output 64 bf16 ulps off                         -> a GEMM mismatch
  a_scale        identical to the reference                          -> agrees

It also checks h5py -> Swift interop: everything here is written by h5py (numpy dtypes, numpy
integer attributes, an unknown provenance attribute that verify must ignore).
Usage: python3 scripts/make_verify_cases.py   (from the repository root)
"""
import shutil
import h5py
import numpy as np

SRC = "fixtures/reference/moe-specials.h5"
DST = "fixtures/verify-cases/peer-mismatches.h5"

shutil.copyfile(SRC, DST)
with h5py.File(DST, "r+") as f:
    ref = f["results/reference-rowwise"]
    peer = f.create_group("results/peer-gpu")
    for k, v in ref.attrs.items():
        peer.attrs[k] = v
    peer.attrs["producer"] = "peer-gpu"
    peer.attrs["device"] = "simulated"
    peer.attrs["software"] = f"h5py {h5py.__version__}, numpy {np.__version__}"
    peer.attrs["git_sha"] = "0000000"  # unknown to verify: ignored
    peer.attrs["scale_pow2"] = np.int64(1)

    a = ref["a_fp8"][...]
    i = np.argwhere(a == 0x7F)[0]
    a[tuple(i)] = 0xFF
    d = peer.create_dataset("a_fp8", data=a)
    d.attrs["dtype"] = "float8_e4m3fn"
    peer.create_dataset("a_scale", data=ref["a_scale"][...])

    g = ref["grad_out_fp8"][...]
    i = np.argwhere(g == 0x7F)[0]
    g[tuple(i)] = 0x7E
    d = peer.create_dataset("grad_out_fp8", data=g)
    d.attrs["dtype"] = "float8_e4m3fn"

    # b_scale without pow2: 448 / max(amax, 1e-12) in fp64, rounded to fp32, per (g, n) over K.
    b = f["inputs/b"][...].astype(np.uint32) << 16
    bf = b.view(np.float32).astype(np.float64)
    amax = np.max(np.abs(bf), axis=1)  # NaN propagates, as torch.amax does
    scale = (448.0 / np.maximum(amax, 1e-12)).astype(np.float32)
    peer.create_dataset("b_scale", data=scale)

    out = ref["out"][...]
    out[0, 0] = out[0, 0] + 64 if (out[0, 0] & 0x7F80) != 0x7F80 else out[0, 0]
    d = peer.create_dataset("out", data=out)
    d.attrs["dtype"] = "bfloat16"
print("wrote", DST)
