#!/usr/bin/env python3
"""Golden FP8 tables from a Triton kernel on an NVIDIA GPU.

    python3 scripts/golden/triton_tables.py OUT.h5          (producer triton)

The kernel loads the source through a pointer of the source type (fp32, bf16,
fp16), converts with `x.to(tl.float8e4nv)` / `x.to(tl.float8e5)` (default
rounding, rtne) and stores the fp8 bits as uint8 via a bitcast.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import triton  # noqa: E402
import triton.language as tl  # noqa: E402

from writer import Golden, consistency, python_numpy_versions  # noqa: E402

SCRIPTS = ["scripts/golden/triton_tables.py", "scripts/golden/inputs.py", "scripts/golden/writer.py"]
BLOCK = 1024


@triton.jit
def cvt_e4m3fn_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(src_ptr + offs, mask=mask)
    y = x.to(tl.float8e4nv).to(tl.uint8, bitcast=True)
    tl.store(dst_ptr + offs, y, mask=mask)


@triton.jit
def cvt_e5m2_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(src_ptr + offs, mask=mask)
    y = x.to(tl.float8e5).to(tl.uint8, bitcast=True)
    tl.store(dst_ptr + offs, y, mask=mask)


# fnuz types: Triton names them float8e4b8 / float8e5b16; they are tried too, and an
# error (e.g. not supported on this target) is recorded in the file's `skipped` attribute.
@triton.jit
def cvt_e4m3fnuz_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(src_ptr + offs, mask=mask)
    y = x.to(tl.float8e4b8).to(tl.uint8, bitcast=True)
    tl.store(dst_ptr + offs, y, mask=mask)


@triton.jit
def cvt_e5m2fnuz_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(src_ptr + offs, mask=mask)
    y = x.to(tl.float8e5b16).to(tl.uint8, bitcast=True)
    tl.store(dst_ptr + offs, y, mask=mask)


KERNELS = {
    "e4m3fn": (cvt_e4m3fn_kernel, "x.to(tl.float8e4nv).to(tl.uint8, bitcast=True)"),
    "e5m2": (cvt_e5m2_kernel, "x.to(tl.float8e5).to(tl.uint8, bitcast=True)"),
    "e4m3fnuz": (cvt_e4m3fnuz_kernel, "x.to(tl.float8e4b8).to(tl.uint8, bitcast=True)"),
    "e5m2fnuz": (cvt_e5m2fnuz_kernel, "x.to(tl.float8e5b16).to(tl.uint8, bitcast=True)"),
}
SOURCE = {
    "f32": (np.int32, torch.float32, "fp32"),
    "bf16": (np.int16, torch.bfloat16, "bf16"),
    "f16": (np.int16, torch.float16, "fp16"),
}


def ptx_cvt_lines(compiled):
    try:
        ptx = compiled.asm["ptx"]
    except Exception as e:  # noqa: BLE001
        return f"unavailable ({type(e).__name__})"
    lines = sorted({re.sub(r"\s+", " ", ln.strip()) for ln in ptx.splitlines()
                    if re.match(r"\s*(cvt|prmt)\.", ln)})
    # keep the conversion-relevant instruction shapes (register names collapsed)
    shapes = sorted({re.sub(r"%[a-z]+\d+", "%r", ln) for ln in lines})
    return "\n".join(shapes)


def main():
    out = sys.argv[1]
    g = Golden("triton", SCRIPTS,
               "Triton kernel: x = tl.load(src_ptr + offs) with src_ptr a fp32/bf16/fp16 tensor "
               "(made by viewing the stored bit patterns), y = x.to(tl.float8e4nv) (e4m3fn) or "
               "x.to(tl.float8e5) (e5m2), default rounding (rtne), stored as "
               "y.to(tl.uint8, bitcast=True). Dataset attribute ptx_cvt lists the PTX instruction "
               "shapes Triton generated. fnuz casts (tl.float8e4b8 / tl.float8e5b16) were attempted "
               "too; see attribute `skipped` for any that Triton refused on this target.")
    # formats outer, sources inner: the standard formats run before the fnuz attempts
    for fmt, (kern, expr) in KERNELS.items():
        for src, (npint, tdt, tname) in SOURCE.items():
            bits = g.inputs[src]
            holder = {}

            def conv(b, kern=kern, npint=npint, tdt=tdt):
                x = torch.from_numpy(np.ascontiguousarray(b).view(npint)).cuda().view(tdt)
                n = x.numel()
                y = torch.full((n,), 0xA5, dtype=torch.uint8, device="cuda")  # poison
                grid = (triton.cdiv(n, BLOCK),)
                holder["k"] = kern[grid](x, y, n, BLOCK=BLOCK)
                torch.cuda.synchronize()
                return y.cpu().numpy().copy()
            try:
                res, cons = consistency(conv, bits)
            except Exception as e:  # noqa: BLE001
                msg = " ".join(str(e).split())
                g.skip(src, fmt, f"{expr} failed: {type(e).__name__}: {msg[:600]}")
                continue
            if not cons.startswith("ok"):
                g.note(f"{src}/{fmt}: {cons}")
            call = (f"@triton.jit kernel: x = tl.load(src_ptr + offs, mask=mask)  "
                    f"[src_ptr: {tname} tensor]; tl.store(dst_ptr + offs, {expr}, mask=mask)")
            g.add(src, fmt, res, call, consistency=cons, ptx_cvt=ptx_cvt_lines(holder.get("k")))
    for src in SOURCE:
        g.skip(src, "e8m0fnu", "triton.language has no e8m0 dtype to cast to "
               f"(float8 dtypes present: {sorted(n for n in dir(tl) if n.startswith('float8'))})")
    cap = torch.cuda.get_device_capability()
    device = f"{torch.cuda.get_device_name()} (sm_{cap[0]}{cap[1]})"
    sw = (f"{python_numpy_versions()}; triton {triton.__version__}; torch {torch.__version__}; "
          f"torch.version.cuda {torch.version.cuda}")
    g.write(out, device=device, software=sw)


if __name__ == "__main__":
    main()
