#!/usr/bin/env bash
# The test command: the Swift test suite (debug build), then the HIP kernels' CI check
# (compile for gfx90a + gfx940, link the AMD runner, and see it stop cleanly with no GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
if [ -f scripts/hip_ci.sh ]; then bash scripts/hip_ci.sh; fi
