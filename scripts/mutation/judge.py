#!/usr/bin/env python3
"""Summarise `fp8moe verify` over the mutation results (scripts/mutation/judge.sh runs it).

    judge.py RESULTS_DIR VERDICTS_DIR MUTANTS_DIR OUT_JSON OUT_MD

RESULTS_DIR/{committed,extended}/<fixture>/<mutant>.h5 are the runner's files; VERDICTS_DIR holds,
for each, <suite>__<fixture>__<mutant>.json (verify --json) and .rc (its exit status). A mutant is
KILLED in a suite when verify exits 1 on at least one of its files there ('extended' counts the
committed files too); the cause is RIGHT when the cause that explains the most of its mismatches
matches the mutant's `expect:` pattern (a regular expression, hip/mutants/*.mutant). The
baseline (00-baseline) must agree everywhere: any mismatch there is a false alarm and is reported.
"""
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path


def mutant_fields(path):
    fields = {}
    for line in Path(path).read_text().splitlines():
        k, sep, v = line.partition(": ")
        if sep and not line.startswith("#"):
            fields[k] = fields.get(k, "") + (" " if k in fields else "") + v
    return fields


FOLLOWS = "; the payload follows that scale"
UNEXPLAINED_SCALE = "payload follows the producer's scale, which differs from the reference"


def root_cause(cause):
    """The cause a mismatch comes from: a payload that follows the producer's scale counts as
    that scale's cause (verify names it before '; the payload follows that scale')."""
    if cause.endswith(FOLLOWS):
        return cause[: -len(FOLLOWS)]
    if cause == UNEXPLAINED_SCALE:
        return "unexplained (a scale verify cannot explain; the payload follows it)"
    return cause


def main():
    results, verdicts, mutants_dir, out_json, out_md = map(Path, sys.argv[1:6])
    mutants = {"00-baseline": {"id": "baseline", "bug": "none: the kernels as committed", "expect": "^$"}}
    for p in sorted(mutants_dir.glob("*.mutant")):
        mutants[p.stem] = mutant_fields(p)
    per = defaultdict(lambda: {"committed": [], "extended": []})
    for rc_file in sorted(verdicts.glob("*.rc")):
        suite, fixture, mutant = rc_file.stem.split("__")
        rc = int(rc_file.read_text().strip() or "-1")
        js = rc_file.with_suffix(".json")
        causes, mism, datasets = Counter(), 0, []
        if js.exists() and js.stat().st_size:
            d = json.loads(js.read_text())
            for prod, pdata in d.get("producers", {}).items():
                for name, ds in pdata.get("datasets", {}).items():
                    m = ds.get("mismatches", 0)
                    if not m:
                        continue
                    mism += m
                    datasets.append(f"{prod}/{name}: {m}")
                    for c in ds.get("causes", []):
                        causes[c["cause"]] += c["count"]
        per[mutant][suite].append({"fixture": fixture, "rc": rc, "mismatches": mism,
                                   "causes": dict(causes), "datasets": datasets})
    summary = []
    for mid, f in mutants.items():
        row = {"mutant": mid, "bug": f.get("bug", ""), "expect": f.get("expect", ""),
               "file": f.get("file", ""), "original": f.get("original", ""), "replacement": f.get("replacement", "")}
        diff = results / "logs" / f"logs-{mid}-diff.txt"
        row["diff"] = diff.read_text().strip() if diff.exists() else ""
        for suite, files in (("committed", per[mid]["committed"]),
                             ("extended", per[mid]["committed"] + per[mid]["extended"])):
            causes = Counter()
            for x in files:
                causes.update(x["causes"])
            rcs = Counter(x["rc"] for x in files)
            killed = rcs.get(1, 0) > 0
            top = causes.most_common()
            pattern = re.compile(f.get("expect", "^$"))
            # A payload that follows the producer's own scale is judged by that scale's cause.
            roots = Counter()
            for c, n in top:
                roots[root_cause(c)] += n
            rtop = roots.most_common()
            right = bool(rtop) and bool(pattern.search(rtop[0][0]))
            share = sum(n for c, n in rtop if pattern.search(c)) / max(1, sum(n for _, n in rtop))
            row[suite] = {"files": len(files), "exit_counts": dict(rcs), "killed": killed,
                          "mismatches": sum(x["mismatches"] for x in files), "causes": top, "root_causes": rtop,
                          "right_cause": right, "expected_share": round(share, 4),
                          "killing_files": [f"{x['fixture']} ({x['mismatches']})" for x in files if x["rc"] == 1],
                          "errors": [f"{x['fixture']}: exit {x['rc']}" for x in files if x["rc"] not in (0, 1)]}
        summary.append(row)
    out_json.write_text(json.dumps(summary, indent=1) + "\n")
    lines = []
    for suite in ("committed", "extended"):
        real = [r for r in summary if r["mutant"] != "00-baseline"]
        killed = sum(r[suite]["killed"] for r in real)
        right = sum(r[suite]["killed"] and r[suite]["right_cause"] for r in real)
        base = next(r for r in summary if r["mutant"] == "00-baseline")[suite]
        lines.append(f"### {suite}: killed {killed}/{len(real)}, killed with the right cause {right}/{len(real)}; "
                     f"baseline: {base['files']} files, exits {base['exit_counts']}, {base['mismatches']} mismatches")
        lines.append("")
        lines.append("| mutant | exit (files) | killed | mismatches | root causes (count; a payload following its scale counted under the scale's cause) | right (share) |")
        lines.append("|---|---|---|---|---|---|")
        for r in summary:
            s = r[suite]
            causes = "; ".join(f"{c} ({n})" for c, n in s["root_causes"][:4]) + (" ..." if len(s["root_causes"]) > 4 else "")
            verdict = "not run" if not s["files"] else "yes" if s["killed"] else "NO"
            lines.append(f"| {r['mutant']} | {s['exit_counts']} | {verdict} | {s['mismatches']} | "
                         f"{causes.replace('|', '/')} | {'yes' if s['right_cause'] else 'no'} ({s['expected_share']:.0%}) |")
        lines.append("")
    out_md.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
