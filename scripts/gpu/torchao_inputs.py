"""Inputs for the torchao block-scaled peer run (scripts/gpu/peer_torchao_blockscaled.py): bf16
tensors whose blocks of 32 and 128 (along K and along M) and 128x128 weight blocks hold planted
specials, so that every scale mode and every NaN/Inf path of MXFP8 and blockwise quantization is
exercised. Development machine only (numpy, ml_dtypes, h5py; no torch):

    python3 scripts/gpu/torchao_inputs.py [OUTDIR]      # default fixtures/peers/torchao-inputs

writes
  specials.h5  a [256,256], b [2,256,256], offsets [96, 256] (M, K, N multiples of 128; a group
               boundary at 96 that is not a multiple of 128, so the blockwise grouped GEMM pads).
               Every planted special is listed in the file's `planted` attribute (one line each:
               row, columns, what, why).
  grouped.h5   the same shapes without specials (normal values over a wide dynamic range), for the
               blockwise grouped GEMM whose output is otherwise mostly NaN.
"""
import os
import sys

import ml_dtypes
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
import fp8moe_fixture as fx  # noqa: E402

BF16 = ml_dtypes.bfloat16
BF16_MAX = float(np.array(0x7F7F, np.uint16).view(BF16))
M, K, N, G = 256, 256, 256, 2
OFFSETS = np.array([96, 256], np.int32)


def bits(x):
    return np.asarray(x, np.float32).astype(BF16).view(np.uint16)


def base(rng, shape, spread):
    """Normal values, each row (last-but-one axis) scaled by its own power of two in
    [-spread, spread], so that neighbouring blocks get different scales."""
    x = rng.standard_normal(shape).astype(np.float32)
    e = rng.integers(-spread, spread + 1, size=shape[:-1] + (1,))
    return x * np.exp2(e).astype(np.float32)


def block_with_amax(rng, amax, n=32):
    """n values in (-amax, amax) with |max| exactly amax (bf16), the max at a random place."""
    v = rng.uniform(-0.9, 0.9, n).astype(np.float32) * amax
    v[rng.integers(0, n)] = amax * (1 if rng.random() < 0.5 else -1)
    return v


def specials(rng):
    a = base(rng, (M, K), 6)
    planted = []

    def plant(r, c0, vals, what):
        vals = np.asarray(vals, np.float32)
        a[r, c0:c0 + vals.size] = vals
        planted.append("a row %d cols %d..%d: %s" % (r, c0, c0 + vals.size - 1, what))

    nan, inf = np.float32("nan"), np.float32("inf")
    a[1, 5] = nan
    planted.append("a[1,5] = NaN: one NaN in a 1x32 block (cols 0..31), a 1x128 block, the 32x1 block rows 0..31 and the 128x1 block rows 0..127 of column 5")
    a[2, 40] = inf
    planted.append("a[2,40] = +Inf (1x32 block 1, 1x128 block 0, column 40's 32x1 and 128x1 blocks)")
    a[3, 200] = -inf
    planted.append("a[3,200] = -Inf (1x32 block 6, 1x128 block 1)")
    a[4, 64:96] = -inf
    planted.append("a row 4 cols 64..95: every element -Inf (a whole -Inf 1x32 block)")
    a[5, 100] = nan
    planted.append("a[5,100] = -NaN (bf16 bits 0xFFC0, sign set)")
    a[6, 0:128] = 0
    planted.append("a row 6 cols 0..127: all zero (four 1x32 blocks and a 1x128 block)")
    a[6, 130] = -0.0
    planted.append("a[6,130] = -0.0")
    plant(7, 0, block_with_amax(rng, 8.0), "amax exactly 2^3 (all four modes agree: code 122)")
    plant(8, 0, block_with_amax(rng, 15.9375), "amax (2-2^-7)*2^3, just below 2^4 (FLOOR 122, CEIL 123, EVEN 123, RCEIL 123)")
    plant(9, 0, block_with_amax(rng, 8.0625), "amax (1+2^-7)*2^3, just above 2^3 (FLOOR 122, CEIL 123, EVEN 122, RCEIL 122)")
    plant(10, 0, block_with_amax(rng, 15.5), "amax 1.9375*2^3 (EVEN rounds the amax up: 123; FLOOR 122; scaled values up to 496 saturate under FLOOR)")
    plant(11, 0, block_with_amax(rng, 15.0), "amax 1.875*2^3 (EVEN does not round up: 122)")
    plant(12, 0, block_with_amax(rng, 56.0), "amax 448*2^-3 = 1.75*2^5 (RCEIL: 56 * fp32(1/448) rounds to exactly 2^-3 or just above: the tie of RCEIL)")
    plant(13, 0, block_with_amax(rng, 18.75), "amax 300*2^-4 (RCEIL 2^-4 -> 123, CEIL 2^-3 -> 124)")
    plant(14, 0, block_with_amax(rng, 120.0), "amax 480*2^-2 (FLOOR 2^-2: 120 scales to 480 and saturates to 448; RCEIL and CEIL 2^-1)")
    plant(15, 0, block_with_amax(rng, 1e-39), "values in bf16's subnormal range (amax 1e-39): FLOOR/CEIL code 0 or 1, scale 2^127")
    plant(16, 0, block_with_amax(rng, 1e-20), "tiny normal values (amax 1e-20 < EPS 1e-12 of the blockwise kernels)")
    v = block_with_amax(rng, 400.0)
    v[1:8] = [1e-3, -2e-3, 3e-4, 1e-5, -7e-4, 5e-3, 1e-6]
    plant(17, 0, v, "amax 400 beside values 1e-6..5e-3: scaled into e4m3's subnormal range or flushed")
    plant(18, 0, block_with_amax(rng, BF16_MAX), "amax bf16 max (2-2^-7)*2^127 (FLOOR 246, CEIL/RCEIL 247)")
    a[18, 160] = -BF16_MAX
    planted.append("a[18,160] = -bf16 max (1x128 block 1)")
    plant(19, 32, np.float32(448.0) * np.where(rng.random(32) < 0.5, 1, -1).astype(np.float32),
          "every element +-448, e4m3's max (FLOOR/EVEN 127, CEIL 128, RCEIL 127 or 128: 448 * fp32(1/448))")
    # Blocks along M (columns of a): 32x1 and 128x1 specials.
    a[32:64, 250] = 0
    planted.append("a rows 32..63 col 250: all zero (a 32x1 block)")
    a[128:256, 251] = 0
    planted.append("a rows 128..255 col 251: all zero (a 128x1 block)")
    a[64:96, 249] = block_with_amax(rng, 0.25)
    planted.append("a rows 64..95 col 249: amax exactly 2^-2 (32x1)")
    a[96:128, 248] = block_with_amax(rng, 1.9375 * 32)
    planted.append("a rows 96..127 col 248: amax 1.9375*2^5 (32x1; EVEN vs FLOOR)")
    a[170, 247] = inf
    planted.append("a[170,247] = +Inf (32x1 block rows 160..191 of column 247; 128x1 block rows 128..255)")
    a[192:224, 246] = block_with_amax(rng, 5e-39)
    planted.append("a rows 192..223 col 246: bf16 subnormals (32x1)")
    a[224:256, 245] = block_with_amax(rng, 56.0)
    planted.append("a rows 224..255 col 245: amax 448*2^-3 (32x1; the RCEIL tie)")
    a_bits = bits(a)
    a_bits[5, 100] = 0xFFC0  # -NaN: numpy's float32 -> bf16 path would not keep the sign reliably

    b = base(rng, (G, K, N), 4)
    b[0, 3, 7] = nan
    b[0, 200, 200] = -inf
    b[0, 10, 200] = BF16_MAX
    b[1, 0:128, 0:128] = 0
    b[1, 130, 5] = inf
    b[1, 0:128, 128:256] = rng.standard_normal((128, 128)).astype(np.float32) * 1e-39
    b[1, 7, 140] = 3e-21
    b[1, 128:256, 128:256] *= np.exp2(rng.integers(-30, 31, size=(128, 128))).astype(np.float32)
    planted += [
        "b[0] block (k 0..127, n 0..127): NaN at b[0,3,7]",
        "b[0] block (k 128..255, n 128..255): -Inf at b[0,200,200]",
        "b[0] block (k 0..127, n 128..255): bf16 max at b[0,10,200]",
        "b[0] block (k 128..255, n 0..127): plain",
        "b[1] block (k 0..127, n 0..127): all zero",
        "b[1] block (k 128..255, n 0..127): +Inf at b[1,130,5]",
        "b[1] block (k 0..127, n 128..255): bf16 subnormals and 3e-21 (amax below EPS 1e-12)",
        "b[1] block (k 128..255, n 128..255): magnitudes 2^-30..2^30",
    ]
    return a_bits, bits(b), planted


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fixtures/peers/torchao-inputs")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(4179)
    a, b, planted = specials(rng)
    with fx.create(os.path.join(out, "specials.h5"), a=a, b=b, offsets=OFFSETS,
                   description="torchao block-scaled peer inputs: planted specials in 1x32, 32x1, 1x128, 128x1 and 128x128 blocks "
                               "(scripts/gpu/torchao_inputs.py, seed 4179)",
                   planted="\n".join(planted), made_by="scripts/gpu/torchao_inputs.py"):
        pass
    rng = np.random.default_rng(4180)
    with fx.create(os.path.join(out, "grouped.h5"), a=bits(base(rng, (M, K), 3)), b=bits(base(rng, (G, K, N), 3)),
                   offsets=OFFSETS, description="torchao block-scaled peer inputs: no specials, for the blockwise grouped GEMM "
                                                "(scripts/gpu/torchao_inputs.py, seed 4180)",
                   made_by="scripts/gpu/torchao_inputs.py"):
        pass
    for line in planted:
        print(line)


if __name__ == "__main__":
    main()
