"""Peer producer: PyTorch eager on CUDA with torchao's quantization semantics.

Usage (on the GPU machine): python3 scripts/peer_torch.py IN.h5 OUT.h5

Copies IN.h5 (a fixture in the SPEC section 5 schema) to OUT.h5 and adds, for each recipe,
`/results/torch-eager-<recipe>/` with every quantized operand of docs/results-schema.md,
computed by torch ops on the GPU exactly as torchao does it:

    amax   = max |x| over the reduction set (torch.amax: NaN propagates), or for the tensorwise
             recipe over torch.nan_to_num(x, nan=0, posinf=bf16 max, neginf=-bf16 max)
    scale  = (fp8_max / clamp(amax.double(), min=1e-12)).float()   # torchao amax_to_scale
    scale  = exp2(floor(log2(scale)))                               # round_scales_to_power_of_2
    q      = clamp(x.float() * scale, -fp8_max, fp8_max).to(torch.float8_e4m3fn)

Rows at and after offsets[G-1] belong to no group and are left zero in per-group operands.
Attributes follow SPEC section 5 (recipe, fp8_format, amax_nan, scale_compute, scale_pow2,
cast_policy, nan_arith) plus provenance (producer, device, software, date, script).
"""
import datetime, shutil, sys
import h5py, numpy as np, torch

FP8 = torch.float8_e4m3fn
FP8_MAX = float(torch.finfo(FP8).max)
BF16_MAX = float(torch.finfo(torch.bfloat16).max)
EPS = 1e-12
RECIPES = {
    "rowwise": dict(amax_nan="propagate"),
    "tensorwise": dict(amax_nan="nan_to_num"),
}


def bf16(ds):
    return torch.from_numpy(np.ascontiguousarray(ds[...]).view(np.int16)).view(torch.bfloat16).cuda()


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


def u8(t):
    return t.view(torch.uint8).cpu().numpy()


def main():
    src, dst = sys.argv[1], sys.argv[2]
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        a = bf16(f["/inputs/a"])
        b = bf16(f["/inputs/b"])
        offsets = [int(v) for v in f["/inputs/offsets"][...]]
        grad_out = bf16(f["/inputs/grad_out"]) if "/inputs/grad_out" in f else None
        for recipe, knobs in RECIPES.items():
            tw = recipe == "tensorwise"
            nan0 = knobs["amax_nan"] == "nan_to_num"
            name = "/results/torch-eager-%s" % recipe
            if name in f:
                del f[name]
            g = f.create_group(name)
            g.attrs.update(dict(
                producer="torch-eager", recipe=recipe, fp8_format="e4m3fn", amax_nan=knobs["amax_nan"],
                scale_compute="fp64", scale_pow2=1, cast_policy="nosat", nan_arith="canonical",
                device=torch.cuda.get_device_name(), software="torch %s; CUDA %s; numpy %s; h5py %s" % (
                    torch.__version__, torch.version.cuda, np.__version__, h5py.__version__),
                date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                script="scripts/peer_torch.py"))
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
            for operand, (q, s) in out.items():
                g.create_dataset(operand + "_fp8", data=u8(q)).attrs["dtype"] = "float8_e4m3fn"
                shape = {"a": (1,) if tw else (a.shape[0],), "grad_out": (1,) if tw else (grad_out.shape[0],) if grad_out is not None else None,
                         "b": (b.shape[0],) if tw else (b.shape[0], b.shape[2]),
                         "b_t": (b.shape[0],) if tw else (b.shape[0], b.shape[1])}.get(operand)
                scale = s.reshape(shape) if shape is not None else s
                g.create_dataset(operand + "_scale", data=scale.cpu().numpy().astype(np.float32))
            print(dst, name, "written:", ", ".join(sorted(out)))
            if not tw:
                scaled_grouped_mm(f, g.attrs, out, offsets)


def scaled_grouped_mm(f, attrs, out, offsets):
    """Forward GEMM through torch._scaled_grouped_mm on the rowwise operands, with and without
    fast accumulation, into /results/torch-scaled-grouped-mm[-fast-accum]. Operands it cannot
    take (shapes not multiples of 16, say) are recorded in the attribute `skipped`."""
    (qa, sa), (qb, sb) = out["a"], out["b"]
    offs = torch.tensor(offsets, dtype=torch.int32, device=qa.device)
    for fast in (False, True):
        name = "/results/torch-scaled-grouped-mm" + ("-fast-accum" if fast else "")
        if name in f:
            del f[name]
        g = f.create_group(name)
        g.attrs.update(dict(attrs))
        g.attrs["producer"] = "torch._scaled_grouped_mm"
        g.attrs["use_fast_accum"] = int(fast)
        # Hopper's FP8 tensor cores keep about 14 bits in their accumulator (DeepSeek-V3
        # technical report, section 3.3.2), far from fp32's 24: under the default bound
        # (K * 2^-24 per unit of sum |a b|) this GEMM fails on outputs that cancel. The
        # producer declares the a-priori bound of a 14-bit accumulator, K * 2^-14, in the
        # form of SPEC section 4's default.
        g.attrs["accum_eps"] = qa.shape[1] * 2.0 ** -14
        g.attrs["accum_eps_source"] = "K * 2^-14: DeepSeek-V3 technical report, sec. 3.3.2: FP8 GEMM on Hopper retains about 14 bits of accumulation precision"
        g.attrs["script"] = "scripts/peer_torch.py"
        try:
            # mat2 must be column-major: [G, K, N] with stride 1 along K.
            b_cm = qb.transpose(-2, -1).contiguous().transpose(-2, -1)
            y = torch._scaled_grouped_mm(qa, b_cm, (1.0 / sa).reshape(-1), (1.0 / sb).reshape(sb.shape[0], -1),
                                         offs=offs, out_dtype=torch.bfloat16, use_fast_accum=fast)
            torch.cuda.synchronize()
        except Exception as e:  # record, don't hide
            g.attrs["skipped"] = "torch._scaled_grouped_mm refused: %s" % str(e).splitlines()[0]
            print(name, "skipped:", g.attrs["skipped"])
            continue
        for operand in ("a", "b"):
            q, s = out[operand]
            g.create_dataset(operand + "_fp8", data=u8(q)).attrs["dtype"] = "float8_e4m3fn"
            g.create_dataset(operand + "_scale", data=s.reshape(-1 if operand == "a" else (s.shape[0], -1)).cpu().numpy().astype(np.float32))
        d = g.create_dataset("out", data=y.view(torch.int16).cpu().numpy().view(np.uint16))
        d.attrs["dtype"] = "bfloat16"
        print(name, "written: out", tuple(y.shape))


if __name__ == "__main__":
    main()
