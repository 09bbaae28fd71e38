"""Peer producer: PyTorch eager with torchao's quantization semantics.

Usage (on the GPU machine): python3 scripts/gpu/peer_torch.py IN.h5 OUT.h5
       (on a machine without CUDA it runs on the CPU; torch._scaled_grouped_mm is then skipped)

OUT.h5 is IN.h5's inputs and results (a fixture in the SPEC section 5 schema, rewritten by
python/fp8moe_fixture's copy_inputs) plus, for each recipe, `/results/torch-eager-<recipe>/`
with every quantized operand of docs/results-schema.md, computed by torch ops on the GPU
exactly as torchao does it:

    amax   = max |x| over the reduction set (torch.amax: NaN propagates), or for the tensorwise
             recipe over torch.nan_to_num(x, nan=0, posinf=bf16 max, neginf=-bf16 max)
    scale  = (fp8_max / clamp(amax.double(), min=1e-12)).float()   # torchao amax_to_scale
    scale  = exp2(floor(log2(scale)))                               # round_scales_to_power_of_2
    q      = clamp(x.float() * scale, -fp8_max, fp8_max).to(torch.float8_e4m3fn)

The payload is cast from x itself (a NaN input stays NaN), so both recipes declare
input_nan_to_num = 0; nan_arith is canonical on CUDA and propagate on the CPU (SPEC 3). Rows at and after offsets[G-1] belong to no group and are left zero in
per-group operands. Attributes follow SPEC section 5 (recipe, fp8_format, amax_nan,
input_nan_to_num, scale_compute, scale_pow2, cast_policy, nan_arith); storage and provenance
(producer, device, software, date, script, command, git commit) are python/fp8moe_fixture's.
"""
import os
import sys

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import fp8moe_fixture as fx  # noqa: E402

DEV = "cuda" if torch.cuda.is_available() else "cpu"
# SPEC 3: an fp32 operation that yields NaN (Inf times a zero scale) gives the canonical +NaN on
# NVIDIA GPUs; x86 gives its default NaN, sign bit set, and keeps an input NaN's sign.
NAN_ARITH = "canonical" if DEV == "cuda" else "propagate"
FP8 = torch.float8_e4m3fn
FP8_MAX = float(torch.finfo(FP8).max)
BF16_MAX = float(torch.finfo(torch.bfloat16).max)
EPS = 1e-12
RECIPES = {
    "rowwise": dict(amax_nan="propagate"),
    "tensorwise": dict(amax_nan="nan_to_num"),
}


def amax_of(x, dims, nan_to_num):
    if nan_to_num:
        x = torch.nan_to_num(x, nan=0.0, posinf=BF16_MAX, neginf=-BF16_MAX)
    return torch.amax(x.float().abs(), dim=dims, keepdim=True)


def scale_of(amax):
    s = (FP8_MAX / torch.clamp(amax.double(), min=EPS)).float()
    return torch.exp2(torch.floor(torch.log2(s)))


def cast(x, scale):
    return torch.clamp(x.float() * scale, -FP8_MAX, FP8_MAX).to(FP8)


def quantize(x, dims, nan_to_num):
    """One scale per slice over `dims` (keepdim), broadcast back."""
    s = scale_of(amax_of(x, dims, nan_to_num))
    return cast(x, s), s


def per_group(x, offsets, by_column, nan_to_num):
    """Per group of rows (2-D x): one scale per group, or per group and column."""
    q = torch.zeros(x.shape, dtype=FP8, device=x.device)
    scales = torch.empty((len(offsets), x.shape[1]) if by_column else (len(offsets),), dtype=torch.float32, device=x.device)
    start = 0
    for g, end in enumerate(offsets):
        rows = x[start:end]
        if end > start:
            a = amax_of(rows, (0,) if by_column else (0, 1), nan_to_num)
        else:  # an empty group: amax 0
            a = torch.zeros((1, x.shape[1]) if by_column else (1, 1), device=x.device)
        s = scale_of(a)
        q[start:end] = cast(rows, s)
        scales[g] = s.reshape(-1) if by_column else s.reshape(())
        start = end
    return q, scales


def synchronize():
    if DEV == "cuda":
        torch.cuda.synchronize()


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with h5py.File(src, "r") as f:
        kept = list(f["results"].keys()) if "results" in f else []
    inputs = fx.load_inputs(src, device=DEV)
    a, b = inputs["a"], inputs["b"]
    offsets = [int(v) for v in inputs["offsets"].tolist()]
    grad_out = inputs.get("grad_out")
    with fx.copy_inputs(src, dst, keep_results=kept) as f:
        for recipe, knobs in RECIPES.items():
            tw = recipe == "tensorwise"
            nan0 = knobs["amax_nan"] == "nan_to_num"
            g = f.results("torch-eager-%s" % recipe, producer="torch-eager", recipe=recipe, fp8_format="e4m3fn",
                          amax_nan=knobs["amax_nan"], input_nan_to_num=0, scale_compute="fp64", scale_pow2=True,
                          cast_policy="nosat", nan_arith=NAN_ARITH)
            out = {}
            if tw:
                out["a"] = quantize(a, (0, 1), nan0)
                out["b"] = quantize(b, (1, 2), nan0)
                out["b_t"] = out["b"]
            else:
                out["a"] = quantize(a, (1,), nan0)
                out["b"] = quantize(b, (1,), nan0)      # per expert and column n, over K
                out["b_t"] = quantize(b, (2,), nan0)    # per expert and row k, over N
            out["a_wgrad"] = per_group(a, offsets, not tw, nan0)
            if grad_out is not None:
                out["grad_out"] = quantize(grad_out, (0, 1) if tw else (1,), nan0)
                out["grad_out_wgrad"] = per_group(grad_out, offsets, not tw, nan0)
            shapes = {"a": (1,) if tw else (a.shape[0],),
                      "grad_out": None if grad_out is None else (1,) if tw else (grad_out.shape[0],),
                      "b": (b.shape[0],) if tw else (b.shape[0], b.shape[2]),
                      "b_t": (b.shape[0],) if tw else (b.shape[0], b.shape[1])}
            for operand, (q, s) in out.items():
                shape = shapes.get(operand)
                g.put(operand + "_fp8", q).put(operand + "_scale", s.reshape(shape) if shape is not None else s)
            print(dst, "/results/torch-eager-%s" % recipe, "written:", ", ".join(sorted(out)))
            if not tw:
                scaled_grouped_mm(f, g, out, offsets)


def scaled_grouped_mm(f, eager, out, offsets):
    """Forward GEMM through torch._scaled_grouped_mm on the rowwise operands, with and without
    fast accumulation, into /results/torch-scaled-grouped-mm[-fast-accum]. Operands it cannot
    take (shapes not multiples of 16, say, or no CUDA) are recorded in the attribute `skipped`."""
    (qa, sa), (qb, sb) = out["a"], out["b"]
    offs = torch.tensor(offsets, dtype=torch.int32, device=qa.device)
    declared = {k: eager.group.attrs[k] for k in ("recipe", "fp8_format", "amax_nan", "input_nan_to_num",
                                                   "scale_compute", "scale_pow2", "cast_policy", "nan_arith")}
    for fast in (False, True):
        # Hopper's FP8 tensor cores keep about 14 bits in their accumulator (DeepSeek-V3
        # technical report, section 3.3.2), far from fp32's 24: under the default bound
        # (K * 2^-24 per unit of sum |a b|) this GEMM fails on outputs that cancel. The
        # producer declares the a-priori bound of a 14-bit accumulator, K * 2^-14, in the
        # form of SPEC section 4's default.
        g = f.results("torch-scaled-grouped-mm" + ("-fast-accum" if fast else ""), producer="torch._scaled_grouped_mm",
                      use_fast_accum=int(fast), accum_eps=qa.shape[1] * 2.0 ** -14,
                      accum_eps_source="K * 2^-14: DeepSeek-V3 technical report, sec. 3.3.2: FP8 GEMM on Hopper "
                                       "retains about 14 bits of accumulation precision", **declared)
        name = g.group.name
        try:
            # mat2 must be column-major: [G, K, N] with stride 1 along K.
            b_cm = qb.transpose(-2, -1).contiguous().transpose(-2, -1)
            y = torch._scaled_grouped_mm(qa, b_cm, (1.0 / sa).reshape(-1), (1.0 / sb).reshape(sb.shape[0], -1),
                                         offs=offs, out_dtype=torch.bfloat16, use_fast_accum=fast)
            synchronize()
        except Exception as e:  # record, don't hide
            g.attrs(skipped="torch._scaled_grouped_mm refused: %s" % (str(e).splitlines()[0] if str(e) else type(e).__name__))
            print(name, "skipped:", g.group.attrs["skipped"])
            continue
        g.put("a_fp8", qa).put("a_scale", sa.reshape(-1))
        g.put("b_fp8", qb).put("b_scale", sb.reshape(sb.shape[0], -1))
        g.put("out", y)
        print(name, "written: out", tuple(y.shape))


if __name__ == "__main__":
    main()
