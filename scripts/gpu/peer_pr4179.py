"""Peer producer: the kernels of pytorch/ao PR #4179 (tensorwise FP8 grouped GEMM for MoE), run
as they are, on the GPU.

Usage (on the GPU machine; scripts/gpu/pr4179.sh runs it):
    python3 scripts/gpu/peer_pr4179.py --commit bd79c46|3322d2f [--tree .peers/COMMIT] OUTDIR IN.h5...

For each IN.h5, OUTDIR/pr4179-<name>.h5 is IN's /inputs (python/fp8moe_fixture's copy_inputs;
made by the first commit's run, added to by the second) with one results group per kernel and
configuration, `/results/pr4179-<commit>-<kernel>[-<config>]`:

  bd79c46 (PR head, 2026-04-03):
    -2d                         triton_fp8_tensorwise_quantize_2d on a and grad_out (tensorwise,
                                atomic amax, scale fp32 in the kernel)
    -per-group-bs{2048,4096,8192,16384}
                                triton_fp8_tensorwise_per_group_quantize on a and grad_out (the
                                wgrad operands, per group along M), one autotune config forced
                                (NVIDIA's three, and 16384 from the AMD list); scale fp64 in torch
    -per-group-autotune         the same through the autotuner's first call (every config
                                benchmarked into one pre-zeroed amax buffer), for each operand
                                with the autotuner's cache cleared; the chosen configs recorded
    -gemm, -gemm-nofast         torch._scaled_grouped_mm wired as the PR's
                                _Float8TensorwiseGroupedMM wires it: out (a: 2-D kernel, b: the
                                caller's eager per-expert _fp8_tensorwise_quantize_3d), grad_a,
                                grad_b (per-group kernel, autotuned first call); use_fast_accum
                                1 (the PR's) and 0
  3322d2f (branch, 2026-05-21, "single scalar" revision):
    -2d                         triton_fp8_tensorwise_quantize_2d (staged amax, returns 1/scale)
    -dual                       triton_fp8_tensorwise_quantize_2d_dual_layout: row-major as a_fp8,
                                column-major as a_wgrad_fp8, checked to be the same bytes
    -3d                         the caller's _fp8_tensorwise_quantize_3d_single_scale, i.e. the
                                3-D dual-layout kernel of fp8_tensorwise_3d.py fed one amax for
                                the whole [G,K,N] weight (reduction tensorwise, SPEC 8.1)
    -gemm, -gemm-nofast         out, grad_a, grad_b wired as that commit's caller wires them

Each group carries full provenance (python/fp8moe_fixture) plus repo, commit, kernel, and what
the kernel's compiled PTX uses for the scale arithmetic and the cast (`ptx_ops`), and the SPEC
attributes declaring what the kernel computes. Scales are stored as the multiplier
fp8_max / amax in the shape the reduction gives ([1], [G]); where a kernel returns an expanded
copy ((M,), (E,N), (G*dim,)) or the reciprocal, the one value it computed is stored and the
dataset's `stored_from` attribute says how. Each GEMM group is also checked against the PR's own
autograd caller (_to_fp8_tensorwise_then_scaled_grouped_mm forward and backward), recorded in
`pr_caller_check`.

Kernel files are imported by path from the carried source tree (.peers/COMMIT, a `git archive`
of pytorch/ao at that commit, never committed here); the PR's callers through that tree's
torchao package (TORCHAO_FORCE_SKIP_LOADING_SO_FILES=1: no C extensions). Nothing in their
numerics is patched. `--interpret` runs the same on CPU under TRITON_INTERPRET=1, to smoke-test
this script without a GPU (its files are not results).
"""
import argparse
import importlib.util
import os
import re
import sys
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))

COMMITS = {
    "bd79c46": "bd79c460c106371090548d666331d7cfb8079280",
    "3322d2f": "3322d2f7435803e3d3d2c223ee79cd9f342f8a01",
}
KERNELS = "torchao/prototype/moe_training/kernels"
CALLER = "torchao.prototype.moe_training.fp8_tensorwise_grouped_mm"
BF16_MAX = (2 - 2 ** -7) * 2.0 ** 127


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--commit", required=True, choices=sorted(COMMITS))
    p.add_argument("--tree", help="the carried pytorch/ao source tree (default .peers/COMMIT)")
    p.add_argument("--interpret", action="store_true", help="CPU smoke test under TRITON_INTERPRET=1")
    p.add_argument("outdir")
    p.add_argument("inputs", nargs="+")
    return p.parse_args()


ARGS = parse()
if ARGS.interpret:
    os.environ["TRITON_INTERPRET"] = "1"
os.environ.setdefault("TORCHAO_FORCE_SKIP_LOADING_SO_FILES", "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import triton  # noqa: E402

import fp8moe_fixture as fx  # noqa: E402

if ARGS.interpret:
    import torch.utils._triton as _tu  # the kernel files define nothing where has_triton() is False
    _tu.has_triton = lambda: True

    def _cpu_scaled_grouped_mm(a, b, scale_a, scale_b, offs, out_dtype=torch.bfloat16, use_fast_accum=False):
        """Smoke tests only (torch has no CPU _scaled_grouped_mm): the shapes and scales the
        CUDA op takes, fp32 arithmetic."""
        ends = offs.tolist()
        starts = [0] + ends[:-1]
        if b.dim() == 3:  # 2d x 3d: rows of a grouped
            out = torch.zeros(a.shape[0], b.shape[2])
            for g, (s0, s1) in enumerate(zip(starts, ends)):
                out[s0:s1] = (a[s0:s1].float() * scale_a[s0:s1, None]) @ (b[g].float() * scale_b[g][None, :])
        else:  # 2d x 2d: the contraction (M) grouped
            n, k = a.shape[0], b.shape[1]
            out = torch.zeros(len(ends), n, k)
            for g, (s0, s1) in enumerate(zip(starts, ends)):
                out[g] = (a[:, s0:s1].float() * scale_a[g * n:(g + 1) * n, None]) @ (
                    b[s0:s1].float() * scale_b[g * k:(g + 1) * k][None, :])
        return out.to(out_dtype)
    torch._scaled_grouped_mm = _cpu_scaled_grouped_mm

DEV = "cpu" if ARGS.interpret else "cuda"
FP8 = torch.float8_e4m3fn
TREE = os.path.abspath(ARGS.tree or os.path.join(ROOT, ".peers", ARGS.commit))
COMMIT = ARGS.commit
FULL = COMMITS[COMMIT]


def first_line(e):
    return fx.first_line(e, 240)


# ---------------------------------------------------------------------------------------------
# Loading the PR's code


def load_caller():
    """The PR's caller module from the carried tree's torchao package, or (None, why)."""
    sys.path.insert(0, TREE)
    try:
        import importlib
        return importlib.import_module(CALLER), None
    except Exception as e:  # recorded, and the kernels are still run by path
        traceback.print_exc()
        return None, "torchao package at %s not importable here: %s" % (COMMIT, first_line(e))


CALLER_MOD, CALLER_WHY = load_caller()
if CALLER_MOD is None and "torchao.utils" not in sys.modules:
    # The kernel files import only torch, triton and torchao.utils.torch_version_at_least (an
    # import gate). Without the package, that one function is provided here.
    pkg = types.ModuleType("torchao")
    utils = types.ModuleType("torchao.utils")

    def torch_version_at_least(v):
        from packaging.version import parse as V
        return V(torch.__version__.split("+")[0]) >= V(v)
    utils.torch_version_at_least = torch_version_at_least
    pkg.utils = utils
    sys.modules["torchao"], sys.modules["torchao.utils"] = pkg, utils


def load_kernel(filename):
    path = os.path.join(TREE, KERNELS, filename)
    name = "pr4179_%s_%s" % (COMMIT, filename[:-3])
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def autotuners(mod):
    return {k: v for k, v in vars(mod).items() if isinstance(v, triton.runtime.Autotuner)}


def clear_autotune(*mods):
    """Forget every tuned config, so the next call is an autotuner's first call."""
    for m in mods:
        if m is None:
            continue
        for t in autotuners(m).values():
            t.cache.clear()
            if ARGS.interpret:  # no GPU timer: each config runs once, as a benchmark would run it
                t._do_bench = lambda call, quantiles: (call(), [1.0, 1.0, 1.0])[1]


def config_text(c):
    return ", ".join("%s=%s" % kv for kv in sorted(c.all_kwargs().items()) if kv[1] is not None)


def ptx_ops(mod):
    """What the compiled PTX of each of the module's kernels uses for division, reciprocal,
    log2, exp2 and the fp8 cast (the scale arithmetic the SPEC attributes declare)."""
    out = []
    for name, obj in sorted(vars(mod).items()):
        if not isinstance(obj, (triton.runtime.Autotuner, triton.runtime.JITFunction)):
            continue
        jit = obj
        while isinstance(jit, triton.runtime.Autotuner):
            jit = jit.fn
        if not hasattr(jit, "device_caches"):
            continue
        ops = {}
        for caches in list(jit.device_caches.values()):
            for kernel in list(caches[0].values()):
                ptx = getattr(kernel, "asm", {}).get("ptx", "")
                for op in re.findall(r"\b((?:div|rcp|lg2|ex2)\.[a-z0-9.]+|cvt\.[a-z0-9.]*e4m3[a-z0-9.]*|(?:max|min)\.[a-zA-Z0-9.]*f32)", ptx):
                    ops[op] = ops.get(op, 0) + 1
        if ops:
            out.append("%s: %s" % (name, ", ".join("%s x%d" % kv for kv in sorted(ops.items()))))
    return "; ".join(out) if out else "unavailable (no compiled PTX: interpreter, or nothing compiled)"


# ---------------------------------------------------------------------------------------------
# Values


def u8(t):
    return t.contiguous().view(torch.uint8)


def one_value(t, what):
    """The single value an expanded scale tensor holds; raises if its copies differ."""
    flat = t.reshape(-1).float().contiguous()
    bits = flat.view(torch.int32)
    n = int((bits != bits[:1]).sum())
    if n:
        raise RuntimeError("%s: %d of %d expanded copies differ from the first" % (what, n, flat.numel()))
    return flat[0]


def multiplier_from_reciprocal(inv):
    """The multiplier a kernel used, from the 1/scale it returned: exact when it is a power of
    two (a pow2 scale's reciprocal is one), said so in the returned note."""
    m = 1.0 / inv.double()
    mant, _ = np.frexp(float(m))
    exact = mant == 0.5
    return m.float().reshape(1), "1 / the kernel's inverse scale (%s)" % (
        "exact: a power of two" if exact else "NOT a power of two: rounded to fp32")


def per_group_values(flat, groups, dim, what):
    s = flat.reshape(groups, dim)
    n = int((s != s[:, :1]).sum())
    if n:
        raise RuntimeError("%s: %d expanded copies differ within a group" % (what, n))
    return s[:, 0].contiguous()


# ---------------------------------------------------------------------------------------------
# Writing


SPEC_COMMON = dict(fp8_format="e4m3fn", amax_nan="nan_to_num", input_nan_to_num=1, scale_pow2=1,
                   cast_policy="satfinite", nan_arith="canonical")


def provenance_attrs(kernel, extra=None):
    a = dict(repo="pytorch/ao", pr="pytorch/ao#4179", commit=FULL, kernel=kernel,
             source="%s (git archive of pytorch/ao at %s, carried to the GPU machine, not part of this repository); "
                    "kernel files imported by path, callers through that tree's torchao package; numerics untouched" % (
                        os.path.relpath(TREE, ROOT), COMMIT),
             torchao_tree="pytorch/ao @ %s, Python sources only (TORCHAO_FORCE_SKIP_LOADING_SO_FILES=1)" % FULL)
    if DEV == "cuda":
        cap = torch.cuda.get_device_capability()
        a["compute_capability"] = "sm_%d%d" % cap
    else:
        a["interpreted"] = "TRITON_INTERPRET=1 on CPU: a smoke test of the script, not results"
    a.update(extra or {})
    return a


def Group(f, name, **attrs):
    """One results group, written as datasets come; a failing step is recorded, not hidden
    (fp8moe_fixture.ResultGroup)."""
    return fx.ResultGroup(f, name, after_step=torch.cuda.synchronize if DEV == "cuda" else None,
                          error_chars=240, label_width=36, skipped_prefix="  SKIPPED ", **attrs)


def wgrad_refusal(x):
    """torch._scaled_grouped_mm's wgrad form (2d x 2d, grouped along the contraction) asserts on
    the device, not in Python, for a group whose size is not a multiple of 16
    (GroupMMCommon.cuh:64, torch 2.11), and a device-side assert ends the process's CUDA context
    (seen on single-expert-e5m2.h5, offsets 0, 0, 60, 60). Such inputs are not sent to it."""
    ends = [int(o) for o in x.offs.tolist()]
    sizes = [e - s for s, e in zip([0] + ends[:-1], ends)]
    bad = [s for s in sizes if s % 16]
    if bad:
        raise RuntimeError("not called: group sizes %s are not multiples of 16, for which the 2d x 2d "
                           "torch._scaled_grouped_mm asserts on the device (GroupMMCommon.cuh:64) and "
                           "ends the CUDA context" % sizes)


def put_rows_gemm(g, name, y, x, fast):
    """A GEMM output over rows (out, grad_a). Rows at and beyond offsets[G-1] belong to no group
    and _scaled_grouped_mm leaves them unwritten (whatever torch.empty held): they are set to 0
    here, so the file is deterministic, and said so."""
    attrs = {"use_fast_accum": int(fast)}
    end = int(x.offs[-1]) if x.G else 0
    if end < y.shape[0]:
        y = y.clone()
        y[end:] = 0
        attrs["rows_outside_groups"] = ("rows %d..%d (beyond offsets[G-1]) set to 0 by the peer script: "
                                        "the GEMM leaves them unwritten" % (end, y.shape[0] - 1))
    g.put(name, y, **attrs)


def put_payload(g, operand, q, reduction, **attrs):
    g.put(operand + "_fp8", q.view(torch.uint8), dtype="float8_e4m3fn", reduction=reduction, **attrs)


def put_scale(g, operand, s, reduction, **attrs):
    g.put(operand + "_scale", s.float().reshape(-1), reduction=reduction, **attrs)


# ---------------------------------------------------------------------------------------------
# Inputs


class Inputs:
    def __init__(self, path):
        t = fx.load_inputs(path, device=DEV)
        self.a = t["a"].contiguous()
        self.b = t["b"].contiguous()  # [G, K, N] row-major
        self.offs = t["offsets"].to(torch.int32).contiguous()
        self.grad_out = t.get("grad_out")
        self.G, self.K, self.N = self.b.shape
        self.M = self.a.shape[0]
        # The PR's B_t: (E, K, N) column-major per expert (strides K*N, 1, K), same values.
        self.b_cm = self.b.transpose(-2, -1).contiguous().transpose(-2, -1)

    def operands2d(self):
        out = [("a", self.a)]
        if self.grad_out is not None:
            out.append(("grad_out", self.grad_out.contiguous()))
        return out


# ---------------------------------------------------------------------------------------------
# bd79c46


def run_bd79c46(f, x, mods):
    k2d, kpg = mods["2d"], mods["per_group"]
    kernel2d = "%s/fp8_tensorwise_2d.py: triton_fp8_tensorwise_quantize_2d" % KERNELS
    kernelpg = "%s/fp8_tensorwise_per_group.py: triton_fp8_tensorwise_per_group_quantize" % KERNELS
    groups = []

    # 2-D kernel: tensorwise on a and grad_out.
    g = Group(f, "pr4179-bd79c46-2d", **provenance_attrs(kernel2d), recipe="tensorwise", scale_compute="fp32",
              **SPEC_COMMON)
    results2d = {}
    for name, t in x.operands2d():
        def do(name=name, t=t):
            clear_autotune(k2d)
            q, s = k2d.triton_fp8_tensorwise_quantize_2d(t, FP8, round_scales_to_power_of_2=True)
            results2d[name] = (q, s)
            chosen = {k: config_text(v.best_config) for k, v in autotuners(k2d).items()}
            put_payload(g, name, q, "tensorwise", autotune_first_call=1,
                        autotune_chosen="; ".join("%s: %s" % kv for kv in sorted(chosen.items())))
            put_scale(g, name, one_value(s, name + " scale"), "tensorwise",
                      stored_from="the one value of the (M,) scale_expanded the kernel returned (block 0's scale_buf)")
        g.attempt(name, do)
    groups.append((g, "2d"))

    # Per-group kernel, each config forced alone.
    original = {k: list(v.configs) for k, v in autotuners(kpg).items()}
    forced = {2048: (4, 4), 4096: (4, 4), 8192: (4, 4), 16384: (8, 2)}  # (num_warps, num_stages) as listed
    pg_autotuned = {}
    for bs, (warps, stages) in forced.items():
        source = "NVIDIA autotune list" if bs != 16384 else "AMD (torch.version.hip) autotune list, num_warps=8 num_stages=2"
        g = Group(f, "pr4179-bd79c46-per-group-bs%d" % bs, **provenance_attrs(kernelpg), recipe="per_group",
                  scale_compute="fp64", block_size=bs, num_warps=warps, num_stages=stages,
                  config_source=source, **SPEC_COMMON)
        for name, t in x.operands2d():
            dim = x.K if name == "a" else x.N

            def do(name=name, t=t, dim=dim):
                for tuner in autotuners(kpg).values():
                    tuner.configs = [triton.Config({"BLOCK_SIZE": bs}, num_warps=warps, num_stages=stages)]
                    tuner.cache.clear()
                q, s = kpg.triton_fp8_tensorwise_per_group_quantize(t, x.offs, FP8, dim, round_scales_to_power_of_2=True)
                put_payload(g, name + "_wgrad", q, "per_group")
                put_scale(g, name + "_wgrad", per_group_values(s, x.G, dim, name), "per_group",
                          stored_from="one value per group of the (G*%d,) scales_flat the wrapper returned" % dim)
            g.attempt(name, do)
        for k, tuner in autotuners(kpg).items():
            tuner.configs = original[k]
            tuner.cache.clear()
        groups.append((g, "per_group"))

    # Per-group kernel through the autotuner's first call.
    g = Group(f, "pr4179-bd79c46-per-group-autotune", **provenance_attrs(kernelpg), recipe="per_group",
              scale_compute="fp64", autotune="first call: the autotuner's cache cleared before each operand, so "
              "every config in the list (%s) is benchmarked on the real arguments, into the one pre-zeroed "
              "group_amax buffer, before the chosen config runs" % ", ".join(
                  str(c.kwargs["BLOCK_SIZE"]) for c in kpg._fp8_per_group_amax_kernel.configs), **SPEC_COMMON)
    for name, t in x.operands2d():
        dim = x.K if name == "a" else x.N

        def do(name=name, t=t, dim=dim):
            clear_autotune(kpg)
            q, s = kpg.triton_fp8_tensorwise_per_group_quantize(t, x.offs, FP8, dim, round_scales_to_power_of_2=True)
            pg_autotuned[name] = (q, s, dim)
            amax_t, quant_t = kpg._fp8_per_group_amax_kernel, kpg._fp8_per_group_quantize_kernel
            timings = "; ".join("BLOCK_SIZE %d: %.4f ms" % (c.kwargs["BLOCK_SIZE"], v[0] if isinstance(v, (list, tuple)) else v)
                                for c, v in getattr(amax_t, "configs_timings", {}).items())
            put_payload(g, name + "_wgrad", q, "per_group",
                        autotune_amax_block_size=amax_t.best_config.kwargs["BLOCK_SIZE"],
                        autotune_quantize_block_size=quant_t.best_config.kwargs["BLOCK_SIZE"],
                        autotune_amax_chosen=config_text(amax_t.best_config),
                        autotune_quantize_chosen=config_text(quant_t.best_config),
                        autotune_amax_timings=timings or "unavailable")
            put_scale(g, name + "_wgrad", per_group_values(s, x.G, dim, name), "per_group",
                      stored_from="one value per group of the (G*%d,) scales_flat the wrapper returned" % dim)
        g.attempt(name, do)
    groups.append((g, "per_group"))

    # GEMMs as _Float8TensorwiseGroupedMM (bd79c46) wires them.
    for fast in (True, False):
        g = Group(f, "pr4179-bd79c46-gemm" + ("" if fast else "-nofast"),
                  **provenance_attrs("torch._scaled_grouped_mm on the operands of %s._Float8TensorwiseGroupedMM "
                                     "(forward and backward), wired as there" % CALLER),
                  recipe="tensorwise", use_fast_accum=int(fast),
                  pr_use_fast_accum="1 (the PR's caller passes use_fast_accum=True)" if fast else
                  "0 here; the PR's caller passes True", **SPEC_COMMON)
        g.attempt("out/grad_a/grad_b", lambda g=g, fast=fast: gemm_bd79c46(g, x, results2d, pg_autotuned, fast))
        groups.append((g, "both"))

    ops = {"2d": ptx_ops(k2d), "per_group": ptx_ops(kpg)}
    ops["both"] = ops["2d"] + "; " + ops["per_group"]
    for g, which in groups:
        g.finish(ptx_ops=ops[which])


def gemm_bd79c46(g, x, results2d, pg, fast):
    if CALLER_MOD is None:
        raise RuntimeError("b needs the caller's _fp8_tensorwise_quantize_3d: " + CALLER_WHY)
    smm = torch._scaled_grouped_mm
    bf16 = torch.bfloat16
    qa, sa = results2d["a"]
    # The caller's eager per-expert quantization of B_t (torch ops: nan_to_num, amax per expert,
    # amax_to_scale in fp64 with pow2 rounding, a bf16 multiply, clamp, .to(float8)).
    qb, sb = CALLER_MOD._fp8_tensorwise_quantize_3d(x.b_cm, FP8)  # (E,K,N) col-major, (E,N)
    eager = dict(scale_compute="fp64", cast_policy="nosat",
                 kernel_b="%s._fp8_tensorwise_quantize_3d (torch eager; tensor_clean * scale.to(bf16): "
                          "exact for a power-of-two scale; to_fp8_saturated = clamp, then .to(float8))" % CALLER)
    out = smm(qa, qb, sa.reciprocal(), sb.reciprocal(), x.offs, out_dtype=bf16, use_fast_accum=fast)
    put_payload(g, "a", qa, "tensorwise", scale_compute="fp32")
    put_scale(g, "a", one_value(sa, "a scale"), "tensorwise", scale_compute="fp32")
    put_payload(g, "b", qb, "per_expert", **eager)
    put_scale(g, "b", per_group_values(sb.reshape(-1), x.G, x.N, "b"), "per_expert", **eager,
              stored_from="one value per expert of the (E,N) scale the caller returned")
    put_rows_gemm(g, "out", out, x, fast)
    g.r.attrs(inf_rows_out=inf_rows(x.a, out, qa, 1 / one_value(sa, "a"), qb, 1 / sb[:, :1, None].float(), x))
    if x.grad_out is not None:
        qg, sg = results2d["grad_out"]
        b_data_col_major = qb.contiguous().transpose(-2, -1)
        b_scales_expanded = sb[:, 0:1].expand(-1, x.K).contiguous()

        def dgrad():
            grad_a = smm(qg, b_data_col_major, sg.reciprocal(), b_scales_expanded.reciprocal(), x.offs,
                         out_dtype=bf16, use_fast_accum=fast)
            put_payload(g, "grad_out", qg, "tensorwise", scale_compute="fp32")
            put_scale(g, "grad_out", one_value(sg, "grad_out scale"), "tensorwise", scale_compute="fp32")
            put_payload(g, "b_t", qb, "per_expert", **eager)  # the same bytes, read transposed
            put_scale(g, "b_t", per_group_values(sb.reshape(-1), x.G, x.N, "b_t"), "per_expert", **eager)
            put_rows_gemm(g, "grad_a", grad_a, x, fast)
        g.attempt("grad_a", dgrad)

        def wgrad():
            if "a" not in pg or "grad_out" not in pg:
                raise RuntimeError("the per-group kernel did not run")
            wgrad_refusal(x)
            (qaw, saw, _), (qgw, sgw, _) = pg["a"], pg["grad_out"]
            go_cm = torch.empty(x.N, x.M, dtype=FP8, device=qgw.device).t()
            go_cm.copy_(qgw)
            a_cm = torch.empty(x.K, x.M, dtype=FP8, device=qaw.device).t()
            a_cm.copy_(qaw)
            grad_b = smm(go_cm.t(), a_cm, sgw.reciprocal(), saw.reciprocal(), x.offs, out_dtype=bf16,
                         use_fast_accum=fast)
            put_payload(g, "a_wgrad", qaw, "per_group", scale_compute="fp64")
            put_scale(g, "a_wgrad", per_group_values(saw, x.G, x.K, "a_wgrad"), "per_group", scale_compute="fp64")
            put_payload(g, "grad_out_wgrad", qgw, "per_group", scale_compute="fp64")
            put_scale(g, "grad_out_wgrad", per_group_values(sgw, x.G, x.N, "grad_out_wgrad"), "per_group",
                      scale_compute="fp64")
            g.put("grad_b", grad_b.transpose(-2, -1), use_fast_accum=int(fast),
                  wgrad_operands="the per-group kernel's outputs through the autotuner's first call "
                                 "(as group pr4179-bd79c46-per-group-autotune)")
        g.attempt("grad_b", wgrad)
    if fast:
        g.r.attrs(pr_caller_check=caller_check(g, x))


# ---------------------------------------------------------------------------------------------
# 3322d2f


def run_3322d2f(f, x, mods):
    k2d, k3d = mods["2d"], mods["3d"]
    kernel2d = "%s/fp8_tensorwise_2d.py" % KERNELS
    groups = []

    g = Group(f, "pr4179-3322d2f-2d", **provenance_attrs(kernel2d + ": triton_fp8_tensorwise_quantize_2d"),
              recipe="tensorwise", scale_compute="fp32", **SPEC_COMMON)
    for name, t in x.operands2d():
        def do(name=name, t=t):
            clear_autotune(k2d)
            q, inv = k2d.triton_fp8_tensorwise_quantize_2d(t, FP8, round_scales_to_power_of_2=True)
            m, how = multiplier_from_reciprocal(one_value(inv, name + " inverse scale"))
            put_payload(g, name, q, "tensorwise")
            put_scale(g, name, m, "tensorwise", stored_from=how + "; the kernel returns (M,) copies of 1/scale")
        g.attempt(name, do)
    groups.append(g)

    dual = {}
    g = Group(f, "pr4179-3322d2f-dual", **provenance_attrs(kernel2d + ": triton_fp8_tensorwise_quantize_2d_dual_layout"),
              recipe="tensorwise", scale_compute="fp32", **SPEC_COMMON)
    checks = []
    for name, t in x.operands2d():
        def do(name=name, t=t):
            clear_autotune(k2d)
            row, col, inv = k2d.triton_fp8_tensorwise_quantize_2d_dual_layout(t, FP8, round_scales_to_power_of_2=True)
            dual[name] = (row, col, inv)
            col_is_cm = tuple(col.stride()) == (1, t.shape[0])
            differ = int((u8(col.t().contiguous()) != u8(row.t().contiguous())).sum())  # (K,M) storage vs row^T
            checks.append("%s: column-major output %s the exact transpose of the row-major one (%d bytes differ; "
                          "strides %s)" % (name, "is" if differ == 0 and col_is_cm else "is NOT", differ, tuple(col.stride())))
            m, how = multiplier_from_reciprocal(one_value(inv, name + " inverse scale"))
            put_payload(g, name, row, "tensorwise", layout="row-major output")
            put_scale(g, name, m, "tensorwise", stored_from=how)
            put_payload(g, name + "_wgrad", col, "tensorwise",
                        layout="column-major output (the caller's wgrad operand), stored in logical [M,%d] order" % t.shape[1],
                        col_major_equals_transpose=int(differ == 0 and col_is_cm), col_major_bytes_differing=differ)
            put_scale(g, name + "_wgrad", m, "tensorwise", stored_from=how)
        g.attempt(name, do)
    g.r.attrs(col_major_check="; ".join(checks) or "not run")
    groups.append(g)

    b3 = {}
    g = Group(f, "pr4179-3322d2f-3d", **provenance_attrs(
        "%s/fp8_tensorwise_3d.py: _fp8_tensorwise_3d_dual_layout_quantize_kernel, launched by %s."
        "_fp8_tensorwise_quantize_3d_single_scale (one amax for the whole [G,K,N] weight, expanded to every expert)"
        % (KERNELS, CALLER)), recipe="tensorwise", scale_compute="fp32", **SPEC_COMMON)

    def do3d():
        clear_autotune(k3d, *package_kernels())
        if ARGS.interpret and CALLER_MOD is not None:
            # The interpreter cannot run this kernel's K loop (range over a runtime int): the
            # smoke test takes the caller's own PyTorch fallback, to exercise the wiring only.
            CALLER_MOD._USE_TRITON_3D = False
        if CALLER_MOD is not None:
            fwd, fwd_inv, rhs, rhs_inv = CALLER_MOD._fp8_tensorwise_quantize_3d_single_scale(x.b_cm, FP8)
            launcher = "the PR's caller"
        else:
            fwd, fwd_inv, rhs, rhs_inv = launch_3d(k2d, k3d, x.b_cm)
            launcher = "this script, with the caller's arguments (%s)" % CALLER_WHY
        b3["v"] = (fwd, fwd_inv, rhs, rhs_inv)
        inv = one_value(torch.cat([fwd_inv.reshape(-1), rhs_inv.reshape(-1)]), "b inverse scales")
        m, how = multiplier_from_reciprocal(inv)
        rhs_logical = rhs.transpose(-2, -1)  # (E,N,K) col-major -> logical [G,K,N]
        differ = int((u8(rhs_logical.contiguous()) != u8(fwd.contiguous())).sum())
        put_payload(g, "b", fwd, "tensorwise", layout="forward RHS (E,K,N) column-major, stored in logical [G,K,N] order")
        put_scale(g, "b", m, "tensorwise", stored_from=how + "; the kernel writes (E,N) copies of 1/scale")
        put_payload(g, "b_t", rhs_logical, "tensorwise",
                    layout="dgrad RHS (E,N,K) column-major, stored transposed back to logical [G,K,N]",
                    same_bytes_as_b=int(differ == 0), bytes_differing_from_b=differ)
        put_scale(g, "b_t", m, "tensorwise", stored_from=how + "; the kernel writes (E,K) copies of 1/scale")
        g.r.attrs(launcher=launcher)
    g.attempt("b", do3d)
    groups.append(g)

    for fast in (True, False):
        g = Group(f, "pr4179-3322d2f-gemm" + ("" if fast else "-nofast"),
                  **provenance_attrs("torch._scaled_grouped_mm on the operands of %s._Float8TensorwiseGroupedMM "
                                     "(forward and backward), wired as there" % CALLER),
                  recipe="tensorwise", scale_compute="fp32", use_fast_accum=int(fast),
                  pr_use_fast_accum="1 (the PR's caller passes use_fast_accum=True)" if fast else
                  "0 here; the PR's caller passes True", **SPEC_COMMON)
        g.attempt("out/grad_a/grad_b", lambda g=g, fast=fast: gemm_3322d2f(g, x, dual, b3, fast))
        groups.append(g)

    ops = "%s; %s" % (ptx_ops(k2d), ptx_ops(k3d))
    for g in groups:
        g.finish(ptx_ops=ops)


def launch_3d(k2d, k3d, t):
    """Only where the caller cannot be imported: the 3-D kernel launched with the arguments
    _fp8_tensorwise_quantize_3d_single_scale passes (3322d2f), written out here."""
    E, K, N = t.shape
    fwd = torch.empty((E, K, N), dtype=FP8, device=t.device).as_strided((E, K, N), (K * N, 1, K))
    rhs = torch.empty((E, N, K), dtype=FP8, device=t.device).as_strided((E, N, K), (N * K, 1, N))
    amax = k2d.triton_fp8_tensorwise_amax(t)
    expert_amax = amax.expand(E).contiguous()
    fwd_inv = torch.empty(E, N, dtype=torch.float32, device=t.device)
    rhs_inv = torch.empty(E, K, dtype=torch.float32, device=t.device)
    grid = lambda meta: (E, triton.cdiv(N, meta["BLOCK_SIZE_N"]))  # noqa: E731
    k3d._fp8_tensorwise_3d_dual_layout_quantize_kernel[grid](
        t, t.stride(0), t.stride(1), t.stride(2), fwd, fwd.stride(0), fwd.stride(1), fwd.stride(2),
        rhs, rhs.stride(0), rhs.stride(1), rhs.stride(2), expert_amax, fwd_inv, rhs_inv, E, K, N,
        torch.finfo(FP8).min, torch.finfo(FP8).max, k3d.FP8_DTYPE_MAP[FP8], True,
        INPUT_DTYPE_MAX=torch.finfo(t.dtype).max, EPS=k3d.EPS)
    return fwd, fwd_inv, rhs, rhs_inv


def gemm_3322d2f(g, x, dual, b3, fast):
    smm = torch._scaled_grouped_mm
    bf16 = torch.bfloat16
    if "a" not in dual or "v" not in b3:
        raise RuntimeError("the dual-layout or 3-D quantization did not run")
    qa, qa_cm, ia = dual["a"]
    fwd, fwd_inv, rhs, rhs_inv = b3["v"]
    ma, how_a = multiplier_from_reciprocal(one_value(ia, "a"))
    mb, how_b = multiplier_from_reciprocal(one_value(fwd_inv, "b"))
    out = smm(qa, fwd, ia, fwd_inv, x.offs, out_dtype=bf16, use_fast_accum=fast)
    put_payload(g, "a", qa, "tensorwise")
    put_scale(g, "a", ma, "tensorwise", stored_from=how_a)
    put_payload(g, "b", fwd, "tensorwise")
    put_scale(g, "b", mb, "tensorwise", stored_from=how_b)
    put_rows_gemm(g, "out", out, x, fast)
    g.r.attrs(inf_rows_out=inf_rows(x.a, out, qa, one_value(ia, "a"), fwd, one_value(fwd_inv, "b"), x))
    if x.grad_out is not None and "grad_out" in dual:
        qg, qg_cm, ig = dual["grad_out"]
        mg, how_g = multiplier_from_reciprocal(one_value(ig, "grad_out"))

        def dgrad():
            grad_a = smm(qg, rhs, ig, rhs_inv, x.offs, out_dtype=bf16, use_fast_accum=fast)
            put_payload(g, "grad_out", qg, "tensorwise")
            put_scale(g, "grad_out", mg, "tensorwise", stored_from=how_g)
            put_payload(g, "b_t", rhs.transpose(-2, -1), "tensorwise")
            put_scale(g, "b_t", mb, "tensorwise", stored_from=how_b)
            put_rows_gemm(g, "grad_a", grad_a, x, fast)
        g.attempt("grad_a", dgrad)

        def wgrad():
            wgrad_refusal(x)
            grad_b = smm(qg_cm.t(), qa_cm, ig[:1].expand(x.G * x.N).contiguous(), ia[:1].expand(x.G * x.K).contiguous(),
                         x.offs, out_dtype=bf16, use_fast_accum=fast)
            put_payload(g, "a_wgrad", qa_cm, "tensorwise", layout="the dual kernel's column-major output")
            put_scale(g, "a_wgrad", ma, "tensorwise", stored_from=how_a)
            put_payload(g, "grad_out_wgrad", qg_cm, "tensorwise", layout="the dual kernel's column-major output")
            put_scale(g, "grad_out_wgrad", mg, "tensorwise", stored_from=how_g)
            g.put("grad_b", grad_b.transpose(-2, -1), use_fast_accum=int(fast))
        g.attempt("grad_b", wgrad)
    if fast:
        g.r.attrs(pr_caller_check=caller_check(g, x))


# ---------------------------------------------------------------------------------------------
# Checks and observations


def package_kernels():
    return [m for k, m in sys.modules.items() if k.startswith("torchao.prototype.moe_training.kernels.")]


def caller_check(g, x):
    """Run the PR's own autograd path (forward, then backward with grad_out) and compare its
    out, grad_A and grad_B bit for bit with what this group holds."""
    if CALLER_MOD is None:
        return "not run: " + CALLER_WHY
    try:
        clear_autotune(*package_kernels())
        A = x.a.clone().requires_grad_()
        Bt = x.b_cm.clone().requires_grad_()
        out = CALLER_MOD._to_fp8_tensorwise_then_scaled_grouped_mm(A, Bt, x.offs, out_dtype=torch.bfloat16,
                                                                   float8_dtype=FP8)
        got = {"out": out}
        try:
            wgrad_refusal(x)
            backward = True
        except RuntimeError as e:
            backward, why = False, str(e)
        if x.grad_out is not None and not backward:
            got["backward"] = None
        elif x.grad_out is not None:
            out.backward(x.grad_out)
            got["grad_a"], got["grad_b"] = A.grad, Bt.grad
        parts = []
        for name, t in got.items():
            if t is None:
                parts.append("backward " + why)
                continue
            if name not in g.r.group:
                parts.append("%s: not in this group" % name)
                continue
            mine = g.r.group[name][...]
            theirs = t.detach().contiguous().view(torch.int16).cpu().numpy().view(np.uint16)
            differ = int((mine != theirs).sum()) if mine.shape == theirs.shape else -1
            parts.append("%s: %s" % (name, "bit-identical" if differ == 0 else
                                     ("%d of %d elements differ" % (differ, mine.size) if differ > 0 else "shape differs")))
        return "torchao _to_fp8_tensorwise_then_scaled_grouped_mm at %s vs this group: %s" % (COMMIT, "; ".join(parts))
    except Exception as e:
        traceback.print_exc()
        return "the PR's caller raised %s" % first_line(e)


def inf_rows(a, out, qa, inv_a, qb, inv_b, x):
    """For each row of A holding +-Inf: what the kernel path wrote in `out`, beside the exact
    value of the same dequantized fp8 operands (fp64)."""
    bits = a.view(torch.int16) & 0x7FFF
    rows = torch.nonzero((bits == 0x7F80).any(dim=1)).reshape(-1).tolist()
    if not rows:
        return "no row of a holds +-Inf"
    da = qa.float().double() * inv_a.double()
    db = qb.float().double() * (inv_b.double() if torch.is_tensor(inv_b) else inv_b)
    offs = [0] + x.offs.tolist()
    notes = []
    for r in rows:
        grp = next((gi for gi in range(x.G) if offs[gi] <= r < offs[gi + 1]), None)
        o = out[r].float()
        desc = "row %d (group %s, Inf at columns %s): out has %d Inf, %d NaN, %d zero, %d finite nonzero; max |out| %s" % (
            r, grp, torch.nonzero(bits[r] == 0x7F80).reshape(-1).tolist(), int(torch.isinf(o).sum()),
            int(torch.isnan(o).sum()), int((o == 0).sum()), int((torch.isfinite(o) & (o != 0)).sum()),
            "%.6g" % float(o[torch.isfinite(o)].abs().max()) if bool(torch.isfinite(o).any()) else "-")
        if grp is not None:
            exact = da[r] @ db[grp]
            desc += "; exact from the fp8 operands: %d Inf, max |exact| %.6g (fp32 max 3.40282e+38, bf16 max 3.38953e+38)" % (
                int(torch.isinf(exact).sum()), float(exact[torch.isfinite(exact)].abs().max()) if bool(torch.isfinite(exact).any()) else 0.0)
        notes.append(desc)
    zero_rows = int(((out.float() == 0).all(dim=1)).sum())
    notes.append("%d of %d rows of out are all zero" % (zero_rows, out.shape[0]))
    print("    inf rows:", "; ".join(notes))
    return "; ".join(notes)


# ---------------------------------------------------------------------------------------------


def main():
    os.makedirs(ARGS.outdir, exist_ok=True)
    if COMMIT == "bd79c46":
        mods = {"2d": load_kernel("fp8_tensorwise_2d.py"), "per_group": load_kernel("fp8_tensorwise_per_group.py")}
    else:
        mods = {"2d": load_kernel("fp8_tensorwise_2d.py"), "3d": load_kernel("fp8_tensorwise_3d.py")}
    print("pr4179 %s: torch %s, triton %s, device %s, caller %s" % (
        COMMIT, torch.__version__, triton.__version__,
        torch.cuda.get_device_name() if DEV == "cuda" else "cpu (interpreter)",
        "imported" if CALLER_MOD is not None else CALLER_WHY))
    status = 0
    for path in ARGS.inputs:
        name = os.path.splitext(os.path.basename(path))[0]
        dst = os.path.join(ARGS.outdir, "pr4179-%s.h5" % name)
        print(path, "->", dst)
        x = Inputs(path)
        if os.path.exists(dst):
            try:
                f = fx.append(dst)
            except Exception as e:  # e.g. left half-written by a run cut short
                print("  cannot add to %s: %s; skipped" % (dst, first_line(e)))
                status = 1
                continue
        else:
            with h5py.File(path, "r") as src:
                about = src.attrs.get("description", "")
            f = fx.copy_inputs(path, dst, description="pytorch/ao PR #4179 kernels on the inputs of %s (%s)" % (
                os.path.basename(path), about))
        with f:
            # A kernel that cannot run on these inputs (G > 16 for the per-group kernel, shapes
            # torch._scaled_grouped_mm refuses) raises; the group records why in `skipped`.
            try:
                (run_bd79c46 if COMMIT == "bd79c46" else run_3322d2f)(f, x, mods)
            except Exception:
                traceback.print_exc()
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
