//===- BlockReduction.h - Reductions split across a block -------*- C++ -*-===//
//
// What the block_reduction strategy needs of an op, shared by the strategy
// layer (which chooses it) and its lowering (which refuses a configuration
// it cannot follow).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_CUDA_BLOCKREDUCTION_H
#define KILN_COMPILER_CODEGEN_CUDA_BLOCKREDUCTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <string>

namespace kiln {

/// A reduction whose partial results may be combined in any order.
struct BlockReduction {
  /// The body's one op combining a value with the accumulator.
  mlir::Operation *combiner;
  /// What each thread's partial result starts from.
  mlir::TypedAttr neutral;
};

/// `op` as a block reduction: on buffers, its parallel loops first, one
/// output, a body whose accumulator goes through one commutative combiner
/// with a neutral element (add, mul, min, max, and, or, xor) of a 32-bit
/// type (warp shuffles move 32 bits), no side effects, not a contraction
/// or convolution (which want tiles). Otherwise failure, with `why`.
mlir::FailureOr<BlockReduction> matchBlockReduction(mlir::linalg::GenericOp op,
                                                    std::string &why);

} // namespace kiln

#endif
