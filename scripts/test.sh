#!/usr/bin/env bash
# The test command: install what is missing (scripts/install-deps.sh), then the Swift test suite
# (debug build), then the HIP kernels' CI check (compile for gfx90a + gfx940, link the AMD
# runner, and see it stop cleanly with no GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
python3 python/test_fixture_module.py .build/debug/fp8moe
bash scripts/hip/ci.sh
