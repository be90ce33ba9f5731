#!/usr/bin/env bash
# Builds the PTX (and one cubin) that probe.c loads, from ew.mlir and
# matmul.mlir, with Debian's LLVM/MLIR 22 and the CUDA toolkit's libdevice and
# ptxas. Runs on the development machine (no GPU needed); the outputs in ptx/
# are committed so the GPU machine needs neither MLIR nor the toolkit.
#
# Every step is logged to build.log with its command, exit status and the
# first lines of its stderr; steps marked "expect fail" are there to record a
# failure mode, and the script exits nonzero only if a step does not behave as
# expected.
#
#   LLVM_BIN   (default /usr/lib/llvm-22/bin)
#   CUDA_ROOT  (default /usr/local/cuda)   toolkit: ptxas, nvvm/libdevice
set -u
cd "$(dirname "$0")"
LLVM_BIN=${LLVM_BIN:-/usr/lib/llvm-22/bin}
CUDA=${CUDA_ROOT:-/usr/local/cuda}
LIBDEVICE=$CUDA/nvvm/libdevice/libdevice.10.bc
PTXAS=$CUDA/bin/ptxas
MLIR_OPT=$LLVM_BIN/mlir-opt
OUT=ptx
LOG=build.log
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
: >"$LOG"
bad=0

log() { echo "$*" | tee -a "$LOG"; }

# try EXPECT(ok|fail) DESCRIPTION -- command...
try() {
  local expect=$1 desc=$2; shift 3
  log ""
  log "### $desc"
  log "+ $(printf '%q ' "$@")"
  "$@" >"$TMP/stdout" 2>"$TMP/stderr"
  local rc=$?
  if [ -s "$TMP/stderr" ]; then
    head -n 8 "$TMP/stderr" | sed 's/^/  stderr: /' | tee -a "$LOG"
  fi
  local got=ok; [ $rc -ne 0 ] && got=fail
  if [ "$got" = "$expect" ]; then
    log "  -> rc=$rc ($got, as expected)"
  else
    log "  -> rc=$rc ($got, EXPECTED $expect)"
    bad=1
  fi
  return $rc
}

log "# gpu-probe build, $(date -u +%FT%TZ)"
log "# $($MLIR_OPT --version | grep -i version | head -1 | sed 's/^ *//')"
log "# $($PTXAS --version | tail -1)"
log "# libdevice: $LIBDEVICE"
log "# env: CUDA_HOME=${CUDA_HOME-<unset>} CUDA_ROOT=${CUDA_ROOT-<unset>} CUDA_PATH=${CUDA_PATH-<unset>}"

# The kernel-side lowering. convert-scf-to-cf must run first: convert-gpu-to-nvvm
# leaves scf.if/scf.for alone and the LLVM IR translation then fails with
# "missing LLVMTranslationDialectInterface registration for dialect for op: scf.if".
# use-bare-ptr-memref-call-conv=1: each (static-shape) memref argument is a
# single pointer, so the host launches with plain CUdeviceptr arguments.
KLOWER='gpu.module(convert-scf-to-cf,convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1},canonicalize,cse,reconcile-unrealized-casts)'

# pipeline CHIP FORMAT [TOOLKIT] [OUTLINE]
pipeline() {
  local chip=$1 fmt=$2 tk=${3:-} outline=${4:-}
  local tkopt=""; [ -n "$tk" ] && tkopt=" toolkit=$tk"
  echo "builtin.module(${outline:+gpu-kernel-outlining,}nvvm-attach-target{chip=$chip O=3},$KLOWER,gpu-module-to-binary{format=$fmt$tkopt})"
}

# ---------------------------------------------------------------------------
# Route 1 (the one the compiler should use): mlir-opt all the way to PTX.
# gpu-module-to-binary{format=isa} runs LLVM's NVPTX backend in-process and
# links libdevice from <toolkit>/nvvm/libdevice/libdevice.10.bc.
# ---------------------------------------------------------------------------
try fail "route 1 without convert-scf-to-cf (records the error)" -- \
  $MLIR_OPT ew.mlir --pass-pipeline="builtin.module(nvvm-attach-target{chip=sm_90},gpu.module(convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1},reconcile-unrealized-casts),gpu-module-to-binary{format=isa toolkit=$CUDA})" -o "$TMP/x.mlir"

try ok "route 1: ew.mlir -> PTX sm_90 (toolkit given explicitly)" -- \
  $MLIR_OPT ew.mlir --pass-pipeline="$(pipeline sm_90 isa $CUDA)" -o "$TMP/ew.isa.mlir" &&
  python3 extract_gpu_binary.py "$TMP/ew.isa.mlir" "$TMP" ptx >/dev/null &&
  cp "$TMP/ew_module.ptx" "$OUT/ew.sm_90.ptx"

try ok "route 1: matmul.mlir (gpu.launch + gpu-kernel-outlining) -> PTX sm_90" -- \
  $MLIR_OPT matmul.mlir --pass-pipeline="$(pipeline sm_90 isa $CUDA outline)" -o "$TMP/mm.isa.mlir" &&
  python3 extract_gpu_binary.py "$TMP/mm.isa.mlir" "$TMP" ptx >/dev/null &&
  cp "$TMP/matmul_naive_kernel.ptx" "$OUT/matmul_naive.sm_90.ptx" &&
  cp "$TMP/matmul_tiled_kernel.ptx" "$OUT/matmul_tiled.sm_90.ptx"

# PTX for a newer arch than the device (H200 = sm_90): for the wrong-arch load test.
try ok "route 1: ew.mlir -> PTX sm_100 (wrong arch for an H200, negative test input)" -- \
  $MLIR_OPT ew.mlir --pass-pipeline="$(pipeline sm_100 isa $CUDA)" -o "$TMP/ew100.isa.mlir" &&
  python3 extract_gpu_binary.py "$TMP/ew100.isa.mlir" "$TMP" ptx >/dev/null &&
  cp "$TMP/ew_module.ptx" "$OUT/ew.sm_100.ptx"

# libdevice not found: the toolkit path does not exist. mlir-opt prints
# "error: CUDA path: ... does not exist" but still exits 0 and still emits PTX,
# with __nv_expf left as an .extern .func -> ptxas/JIT fail later.
try ok "route 1 with a bad toolkit path (error printed, yet rc=0, libdevice silently missing)" -- \
  $MLIR_OPT ew.mlir --pass-pipeline="$(pipeline sm_90 isa /nonexistent)" -o "$TMP/ewnl.isa.mlir" &&
  python3 extract_gpu_binary.py "$TMP/ewnl.isa.mlir" "$TMP" ptx >/dev/null &&
  cp "$TMP/ew_module.ptx" "$OUT/ew.nolibdevice.sm_90.ptx"

# No toolkit option and none of CUDA_ROOT/CUDA_HOME/CUDA_PATH set: no message
# at all, libdevice simply not linked.
try ok "route 1 with no toolkit option and CUDA_ROOT/CUDA_HOME/CUDA_PATH unset (silent)" -- \
  env -u CUDA_ROOT -u CUDA_HOME -u CUDA_PATH $MLIR_OPT ew.mlir --pass-pipeline="$(pipeline sm_90 isa)" -o "$TMP/ewnl2.isa.mlir" &&
  python3 extract_gpu_binary.py "$TMP/ewnl2.isa.mlir" "$TMP" nolib2.ptx >/dev/null
if grep -q 'call.uni.*__nv_expf\|__nv_expf,' "$TMP/ew_module.nolib2.ptx" 2>/dev/null; then
  log "  -> the PTX calls the undefined __nv_expf (.extern .func): libdevice NOT linked"
fi
try ok "same, with CUDA_HOME=$CUDA only (the default toolkit lookup reads the environment)" -- \
  env -u CUDA_ROOT -u CUDA_PATH CUDA_HOME=$CUDA $MLIR_OPT ew.mlir --pass-pipeline="$(pipeline sm_90 isa)" -o "$TMP/ewh.isa.mlir" &&
  python3 extract_gpu_binary.py "$TMP/ewh.isa.mlir" "$TMP" home.ptx >/dev/null
if grep -q '__nv_expf' "$TMP/ew_module.home.ptx" 2>/dev/null; then
  log "  -> __nv_expf still referenced: libdevice NOT linked"; bad=1
else
  log "  -> no __nv_expf left in the PTX: libdevice linked and inlined"
fi

# ---------------------------------------------------------------------------
# Route 2: mlir-opt to LLVM bitcode (gpu-module-to-binary{format=llvm}; with no
# toolkit in sight libdevice is not linked), then the LLVM tools by hand:
# llvm-link --only-needed --internalize libdevice, opt -O3, llc -march=nvptx64.
# ---------------------------------------------------------------------------
try ok "route 2: ew.mlir -> LLVM bitcode (no libdevice)" -- \
  env -u CUDA_ROOT -u CUDA_HOME -u CUDA_PATH $MLIR_OPT ew.mlir --pass-pipeline="$(pipeline sm_90 llvm)" -o "$TMP/ew.llvm.mlir" &&
  python3 extract_gpu_binary.py "$TMP/ew.llvm.mlir" "$TMP" bc >/dev/null
try ok "route 2: llvm-link --only-needed --internalize libdevice" -- \
  $LLVM_BIN/llvm-link --only-needed --internalize "$TMP/ew_module.bc" "$LIBDEVICE" -o "$TMP/ew.linked.bc"
# Plain `opt -O3` does not build the NVPTX target machine, so NVVMReflect does
# not run: __nvvm_reflect("__CUDA_FTZ") calls survive until llc folds them,
# leaving a dead 11-byte "__CUDA_FTZ" global in the PTX. With -mtriple/-mcpu
# the NVPTX pipeline (NVVMReflect first) is used.
try ok "route 2: plain opt -O3 (records that __nvvm_reflect survives)" -- \
  $LLVM_BIN/opt -O3 "$TMP/ew.linked.bc" -o "$TMP/ew.plainopt.bc"
log "  -> __nvvm_reflect references left: $($LLVM_BIN/llvm-dis "$TMP/ew.plainopt.bc" -o - | grep -c __nvvm_reflect)"
try ok "route 2: opt -mtriple=nvptx64-nvidia-cuda -mcpu=sm_90 -O3" -- \
  $LLVM_BIN/opt -mtriple=nvptx64-nvidia-cuda -mcpu=sm_90 -O3 "$TMP/ew.linked.bc" -o "$TMP/ew.opt.bc"
log "  -> __nvvm_reflect references left: $($LLVM_BIN/llvm-dis "$TMP/ew.opt.bc" -o - | grep -c __nvvm_reflect)"
try ok "route 2: llc -march=nvptx64 -mcpu=sm_90 -mattr=+ptx80" -- \
  $LLVM_BIN/llc -O3 -march=nvptx64 -mcpu=sm_90 -mattr=+ptx80 "$TMP/ew.opt.bc" -o "$OUT/ew.llc.sm_90.ptx"
try fail "route 2: llc -mcpu=sm_90 -mattr=+ptx70 (PTX ISA too old for sm_90)" -- \
  $LLVM_BIN/llc -march=nvptx64 -mcpu=sm_90 -mattr=+ptx70 "$TMP/ew.opt.bc" -o "$TMP/x.ptx"
try ok "route 2: llc -mcpu=sm_90 with no -mattr (default PTX ISA)" -- \
  $LLVM_BIN/llc -march=nvptx64 -mcpu=sm_90 "$TMP/ew.opt.bc" -o "$TMP/ew.default.ptx"
log "  -> default: $(grep -E '^\.version' "$TMP/ew.default.ptx")"
# mlir-translate --mlir-to-llvmir on the lowered module gives an EMPTY LLVM
# module: gpu.module contents are not translated by the tool.
$MLIR_OPT ew.mlir --pass-pipeline="builtin.module(nvvm-attach-target{chip=sm_90},$KLOWER)" -o "$TMP/ew.lowered.mlir"
try ok "mlir-translate --mlir-to-llvmir on the lowered module (records that it drops gpu.module)" -- \
  $LLVM_BIN/mlir-translate --mlir-to-llvmir "$TMP/ew.lowered.mlir" -o "$TMP/ew.translated.ll"
log "  -> define lines in the result: $(grep -c '^define' "$TMP/ew.translated.ll")"

# ---------------------------------------------------------------------------
# ptxas checks.
# ---------------------------------------------------------------------------
for f in ew.sm_90.ptx ew.llc.sm_90.ptx matmul_naive.sm_90.ptx matmul_tiled.sm_90.ptx; do
  log "  $f: $(grep -E '^\.(version|target)' "$OUT/$f" | tr '\n' ' ')"
  try ok "ptxas -arch=sm_90 $f" -- $PTXAS -arch=sm_90 -v "$OUT/$f" -o "$TMP/x.cubin"
done
log "  ew.sm_100.ptx: $(grep -E '^\.(version|target)' "$OUT/ew.sm_100.ptx" | tr '\n' ' ')"
try fail "ptxas -arch=sm_90 ew.sm_100.ptx (wrong arch)" -- $PTXAS -arch=sm_90 "$OUT/ew.sm_100.ptx" -o "$TMP/x.cubin"
try ok "ptxas -arch=sm_100 ew.sm_100.ptx" -- $PTXAS -arch=sm_100 "$OUT/ew.sm_100.ptx" -o "$TMP/x.cubin"
try fail "ptxas -arch=sm_90 ew.nolibdevice.sm_90.ptx (unresolved __nv_expf)" -- \
  $PTXAS -arch=sm_90 "$OUT/ew.nolibdevice.sm_90.ptx" -o "$TMP/x.cubin"
try ok "ptxas -c (relocatable) ew.nolibdevice.sm_90.ptx: the extern is allowed there" -- \
  $PTXAS -c -arch=sm_90 "$OUT/ew.nolibdevice.sm_90.ptx" -o "$TMP/x.cubin"

# One cubin, to check that the driver also takes ptxas 13.0's output directly.
try ok "ptxas -arch=sm_90 matmul_naive.sm_90.ptx -> cubin" -- \
  $PTXAS -arch=sm_90 "$OUT/matmul_naive.sm_90.ptx" -o "$OUT/matmul_naive.sm_90.cubin"

log ""
if [ $bad -eq 0 ]; then log "build.sh: all steps behaved as expected"; else log "build.sh: SOME STEPS DID NOT BEHAVE AS EXPECTED"; fi
exit $bad
