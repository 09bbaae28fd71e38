#!/usr/bin/env python3
"""Whether two builds' kernels are the same device code: compares the PTX of every kernel entry.

  ptx_same.py OLD.ptx NEW.ptx [--rename 'REGEX=>REPLACEMENT' ...]

Make the PTX with the flags of scripts/hip/build.sh nvidia plus -ptx, from two trees, e.g.
  git archive REV hip | tar -x -C /tmp/old
  nvcc -std=c++17 -O3 -arch=sm_90 -Ihip/include -Ihip/kernels -x cu -ptx hip/kernels/quantize_launch.hip -o new.ptx
(the same in /tmp/old for old.ptx). Each entry of NEW is matched to the OLD entry of the same
mangled name, after the --rename substitutions are applied to OLD's names (for template
parameters that were removed or renamed). Bodies are compared after the entry's own name, the
basic-block label numbers ($L__BB<n>_) and the mangled names of shared arrays are normalized.
Prints one line per NEW entry (identical / DIFFERENT / no counterpart) and exits 1 unless every
NEW entry is identical to its counterpart. Use it to show that a refactor of the kernels left the
machine code that was measured and tested on a GPU unchanged (ptxas is deterministic).
"""
import argparse
import re
import sys


def entries(path):
    """{mangled name: PTX text of the entry}."""
    text = open(path, encoding="utf-8").read()
    out = {}
    for m in re.finditer(r"\.visible \.entry (\S+)\(", text):
        end = text.index("\n}\n", m.start()) + 3
        out[m.group(1)] = text[m.start():end]
    return out


def normalized(body, name):
    body = body.replace(name, "ENTRY")
    body = re.sub(r"\$L__BB\d+_", "$L__BB_", body)
    return re.sub(r"_ZZN\w+?E\d+\w+", "SHARED", body)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rename", action="append", default=[], metavar="REGEX=>REPLACEMENT")
    args = ap.parse_args()
    old, new = entries(args.old), entries(args.new)
    renamed = {}
    for name in old:
        target = name
        for rule in args.rename:
            pattern, replacement = rule.split("=>", 1)
            target = re.sub(pattern, replacement, target)
        renamed[target] = name
    bad = 0
    for name in sorted(new):
        if name not in renamed:
            print(f"no counterpart  {name}")
            bad += 1
            continue
        same = normalized(new[name], name) == normalized(old[renamed[name]], renamed[name])
        print(f"{'identical' if same else 'DIFFERENT'}  {name}" + ("" if renamed[name] == name else f"  (was {renamed[name]})"))
        bad += not same
    print(f"{len(new) - bad} of {len(new)} kernels identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
