"""Write fp8moe fixtures (SPEC sections 5 and 8) from PyTorch tensors or NumPy arrays.

A kernel engineer writes a kernel's inputs and outputs as a fixture that `fp8moe verify` judges:

    import fp8moe_fixture as fx
    with fx.create("my-kernel.h5", a=x, b=w, offsets=offs) as f:
        f.results("my-kernel", recipe="tensorwise", cast_policy="satfinite").put("a_fp8", x_fp8, reduction="tensorwise").put("a_scale", s)

or adds its results to a copy of an existing fixture's inputs:

    with fx.copy_inputs("fixtures/reference/moe-specials.h5", "out.h5") as f:
        f.results("my-kernel", ...).put(...)

Storage follows SPEC 5: bf16 as uint16 bit patterns with attribute dtype = "bfloat16"; fp8 as
uint8 with dtype = "float8_e4m3fn" (e5m2, e4m3fnuz, e5m2fnuz alike); e8m0 scales as uint8 with
dtype = "float8_e8m0fnu"; offsets as int32; flags (Python bools) as integers 0/1. The type is
taken from a torch dtype (torch.bfloat16, torch.float8_e4m3fn, ...) or an ml_dtypes NumPy dtype
of the same name; raw bit patterns (uint16 / uint8 arrays) are written with `dtype="bfloat16"`
etc. given to `put`. Files are written with HDF5 format bounds ("earliest", "v110"), so libhdf5
1.10 (the one fp8moe links on Debian 12) reads them.

Every results group gets provenance filled in: producer, device (the GPU's name once a CUDA
tensor is written, else "cpu: <machine>"), software and the separate *_version attributes
(python, numpy, h5py, and torch, CUDA/HIP, triton where the caller has them), date (UTC),
script and command (the calling program, relative to its git checkout), git_commit and
git_dirty when that program lives in a git checkout (the environment variable
FP8MOE_FIXTURE_GIT_COMMIT, where set, wins: a copy run elsewhere may carry no .git, or a stale
one). Anything given explicitly wins.

Dependencies: h5py and numpy; torch only when the caller passes torch tensors (never imported
here otherwise); ml_dtypes only when the caller passes ml_dtypes arrays.
"""

import datetime
import os
import platform
import shlex
import subprocess
import sys
import traceback

import h5py
import numpy as np

__version__ = "1.0"

SCHEMA = "fp8moe-fixture"
SCHEMA_VERSION = 1
LIBVER = ("earliest", "v110")

# dtype attribute -> bytes per element of the stored bit pattern.
ENCODED_TYPES = {
    "bfloat16": 2,
    "float8_e4m3fn": 1,
    "float8_e5m2": 1,
    "float8_e4m3fnuz": 1,
    "float8_e5m2fnuz": 1,
    "float8_e8m0fnu": 1,
}
_BITS = {1: np.uint8, 2: np.uint16}


# ---------------------------------------------------------------------------------------------
# Values -> what HDF5 stores


def _torch():
    """The torch module if the caller has imported it (this module never imports it itself)."""
    return sys.modules.get("torch")


def _is_torch_tensor(x):
    t = _torch()
    return t is not None and isinstance(x, t.Tensor)


def stored(data, dtype=None):
    """(numpy array as HDF5 stores it, dtype attribute or None) for a tensor or array.

    `dtype` names the encoded type of raw bit patterns (uint16 for "bfloat16", uint8 for the fp8
    and e8m0 types); for torch or ml_dtypes inputs it is taken from the value and, if given,
    must agree.
    """
    name = None
    if _is_torch_tensor(data):
        t = data.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        t = t.contiguous()
        tname = str(t.dtype).removeprefix("torch.")
        if tname in ENCODED_TYPES:
            name = tname
            torch = _torch()
            view = torch.int16 if ENCODED_TYPES[tname] == 2 else torch.uint8
            arr = t.view(view).numpy().view(_BITS[ENCODED_TYPES[tname]])
        elif t.dtype == _torch().bool:
            arr = t.to(_torch().uint8).numpy()
        else:
            arr = t.numpy()
    else:
        arr = np.ascontiguousarray(np.asarray(data))
        if arr.dtype.name in ENCODED_TYPES:  # ml_dtypes arrays carry the SPEC's names
            name = arr.dtype.name
            arr = arr.view(_BITS[ENCODED_TYPES[name]])
        elif arr.dtype == np.bool_:
            arr = arr.astype(np.uint8)
    if dtype is not None:
        if dtype not in ENCODED_TYPES:
            raise ValueError("dtype %r is not one of %s (plain numeric types need no dtype)" % (dtype, sorted(ENCODED_TYPES)))
        if name is not None and name != dtype:
            raise ValueError("dtype %r disagrees with the value's own type %r" % (dtype, name))
        want = _BITS[ENCODED_TYPES[dtype]]
        if name is None and arr.dtype != want:
            raise ValueError("%s bit patterns must be %s, got %s" % (dtype, np.dtype(want).name, arr.dtype))
        name = dtype
    return np.ascontiguousarray(arr), name


def _attr(v):
    """An attribute value as HDF5 should hold it: bools as integers 0/1, strings as strings."""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (list, tuple)):
        return np.asarray(v)
    return v


def _set_attrs(obj, attrs):
    for k, v in attrs.items():
        if v is None:
            continue
        obj.attrs[k] = _attr(v)


# ---------------------------------------------------------------------------------------------
# Provenance


def _git(args, cwd):
    try:
        out = subprocess.run(["git"] + args, cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _version(module):
    m = sys.modules.get(module)
    if m is not None and hasattr(m, "__version__"):
        return str(m.__version__)
    try:
        from importlib.metadata import version
        return version(module)
    except Exception:
        return None


def provenance(script=None):
    """The provenance attributes of the calling program (see the module's doc)."""
    main = script or getattr(sys.modules.get("__main__"), "__file__", None) or (sys.argv[0] if sys.argv else "")
    main_abs = os.path.abspath(main) if main else ""
    where = os.path.dirname(main_abs) if main_abs else os.getcwd()
    root = _git(["rev-parse", "--show-toplevel"], where)
    script_name = os.path.relpath(main_abs, root) if (root and main_abs) else main
    p = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "script": script_name,
        "command": " ".join(shlex.quote(a) for a in ([script_name] + sys.argv[1:] if sys.argv else [])),
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "h5py_version": h5py.__version__,
        "hdf5_version": h5py.version.hdf5_version,
        "writer": "fp8moe_fixture %s" % __version__,
    }
    commit = _git(["rev-parse", "HEAD"], where) if root else None
    if os.environ.get("FP8MOE_FIXTURE_GIT_COMMIT"):
        # Said explicitly (a copy of a checkout run elsewhere, whose .git may be absent or stale).
        p["git_commit"] = os.environ["FP8MOE_FIXTURE_GIT_COMMIT"]
        p["git_commit_source"] = "FP8MOE_FIXTURE_GIT_COMMIT"
    elif commit:
        p["git_commit"] = commit
        p["git_dirty"] = int(bool(_git(["status", "--porcelain", "--untracked-files=no"], where)))
    torch = _torch()
    software = ["python %s" % p["python_version"], "numpy %s" % np.__version__, "h5py %s" % h5py.__version__]
    if torch is not None:
        p["torch_version"] = str(torch.__version__)
        software.append("torch %s" % torch.__version__)
        if getattr(torch.version, "cuda", None):
            p["cuda_version"] = str(torch.version.cuda)
            software.append("CUDA %s" % torch.version.cuda)
        if getattr(torch.version, "hip", None):
            p["hip_version"] = str(torch.version.hip)
            software.append("HIP %s" % torch.version.hip)
    if "triton" in sys.modules or torch is not None:
        tv = _version("triton")
        if tv:
            p["triton_version"] = tv
            software.append("triton %s" % tv)
    p["software"] = "; ".join(software)
    return p


def _cpu_device():
    return "cpu: %s" % (platform.processor() or platform.machine() or "unknown")


def _device_of(data):
    if _is_torch_tensor(data) and data.device.type != "cpu":
        torch = _torch()
        try:
            return torch.cuda.get_device_name(data.device)
        except Exception:
            return str(data.device)
    return None


# ---------------------------------------------------------------------------------------------
# Fixtures


class Results:
    """One `/results/<producer>` group. `put` returns the group, so calls chain."""

    def __init__(self, group, explicit):
        self.group = group
        self._explicit = set(explicit)

    def put(self, name, data, *, dtype=None, **attrs):
        """Write dataset `name` (replacing one of that name) with its own attributes
        (`reduction`, per-dataset overrides of the group's, notes)."""
        arr, encoded = stored(data, dtype)
        if name in self.group:
            del self.group[name]
        ds = self.group.create_dataset(name, data=arr)
        if encoded:
            ds.attrs["dtype"] = encoded
        _set_attrs(ds, attrs)
        dev = _device_of(data)
        if dev and "device" not in self._explicit:
            self.group.attrs["device"] = dev
        return self

    def attrs(self, **attrs):
        """Set group attributes (after the fact: a check's outcome, a skipped reason)."""
        self._explicit.update(attrs)
        _set_attrs(self.group, attrs)
        return self

    def __contains__(self, name):
        return name in self.group


class Fixture:
    """An open fixture file; use as a context manager (closes the file)."""

    def __init__(self, file):
        self.file = file

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self.file.id.valid:
            self.file.close()

    def results(self, name, *, script=None, **attrs):
        """Create `/results/<name>` (replacing one of that name) with provenance and `attrs`
        (recipe, fp8_format, amax_nan, input_nan_to_num, scale_compute, scale_pow2, cast_policy,
        nan_arith, ...). `name` is also the default of the `producer` attribute; pass
        `producer=` where several groups come from one producer."""
        res = self.file.require_group("results")
        if name in res:
            del res[name]
        g = res.create_group(name)
        base = {"producer": name, "device": _cpu_device()}
        base.update(provenance(script))
        base.update(attrs)
        _set_attrs(g, base)
        return Results(g, attrs.keys())

    def input(self, name, device=None):
        """`/inputs/<name>` as a torch tensor (when torch is imported) or a NumPy array."""
        return _load(self.file["inputs"][name], device)

    def inputs(self, device=None):
        return {k: _load(self.file["inputs"][k], device) for k in self.file["inputs"].keys()
                if isinstance(self.file["inputs"][k], h5py.Dataset)}


def _new_file(path, overwrite):
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(path)
    return h5py.File(path, "w", libver=LIBVER)


def _write_inputs(g, a=None, b=None, offsets=None, grad_out=None, **more):
    for name, value in (("a", a), ("b", b), ("grad_out", grad_out)) + tuple(more.items()):
        if value is None:
            continue
        arr, encoded = stored(value)
        if name in ("a", "b", "grad_out"):
            if encoded is None and arr.dtype == np.uint16:
                encoded = "bfloat16"  # raw bit patterns: inputs are bf16 (SPEC 5)
            if encoded != "bfloat16":
                raise ValueError("input %s must be bf16 (torch.bfloat16, ml_dtypes.bfloat16 or uint16 bit patterns), got %s"
                                 % (name, encoded or arr.dtype))
        ds = g.create_dataset(name, data=arr)
        if encoded:
            ds.attrs["dtype"] = encoded
    if offsets is not None:
        arr, _ = stored(offsets)
        g.create_dataset("offsets", data=arr.astype(np.int32))


def create(path, *, a=None, b=None, offsets=None, grad_out=None, description="", overwrite=True, **root_attrs):
    """A new fixture holding /inputs (a [M,K], b [G,K,N], grad_out [M,N] bf16, as torch or
    ml_dtypes bf16 or as uint16 bit patterns; offsets [G], stored int32), each optional.
    Returns an open `Fixture`."""
    f = _new_file(path, overwrite)
    _set_attrs(f, {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "description": description,
                   "writer": "fp8moe_fixture %s" % __version__})
    _set_attrs(f, root_attrs)
    _write_inputs(f.create_group("inputs"), a=a, b=b, offsets=offsets, grad_out=grad_out)
    return Fixture(f)


def _copy_tree(src, dst):
    _set_attrs(dst, dict(src.attrs))
    for k, v in src.items():
        if isinstance(v, h5py.Group):
            _copy_tree(v, dst.create_group(k))
        else:
            ds = dst.create_dataset(k, data=v[...])
            _set_attrs(ds, dict(v.attrs))


def copy_inputs(src, dst, *, overwrite=True, keep_results=(), **root_attrs):
    """A new fixture `dst` with `src`'s root attributes and /inputs (rewritten, so `dst` keeps
    the v110 format bounds whatever wrote `src`), plus the producers named in `keep_results`.
    Returns an open `Fixture`."""
    f = _new_file(dst, overwrite)
    with h5py.File(src, "r") as s:
        _set_attrs(f, dict(s.attrs))
        _copy_tree(s["inputs"], f.create_group("inputs"))
        for name in keep_results:
            _copy_tree(s["results"][name], f.require_group("results").create_group(name))
    _set_attrs(f, {"inputs_copied_from": os.path.basename(src)})
    _set_attrs(f, root_attrs)
    return Fixture(f)


def append(path):
    """An existing fixture, opened to add or replace results groups."""
    return Fixture(h5py.File(path, "r+", libver=LIBVER))


# ---------------------------------------------------------------------------------------------
# Peer scripts: results written step by step, a failing step recorded


def first_line(e, n=400):
    """`Type: first line of the message` of exception `e`, that line cut to `n` characters."""
    s = str(e).strip().splitlines()
    line = s[0] if s else ""
    return "%s: %s" % (type(e).__name__, line if len(line) <= n else line[:n] + "...")


class ResultGroup:
    """A results group (`Fixture.results(name, **attrs)`) that a peer script fills step by step.
    `attempt(what, fn)` runs one step; if it raises, the traceback is printed, the step and the
    first line of its error (`first_line`, cut to `error_chars`) are kept, and the run goes on:
    `finish` writes them as the group's `skipped` attribute, so a failing kernel shows up as a
    skip, never as a silently missing dataset.

    `after_step` runs after each step, inside the same guard (the GPU scripts pass
    `torch.cuda.synchronize`, so an asynchronous kernel error is charged to its step).
    `finish` prints one line: the name padded to `label_width`, the datasets written (sorted),
    then `skipped_prefix` and the skipped steps when there are any."""

    def __init__(self, fixture, name, *, after_step=None, error_chars=400, label_width=34,
                 skipped_prefix="  SKIPPED ", **attrs):
        self.r = fixture.results(name, **attrs)
        self.name = name
        self.skipped = []
        self._after_step = after_step
        self._error_chars = error_chars
        self._label_width = label_width
        self._skipped_prefix = skipped_prefix

    def put(self, name, data, **attrs):
        self.r.put(name, data, **attrs)

    def attempt(self, what, fn):
        """Runs `fn()` (then `after_step`); True if neither raised, else False with the step
        recorded as skipped."""
        try:
            fn()
            if self._after_step is not None:
                self._after_step()
            return True
        except Exception as e:
            traceback.print_exc()
            self.skipped.append("%s: %s" % (what, first_line(e, self._error_chars)))
            return False

    def finish(self, **attrs):
        """Sets the group attributes `attrs`, plus `skipped` ("; "-joined) when a step failed."""
        if self.skipped:
            attrs["skipped"] = "; ".join(self.skipped)
        self.r.attrs(**attrs)
        print("  %-*s %s%s" % (self._label_width, self.name, ", ".join(sorted(self.r.group.keys())) or "-",
                               (self._skipped_prefix + attrs["skipped"]) if self.skipped else ""))


# ---------------------------------------------------------------------------------------------
# Reading back


def _load(ds, device=None):
    arr = ds[...]
    dtype = ds.attrs.get("dtype")
    if isinstance(dtype, bytes):
        dtype = dtype.decode()
    torch = _torch()
    if torch is not None:
        if dtype in ENCODED_TYPES:
            tdt = getattr(torch, dtype, None)
            if tdt is None:
                raise ValueError("this torch has no dtype %s (%s)" % (dtype, ds.name))
            raw = torch.from_numpy(arr.view(np.int16) if ENCODED_TYPES[dtype] == 2 else arr)
            t = raw.view(tdt)
        else:
            t = torch.from_numpy(arr)
        return t.to(device) if device is not None else t
    if dtype in ENCODED_TYPES:
        try:
            import ml_dtypes
            return arr.view(getattr(ml_dtypes, dtype))
        except (ImportError, AttributeError):
            return arr  # raw bit patterns
    return arr


def read(path, dataset, device=None):
    """One dataset of a fixture as a torch tensor (when torch is imported) or a NumPy array
    (ml_dtypes-typed when ml_dtypes is installed, else the raw bit patterns)."""
    with h5py.File(path, "r") as f:
        return _load(f[dataset], device)


def load_inputs(path, device=None):
    """Every dataset under /inputs, as `read` returns them."""
    with h5py.File(path, "r") as f:
        return {k: _load(v, device) for k, v in f["inputs"].items() if isinstance(v, h5py.Dataset)}
