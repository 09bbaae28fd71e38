"""Peer producer: torchao's block-scaled FP8 quantizers (MXFP8 and DeepSeek-style blockwise), run
from pytorch/ao's source at main on an NVIDIA GPU, for the golden evidence of issue 11.

Usage (GPU machine; scripts/gpu/torchao_blockscaled.sh runs it):
    python3 scripts/gpu/torchao_blockscaled.py [--tree .peers-ao] OUTDIR IN.h5...

For each IN.h5, OUTDIR/torchao-<name>.h5 is IN's /inputs (python/fp8moe_fixture's copy_inputs)
with one results group per implementation and mode:

  torchao-to_mx-{floor,rceil,ceil,even}
        eager `to_mx` (torchao/prototype/mx_formats/mx_tensor.py), e4m3 payload, e8m0 scales:
        a_fp8/a_scale          block_1x32: to_mx(a) (block 32 along K), scale [M, K/32]
        a_wgrad_fp8/_scale     block_32x1: to_mx(a.t().contiguous()) written back as [M,K] and
                               scale [M/32, K] (SPEC 8.3 layout)
        grad_out_*, grad_out_wgrad_*  the same on grad_out where its shape allows
  torchao-triton-mxfp8-floor
        triton_to_mxfp8_dim0 (a_fp8, block_1x32) and triton_to_mxfp8_dim1 (a_wgrad_fp8,
        block_32x1; needs M and K multiples of 128), scaling_mode "floor"; likewise grad_out
  torchao-triton-mxfp8-rceil
        the same with "rceil": compiled with the Blackwell-only PTX cvt.rp.ue8m0x2.f32, which
        ptxas refuses for sm_90; the failure text is stored in `failed` (no datasets)
  torchao-blockwise
        torchao/prototype/blockwise_fp8_training/kernels.py: triton_fp8_blockwise_act_quant_lhs
        (a_fp8, block_1x128), triton_fp8_blockwise_act_quant_rhs (a_wgrad_fp8, block_128x1),
        triton_fp8_blockwise_weight_quant_rhs on each expert's [K,N] (b_fp8, block_128x128),
        act_quant_lhs on grad_out
  torchao-blockwise-transposed
        triton_fp8_blockwise_act_quant_transposed_lhs (a_wgrad_fp8 and grad_out_wgrad_fp8,
        block_128x1) and triton_fp8_blockwise_weight_quant_transposed_rhs (b_fp8, block_128x128),
        their transposed outputs written back in SPEC layout
  torchao-blockwise-grouped-gemm
        torchao/prototype/moe_training/blockwise_fp8/grouped_mm.py
        _to_fp8_blockwise_then_scaled_grouped_mm, KernelPreference.EMULATED (DeepGEMM is not on
        the machine): `out` [M,N] bf16, with its operands a (act_quant_lhs) and b
        (blockwise_fp8_training/grouped_weight_quant.py triton_fp8_blockwise_weight_quant_grouped_forward_rhs)

Blockwise scales are stored exactly as the kernels return them: fp32 `tl.div_rn(1.0, scale)`,
the reciprocal of the multiplier (`scale_convention = reciprocal`). MX scales are the e8m0 codes
as torchao holds them (uint8, dtype float8_e8m0fnu).

How torchao is run: the carried tree (.peers-ao/torchao, a `git archive` of pytorch/ao, not part
of this repository) is imported by path. torchao/__init__.py is NOT executed (it imports the
whole quantization API and may load C extensions): a bare package module whose __path__ is the
tree's torchao/ stands in for it, so each submodule runs its own file unchanged. The Triton MX
kernels are defined only where `torchao.utils.is_sm_at_least_100()` holds at import of
torchao/prototype/mx_formats/kernels.py; on Hopper the gate is opened by making that function
return True while (and only while) that module is imported, then restoring it in both modules.
Every Triton autotuner of the modules run is restricted to its first config (recorded in
`autotune_forced`): these kernels compute each block independently of the tiling, and
benchmarking 24 to 45 configs per kernel and shape would spend the device time. Numerics are
not patched anywhere.

A small independent NumPy check of the scales (not the judge: `fp8moe verify` is) is printed per
dataset.
"""
import argparse
import importlib
import os
import re
import sys
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))

AO_REPO = "pytorch/ao"
AO_COMMIT = "36027d82d1ad9949597ea16002ff4940374b1b94"

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--tree", default=os.path.join(ROOT, ".peers-ao"), help="folder holding the torchao/ source tree")
p.add_argument("--commit", default=AO_COMMIT, help="the pytorch/ao commit the tree was archived from")
p.add_argument("--skip-rceil-triton", action="store_true")
p.add_argument("outdir")
p.add_argument("inputs", nargs="+")
ARGS = p.parse_args()
os.environ.setdefault("TORCHAO_FORCE_SKIP_LOADING_SO_FILES", "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import fp8moe_fixture as fx  # noqa: E402

DEV = "cuda" if torch.cuda.is_available() else "cpu"
TREE = os.path.abspath(ARGS.tree)
try:
    import triton  # noqa: E402
    HAVE_TRITON = DEV == "cuda"
except ImportError:
    triton = None
    HAVE_TRITON = False


first_line = fx.first_line  # `Type: first line`, cut to 400 characters


# ---------------------------------------------------------------------------------------------
# Importing torchao from the carried tree

IMPORT_NOTES = []


def bare_torchao_package():
    pkg = types.ModuleType("torchao")
    pkg.__path__ = [os.path.join(TREE, "torchao")]
    pkg.__file__ = os.path.join(TREE, "torchao", "__init__.py")
    pkg.__version__ = "git-%s" % ARGS.commit[:7]
    sys.modules["torchao"] = pkg
    IMPORT_NOTES.append("torchao/__init__.py not executed: a bare package module with __path__ = the carried tree's torchao/ "
                        "(no C extensions loaded, no quantization API imported up front)")


bare_torchao_package()
import torchao.utils as ao_utils  # noqa: E402

_real_sm100 = ao_utils.is_sm_at_least_100
GATE = "closed"
if DEV == "cuda" and not _real_sm100():
    ao_utils.is_sm_at_least_100 = lambda: True
    GATE = ("opened: torchao.utils.is_sm_at_least_100 returned True only while torchao/prototype/mx_formats/kernels.py "
            "was imported (its _triton_kernels_available and _mxfp8_cuda_kernels_available gates), then restored there and in torchao.utils; "
            "the CUDA mxfp8_quantize op that the second gate defines is never called")
try:
    import torchao.prototype.mx_formats.kernels as mxk  # noqa: E402
finally:
    ao_utils.is_sm_at_least_100 = _real_sm100
    if "torchao.prototype.mx_formats.kernels" in sys.modules:
        sys.modules["torchao.prototype.mx_formats.kernels"].is_sm_at_least_100 = _real_sm100
IMPORT_NOTES.append("Triton MX gate " + GATE)

def bare_subpackage(name):
    """Stand-in for a subpackage whose __init__.py fails here: its modules still run unchanged."""
    parent, _, leaf = name.rpartition(".")
    pkg = types.ModuleType(name)
    pkg.__path__ = [os.path.join(TREE, *name.split("."))]
    sys.modules[name] = pkg
    setattr(sys.modules[parent], leaf, pkg)


BARE = set()


def import_with_fallbacks(name):
    """Import `name`; where an import-time name is missing from this torch (F.ScalingType /
    SwizzleType, used only to dispatch GEMMs) or a package __init__.py fails, retry once with a
    harmless stand-in, and say so in IMPORT_NOTES."""
    for _ in range(4):
        try:
            return importlib.import_module(name)
        except Exception as e:
            missing = isinstance(e, ImportError) and re.search(r"cannot import name '(ScalingType|SwizzleType)' from 'torch.nn.functional'", str(e))
            if missing:
                import enum
                import torch.nn.functional as F
                setattr(F, missing.group(1), enum.Enum(missing.group(1), {"_peer_stub": 0}))
                IMPORT_NOTES.append("torch.nn.functional.%s missing in torch %s: an empty enum set at import only "
                                    "(torchao uses it to dispatch GEMMs, not to quantize)" % (missing.group(1), torch.__version__))
                continue
            pkg = "torchao.prototype.moe_training"
            if name.startswith(pkg + ".") and pkg not in BARE:
                BARE.add(pkg)
                traceback.print_exc()
                for k in [k for k in sys.modules if k == pkg or k.startswith(pkg + ".")]:
                    del sys.modules[k]
                bare_subpackage(pkg)
                IMPORT_NOTES.append("%s/__init__.py failed to import here; its modules were imported through a bare package" % pkg)
                continue
            raise
    return importlib.import_module(name)


MODS = {}
for name in ("torchao.prototype.mx_formats.mx_tensor", "torchao.prototype.mx_formats.config",
             "torchao.prototype.blockwise_fp8_training.kernels",
             "torchao.prototype.blockwise_fp8_training.grouped_weight_quant",
             "torchao.prototype.moe_training.blockwise_fp8.grouped_mm",
             "torchao.quantization.quantize_.common.kernel_preference"):
    try:
        MODS[name.rsplit(".", 1)[1]] = import_with_fallbacks(name)
    except Exception as e:
        traceback.print_exc()
        IMPORT_NOTES.append("%s not importable: %s" % (name, first_line(e)))
print("\n".join(IMPORT_NOTES))
mx = MODS.get("mx_tensor")
SCM = MODS["config"].ScaleCalculationMode if "config" in MODS else None
bwk = MODS.get("kernels")
gwq = MODS.get("grouped_weight_quant")
gmm = MODS.get("grouped_mm")
KP = MODS.get("kernel_preference")

FORCED = {}


def force_first_config(mod):
    """Restrict every autotuner of `mod` to its first config (one compile, no benchmarking)."""
    if mod is None or triton is None:
        return
    for k, v in vars(mod).items():
        if isinstance(v, triton.runtime.Autotuner) and k not in FORCED:
            c = v.configs[0]
            v.configs = [c]
            FORCED[k] = "%s (first of the autotuner's list)" % ", ".join(
                ["%s=%s" % kv for kv in sorted(c.kwargs.items())] + ["num_warps=%s" % c.num_warps, "num_stages=%s" % c.num_stages])


for m in (mxk, bwk, gwq):
    force_first_config(m)


def ptx_ops(mod, names):
    """PTX operations behind the scale arithmetic and the cast, per compiled kernel."""
    out = []
    for name in names:
        obj = getattr(mod, name, None)
        while triton is not None and isinstance(obj, triton.runtime.Autotuner):
            obj = obj.fn
        ops = {}
        for caches in list(getattr(obj, "device_caches", {}).values()):
            for kernel in list(caches[0].values()):
                ptx = getattr(kernel, "asm", {}).get("ptx", "")
                for op in re.findall(r"\b((?:div|rcp|lg2|ex2)\.[a-z0-9.]+|cvt\.[a-z0-9.]*(?:e4m3|ue8m0|f64|f32\.f64)[a-z0-9.]*|(?:max|min)\.[a-zA-Z0-9.]*f(?:32|64))", ptx):
                    ops[op] = ops.get(op, 0) + 1
        if ops:
            out.append("%s: %s" % (name, ", ".join("%s x%d" % kv for kv in sorted(ops.items()))))
    return "; ".join(out) if out else None


# ---------------------------------------------------------------------------------------------
# Independent NumPy sanity check of the scales (printed only)

def np_f32(t):
    return t.detach().float().cpu().numpy()


def np_blocks(x, rows, cols):
    m, k = x.shape
    return x.reshape(m // rows, rows, k // cols, cols).transpose(0, 2, 1, 3).reshape(m // rows, k // cols, rows * cols)


def np_e8m0(x, rows, cols, mode):
    """e8m0 codes by the OCP / torchao definitions, computed afresh in NumPy from the bf16 input."""
    b = np_blocks(x, rows, cols)
    with np.errstate(invalid="ignore", over="ignore"):
        amax = np.max(np.abs(b), axis=-1).astype(np.float32)
    bad = ~np.isfinite(amax)
    a = np.where(bad, 1, amax).astype(np.float32)
    bits = a.view(np.uint32).astype(np.int64)
    e = ((bits >> 23) & 0xFF) - 127
    man = bits & 0x7FFFFF
    if mode == "floor":
        u = e - 8
    elif mode == "ceil":
        u = e + (man > 0) - 8
    elif mode == "even":
        r = ((bits + (1 << 19)) & 0xFF800000)
        u = ((r >> 23) & 0xFF) - 127 - 8
    elif mode == "rceil":
        d = (a * np.float32(1.0 / 448.0)).astype(np.float32)
        db = d.view(np.uint32).astype(np.int64)
        de, dm = (db >> 23) & 0xFF, db & 0x7FFFFF
        code = de + np.where(de == 0, dm > 0x400000, dm != 0)
        return np.where(bad, 255, code).astype(np.uint8)
    code = np.clip(u, -127, 128) + 127
    return np.where(bad, 255, code).astype(np.uint8)


def np_blockwise_recip(x, rows, cols):
    """Candidates for 1 / fp32(448 / max(amax, EPS)) with EPS rounded to bf16, fp32 or fp64, and
    the NaN-skipping max of Triton's tl.max."""
    b = np_blocks(x, rows, cols)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        amax = np.nanmax(np.abs(b), axis=-1).astype(np.float64)
        out = {}
        for name, eps in (("bf16", 1.0018652574217413e-12), ("fp32", float(np.float32(1e-12))), ("fp64", 1e-12)):
            s = (448.0 / np.maximum(amax, eps)).astype(np.float32)
            out[name] = (np.float32(1.0) / s).astype(np.float32)
    return out


def sanity(label, x_f32, rows, cols, got, kind):
    try:
        if kind.startswith("e8m0:"):
            want = np_e8m0(x_f32, rows, cols, kind[5:])
            g = got.reshape(want.shape)
            print("    numpy check %-34s %d of %d e8m0 codes differ" % (label, int((g != want).sum()), want.size))
        else:
            cands = np_blockwise_recip(x_f32, rows, cols)
            g = got.reshape(next(iter(cands.values())).shape)
            txt = ", ".join("EPS %s: %d differ" % (k, int((g.view(np.uint32) != v.view(np.uint32)).sum())) for k, v in cands.items())
            print("    numpy check %-34s %d scales; %s" % (label, g.size, txt))
    except Exception as e:
        print("    numpy check %-34s not made: %s" % (label, first_line(e)))


# ---------------------------------------------------------------------------------------------
# Writing

def provenance(kernel, **extra):
    a = dict(repo=AO_REPO, commit=ARGS.commit, kernel=kernel,
             torchao_tree="%s @ %s, Python/Triton sources run by path from %s (a git archive, not part of this repository)" % (
                 AO_REPO, ARGS.commit, os.path.relpath(TREE, ROOT)),
             torchao_import="; ".join(IMPORT_NOTES))
    if DEV == "cuda":
        a["compute_capability"] = "sm_%d%d" % torch.cuda.get_device_capability()
        a["device"] = torch.cuda.get_device_name()
    a.update({k: v for k, v in extra.items() if v is not None})
    return a


def Group(f, name, **attrs):
    """Results group `name` of `f`, filled step by step; a failing step is recorded in its
    `skipped` attribute, not hidden (fp8moe_fixture.ResultGroup)."""
    return fx.ResultGroup(f, name, after_step=torch.cuda.synchronize if DEV == "cuda" else None,
                          error_chars=400, label_width=34, skipped_prefix="\n      SKIPPED ", **attrs)


def put_fp8(g, operand, q, reduction, **attrs):
    g.put(operand + "_fp8", q.contiguous().view(torch.uint8), dtype="float8_e4m3fn", reduction=reduction, **attrs)


def put_e8m0(g, operand, s, reduction, **attrs):
    g.put(operand + "_scale", s.contiguous().view(torch.uint8), dtype="float8_e8m0fnu", reduction=reduction, **attrs)


def put_f32(g, operand, s, reduction, **attrs):
    g.put(operand + "_scale", s.contiguous().float(), reduction=reduction, **attrs)


# ---------------------------------------------------------------------------------------------
# The runs

MX_COMMON = dict(recipe="mxfp8", fp8_format="e4m3fn", scale_format="e8m0", scale_convention="multiplier",
                 input_nan_to_num=0, nan_arith="canonical")
BW_COMMON = dict(recipe="blockwise", fp8_format="e4m3fn", scale_format="fp32", scale_convention="reciprocal",
                 amax_nan="ignore", input_nan_to_num=0, scale_compute="fp64", scale_pow2=0, cast_policy="satfinite",
                 nan_arith="canonical")
TORCH_2_13 = tuple(int(v) for v in torch.__version__.split("+")[0].split(".")[:2]) >= (2, 13)


def operands(x):
    """(name, wgrad name, tensor) for each 2-D input the file has."""
    out = [("a", "a_wgrad", x["a"])]
    if "grad_out" in x:
        out.append(("grad_out", "grad_out_wgrad", x["grad_out"]))
    return out


def run_to_mx(f, x, mode):
    clamp = mode != "rceil" and not TORCH_2_13
    g = Group(f, "torchao-to_mx-%s" % mode, **MX_COMMON, **provenance(
        "to_mx (torchao/prototype/mx_formats/mx_tensor.py), eager, elem_dtype float8_e4m3fn, block_size 32, "
        "scaling_mode ScaleCalculationMode.%s" % mode.upper(),
        scale_mode=mode, amax_nan="propagate",
        cast_policy="satfinite" if TORCH_2_13 else "nosat",
        clamp_before_cast=int(clamp),
        cast_note=("torch.clamp(x * 2^-e, -448, 448) then .to(torch.float8_e4m3fn): torch < 2.13 keeps to_mx's eager "
                   "saturation workaround, so finite overflow saturates and +-Inf products are clamped; NaN passes the clamp "
                   "and is cast by torch (canonical NaN from the CUDA multiply -> 0x7F)") if clamp else
                  ("no clamp: x * 2^-e cast by .to(torch.float8_e4m3fn) directly (RCEIL's path never clamps; an overflow would "
                   "become NaN under torch's non-saturating cast)" if mode == "rceil" else
                   "torch >= 2.13: to_mx skips its clamp; torch's eager cast saturates by itself (finite overflow and +-Inf -> +-448; "
                   "unlike PTX satfinite it keeps a NaN's sign, but every NaN reaching to_mx's cast is x * (a NaN reciprocal))"),
        amax_note="torch.amax(|x|) over the block in bf16 (NaN propagates), then fp32; NaN or Inf amax gives code 255 and a NaN reciprocal, so the whole block is NaN"))
    for name, wname, t in operands(x):
        m, k = t.shape
        xf = np_f32(t)
        if k % 32 == 0:
            def one(name=name, t=t, xf=xf):
                s, q = mx.to_mx(t.contiguous(), torch.float8_e4m3fn, 32, scaling_mode=SCM(mode))
                put_fp8(g, name, q, "block_1x32")
                put_e8m0(g, name, s, "block_1x32")
                sanity(name + " 1x32", xf, 1, 32, s.view(torch.uint8).cpu().numpy(), "e8m0:" + mode)
            g.attempt("%s block_1x32" % name, one)
        else:
            g.skipped.append("%s block_1x32: K = %d is not a multiple of 32" % (name, k))
        if m % 32 == 0:
            def two(wname=wname, t=t, xf=xf):
                s, q = mx.to_mx(t.t().contiguous(), torch.float8_e4m3fn, 32, scaling_mode=SCM(mode))
                put_fp8(g, wname, q.t(), "block_32x1", stored_from="to_mx(x.t().contiguous()) transposed back to [M,K]; scale [K, M/32] transposed to [M/32, K]")
                put_e8m0(g, wname, s.t(), "block_32x1")
                sanity(wname + " 32x1", xf, 32, 1, s.t().contiguous().view(torch.uint8).cpu().numpy(), "e8m0:" + mode)
            g.attempt("%s block_32x1" % wname, two)
        else:
            g.skipped.append("%s block_32x1: M = %d is not a multiple of 32" % (wname, m))
    g.finish()


def run_triton_mx(f, x, mode):
    g = Group(f, "torchao-triton-mxfp8-%s" % mode, **MX_COMMON, **provenance(
        "triton_to_mxfp8_dim0 / triton_to_mxfp8_dim1 (torchao/prototype/mx_formats/kernels.py), scaling_mode %r, inner_block_size 32" % mode,
        scale_mode=mode, amax_nan="propagate", cast_policy="satfinite", clamp_before_cast=0,
        amax_note="_triton_amax_nan_as_inf: NaN taken as +Inf, then tl.max; an Inf or NaN block gets code 255 and a NaN reciprocal",
        cast_note="x * reciprocal (fp32), .to(tl.float8e4nv): PTX cvt.rn.satfinite (finite overflow -> +-448, NaN -> 0x7F)",
        triton_gate=GATE, autotune_forced="; ".join("%s: %s" % kv for kv in sorted(FORCED.items()) if "mxfp8" in kv[0])))
    for name, wname, t in operands(x):
        m, k = t.shape
        xf = np_f32(t)
        if k % 32 == 0:
            def one(name=name, t=t, xf=xf):
                q, s = mxk.triton_to_mxfp8_dim0(t.contiguous(), 32, mode)
                put_fp8(g, name, q, "block_1x32")
                put_e8m0(g, name, s, "block_1x32")
                sanity(name + " dim0", xf, 1, 32, s.view(torch.uint8).cpu().numpy(), "e8m0:" + mode)
            g.attempt("%s triton_to_mxfp8_dim0" % name, one)
        if m % 128 == 0 and k % 128 == 0:
            def two(wname=wname, t=t, xf=xf):
                q, s = mxk.triton_to_mxfp8_dim1(t.contiguous(), 32, mode)
                put_fp8(g, wname, q, "block_32x1", stored_from="triton_to_mxfp8_dim1's output_col_major.t() (logical [M,K]) made contiguous; scale [K, M/32] transposed to [M/32, K]")
                put_e8m0(g, wname, s.t(), "block_32x1")
                sanity(wname + " dim1", xf, 32, 1, s.t().contiguous().view(torch.uint8).cpu().numpy(), "e8m0:" + mode)
            g.attempt("%s triton_to_mxfp8_dim1" % wname, two)
        else:
            g.skipped.append("%s triton_to_mxfp8_dim1: needs M and K multiples of 128 (the wrapper asserts it), have %dx%d" % (wname, m, k))
    g.finish(ptx_ops=ptx_ops(mxk, ["to_mxfp8_dim0_kernel", "to_mxfp8_dim1_kernel"]))
    return g


def blockwise_group(f, name, kernels):
    return Group(f, name, **BW_COMMON, **provenance(
        kernels,
        amax_note="tl.max(tl.abs(x)) (NaN skipped: PTX max), clamped below by EPS = 1e-12 in the type of that max "
                  "(bf16 for the act kernels, which load bf16; fp32 for the weight kernels, which convert to fp32 first), then fp64",
        scale_note="scale = (448 / amax in fp64) rounded to fp32; stored tl.div_rn(1.0, scale): the fp32 reciprocal (scale_convention reciprocal)",
        cast_note="y = clamp(x * scale, -448, 448) (tl.clamp) then .to(float8_e4m3fn) (PTX satfinite cast)",
        autotune_forced="; ".join("%s: %s" % kv for kv in sorted(FORCED.items()) if "blockwise" in kv[0])))


def run_blockwise(f, x):
    g = blockwise_group(f, "torchao-blockwise", "torchao/prototype/blockwise_fp8_training/kernels.py: triton_fp8_blockwise_act_quant_lhs (1x128), "
                        "triton_fp8_blockwise_act_quant_rhs (128x1), triton_fp8_blockwise_weight_quant_rhs (128x128, per expert)")
    for name, wname, t in operands(x):
        m, k = t.shape
        xf = np_f32(t)
        if k % 128 == 0:
            def one(name=name, t=t, xf=xf):
                q, s = bwk.triton_fp8_blockwise_act_quant_lhs(t.contiguous(), 128, torch.float8_e4m3fn)
                put_fp8(g, name, q, "block_1x128")
                put_f32(g, name, s, "block_1x128", stored_from="the kernel's column-major [M, K/128] reciprocal scales, made contiguous")
                sanity(name + " 1x128", xf, 1, 128, s.contiguous().cpu().numpy(), "recip")
            g.attempt("%s act_quant_lhs" % name, one)
        else:
            g.skipped.append("%s block_1x128: K = %d is not a multiple of 128" % (name, k))
        if m % 128 == 0:
            def two(wname=wname, t=t, xf=xf):
                q, s = bwk.triton_fp8_blockwise_act_quant_rhs(t.contiguous(), 128, torch.float8_e4m3fn)
                put_fp8(g, wname, q, "block_128x1", stored_from="the kernel's column-major [M,K] output, made contiguous")
                put_f32(g, wname, s, "block_128x1")
                sanity(wname + " 128x1 rhs", xf, 128, 1, s.contiguous().cpu().numpy(), "recip")
            g.attempt("%s act_quant_rhs" % wname, two)
        else:
            g.skipped.append("%s block_128x1: M = %d is not a multiple of 128" % (wname, m))
    b = x["b"]
    G, K, N = b.shape
    if K % 128 == 0 and N % 128 == 0:
        def three():
            qs, ss = zip(*[bwk.triton_fp8_blockwise_weight_quant_rhs(b[e].contiguous(), 128, torch.float8_e4m3fn) for e in range(G)])
            q, s = torch.stack([t.contiguous() for t in qs]), torch.stack([t.contiguous() for t in ss])
            put_fp8(g, "b", q, "block_128x128", stored_from="triton_fp8_blockwise_weight_quant_rhs on each expert's [K,N] (column-major output made contiguous), stacked")
            put_f32(g, "b", s, "block_128x128")
            for e in range(G):
                sanity("b[%d] 128x128" % e, np_f32(b[e]), 128, 128, s[e].cpu().numpy(), "recip")
        g.attempt("b weight_quant_rhs", three)
    else:
        g.skipped.append("b block_128x128: K = %d, N = %d not multiples of 128" % (K, N))
    g.finish(ptx_ops=ptx_ops(bwk, ["triton_fp8_blockwise_act_quant_lhs_kernel", "triton_fp8_blockwise_act_quant_rhs_kernel",
                                   "triton_fp8_blockwise_weight_quant_rhs_kernel"]))

    g = blockwise_group(f, "torchao-blockwise-transposed", "torchao/prototype/blockwise_fp8_training/kernels.py: "
                        "triton_fp8_blockwise_act_quant_transposed_lhs (128x1 of x, output [K,M]), "
                        "triton_fp8_blockwise_weight_quant_transposed_rhs (128x128, output [N,K]), per expert")
    for name, wname, t in operands(x):
        m, k = t.shape
        xf = np_f32(t)
        if m % 128 == 0:
            def four(wname=wname, t=t, xf=xf):
                q, s = bwk.triton_fp8_blockwise_act_quant_transposed_lhs(t.contiguous(), 128, torch.float8_e4m3fn)
                put_fp8(g, wname, q.t(), "block_128x1", stored_from="the kernel's [K,M] output transposed back to [M,K]; scale [K, M/128] transposed to [M/128, K]")
                put_f32(g, wname, s.t(), "block_128x1")
                sanity(wname + " 128x1 transposed", xf, 128, 1, s.t().contiguous().cpu().numpy(), "recip")
            g.attempt("%s act_quant_transposed_lhs" % wname, four)
        else:
            g.skipped.append("%s block_128x1: M = %d is not a multiple of 128" % (wname, m))
    if K % 128 == 0 and N % 128 == 0:
        def five():
            qs, ss = zip(*[bwk.triton_fp8_blockwise_weight_quant_transposed_rhs(b[e].contiguous(), 128, torch.float8_e4m3fn) for e in range(G)])
            q, s = torch.stack([t.t().contiguous() for t in qs]), torch.stack([t.t().contiguous() for t in ss])
            put_fp8(g, "b", q, "block_128x128", stored_from="triton_fp8_blockwise_weight_quant_transposed_rhs on each expert's [K,N]: output [N,K] and scale [N/128, K/128] transposed back, stacked")
            put_f32(g, "b", s, "block_128x128")
            for e in range(G):
                sanity("b[%d] 128x128 transposed" % e, np_f32(b[e]), 128, 128, s[e].cpu().numpy(), "recip")
        g.attempt("b weight_quant_transposed_rhs", five)
    g.finish(ptx_ops=ptx_ops(bwk, ["triton_fp8_blockwise_act_quant_transposed_lhs_kernel",
                                   "triton_fp8_blockwise_weight_quant_transposed_rhs_kernel"]))


def run_blockwise_gemm(f, x):
    a, b, offs = x["a"], x["b"], x["offsets"]
    G, K, N = b.shape
    M = a.shape[0]
    # The emulated GEMM: a.to(bf16) * recip.to(bf16) and b likewise (each dequantized operand value rounded
    # to bf16 twice: the reciprocal scale, then the product), then torch._grouped_mm in bf16 with fp32
    # accumulation. A-priori bound per unit of sum|ab|: each operand value within (1+2^-8)^2 of exact, the
    # product of two within (1+2^-8)^4, plus K*2^-23 for the accumulation.
    eps = (1 + 2.0 ** -8) ** 4 - 1 + K * 2.0 ** -23
    g = blockwise_group(f, "torchao-blockwise-grouped-gemm",
                        "torchao/prototype/moe_training/blockwise_fp8/grouped_mm.py _to_fp8_blockwise_then_scaled_grouped_mm "
                        "(kernel_preference EMULATED, pad_token_groups_for_grouped_mm True); operands: act_quant_lhs (a), "
                        "blockwise_fp8_training/grouped_weight_quant.py triton_fp8_blockwise_weight_quant_grouped_forward_rhs (b)")
    if K % 128 or N % 128:
        g.skipped.append("K = %d, N = %d: the blockwise grouped GEMM needs multiples of 128" % (K, N))
        g.finish()
        return

    def operands_():
        q, s = bwk.triton_fp8_blockwise_act_quant_lhs(a.contiguous(), 128, torch.float8_e4m3fn)
        put_fp8(g, "a", q, "block_1x128")
        put_f32(g, "a", s, "block_1x128")
        bt = b.transpose(-2, -1).contiguous().transpose(-2, -1)  # (E,K,N), per-expert column-major, as the caller requires
        qb, sb = gwq.triton_fp8_blockwise_weight_quant_grouped_forward_rhs(bt, 128, torch.float8_e4m3fn)
        put_fp8(g, "b", qb.transpose(-2, -1), "block_128x128", stored_from="(E,N,K) output transposed to [G,K,N]; scale (E,N/128,K/128) transposed to [G,K/128,N/128]")
        put_f32(g, "b", sb.transpose(-2, -1), "block_128x128")
    g.attempt("operands", operands_)

    def out_():
        bt = b.transpose(-2, -1).contiguous().transpose(-2, -1)
        with torch.no_grad():
            y = gmm._to_fp8_blockwise_then_scaled_grouped_mm(a.contiguous(), bt, offs.to(torch.int32), out_dtype=torch.bfloat16,
                                                             kernel_preference=KP.KernelPreference.EMULATED)
        end = int(offs[-1])
        attrs = {}
        if end < M:
            y = y.clone()
            y[end:] = 0
            attrs["rows_outside_groups"] = "rows %d..%d set to 0 by the peer script" % (end, M - 1)
        g.put("out", y, accum_eps=eps,
              accum_eps_source="a-priori bound of torchao's EMULATED blockwise grouped GEMM (grouped_kernels.py "
                               "_emulated_blockwise_scaled_grouped_mm_impl): each operand dequantized as fp8.to(bf16) * "
                               "reciprocal_scale.to(bf16) (two bf16 roundings, 2^-8 relative each at most), products of two such "
                               "values, torch._grouped_mm accumulating in fp32: (1+2^-8)^4 - 1 + K*2^-23",
              gemm="emulated (no FP8 tensor-core GEMM: DeepGEMM is not installed on the machine and torchao has no other "
                   "non-emulated blockwise grouped backend)", **attrs)
    g.attempt("out (emulated grouped GEMM)", out_)
    g.finish(ptx_ops=ptx_ops(gwq, ["triton_fp8_blockwise_weight_quant_grouped_forward_rhs_kernel"]))


def run_rceil_triton(f, x):
    """The RCEIL Triton kernel on Hopper: expected to fail to compile (cvt.rp.ue8m0x2.f32 is sm_100a+)."""
    g = Group(f, "torchao-triton-mxfp8-rceil", **provenance(
        "triton_to_mxfp8_dim0 (torchao/prototype/mx_formats/kernels.py), scaling_mode 'rceil' (USE_PTX: cvt.rp.ue8m0x2.f32)",
        triton_gate=GATE))
    t = x["a"]
    try:
        q, s = mxk.triton_to_mxfp8_dim0(t.contiguous(), 32, "rceil")
        torch.cuda.synchronize()
        # It ran (a Blackwell-class device, or a ptxas that accepts it): keep the results.
        g.r.attrs(**MX_COMMON, scale_mode="rceil", amax_nan="propagate", cast_policy="satfinite", clamp_before_cast=0)
        put_fp8(g, "a", q, "block_1x32")
        put_e8m0(g, "a", s, "block_1x32")
        g.finish(ran=1, ptx_ops=ptx_ops(mxk, ["to_mxfp8_dim0_kernel"]))
    except Exception as e:
        text = str(e)
        lines = [l.strip() for l in text.splitlines() if l.strip()]
        key = [l for l in lines if re.search(r"ptxas|ue8m0|sm_\d+|not supported|error", l, re.I)]
        msg = " | ".join((key or lines)[:6])[:1500]
        print("  RCEIL Triton on %s failed as expected: %s: %s" % (
            "sm_%d%d" % torch.cuda.get_device_capability(), type(e).__name__, msg))
        g.finish(ran=0, failed="%s: %s" % (type(e).__name__, msg),
                 failed_why="torchao's RCEIL Triton path converts with the PTX instruction cvt.rp.ue8m0x2.f32 (inline asm, "
                            "USE_PTX = not IS_ROCM), which exists only on sm_100a and later; ptxas refuses it for this device")


def main():
    os.makedirs(ARGS.outdir, exist_ok=True)
    print("device:", torch.cuda.get_device_name() if DEV == "cuda" else "cpu", "| torch", torch.__version__,
          "| triton", getattr(triton, "__version__", None), "| torchao tree", ARGS.commit)
    for i, path in enumerate(ARGS.inputs):
        name = os.path.splitext(os.path.basename(path))[0]
        out = os.path.join(ARGS.outdir, "torchao-%s.h5" % name)
        print("%s -> %s" % (path, out))
        with fx.copy_inputs(path, out) as f:
            x = {k: v.to(DEV) for k, v in f.inputs().items()}
            for mode in ("floor", "rceil", "ceil", "even"):
                if mx is not None:
                    run_to_mx(f, x, mode)
            if HAVE_TRITON:
                run_triton_mx(f, x, "floor")
                if bwk is not None:
                    run_blockwise(f, x)
                if gmm is not None and gwq is not None and x["a"].shape[1] % 128 == 0:
                    run_blockwise_gemm(f, x)
            else:
                print("  no CUDA/Triton here: Triton kernels not run")
    # Last, so that a failed compile can disturb nothing else: the RCEIL Triton kernel, on the first input.
    if HAVE_TRITON and not ARGS.skip_rceil_triton:
        path = ARGS.inputs[0]
        out = os.path.join(ARGS.outdir, "torchao-%s.h5" % os.path.splitext(os.path.basename(path))[0])
        with fx.append(out) as f:
            x = {k: v.to(DEV) for k, v in f.inputs().items()}
            run_rceil_triton(f, x)


if __name__ == "__main__":
    main()
