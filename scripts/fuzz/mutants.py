"""Hostile variants of a valid fixture, for scripts/fuzz/fuzz.py and scripts/fuzz/make_hostile.py.

Two kinds:

- structure-aware mutants (`STRUCTURE`): h5py edits of a copy of a valid fixture, each one
  defect of the kinds issue 12 lists (an object of the wrong kind where a dataset or group
  belongs, soft links dangling / cyclic / to themselves, external links, external raw storage,
  virtual datasets, a file written with libver='latest', odd attribute types, huge declared
  shapes, unwritten chunks, gzip bombs, truncated or corrupt gzip chunks, offsets that no input
  bounds). Each builder is deterministic; `outside` marks mutants that make the reader take
  bytes from another file (exit 0 or 1 on them is a finding), `twice` those whose verdict must
  also be the same on a second run (uninitialised data shows as a different JSON).
- byte mutants (`mutate_bytes`): bit flips, interesting bytes and integers, truncation, biased
  towards the file's metadata (bytes outside every dataset's raw data).

Every builder takes (src, dst, ctx) and writes dst; ctx holds `canary_bin` and `canary_h5`
(files outside the fixture whose bytes must never reach verify's output: every uint16 of them
is CANARY) and `work` (a scratch folder for cached inputs such as the zlib bomb).
"""
import os
import shutil
import zlib

import h5py
import numpy as np

CANARY = 0xCA5E          # every uint16 of the canary files; as bf16 about -3.6e6
CANARY_HEX = "0xca5e"
LIBVER = ("earliest", "v110")


# ---------------------------------------------------------------------------------------------
# Helpers


def first_producer(f):
    return sorted(f["results"].keys())[0]


def dataset_paths(f):
    out = []
    f.visititems(lambda n, o: out.append("/" + n) if isinstance(o, h5py.Dataset) else None)
    return out


def replace_dataset(f, path, **kw):
    """Delete the dataset at `path` and create it again with kw (keeping its attributes)."""
    old = f[path]
    attrs = dict(old.attrs)
    data = old[...]
    del f[path]
    if "data" not in kw and "shape" not in kw:
        kw["data"] = data
    ds = f.create_dataset(path, **kw)
    for k, v in attrs.items():
        ds.attrs[k] = v
    return ds


def copy(src, dst):
    shutil.copyfile(src, dst)
    return h5py.File(dst, "r+")


def make_canaries(work):
    """canary.bin (64 KiB) and canary.h5 (/a, /b, /offsets shaped like an input), every uint16 CANARY."""
    os.makedirs(work, exist_ok=True)
    bin_path = os.path.join(work, "canary.bin")
    h5_path = os.path.join(work, "canary.h5")
    if not os.path.exists(bin_path):
        np.full(32768, CANARY, dtype="<u2").tofile(bin_path)
    if not os.path.exists(h5_path):
        with h5py.File(h5_path, "w", libver=LIBVER) as f:
            for name, shape in (("a", (64, 32)), ("b", (4, 32, 16)), ("grad_out", (64, 16))):
                d = f.create_dataset(name, data=np.full(shape, CANARY, dtype=np.uint16))
                d.attrs["dtype"] = "bfloat16"
            f.create_dataset("offsets", data=np.array([16, 32, 48, 64], dtype=np.int32))
    return {"canary_bin": bin_path, "canary_h5": h5_path, "work": work}


def zlib_bomb(work, nbytes):
    """zlib stream of `nbytes` zero bytes (cached in work)."""
    path = os.path.join(work, "zeros-%d.zlib" % nbytes)
    if not os.path.exists(path):
        c = zlib.compressobj(9)
        block = bytes(1 << 24)
        with open(path, "wb") as out:
            left = nbytes
            while left:
                n = min(left, len(block))
                out.write(c.compress(block[:n]))
                left -= n
            out.write(c.flush())
    with open(path, "rb") as f:
        return f.read()


# ---------------------------------------------------------------------------------------------
# Structure-aware mutants: name -> (builder, flags)

STRUCTURE = {}


def mutant(name, outside=False, twice=False, refuse=False):
    def register(fn):
        STRUCTURE[name] = (fn, {"outside": outside, "twice": twice, "refuse": refuse or outside})
        return fn
    return register


def _input_and_result_paths(f):
    p = first_producer(f)
    paths = ["/inputs/" + k for k in ("a", "b", "offsets", "grad_out") if k in f["inputs"]]
    paths += ["/results/%s/%s" % (p, k) for k in sorted(f["results"][p].keys())[:2]]
    return paths


def _each_path(prefix, build):
    """Registers `prefix:<path>` for each input and the first two datasets of the first producer."""
    for path in ("/inputs/a", "/inputs/b", "/inputs/offsets", "/inputs/grad_out", "@result0", "@result1"):
        def fn(src, dst, ctx, path=path):
            with copy(src, dst) as f:
                real = _resolve(f, path)
                if real is None:
                    return False
                build(f, real, ctx, dst)
            return True
        STRUCTURE["%s:%s" % (prefix, path)] = (fn, {"outside": False, "twice": False, "refuse": False})


def _resolve(f, path):
    if path.startswith("@result"):
        p = first_producer(f)
        names = sorted(f["results"][p].keys())
        i = int(path[len("@result"):])
        return "/results/%s/%s" % (p, names[i]) if i < len(names) else None
    return path if path in f else None


def _group_for_dataset(f, path, ctx, dst):
    del f[path]
    f.create_group(path)


def _soft_dangling(f, path, ctx, dst):
    del f[path]
    f[path] = h5py.SoftLink("/no/such/object")


def _soft_self(f, path, ctx, dst):
    del f[path]
    f[path] = h5py.SoftLink(path)


def _soft_to_group(f, path, ctx, dst):
    del f[path]
    f[path] = h5py.SoftLink("/inputs")


def _soft_inside_ok(f, path, ctx, dst):
    """A soft link to the same dataset moved elsewhere in the file: legal (followed inside the file)."""
    f.require_group("stash")
    stash = "/stash/" + path.strip("/").replace("/", "_")
    f.move(path, stash)
    f[path] = h5py.SoftLink(stash)


def _external_missing(f, path, ctx, dst):
    del f[path]
    f[path] = h5py.ExternalLink("no-such-file.h5", "/a")


def _external_self(f, path, ctx, dst):
    del f[path]
    f[path] = h5py.ExternalLink(os.path.basename(dst), path)


def _external_passwd(f, path, ctx, dst):
    del f[path]
    f[path] = h5py.ExternalLink("/etc/passwd", "/a")


def _external_canary(f, path, ctx, dst):
    name = path.rsplit("/", 1)[1]
    del f[path]
    f[path] = h5py.ExternalLink(ctx["canary_h5"], "/" + (name if name in ("a", "b", "offsets", "grad_out") else "a"))


def _external_storage_canary(f, path, ctx, dst):
    old = f[path]
    shape, dtype, attrs = old.shape, old.dtype, dict(old.attrs)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes > os.path.getsize(ctx["canary_bin"]) or nbytes == 0:
        raise ValueError("too large for the canary")
    del f[path]
    ds = f.create_dataset(path, shape=shape, dtype=dtype, external=[(ctx["canary_bin"], 0, nbytes)])
    for k, v in attrs.items():
        ds.attrs[k] = v


def _untimed(layout):
    """A VirtualLayout whose dataset records no times (so the file is the same on every run)."""
    make = layout._get_dcpl

    def dcpl(filename):
        d = make(filename)
        d.set_obj_track_times(False)
        return d
    layout._get_dcpl = dcpl
    return layout


def _vds_other_file(f, path, ctx, dst):
    """The dataset as a virtual dataset whose data is the canary file's dataset of the same rank."""
    old = f[path]
    shape, dtype, attrs = old.shape, old.dtype, dict(old.attrs)
    source = {1: ("offsets", (4,), np.int32), 2: ("a", (64, 32), np.uint16), 3: ("b", (4, 32, 16), np.uint16)}.get(len(shape))
    if source is None or any(s > m for s, m in zip(shape, source[1])):
        raise ValueError("no canary source of that shape")
    del f[path]
    layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
    layout[...] = h5py.VirtualSource(ctx["canary_h5"], source[0], shape=source[1], dtype=source[2])[
        tuple(slice(0, n) for n in shape)]
    ds = f.create_virtual_dataset(path, _untimed(layout), fillvalue=0)
    for k, v in attrs.items():
        ds.attrs[k] = v


def _vds_same_file(f, path, ctx, dst):
    old = f[path]
    shape, dtype, attrs = old.shape, old.dtype, dict(old.attrs)
    f.require_group("stash")
    stash = "/stash/" + path.strip("/").replace("/", "_")
    f.move(path, stash)
    layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
    layout[...] = h5py.VirtualSource(".", stash, shape=shape, dtype=dtype)
    ds = f.create_virtual_dataset(path, _untimed(layout))
    for k, v in attrs.items():
        ds.attrs[k] = v


def _hard_link_wrong(f, path, ctx, dst):
    """The dataset replaced by a hard link to another dataset of the file (a real object, wrong shape/type)."""
    other = "/inputs/offsets" if path != "/inputs/offsets" else "/inputs/a"
    if other not in f:
        raise ValueError("no other dataset")
    del f[path]
    f[path] = f[other]


def _scalar(f, path, ctx, dst):
    attrs = dict(f[path].attrs)
    dtype = f[path].dtype
    del f[path]
    ds = f.create_dataset(path, data=np.zeros((), dtype=dtype))
    for k, v in attrs.items():
        ds.attrs[k] = v


def _null_dataspace(f, path, ctx, dst):
    attrs = dict(f[path].attrs)
    dtype = f[path].dtype
    del f[path]
    ds = f.create_dataset(path, data=h5py.Empty(dtype))
    for k, v in attrs.items():
        ds.attrs[k] = v


def _unwritten_chunks(f, path, ctx, dst):
    """Same shape, chunked, no chunk written: every element is the fill value."""
    old = f[path]
    if old.ndim == 0:
        raise ValueError("scalar")
    replace_dataset(f, path, shape=old.shape, dtype=old.dtype, chunks=tuple(max(1, s // 2) for s in old.shape),
                    fillvalue=np.array(0x7FC0 if old.dtype == np.uint16 else 0).astype(old.dtype))


def _big_endian(f, path, ctx, dst):
    old = f[path]
    replace_dataset(f, path, data=old[...].astype(old.dtype.newbyteorder(">")))


for _prefix, _fn in (("group-for-dataset", _group_for_dataset), ("soft-dangling", _soft_dangling),
                     ("soft-self", _soft_self), ("soft-to-group", _soft_to_group), ("soft-inside", _soft_inside_ok),
                     ("external-link-missing", _external_missing), ("external-link-self", _external_self),
                     ("external-link-passwd", _external_passwd), ("external-link-canary", _external_canary),
                     ("external-storage-canary", _external_storage_canary), ("vds-other-file", _vds_other_file),
                     ("vds-same-file", _vds_same_file), ("hard-link-other", _hard_link_wrong),
                     ("scalar-dataspace", _scalar), ("null-dataspace", _null_dataspace),
                     ("unwritten-chunks", _unwritten_chunks), ("big-endian", _big_endian)):
    _each_path(_prefix, _fn)
# External links, external raw storage and virtual datasets must be refused (exit 2, issue 12);
# those that would hand verify another file's bytes are marked `outside` as well.
OUTSIDE = ("external-link-canary", "external-storage-canary", "vds-other-file")
for _k in list(STRUCTURE):
    if _k.startswith(("external-", "vds-")):
        STRUCTURE[_k][1]["refuse"] = True
        STRUCTURE[_k][1]["outside"] = _k.startswith(OUTSIDE)


@mutant("soft-cycle:/inputs/a,/inputs/b")
def _soft_cycle(src, dst, ctx):
    with copy(src, dst) as f:
        del f["/inputs/a"]
        del f["/inputs/b"]
        f["/inputs/a"] = h5py.SoftLink("/inputs/b")
        f["/inputs/b"] = h5py.SoftLink("/inputs/a")
    return True


@mutant("soft-cycle:/inputs")
def _soft_cycle_group(src, dst, ctx):
    with copy(src, dst) as f:
        f.move("/inputs", "/inputs-real")
        f["/inputs"] = h5py.SoftLink("/inputs-real/loop")
        f["/inputs-real/loop"] = h5py.SoftLink("/inputs")
    return True


@mutant("dataset-for-group:/inputs")
def _dataset_for_inputs(src, dst, ctx):
    with copy(src, dst) as f:
        del f["/inputs"]
        f.create_dataset("/inputs", data=np.arange(4, dtype=np.int32))
    return True


@mutant("dataset-for-group:/results/P")
def _dataset_for_producer(src, dst, ctx):
    with copy(src, dst) as f:
        p = first_producer(f)
        del f["/results/" + p]
        f.create_dataset("/results/" + p, data=np.arange(4, dtype=np.int32))
    return True


@mutant("dataset-for-group:/results")
def _dataset_for_results(src, dst, ctx):
    with copy(src, dst) as f:
        del f["/results"]
        f.create_dataset("/results", data=np.arange(4, dtype=np.int32))
    return True


@mutant("external-link:/results/P", outside=True)
def _external_producer(src, dst, ctx):
    with copy(src, dst) as f:
        p = first_producer(f)
        del f["/results/" + p]
        f["/results/" + p] = h5py.ExternalLink(ctx["canary_h5"], "/")
    return True


def _external_dev_zero(rows):
    def fn(src, dst, ctx):
        """/inputs/a declared [rows, K] on external raw storage /dev/zero (a 13 KB file)."""
        with copy(src, dst) as f:
            old = f["/inputs/a"]
            k, attrs = old.shape[1], dict(old.attrs)
            del f["/inputs/a"]
            ds = f.create_dataset("/inputs/a", shape=(rows, k), dtype=np.uint16,
                                  external=[("/dev/zero", 0, h5py.h5f.UNLIMITED)])
            for kk, v in attrs.items():
                ds.attrs[kk] = v
        return True
    return fn


# 2^31 rows of K = 4: 16 GiB of zeros; 2^28: 2 GiB (the committed reproducer: harmless to run
# without limits on a 24 GiB machine, still far past any fixture-sized memory budget).
STRUCTURE["external-storage:/dev/zero-huge"] = (_external_dev_zero(1 << 31), {"outside": True, "twice": False, "refuse": True})
STRUCTURE["external-storage:/dev/zero-2GiB"] = (_external_dev_zero(1 << 28), {"outside": True, "twice": False, "refuse": True})


@mutant("external-storage:/etc/passwd", outside=True)
def _external_passwd_storage(src, dst, ctx):
    """/inputs/a's raw data in /etc/passwd (exists on every Linux machine)."""
    with copy(src, dst) as f:
        old = f["/inputs/a"]
        shape, attrs = old.shape, dict(old.attrs)
        nbytes = int(np.prod(shape)) * 2
        if nbytes > os.path.getsize("/etc/passwd"):
            shape = (os.path.getsize("/etc/passwd") // (2 * shape[1]), shape[1])
            nbytes = int(np.prod(shape)) * 2
        del f["/inputs/a"]
        ds = f.create_dataset("/inputs/a", shape=shape, dtype=np.uint16, external=[("/etc/passwd", 0, nbytes)])
        for kk, v in attrs.items():
            ds.attrs[kk] = v
    return True


@mutant("libver-latest")
def _libver_latest(src, dst, ctx):
    """The same fixture rewritten by h5py with libver='latest' (format features newer than 1.10)."""
    with h5py.File(src, "r") as s, h5py.File(dst, "w", libver="latest") as d:
        for k, v in s.attrs.items():
            d.attrs[k] = v
        for name in s:
            s.copy(s[name], d, name=name)
    return True


def _set_attr(path_of, name, value):
    def fn(src, dst, ctx):
        with copy(src, dst) as f:
            obj = f[path_of(f)]
            if isinstance(value, tuple) and value and value[0] == "raw":
                obj.attrs.create(name, value[1], dtype=value[2])
            else:
                obj.attrs[name] = value
        return True
    return fn


_ROOT = lambda f: "/"  # noqa: E731
_PROD = lambda f: "/results/" + first_producer(f)  # noqa: E731
_A = lambda f: "/inputs/a"  # noqa: E731
_vlen = h5py.string_dtype("utf-8")
_compound = np.dtype([("x", "<i4"), ("y", "<f8")])
for _name, _where, _attr, _value in (
        ("attr-vlen-array:recipe", _PROD, "recipe", ("raw", np.array(["rowwise", "tensorwise"], dtype=object), _vlen)),
        ("attr-fixed-bytes:recipe", _PROD, "recipe", np.bytes_(b"rowwise")),
        ("attr-newline:recipe", _PROD, "recipe", "row\nwise"),
        ("attr-control-chars:recipe", _PROD, "recipe", "row\x1b[2Jwise\r"),
        ("attr-empty-string:recipe", _PROD, "recipe", ""),
        ("attr-int-for-string:recipe", _PROD, "recipe", np.int64(5)),
        ("attr-compound:recipe", _PROD, "recipe", ("raw", np.zeros((), dtype=_compound), _compound)),
        ("attr-null:recipe", _PROD, "recipe", h5py.Empty(_vlen)),
        ("attr-null:schema_version", _ROOT, "schema_version", h5py.Empty("<i8")),
        ("attr-uint64-max:schema_version", _ROOT, "schema_version", np.uint64(2 ** 64 - 1)),
        ("attr-float:schema_version", _ROOT, "schema_version", np.float64(1.0)),
        ("attr-array:schema_version", _ROOT, "schema_version", np.array([1, 1], dtype=np.int64)),
        ("attr-huge-string:schema", _ROOT, "schema", "fp8moe-fixture" + "x" * (1 << 20)),
        ("attr-vlen-array:dtype", _A, "dtype", ("raw", np.array(["bfloat16"] * 3, dtype=object), _vlen)),
        ("attr-uint64-max:scale_pow2", _PROD, "scale_pow2", np.uint64(2 ** 64 - 1)),
        ("attr-int-huge:input_nan_to_num", _PROD, "input_nan_to_num", np.int64(2 ** 40)),
        ("attr-nan:accum_eps", _PROD, "accum_eps", np.float64("nan")),
        ("attr-negative:accum_eps", _PROD, "accum_eps", np.float64(-1.0))):
    STRUCTURE[_name] = (_set_attr(_where, _attr, _value), {"outside": False, "twice": False, "refuse": False})


@mutant("name-newline:/results/P")
def _name_newline(src, dst, ctx):
    """A producer whose name holds a newline and an unknown recipe: the message names it."""
    with copy(src, dst) as f:
        p = first_producer(f)
        f.move("/results/" + p, "/results/bad\nname")
        f["/results/bad\nname"].attrs["recipe"] = "blockwise"
    return True


def _huge_chunked(rows, fill=None):
    def fn(src, dst, ctx):
        with copy(src, dst) as f:
            old = f["/inputs/a"]
            k, attrs = old.shape[1], dict(old.attrs)
            del f["/inputs/a"]
            kw = {} if fill is None else {"fillvalue": np.uint16(fill)}
            ds = f.create_dataset("/inputs/a", shape=(rows, k), dtype=np.uint16, chunks=(min(rows, 1 << 16), k), **kw)
            for kk, v in attrs.items():
                ds.attrs[kk] = v
        return True
    return fn


STRUCTURE["huge-shape-unwritten:/inputs/a 2^40 rows"] = (_huge_chunked(1 << 40), {"outside": False, "twice": False, "refuse": False})
STRUCTURE["huge-shape-unwritten:/inputs/a 2^27 rows (1 GiB of fill)"] = (_huge_chunked(1 << 27, 0x3F80), {"outside": False, "twice": False, "refuse": False})


@mutant("huge-shape:/results/P/a_scale 2^50")
def _huge_result(src, dst, ctx):
    with copy(src, dst) as f:
        path = "/results/%s/%s" % (first_producer(f), sorted(f["results"][first_producer(f)].keys())[0])
        old = f[path]
        attrs = dict(old.attrs)
        del f[path]
        ds = f.create_dataset(path, shape=(1 << 50,), dtype=old.dtype, chunks=(1 << 16,))
        for kk, v in attrs.items():
            ds.attrs[kk] = v
    return True


@mutant("gzip-bomb:/inputs/a one 1 GiB chunk")
def _gzip_bomb(src, dst, ctx):
    """/inputs/a [2^29, 1]... declared as one 1 GiB chunk whose zlib stream is about 1 MB of zeros."""
    with copy(src, dst) as f:
        old = f["/inputs/a"]
        k, attrs = old.shape[1], dict(old.attrs)
        rows = (1 << 30) // (2 * k)
        del f["/inputs/a"]
        ds = f.create_dataset("/inputs/a", shape=(rows, k), dtype=np.uint16, chunks=(rows, k), compression="gzip")
        ds.id.write_direct_chunk((0, 0), zlib_bomb(ctx["work"], rows * k * 2))
        for kk, v in attrs.items():
            ds.attrs[kk] = v
    return True


def _gzip_chunks(edit):
    def fn(src, dst, ctx):
        with copy(src, dst) as f:
            old = f["/inputs/a"]
            data, attrs = old[...], dict(old.attrs)
            del f["/inputs/a"]
            ds = f.create_dataset("/inputs/a", shape=data.shape, dtype=data.dtype, chunks=data.shape, compression="gzip")
            ds.id.write_direct_chunk((0,) * data.ndim, edit(zlib.compress(data.tobytes(), 9), data))
            for kk, v in attrs.items():
                ds.attrs[kk] = v
        return True
    return fn


STRUCTURE["gzip-truncated-chunk:/inputs/a"] = (_gzip_chunks(lambda z, d: z[: max(2, len(z) // 2)]), {"outside": False, "twice": True, "refuse": False})
# A chunk must inflate to exactly its declared size (issue 12): shorter or longer is refused.
STRUCTURE["gzip-short-stream:/inputs/a"] = (
    _gzip_chunks(lambda z, d: zlib.compress(d.tobytes()[: d.nbytes // 2], 9)), {"outside": False, "twice": True, "refuse": True})
STRUCTURE["gzip-long-stream:/inputs/a"] = (
    _gzip_chunks(lambda z, d: zlib.compress(d.tobytes() * 64, 9)), {"outside": False, "twice": True, "refuse": True})
STRUCTURE["gzip-garbage-chunk:/inputs/a"] = (
    _gzip_chunks(lambda z, d: bytes((i * 37 + 11) & 0xFF for i in range(len(z)))), {"outside": False, "twice": True, "refuse": False})


@mutant("offsets-unbounded-without-a")
def _offsets_without_a(src, dst, ctx):
    """/inputs/a absent, offsets far beyond every operand the producer supplies."""
    with copy(src, dst) as f:
        if "/inputs/a" in f:
            del f["/inputs/a"]
        g = f["/inputs/offsets"].shape[0]
        del f["/inputs/offsets"]
        f.create_dataset("/inputs/offsets", data=(np.arange(1, g + 1) * (1 << 20)).astype(np.int32))
    return True


@mutant("offsets-decreasing-without-a")
def _offsets_decreasing_without_a(src, dst, ctx):
    with copy(src, dst) as f:
        if "/inputs/a" in f:
            del f["/inputs/a"]
        g = f["/inputs/offsets"].shape[0]
        del f["/inputs/offsets"]
        f.create_dataset("/inputs/offsets", data=np.array([2 ** 31 - 1] + [0] * (g - 1), dtype=np.int32))
    return True


@mutant("many-producers:300")
def _many_producers(src, dst, ctx):
    """300 extra producer groups with the first one's attributes and no datasets (3000 take 7 s of CPU
    on valid-control.h5 today: slow, not stuck; 300 stay well inside the time limit)."""
    with copy(src, dst) as f:
        p = first_producer(f)
        attrs = dict(f["/results/" + p].attrs)
        for i in range(300):
            g = f.create_group("/results/%s-%04d" % (p, i))
            for k, v in attrs.items():
                g.attrs[k] = v
    return True


# ---------------------------------------------------------------------------------------------
# Byte mutants


def raw_data_ranges(path):
    """(start, end) byte ranges of every dataset's raw data (contiguous or chunked) in the file."""
    ranges = []
    try:
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                if not isinstance(obj, h5py.Dataset):
                    return
                try:
                    off = obj.id.get_offset()
                    if off is not None:
                        ranges.append((off, off + obj.id.get_storage_size()))
                        return
                    for i in range(obj.id.get_num_chunks()):
                        c = obj.id.get_chunk_info(i)
                        ranges.append((c.byte_offset, c.byte_offset + c.size))
                except Exception:
                    pass
            f.visititems(visit)
    except Exception:
        pass
    return sorted(ranges)


def metadata_positions(size, ranges):
    """Every byte position outside the raw data ranges."""
    mask = np.ones(size, dtype=bool)
    for a, b in ranges:
        mask[a:min(b, size)] = False
    return np.flatnonzero(mask)


INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x07, 0x08, 0x10, 0x20, 0x40, 0x7F, 0x80, 0xFE, 0xFF]
INTERESTING_INTS = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000,
                    0xFFFFFFFF, 0x100000000, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF]


def mutate_bytes(data, rng, meta):
    """One byte mutant of `data` (bytes): (new bytes, description). `meta`: metadata positions."""
    buf = bytearray(data)
    n = len(buf)

    def pos():
        if len(meta) and rng.random() < 0.85:
            return int(meta[rng.integers(len(meta))])
        return int(rng.integers(n))

    kind = rng.choice(["bitflip", "byte", "int", "truncate", "zero-run"], p=[0.35, 0.25, 0.25, 0.05, 0.10])
    if kind == "bitflip":
        edits = []
        for _ in range(int(rng.integers(1, 5))):
            p, b = pos(), int(rng.integers(8))
            buf[p] ^= 1 << b
            edits.append("%d^%d" % (p, 1 << b))
        return bytes(buf), "bitflip " + ",".join(edits)
    if kind == "byte":
        edits = []
        for _ in range(int(rng.integers(1, 5))):
            p = pos()
            v = int(rng.choice(INTERESTING_BYTES)) if rng.random() < 0.7 else int(rng.integers(256))
            buf[p] = v
            edits.append("%d=%02x" % (p, v))
        return bytes(buf), "byte " + ",".join(edits)
    if kind == "int":
        width = int(rng.choice([2, 4, 8]))
        p = min(pos(), n - width)
        v = int(rng.choice(INTERESTING_INTS)) & ((1 << (8 * width)) - 1)
        if rng.random() < 0.3:  # near the current value
            cur = int.from_bytes(buf[p:p + width], "little")
            v = (cur + int(rng.integers(-16, 17))) & ((1 << (8 * width)) - 1)
        buf[p:p + width] = v.to_bytes(width, "little")
        return bytes(buf), "int%d %d=%x" % (8 * width, p, v)
    if kind == "zero-run":
        p = pos()
        length = int(rng.integers(2, 33))
        buf[p:p + length] = bytes(min(length, n - p))
        return bytes(buf), "zeros %d+%d" % (p, length)
    cut = int(rng.integers(1, n))
    return bytes(buf[:cut]), "truncate %d" % cut
