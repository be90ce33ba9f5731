#!/usr/bin/env bash
# What the GPU machine runs: records the environment (tools, driver, libcuda),
# builds probe.c with whatever C compiler is there, runs it on the committed
# ptx/ files and writes everything to $OUT/probe.log (OUT defaults to ./out).
# Needs neither MLIR nor the CUDA toolkit on the GPU machine:
#  - cuda.h: /usr/local/cuda/include if present, else build-gpu-probe/include
#    at the repository root (an ignored folder the caller may carry along);
#  - no C compiler: falls back to a prebuilt build-gpu-probe/probe if carried.
# Exit status: the probe's (0 ok, 1 a check failed, 2 no driver/device), or 3
# when no probe binary could be built or found.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$HERE/out}
mkdir -p "$OUT"
LOG=$OUT/probe.log
BUILD=$(mktemp -d)

section() { echo; echo "== $*"; }

main() {
  section "machine"
  date -u +%FT%TZ
  uname -srm
  grep -E '^(PRETTY_NAME)=' /etc/os-release 2>/dev/null
  ldd --version 2>&1 | head -1
  nproc

  section "tools (which)"
  for t in gcc cc clang nvcc ptxas nvidia-smi python3 mlir-opt llc; do
    printf '%-11s %s\n' "$t" "$(command -v $t || echo '-')"
  done
  ls -d /usr/local/cuda* 2>/dev/null
  if command -v nvcc >/dev/null; then nvcc --version | tail -2; fi

  section "driver"
  cat /proc/driver/nvidia/version 2>/dev/null
  ls -la /usr/lib/x86_64-linux-gnu/libcuda* /usr/lib64/libcuda* /usr/lib/libcuda* 2>/dev/null
  ldconfig -p 2>/dev/null | grep -E 'libcuda\.so|libnvidia-ptxjitcompiler' || echo "ldconfig: no libcuda entry"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi
    nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total,clocks.max.sm,clocks.max.mem,power.limit,persistence_mode,compute_mode --format=csv
  fi

  section "build probe.c"
  local cc="" inc="" bin=""
  for c in gcc cc clang; do command -v $c >/dev/null && { cc=$c; break; }; done
  if [ -f /usr/local/cuda/include/cuda.h ]; then inc=/usr/local/cuda/include
  elif [ -f "$ROOT/build-gpu-probe/include/cuda.h" ]; then inc=$ROOT/build-gpu-probe/include
  fi
  echo "compiler: ${cc:-none}; cuda.h from: ${inc:-nowhere}"
  if [ -n "$cc" ] && [ -n "$inc" ]; then
    echo "+ $cc -O2 -std=gnu11 -Wall -I$inc probe.c -o \$BUILD/probe -ldl -lm"
    if (cd "$HERE" && $cc -O2 -std=gnu11 -Wall -I"$inc" probe.c -o "$BUILD/probe" -ldl -lm); then
      bin=$BUILD/probe
    else
      echo "compile FAILED"
    fi
  fi
  if [ -z "$bin" ] && [ -x "$ROOT/build-gpu-probe/probe" ]; then
    bin=$ROOT/build-gpu-probe/probe
    echo "using the prebuilt $bin"
  fi
  if [ -z "$bin" ]; then echo "NO PROBE BINARY"; return 3; fi
  ldd "$bin"

  section "probe"
  (cd "$HERE" && timeout 150 "$bin" "$HERE/ptx")
  local rc=$?
  echo "probe exit status: $rc"
  return $rc
}

main 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
rm -rf "$BUILD"
exit $rc
