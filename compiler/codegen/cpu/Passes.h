//===- Passes.h - CPU code generation ---------------------------*- C++ -*-===//

#ifndef KILN_COMPILER_CODEGEN_CPU_PASSES_H
#define KILN_COMPILER_CODEGEN_CPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace kiln {
#define GEN_PASS_DECL
#include "compiler/codegen/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/codegen/cpu/Passes.h.inc"

/// Name of the byte buffer holding every weight.
constexpr const char *kWeightsSymbol = "__kiln_weights";
/// Module attribute listing the weights: an array of
/// `[offset : i64, dense_resource value]` pairs.
constexpr const char *kWeightsAttr = "kiln.weights";

struct CpuCodegenOptions {
  /// 0: straight lowering to loops; 1+: elementwise fusion; 3: tiling and
  /// vectorization of the heavy ops.
  int optLevel = 3;
  /// Bracket every kernel with the run context's profiling hooks.
  bool profile = false;
  /// The GEMM kernel variant f32 contractions call at O1+ (kiln-gemm-ukernel:
  /// avx512, avx2, sse), chosen from the target's features by
  /// selectGemmIsa; empty: lower them like every other op.
  std::string gemmIsa;
};

/// The kiln-gemm-ukernel variant for a CPU with `hasFeature` (LLVM feature
/// names: "avx512f", "avx2", "fma").
std::string selectGemmIsa(llvm::function_ref<bool(llvm::StringRef)> hasFeature);

/// linalg-on-tensors -> LLVM dialect, ready for translation.
void buildCpuCodegenPipeline(mlir::OpPassManager &pm,
                             const CpuCodegenOptions &options);

void registerCpuCodegenPipeline();

} // namespace kiln

#endif
