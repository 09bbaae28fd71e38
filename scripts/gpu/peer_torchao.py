"""Peer producer: torchao 0.18's fused Triton kernels for the FP8 rowwise MoE recipe.

Usage (on the GPU machine, torchao carried as a wheel): python3 scripts/gpu/peer_torchao.py IN.h5 OUT.h5

Adds to OUT.h5 if it exists, else writes IN.h5's inputs and results there (python/fp8moe_fixture's
copy_inputs), then writes `/results/torchao-triton-rowwise` (storage and provenance by fp8moe_fixture):

    a, grad_out       torchao.prototype.moe_training.kernels.triton_fp8_rowwise_2d_scale_and_cast
    b                 triton_fp8_colwise_3d_scale_and_cast (B column-major, per expert and column n)
    b_t               triton_fp8_rowwise_3d_transpose_rhs (per expert and row k)
    a_wgrad,          triton_fp8_per_group_colwise_scales (per group and column)
    grad_out_wgrad
all with round_scales_to_power_of_2=True and torch.float8_e4m3fn, as torchao's MoE training does.

Declared semantics, read off the kernels' source (torchao 0.18): amax by tl.max / tl.maximum,
which skip NaN on NVIDIA (amax_nan = ignore); scale = fp8_max / max(amax, 1e-12) divided in
fp64, stored as fp32 (scale_compute = fp64); pow2; x.to(fp32) * scale, tl.clamp, cast by Triton
(cast_policy = satfinite, PTX cvt.rn.satfinite). verify then says whether the kernels do that.
"""
import os
import sys

import h5py
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import fp8moe_fixture as fx  # noqa: E402

FP8 = torch.float8_e4m3fn


def main():
    import torchao
    from torchao.prototype.moe_training import kernels as K
    src, dst = sys.argv[1], sys.argv[2]
    inputs = fx.load_inputs(src, device="cuda")
    a, b = inputs["a"], inputs["b"]
    offsets = inputs["offsets"].to(torch.int32)
    grad_out = inputs.get("grad_out")
    G, Kd, N = b.shape
    if os.path.exists(dst):
        f = fx.append(dst)
    else:
        with h5py.File(src, "r") as s:
            kept = list(s["results"].keys()) if "results" in s else []
        f = fx.copy_inputs(src, dst, keep_results=kept)
    with f:
        name = "torchao-triton-rowwise"
        g = f.results(name, producer="torchao-triton", recipe="rowwise", fp8_format="e4m3fn", amax_nan="ignore",
                      input_nan_to_num=0, scale_compute="fp64", scale_pow2=True, cast_policy="satfinite",
                      nan_arith="canonical", torchao_version=torchao.__version__,
                      software="torchao %s; %s" % (torchao.__version__, fx.provenance()["software"]))
        skipped = []

        def put(operand, q, s, scale_shape):
            g.put(operand + "_fp8", q).put(operand + "_scale", s.reshape(scale_shape).float())

        def attempt(operand, fn):
            try:
                fn()
                torch.cuda.synchronize()
            except Exception as e:  # record, don't hide
                skipped.append("%s: %s" % (operand, str(e).splitlines()[0] if str(e) else type(e).__name__))

        attempt("a", lambda: put("a", *K.triton_fp8_rowwise_2d_scale_and_cast(a, FP8, True), (a.shape[0],)))
        if grad_out is not None:
            attempt("grad_out", lambda: put("grad_out", *K.triton_fp8_rowwise_2d_scale_and_cast(grad_out, FP8, True), (grad_out.shape[0],)))

        def do_b():
            b_cm = b.transpose(-2, -1).contiguous().transpose(-2, -1)  # (G, K, N), stride 1 along K
            q, s = K.triton_fp8_colwise_3d_scale_and_cast(b_cm, FP8, True)
            put("b", q, s, (G, N))
        attempt("b", do_b)

        def do_b_t():
            q, s = K.triton_fp8_rowwise_3d_transpose_rhs(b, FP8, True)  # q: (G, N, K) = B^T
            put("b_t", q.transpose(-2, -1), s, (G, Kd))
        attempt("b_t", do_b_t)

        def per_group(operand, x):
            q, s = K.triton_fp8_per_group_colwise_scales(x, offsets, FP8, True)
            q = q.contiguous().clone()
            q[int(offsets[-1]):] = torch.zeros((), dtype=torch.float32, device=q.device).to(FP8)  # rows in no group: never compared
            put(operand, q, s, (G, x.shape[1]))
        attempt("a_wgrad", lambda: per_group("a_wgrad", a))
        if grad_out is not None:
            attempt("grad_out_wgrad", lambda: per_group("grad_out_wgrad", grad_out))
        if skipped:
            g.attrs(skipped="; ".join(skipped))
        print(dst, "/results/" + name, "written:", sorted(g.group.keys()), "skipped:", skipped)


if __name__ == "__main__":
    main()
