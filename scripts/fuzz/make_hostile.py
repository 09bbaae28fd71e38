#!/usr/bin/env python3
"""Write fixtures/malformed/hostile/: one minimised reproducer per class of hostile fixture that
scripts/fuzz/fuzz.py found breaking `fp8moe verify` (crash, hang, memory, silent pass, a read of
another file, a fixture feature that must be refused, an unclear message). What each is, what
today's binary does and what it should do: fixtures/malformed/hostile/README.md.

Structure-aware cases are scripts/fuzz/mutants.py's builders applied to the committed control
fixtures; byte cases are the control fixture with the bytes that the campaign's minimiser kept
(PATCHES: offset -> new byte). Deterministic: rerunning gives the same bytes.

Usage: python3 scripts/fuzz/make_hostile.py [OUT_DIR]   (from the repository root;
default fixtures/malformed/hostile)
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutants as M  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else "fixtures/malformed/hostile"
CONTROL = "fixtures/malformed/valid-control.h5"
SMALL = "fixtures/reference/small-balanced.h5"

# name -> (seed, structure mutant)
STRUCTURE_CASES = {
    "silent-pass-soft-dangling-a.h5": (CONTROL, "soft-dangling:/inputs/a"),
    "silent-pass-group-for-result.h5": (CONTROL, "group-for-dataset:@result0"),
    "silent-pass-soft-cycle.h5": (CONTROL, "soft-cycle:/inputs/a,/inputs/b"),
    "outside-external-storage-passwd.h5": (CONTROL, "external-storage:/etc/passwd"),
    "not-refused-external-link-missing.h5": (CONTROL, "external-link-missing:/inputs/a"),
    "not-refused-virtual-dataset.h5": (CONTROL, "vds-same-file:/inputs/a"),
    "memory-external-storage-dev-zero.h5": (CONTROL, "external-storage:/dev/zero-2GiB"),
    "message-newline-in-attribute.h5": (CONTROL, "attr-newline:recipe"),
    "message-null-attribute.h5": (CONTROL, "attr-null:recipe"),
}

# name -> (seed, {offset: byte}): byte mutants of the seed, minimised by fuzz.py --minimise.
PATCHES = {
    "crash-segv-vlen-attribute.h5": (SMALL, {4341: 0x80}),
    "crash-abort-free-on-close.h5": (CONTROL, {2409: 0x20}),
    "hang-global-heap.h5": (CONTROL, {2224: 0x00, 2232: 0x00}),
    "silent-pass-unreadable-result.h5": (SMALL, {25521: 0xC4}),
    "message-found-a-other.h5": (SMALL, {7553: 0x04}),
    "memory-object-header-attribute.h5": (SMALL, {7158: 0x40}),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        ctx = M.make_canaries(os.path.join(work, "ctx"))
        for name, (seed, mutant) in STRUCTURE_CASES.items():
            fn, _ = M.STRUCTURE[mutant]
            path = os.path.join(OUT, name)
            if fn(seed, path, ctx) is False:
                raise SystemExit("make_hostile: %s did not build on %s" % (mutant, seed))
    for name, (seed, patch) in PATCHES.items():
        data = bytearray(open(seed, "rb").read())
        for offset, byte in patch.items():
            data[offset] = byte
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes(data))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
