#!/usr/bin/env bash
# Installs what is missing, builds Kiln and runs every test (lit, runtime
# unit tests, end-to-end model tests, conformance). Prints the time of each
# stage and of each ctest test, so a slow step shows in every CI log, and
# ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

stages=()
t0=$(date +%s)
stage_start=$t0
# stage NAME: closes the stage that was running, under NAME.
stage() {
  local now
  now=$(date +%s)
  stages+=("$(printf '%-10s %5d s' "$1" $((now - stage_start)))")
  echo "== stage $1: $((now - stage_start)) s"
  stage_start=$now
}
print_stages() {
  echo "== stage times"
  printf '  %s\n' "${stages[@]}"
  echo "  total      $(($(date +%s) - t0)) s"
}

boot_log=$(mktemp)
./scripts/bootstrap.sh | tee "$boot_log"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "0 passed, 1 failed (bootstrap)"; exit 1; }
python=$(sed -n 's/^KILN_PYTHON=//p' "$boot_log")
rm -f "$boot_log"
stage bootstrap
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$PWD
cmake -G Ninja -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
  -DPython3_EXECUTABLE="$python" >/dev/null ||
  { echo "0 passed, 1 failed (configure)"; exit 1; }
stage configure
cmake --build "$BUILD_DIR" -j "$JOBS" ||
  { echo "0 passed, 1 failed (build)"; exit 1; }
stage build

log="$BUILD_DIR/ctest.log"
(cd "$BUILD_DIR" && ctest -j "$JOBS" --output-on-failure --timeout 1500) 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
stage ctest

# A bounded slice of continuous fuzzing: the runtime's fuzzers (artifact
# checks, run inputs), ASan + UBSan, 30 s each (scripts/fuzz.sh; the
# importer's fuzzer needs an instrumented compiler: docs/fuzzing.md).
echo "== fuzzing (log: $BUILD_DIR/fuzz.log)"
FUZZ_BUILD_DIR="$BUILD_DIR-fuzz" JOBS="$JOBS" \
  ./scripts/fuzz.sh 30 --runtime-only >"$BUILD_DIR/fuzz.log" 2>&1
fuzz_status=$?
grep -E '^== |^Done |ERROR: |SUMMARY: ' "$BUILD_DIR/fuzz.log"
[ "$fuzz_status" = 0 ] || { status=1; tail -40 "$BUILD_DIR/fuzz.log"; }
stage fuzz
print_stages
# The slowest tests, from ctest's "Test #n: name ....   Passed   12.34 sec".
echo "== slowest ctest tests"
grep -E 'Test +#[0-9]+: ' "$log" |
  sed -E 's/.*Test +#[0-9]+: ([^ ]+) .* ([0-9.]+) sec.*/\2 \1/' |
  sort -rn | head -8 | awk '{printf "  %-40s %8.1f s\n", $2, $1}'
# ctest's own summary: "100% tests passed, 0 tests failed out of 12".
total=$(grep -oE 'tests failed out of [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
failed=$(grep -oE '[0-9]+ tests failed out of' "$log" | grep -oE '^[0-9]+' | tail -1)
total=${total:-0}; failed=${failed:-0}
# The fuzzing slice counts as one test.
total=$((total + 1))
[ "$fuzz_status" = 0 ] || failed=$((failed + 1))
echo "$((total - failed)) passed, $failed failed"
exit "$status"
