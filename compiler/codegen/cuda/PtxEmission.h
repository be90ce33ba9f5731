//===- PtxEmission.h - PTX files and the host schedule ---------*- C++ -*-===//

#ifndef KILN_COMPILER_CODEGEN_CUDA_PTXEMISSION_H
#define KILN_COMPILER_CODEGEN_CUDA_PTXEMISSION_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace kiln {

/// Writes the PTX of every gpu.binary of `module` (after
/// buildCudaCodegenPipeline) to `dir`/<kernel>.<chip>.ptx, the launches to
/// `dir`/kernels.txt and the host code to `dir`/host.mlir. Erases the
/// binaries from `module`.
mlir::LogicalResult writePtxDirectory(mlir::ModuleOp module,
                                      llvm::StringRef dir, std::string &error);

} // namespace kiln

#endif
