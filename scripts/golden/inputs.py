"""Shared input sets for the FP8 golden tables (fixtures/golden/*.h5).

Every golden producer stores exactly these inputs, so row i of every table is
the conversion of the same source bit pattern.

  bf16: uint16[65536], every bit pattern 0..0xFFFF
  f16 : uint16[65536], every bit pattern 0..0xFFFF
  f32 : uint32[N], a boundary set (sorted by bit pattern, unique), built here
        from the format definitions of SPEC.md section 2 alone (bias, mantissa
        bits, NaN/Inf codes), independently of any FP8 implementation or of the
        project's emulator. Pure Python + numpy (no ml_dtypes, no torch), and
        the random part uses a self-contained splitmix64 so it is identical on
        every numpy version.

Run `python3 scripts/golden/inputs.py` to print a summary of the f32 set.
"""

from fractions import Fraction
import struct

import numpy as np

RANDOM_SEED = 0xF8F8_2026_0001_C0DE
RANDOM_COUNT = 4096

# name -> definition.  kind:
#   "fn"   : no Inf; the all-ones code (|code| == 0x7F) is NaN, both signs; -0 exists
#   "ieee" : exponent all ones: mantissa 0 -> Inf, else NaN; -0 exists
#   "fnuz" : 0x80 is the only NaN; no Inf; no -0
#   "e8m0" : unsigned, no mantissa, value 2^(code-127), 0xFF NaN, no zero
FORMATS = {
    "e4m3fn":   dict(ebits=4, mbits=3, bias=7,   kind="fn"),
    "e5m2":     dict(ebits=5, mbits=2, bias=15,  kind="ieee"),
    "e4m3fnuz": dict(ebits=4, mbits=3, bias=8,   kind="fnuz"),
    "e5m2fnuz": dict(ebits=5, mbits=2, bias=16,  kind="fnuz"),
    "e8m0fnu":  dict(ebits=8, mbits=0, bias=127, kind="e8m0"),
}
FORMAT_NAMES = list(FORMATS)

# Expected values from SPEC.md section 2 (checked by self_check()).
SPEC_MAX = {"e4m3fn": (448, 0x7E), "e5m2": (57344, 0x7B), "e4m3fnuz": (240, 0x7F),
            "e5m2fnuz": (57344, 0x7F), "e8m0fnu": (2 ** 127, 0xFE)}
SPEC_MIN_SUB = {"e4m3fn": Fraction(1, 2 ** 9), "e5m2": Fraction(1, 2 ** 16),
                "e4m3fnuz": Fraction(1, 2 ** 10), "e5m2fnuz": Fraction(1, 2 ** 17)}


def decode(fmt, code):
    """Decode one 8-bit code of `fmt` from its definition.

    Returns a Fraction (finite; the sign of zero is lost, see decode_sign),
    the string "nan", or "+inf"/"-inf".
    """
    d = FORMATS[fmt]
    eb, mb, bias, kind = d["ebits"], d["mbits"], d["bias"], d["kind"]
    if kind == "e8m0":
        if code == 0xFF:
            return "nan"
        return Fraction(2) ** (code - bias)
    sign = -1 if code & 0x80 else 1
    e = (code >> mb) & ((1 << eb) - 1)
    m = code & ((1 << mb) - 1)
    emax_field = (1 << eb) - 1
    if kind == "fnuz" and code == 0x80:
        return "nan"
    if kind == "fn" and (code & 0x7F) == 0x7F:
        return "nan"
    if kind == "ieee" and e == emax_field:
        return "nan" if m else ("+inf" if sign > 0 else "-inf")
    if e == 0:
        v = Fraction(m, 1 << mb) * Fraction(2) ** (1 - bias)
    else:
        v = (1 + Fraction(m, 1 << mb)) * Fraction(2) ** (e - bias)
    return sign * v


def finite_magnitudes(fmt):
    """Sorted list of the distinct finite non-negative values of `fmt`."""
    vals = set()
    for c in range(256):
        v = decode(fmt, c)
        if isinstance(v, Fraction):
            vals.add(abs(v))
    return sorted(vals)


def f32_bits_exact(x):
    """fp32 bit pattern of a Fraction that must be exactly representable."""
    f = float(x)  # exact: all values here have few significant bits
    if Fraction(f) != x:
        raise ValueError(f"{x} not exact in float64")
    b = struct.unpack("<I", struct.pack("<f", f))[0]
    back = Fraction(struct.unpack("<f", struct.pack("<I", b))[0])
    if back != x:
        raise ValueError(f"{x} not exactly representable in fp32")
    return b


def neighbours(bits):
    """bits and the fp32 values one ulp either side (same sign; bits is |x|)."""
    out = [bits]
    if bits > 0:
        out.append(bits - 1)
    if bits < 0x7F800000:
        out.append(bits + 1)
    return out


def splitmix64(seed, n):
    out = []
    s = seed & 0xFFFFFFFFFFFFFFFF
    for _ in range(n):
        s = (s + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        z = z ^ (z >> 31)
        out.append(z)
    return out


FP32_INF = 0x7F800000
FP32_MAX = 0x7F7FFFFF
NAN_PATTERNS = [
    0x7FC00000,  # canonical quiet NaN
    0x7FC00001,
    0x7FE00000,
    0x7FFFFFFF,  # CUDA canonical NaN
    0x7F800001,  # signalling, smallest payload
    0x7FA00000,  # signalling
    0x7FBFFFFF,  # signalling, largest payload
]
FP32_SUBNORMALS = [0x00000001, 0x00000002, 0x00000003, 0x00000100, 0x00001000,
                   0x00100000, 0x00400000, 0x00400001, 0x00600000, 0x007FFFFF]


def f32_boundary_magnitudes():
    """Non-negative fp32 bit patterns (sign added later), with a reason for each class."""
    mags = set()
    for fmt in FORMATS:
        vals = finite_magnitudes(fmt)
        # every representable value, +-1 fp32 ulp
        for v in vals:
            mags.update(neighbours(f32_bits_exact(v)))
        # every midpoint between adjacent representable values, +-1 fp32 ulp
        for a, b in zip(vals, vals[1:]):
            mags.update(neighbours(f32_bits_exact((a + b) / 2)))
        # below the smallest value: half, quarter of it (+-1 ulp)
        lo = vals[0] if vals[0] != 0 else vals[1]
        for k in (2, 4):
            mags.update(neighbours(f32_bits_exact(lo / k)))
        # overflow thresholds: max finite, max + half ulp of the top binade,
        # max + a whole ulp (the next code an unbounded format would have), 2*max
        mx = vals[-1]
        below = vals[-2]
        top_ulp = mx - below  # e8m0: 2^126 (spacing of the top binade's lower neighbour)
        if FORMATS[fmt]["kind"] == "e8m0":
            top_ulp = mx  # next e8m0 value would be 2*max; its half-way point is 1.5*max
        for extra in (mx, mx + top_ulp / 2, mx + top_ulp, 2 * mx):
            try:
                mags.update(neighbours(f32_bits_exact(extra)))
            except (ValueError, OverflowError):
                pass  # beyond fp32 (e8m0: 2^128)
    # every power of two representable in fp32, 2^-149 .. 2^127
    for e in range(-149, 128):
        mags.add(f32_bits_exact(Fraction(2) ** e))
    # fp32 specials
    mags.update([0, FP32_INF, FP32_MAX, FP32_MAX - 1, 0x00800000, 0x00800001])
    mags.update(FP32_SUBNORMALS)
    mags.update(NAN_PATTERNS)
    return mags


def make_f32_inputs():
    mags = f32_boundary_magnitudes()
    bits = set()
    for m in mags:
        bits.add(m)
        bits.add(m | 0x80000000)
    bits.add(0xFFC00000)  # (already implied) negative quiet NaN, listed for clarity
    for z in splitmix64(RANDOM_SEED, RANDOM_COUNT):
        bits.add(z & 0xFFFFFFFF)
    arr = np.array(sorted(bits), dtype=np.uint32)
    assert arr.ndim == 1 and np.all(np.diff(arr.astype(np.int64)) > 0)
    return arr


def make_inputs():
    """Dict source -> unsigned bit-pattern array; the one definition of the inputs."""
    self_check()
    return {
        "bf16": np.arange(65536, dtype=np.uint32).astype(np.uint16),
        "f16": np.arange(65536, dtype=np.uint32).astype(np.uint16),
        "f32": make_f32_inputs(),
    }


# numpy view dtypes for the sources (bf16 has none in numpy: producers view it themselves)
SOURCE_ATTR_DTYPE = {"bf16": "bfloat16", "f16": "float16", "f32": "float32"}
FORMAT_ATTR_DTYPE = {f: "float8_" + f for f in FORMATS}


def self_check():
    for fmt, (mx, code) in SPEC_MAX.items():
        assert decode(fmt, code) == mx, (fmt, decode(fmt, code), mx)
        assert finite_magnitudes(fmt)[-1] == mx, fmt
    for fmt, ms in SPEC_MIN_SUB.items():
        assert finite_magnitudes(fmt)[1] == ms, fmt
    assert decode("e8m0fnu", 0) == Fraction(1, 2 ** 127)
    assert decode("e4m3fn", 0x7F) == "nan" and decode("e4m3fn", 0xFF) == "nan"
    assert decode("e5m2", 0x7C) == "+inf" and decode("e5m2", 0xFC) == "-inf"
    assert decode("e5m2", 0x7D) == "nan" and decode("e5m2", 0xFF) == "nan"
    assert decode("e4m3fnuz", 0x80) == "nan" and decode("e5m2fnuz", 0x80) == "nan"
    assert decode("e8m0fnu", 0xFF) == "nan"
    # distinct finite magnitudes: e4m3fn 127 (incl. 0), e5m2 124, fnuz 128, e8m0 255
    counts = {f: len(finite_magnitudes(f)) for f in FORMATS}
    assert counts == {"e4m3fn": 127, "e5m2": 124, "e4m3fnuz": 128, "e5m2fnuz": 128,
                      "e8m0fnu": 255}, counts


if __name__ == "__main__":
    inp = make_inputs()
    f = inp["f32"]
    print("f32 inputs:", f.size, "first", hex(f[0]), "last", hex(f[-1]))
    v = f.view(np.float32)
    print("  NaN:", int(np.isnan(v).sum()), " Inf:", int(np.isinf(v).sum()),
          " zero:", int((v == 0).sum()), " subnormal:",
          int(((f & 0x7F800000) == 0).sum() - (v == 0).sum()))
    import hashlib
    print("  sha256(f32 bytes):", hashlib.sha256(f.tobytes()).hexdigest())
