#!/usr/bin/env bash
# The runtime's unit tests (arena, thread pool, allocation hooks, sessions
# on fake artifacts, the C and C++ APIs, kiln-run's parts) under ASan +
# UBSan, then the concurrency tests under TSan, each in its own clang build
# of the runtime ($SAN_BUILD_DIR-asan, -tsan; default build-san). Prints
# "N passed, N failed" per build.
#
#   scripts/sanitize.sh [asan|tsan|conformance|all]
#
# `conformance` builds the whole project (compiler, Python module) with
# ASan + UBSan ($SAN_BUILD_DIR-full) and runs a tenth of both conformance
# suites at -O1 through the instrumented Python module (the ASan runtime
# preloaded into python); any sanitizer report stops a case and shows as a
# disagreement with expectations.txt. It is not part of `all` (a build as
# long as the main one).
set -uo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
base=${SAN_BUILD_DIR:-build-san}
clang=/usr/lib/llvm-22/bin/clang
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache} CCACHE_BASEDIR=$PWD
status=0
run() { # name, sanitizers, ctest filter
  local dir=$base-$1
  cmake -G Ninja -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=$clang -DCMAKE_CXX_COMPILER=$clang++ \
    -DKILN_BUILD_COMPILER=OFF -DKILN_SANITIZE="$2" >/dev/null || return 1
  cmake --build "$dir" -j "${JOBS:-2}" || return 1
  (cd "$dir" && ctest -j "${JOBS:-2}" --output-on-failure -R "$3") 2>&1 |
    tee "$dir/ctest.log" | grep -E 'tests passed|Failed|\*\*\*' || true
  grep -q ' 0 tests failed' "$dir/ctest.log"
}
if [[ $which == asan || $which == all ]]; then
  echo "== ASan + UBSan"
  # The allocation-failure tests ask for 2^62 bytes on purpose.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1 \
    run asan address,undefined '.' || status=1
fi
if [[ $which == tsan || $which == all ]]; then
  echo "== TSan (threads, concurrent runs)"
  TSAN_OPTIONS=halt_on_error=1:allocator_may_return_null=1 \
    run tsan thread 'Thread|Concurr|Parallel|IntraOp|AllocHooks' || status=1
fi
if [[ $which == conformance ]]; then
  echo "== ASan + UBSan, compiler and conformance sample"
  dir=$base-full
  cmake -G Ninja -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=$clang -DCMAKE_CXX_COMPILER=$clang++ \
    -DKILN_SANITIZE=address,undefined >/dev/null || exit 1
  cmake --build "$dir" -j "${JOBS:-2}" \
    --target kiln_python kiln-compile kiln-run kiln-loadcheck || exit 1
  # LLVM's inline allocator code poisons slabs the uninstrumented libLLVM
  # uses: user poisoning off (Kiln poisons nothing itself).
  LD_PRELOAD=$($clang -print-file-name=libclang_rt.asan-x86_64.so) \
  ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    python3 tests/conformance/run_conformance.py --build-dir "$dir" \
      --suite all --sample 10 -j "${JOBS:-2}" -O 1 || status=1
fi
exit $status
