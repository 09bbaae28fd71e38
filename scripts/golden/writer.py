"""HDF5 writer shared by the golden-table producers (layout: fixtures/golden/README.md)."""

import datetime
import hashlib
import os
import platform
import subprocess
import sys

import h5py
import numpy as np

from inputs import FORMAT_ATTR_DTYPE, SOURCE_ATTR_DTYPE, make_inputs

SCHEMA = "fp8moe-golden"
SCHEMA_VERSION = 1
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def script_hashes(scripts):
    out = []
    for s in scripts:
        p = os.path.join(REPO_ROOT, s)
        try:
            with open(p, "rb") as f:
                out.append(f"{s} sha256={hashlib.sha256(f.read()).hexdigest()}")
        except OSError as e:
            out.append(f"{s} unreadable ({e})")
    return "; ".join(out)


def git_state():
    env = os.environ.get("GOLDEN_GIT_COMMIT")
    if env:  # the GPU machine gets a copy of the working tree without .git
        return f"{env} (as passed in GOLDEN_GIT_COMMIT; see script_sha256 for the exact files)"
    try:
        head = subprocess.run(["git", "-C", REPO_ROOT, "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=20)
        if head.returncode != 0:
            return "unavailable"
        dirty = subprocess.run(["git", "-C", REPO_ROOT, "status", "--porcelain", "--", "scripts"],
                               capture_output=True, text=True, timeout=20)
        d = " (scripts/ modified)" if dirty.stdout.strip() else ""
        return head.stdout.strip() + d
    except Exception:  # noqa: BLE001 - provenance only
        return "unavailable"


class Golden:
    """Collects result tables for one producer, then writes one .h5 file."""

    def __init__(self, producer, scripts, description):
        self.producer = producer
        self.scripts = list(scripts)
        self.description = description
        self.inputs = make_inputs()
        self.results = {}   # (source, name) -> (uint8 array, attrs)
        self.skipped = []   # human-readable lines
        self.notes = []     # consistency checks etc.

    def add(self, source, name, out, call, **attrs):
        out = np.asarray(out)
        n = self.inputs[source].shape[0]
        if out.dtype != np.uint8 or out.shape != (n,):
            raise ValueError(f"{source}/{name}: got {out.dtype} {out.shape}, want uint8 ({n},)")
        fmt = name.split(".")[0]
        a = {"call": call, "dtype": FORMAT_ATTR_DTYPE[fmt]}
        a.update({k: v for k, v in attrs.items() if v is not None})
        self.results[(source, name)] = (out.copy(), a)

    def skip(self, source, name, why):
        line = f"{source}/{name}: {why}"
        self.skipped.append(line)
        print("SKIP", line, flush=True)

    def note(self, text):
        self.notes.append(text)
        print("NOTE", text, flush=True)

    def write(self, path, device, software, extra_attrs=None):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = path + ".tmp"
        with h5py.File(tmp, "w") as f:
            f.attrs["schema"] = SCHEMA
            f.attrs["schema_version"] = SCHEMA_VERSION
            f.attrs["producer"] = self.producer
            f.attrs["device"] = device
            f.attrs["software"] = software
            f.attrs["date"] = datetime.datetime.now(datetime.timezone.utc).replace(
                microsecond=0).isoformat().replace("+00:00", "Z")
            f.attrs["script"] = ", ".join(self.scripts)
            f.attrs["script_sha256"] = script_hashes(self.scripts)
            f.attrs["git_commit"] = git_state()
            f.attrs["description"] = self.description
            f.attrs["skipped"] = "\n".join(self.skipped) if self.skipped else "none"
            f.attrs["notes"] = "\n".join(self.notes) if self.notes else "none"
            f.attrs["host"] = f"{platform.system()} {platform.release()} {platform.machine()}"
            for k, v in (extra_attrs or {}).items():
                f.attrs[k] = v
            gi = f.create_group("inputs")
            for src, arr in self.inputs.items():
                ds = gi.create_dataset(src, data=arr, compression="gzip", compression_opts=9,
                                       shuffle=True)
                ds.attrs["dtype"] = SOURCE_ATTR_DTYPE[src]
                ds.attrs["description"] = (
                    "every bit pattern 0..65535" if src != "f32" else
                    "fp32 boundary set, scripts/golden/inputs.py make_f32_inputs(); sorted unique bit patterns")
            for (src, name), (arr, attrs) in sorted(self.results.items()):
                g = f.require_group(src)
                ds = g.create_dataset(name, data=arr, compression="gzip", compression_opts=9,
                                      shuffle=True)
                for k, v in attrs.items():
                    ds.attrs[k] = v
        os.replace(tmp, path)
        print(f"wrote {path}: {len(self.results)} tables, {len(self.skipped)} skipped", flush=True)


def consistency(convert, x):
    """Run `convert` (numpy/array in -> uint8 numpy out) on x, on x[1:] and on x reversed.

    Returns (full result, text). The text says whether the three agree: a
    vectorised path with a scalar tail, or alignment-dependent code, would
    show up as a disagreement.
    """
    full = convert(x)
    off = convert(x[1:])
    rev = convert(x[::-1].copy())[::-1]
    bad_off = np.nonzero(off != full[1:])[0] + 1
    bad_rev = np.nonzero(rev != full)[0]
    if bad_off.size == 0 and bad_rev.size == 0:
        return full, "ok (full == x[1:] == reversed)"
    return full, (f"MISMATCH: offset-1 differs at {bad_off.size} rows (first {bad_off[:5].tolist()}), "
                  f"reversed differs at {bad_rev.size} rows (first {bad_rev[:5].tolist()})")


def python_numpy_versions():
    return f"python {sys.version.split()[0]}; numpy {np.__version__}; h5py {h5py.__version__}"
