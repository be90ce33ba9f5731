#!/usr/bin/env bash
# Installs what is missing, builds Kiln and runs every test (lit, runtime
# unit tests, end-to-end model tests). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

./scripts/bootstrap.sh || exit 1
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$PWD
cmake -G Ninja -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null || exit 1
cmake --build "$BUILD_DIR" -j "$JOBS" || { echo "0 passed, 1 failed (build)"; exit 1; }

log="$BUILD_DIR/ctest.log"
(cd "$BUILD_DIR" && ctest -j "$JOBS" --output-on-failure --timeout 1500) 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# ctest's own summary: "100% tests passed, 0 tests failed out of 12".
total=$(grep -oE 'tests failed out of [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
failed=$(grep -oE '[0-9]+ tests failed out of' "$log" | grep -oE '^[0-9]+' | tail -1)
total=${total:-0}; failed=${failed:-0}
echo "$((total - failed)) passed, $failed failed"
exit "$status"
