#!/usr/bin/env python3
"""The HIP block-scaled kernels beside torchao's, on the GPU machine, in one process.

  python3 scripts/hip/block_peers.py --ao .peers-ao [--lib hip/build/nvidia/libfp8q.so]
        [--report FILE] [--bench-shape 98432x2048] [--device cuda|cpu] RESULT.h5 ...

Peers: torchao run from source (--ao: the folder holding its `torchao/` package; pytorch/ao at the
commit given by --ao-commit, extracted with `git archive`, never committed):
  mxfp8 1x32   eager `to_mx` (prototype/mx_formats/mx_tensor.py), FLOOR and RCEIL;
               Triton `triton_to_mxfp8_dim0` (prototype/mx_formats/kernels.py), FLOOR. torchao
               gates its Triton kernels to SM100 (`is_sm_at_least_100`); the gate is opened here
               for the import. Its RCEIL path emits `cvt.rp.ue8m0x2.f32`, a Blackwell-only PTX
               instruction: not run on Hopper.
  blockwise    Triton `triton_fp8_blockwise_act_quant_lhs` and its eager reference
  1x128        `torch_blockwise_scale_act_quant_lhs` (prototype/blockwise_fp8_training/kernels.py);
               both store 1 / scale (scale_convention `reciprocal`).

1. Byte comparison: for each RESULT.h5 (the HIP runner's output: /inputs plus the producers
   hip-<platform>-mxfp8-floor, -mxfp8-rceil, -blockwise) and each of its datasets (a, grad_out),
   the peers run on the same input: payload bytes and scale bits equal or not, mismatches counted
   by what the block holds (NaN, Inf, all zero, finite) with the first examples. Then the same at
   the benchmark shape on random data with specials (HIP through ctypes on libfp8q.so).
2. Benchmark at --bench-shape (CUDA only): `gpu_ms` of scripts/hip/bench.py (CUDA events, median,
   a GPU spin before each call, inputs rotating over sets larger than twice L2). % copy = (bytes
   model / time) / copy bandwidth (torch copy_, bytes read + written); bytes model: 2 B read +
   1 B written per element + the scales (1 B per 32 elements, 4 B per 128).

This is evidence for the lead, printed and written to --report: it judges nothing by itself. The
verdict on the committed fixtures is `fp8moe verify` (once it knows SPEC 8.3's recipes).
"""
import argparse
import ctypes
import datetime
import importlib.util
import os
import sys

import h5py
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
E8M0_NAN = 0xFF


# ------------------------------------------------------------------------------ torchao

def load_torchao(ao, device):
    """torchao's modules, with the SM100 gate of mx_formats/kernels.py opened for its import."""
    sys.path.insert(0, os.path.abspath(ao))
    import torchao.utils as tu
    saved = tu.is_sm_at_least_100, tu.is_cuda_version_at_least
    peers = {}
    try:
        if device == "cuda":
            tu.is_sm_at_least_100 = lambda: True
            tu.is_cuda_version_at_least = lambda *a, **k: True
        import torchao.prototype.mx_formats.kernels as mxk
    finally:
        tu.is_sm_at_least_100, tu.is_cuda_version_at_least = saved
    from torchao.prototype.mx_formats.config import ScaleCalculationMode
    from torchao.prototype.mx_formats.mx_tensor import to_mx  # an ImportError here ends the run: nothing to compare
    peers["to_mx"], peers["mode"] = to_mx, ScaleCalculationMode
    peers["mxk"] = mxk if device == "cuda" and getattr(mxk, "_triton_kernels_available", False) else None
    try:
        import torchao.prototype.blockwise_fp8_training.kernels as bwk
        peers["bwk"] = bwk
    except ImportError as e:  # needs triton
        print("blockwise kernels not importable:", e)
        peers["bwk"] = None
    return peers


def autotuners(peers):
    """torchao's autotuned Triton kernels that the peers launch: {name: Autotuner}."""
    found = {}
    if peers["mxk"] is not None:
        found["to_mxfp8_dim0_kernel"] = peers["mxk"].to_mxfp8_dim0_kernel
    if peers["bwk"] is not None and torch.cuda.is_available():
        found["triton_fp8_blockwise_act_quant_lhs_kernel"] = peers["bwk"].triton_fp8_blockwise_act_quant_lhs_kernel
    return found


def one_config(peers):
    """For the byte comparisons: one launch configuration per Triton kernel (the bytes do not
    depend on it; autotuning every column count would cost minutes of compiles). Returns the full
    lists, for the benchmark."""
    full = {}
    for name, k in autotuners(peers).items():
        full[name] = list(k.configs)
        k.configs = full[name][:1]
    return full


def all_configs(peers, full, limit):
    """Back to autotuning for the benchmark: the full lists (at most `limit` configurations each,
    taken evenly), the autotuner's cache cleared."""
    used = {}
    for name, k in autotuners(peers).items():
        configs = full[name]
        if len(configs) > limit:
            configs = [configs[round(i * (len(configs) - 1) / (limit - 1))] for i in range(limit)]
        k.configs = configs
        k.cache.clear()
        used[name] = f"{len(configs)} of {len(full[name])} configurations"
    return used


def u8(t):
    return t.contiguous().view(torch.uint8).cpu().numpy()


def f32(t):
    return t.contiguous().to(torch.float32).cpu().numpy()


def peer_outputs(peers, x, recipe):
    """{peer name: (payload uint8 [M,K], scales uint8 or float32 [M, K/block])} for one recipe; a
    peer that fails is reported and left out."""
    try:
        return _peer_outputs(peers, x, recipe)
    except Exception as e:  # a peer's failure is a finding, not the end of the run
        print(f"PEER FAILED ({recipe}, {list(x.shape)}): {type(e).__name__}: {e}", flush=True)
        return {}


def _peer_outputs(peers, x, recipe):
    out = {}
    if recipe in ("floor", "rceil"):
        mode = peers["mode"].FLOOR if recipe == "floor" else peers["mode"].RCEIL
        s, d = peers["to_mx"](x, torch.float8_e4m3fn, 32, mode)
        out["torchao to_mx eager"] = (u8(d), u8(s))
        if recipe == "floor" and peers["mxk"] is not None:
            d, s = peers["mxk"].triton_to_mxfp8_dim0(x, 32, "floor")
            out["torchao triton_to_mxfp8_dim0"] = (u8(d), u8(s))
    else:
        bwk = peers["bwk"]
        if bwk is not None:
            if x.is_cuda:
                y, s = bwk.triton_fp8_blockwise_act_quant_lhs(x, 128)
                out["torchao triton_fp8_blockwise_act_quant_lhs"] = (u8(y), f32(s))
            y, s = bwk.torch_blockwise_scale_act_quant_lhs(x, 128)
            out["torchao torch_blockwise_scale_act_quant_lhs"] = (u8(y), f32(s))
    return out


# ------------------------------------------------------------------------------ comparison

def block_kinds(bits, block):
    """Per block of `block` bf16 bit patterns: 'nan', 'inf', 'zero' or 'finite'."""
    b = bits.reshape(-1, block) & 0x7FFF
    kind = np.full(b.shape[0], "finite", dtype=object)
    kind[(b == 0).all(1)] = "zero"
    kind[(b == 0x7F80).any(1)] = "inf"
    kind[(b > 0x7F80).any(1)] = "nan"
    return kind


def compare(label, bits, block, hip, peer, lines):
    """Payload and scale bits of HIP vs a peer; appends table lines; returns mismatch count."""
    (hc, hs), (pc, ps) = hip, peer
    hc, pc = hc.reshape(-1), pc.reshape(-1)
    hs, ps = np.ascontiguousarray(hs).reshape(-1), np.ascontiguousarray(ps).reshape(-1)
    hsb = hs.view(np.uint32) if hs.dtype == np.float32 else hs
    psb = ps.view(np.uint32) if ps.dtype == np.float32 else ps
    kinds = block_kinds(bits.reshape(-1), block)
    bad_c = np.flatnonzero(hc != pc)
    bad_s = np.flatnonzero(hsb != psb) if hs.shape == ps.shape else np.arange(max(hs.size, ps.size))
    by_kind = {}
    for k in ("finite", "zero", "inf", "nan"):
        n_c = int((kinds[bad_c // block] == k).sum()) if bad_c.size else 0
        n_s = int((kinds[bad_s] == k).sum()) if bad_s.size and hs.shape == ps.shape else 0
        if n_c or n_s:
            by_kind[k] = (n_c, n_s)
    verdict = "identical" if not bad_c.size and not bad_s.size else "DIFFER"
    kinds_text = ", ".join(f"{k}: {c} bytes / {s} scales" for k, (c, s) in by_kind.items()) or "-"
    lines.append(f"| {label} | {hc.size} | {bad_c.size} | {hs.size} | {bad_s.size} | {kinds_text} | {verdict} |")
    print(f"{label}: payload {bad_c.size}/{hc.size} differ, scales {bad_s.size}/{hs.size} differ -> {verdict}", flush=True)
    fmt = (lambda v: f"0x{int(v):08X}") if hs.dtype == np.float32 else (lambda v: f"0x{int(v):02X}")
    for i in bad_s[:3]:
        blk = bits.reshape(-1)[i * block:(i + 1) * block]
        print(f"    scale[{i}] ({kinds[i]} block, amax bits 0x{int((blk & 0x7FFF).max()):04X}): hip {fmt(hsb[i])}, peer {fmt(psb[i])}")
    for i in bad_c[:3]:
        b = i // block
        print(f"    byte[{i}] x 0x{int(bits.reshape(-1)[i]):04X} ({kinds[b]} block, hip scale {fmt(hsb[b])}): hip 0x{int(hc[i]):02X}, peer 0x{int(pc[i]):02X}")
    return int(bad_c.size + bad_s.size)


def compare_file(path, peers, device, lines):
    total = 0
    with h5py.File(path, "r") as f:
        for prod in sorted(f.get("results", {})):
            g = f["results"][prod]
            recipe = g.attrs.get("recipe", b"")
            recipe = recipe.decode() if isinstance(recipe, bytes) else str(recipe)
            if recipe not in ("mxfp8", "blockwise"):
                continue
            mode = g.attrs.get("scale_mode", b"")
            mode = mode.decode() if isinstance(mode, bytes) else str(mode)
            key = mode if recipe == "mxfp8" else "blockwise"
            block = 32 if recipe == "mxfp8" else 128
            for name in ("a", "grad_out"):
                if name + "_fp8" not in g:
                    continue
                bits = f["inputs"][name][...]
                x = torch.from_numpy(bits.view(np.int16)).view(torch.bfloat16).to(device)
                hip = (g[name + "_fp8"][...], g[name + "_scale"][...])
                for peer, out in peer_outputs(peers, x, key).items():
                    total += compare(f"{os.path.basename(path)} {name} {list(bits.shape)} | {prod} | {peer}",
                                     bits, block, hip, out, lines)
    return total


# ------------------------------------------------------------------------------ HIP (ctypes)

class Recipe(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("amax_nan", ctypes.c_int), ("scale_compute", ctypes.c_int),
                ("pow2", ctypes.c_int), ("input_nan_to_num", ctypes.c_int)]


BLOCKWISE = Recipe(0, 0, 0, 0, 0)  # e4m3fn, propagate, fp64, no pow2, x as it is (torchao)


def load_hip(path):
    lib = ctypes.CDLL(path)
    P, I64, I = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
    lib.fp8q_quantize_mxfp8_1x32.argtypes = [P, I64, I64, I, P, P, P]
    lib.fp8q_quantize_blockwise_1x128.argtypes = [P, I64, I64, Recipe, I, P, P, P]
    lib.fp8q_error_name.restype = ctypes.c_char_p
    return lib


def hip_call(lib, kind, x, y, s):
    M, K = x.shape
    stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
    if kind == "blockwise":
        st = lib.fp8q_quantize_blockwise_1x128(x.data_ptr(), M, K, BLOCKWISE, 1, y.data_ptr(), s.data_ptr(), stream)
    else:
        st = lib.fp8q_quantize_mxfp8_1x32(x.data_ptr(), M, K, 0 if kind == "floor" else 1, y.data_ptr(), s.data_ptr(), stream)
    if st:
        raise RuntimeError(f"{kind}: {lib.fp8q_error_name(st).decode()}")


# ------------------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="*")
    ap.add_argument("--ao", default=os.path.join(HERE, "..", "..", ".peers-ao"))
    ap.add_argument("--ao-commit", default="36027d82d1ad9949597ea16002ff4940374b1b94")
    ap.add_argument("--lib", default=os.path.join(HERE, "..", "..", "hip", "build", "nvidia", "libfp8q.so"))
    ap.add_argument("--report", default=None)
    ap.add_argument("--bench-shape", default="98432x2048")
    ap.add_argument("--reps", type=int, default=40)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--autotune-limit", type=int, default=24,
                    help="at most this many of a Triton kernel's autotune configurations in the benchmark")
    args = ap.parse_args()

    peers = load_torchao(args.ao, args.device)
    env = [f"torch {torch.__version__}"]
    if args.device == "cuda":
        import triton
        env += [f"triton {triton.__version__}", torch.cuda.get_device_name(0),
                f"CUDA {torch.version.cuda}"]
    env.append(f"torchao from source: pytorch/ao {args.ao_commit} (git archive into {args.ao})")
    env.append("triton_to_mxfp8_dim0: " + ("run (SM100 gate opened)" if peers["mxk"] else "NOT available"))
    print("; ".join(env), flush=True)

    full = one_config(peers)
    lines = ["| input | producer | peer | bytes | differ | scales | differ | by block | verdict |",
             "|---|---|---|---:|---:|---:|---:|---|---|"]
    mismatches = 0
    for path in args.results:
        mismatches += compare_file(path, peers, args.device, lines)

    bench_lines = []
    if args.device == "cuda":
        bench = load_module(os.path.join(HERE, "bench.py"), "hip_bench")
        lib = load_hip(args.lib)
        M, K = (int(v) for v in args.bench_shape.split("x"))
        gen = torch.Generator().manual_seed(M * 131 + K)
        l2 = torch.cuda.get_device_properties(0).L2_cache_size
        sets = bench.make_sets(M, K, l2, gen)  # random normals with NaN, +-Inf planted
        s8 = [torch.empty(M, K // 32, dtype=torch.uint8, device="cuda") for _ in sets]
        s32 = [torch.empty(M, K // 128, dtype=torch.float32, device="cuda") for _ in sets]
        x0, y0 = sets[0]
        bits0 = x0.view(torch.int16).cpu().numpy().view(np.uint16)
        # Bytes at the benchmark shape.
        for kind, block, s in (("floor", 32, s8[0]), ("rceil", 32, s8[0]), ("blockwise", 128, s32[0])):
            hip_call(lib, kind, x0, y0, s)
            torch.cuda.synchronize()
            hip = (y0.cpu().numpy(), s.cpu().numpy())
            for peer, out in peer_outputs(peers, x0, kind).items():
                mismatches += compare(f"random {M}x{K} with NaN/Inf | hip {kind} | {peer}", bits0, block, hip, out, lines)
            torch.cuda.empty_cache()
        used = all_configs(peers, full, args.autotune_limit)
        print("autotuning for the benchmark:", used, flush=True)
        env.append("autotuned over " + "; ".join(f"{k}: {v}" for k, v in used.items()))
        bench_lines = run_bench(bench, lib, peers, sets, s8, s32, M, K, args.reps)

    text = report(args, env, lines, bench_lines)
    print(text)
    if args.report:
        with open(args.report, "w") as fh:
            fh.write(text)
    print(f"block_peers: {mismatches} mismatching bytes/scales in total (evidence; see the table)")
    return 0


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_bench(bench, lib, peers, sets, s8, s32, M, K, reps):
    n = M * K
    half = n // 2
    # The ceiling, as scripts/hip/bench.py measures it: a 1 GiB torch copy_ (bytes read + written).
    copy_bw, copy_ref_ms = bench.copy_bandwidth(1 << 30)
    copy_ms = bench.gpu_ms(lambda x, y: y.view(-1).view(torch.bfloat16)[:half].copy_(x.view(-1)[:half]), sets, reps)
    rows = [("copy at this shape (torch copy_, M*K bytes read + M*K written)", copy_ms, 2 * n)]
    mx_bytes, bw_bytes = 3 * n + n // 32, 3 * n + 4 * (n // 128)
    idx = {id(x): i for i, (x, _) in enumerate(sets)}

    Tuning = bench.Tuning  # fp8q_tuning, as the library has it
    lib.fp8q_get_tuning.argtypes = lib.fp8q_set_tuning.argtypes = [ctypes.POINTER(Tuning)]
    default = Tuning()
    lib.fp8q_get_tuning(ctypes.byref(default))
    for unroll in (4, 8):
        t = Tuning(*[getattr(default, f) for f, _ in Tuning._fields_])
        t.apply_unroll = unroll
        lib.fp8q_set_tuning(ctypes.byref(t))
        for kind, nbytes in (("floor", mx_bytes), ("rceil", mx_bytes), ("blockwise", bw_bytes)):
            scales = s32 if kind == "blockwise" else s8
            ms = bench.gpu_ms(lambda x, y, kind=kind, scales=scales: hip_call(lib, kind, x, y, scales[idx[id(x)]]), sets, reps)
            name = {"floor": "hip mxfp8 1x32 floor", "rceil": "hip mxfp8 1x32 rceil", "blockwise": "hip blockwise 1x128"}[kind]
            rows.append((f"{name} (unroll {unroll})", ms, nbytes))
            print(f"{name} unroll {unroll}: {ms:.4f} ms, {nbytes / (ms * 1e-3) / copy_bw * 100:.1f}% of copy", flush=True)
    lib.fp8q_set_tuning(ctypes.byref(default))
    timed = []
    if peers["mxk"] is not None:
        f = peers["mxk"].triton_to_mxfp8_dim0
        timed.append(("torchao triton_to_mxfp8_dim0 floor (autotuned)", lambda x, y: f(x, 32, "floor"), mx_bytes))
    if peers["bwk"] is not None:
        g = peers["bwk"].triton_fp8_blockwise_act_quant_lhs
        timed.append(("torchao triton_fp8_blockwise_act_quant_lhs (autotuned)", lambda x, y: g(x, 128), bw_bytes))
    for name, fn, nbytes in timed:
        try:
            ms = bench.gpu_ms(fn, sets, reps)
        except Exception as e:
            print(f"PEER FAILED in the benchmark: {name}: {type(e).__name__}: {e}", flush=True)
            continue
        rows.append((name, ms, nbytes))
        print(f"{name}: {ms:.4f} ms", flush=True)
    out = [f"copy bandwidth (torch copy_ of 1 GiB, bytes read + written, as scripts/hip/bench.py): "
           f"**{copy_bw / 1e12:.3f} TB/s** ({copy_ref_ms:.4f} ms)", "",
           f"| {M}x{K} bf16 | gpu ms | bytes model | TB/s | % of copy |", "|---|---:|---:|---:|---:|"]
    for name, ms, nbytes in rows:
        bw = nbytes / (ms * 1e-3)
        out.append(f"| {name} | {ms:.4f} | {nbytes / 1e6:.1f} MB | {bw / 1e12:.3f} | {bw / copy_bw * 100:.1f} |")
    return out


def report(args, env, lines, bench_lines):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = [f"# HIP block-scaled kernels beside torchao ({now})", "", "; ".join(env),
           f"commit {os.environ.get('FP8MOE_COMMIT', 'unknown')}; command: `python3 scripts/hip/block_peers.py {' '.join(sys.argv[1:])}`",
           "", "## Bytes", ""] + lines
    if bench_lines:
        out += ["", "## Benchmark (gpu_ms of scripts/hip/bench.py)", ""] + bench_lines
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
