//===- LowerConfigured.h - The passes of the CUDA strategies ----*- C++ -*-===//
//
// Each strategy's pass follows the configurations the strategy layer
// wrote: this is their shared loop.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_CUDA_LOWERCONFIGURED_H
#define KILN_COMPILER_CODEGEN_CUDA_LOWERCONFIGURED_H

#include "compiler/codegen/common/KilnCodegen.h"

namespace kiln {

/// Lowers every op nested in `root` configured for `strategy` with
/// `lower`, which takes an OpTy and its configuration; an op of another
/// class is an error. All are collected before the first is rewritten.
template <typename OpTy>
mlir::LogicalResult lowerGpuConfigured(
    mlir::Operation *root, codegen::GpuStrategy strategy,
    llvm::StringRef opClass,
    llvm::function_ref<mlir::LogicalResult(
        OpTy, codegen::GpuLoweringConfigAttr)>
        lower) {
  llvm::SmallVector<std::pair<mlir::Operation *,
                              codegen::GpuLoweringConfigAttr>>
      configured;
  root->walk([&](mlir::Operation *op) {
    if (codegen::GpuLoweringConfigAttr config =
            codegen::getGpuLoweringConfig(op);
        config && config.getStrategy() == strategy)
      configured.emplace_back(op, config);
  });
  for (auto [op, config] : configured) {
    auto typed = llvm::dyn_cast<OpTy>(op);
    if (!typed)
      return op->emitOpError("is configured for ")
             << codegen::stringifyGpuStrategy(strategy) << " but is not "
             << opClass;
    if (mlir::failed(lower(typed, config)))
      return mlir::failure();
  }
  return mlir::success();
}

} // namespace kiln

#endif
