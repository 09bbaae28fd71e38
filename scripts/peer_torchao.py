"""Peer producer: torchao 0.18's fused Triton kernels for the FP8 rowwise MoE recipe.

Usage (on the GPU machine, torchao carried as a wheel): python3 scripts/peer_torchao.py IN.h5 OUT.h5

Copies IN.h5 to OUT.h5 (or adds to OUT.h5 if it exists) and writes `/results/torchao-triton-rowwise`:

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
import datetime, os, shutil, sys
import h5py, numpy as np, torch

FP8 = torch.float8_e4m3fn


def bf16(ds):
    return torch.from_numpy(np.ascontiguousarray(ds[...]).view(np.int16)).view(torch.bfloat16).cuda()


def u8(t):
    return t.contiguous().view(torch.uint8).cpu().numpy()


def main():
    import torchao
    from torchao.prototype.moe_training import kernels as K
    src, dst = sys.argv[1], sys.argv[2]
    if not os.path.exists(dst):
        shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        a = bf16(f["/inputs/a"])
        b = bf16(f["/inputs/b"])
        offsets = torch.from_numpy(f["/inputs/offsets"][...].astype(np.int32)).cuda()
        grad_out = bf16(f["/inputs/grad_out"]) if "/inputs/grad_out" in f else None
        G, Kd, N = b.shape
        name = "/results/torchao-triton-rowwise"
        if name in f:
            del f[name]
        g = f.create_group(name)
        g.attrs.update(dict(
            producer="torchao-triton", recipe="rowwise", fp8_format="e4m3fn", amax_nan="ignore",
            scale_compute="fp64", scale_pow2=1, cast_policy="satfinite", nan_arith="canonical",
            device=torch.cuda.get_device_name(), software="torchao %s; torch %s; triton %s; CUDA %s" % (
                torchao.__version__, torch.__version__, __import__("triton").__version__, torch.version.cuda),
            date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            script="scripts/peer_torchao.py"))
        skipped = []

        def put(operand, q, s, scale_shape):
            g.create_dataset(operand + "_fp8", data=u8(q)).attrs["dtype"] = "float8_e4m3fn"
            g.create_dataset(operand + "_scale", data=s.reshape(scale_shape).cpu().numpy().astype(np.float32))

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
            g.attrs["skipped"] = "; ".join(skipped)
        print(dst, name, "written:", sorted(k for k in g.keys()), "skipped:", skipped)


if __name__ == "__main__":
    main()
