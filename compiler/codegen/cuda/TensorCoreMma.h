//===- TensorCoreMma.h - Contractions on the tensor cores -------*- C++ -*-===//
//
// What the tensor_core_mma strategy needs of an op, shared by the strategy
// layer and its lowering.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_CUDA_TENSORCOREMMA_H
#define KILN_COMPILER_CODEGEN_CUDA_TENSORCOREMMA_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <string>

namespace kiln {

/// The mma.sync shape a contraction runs on.
enum class MmaKind {
  /// m16n8k16, f16 operands, f32 accumulators.
  F16,
  /// m16n8k8, f32 operands read as TF32 (10 mantissa bits), f32
  /// accumulators.
  Tf32,
};

/// `op` as a contraction the tensor cores compute: one that
/// matchSharedMemoryTiles accepts (m, n and k possibly several loops each,
/// as a convolution's implicit GEMM has), whose body is exactly out + a * b
/// (the
/// operands possibly extended to the output's type first), with f16
/// operands and an f16 or f32 output, or (when `allowTf32`) f32 operands
/// and output. Otherwise failure, with `why`.
mlir::FailureOr<MmaKind> matchTensorCoreMma(mlir::linalg::LinalgOp op,
                                            bool allowTf32, std::string &why);

/// Threads of every tensor_core_mma block: 4 warps, one 16 x 16 quarter of
/// the block's 32 x 32 output tile each.
constexpr int64_t kTensorCoreMmaThreads = 128;

} // namespace kiln

#endif
