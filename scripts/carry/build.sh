#!/usr/bin/env bash
# Builds, on the development machine, what device calls carry to the GPU machine (all of it
# git-ignored; scripts/README.md says which call needs which):
#
#   --static   .gpu/fp8moe.gz   the fp8moe binary, static Swift stdlib, stripped and gzipped
#                               (runs on the GPU host as it is: it has libhdf5_serial.so.103 and
#                               OpenBLAS); the scripts there gunzip it to .gpu/fp8moe
#   --h5inc    hip/build/h5inc  a copy of the HDF5 C headers (/usr/include/hdf5/serial), for
#                               scripts/hip/gpu_relink.sh when the HIP runner must be relinked there
#   --wheels   .whl/            Python wheels the GPU image lacks (default: torchao 0.18.0, for
#                               scripts/gpu/torchao.sh), fetched with `pip download` for the
#                               image's CPython 3.12 (/work/.library/device/README.md, Notes)
#   --hip      hip/build/nvidia.tar.xz  hip/build/nvidia (scripts/hip/build.sh nvidia, run first)
#                               packed: about 2 MB instead of 33 (the working tree, .gpu and
#                               the carried paths must stay under 64 MiB together);
#                               scripts/hip/gpu.sh and block_gpu.sh unpack it there
#
#   bash scripts/carry/build.sh                # the first three
#   bash scripts/carry/build.sh --static       # only the binary
#   WHEELS="torchao==0.18.0 other==1.2" bash scripts/carry/build.sh --wheels
#
# The static build uses its own build folder (BUILD_PATH, default .build-static) so that it does
# not disturb the debug build in .build; it runs under `nice -n ${NICE:-10}`. Prints each
# artifact's size at the end. The HIP runner itself (hip/build/nvidia) is scripts/hip/build.sh's.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
want_static=0 want_h5inc=0 want_wheels=0 want_hip=0
for arg in "$@"; do
    case "$arg" in
        --static) want_static=1 ;;
        --h5inc) want_h5inc=1 ;;
        --wheels) want_wheels=1 ;;
        --hip) want_hip=1 ;;
        --all) want_static=1 want_h5inc=1 want_wheels=1 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "carry/build.sh: unknown argument '$arg' (--static, --h5inc, --wheels, --hip, --all)" >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] || { want_static=1 want_h5inc=1 want_wheels=1; }
built=()

if [ $want_static = 1 ]; then
    build_path=${BUILD_PATH:-$root/.build-static}
    echo "== .gpu/fp8moe.gz: swift build -c release --static-swift-stdlib --build-path $build_path"
    nice -n "${NICE:-10}" swift build -c release --static-swift-stdlib --build-path "$build_path" --product fp8moe
    mkdir -p .gpu
    rm -f .gpu/fp8moe .gpu/fp8moe.gz.tmp
    strip -o .gpu/fp8moe "$build_path/release/fp8moe"
    .gpu/fp8moe --help > /dev/null    # the stripped binary runs here
    # The commit built, and any uncommitted change to the sources it was built from.
    { git rev-parse HEAD; git status --porcelain -- Sources Package.swift | sed 's/^/uncommitted: /'; } \
        > .gpu/fp8moe.commit 2>/dev/null || true
    gzip -9 -c .gpu/fp8moe > .gpu/fp8moe.gz.tmp && mv .gpu/fp8moe.gz.tmp .gpu/fp8moe.gz
    rm -f .gpu/fp8moe    # carry the .gz alone (the GPU scripts gunzip it)
    built+=(.gpu/fp8moe.gz)
fi

if [ $want_h5inc = 1 ]; then
    src=/usr/include/hdf5/serial
    [ -f "$src/hdf5.h" ] || { echo "carry/build.sh: no HDF5 headers in $src (apt-get install libhdf5-dev)" >&2; exit 1; }
    echo "== hip/build/h5inc: copy of $src"
    rm -rf hip/build/h5inc
    mkdir -p hip/build
    cp -rL "$src" hip/build/h5inc
    built+=(hip/build/h5inc)
fi

if [ $want_wheels = 1 ]; then
    grep -qx '/.whl/' .git/info/exclude 2>/dev/null || grep -qx '/.whl/' .gitignore || echo '/.whl/' >> .git/info/exclude
    read -r -a specs <<< "${WHEELS:-torchao==0.18.0}"
    echo "== .whl/: ${specs[*]}"
    mkdir -p .whl
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
        --platform any -d .whl "${specs[@]}"
    # One version of each package (two stop the whole install there).
    dupes=$(ls .whl/*.whl | sed 's#.*/##; s/-.*//' | sort | uniq -d)
    [ -z "$dupes" ] || { echo "carry/build.sh: several versions of $dupes in .whl/: remove the old ones" >&2; exit 1; }
    built+=(.whl)
fi

if [ $want_hip = 1 ]; then
    [ -x hip/build/nvidia/odd_shapes_test ] || { echo "carry/build.sh: hip/build/nvidia is not built (scripts/hip/build.sh nvidia)" >&2; exit 1; }
    echo "== hip/build/nvidia.tar.xz"
    tar -C hip/build -cf - nvidia | xz -T2 -6 > hip/build/nvidia.tar.xz.tmp && mv hip/build/nvidia.tar.xz.tmp hip/build/nvidia.tar.xz
    built+=(hip/build/nvidia.tar.xz)
fi

echo "== carried artifacts (device calls name them in carry; 64 MiB in all)"
for p in "${built[@]}"; do du -sh --apparent-size "$p"; done
