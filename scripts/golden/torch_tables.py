#!/usr/bin/env python3
"""Golden FP8 tables from PyTorch `Tensor.to(torch.float8_*)`, on CPU or CUDA.

    python3 scripts/golden/torch_tables.py cpu  OUT.h5     (producer torch-cpu)
    python3 scripts/golden/torch_tables.py cuda OUT.h5     (producer torch-cuda)
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from writer import Golden, consistency, cpu_model, python_numpy_versions  # noqa: E402
from inputs import FORMAT_NAMES  # noqa: E402

SCRIPTS = ["scripts/golden/torch_tables.py", "scripts/golden/inputs.py", "scripts/golden/writer.py"]

# source -> (signed numpy view of the bit patterns, torch dtype of the source tensor)
SOURCE = {
    "f32": (np.int32, torch.float32, "torch.float32"),
    "bf16": (np.int16, torch.bfloat16, "torch.bfloat16"),
    "f16": (np.int16, torch.float16, "torch.float16"),
}


def main():
    dev, out = sys.argv[1], sys.argv[2]
    assert dev in ("cpu", "cuda")
    producer = f"torch-{dev}"
    g = Golden(producer, SCRIPTS,
               f"PyTorch eager casts on {dev.upper()}: a tensor of the source dtype (made by viewing "
               "the stored bit patterns, so NaN payloads are kept), .to(torch.float8_<fmt>), "
               "then .view(torch.uint8). Each table was also recomputed on x[1:] and on x "
               "reversed (attribute `consistency`).")
    for src, (npint, tdt, tname) in SOURCE.items():
        bits = g.inputs[src]
        for fmt in FORMAT_NAMES:
            dt_name = "float8_" + fmt
            dt = getattr(torch, dt_name, None)
            if dt is None:
                g.skip(src, fmt, f"torch {torch.__version__} has no torch.{dt_name}")
                continue
            call = (f"torch.from_numpy(bits.view(np.{npint.__name__}))"
                    + (".cuda()" if dev == "cuda" else "")
                    + f".view({tname}).to(torch.{dt_name}).view(torch.uint8).cpu()")

            def conv(b, dt=dt, npint=npint, tdt=tdt):
                t = torch.from_numpy(np.ascontiguousarray(b).view(npint))
                if dev == "cuda":
                    t = t.cuda()
                x = t.view(tdt)
                y = x.to(dt)
                assert y.dtype == dt and y.device == x.device
                r = y.view(torch.uint8).cpu()
                if dev == "cuda":
                    torch.cuda.synchronize()
                return r.numpy().copy()
            try:
                res, cons = consistency(conv, bits)
            except Exception as e:  # noqa: BLE001
                g.skip(src, fmt, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
                continue
            if not cons.startswith("ok"):
                g.note(f"{src}/{fmt}: {cons}")
            g.add(src, fmt, res, call, consistency=cons)
    sw = (f"{python_numpy_versions()}; torch {torch.__version__} (git {torch.version.git_version}); "
          f"torch.version.cuda {torch.version.cuda}")
    if dev == "cuda":
        name = torch.cuda.get_device_name()
        cap = torch.cuda.get_device_capability()
        device = f"{name} (sm_{cap[0]}{cap[1]})"
        try:
            import subprocess
            drv = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                                 capture_output=True, text=True, timeout=30).stdout.strip()
            sw += f"; NVIDIA driver {drv}"
        except Exception:  # noqa: BLE001
            pass
    else:
        try:
            capab = torch.backends.cpu.get_cpu_capability()
        except Exception:  # noqa: BLE001
            capab = "unknown"
        device = f"CPU: {cpu_model()} (torch cpu capability {capab})"
        sw += f"; torch threads {torch.get_num_threads()}"
    g.write(out, device=device, software=sw)


if __name__ == "__main__":
    main()
