"""What PR #4179's Triton kernels compile to on Hopper, without a GPU: the PTX instructions of
the scale arithmetic (division, reciprocal, log2, exp2, floor), the clamp and the fp8 cast.

Usage: python3 scripts/gpu/pr4179_ptx.py [--tree-root .peers]    (needs torch and triton, no GPU:
       Triton compiles for sm_90 with the ptxas its wheel ships)

Each kernel of the carried trees (.peers/bd79c46, .peers/3322d2f: scripts/gpu/pr4179_carry.sh) is
compiled as its wrapper launches it (bf16 input, e4m3fn output, ROUND_POW2, one autotune config);
the instructions that decide the SPEC attributes are printed, one line per kernel. The GPU run
(scripts/gpu/peer_pr4179.py) records the same from the kernels it ran, in `ptx_ops`.
"""
import argparse
import importlib.util
import os
import re
import sys

import torch
import torch.utils._triton as _tu

_tu.has_triton = lambda: True  # no GPU here: the kernel files define nothing otherwise
import triton  # noqa: E402
import triton.language as tl  # noqa: E402
from triton.backends.compiler import GPUTarget  # noqa: E402
from triton.compiler import ASTSource  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNELS = "torchao/prototype/moe_training/kernels"
CONST = dict(INPUT_DTYPE_MAX=torch.finfo(torch.bfloat16).max, fp8_max=448.0, fp8_min=-448.0,
             fp8_dtype_max=448.0, fp8_dtype_min=-448.0, EPS=1e-12, ROUND_POW2=True,
             OUTPUT_DTYPE=tl.float8e4nv, output_dtype=tl.float8e4nv, MAX_GROUPS=16, BLOCK_SIZE=2048,
             BLOCK_M=16, BLOCK_K=128, BLOCK_SIZE_K=128, BLOCK_SIZE_N=64, BLOCK_PARTIALS=1024)
OPS = re.compile(r"\b(?:div|rcp|lg2|ex2|sqrt)\.[a-z0-9.]+|\bcvt\.rmi[a-z0-9.]*|\bcvt\.[a-z0-9.]*e4m3[a-z0-9.]*"
                 r"|\b(?:max|min)\.[a-z0-9.]*f32|\bcall\.uni[^;]*|\batom\.[a-z0-9.]+")


def pointer_type(name):
    if name in ("x_ptr", "input_ptr"):
        return "*bf16"
    if name.startswith("out") or name.startswith("output"):
        return "*fp8e4nv"
    if name.startswith("offsets"):
        return "*i32"
    return "*fp32"


def compile_ptx(jit):
    sig, consts = {}, {}
    for p in jit.params:
        if p.is_constexpr:
            sig[p.name] = "constexpr"
            consts[p.name] = CONST[p.name]
        elif p.name.endswith("_ptr"):
            sig[p.name] = pointer_type(p.name)
        else:
            sig[p.name] = "i64" if "int64" in str(p.annotation) else "i32"
    return triton.compile(ASTSource(fn=jit, signature=sig, constexprs=consts),
                          target=GPUTarget("cuda", 90, 32)).asm["ptx"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree-root", default=os.path.join(ROOT, ".peers"))
    args = ap.parse_args()
    for commit, files in (("bd79c46", ["fp8_tensorwise_2d.py", "fp8_tensorwise_per_group.py"]),
                          ("3322d2f", ["fp8_tensorwise_2d.py", "fp8_tensorwise_3d.py"])):
        for f in files:
            path = os.path.join(args.tree_root, commit, "torchao", "__init__.py")
            sys.modules.setdefault("torchao", type(sys)("torchao"))
            if "torchao.utils" not in sys.modules:
                utils = type(sys)("torchao.utils")
                utils.torch_version_at_least = lambda v: True  # import gate only (torch 2.x >= 2.7)
                sys.modules["torchao.utils"] = utils
            spec = importlib.util.spec_from_file_location("ptx_%s_%s" % (commit, f[:-3]),
                                                          os.path.join(args.tree_root, commit, KERNELS, f))
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            for name, obj in sorted(vars(mod).items()):
                jit = obj.fn if isinstance(obj, triton.runtime.Autotuner) else obj
                if not isinstance(jit, triton.runtime.JITFunction):
                    continue
                ops = {}
                for op in OPS.findall(compile_ptx(jit)):
                    op = re.sub(r"\s+", " ", op)
                    ops[op] = ops.get(op, 0) + 1
                print("%s %s %s: %s" % (commit, f, name, ", ".join("%s x%d" % kv for kv in sorted(ops.items()))))
            del path


if __name__ == "__main__":
    main()
