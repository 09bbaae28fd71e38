#!/usr/bin/env python3
"""Apply one planted bug (a mutant of hip/mutants/) to a COPY of hip/.

    scripts/mutation/apply.py MUTANT_FILE HIP_COPY_DIR [--check]

A mutant file is `key: value` lines (docs: hip/mutants/README.md):
    id, bug, file (relative to hip/), original, replacement, expect, [occurrence]
`original` is an exact snippet of one line of `file`; it must occur exactly once in the file,
or `occurrence: N` names which of its matches (1-based) is replaced. The result must differ from
the source in exactly one line. Prints the unified diff line pair. Exit 1 on any failure, nothing
written then. The source tree is never touched: only HIP_COPY_DIR/file is rewritten.
"""
import sys
from pathlib import Path

KEYS = {"id", "bug", "file", "original", "replacement", "expect", "occurrence", "note"}


def parse(path):
    fields = {}
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(": ")
        if not sep or key not in KEYS:
            raise SystemExit(f"{path}:{n}: expected 'key: value' with key in {sorted(KEYS)}")
        if key in fields and key != "note":
            raise SystemExit(f"{path}:{n}: {key} given twice")
        fields[key] = fields.get(key, "") + (" " if key in fields else "") + value
    for key in ("id", "file", "original", "replacement", "expect"):
        if key not in fields:
            raise SystemExit(f"{path}: no '{key}:' line")
    return fields


def apply(fields, root):
    target = Path(root) / fields["file"]
    text = target.read_text()
    orig, repl = fields["original"], fields["replacement"]
    starts, i = [], text.find(orig)
    while i >= 0:
        starts.append(i)
        i = text.find(orig, i + 1)
    occ = int(fields.get("occurrence", "0"))
    if occ == 0 and len(starts) != 1:
        raise SystemExit(f"{fields['id']}: '{orig}' occurs {len(starts)} times in {fields['file']} (need exactly 1, or occurrence:)")
    if occ and not (1 <= occ <= len(starts)):
        raise SystemExit(f"{fields['id']}: occurrence {occ} of '{orig}' asked, {len(starts)} found in {fields['file']}")
    at = starts[occ - 1] if occ else starts[0]
    if "\n" in orig or "\n" in repl:
        raise SystemExit(f"{fields['id']}: original and replacement must be one line")
    new = text[:at] + repl + text[at + len(orig):]
    old_lines, new_lines = text.splitlines(), new.splitlines()
    changed = [k for k, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    if len(old_lines) != len(new_lines) or len(changed) != 1:
        raise SystemExit(f"{fields['id']}: the mutant must change exactly one line ({len(changed)} changed)")
    k = changed[0]
    return target, new, f"{fields['file']}:{k + 1}\n- {old_lines[k].strip()}\n+ {new_lines[k].strip()}"


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 2:
        raise SystemExit(__doc__)
    fields = parse(args[0])
    target, new, diff = apply(fields, args[1])
    if "--check" not in sys.argv:
        target.write_text(new)
    print(diff)


if __name__ == "__main__":
    main()
