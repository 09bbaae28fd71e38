#!/usr/bin/env python3
"""Disassembly check of the HIP kernels' AMD code objects: the FP8 conversion each target uses.

  isa_check.py ARCH=OBJDUMP:CODE_OBJECT ...     e.g. gfx942=llvm-objdump-22:hip/build/isa/quantize_launch-gfx942.co

For every kernel that converts to FP8 (grouped_apply, dual_apply, column_apply, rowwise, and the
block-scaled block_kernel / block_scalar_kernel) the
disassembly (llvm-objdump -d -C --mcpu=ARCH) must say what hip/kernels/fp8_cast.h (cast_pair)
promises:

  target          e4m3fnuz kernels                   e4m3fn kernels
  gfx90a          software (no v_cvt_pk_fp8_f32)     software
  gfx940, gfx942  v_cvt_pk_fp8_f32 (FNUZ)            software
  gfx950          software                           v_cvt_pk_fp8_f32 (OCP)

and where the instruction is used: the clamp before it is v_med3_f32, a NaN test (v_cmp_u_f32,
v_cmp_o_f32 or v_cmp_class_f32) routes NaN around it, and no v_cvt_pk_fp8_f32 carries the clamp
modifier (the recipe does not rely on the instruction's own saturation). Kernels that do not
convert (the amax passes) must not contain the instruction. Prints one line per target and kernel
kind; exit status 0 when everything holds, 1 otherwise, 2 on bad usage or a missing tool.
"""
import re
import subprocess
import sys

HW_FORMAT = {"gfx90a": None, "gfx940": 1, "gfx941": 1, "gfx942": 1, "gfx950": 0}  # Fp8Format value
CONVERTING = ("grouped_apply_kernel", "dual_apply_kernel", "column_apply_kernel", "rowwise_kernel", "block_kernel",
              "block_scalar_kernel")
NAN_TESTS = ("v_cmp_u_f32", "v_cmp_o_f32", "v_cmp_class_f32")


def kernels(objdump, arch, path):
    """{demangled kernel name: [instruction lines]} of a code object."""
    try:
        out = subprocess.run([objdump, "-d", "-C", f"--mcpu={arch}", path], capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"hip_isa_check: {objdump} on {path} failed: {e}")
        sys.exit(2)
    result, name = {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            name = m.group(1)
            result[name] = []
        elif name and line.startswith("\t"):
            result[name].append(line.strip())
    return result


def fp8_format(name):
    m = re.search(r"\(fp8moe::Fp8Format\)(\d)", name)
    return int(m.group(1)) if m else None


def check(arch, objdump, path):
    failures = 0
    found = kernels(objdump, arch, path)
    entry = {n: body for n, body in found.items() if n.startswith("void fp8moe::")}
    if not entry:
        print(f"hip_isa_check: FAIL: {arch}: no fp8moe kernels in {path}")
        return 1
    summary = {}
    for name, body in sorted(entry.items()):
        text = "\n".join(body)
        kind = next((k for k in CONVERTING if k in name), None)
        cvt = [l for l in body if l.startswith("v_cvt_pk_fp8_f32")]
        if kind is None:
            ok = not cvt
            why = "an amax pass converts nothing" if ok else "v_cvt_pk_fp8_f32 in an amax pass"
            kind = name.split("<")[0].replace("void fp8moe::", "")
            fmt = None
        else:
            fmt = fp8_format(name)
            want_hw = HW_FORMAT.get(arch) is not None and fmt == HW_FORMAT[arch]
            if want_hw:
                problems = []
                if not cvt:
                    problems.append("no v_cvt_pk_fp8_f32")
                if "v_med3_f32" not in text:
                    problems.append("no v_med3_f32 clamp")
                if not any(t in text for t in NAN_TESTS):
                    problems.append("no NaN test")
                if any(re.search(r"\bclamp\b", l) for l in cvt):
                    problems.append("v_cvt_pk_fp8_f32 with the clamp modifier")
                ok = not problems
                why = "hardware: v_med3_f32 clamp, NaN test, v_cvt_pk_fp8_f32" if ok else "; ".join(problems)
            else:
                ok = not cvt
                why = "software cast" if ok else "v_cvt_pk_fp8_f32 where the software cast is expected"
        label = f"{kind} {['e4m3fn', 'e4m3fnuz'][fmt] if fmt is not None else ''}".strip()
        key = (label, ok, why)
        summary[key] = summary.get(key, 0) + 1
        if not ok:
            failures += 1
            print(f"hip_isa_check: FAIL: {arch}: {name}: {why}")
    for (label, ok, why), count in sorted(summary.items()):
        print(f"hip_isa_check: {'ok' if ok else 'FAIL'}: {arch}: {count:2d} x {label}: {why}")
    return failures


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    failures = 0
    for spec in argv[1:]:
        m = re.match(r"^(gfx\w+)=([^:]+):(.+)$", spec)
        if not m or m.group(1) not in HW_FORMAT:
            print(f"hip_isa_check: bad argument {spec!r} (ARCH=OBJDUMP:CODE_OBJECT, ARCH one of {', '.join(HW_FORMAT)})")
            return 2
        failures += check(*m.groups())
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
