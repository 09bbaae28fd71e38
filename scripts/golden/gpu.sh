#!/usr/bin/env bash
# Makes every GPU-machine golden table in one go (NVIDIA GPU with nvcc, PyTorch, Triton, h5py).
#
#   OUT=/some/dir bash scripts/golden/gpu.sh
#
# writes $OUT/{torch-cpu,torch-cuda,triton,cuda-satfinite,cuda-nosat,cuda-host-satfinite,
# cuda-host-nosat}.h5 and $OUT/golden_gpu.log. Copy the .h5 files to fixtures/golden/.
# Every step runs even if an earlier one failed; the exit status is non-zero if any failed.
set -u -o pipefail
cd "$(dirname "$0")/../.."
: "${OUT:?set OUT to the output directory}"
mkdir -p "$OUT"
exec > >(tee "$OUT/golden_gpu.log") 2>&1
export PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
W=$(mktemp -d)
fail=0
step() {  # step NAME CMD...
  echo "=== $1: ${*:2}"
  local t0=$SECONDS
  "${@:2}"
  local rc=$?
  echo "=== $1: rc=$rc ($((SECONDS - t0)) s)"
  [ $rc -eq 0 ] || fail=1
}

echo "=== versions ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
nvcc --version | tee "$W/nvcc_version.txt"
$PY - <<'EOF'
import sys, numpy, h5py
print("python", sys.version.split()[0], sys.executable, "numpy", numpy.__version__, "h5py", h5py.__version__)
import torch
print("torch", torch.__version__, "cuda", torch.version.cuda, "device", torch.cuda.get_device_name(),
      "cap", torch.cuda.get_device_capability(), "cpu capability", torch.backends.cpu.get_cpu_capability())
print("torch float8 dtypes:", [n for n in dir(torch) if n.startswith("float8")])
import triton
print("triton", triton.__version__)
try:
    import ml_dtypes
    print("ml_dtypes", ml_dtypes.__version__)
except ImportError:
    print("ml_dtypes not installed")
EOF

# CUDA intrinsics (device kernel + the same functions on the host)
step prep  $PY scripts/golden/cuda_pack.py prep "$W/in"
step build nvcc -O2 -std=c++17 -gencode arch=compute_90,code=sm_90 scripts/golden/cuda_tables.cu -o "$W/cuda_tables"
step ptx   nvcc -std=c++17 -arch=compute_90 -ptx scripts/golden/cuda_tables.cu -o "$W/cuda_tables.ptx"
step run   "$W/cuda_tables" "$W/in" "$W/raw"
step pack  $PY scripts/golden/cuda_pack.py pack "$W/raw" "$OUT" "$W/nvcc_version.txt" "$W/cuda_tables.ptx"

# PyTorch eager casts, CPU and CUDA
step torch-cpu  $PY scripts/golden/torch_tables.py cpu  "$OUT/torch-cpu.h5"
step torch-cuda $PY scripts/golden/torch_tables.py cuda "$OUT/torch-cuda.h5"

# Triton
step triton $PY scripts/golden/triton_tables.py "$OUT/triton.h5"

# Cross-check: ml_dtypes on this machine against the committed fixtures/golden/mldtypes.h5
if [ -f fixtures/golden/mldtypes.h5 ]; then
  step mldtypes-crosscheck $PY scripts/golden/mldtypes_tables.py "$W/mldtypes-here.h5" --check fixtures/golden/mldtypes.h5
fi

ls -la "$OUT"
rm -rf "$W"
echo "=== done, fail=$fail"
exit $fail
