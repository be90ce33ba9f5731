//===- Passes.h - CPU code generation ---------------------------*- C++ -*-===//

#ifndef KILN_COMPILER_CODEGEN_CPU_PASSES_H
#define KILN_COMPILER_CODEGEN_CPU_PASSES_H

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace kiln {
#define GEN_PASS_DECL
#include "compiler/codegen/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/codegen/cpu/Passes.h.inc"

struct CpuCodegenOptions {
  /// 0: straight lowering to loops; 1+: elementwise fusion; 3: tiling and
  /// vectorization of the heavy ops.
  int optLevel = 3;
  /// Bracket every kernel with the run context's profiling hooks.
  bool profile = false;
  /// O1+: choose a strategy per heavy op (kiln-select-lowering) from the
  /// module's `kiln.target`, which the caller sets (describeCpuTarget).
  /// Without it every op lowers to loops.
  bool selectLowering = false;
  /// kiln-conv-ukernel's `winograd` option.
  bool winograd = true;
  /// Run kiln-pointwise-depthwise-ukernel.
  bool fusePointwiseDepthwise = true;
};

/// The target description of a CPU with `hasFeature` (LLVM feature names:
/// "avx512f", "avx2", "fma") and the given cache sizes.
codegen::TargetAttr
describeCpuTarget(mlir::MLIRContext *ctx,
                  llvm::function_ref<bool(llvm::StringRef)> hasFeature,
                  int64_t l1Bytes, int64_t l2Bytes);

/// linalg-on-tensors -> LLVM dialect, ready for translation.
void buildCpuCodegenPipeline(mlir::OpPassManager &pm,
                             const CpuCodegenOptions &options);

/// The end of the CPU pipeline as a textual pass pipeline: bufferized
/// loops (vector ops with `vectorize`) -> LLVM dialect, with the weights
/// externalized and the allocation sizes checked. The CUDA provider's CPU
/// emulation (codegen/cuda) ends the same way.
std::string cpuLoopsToLLVMPipeline(bool vectorize);

void registerCpuCodegenPipeline();

} // namespace kiln

#endif
