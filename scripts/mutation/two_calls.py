#!/usr/bin/env python3
"""The grouped kernels called one after another on ONE amax scratch (GPU machine).

    two_calls.py LIBFP8Q RESULTS_DIR MUTANT FIXTURE...

The runner gives every operand a fresh scratch and runs each call on the same data (its warm-up
and timing loop), where a stale amax changes nothing (max is idempotent). A caller that keeps one
workspace calls the kernels on different tensors in turn; this does that, in the runner's order
(a, grad_out, b, a_wgrad, grad_out_wgrad, as fp8q_quantize_grouped with the tensorwise recipe
the runner used for FIXTURE), with a scratch that starts at zero, through libfp8q.so (ctypes, as
scripts/hip/bench.py calls it) on PyTorch tensors. With the kernels' memset every call stands on
its own, and the results equal the runner's.

Writes RESULTS_DIR/extended/<fixture>-two-calls/MUTANT.h5: a copy of FIXTURE (without its
reference results) plus /results/<runner producer>-shared-scratch, whose attributes and dataset
attributes are those of the runner's own tensorwise group in RESULTS_DIR/{committed,extended}/
<fixture>/MUTANT.h5 (recipe, provenance), with `script` and `command` saying what ran.
"""
import ctypes
import os
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import torch


class Recipe(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("amax_nan", ctypes.c_int), ("scale_compute", ctypes.c_int),
                ("pow2", ctypes.c_int), ("input_nan_to_num", ctypes.c_int)]


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    lib_path, results, mutant, fixtures = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
    lib = ctypes.CDLL(lib_path)
    P, I64, I = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
    lib.fp8q_quantize_grouped.argtypes = [P, I64, I64, P, I, Recipe, P, P, P, P]
    lib.fp8q_error_name.restype = ctypes.c_char_p
    for fixture in fixtures:
        base = Path(fixture).stem
        runner_file = next((p for p in (results / "committed" / base / f"{mutant}.h5",
                                        results / "extended" / base / f"{mutant}.h5") if p.exists()), None)
        if runner_file is None:
            print(f"two_calls: {fixture}: no runner result for {mutant}, skipped")
            continue
        with h5py.File(runner_file, "r") as r:
            names = [n for n in r["results"] if n.startswith("hip-") and n.endswith("-tensorwise")]
            if len(names) != 1:
                print(f"two_calls: {runner_file}: expected one hip-*-tensorwise group, found {names}")
                continue
            src = r["results"][names[0]]
            gattrs = dict(src.attrs)
            dattrs = {k: (dict(src[k].attrs), src[k].shape) for k in src if isinstance(src[k], h5py.Dataset)}
        with h5py.File(fixture, "r") as f:
            inp = {k: f["inputs"][k][()] for k in f["inputs"]}
        # TWO_CALLS_SET="scale_pow2=0 ...": override attributes of the copied recipe (host tests).
        for kv in os.environ.get("TWO_CALLS_SET", "").split():
            k, _, v = kv.partition("=")
            gattrs[k] = int(v) if v.isdigit() else v
        rec = Recipe(0 if text(gattrs["fp8_format"]) == "e4m3fn" else 1,
                     1 if text(gattrs["amax_nan"]) == "nan_to_num" else 0,
                     0 if text(gattrs["scale_compute"]) == "fp64" else 1,
                     int(gattrs["scale_pow2"]), int(gattrs["input_nan_to_num"]))
        a, b, go, off = inp["a"], inp["b"], inp["grad_out"], inp["offsets"].astype(np.int32)
        M, K = a.shape
        G, _, N = b.shape
        dev = torch.device(os.environ.get("TWO_CALLS_DEVICE", "cuda"))  # cpu: plumbing test with a host library
        t = lambda x: torch.from_numpy(np.ascontiguousarray(x).view(np.int16)).to(dev)
        xa, xb, xg = t(a), t(b.reshape(G * K, N)), t(go)
        offs = torch.from_numpy(off).to(dev)
        ends = torch.arange(1, G + 1, dtype=torch.int32, device=dev) * K
        scratch = torch.zeros(max(G, 1), dtype=torch.int32, device=dev)
        jobs = [("a", xa, M, K, None, 1), ("grad_out", xg, M, N, None, 1), ("b", xb, G * K, N, ends, G),
                ("a_wgrad", xa, M, K, offs, G), ("grad_out_wgrad", xg, M, N, offs, G)]
        out = {}
        for name, x, rows, cols, o, groups in jobs:
            # Poisoned as hip/runner/runner.cpp poisons its outputs (0xA5 codes, 0xFFFFFFFF scales),
            # so that an element a kernel never writes is named as such, not left to chance.
            codes = torch.full((rows * cols,), 0xA5, dtype=torch.uint8, device=dev)
            scale = torch.full((groups,), -1, dtype=torch.int32, device=dev).view(torch.float32)
            rc = lib.fp8q_quantize_grouped(x.data_ptr(), rows, cols, None if o is None else o.data_ptr(), groups,
                                           rec, codes.data_ptr(), scale.data_ptr(), scratch.data_ptr(), None)
            if rc:
                raise SystemExit(f"two_calls: {fixture}: {name}: {lib.fp8q_error_name(rc).decode()}")
            if dev.type == "cuda":
                torch.cuda.synchronize()
            out[name] = (codes.cpu().numpy(), scale.cpu().numpy())
        dest = results / "extended" / f"{base}-two-calls" / f"{mutant}.h5"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fixture, dest)
        producer = names[0] + "-shared-scratch"
        with h5py.File(dest, "r+") as f:
            for n in list(f["results"]):
                del f["results"][n]
            g = f["results"].create_group(producer)
            for k, v in gattrs.items():
                g.attrs[k] = v
            g.attrs["producer"] = producer
            g.attrs["script"] = "scripts/mutation/two_calls.py"
            g.attrs["command"] = " ".join(["two_calls.py", lib_path, str(results), mutant, fixture])
            for name, (codes, scale) in out.items():
                for suffix, arr in (("_fp8", codes), ("_scale", scale)):
                    attrs, shape = dattrs[name + suffix]
                    d = g.create_dataset(name + suffix, data=arr.reshape(shape))
                    for k, v in attrs.items():
                        d.attrs[k] = v
        print(f"two_calls: {dest}: {producer}")


if __name__ == "__main__":
    main()
