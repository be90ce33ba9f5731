#!/usr/bin/env bash
# Installs every package Kiln's build and tests need. Idempotent: re-running it
# only installs what is missing.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build ccache git pkg-config
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22 liblld-22-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  libgtest-dev libonnx-testdata
  zlib1g-dev libzstd-dev libedit-dev libcurl4-openssl-dev libxml2-dev
)
PIP_PACKAGES=(numpy onnx onnxruntime nanobind scikit-build-core)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
need_pip=0
for p in "${PIP_PACKAGES[@]}"; do
  mod=${p//-/_}
  "$PY" -c "import $mod" 2>/dev/null || need_pip=1
done
if [ $need_pip = 1 ]; then
  echo "bootstrap: pip installing ${PIP_PACKAGES[*]}"
  "$PY" -m pip install -q "${PIP_PACKAGES[@]}"
fi
echo "bootstrap: ok"
