#!/usr/bin/env python3
"""Mutational fuzzer for `fp8moe verify` (issue 12 item 5): hostile fixtures must give exit 2
with one clear line, never a crash, a hang, a memory blow-up, a silent pass or a read of
another file.

    # bounded (CI): every structure-aware mutant once, then byte mutants until the budget
    python3 scripts/fuzz/fuzz.py --binary .build/debug/fp8moe --budget-seconds 180 --seed 1
    # campaign (a person): an hour, two processes, reproducers kept and minimised
    python3 scripts/fuzz/fuzz.py --binary .build-static/release/fp8moe --campaign --jobs 2
    # the committed hostile corpus: every file must be exit 2 with one line
    python3 scripts/fuzz/fuzz.py --binary .build/debug/fp8moe --replay fixtures/malformed/hostile

Seeds: committed fixtures (default fixtures/malformed/valid-control.h5 and
fixtures/reference/small-balanced.h5). Mutants (scripts/fuzz/mutants.py): structure-aware h5py
edits of each seed, and byte mutations (bit flips, interesting bytes and integers, zero runs,
truncation; 85% of them outside every dataset's raw data, where HDF5 keeps its metadata).

Each mutant runs as `fp8moe verify MUTANT --json OUT` in a scratch folder, under a time limit
(--timeout, default 10 s), an address-space limit (`ulimit -v`, 4 x the memory limit + 2 GiB)
and a resident-memory watch (--mem-mb; default 512 MiB + 16 x the seed's size), and is classified:

    fine         exit 2 with exactly one non-empty line on stderr and nothing on stdout; or
                 exit 0/1 with a readable JSON, nothing on stderr, and (exit 0) as many datasets
                 compared as the intact seed
    crash        killed by a signal (segfault in libhdf5, a Swift trap, abort)
    hang         still running at the time limit
    memory       resident memory past the limit, or killed at the address-space limit
    silent-pass  exit 0 with fewer datasets compared than the intact seed (unless h5py shows the
                 missing ones' links renamed: verify ignores unknown names by design)
    outside      exit 0/1 on a mutant whose data lives in another file (external link, external
                 raw storage, virtual dataset), or the canary's bytes in the output
    not-refused  exit 0/1 on an external link / external storage / virtual dataset, or on a gzip
                 chunk that inflates to more or less than its declared size (issue 12: refused)
    nondeterministic  two runs of the same file give different output
    message      exit 2 with an empty or multi-line error or one that hides the problem
                 ("<unreadable attribute>"), stderr on exit 0/1, or another exit code

A new distinct finding is run a second time and marked flaky when the class changes.
Writes a markdown summary (--report, default reports/fuzz-<date>.md: machine, command, counts
per class, one line per distinct finding) and keeps one reproducer per distinct finding under
--save (default /tmp/fp8moe-fuzz-<date>/findings). --minimise shrinks each kept byte mutant to
the fewest changed bytes that give the same class. Exit status 0 when nothing was found, 1 when
something was, 2 on bad usage.
"""
import argparse
import concurrent.futures as cf
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutants as M  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_SEEDS = ["fixtures/malformed/valid-control.h5", "fixtures/reference/small-balanced.h5"]
FINDING_CLASSES = ["crash", "hang", "memory", "silent-pass", "outside", "not-refused", "nondeterministic", "message"]


# ---------------------------------------------------------------------------------------------
# Running one file


def run_verify(binary, path, timeout, mem_bytes, workdir):
    """Run verify on `path` under limits; returns a dict with rc, signal, stdout, stderr, json, peak_rss, killed."""
    out_json = os.path.join(workdir, "out-%d-%d.json" % (os.getpid(), threading.get_ident()))
    if os.path.exists(out_json):
        os.remove(out_json)
    vm_limit = mem_bytes * 4 + (2 << 30)

    # Limits through the shell (ulimit: address space, no core files, output files), so that no
    # Python code runs between fork and exec in this threaded process; a session of its own so
    # that a kill reaches every thread.
    limits = 'ulimit -v %d -c 0 -f %d; exec "$0" "$@"' % (vm_limit >> 10, 256 << 10)
    t0 = time.monotonic()
    p = subprocess.Popen(["bash", "-c", limits, binary, "verify", path, "--json", out_json], cwd=workdir,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    out_chunks, err_chunks = [], []
    readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
               for s, b in ((p.stdout, out_chunks), (p.stderr, err_chunks))]
    for r in readers:
        r.start()
    killed, peak = None, 0
    while p.poll() is None:
        rss = _rss(p.pid)
        peak = max(peak, rss)
        if rss > mem_bytes:
            killed = "memory"
        elif time.monotonic() - t0 > timeout:
            killed = "hang"
        if killed:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
            break
        time.sleep(0.005)
    for r in readers:
        r.join(5)
    result = {"rc": p.returncode, "stdout": b"".join(out_chunks), "stderr": b"".join(err_chunks),
              "peak_rss": peak, "killed": killed, "seconds": time.monotonic() - t0, "json": None, "json_text": ""}
    if os.path.exists(out_json):
        with open(out_json, "rb") as f:
            result["json_text"] = f.read().decode("utf-8", "replace")
        try:
            result["json"] = json.loads(result["json_text"])
        except ValueError:
            result["json"] = None
        os.remove(out_json)
    return result


def _rss(pid):
    """Resident bytes of `pid` and all its descendants: fp8moe reads in a supervised child of
    itself, so the parent's own RSS says nothing about what the HDF5 library allocates."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open("/proc/%d/statm" % p) as f:
                total += int(f.read().split()[1]) * _PAGE
            for tid in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, tid)) as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError, IndexError):
            pass
    return total


_PAGE = os.sysconf("SC_PAGE_SIZE")


def compared_datasets(js):
    """(datasets compared, elements compared, {(producer, dataset)}) in a verify JSON: every
    dataset not skipped."""
    n = e = 0
    names = set()
    for pname, prod in (js or {}).get("producers", {}).items():
        for dname, d in prod.get("datasets", {}).items():
            if not d.get("skipped"):
                n += 1
                e += int(d.get("elements", 0) or 0)
                names.add((pname, dname))
    return n, e, names


INPUTS = ("a", "b", "offsets", "grad_out")


def renamed_only(path, seed_names, missing):
    """True when every dataset verify no longer compared is explained by a renamed link (a byte
    of a link name changed: verify ignores unknown names by design), as h5py lists the file:
    the results dataset's own link is gone, or a link of an input the seed has is gone."""
    try:
        import h5py
        with h5py.File(path, "r") as f:
            def has(group, name):
                try:
                    return f[group].get(name, getlink=True) is not None
                except Exception:
                    return False
            inputs_gone = any(not has("/inputs", i) for i in seed_names["inputs"])
            for producer, dataset in missing:
                if not (inputs_gone or not has("/results", producer) or not has("/results/" + producer, dataset)):
                    return False
            return True
    except Exception:
        return False


def classify(r, baseline, flags, binary, path, timeout, mem_bytes, workdir):
    """(class, detail) for one run; class 'fine' or one of FINDING_CLASSES."""
    err = r["stderr"].decode("utf-8", "replace")
    first = err.strip().splitlines()[0] if err.strip() else ""
    if r["killed"] == "hang":
        return "hang", "still running after %.0f s" % timeout
    if r["killed"] == "memory":
        return "memory", "resident memory past %d MiB" % (mem_bytes >> 20)
    if r["rc"] is not None and r["rc"] < 0:
        sig = signal.Signals(-r["rc"]).name if -r["rc"] in signal.Signals._value2member_map_ else str(-r["rc"])
        if _memory_words(err):
            return "memory", "%s at the address-space limit: %s" % (sig, first[:160])
        return "crash", "%s%s" % (sig, (": " + first[:160]) if first else "")
    rc = r["rc"]
    if rc == 2:
        lines = [l for l in err.splitlines() if l.strip()]
        if len(lines) != 1 or r["stdout"].strip():
            return "message", "exit 2 with %d stderr lines%s: %s" % (
                len(lines), " and stdout" if r["stdout"].strip() else "", " | ".join(l[:100] for l in lines[:3]))
        if "<unreadable attribute>" in first or "found a other" in first:
            return "message", "exit 2, unclear: " + first[:200]
        return "fine", "exit 2: " + first[:200]
    if rc in (0, 1):
        canary = M.CANARY_HEX in r["json_text"].lower() or M.CANARY_HEX in r["stdout"].decode("utf-8", "replace").lower()
        if flags.get("outside") or canary:
            return "outside", "exit %d%s" % (rc, ": the canary file's bytes appear in the output" if canary else
                                                 ": data taken from another file")
        if flags.get("refuse"):
            return "not-refused", "exit %d" % rc
        if err.strip():
            return "message", "exit %d with stderr: %s" % (rc, first[:160])
        if r["json"] is None:
            return "message", "exit %d without a readable JSON" % rc
        n, e, names = compared_datasets(r["json"])
        if rc == 0 and n < baseline[0]:
            missing = baseline[2] - names
            if missing and renamed_only(path, baseline[3], missing):
                return "fine", "exit 0, %d datasets (the others' links renamed)" % n
            return "silent-pass", "exit 0 comparing %d of the seed's %d datasets" % (n, baseline[0])
        if flags.get("twice"):
            r2 = run_verify(binary, path, timeout, mem_bytes, workdir)
            if r2["rc"] != rc or r2["stdout"] != r["stdout"] or r2["json_text"] != r["json_text"]:
                return "nondeterministic", "two runs: exit %d / %s, outputs differ" % (rc, r2["rc"])
        return "fine", "exit %d, %d datasets" % (rc, n)
    return "message", "exit %s: %s" % (rc, first[:160])


def _memory_words(err):
    return re.search(r"(?i)out of memory|cannot allocate|failed to allocate|allocation|std::bad_alloc|mmap|malloc", err) is not None


# ---------------------------------------------------------------------------------------------
# Minimising a byte mutant


def minimise(seed_bytes, mutant_bytes, same, budget=300):
    """Fewest changed bytes (of a same-length mutant) for which same(bytes) holds: ddmin over
    the positions where the mutant differs from the seed. Truncations are left as they are."""
    if len(seed_bytes) != len(mutant_bytes):
        return mutant_bytes
    seed = np.frombuffer(seed_bytes, dtype=np.uint8)
    mut = np.frombuffer(mutant_bytes, dtype=np.uint8)
    diff = list(np.flatnonzero(seed != mut))
    tries = [0]

    def build(keep):
        b = seed.copy()
        b[keep] = mut[keep]
        return b.tobytes()

    n = 2
    while len(diff) >= 2 and tries[0] < budget:
        chunk = max(1, len(diff) // n)
        reduced = False
        for i in range(0, len(diff), chunk):
            complement = diff[:i] + diff[i + chunk:]
            tries[0] += 1
            if complement and same(build(complement)):
                diff, n, reduced = complement, max(n - 1, 2), True
                break
        if not reduced:
            if n >= len(diff):
                break
            n = min(len(diff), n * 2)
    return build(diff)


# ---------------------------------------------------------------------------------------------
# The campaign


class Campaign:
    def __init__(self, args):
        self.a = args
        self.lock = threading.Lock()
        self.counts = {}
        self.by_strategy = {}
        self.findings = {}   # key -> dict
        self.total = 0
        self.not_built = 0
        self.stop_at = time.monotonic() + args.budget_seconds

    def key(self, cls, detail, strategy):
        """What makes two findings the same: class, strategy family, and the message with
        numbers, quoted values and HDF5 paths left out."""
        norm = detail.lower()
        if cls == "message" and norm.startswith("exit 2 with"):
            norm = norm.split(":")[0]
        for marker in ("<unreadable attribute>", "encodingerror", "found a other"):
            if marker in norm:
                norm = marker
        norm = re.sub(r"0x[0-9a-f]+|\d+", "N", norm)
        norm = re.sub(r"/[^\s:]*\.h5", "F", norm)
        norm = re.sub(r"'[^']*'|\"[^\"]*\"", "Q", norm)
        norm = re.sub(r"(/[a-z_\-]+)+", "P", norm)
        return (cls, strategy.split(":")[0] if not strategy.startswith("byte") else "byte", norm[:120])

    def record(self, seed, strategy, cls, detail, data_path, seed_path, r):
        with self.lock:
            self.total += 1
            self.counts[cls] = self.counts.get(cls, 0) + 1
            s = strategy.split(" ")[0].split(":")[0] if strategy.startswith("byte") else strategy.split(":")[0]
            self.by_strategy.setdefault(s, {}).setdefault(cls, 0)
            self.by_strategy[s][cls] += 1
            if cls == "fine":
                return
            k = self.key(cls, detail, strategy)
            f = self.findings.get(k)
            if f is None:
                name = "%03d-%s-%s.h5" % (len(self.findings) + 1, cls, re.sub(r"[^a-z0-9]+", "-", strategy.lower())[:60].strip("-"))
                keep = os.path.join(self.a.save, name)
                shutil.copyfile(data_path, keep)
                self.findings[k] = {"class": cls, "detail": detail, "strategy": strategy, "seed": seed, "file": keep,
                                    "seed_path": seed_path, "count": 1, "rss": r.get("peak_rss", 0),
                                    "seconds": r.get("seconds", 0)}
            else:
                f["count"] += 1

    def run(self):
        a = self.a
        os.makedirs(a.save, exist_ok=True)
        work = tempfile.mkdtemp(prefix="fp8moe-fuzz-")
        ctx = M.make_canaries(os.path.join(work, "ctx"))
        rng = np.random.default_rng(a.seed)
        seeds = []
        for s in a.seeds:
            data = open(s, "rb").read()
            limit = (a.mem_mb << 20) if a.mem_mb else (512 << 20) + 16 * len(data)
            base = run_verify(a.binary, os.path.abspath(s), a.timeout, limit, work)
            if base["rc"] != 0 or base["json"] is None:
                sys.exit("fuzz: the intact seed %s does not verify (exit %s): %s" % (s, base["rc"], base["stderr"][:300]))
            meta = M.metadata_positions(len(data), M.raw_data_ranges(s))
            import h5py
            with h5py.File(s, "r") as f:
                seed_names = {"inputs": [i for i in INPUTS if i in f["inputs"]]}
            seeds.append({"path": s, "data": data, "baseline": compared_datasets(base["json"]) + (seed_names,),
                          "meta": meta, "limit": limit})
            print("seed %s: %d bytes, %d in metadata, %d datasets compared, memory limit %d MiB" % (
                s, len(data), len(meta), seeds[-1]["baseline"][0], limit >> 20), flush=True)

        def job(seed, strategy, builder):
            if time.monotonic() > self.stop_at:
                return
            d = tempfile.mkdtemp(dir=work)
            path = os.path.join(d, "mutant.h5")
            try:
                if isinstance(builder, bytes):
                    with open(path, "wb") as f:
                        f.write(builder)
                    flags = {}
                else:
                    fn, flags = builder
                    try:
                        if fn(seed["path"], path, ctx) is False:
                            return
                    except Exception:
                        with self.lock:
                            self.not_built += 1
                        return
                r = run_verify(a.binary, path, a.timeout, seed["limit"], d)
                cls, detail = classify(r, seed["baseline"], flags, a.binary, path, a.timeout, seed["limit"], d)
                if cls != "fine" and self.key(cls, detail, strategy) not in self.findings:
                    # A new finding: does a second run agree? (uninitialised data, racing threads)
                    r2 = run_verify(a.binary, path, a.timeout, seed["limit"], d)
                    cls2, _ = classify(r2, seed["baseline"], flags, a.binary, path, a.timeout, seed["limit"], d)
                    if cls2 != cls:
                        detail += " (flaky: a second run gave %s)" % cls2
                self.record(seed["path"], strategy, cls, detail, path, seed["path"], r)
                if cls != "fine" and a.verbose:
                    print("  %-16s %-50s %s" % (cls, strategy[:50], detail[:120]), flush=True)
            finally:
                shutil.rmtree(d, ignore_errors=True)

        def jobs():
            for seed in seeds if not a.bytes_only else []:
                for name, builder in M.STRUCTURE.items():
                    yield seed, name, builder
            while time.monotonic() < self.stop_at:
                seed = seeds[int(rng.integers(len(seeds)))]
                data, what = M.mutate_bytes(seed["data"], rng, seed["meta"])
                yield seed, "byte " + what, data

        with cf.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            pending = set()
            for item in jobs():
                pending.add(pool.submit(job, *item))
                if len(pending) >= 4 * a.jobs:
                    done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for d in done:
                        d.result()
                if time.monotonic() > self.stop_at:
                    break
            for d in cf.as_completed(pending):
                d.result()
        if a.minimise:
            self.minimise_findings(seeds, work)
        shutil.rmtree(work, ignore_errors=True)

    def minimise_findings(self, seeds, work):
        by_path = {s["path"]: s for s in seeds}
        for f in self.findings.values():
            if not f["strategy"].startswith("byte"):
                continue
            seed = by_path[f["seed"]]
            mutant = open(f["file"], "rb").read()
            d = tempfile.mkdtemp(dir=work)

            def same(candidate):
                """The same class (and signal) on two runs in a row."""
                p = os.path.join(d, "m.h5")
                with open(p, "wb") as out:
                    out.write(candidate)
                for _ in range(2):
                    r = run_verify(self.a.binary, p, self.a.timeout, seed["limit"], d)
                    cls, detail = classify(r, seed["baseline"], {}, self.a.binary, p, self.a.timeout, seed["limit"], d)
                    if not (cls == f["class"] and (cls != "crash" or detail.split(":")[0] == f["detail"].split(":")[0])):
                        return False
                return True

            small = minimise(seed["data"], mutant, same)
            changed = int(np.count_nonzero(np.frombuffer(small, np.uint8) != np.frombuffer(seed["data"], np.uint8))) \
                if len(small) == len(seed["data"]) else None
            with open(f["file"], "wb") as out:
                out.write(small)
            f["minimised"] = changed
            shutil.rmtree(d, ignore_errors=True)

    def report(self, argv, started, elapsed):
        a = self.a
        found = sum(self.counts.get(c, 0) for c in FINDING_CLASSES)
        lines = ["# fp8moe verify fuzz run, %s" % started.strftime("%Y-%m-%d %H:%M UTC"), ""]
        lines.append("- command: `%s`" % " ".join(shlex.quote(x) for x in argv))
        lines.append("- machine: %s, %s, %d cores, %.0f GiB memory; Python %s" % (
            platform.node() or "?", platform.platform(), os.cpu_count() or 0, _mem_gib(), platform.python_version()))
        lines.append("- binary: `%s` (sha256 %s); checkout HEAD at run time %s (the binary may be older: say how it was built)" % (
            os.path.relpath(a.binary, ROOT) if a.binary.startswith(ROOT) else a.binary, _sha256(a.binary)[:16], _git_head()))
        lines.append("- seeds: %s; seed %d; %d s budget (%.0f s used); %d jobs; limits %.0f s, memory %s" % (
            ", ".join("`%s`" % s for s in a.seeds), a.seed, a.budget_seconds, elapsed, a.jobs, a.timeout,
            ("%d MiB" % a.mem_mb) if a.mem_mb else "512 MiB + 16 x seed size"))
        lines.append("- mutants run: %d (%d structure-aware builders could not build on a seed and were skipped)" % (
            self.total, self.not_built))
        lines.append("")
        lines.append("| class | mutants |")
        lines.append("|---|---|")
        for c in ["fine"] + FINDING_CLASSES:
            lines.append("| %s | %d |" % (c, self.counts.get(c, 0)))
        lines.append("")
        lines.append("## Findings (%d mutants, %d distinct)" % (found, len(self.findings)))
        lines.append("")
        if not self.findings:
            lines.append("None.")
        else:
            lines.append("| class | mutant | what verify did | times | reproducer |")
            lines.append("|---|---|---|---|---|")
            for f in sorted(self.findings.values(), key=lambda f: (FINDING_CLASSES.index(f["class"]), f["strategy"])):
                mini = (" (minimised to %d changed bytes)" % f["minimised"]) if f.get("minimised") is not None else ""
                lines.append("| %s | %s of `%s` | %s | %d | `%s`%s |" % (
                    f["class"], f["strategy"].replace("|", "/"), os.path.basename(f["seed"]), f["detail"].replace("|", "/"),
                    f["count"], f["file"], mini))
        lines.append("")
        lines.append("Per strategy (class: count):")
        lines.append("")
        for s in sorted(self.by_strategy):
            lines.append("- %s: %s" % (s, ", ".join("%s %d" % kv for kv in sorted(self.by_strategy[s].items()))))
        text = "\n".join(lines) + "\n"
        os.makedirs(os.path.dirname(os.path.abspath(a.report)), exist_ok=True)
        with open(a.report, "w") as f:
            f.write(text)
        return found


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _git_head():
    try:
        out = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def _mem_gib():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    except (ValueError, OSError):
        return 0


def replay(a):
    """Every .h5 in --replay DIR must be refused: exit 2 with one clear line. Prints one line per
    file (class, exit, time, resident memory, first stderr line); returns the number that are not."""
    bad = 0
    files = sorted(f for f in os.listdir(a.replay) if f.endswith(".h5"))
    with tempfile.TemporaryDirectory(prefix="fp8moe-replay-") as work:
        for name in files:
            path = os.path.abspath(os.path.join(a.replay, name))
            limit = (a.mem_mb << 20) if a.mem_mb else (512 << 20) + 16 * os.path.getsize(path)
            r = run_verify(a.binary, path, a.timeout, limit, work)
            # Baseline "infinitely many datasets": any exit 0 is a pass that should not be.
            cls, detail = classify(r, (1 << 62, 0, set(), {"inputs": []}), {"refuse": True}, a.binary, path,
                                   a.timeout, limit, work)
            bad += cls != "fine"
            print("%-12s %-40s %5.1f s %5d MiB  %s" % (cls, name, r["seconds"], r["peak_rss"] >> 20, detail[:150]), flush=True)
    print("replay: %d of %d files refused as they should be" % (len(files) - bad, len(files)))
    return bad


def main(argv=None):
    argv = sys.argv if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/fp8moe"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--budget-seconds", type=float, default=None, help="stop starting mutants after this long")
    p.add_argument("--campaign", action="store_true", help="a long run for a person: 3600 s unless --budget-seconds, minimised")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per verify run")
    p.add_argument("--mem-mb", type=int, default=0, help="resident-memory limit per run (default 512 MiB + 16 x seed size)")
    p.add_argument("--seeds", nargs="+", default=DEFAULT_SEEDS)
    p.add_argument("--report", default=None, help="markdown summary (default reports/fuzz-DATE.md)")
    p.add_argument("--save", default=None, help="folder for reproducers (default /tmp/fp8moe-fuzz-DATE/findings)")
    p.add_argument("--minimise", action="store_true", help="shrink each byte-mutant reproducer")
    p.add_argument("--bytes-only", action="store_true", help="skip the structure-aware mutants")
    p.add_argument("--replay", metavar="DIR", help="run every .h5 in DIR once: each must be exit 2 with one line")
    p.add_argument("--verbose", action="store_true")
    a = p.parse_args(argv[1:])
    started = datetime.datetime.now(datetime.timezone.utc)
    stamp = started.strftime("%Y-%m-%d")
    if a.budget_seconds is None:
        a.budget_seconds = 3600 if a.campaign else 180
    if a.campaign:
        a.minimise = True
    a.binary = os.path.abspath(a.binary)
    a.seeds = [os.path.relpath(os.path.abspath(s), ROOT) if os.path.abspath(s).startswith(ROOT) else s for s in a.seeds]
    os.chdir(ROOT)
    a.report = a.report or os.path.join(ROOT, "reports", "fuzz-%s.md" % stamp)
    a.save = a.save or "/tmp/fp8moe-fuzz-%s/findings" % started.strftime("%Y-%m-%d-%H%M%S")
    if not os.access(a.binary, os.X_OK):
        p.error("no fp8moe binary at %s (swift build --product fp8moe)" % a.binary)
    if a.replay:
        return 1 if replay(a) else 0
    c = Campaign(a)
    t0 = time.monotonic()
    c.run()
    found = c.report(argv, started, time.monotonic() - t0)
    if found:  # the findings, for a CI log
        for f in sorted(c.findings.values(), key=lambda f: FINDING_CLASSES.index(f["class"])):
            print("FINDING %-16s %-50s %s" % (f["class"], f["strategy"][:50], f["detail"][:150]))
    print("fuzz: %d mutants, %s; %d distinct findings; report %s, reproducers %s" % (
        c.total, ", ".join("%s %d" % (k, v) for k, v in sorted(c.counts.items())), len(c.findings), a.report, a.save))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
