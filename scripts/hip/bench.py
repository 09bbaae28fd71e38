#!/usr/bin/env python3
"""GPU benchmark of the HIP quantization kernels beside their peers, in one process, one timing method.

  python3 scripts/hip/bench.py [--lib hip/build/nvidia/libfp8q.so] [--peers .peers-hip] [--report FILE]

HIP kernels (ctypes on libfp8q.so, on PyTorch's current stream), recipe = PR #4179's tensorwise
(input_nan_to_num = 1, fp64 scale, pow2, e4m3fn) and torchao's rowwise (propagate, fp64, pow2):
  hip tensorwise       fp8q_quantize_grouped, offsets NULL
  hip per_group        fp8q_quantize_grouped, G = 8 uneven groups, one empty
  hip dual layout      fp8q_quantize_tensorwise_dual (row-major + column-major fp8)
  hip per_group_column fp8q_quantize_group_columns (rowwise wgrad operand)
  hip rowwise          fp8q_quantize_rowwise
Peers, same data: PR #4179's own Triton kernels, loaded from the files in --peers (never
committed; scripts/hip/peers.sh says how they are made): fp8_tensorwise_2d.py and
fp8_tensorwise_per_group.py at bd79c46, fp8_tensorwise_2d.py at 3322d2f (its 2-D kernel with the
staged amax, and its dual-layout kernel); torch.compile of the eager recipe; a plain Triton
two-pass kernel; torch.compile of rowwise. A device-to-device copy gives the bandwidth ceiling.

Timing (`gpu_ms`): CUDA events around each call, median over reps; before each call a GPU spin
(torch.cuda._sleep) keeps the device busy while the host queues the call, so the time is device
time, not launch overhead. Inputs and outputs rotate over sets larger than twice L2.
% copy = (bytes model / gpu ms) / copy bandwidth (1 GiB torch copy_, bytes read + written);
bytes model: two-pass 5 B/element (read bf16 twice, write fp8), one-pass 3, dual layout 6.
`match`: bytes (and scales) equal to the eager PyTorch decomposition of the same recipe.
"""
import argparse
import ctypes
import datetime
import importlib.util
import os
import statistics
import subprocess
import sys
import types

import torch
import triton
import triton.language as tl

FP8 = torch.float8_e4m3fn
FP8_MAX = 448.0
BF16_MAX = float(torch.finfo(torch.bfloat16).max)
SLEEP_CYCLES = 1_000_000  # ~0.5 ms of GPU spin before each timed call


# ------------------------------------------------------------------------------ HIP (ctypes)

class Recipe(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("amax_nan", ctypes.c_int), ("scale_compute", ctypes.c_int),
                ("pow2", ctypes.c_int), ("input_nan_to_num", ctypes.c_int)]


class Tuning(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int) for n in ("amax_tiles", "apply_tiles", "apply_reverse", "apply_wide",
                                            "amax_unroll", "apply_unroll", "rowwise_team", "chain", "dual_tile",
                                            "dual_order", "small_shape")]

    def but(self, **changes):
        """A copy with some fields changed."""
        t = Tuning(*[getattr(self, n) for n, _ in self._fields_])
        for n, v in changes.items():
            setattr(t, n, v)
        return t

    def __str__(self):
        return ",".join(f"{n}={getattr(self, n)}" for n, _ in self._fields_)


TENSORWISE = Recipe(0, 1, 0, 1, 1)  # e4m3fn, amax nan_to_num, fp64, pow2, input_nan_to_num (PR #4179)
ROWWISE = Recipe(0, 0, 0, 1, 0)     # e4m3fn, propagate, fp64, pow2


class Hip:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        P, I64, I = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
        self.lib.fp8q_quantize_grouped.argtypes = [P, I64, I64, P, I, Recipe, P, P, P, P]
        self.lib.fp8q_quantize_group_columns.argtypes = [P, I64, I64, P, I, Recipe, P, P, P, P]
        self.lib.fp8q_quantize_rowwise.argtypes = [P, I64, I64, Recipe, P, P, P]
        self.lib.fp8q_quantize_tensorwise_dual.argtypes = [P, I64, I64, Recipe, P, P, P, P, P]
        self.lib.fp8q_get_tuning.argtypes = [ctypes.POINTER(Tuning)]
        self.lib.fp8q_set_tuning.argtypes = [ctypes.POINTER(Tuning)]
        self.lib.fp8q_error_name.restype = ctypes.c_char_p

    def _check(self, status, what):
        if status != 0:
            raise RuntimeError(f"{what} failed: {self.lib.fp8q_error_name(status).decode()}")

    def get_tuning(self):
        t = Tuning()
        self._check(self.lib.fp8q_get_tuning(ctypes.byref(t)), "fp8q_get_tuning")
        return t

    def set_tuning(self, t):
        self._check(self.lib.fp8q_set_tuning(ctypes.byref(t)), "fp8q_set_tuning")

    @staticmethod
    def _stream():
        return ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)

    def grouped(self, x, y, scale, amax, offsets=None, recipe=TENSORWISE):
        M, K = x.shape
        G = 1 if offsets is None else offsets.numel()
        self._check(self.lib.fp8q_quantize_grouped(
            x.data_ptr(), M, K, None if offsets is None else offsets.data_ptr(), G, recipe,
            y.data_ptr(), scale.data_ptr(), amax.data_ptr(), self._stream()), "fp8q_quantize_grouped")

    def dual(self, x, y, y_t, scale, amax, recipe=TENSORWISE):
        M, K = x.shape
        self._check(self.lib.fp8q_quantize_tensorwise_dual(
            x.data_ptr(), M, K, recipe, y.data_ptr(), y_t.data_ptr(), scale.data_ptr(), amax.data_ptr(),
            self._stream()), "fp8q_quantize_tensorwise_dual")

    def group_columns(self, x, y, scale, amax, offsets, recipe=ROWWISE):
        M, K = x.shape
        self._check(self.lib.fp8q_quantize_group_columns(
            x.data_ptr(), M, K, offsets.data_ptr(), offsets.numel(), recipe, y.data_ptr(),
            scale.data_ptr(), amax.data_ptr(), self._stream()), "fp8q_quantize_group_columns")

    def rowwise(self, x, y, scale, recipe=ROWWISE):
        M, K = x.shape
        self._check(self.lib.fp8q_quantize_rowwise(
            x.data_ptr(), M, K, recipe, y.data_ptr(), scale.data_ptr(), self._stream()), "fp8q_quantize_rowwise")


# ------------------------------------------------------------------------------ peers

def eager_tensorwise(x):
    """PR #4179's tensorwise recipe as PyTorch ops: nan_to_num(x) for the amax and the multiply."""
    x = torch.nan_to_num(x, nan=0.0, posinf=BF16_MAX, neginf=-BF16_MAX)
    amax = x.abs().amax()
    scale = (FP8_MAX / torch.clamp(amax.to(torch.float64), min=1e-12)).to(torch.float32)
    scale = torch.exp2(torch.floor(torch.log2(scale)))
    y = (x.to(torch.float32) * scale).clamp(-FP8_MAX, FP8_MAX).to(FP8)
    return y, scale


def eager_rowwise(x):
    """The rowwise recipe as PyTorch ops: amax per row (propagate), fp64 scale, pow2, cast."""
    amax = x.abs().amax(dim=1, keepdim=True)
    scale = (FP8_MAX / torch.clamp(amax.to(torch.float64), min=1e-12)).to(torch.float32)
    scale = torch.exp2(torch.floor(torch.log2(scale)))
    y = (x.to(torch.float32) * scale).clamp(-FP8_MAX, FP8_MAX).to(FP8)
    return y, scale


@triton.jit
def _triton_amax(x_ptr, amax_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    x = tl.load(x_ptr + offs, mask=offs < n, other=0.0).to(tl.float32)
    x = tl.where(x != x, 0.0, x)
    x = tl.minimum(tl.maximum(x, -3.3895313892515355e38), 3.3895313892515355e38)
    tl.atomic_max(amax_ptr, tl.max(tl.abs(x), axis=0))


@triton.jit
def _triton_cast(x_ptr, y_ptr, amax_ptr, scale_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    amax = tl.load(amax_ptr).to(tl.float64)
    scale = (448.0 / tl.maximum(amax, 1e-12)).to(tl.float32)
    scale = tl.exp2(tl.floor(tl.log2(scale)))
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    x = tl.load(x_ptr + offs, mask=offs < n, other=0.0).to(tl.float32)
    x = tl.where(x != x, 0.0, x)
    x = tl.minimum(tl.maximum(x, -3.3895313892515355e38), 3.3895313892515355e38)
    y = tl.minimum(tl.maximum(x * scale, -448.0), 448.0)
    tl.store(y_ptr + offs, y.to(tl.float8e4nv), mask=offs < n)
    if pid == 0:
        tl.store(scale_ptr, scale)


def triton_tensorwise(x, y, scale):
    n = x.numel()
    amax = torch.zeros(1, device=x.device, dtype=torch.float32)
    grid = (triton.cdiv(n, 8192),)
    _triton_amax[grid](x, amax, n, BLOCK=8192, num_warps=8)
    _triton_cast[grid](x, y, amax, scale, n, BLOCK=8192, num_warps=8)


def load_peer(path, name):
    """A PR #4179 kernel file as a module; torchao.utils is stubbed (the files need only
    torch_version_at_least)."""
    if "torchao.utils" not in sys.modules:
        pkg = types.ModuleType("torchao")
        utils = types.ModuleType("torchao.utils")
        utils.torch_version_at_least = lambda v: True
        pkg.utils = utils
        sys.modules["torchao"], sys.modules["torchao.utils"] = pkg, utils
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def same_floats(a, b):
    """Equal values, NaN equal to NaN (torch.equal says NaN != NaN; a NaN row has a NaN scale)."""
    return a.shape == b.shape and bool(((a == b) | (a.isnan() & b.isnan())).all())


# ------------------------------------------------------------------------------ timing

def gpu_ms(fn, sets, reps):
    """Median device time of fn(*set) with the host running ahead (GPU spin before each call)."""
    for i in range(3):
        fn(*sets[i % len(sets)])
    torch.cuda.synchronize()
    start = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    end = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    for r in range(reps):
        torch.cuda._sleep(SLEEP_CYCLES)
        start[r].record()
        fn(*sets[r % len(sets)])
        end[r].record()
    torch.cuda.synchronize()
    return statistics.median(s.elapsed_time(e) for s, e in zip(start, end))


def copy_bandwidth(nbytes):
    src = torch.empty(nbytes // 2, dtype=torch.bfloat16, device="cuda").normal_()
    dst = torch.empty_like(src)
    ms = gpu_ms(lambda: dst.copy_(src), [()], 30)
    return 2 * nbytes / (ms * 1e-3), ms


# ------------------------------------------------------------------------------ one shape

def uneven_offsets(M, G, gen):
    cuts = torch.sort(torch.randint(0, M + 1, (G - 1,), generator=gen)).values
    cuts[2] = cuts[1]  # an empty group
    return torch.cat([cuts, torch.tensor([M])]).to(torch.int32).cuda()


def make_sets(M, K, l2_bytes, gen):
    nbytes = M * K * 2
    nsets = max(2, -(-2 * l2_bytes // nbytes) + 1)
    xs = []
    for _ in range(nsets):
        x = torch.randn(M, K, generator=gen).to(torch.bfloat16)
        flat = x.view(-1)
        idx = torch.randint(0, flat.numel(), (64,), generator=gen)
        flat[idx[:16]] = float("nan")
        flat[idx[16:24]] = float("inf")
        flat[idx[24:32]] = -float("inf")
        xs.append(x.cuda())
    ys = [torch.empty(M, K, dtype=torch.uint8, device="cuda") for _ in range(nsets)]
    return list(zip(xs, ys))


def bench_shape(ctx, M, K, kinds):
    """Rows of the table for one shape. kinds: subset of {'tensorwise', 'rowwise'}."""
    hip, peers, reps, rows, tuning_rows = ctx["hip"], ctx["peers"], ctx["reps"], ctx["rows"], ctx["tuning_rows"]
    gen = torch.Generator().manual_seed(M * 131 + K)
    sets = make_sets(M, K, ctx["l2"], gen)
    G = 8
    offsets = uneven_offsets(M, G, gen)
    scale1, scaleG = torch.empty(1, device="cuda"), torch.empty(G, device="cuda")
    scaleM, scaleGK = torch.empty(M, device="cuda"), torch.empty(G * K, device="cuda")
    amax1 = torch.empty(1, dtype=torch.int32, device="cuda")
    amaxG = torch.empty(G, dtype=torch.int32, device="cuda")
    amaxGK = torch.empty(G * K, dtype=torch.int32, device="cuda")
    y_t = [torch.empty(K, M, dtype=torch.uint8, device="cuda") for _ in sets]
    dual_sets = [(x, y, yt) for (x, y), yt in zip(sets, y_t)]
    f8 = lambda y: y.view(FP8)
    u8 = lambda t: t.view(torch.uint8)
    shape = f"{M}x{K}"
    x0, y0 = sets[0]

    def add(method, fn, bpe, match, launches, fn_sets=None, group="peer"):
        t = gpu_ms(fn, fn_sets or sets, reps)
        rows.append(dict(shape=shape, method=method, gpu_ms=t, bpe=bpe, match=match, launches=launches, group=group))
        print(f"{shape:<12} {method:<44} {t:8.4f} ms  match={match}", flush=True)
        return t

    half = M * K // 2
    copy_ms = gpu_ms(lambda x, y: y.view(-1).view(torch.bfloat16)[:half].copy_(x.view(-1)[:half]), sets, reps)
    rows.append(dict(shape=shape, method="copy (torch copy_, M*K*2 bytes moved)", gpu_ms=copy_ms, bpe=2, match=None,
                     launches=1, group="copy"))

    if "tensorwise" in kinds:
        ref_y, ref_s = eager_tensorwise(x0)
        ref_y = u8(ref_y)
        def sweep_grouped(configs, default):
            """Times tensorwise + per_group under each launch-shape variant (bytes checked against
            the reference; results must not change); records the rows and this shape's best."""
            best = (None, float("inf"))
            for cfg in configs:
                t = default.but(**cfg)
                hip.set_tuning(t)
                hip.grouped(x0, y0, scale1, amax1)
                ok = torch.equal(y0, ref_y) and same_floats(scale1, ref_s.reshape(1))
                ms_tw = gpu_ms(lambda x, y: hip.grouped(x, y, scale1, amax1), sets, reps)
                ms_pg = gpu_ms(lambda x, y: hip.grouped(x, y, scaleG, amaxG, offsets), sets, reps)
                tuning_rows.append((shape, str(t), ms_tw, ms_pg, ok))
                print(f"{shape:<12} tuning {t}: tensorwise {ms_tw:.4f} per_group {ms_pg:.4f} match={ok}", flush=True)
                if ok and ms_tw + ms_pg < best[1]:
                    best = (t, ms_tw + ms_pg)
            ctx["best_tuning"][shape] = str(best[0])
            return best

        # Launch-shape variants of the grouped kernels (results must not change), big shapes only.
        if M * K >= 2**26:
            default = hip.get_tuning()
            best = sweep_grouped(ctx["tunings"], default)
            # Dual-layout variants (tile, block order, launches), bytes checked against the reference.
            yt0, best_dual = y_t[0], (None, float("inf"))
            base = best[0] or default
            for cfg in ctx["dual_tunings"]:
                t = base.but(**cfg)
                hip.set_tuning(t)
                hip.dual(x0, y0, yt0, scale1, amax1)
                ok = torch.equal(y0, ref_y) and torch.equal(yt0, ref_y.t().contiguous())
                ms = gpu_ms(lambda x, y, yt: hip.dual(x, y, yt, scale1, amax1), dual_sets, reps)
                ctx["dual_rows"].append((shape, str(t), ms, ok))
                print(f"{shape:<12} dual {t}: {ms:.4f} match={ok}", flush=True)
                if ok and ms < best_dual[1]:
                    best_dual = (t, ms)
            # The table's HIP rows at this shape use --tuning if given, else the best variant
            # (the dual layout's own fields from its best variant).
            chosen = best[0] or default
            if best_dual[0] is not None:
                chosen = chosen.but(dual_tile=best_dual[0].dual_tile, dual_order=best_dual[0].dual_order)
            hip.set_tuning(ctx["tuning"] or chosen)
        elif ctx["small_tunings"]:
            default = hip.get_tuning()
            best = sweep_grouped(ctx["small_tunings"], default)
            # The dual layout's tile at this size: both tiles, over the grouped passes' best shape.
            base, best_dual = best[0] or default, (None, float("inf"))
            for t in (base.but(dual_tile=0), base.but(dual_tile=1)):
                hip.set_tuning(t)
                hip.dual(x0, y0, y_t[0], scale1, amax1)
                ok = torch.equal(y0, ref_y) and torch.equal(y_t[0], ref_y.t().contiguous())
                ms = gpu_ms(lambda x, y, yt: hip.dual(x, y, yt, scale1, amax1), dual_sets, reps)
                ctx["dual_rows"].append((shape, str(t), ms, ok))
                print(f"{shape:<12} dual {t}: {ms:.4f} match={ok}", flush=True)
                if ok and ms < best_dual[1]:
                    best_dual = (t, ms)
            hip.set_tuning(ctx["tuning"] or best_dual[0] or base)
        ctx["used"][shape] = str(hip.get_tuning())
        hip.grouped(x0, y0, scale1, amax1)
        ok = torch.equal(y0, ref_y) and same_floats(scale1, ref_s.reshape(1))
        add("hip tensorwise", lambda x, y: hip.grouped(x, y, scale1, amax1), 5, ok, 3, group="hip")
        hip.grouped(x0, y0, scaleG, amaxG, offsets)
        ok, start = True, 0
        for g, end in enumerate(offsets.tolist()):
            if end > start:
                yg, sg = eager_tensorwise(x0[start:end])
                ok &= torch.equal(y0[start:end], u8(yg)) and same_floats(scaleG[g:g + 1], sg.reshape(1))
            start = end
        add("hip per_group (G=8)", lambda x, y: hip.grouped(x, y, scaleG, amaxG, offsets), 5, ok, 3, group="hip")
        yt0 = y_t[0]
        hip.dual(x0, y0, yt0, scale1, amax1)
        ok = torch.equal(y0, ref_y) and torch.equal(yt0, ref_y.t().contiguous())
        add("hip dual layout (row + column major)", lambda x, y, yt: hip.dual(x, y, yt, scale1, amax1), 6, ok, 3,
            fn_sets=dual_sets, group="hip")
        if ctx["sw"] is not None and not ctx["quick"]:
            sw = ctx["sw"]
            sw.grouped(x0, y0, scale1, amax1)
            add("hip tensorwise, software cast", lambda x, y: sw.grouped(x, y, scale1, amax1), 5,
                torch.equal(y0, ref_y), 3, group="hip-variant")
        if not ctx["quick"]:
            ctx["compiled_tw"] = ctx.get("compiled_tw") or torch.compile(eager_tensorwise, dynamic=False)
            c = ctx["compiled_tw"]
            add("torch.compile tensorwise", lambda x, y: c(x), 5, torch.equal(u8(c(x0)[0]), ref_y), None)
        triton_tensorwise(x0, f8(y0), scale1)
        add("plain Triton two-pass tensorwise", lambda x, y: triton_tensorwise(x, f8(y), scale1), 5,
            torch.equal(y0, ref_y), 3)
        if "pr2d" in peers:
            fn = peers["pr2d"].triton_fp8_tensorwise_quantize_2d
            q, s = fn(x0, FP8, True)
            add("PR #4179 2-D kernel (bd79c46)", lambda x, y: fn(x, FP8, True), 5,
                torch.equal(u8(q), ref_y) and bool((s == ref_s).all()), 3)
        if "pr_group" in peers:
            fn = peers["pr_group"].triton_fp8_tensorwise_per_group_quantize
            q, s = fn(x0, offsets, FP8, 1, True)
            ok, start = True, 0
            for g, end in enumerate(offsets.tolist()):
                if end > start:
                    yg, _ = eager_tensorwise(x0[start:end])
                    ok &= torch.equal(u8(q[start:end]), u8(yg))
                start = end
            add("PR #4179 per-group kernel (bd79c46)", lambda x, y: fn(x, offsets, FP8, 1, True), 5, ok, None)
        if "pr2d_late" in peers:
            fn = peers["pr2d_late"].triton_fp8_tensorwise_quantize_2d
            q, s = fn(x0, FP8, True)
            add("PR branch 2-D kernel (3322d2f)", lambda x, y: fn(x, FP8, True), 5, torch.equal(u8(q), ref_y), None)
            fn2 = peers["pr2d_late"].triton_fp8_tensorwise_quantize_2d_dual_layout
            qr, qc, _ = fn2(x0, FP8, True)
            ok = torch.equal(u8(qr), ref_y) and torch.equal(u8(qc).t(), ref_y.t().contiguous())
            add("PR branch dual layout (3322d2f)", lambda x, y: fn2(x, FP8, True), 6, ok, None)

    if "rowwise" in kinds:
        ref_y, ref_s = eager_rowwise(x0)
        ref_y = u8(ref_y)
        if K >= 4096 and M * K >= 2**26:
            default = hip.get_tuning()
            for team in (0, 64, 128, 256):
                t = Tuning(default.amax_tiles, default.apply_tiles, default.apply_reverse, default.apply_wide,
                           default.amax_unroll, default.apply_unroll, team)
                hip.set_tuning(t)
                hip.rowwise(x0, y0, scaleM)
                ok = torch.equal(y0, ref_y)
                ms = gpu_ms(lambda x, y: hip.rowwise(x, y, scaleM), sets, reps)
                tuning_rows.append((shape, f"rowwise_team={team}", ms, float("nan"), ok))
                print(f"{shape:<12} rowwise team {team}: {ms:.4f} ms match={ok}", flush=True)
            hip.set_tuning(default)
        hip.rowwise(x0, y0, scaleM)
        ok = torch.equal(y0, ref_y) and same_floats(scaleM, ref_s.reshape(-1))
        add("hip rowwise", lambda x, y: hip.rowwise(x, y, scaleM), 3, ok, 1, group="hip")
        if not ctx["quick"]:
            ctx.setdefault("compiled_rw", {})
            c = ctx["compiled_rw"].get(K) or torch.compile(eager_rowwise, dynamic=False)
            ctx["compiled_rw"][K] = c
            add("torch.compile rowwise", lambda x, y: c(x), 3, torch.equal(u8(c(x0)[0]), ref_y), None)
        if "tensorwise" in kinds:
            hip.group_columns(x0, y0, scaleGK, amaxGK, offsets)
            add("hip per_group_column (G=8)", lambda x, y: hip.group_columns(x, y, scaleGK, amaxGK, offsets), 5,
                None, 3, group="hip")
    hip.set_tuning(ctx["tuning"] or ctx["default_tuning"])
    del sets, dual_sets, y_t
    torch.cuda.empty_cache()


def bench_dual_only(ctx, M, K):
    """--only dual: every dual-layout variant (ctx["dual_tunings"], over the grouped passes' launch
    shape that the H100 sweeps of 2026-12-05 chose), bytes checked against the eager reference; the
    table's HIP row uses the fastest; then the PR branch's dual-layout kernel."""
    hip, peers, reps, rows = ctx["hip"], ctx["peers"], ctx["reps"], ctx["rows"]
    gen = torch.Generator().manual_seed(M * 131 + K)
    sets = make_sets(M, K, ctx["l2"], gen)
    scale1, amax1 = torch.empty(1, device="cuda"), torch.empty(1, dtype=torch.int32, device="cuda")
    y_t = [torch.empty(K, M, dtype=torch.uint8, device="cuda") for _ in sets]
    dual_sets = [(x, y, yt) for (x, y), yt in zip(sets, y_t)]
    shape, (x0, y0), yt0 = f"{M}x{K}", sets[0], y_t[0]
    half = M * K // 2
    copy_ms = gpu_ms(lambda x, y: y.view(-1).view(torch.bfloat16)[:half].copy_(x.view(-1)[:half]), sets, reps)
    rows.append(dict(shape=shape, method="copy (torch copy_, M*K*2 bytes moved)", gpu_ms=copy_ms, bpe=2, match=None,
                     launches=1, group="copy"))
    ref_y = eager_tensorwise(x0)[0].view(torch.uint8)
    ref_t = ref_y.t().contiguous()
    base = ctx["tuning"] or hip.get_tuning().but(amax_tiles=1, apply_tiles=1, amax_unroll=4, small_shape=0)
    best = (None, float("inf"))
    for cfg in ctx["dual_tunings"]:
        t = base.but(**cfg)
        hip.set_tuning(t)
        y0.fill_(0xA5)
        yt0.fill_(0xA5)
        hip.dual(x0, y0, yt0, scale1, amax1)
        ok = torch.equal(y0, ref_y) and torch.equal(yt0, ref_t)
        ms = gpu_ms(lambda x, y, yt: hip.dual(x, y, yt, scale1, amax1), dual_sets, reps)
        ctx["dual_rows"].append((shape, str(t), ms, ok))
        print(f"{shape:<12} dual {t}: {ms:.4f} match={ok}", flush=True)
        if ok and ms < best[1]:
            best = (t, ms)
    hip.set_tuning(best[0] or base)
    ctx["used"][shape] = str(hip.get_tuning())
    hip.dual(x0, y0, yt0, scale1, amax1)
    ok = torch.equal(y0, ref_y) and torch.equal(yt0, ref_t)
    t = gpu_ms(lambda x, y, yt: hip.dual(x, y, yt, scale1, amax1), dual_sets, reps)
    rows.append(dict(shape=shape, method="hip dual layout (row + column major)", gpu_ms=t, bpe=6, match=ok,
                     launches=3, group="hip"))
    print(f"{shape:<12} hip dual layout (best variant, timed again) {t:8.4f} ms  match={ok}", flush=True)
    if "pr2d_late" in peers:
        fn2 = peers["pr2d_late"].triton_fp8_tensorwise_quantize_2d_dual_layout
        qr, qc, _ = fn2(x0, FP8, True)
        ok = torch.equal(qr.view(torch.uint8), ref_y) and torch.equal(qc.view(torch.uint8).t(), ref_t)
        t = gpu_ms(lambda x, y: fn2(x, FP8, True), sets, reps)
        rows.append(dict(shape=shape, method="PR branch dual layout (3322d2f)", gpu_ms=t, bpe=6, match=ok,
                         launches=None, group="peer"))
        print(f"{shape:<12} PR branch dual layout (3322d2f) {t:8.4f} ms  match={ok}", flush=True)
    hip.set_tuning(ctx["tuning"] or ctx["default_tuning"])
    del sets, dual_sets, y_t
    torch.cuda.empty_cache()


# ------------------------------------------------------------------------------ report

GOALS = [  # (shape, hip method, goal % of the bytes model at copy bandwidth)
    ("98432x2048", "hip tensorwise", 96), ("16384x7168", "hip tensorwise", 96),
    ("98432x2048", "hip per_group (G=8)", 96), ("16384x7168", "hip per_group (G=8)", 96),
    ("98432x1408", "hip rowwise", 90), ("98432x2048", "hip rowwise", 90),
    ("32768x4096", "hip rowwise", 90), ("16384x7168", "hip rowwise", 90),
    ("98432x2048", "hip dual layout (row + column major)", 90),
    ("16384x7168", "hip dual layout (row + column major)", 90),
]
PEER_OF = {  # hip method -> the peers that compute the same thing
    "hip tensorwise": ["torch.compile tensorwise", "plain Triton two-pass tensorwise", "PR #4179 2-D kernel (bd79c46)",
                       "PR branch 2-D kernel (3322d2f)"],
    "hip per_group (G=8)": ["PR #4179 per-group kernel (bd79c46)"],
    "hip dual layout (row + column major)": ["PR branch dual layout (3322d2f)"],
    "hip rowwise": ["torch.compile rowwise"],
}


def report(ctx, copy_bw, args):
    rows = ctx["rows"]
    pct = lambda r: 100 * r["bpe"] * int(r["shape"].split("x")[0]) * int(r["shape"].split("x")[1]) / (r["gpu_ms"] * 1e-3) / copy_bw
    get = lambda shape, m: next((r for r in rows if r["shape"] == shape and r["method"] == m), None)
    props = torch.cuda.get_device_properties(0)
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem,power.limit",
                              "--format=csv,noheader"], capture_output=True, text=True).stdout.strip()
    except OSError:
        smi = "n/a"
    out = [
        f"# HIP quantization kernels on {props.name}: benchmark ({datetime.date.today().isoformat()})", "",
        f"- machine: {smi}; {props.multi_processor_count} SMs, L2 {ctx['l2'] / 2**20:.0f} MiB",
        f"- software: torch {torch.__version__}, triton {triton.__version__}, CUDA {torch.version.cuda}; "
        f"kernels: {os.path.basename(args.lib)} built by scripts/hip/build.sh nvidia (nvcc -gencode arch=compute_90,code=sm_90)",
        f"- commit: {os.environ.get('FP8MOE_COMMIT', 'unknown')}; command: `python3 scripts/hip/bench.py {' '.join(sys.argv[1:])}`",
        f"- copy bandwidth (torch copy_, 1 GiB, bytes read + written): **{copy_bw / 1e12:.3f} TB/s**",
        f"- HIP launch shapes (fp8q_tuning) used for the table: library default {ctx['default_tuning']}; " +
        ("; ".join(f"at {s}: {t}" for s, t in ctx["used"].items()) or "no others"),
        "", "| shape | method | launches | gpu ms | % copy (bytes model) | vs hip | match |", "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        hip_method = next((h for h, ps in PEER_OF.items() if r["method"] in ps), None)
        h = get(r["shape"], hip_method) if hip_method else None
        ratio = f"{r['gpu_ms'] / h['gpu_ms']:.2f}x" if h else ""
        out.append(f"| {r['shape']} | {r['method']} | {r['launches'] if r['launches'] else ''} | {r['gpu_ms']:.4f} | "
                   f"{pct(r):.1f} | {ratio} | {'-' if r['match'] is None else r['match']} |")
    out += ["", "`vs hip`: the peer's time over the HIP kernel's time for the same recipe (> 1: the HIP kernel is faster).", "",
            "Goals (issue 10):", ""]
    for shape, m, goal in GOALS:
        if args.only == "dual" and "dual" not in m:
            continue
        r = get(shape, m)
        if r is None:
            out.append(f"- {m} at {shape}: not measured")
            continue
        p = pct(r)
        verdict = "met" if p >= goal else f"MISSED by {goal - p:.1f} points ({r['gpu_ms']:.4f} ms; {goal}% is {r['gpu_ms'] * p / goal:.4f} ms)"
        out.append(f"- {m} at {shape}: {p:.1f}% of copy, goal >= {goal}%: {verdict}")
    for m, peer_list in PEER_OF.items():
        for shape in sorted({r["shape"] for r in rows}):
            h = get(shape, m)
            ps = [get(shape, p) for p in peer_list if get(shape, p)]
            if h and ps:
                best = min(ps, key=lambda r: r["gpu_ms"])
                verdict = "met" if h["gpu_ms"] <= best["gpu_ms"] else f"MISSED: {h['gpu_ms'] / best['gpu_ms']:.3f}x the peer's time"
                out.append(f"- {m} at {shape}: {h['gpu_ms']:.4f} ms vs best peer {best['method']} {best['gpu_ms']:.4f} ms: {verdict}")
    if ctx["tuning_rows"]:
        out += ["", "Launch-shape variants (fp8q_set_tuning; bytes must not change):", "",
                "| shape | tuning | tensorwise ms | per_group ms | match |", "|---|---|---:|---:|---|"]
        for shape, t, a, b, ok in ctx["tuning_rows"]:
            out.append(f"| {shape} | {t} | {a:.4f} | {b:.4f} | {ok} |")
        out += ["", "Best tensorwise + per_group variant per shape: " +
                "; ".join(f"{s}: {t}" for s, t in ctx["best_tuning"].items())]
    if ctx["dual_rows"]:
        out += ["", "Dual-layout variants (dual_tile 0 64x128, 1 128x128 rows x columns, one block per tile; "
                "dual_order 1: row tiles fastest; chain: launches; bytes must not change):", "",
                "| shape | tuning | dual ms | % copy | match |", "|---|---|---:|---:|---|"]
        for shape, t, ms, ok in ctx["dual_rows"]:
            M, K = map(int, shape.split("x"))
            out.append(f"| {shape} | {t} | {ms:.4f} | {100 * 6 * M * K / (ms * 1e-3) / copy_bw:.1f} | {ok} |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--lib", default=os.path.join(here, "..", "..", "hip", "build", "nvidia", "libfp8q.so"))
    ap.add_argument("--lib-sw", default=os.path.join(here, "..", "..", "hip", "build", "nvidia", "libfp8q_sw.so"))
    ap.add_argument("--peers", default=os.path.join(here, "..", "..", ".peers-hip"))
    ap.add_argument("--report", default=None, help="markdown file to write")
    ap.add_argument("--reps", type=int, default=40)
    ap.add_argument("--tuning", default="", help="7 comma-separated ints for fp8q_set_tuning (default: the library's)")
    ap.add_argument("--tensorwise-shapes", default="98432x2048,16384x7168,2048x2048")
    ap.add_argument("--quick", action="store_true", help="leave out torch.compile and the software-cast build")
    ap.add_argument("--rowwise-shapes", default="98432x1408,98432x2048,32768x4096,16384x7168,2048x2048")
    ap.add_argument("--only", choices=["dual"], default=None,
                    help="dual: only the dual layout (every variant of the dual-layout sweep, at every size) and "
                         "its peer, at the tensorwise shapes")
    args = ap.parse_args()

    hip = Hip(os.path.abspath(args.lib))
    sw = Hip(os.path.abspath(args.lib_sw)) if os.path.exists(args.lib_sw) else None
    peers = {}
    for key, name in (("pr2d", "pr4179_bd79c46_fp8_tensorwise_2d.py"), ("pr_group", "pr4179_bd79c46_fp8_tensorwise_per_group.py"),
                      ("pr2d_late", "pr4179_3322d2f_fp8_tensorwise_2d.py")):
        path = os.path.join(args.peers, name)
        if os.path.exists(path):
            try:
                peers[key] = load_peer(path, key)
            except Exception as e:  # a peer that does not load is reported, not hidden
                print(f"peer {name} did not load: {e}", flush=True)
        else:
            print(f"peer {name} not found in {args.peers}", flush=True)
    props = torch.cuda.get_device_properties(0)
    l2 = getattr(props, "L2_cache_size", 50 * 2**20)
    copy_bw, _ = copy_bandwidth(2**30)
    print(f"device {props.name}, {props.multi_processor_count} SMs, L2 {l2 / 2**20:.0f} MiB; copy {copy_bw / 1e12:.3f} TB/s", flush=True)
    ctx = dict(hip=hip, sw=sw, peers=peers, reps=args.reps, rows=[], tuning_rows=[], l2=l2, best_tuning={}, used={},
               default_tuning=hip.get_tuning(),
               tuning=Tuning(*map(int, args.tuning.split(","))) if args.tuning else None,
               quick=args.quick, dual_rows=[],
               # Launch-shape variants of the grouped kernels at the large shapes (fields not named:
               # the library default), of the dual layout, and of the launches at small shapes.
               tunings=[dict(chain=0), dict(chain=1), dict(amax_tiles=1, apply_tiles=1, chain=0),
                        dict(amax_tiles=1, apply_tiles=1, chain=1), dict(amax_tiles=4, apply_tiles=4, chain=1),
                        dict(amax_tiles=2, apply_tiles=4, chain=1), dict(apply_wide=1, chain=1),
                        dict(amax_unroll=4, chain=1), dict(amax_tiles=1, apply_tiles=1, amax_unroll=4, chain=1)],
               dual_tunings=[dict(dual_tile=d, dual_order=o, chain=1) for d in (0, 1) for o in (0, 1)] +
                            [dict(dual_tile=0, dual_order=0, chain=0)],
               small_tunings=[dict(chain=0), dict(chain=1)])
    if ctx["tuning"]:
        hip.set_tuning(ctx["tuning"])
    shapes = {}
    for s in args.tensorwise_shapes.split(","):
        if s:
            shapes.setdefault(s, set()).add("tensorwise")
    for s in args.rowwise_shapes.split(","):
        if s:
            shapes.setdefault(s, set()).add("rowwise")
    if args.only == "dual":
        for s in args.tensorwise_shapes.split(","):
            if s:
                bench_dual_only(ctx, *map(int, s.split("x")))
        shapes = {}
    for s, kinds in shapes.items():
        M, K = map(int, s.split("x"))
        bench_shape(ctx, M, K, kinds)
    text = report(ctx, copy_bw, args)
    print(text)
    if args.report:
        with open(args.report, "w") as f:
            f.write(text)
    hip_rows = [r for r in ctx["rows"] if r["group"] == "hip"]
    return 0 if all(r["match"] is not False for r in hip_rows) else 1


if __name__ == "__main__":
    sys.exit(main())
