#!/usr/bin/env bash
# The CUDA provider on a machine with an NVIDIA GPU: builds Kiln, runs its
# CUDA tests, both conformance suites on the GPU (compared with the
# reference outputs, against the CPU suite's expectations) and the bench
# models on the GPU (compared with ONNX Runtime on the CPU, timed against
# ONNX Runtime's CUDA provider when onnxruntime-gpu can be installed).
#
#   scripts/gpu-check.sh [--dry-run] [--build-dir DIR] [-j N] [--sample N]
#                        [--cuda-arch sm_XX]
#
# --dry-run runs everything that needs no GPU, as a check of the script on
# any machine: the build, the CUDA tests that need none (stub and fake
# drivers), a slice of the conformance cases compiled for the GPU and
# assembled by ptxas, and every bench model compiled for the GPU. Ends with
# "N passed, N failed" over its stages.
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=build
JOBS=$(nproc)
DRY_RUN=0
SAMPLE=1
ARCH=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --build-dir) BUILD_DIR=$2; shift ;;
    -j) JOBS=$2; shift ;;
    --sample) SAMPLE=$2; shift ;;
    --cuda-arch) ARCH=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "gpu-check.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

passed=0
failed=0
# stage NAME COMMAND...: runs the command, counts and reports it.
stage() {
  local name=$1
  shift
  echo "== $name: $*"
  local t=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "== $name: passed ($((SECONDS - t)) s)"
  else
    failed=$((failed + 1))
    echo "== $name: FAILED ($((SECONDS - t)) s)"
  fi
}

python=python3
if [ -x scripts/bootstrap.sh ] && [ "$DRY_RUN" = 0 ]; then
  boot_log=$(mktemp)
  ./scripts/bootstrap.sh | tee "$boot_log"
  found=$(sed -n 's/^KILN_PYTHON=//p' "$boot_log")
  [ -n "$found" ] && python=$found
  rm -f "$boot_log"
fi
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$PWD

build() {
  cmake -G Ninja -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    -DPython3_EXECUTABLE="$python" >/dev/null &&
    cmake --build "$BUILD_DIR" -j "$JOBS"
}
stage build build || { echo "$passed passed, $failed failed"; exit 1; }

# ONNX Runtime's CUDA provider for the latency comparison, in a virtual
# environment of its own so that the CPU onnxruntime the tests use stays.
ort_gpu_python() {
  local venv=$BUILD_DIR/gpu-check-venv
  if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv --system-site-packages "$venv" &&
      "$venv/bin/python" -m pip install -q onnxruntime-gpu ||
      { echo "onnxruntime-gpu cannot be installed: no CUDA latency baseline" >&2
        return 1; }
  fi
  echo "$venv/bin/python"
}

# The tests that need no GPU: lit (the CUDA passes, ptxas, the emulation,
# a compiled artifact against the fake driver), the runtime against no
# driver, the stub and the fake one (which also runs conformance cases by
# their kernels' host copies), and the Python API's providers. On a
# machine with a driver the no-driver cases skip themselves.
ctest_cuda() {
  (cd "$BUILD_DIR" && ctest -R '^(lit|cuda_provider_.*|conformance_cuda_fake_driver)$' --output-on-failure) &&
    PYTHONPATH=$BUILD_DIR/python KILN_BUILD_DIR=$BUILD_DIR "$python" -m unittest \
      tests.python.test_cuda_provider
}
stage "CUDA tests without a GPU" ctest_cuda

if [ "$DRY_RUN" = 1 ]; then
  [ -n "$ARCH" ] || ARCH=sm_80
  [ "$SAMPLE" = 1 ] && SAMPLE=100
  stage "conformance PTX (1 case in $SAMPLE)" "$python" \
    tests/conformance/run_cuda_ptxas.py --build-dir "$BUILD_DIR" \
    -j "$JOBS" --sample "$SAMPLE" --arch "$ARCH"
  stage "bench models compiled for $ARCH" "$python" bench/gpu_bench.py \
    --build-dir "$BUILD_DIR" --dry-run --cuda-arch "$ARCH" \
    -k '^(matmul_512|conv3x3_64_56|softmax_12x128x128|layernorm_128x768|resnet_block_64x56x56)$'
  echo "dry run: nothing ran on a GPU"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit
fi

if [ -z "$ARCH" ]; then
  ARCH=$(PYTHONPATH=$BUILD_DIR/python "$python" -c \
    'from kiln import _runtime; print(_runtime.cuda_device_chip(0))') ||
    { echo "no usable CUDA device: run with --dry-run on this machine"
      echo "$passed passed, $((failed + 1)) failed"; exit 1; }
fi
echo "== CUDA device 0: $ARCH"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null

# Both suites, static shapes, on the GPU; the CPU suite's expectations: a
# case that passes on the CPU must pass on the GPU.
stage "conformance on the GPU" "$python" tests/conformance/run_conformance.py \
  --build-dir "$BUILD_DIR" --cuda-arch "$ARCH" --mode static -j "$JOBS" \
  --sample "$SAMPLE"

bench_python=$python
if ort=$(ort_gpu_python); then
  bench_python=$ort
fi
stage "bench models on the GPU" "$bench_python" bench/gpu_bench.py \
  --build-dir "$BUILD_DIR" --cuda-arch "$ARCH"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
