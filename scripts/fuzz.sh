#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz) with clang, ASan and UBSan in
# $FUZZ_BUILD_DIR (default build-fuzz) and runs each for $1 seconds (default
# 60) on a seed corpus from the test data. A crash stops the run with the
# fuzzer's report and leaves the input as crash-* in the corpus folder: add
# it to the regression tests.
#
#   scripts/fuzz.sh [seconds] [--runtime-only]
#
# --runtime-only skips the compiler (the artifact and input fuzzers only:
# minutes to build instead of a full instrumented compiler build).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
compiler=ON
[[ "${2:-}" == "--runtime-only" ]] && compiler=OFF
build=${FUZZ_BUILD_DIR:-build-fuzz}
clang=/usr/lib/llvm-22/bin/clang
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache} CCACHE_BASEDIR=$PWD
cmake -G Ninja -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=$clang -DCMAKE_CXX_COMPILER=$clang++ \
  -DKILN_FUZZ=ON -DKILN_BUILD_COMPILER=$compiler >/dev/null
targets=(kiln_fuzz_artifact kiln_fuzz_inputs)
[[ $compiler == ON ]] && targets+=(kiln_fuzz_import)
# FUZZERS="kiln_fuzz_import ..." runs those only.
[[ -n "${FUZZERS:-}" ]] && read -r -a targets <<<"$FUZZERS"
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]}"

corpus=$build/fuzz-corpus
mkdir -p "$corpus"/{artifact,inputs,import}
# Seeds: the fake artifacts, and every 10th model of the ONNX backend suite
# (Debian's libonnx-testdata, which bootstrap.sh installs).
cp -n "$build"/tests/unit/runtime/fakes/*.so "$corpus/artifact/" 2>/dev/null || true
i=0
for m in /usr/share/libonnx-testdata/data/node/*/model.onnx; do
  [ $((i++ % 10)) = 0 ] && cp -n "$m" "$corpus/import/seed$i.onnx"
done
status=0
for t in "${targets[@]}"; do
  dir=$corpus/${t#kiln_fuzz_}
  echo "== $t for ${seconds}s"
  # Leaks of the one-time session are not findings; a hang is (-timeout).
  # LLVM's inline allocator code poisons slabs that the uninstrumented
  # libLLVM/libMLIR then use: user poisoning is off (Kiln poisons nothing).
  ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/bin/$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
    -artifact_prefix="$dir/" -print_final_stats=1 "$dir" || status=1
done
exit $status
