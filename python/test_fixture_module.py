"""CI test of python/fp8moe_fixture against `fp8moe verify` (no GPU; torch optional).

Usage: python3 python/test_fixture_module.py [PATH/TO/fp8moe]   (default .build/debug/fp8moe)

A small rowwise producer (a [M,K] per row, b [G,K,N] per expert column, the forward GEMM `out`
exact then rounded once to bf16) is computed from CPU torch tensors when torch is installed,
else from NumPy arrays, and written with the module two ways (a new fixture; a copy of its
inputs). `fp8moe verify` must exit 0 on both and exit 1, with exactly one mismatch, once one
payload byte is changed. Storage (dtype attributes, bit patterns, flags, e8m0, v110 bounds)
and provenance are checked with h5py.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torch
except ImportError:
    torch = None
import fp8moe_fixture as fx

M, K, N, G = 64, 32, 16, 4
OFFSETS = [16, 32, 48, 64]
FP8_MAX = 448.0


def e4m3fn_table():
    """Values of the positive finite e4m3fn codes 0x00..0x7E (bias 7, 3 mantissa bits)."""
    v = []
    for c in range(0x7F):
        e, m = c >> 3, c & 7
        v.append(m * 2.0 ** -9 if e == 0 else (1 + m / 8) * 2.0 ** (e - 7))
    return np.array(v)


def encode_e4m3fn(x):
    """Round fp32 values in [-448, 448] to e4m3fn codes, nearest, ties to the even code."""
    table = e4m3fn_table()
    mag = np.abs(x.astype(np.float64))
    hi = np.clip(np.searchsorted(table, mag), 1, 0x7E)
    lo = hi - 1
    dlo, dhi = mag - table[lo], table[hi] - mag
    code = np.where(dlo < dhi, lo, np.where(dhi < dlo, hi, np.where(lo % 2 == 0, lo, hi)))
    code = np.where(mag >= table[0x7E], 0x7E, code)
    return (code | np.where(np.signbit(x), 0x80, 0)).astype(np.uint8)


def decode_e4m3fn(codes):
    table = e4m3fn_table()
    v = table[codes & 0x7F]
    return np.where(codes & 0x80, -v, v)


def bf16_bits(x64):
    """fp64 values -> bf16 bit patterns, one rounding (nearest, ties to even); normal range."""
    m, e = np.frexp(x64)
    r = np.ldexp(np.rint(m * 256.0), e - 8).astype(np.float32)  # exact: 8 significant bits
    return (r.view(np.uint32) >> 16).astype(np.uint16)


def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def pow2_scale(amax):
    """torchao's amax_to_scale with power-of-two rounding: fp8_max / max(amax, 1e-12) in fp64,
    then fp32, then 2^floor(log2 s) (by frexp, exact)."""
    s = (FP8_MAX / np.maximum(amax.astype(np.float64), 1e-12)).astype(np.float32)
    _, e = np.frexp(s)
    return np.ldexp(np.float32(1), e - 1).astype(np.float32)


def inputs():
    rng = np.random.default_rng(20261201)
    a = bf16_bits(rng.standard_normal((M, K)))
    b = bf16_bits(rng.standard_normal((G, K, N)) * 2.0 ** -6)
    return a, b


def rowwise_numpy(a_bits, b_bits):
    a = bf16_to_f32(a_bits)
    b = bf16_to_f32(b_bits)
    sa = pow2_scale(np.abs(a).max(axis=1))                      # [M]
    sb = pow2_scale(np.abs(b).max(axis=1))                      # [G, N]
    qa = encode_e4m3fn(np.clip(a * sa[:, None], -FP8_MAX, FP8_MAX))
    qb = encode_e4m3fn(np.clip(b * sb[:, None, :], -FP8_MAX, FP8_MAX))
    return qa, sa, qb, sb


def rowwise_torch(a_bits, b_bits):
    a = torch.from_numpy(a_bits.view(np.int16)).view(torch.bfloat16)
    b = torch.from_numpy(b_bits.view(np.int16)).view(torch.bfloat16)

    def scale(amax):
        s = (FP8_MAX / amax.double().clamp(min=1e-12)).float()
        return torch.exp2(torch.floor(torch.log2(s)))
    sa = scale(a.float().abs().amax(dim=1))
    sb = scale(b.float().abs().amax(dim=1))
    qa = (a.float() * sa[:, None]).clamp(-FP8_MAX, FP8_MAX).to(torch.float8_e4m3fn)
    qb = (b.float() * sb[:, None, :]).clamp(-FP8_MAX, FP8_MAX).to(torch.float8_e4m3fn)
    return qa, sa, qb, sb


def exact_out(qa, sa, qb, sb):
    """The forward grouped GEMM of the dequantized operands, exact in fp64 (products of e4m3
    values are exact, K = 32 terms stay far inside 53 bits), rounded once to bf16."""
    da = decode_e4m3fn(qa) / sa[:, None].astype(np.float64)
    db = decode_e4m3fn(qb) / sb[:, None, :].astype(np.float64)
    out = np.zeros((M, N))
    start = 0
    for g, end in enumerate(OFFSETS):
        out[start:end] = da[start:end] @ db[g]
        start = end
    return bf16_bits(out)


def as_numpy(x):
    if torch is not None and isinstance(x, torch.Tensor):
        if x.dtype == torch.float8_e4m3fn:
            return x.view(torch.uint8).numpy()
        return x.numpy()
    return x


RECIPE = dict(recipe="rowwise", fp8_format="e4m3fn", amax_nan="propagate", scale_compute="fp64",
              scale_pow2=True, cast_policy="nosat", nan_arith="canonical")


def write(path, tmp):
    a_bits, b_bits = inputs()
    offsets = np.array(OFFSETS, dtype=np.int32)
    if torch is not None:
        qa, sa, qb, sb = rowwise_torch(a_bits, b_bits)
        a = torch.from_numpy(a_bits.view(np.int16)).view(torch.bfloat16)
        b = torch.from_numpy(b_bits.view(np.int16)).view(torch.bfloat16)
        offsets = torch.tensor(OFFSETS, dtype=torch.int64)  # the module stores int32
        out_bits = exact_out(as_numpy(qa), as_numpy(sa), as_numpy(qb), as_numpy(sb))
        out = torch.from_numpy(out_bits.view(np.int16)).view(torch.bfloat16)
        out_kw, fp8_kw = {}, {}
    else:
        qa, sa, qb, sb = rowwise_numpy(a_bits, b_bits)
        a, b, out = a_bits, b_bits, exact_out(qa, sa, qb, sb)  # raw uint16 bf16 bit patterns
        out_kw = {"dtype": "bfloat16"}
        fp8_kw = {"dtype": "float8_e4m3fn"}
    with fx.create(path, a=a, b=b, offsets=offsets, description="fp8moe_fixture CI test") as f:
        write_results(f, qa, sa, qb, sb, out, fp8_kw, out_kw)
    copy = os.path.join(tmp, "copy.h5")
    with fx.copy_inputs(path, copy) as f:
        write_results(f, qa, sa, qb, sb, out, fp8_kw, out_kw)
    return copy


def write_results(f, qa, sa, qb, sb, out, fp8_kw, out_kw):
    (f.results("test-rowwise", **RECIPE)
     .put("a_fp8", qa, reduction="rowwise", **fp8_kw).put("a_scale", sa, reduction="rowwise")
     .put("b_fp8", qb, reduction="rowwise", **fp8_kw).put("b_scale", sb, reduction="rowwise")
     .put("out", out, use_fast_accum=False, **out_kw))


def verify(binary, path):
    js = path + ".json"
    p = subprocess.run([binary, "verify", path, "--json", js], capture_output=True, text=True)
    summary = json.load(open(js)) if os.path.exists(js) else None
    return p.returncode, p.stdout + p.stderr, summary


def mismatches(summary, dataset=None):
    """Mismatches of one dataset (or of all) of producer test-rowwise in a verify JSON summary."""
    datasets = summary["producers"]["test-rowwise"]["datasets"]
    return sum(d["mismatches"] for name, d in datasets.items() if dataset in (None, name))


def result_group(check, tmp):
    """fx.ResultGroup, as the GPU peer scripts use it: a step that raises is recorded (its
    first error line, cut to error_chars) in the group's `skipped` attribute, the run goes on;
    after_step runs after each step that did not raise; one line printed per group."""
    import contextlib
    import io
    path = os.path.join(tmp, "groups.h5")
    synced = []
    printed, tracebacks = io.StringIO(), io.StringIO()

    def fail():
        raise ValueError("bad " + "x" * 50 + "\nsecond line")

    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(tracebacks):
        with fx.create(path) as f:
            g = fx.ResultGroup(f, "peer", after_step=lambda: synced.append(1), error_chars=20, label_width=6,
                               recipe="mxfp8")
            ok = g.attempt("one", lambda: g.put("a_fp8", np.zeros(4, dtype=np.uint8), dtype="float8_e4m3fn"))
            failed = g.attempt("two", fail)
            g.finish(checked=1)
            fx.ResultGroup(f, "clean").finish()
    check("ResultGroup attempt returns", ok is True and failed is False, "%r %r" % (ok, failed))
    check("ResultGroup after_step only after a step that succeeded", synced == [1], str(synced))
    check("ResultGroup traceback printed", "ValueError: bad" in tracebacks.getvalue(), tracebacks.getvalue())
    with h5py.File(path, "r") as f:
        g = f["results/peer"]
        skipped = g.attrs.get("skipped")
        check("ResultGroup skipped attribute", skipped == "two: ValueError: " + ("bad " + "x" * 16) + "...", repr(skipped))
        check("ResultGroup keeps attributes and data", g.attrs["recipe"] == "mxfp8" and int(g.attrs["checked"]) == 1
              and list(g.keys()) == ["a_fp8"], str(dict(g.attrs)))
        check("ResultGroup no skipped attribute when none failed", "skipped" not in f["results/clean"].attrs)
    lines = printed.getvalue().splitlines()
    check("ResultGroup log lines", lines == ["  peer   a_fp8  SKIPPED " + skipped, "  " + "clean".ljust(34) + " -"], repr(lines))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/fp8moe"
    passed, failed = 0, 0

    def check(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s %s" % (name, detail))

    tmp = tempfile.mkdtemp(prefix="fp8moe-fixture-test-")
    try:
        path = os.path.join(tmp, "new.h5")
        copy = write(path, tmp)
        result_group(check, tmp)
        print("fp8moe_fixture test: tensors from %s" % ("torch %s (CPU)" % torch.__version__ if torch else "numpy"))

        with h5py.File(path, "r") as f:
            check("root schema", f.attrs["schema"] == "fp8moe-fixture" and int(f.attrs["schema_version"]) == 1)
            # libhdf5 1.10 reads superblocks up to version 3 (fp8moe, linked to 1.10, reads it below).
            check("superblock readable by 1.10", f.id.get_create_plist().get_version()[0] <= 3)
            check("a bf16", f["inputs/a"].dtype == np.uint16 and f["inputs/a"].attrs["dtype"] == "bfloat16")
            check("offsets int32", f["inputs/offsets"].dtype == np.int32 and list(f["inputs/offsets"][...]) == OFFSETS)
            g = f["results/test-rowwise"]
            check("fp8 payload", g["a_fp8"].dtype == np.uint8 and g["a_fp8"].attrs["dtype"] == "float8_e4m3fn"
                  and g["a_fp8"].attrs["reduction"] == "rowwise")
            check("bf16 out", g["out"].dtype == np.uint16 and g["out"].attrs["dtype"] == "bfloat16")
            check("fp32 scale", g["a_scale"].dtype == np.float32 and g["a_scale"].shape == (M,))
            check("flag as integer", isinstance(g.attrs["scale_pow2"], np.integer) and g.attrs["scale_pow2"] == 1
                  and g["out"].attrs["use_fast_accum"] == 0)
            for k in ("producer", "device", "software", "date", "script", "command", "python_version",
                      "numpy_version", "h5py_version"):
                check("provenance " + k, k in g.attrs, str(dict(g.attrs)))
            check("script named", g.attrs["script"].endswith("test_fixture_module.py"), g.attrs["script"])
            if torch is not None:
                check("torch version", g.attrs.get("torch_version") == torch.__version__)
        with h5py.File(copy, "r") as f:
            check("copy keeps inputs", sorted(f["inputs"].keys()) == ["a", "b", "offsets"]
                  and f.attrs.get("inputs_copied_from") == "new.h5")

        # e8m0 codes and raw-type errors (storage only; no verify).
        e8 = os.path.join(tmp, "e8m0.h5")
        with fx.create(e8) as f:
            f.results("e8m0-demo").put("a_scale", np.array([127, 0, 254, 255], dtype=np.uint8), dtype="float8_e8m0fnu")
        with h5py.File(e8, "r") as f:
            d = f["results/e8m0-demo/a_scale"]
            check("e8m0 stored", d.dtype == np.uint8 and d.attrs["dtype"] == "float8_e8m0fnu" and list(d[...]) == [127, 0, 254, 255])
        try:
            fx.stored(np.zeros(3, dtype=np.float32), dtype="bfloat16")
            check("raw bf16 must be uint16", False)
        except ValueError:
            check("raw bf16 must be uint16", True)

        for name, p in (("new fixture", path), ("copied inputs", copy)):
            rc, text, summary = verify(binary, p)
            check("verify exit 0 (%s)" % name, rc == 0, text)
            check("verify 0 mismatches (%s)" % name, summary is not None and mismatches(summary) == 0, text)

        bad = os.path.join(tmp, "bad.h5")
        shutil.copyfile(path, bad)
        with h5py.File(bad, "r+") as f:
            d = f["results/test-rowwise/a_fp8"]
            codes = d[...]
            codes[3, 5] ^= 0x01  # one payload byte off by one code
            d[...] = codes
        rc, text, summary = verify(binary, bad)
        check("verify exit 1 on a planted wrong byte", rc == 1, text)
        check("exactly one a_fp8 mismatch", summary is not None and mismatches(summary, "a_fp8") == 1, text)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
