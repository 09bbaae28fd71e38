#!/usr/bin/env python3
"""Input fixture for the block-scaled recipes (SPEC 8.3): every special case of a 1x32 / 1x128 block.

  python3 scripts/hip/make_block_input.py OUT.h5 [--rows 256] [--seed 20261205]

Writes /inputs/a [rows, 2048] and /inputs/grad_out [rows, 512] (bf16 bit patterns, SPEC 5, through
python/fp8moe_fixture) and no results. Rows are random normals with a per-row magnitude (2^-30 ..
2^30); then, block by block (32 elements, so that each 1x128 block holds four of them), one case
of the list below is planted in a block chosen at random, round-robin over the cases:

  nan+ / nan- / nan-payload   one NaN of either sign or a non-canonical payload in a normal block
  inf+ / inf-                 one +-Inf
  all-nan, all-inf            the whole block
  zero, neg-zero              all +0 / all -0
  subnormal                   bf16 subnormals only (amax < 2^-126: FLOOR code 0)
  tiny                        amax 2^-125 .. 2^-110 (RCEIL descale subnormal: code 0, 1 or more)
  bf16-max                    +-bf16 max (the largest code: FLOOR 246)
  pow2                        amax exactly 2^k (FLOOR and RCEIL boundary)
  448x2^k                     amax 448 * 2^k (RCEIL: descale a power of two up to rounding)
  7x2^k                       amax 7 * 2^k (RCEIL: the product with fl32(1/448) near a power of two)
  1.75x2^k                    amax 1.75 * 2^k (FLOOR: amax / scale = 448 exactly)
  overflow                    amax (2 - 2^-7) * 2^k: FLOOR gives amax / scale up to 511.0 (> 448)
  single                      one nonzero element, the rest zero
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import fp8moe_fixture as fx  # noqa: E402

CASES = ["nan+", "nan-", "nan-payload", "inf+", "inf-", "all-nan", "all-inf", "zero", "neg-zero",
         "subnormal", "tiny", "bf16-max", "pow2", "448x2^k", "7x2^k", "1.75x2^k", "overflow", "single"]


def bf16_bits(x):
    """float32 -> bf16 bit patterns, round to nearest even (NaN kept quiet)."""
    f = np.atleast_1d(np.asarray(x, np.float32))
    u = f.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(f)
    r[nan] = (u[nan] >> 16).astype(np.uint16) | 0x0040
    return r


def plant(block, case, rng):
    """Overwrites the 32 bf16 bit patterns of `block` (a view) with the case."""
    k = int(rng.integers(-20, 20))
    j = int(rng.integers(0, 32))
    sign = np.uint16(0x8000) if rng.integers(0, 2) else np.uint16(0)
    if case == "nan+":
        block[j] = 0x7FC0
    elif case == "nan-":
        block[j] = 0xFFC0
    elif case == "nan-payload":
        block[j] = 0x7F81
    elif case == "inf+":
        block[j] = 0x7F80
    elif case == "inf-":
        block[j] = 0xFF80
    elif case == "all-nan":
        block[:] = 0x7FC0
    elif case == "all-inf":
        block[:] = np.where(rng.integers(0, 2, 32) == 1, 0xFF80, 0x7F80).astype(np.uint16)
    elif case == "zero":
        block[:] = 0
    elif case == "neg-zero":
        block[:] = 0x8000
    elif case == "subnormal":
        block[:] = rng.integers(0, 0x80, 32).astype(np.uint16) | (rng.integers(0, 2, 32).astype(np.uint16) << 15)
    elif case == "tiny":
        block[:] = bf16_bits(rng.standard_normal(32) * 2.0 ** int(rng.integers(-125, -110)))
    elif case == "bf16-max":
        block[j] = 0x7F7F | sign
    else:
        amax = {"pow2": 2.0 ** k, "448x2^k": 448.0 * 2.0 ** k, "7x2^k": 7.0 * 2.0 ** k,
                "1.75x2^k": 1.75 * 2.0 ** k, "overflow": (2 - 2 ** -7) * 2.0 ** k, "single": 2.0 ** k}[case]
        if case == "single":
            block[:] = 0
        else:  # the rest strictly below amax
            block[:] = bf16_bits(np.clip(rng.standard_normal(32) * amax / 4, -amax / 2, amax / 2))
        block[j] = bf16_bits(amax)[0] | sign


def make(rows, cols, rng):
    scale = 2.0 ** rng.integers(-30, 31, size=(rows, 1))
    x = bf16_bits((rng.standard_normal((rows, cols)) * scale).astype(np.float32))
    blocks = x.reshape(-1, 32)
    order = rng.permutation(blocks.shape[0])
    for i, b in enumerate(order[: len(CASES) * (blocks.shape[0] // (2 * len(CASES)))]):
        plant(blocks[b], CASES[i % len(CASES)], rng)
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=256)
    ap.add_argument("--seed", type=int, default=20261205)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    a = make(args.rows, 2048, rng)
    grad_out = make(args.rows, 512, rng)
    with fx.create(args.out, a=a, grad_out=grad_out,
                   description=f"block-scaled specials: a [{args.rows}, 2048], grad_out [{args.rows}, 512], "
                               f"half of the 32-element blocks planted with {len(CASES)} cases; seed {args.seed}",
                   generator="scripts/hip/make_block_input.py", seed=args.seed):
        pass
    print("wrote", args.out)


if __name__ == "__main__":
    main()
