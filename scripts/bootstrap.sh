#!/usr/bin/env bash
# Installs every package Kiln's build and tests need. Idempotent: re-running it
# only installs what is missing.
#
# Python: $PYTHON if set, else `python3` from PATH. Debian's own python3 is
# "externally managed" (PEP 668) and refuses pip installs, so for it the
# packages go into a virtual environment, $KILN_VENV (default
# ~/.cache/kiln/venv). The last line printed is `KILN_PYTHON=<interpreter>`:
# scripts/test.sh and scripts/demo.sh configure the build with it.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build ccache git pkg-config
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22 liblld-22-dev
  libclang-rt-22-dev  # sanitizers and libFuzzer (scripts/fuzz.sh, scripts/sanitize.sh)
  libprotobuf-dev protobuf-compiler
  libgtest-dev libonnx-testdata
  zlib1g-dev libzstd-dev libedit-dev libcurl4-openssl-dev libxml2-dev
  python3 python3-dev python3-venv python3-pip
)
# scikit-learn and skl2onnx: the Python tests convert classifiers with
# skl2onnx's defaults (ZipMap's sequences of maps) and compare with ORT.
PIP_PACKAGES=(numpy onnx onnxruntime nanobind scikit-build-core scikit-learn
  skl2onnx)
# The module each pip package is imported as.
PIP_MODULES=(numpy onnx onnxruntime nanobind scikit_build_core sklearn skl2onnx)

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
PY=$(command -v "$PY")
externally_managed() {
  "$1" - <<'EOF'
import os, sys, sysconfig
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
sys.exit(0 if sys.prefix == sys.base_prefix and os.path.exists(marker) else 1)
EOF
}
if [ -z "${PYTHON:-}" ] && externally_managed "$PY"; then
  venv=${KILN_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln/venv}
  if [ ! -x "$venv/bin/python" ]; then
    echo "bootstrap: $PY is externally managed; creating the venv $venv"
    "$PY" -m venv "$venv"
  fi
  PY=$venv/bin/python
fi

need_pip=0
for mod in "${PIP_MODULES[@]}"; do
  "$PY" -c "import $mod" 2>/dev/null || need_pip=1
done
if [ $need_pip = 1 ]; then
  echo "bootstrap: pip installing ${PIP_PACKAGES[*]} for $PY"
  "$PY" -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
fi
echo "bootstrap: ok"
echo "KILN_PYTHON=$PY"
