#!/usr/bin/env bash
# ci.sh: the CI part of the HIP production path, for a machine without a GPU.
#
# Needs Debian 12's hipcc and libamdhip64-dev (ROCm 5.2), libhdf5-dev, and clang-22, lld-22,
# llvm-22 (Debian bookworm; scripts/install-deps.sh installs them). Steps:
#   1. compile the kernels for gfx90a and gfx940 with hipcc, and check that both code objects
#      are in the object file;
#   2. link the AMD runner against libamdhip64 (and libhdf5);
#   2b. compile the kernels for gfx942 (MI300X/MI325X) and gfx950 (MI355X) with clang-22
#      (scripts/hip/build.sh isa), disassemble all four code objects (llvm-objdump) and check the
#      FP8 conversion of every kernel (scripts/hip/isa_check.py): v_cvt_pk_fp8_f32 behind a
#      v_med3_f32 clamp and a NaN test for e4m3fnuz on gfx940/gfx942 and for e4m3fn on gfx950,
#      the software cast everywhere else, no instruction with the clamp modifier;
#   2c. host: the block-scaled recipes' scale arithmetic against naive oracles
#      (hip/tests/block_scale_test.cpp, every bf16 amax);
#   3. run it once (--device-info): with no GPU it must stop with a clear message naming the HIP
#      error (e.g. hipErrorNoDevice) and exit status 3: non-zero, and not a crash (signal).
#      On a machine that does have an AMD GPU the run succeeds, which also passes.
#   4. if python3 has h5py, numpy and ml_dtypes: invalid fixtures must give exit status 2 with a
#      message naming the file, and a valid one the same clean no-device failure as step 3.
# Exit status 0 when all of that holds, 1 otherwise.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$here/hip/build/amd"
runner="$build/fp8moe-hip-runner"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "hip_ci: FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "hip_ci: ok: $*"; }

# 1 + 2. Compile and link (hipcc prints a rocm_agent_enumerator traceback on machines without
# /dev/kfd; it is harmless, so the log is shown only on failure).
if "$here/scripts/hip/build.sh" amd >"$work/build.log" 2>&1; then
    pass "kernels compiled for gfx90a and gfx940, runner linked"
else
    cat "$work/build.log"
    fail "build"
    exit 1
fi
for arch in gfx90a gfx940; do
    if grep -a -q "amdgcn-amd-amdhsa--$arch" "$build/quantize_launch.o"; then
        pass "code object for $arch present"
    else
        fail "no code object for $arch in quantize_launch.o"
    fi
done
if ldd "$runner" | grep libamdhip64 >/dev/null; then  # not -q: with pipefail, ldd could die of SIGPIPE
    pass "runner linked against libamdhip64"
else
    fail "runner not linked against libamdhip64"
fi

# 2b. gfx942 and gfx950 (clang-22), and the disassembly check of all four targets.
if "$here/scripts/hip/build.sh" isa >"$work/isa.log" 2>&1; then
    pass "kernels compiled for gfx942 and gfx950 (clang-22), gfx90a and gfx940 code objects unbundled"
    isa="$here/hip/build/isa"
    if python3 "$here/scripts/hip/isa_check.py" \
        gfx90a=llvm-objdump-22:"$isa/quantize_launch-gfx90a.co" \
        gfx940=llvm-objdump-15:"$isa/quantize_launch-gfx940.co" \
        gfx942=llvm-objdump-22:"$isa/quantize_launch-gfx942.co" \
        gfx950=llvm-objdump-22:"$isa/quantize_launch-gfx950.co" >"$work/isa_check.log" 2>&1; then
        grep "hip_isa_check: ok" "$work/isa_check.log" | grep -E "apply|rowwise|block" | sed 's/^hip_isa_check: ok: /hip_ci: ok: disassembly: /'
        pass "disassembly: FP8 conversion of every kernel as fp8_cast.h says, on all four targets"
    else
        cat "$work/isa_check.log"
        fail "disassembly check"
    fi
else
    cat "$work/isa.log"
    fail "build for gfx942/gfx950"
fi

# 2c. The block-scaled recipes' scale arithmetic (kernels/e8m0.h, scale_reciprocal) against naive
# oracles over every bf16 amax, and the payload over every bf16 input (host, under a second).
if "${CXX:-g++}" -std=c++17 -O2 -I"$here/hip/include" -I"$here/hip/kernels" -Wall -Wextra \
    "$here/hip/tests/block_scale_test.cpp" -o "$work/block_scale_test" >"$work/bst.log" 2>&1 &&
    "$work/block_scale_test" >>"$work/bst.log" 2>&1; then
    pass "$(tail -n 1 "$work/bst.log")"
else
    cat "$work/bst.log"
    fail "block-scaled scale arithmetic (hip/tests/block_scale_test.cpp)"
fi

# Runs the runner; sets rc and msg (stdout + stderr).
run_runner() {
    msg="$("$runner" "$@" 2>&1)"
    rc=$?
}

# Asserts the clean no-device failure (or success where a GPU exists).
expect_no_device() {
    local what="$1"
    if [[ $rc -eq 0 ]]; then
        pass "$what: a GPU is present and the runner succeeded"
    elif [[ $rc -ge 128 ]]; then
        echo "$msg"
        fail "$what: the runner crashed (exit status $rc, signal $((rc - 128)))"
    elif [[ $rc -eq 3 && "$msg" =~ hipError[A-Za-z]+ ]]; then
        pass "$what: clean failure, exit 3: $msg"
    else
        echo "$msg"
        fail "$what: expected exit 3 with a HIP error name, got exit $rc"
    fi
}

# 3. Run once.
run_runner --device-info
expect_no_device "runner --device-info"

# 4. Input validation before the device, if fixtures can be made here.
if python3 -c "import h5py, numpy, ml_dtypes" 2>/dev/null; then
    python3 "$here/scripts/hip/make_test_fixture.py" bad "$work/bad" >/dev/null
    for f in "$work"/bad/*.h5; do
        run_runner "$f" --out "$work/out.h5"
        if [[ $rc -eq 2 && "$msg" == *"$f"* ]]; then
            pass "$(basename "$f"): exit 2: ${msg#*invalid input: }"
        else
            echo "$msg"
            fail "$(basename "$f"): expected exit 2 naming the file, got $rc"
        fi
    done
    python3 "$here/scripts/hip/make_test_fixture.py" make "$work/good" >/dev/null
    cp "$work/good/odd.h5" "$work/odd-copy.h5"
    run_runner "$work/good/odd.h5" --write
    expect_no_device "runner on a valid fixture"
    if cmp -s "$work/good/odd.h5" "$work/odd-copy.h5" || [[ $rc -eq 0 ]]; then
        pass "fixture untouched after the failed run"
    else
        fail "the fixture changed although the run failed"
    fi
    if ls "$work"/good/*.tmp-* >/dev/null 2>&1; then fail "temporary file left behind"; fi
else
    echo "hip_ci: python3 with h5py, numpy, ml_dtypes not found: skipping the fixture checks"
fi

if [[ $failures -eq 0 ]]; then
    echo "hip_ci: PASS"
    exit 0
fi
echo "hip_ci: $failures failure(s)"
exit 1
