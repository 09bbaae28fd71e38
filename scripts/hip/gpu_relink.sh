#!/usr/bin/env bash
# gpu_relink.sh: on the GPU machine, when the carried hip/build/nvidia runner cannot load its
# HDF5 library there: rebuild the runner's host side (runner.cpp, h5io.cpp; g++ against the CUDA
# headers) and link it with the carried kernels object against the HDF5 library bundled with
# h5py, with the HDF5 headers carried in hip/build/h5inc (the version check is disabled at run
# time: HDF5_DISABLE_VERSION_CHECK=2). If no kernels object is carried, builds everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out=hip/build/nvidia
h5lib="$(python3 -c "import h5py, os, glob; d = os.path.join(os.path.dirname(os.path.dirname(h5py.__file__)), 'h5py.libs'); print((sorted(glob.glob(d + '/libhdf5-*.so*')) or [''])[0])")"
for lib in /usr/lib/x86_64-linux-gnu/libhdf5_serial.so.103 /usr/lib/x86_64-linux-gnu/hdf5/serial/libhdf5.so; do
    [ -f "$lib" ] && { h5lib="$lib"; break; }
done
[ -n "$h5lib" ] || { echo "no HDF5 library found" >&2; exit 1; }
echo "relinking the runner against $h5lib"
if [ ! -f "$out/quantize_launch.o" ]; then
    HDF5_CFLAGS="-I$PWD/hip/build/h5inc" HDF5_LIBS="$h5lib -Xlinker -rpath -Xlinker $(dirname "$h5lib")" scripts/hip/build.sh nvidia
    exit 0
fi
cuda_home="$(dirname "$(dirname "$(command -v nvcc)")")"
for f in runner h5io; do
    g++ -std=c++17 -O2 -DFP8MOE_NVIDIA -Ihip/include -Ihip/kernels -I"$cuda_home/include" -Ihip/build/h5inc \
        -c "hip/runner/$f.cpp" -o "$out/$f.o"
done
nvcc -gencode arch=compute_90,code=sm_90 "$out/runner.o" "$out/h5io.o" "$out/quantize_launch.o" \
    -o "$out/fp8moe-hip-runner" -Xlinker "$h5lib" -Xlinker -rpath -Xlinker "$(dirname "$h5lib")"
