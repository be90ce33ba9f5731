#!/usr/bin/env bash
# Kiln's main job on the bundled model: build the compiler and runtime,
# compile examples/models/mobilenet_like.onnx to a shared object, run it and
# print its outputs and latency.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
python=$(./scripts/bootstrap.sh | tee /dev/stderr | sed -n 's/^KILN_PYTHON=//p')
export CCACHE_BASEDIR=$PWD
cmake -G Ninja -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
  -DPython3_EXECUTABLE="$python" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target kiln-compile kiln-run
model=examples/models/mobilenet_like.onnx
out="$BUILD_DIR/examples/mobilenet_like.so"
mkdir -p "$(dirname "$out")"
echo "== kiln-compile $model -o $out"
time "$BUILD_DIR/bin/kiln-compile" "$model" -o "$out"
echo "== kiln-run (random input, batch=1, 64x64 image)"
"$BUILD_DIR/bin/kiln-run" "$out" --dim N=1 --dim H=64 --dim W=64 --print -o "$BUILD_DIR/examples/out"
"$BUILD_DIR/bin/kiln-run" "$out" --dim N=1 --dim H=64 --dim W=64 --bench 50
