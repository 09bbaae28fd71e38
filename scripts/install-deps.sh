#!/usr/bin/env bash
# Installs the system and Python packages fp8moe needs, where missing (Debian 12; root or sudo).
#   libhdf5-dev      fixtures (HDF5 C library, /usr/include/hdf5/serial)
#   libopenblas-dev  the reference grouped GEMM (cblas_dgemm / cblas_sgemm)
#   hipcc, libamdhip64-dev  the HIP kernels, compiled for AMD gfx90a / gfx940 (clang 15, ROCm 5.2)
#   clang-22, lld-22, llvm-22  the HIP kernels for gfx942 / gfx950, which clang 15 does not know,
#                    and llvm-objdump-22 for the disassembly check (scripts/hip/ci.sh)
#   h5py, numpy, ml_dtypes (pip)  h5py interop tests, the ml_dtypes benchmark peer
set -euo pipefail
packages=(libhdf5-dev libopenblas-dev hipcc libamdhip64-dev clang-22 lld-22 llvm-22)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! python3 -c "import h5py, numpy, ml_dtypes" 2>/dev/null; then
    echo "install-deps: pip install h5py numpy ml_dtypes"
    python3 -m pip install --quiet --disable-pip-version-check h5py numpy "ml_dtypes==0.6.0"
fi
