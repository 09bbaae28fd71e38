#!/usr/bin/env python3
"""Write fixtures/malformed/: one small file per way a fixture can break the schema of SPEC
section 5, each of which `fp8moe verify` must refuse with exit status 2 and a message naming
the file, the HDF5 path and the problem (Tests/VerifyTests/MalformedCorpusTests.swift; the
expected messages are listed in fixtures/malformed/README.md).

Every file starts from the same valid fixture (M=8, K=4, N=4, G=2, written here with h5py and
numpy from fixed values) and differs from it by one defect. `valid-control.h5` is that fixture
unchanged; verify accepts it (exit 0), so each refusal is due to its defect alone.
The output is deterministic: no timestamps (track_times=False), fixed data, fixed order.
Usage: python3 scripts/make_malformed.py   (from the repository root)
"""
import os
import h5py
import numpy as np

OUT = "fixtures/malformed"
M, K, N, G = 8, 4, 4, 2
OFFSETS = [3, 8]


def bf16_bits(x):
    """float32 -> bf16 bit patterns (round to nearest even; the values used are exact)."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


# Fixed small values, exact in bf16 (multiples of 1/8 in [-4, 4)).
A = ((np.arange(M * K).reshape(M, K) * 7) % 64 - 32).astype(np.float32) / 8
B = ((np.arange(G * K * N).reshape(G, K, N) * 5) % 48 - 24).astype(np.float32) / 8
GRAD_OUT = ((np.arange(M * N).reshape(M, N) * 3) % 40 - 20).astype(np.float32) / 8


def a_scale_rowwise(a):
    """torchao rowwise: 448 / max(amax, 1e-12) in fp64, to fp32, rounded down to a power of 2."""
    amax = np.max(np.abs(a.astype(np.float64)), axis=1)
    s = (448.0 / np.maximum(amax, 1e-12)).astype(np.float32)
    return np.exp2(np.floor(np.log2(s))).astype(np.float32)


RESULT_ATTRS = {
    "producer": "malformed-corpus", "device": "none", "software": "scripts/make_malformed.py",
    "recipe": "rowwise", "fp8_format": "e4m3fn", "amax_nan": "propagate", "scale_compute": "fp64",
    "scale_pow2": np.int64(1), "cast_policy": "nosat", "nan_arith": "canonical",
}


def dataset(group, name, data, dtype_attr=None):
    d = group.create_dataset(name, data=data, track_times=False)
    if dtype_attr is not None:
        d.attrs["dtype"] = dtype_attr
    return d


def write(name, *, schema="fp8moe-fixture", version=np.int64(1), inputs=True,
          a=None, a_dtype="bfloat16", b=None, offsets=None, attrs=None, a_scale=None):
    """The valid fixture, with any argument given replacing its part."""
    path = os.path.join(OUT, name)
    with h5py.File(path, "w", track_order=False) as f:
        f.attrs["schema"] = schema
        f.attrs["schema_version"] = version
        f.attrs["description"] = f"malformed corpus: {name} (scripts/make_malformed.py)"
        if inputs:
            i = f.create_group("inputs")
            dataset(i, "a", bf16_bits(A) if a is None else a, a_dtype)
            dataset(i, "b", bf16_bits(B) if b is None else b, "bfloat16")
            dataset(i, "offsets", np.asarray(OFFSETS if offsets is None else offsets, dtype=np.int32))
            dataset(i, "grad_out", bf16_bits(GRAD_OUT), "bfloat16")
        r = f.create_group("results/malformed-corpus")
        for k, v in {**RESULT_ATTRS, **(attrs or {})}.items():
            r.attrs[k] = v
        dataset(r, "a_scale", a_scale_rowwise(A) if a_scale is None else a_scale)
    return path


os.makedirs(OUT, exist_ok=True)
control = write("valid-control.h5")
write("wrong-schema.h5", schema="fp8moe-fixtures")
write("wrong-schema-version.h5", version=np.int64(2))
write("missing-inputs.h5", inputs=False)
write("a-missing-dtype.h5", a_dtype=None)
write("a-int32.h5", a=bf16_bits(A).astype(np.int32))
write("a-float32.h5", a=A)
write("k-mismatch.h5", b=bf16_bits(np.zeros((G, K + 1, N), np.float32)))
write("b-not-3d.h5", b=bf16_bits(B.reshape(G * K, N)))
write("offsets-wrong-length.h5", offsets=[2, 5, 8])
write("offsets-decreasing.h5", offsets=[6, 4])
write("offsets-negative.h5", offsets=[-1, 8])
write("offsets-beyond-m.h5", offsets=[3, M + 1])
write("unknown-recipe.h5", attrs={"recipe": "blockwise"})
write("unknown-cast-policy.h5", attrs={"cast_policy": "round-to-odd"})
write("unknown-fp8-format.h5", attrs={"fp8_format": "e3m4"})
write("a-scale-wrong-shape.h5", a_scale=a_scale_rowwise(A)[: M - 1])

data = open(control, "rb").read()
with open(os.path.join(OUT, "truncated.h5"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(OUT, "not-hdf5.h5"), "wb") as f:
    f.write(b"fp8moe fixture? no: this is plain text, not HDF5.\n")
open(os.path.join(OUT, "empty.h5"), "wb").close()
print("wrote", OUT)
