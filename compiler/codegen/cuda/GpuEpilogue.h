//===- GpuEpilogue.h - Elementwise consumers in a strategy's kernel -*- C++
//-*-===//
//
// After a matmul, convolution or reduction, models apply elementwise ops to
// its output: a Relu, a residual Add, a ReduceMean's division.
// kiln-fuse-elementwise leaves them as one elementwise linalg.generic that
// reads the op's output, in place or into a fresh buffer:
//
//   linalg.conv_2d_nchw_fchw ins(%x, %w) outs(%y)
//   linalg.generic ins(%y, %r) outs(%y) { relu(%y + %r) }
//
// A strategy that computes each output element in a register (the tiles,
// the tensor cores, the block reductions) can apply that generic's body to
// it before the one store, instead of a second kernel reading and writing
// the whole output again. The strategy layer marks the ops whose consumer
// this is legal for (kGpuFusedEpilogueAttr), and the strategy's pass fuses
// it (GpuEpilogue::match again, an error when it no longer holds).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_CUDA_GPUEPILOGUE_H
#define KILN_COMPILER_CODEGEN_CUDA_GPUEPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <string>

namespace kiln {

/// The unit attribute the strategy layer puts on an op (beside its
/// #kiln.gpu_lowering_config) whose elementwise consumer its kernel
/// applies.
constexpr llvm::StringLiteral kGpuFusedEpilogueAttr = "kiln.gpu_fused_epilogue";

/// An elementwise consumer of `op`'s output that `op`'s kernel can apply to
/// each output element before it stores it.
class GpuEpilogue {
public:
  /// The consumer of `op` (one output buffer of identity layout, written
  /// directly) when that is legal: the first op after `op` in its block
  /// that touches the output is an elementwise linalg.generic (parallel
  /// loops, a pure body without index ops, one init of identity map) that
  /// reads the output with identity maps, or writes it in place, and
  /// - writes the output in place, or another buffer that `op` does not
  ///   use, the output then read by nothing else (its deallocation
  ///   aside), since the kernel no longer writes it;
  /// - reads its other operands (a bias, a residual, through any maps)
  ///   from buffers other than the output and the buffer it writes,
  ///   defined before `op`;
  /// - and only ops without memory effects, allocations, or deallocations
  ///   of other buffers stand between the two, so the kernel, which runs
  ///   where `op` was, reads and writes what the generic would have (the
  ///   allocations of buffers the generic uses move before `op`).
  /// Otherwise failure, with `why`.
  static mlir::FailureOr<GpuEpilogue> match(mlir::linalg::LinalgOp op,
                                            std::string &why);

  /// Stores `value`, `op`'s result for its output element at `indices`,
  /// through the epilogue: the generic's other operands loaded at the same
  /// element, its body cloned, the result stored into the buffer the
  /// generic wrote.
  void store(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
             mlir::ValueRange indices) const;

  /// Erases the generic, once every store of `op`'s kernel went through
  /// store().
  void erase() const { generic->erase(); }

  mlir::linalg::GenericOp getGeneric() const { return generic; }

private:
  GpuEpilogue(mlir::linalg::GenericOp generic, mlir::Value output)
      : generic(generic), output(output) {}

  mlir::linalg::GenericOp generic;
  /// The buffer the fused op writes, whose elements the generic reads.
  mlir::Value output;
  /// Allocations between the op and the generic of buffers the generic
  /// uses, moved before the op when the kernel fuses it.
  llvm::SmallVector<mlir::Operation *> hoisted;

  friend mlir::FailureOr<std::optional<GpuEpilogue>>
  configuredEpilogue(mlir::linalg::LinalgOp op);
};

/// The epilogue `op`'s kernel fuses: none when `op` has no
/// kGpuFusedEpilogueAttr, an error (reported on `op`) when it has one but
/// its consumer cannot be fused.
mlir::FailureOr<std::optional<GpuEpilogue>>
configuredEpilogue(mlir::linalg::LinalgOp op);

/// Stores `value` at `indices` of `output`, or through `epilogue` when
/// there is one.
void storeOutput(mlir::OpBuilder &b, mlir::Location loc,
                 const std::optional<GpuEpilogue> &epilogue, mlir::Value value,
                 mlir::Value output, mlir::ValueRange indices);

} // namespace kiln

#endif
