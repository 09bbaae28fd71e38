#!/usr/bin/env python3
"""The HIP grouped and dual-layout kernels once each, for a profiler (ncu) to read their counters.

  ncu --clock-control none --cache-control all --csv --metrics M1,M2 \\
      python3 scripts/hip/ncu_kernels.py [--lib hip/build/nvidia/libfp8q.so] [--shape 98432x2048] > ncu.csv
  python3 scripts/hip/ncu_kernels.py --summarize ncu.csv    # one line per kernel: time, DRAM bytes

Calls, in this order, with plain launches (fp8q_tuning.chain = 0, so that every kernel stands
alone): tensorwise (memset, grouped_amax_kernel, grouped_apply_kernel), then the dual layout with
both tiles (dual_tile 0, 1) and block orders (dual_order 0, 1): grouped_amax_kernel and
dual_apply_kernel<..., ROWS, COLS> each. Prints the call order, so that the profiler's rows (in
launch order) can be matched to the variants. Bytes are not checked here (scripts/hip/bench.py
checks every variant).
"""
import argparse
import csv
import os
import sys

UNITS = {"byte": 1, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9,
         "nsecond": 1e-9, "usecond": 1e-6, "msecond": 1e-3, "second": 1, "ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1,
         "%": 1}


def summarize(path):
    """One line per profiled kernel, in launch order, from ncu's CSV (--csv, the details page)."""
    lines = [l for l in open(path, encoding="utf-8", errors="replace") if l.startswith('"')]
    kernels = {}
    for row in csv.DictReader(lines):
        k = kernels.setdefault(row["ID"], {"name": row["Kernel Name"], "grid": row.get("Grid Size", "")})
        unit = row["Metric Unit"]
        k[row["Metric Name"]] = float(row["Metric Value"].replace(",", "")) * UNITS.get(unit, 1)
    print("| # | kernel | grid | us | DRAM read MB | DRAM write MB | TB/s | dram % peak | warps active % |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for i, k in sorted(kernels.items(), key=lambda kv: int(kv[0])):
        t = k.get("gpu__time_duration.sum", float("nan"))
        rd, wr = k.get("dram__bytes_read.sum", float("nan")), k.get("dram__bytes_write.sum", float("nan"))
        name = k["name"].split("(")[0].replace("fp8moe::", "")
        print(f"| {i} | {name} | {k['grid']} | {t * 1e6:.1f} | {rd / 1e6:.1f} | {wr / 1e6:.1f} | {(rd + wr) / t / 1e12:.3f} | "
              f"{k.get('dram__throughput.avg.pct_of_peak_sustained_elapsed', float('nan')):.1f} | "
              f"{k.get('sm__warps_active.avg.pct_of_peak_sustained_active', float('nan')):.1f} |")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--lib", default=os.path.join(here, "..", "..", "hip", "build", "nvidia", "libfp8q.so"))
    ap.add_argument("--shape", default="98432x2048")
    ap.add_argument("--summarize", metavar="NCU_CSV", help="print the table of an ncu CSV instead")
    args = ap.parse_args()
    if args.summarize:
        return summarize(args.summarize)
    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench  # (Hip, Tuning: the library's C interface)
    M, K = map(int, args.shape.split("x"))
    hip = bench.Hip(os.path.abspath(args.lib))
    x = torch.randn(M, K, device="cuda").to(torch.bfloat16)
    y = torch.empty(M, K, dtype=torch.uint8, device="cuda")
    y_t = torch.empty(K, M, dtype=torch.uint8, device="cuda")
    scale = torch.empty(1, device="cuda")
    amax = torch.empty(1, dtype=torch.int32, device="cuda")
    default = hip.get_tuning()
    hip.set_tuning(default.but(chain=0))
    hip.grouped(x, y, scale, amax)
    print("call 1: tensorwise (grouped_amax_kernel, grouped_apply_kernel)", flush=True)
    call = 2
    for tile in (0, 1):
        for order in (0, 1):
            hip.set_tuning(default.but(chain=0, dual_tile=tile, dual_order=order))
            hip.dual(x, y, y_t, scale, amax)
            print(f"call {call}: dual layout dual_tile={tile} dual_order={order} (grouped_amax_kernel, dual_apply_kernel)",
                  flush=True)
            call += 1
    torch.cuda.synchronize()
    hip.set_tuning(default)
    return 0


if __name__ == "__main__":
    sys.exit(main())
