//===- KernelIndexing.h - Index arithmetic of the GPU strategies -*- C++ -*-===//
//
// What the strategies that build their own launches share: linearized
// iteration spaces, their indices, a linalg operand's element at them, and
// the grid of a contraction's output tiles.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_CUDA_KERNELINDEXING_H
#define KILN_COMPILER_CODEGEN_CUDA_KERNELINDEXING_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace kiln {

/// An index constant.
mlir::Value indexConstant(mlir::OpBuilder &b, mlir::Location loc, int64_t v);

/// The product of `sizes` (folded when they are constants).
mlir::Value product(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::ValueRange sizes);

/// The indices of `linear` in a row-major space of `sizes` (the last
/// fastest, so that neighbouring threads touch neighbouring elements),
/// written into `ivs`.
void delinearize(mlir::OpBuilder &b, mlir::Location loc, mlir::Value linear,
                 mlir::ValueRange sizes, llvm::MutableArrayRef<mlir::Value> ivs);

/// The indices `map` gives at the loop indices `ivs`, as arith ops.
llvm::SmallVector<mlir::Value> applyIndexingMap(mlir::OpBuilder &b,
                                                mlir::Location loc,
                                                mlir::AffineMap map,
                                                mlir::ValueRange ivs);

/// The element of `operand` of `op` at the loop indices `ivs` when
/// `inside`, else zero (for indices past an operand's edge, which must not
/// be read).
mlir::Value loadIfInside(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::linalg::LinalgOp op, mlir::OpOperand *operand,
                         mlir::ValueRange ivs, mlir::Value inside);

/// A contraction's loops as the strategies tile them: its batch loops, and
/// its m, n and k groups of loops each linearized (the last fastest).
struct ContractionGroups {
  ContractionGroups(mlir::OpBuilder &b, mlir::Location loc,
                    const mlir::linalg::ContractionDimensions &dims,
                    llvm::ArrayRef<mlir::Value> loopSizes);

  /// Sets the loop indices of the m (n, k) group in `ivs` from the index
  /// `linear` into it.
  void setM(mlir::OpBuilder &b, mlir::Location loc,
            llvm::MutableArrayRef<mlir::Value> ivs, mlir::Value linear) const;
  void setN(mlir::OpBuilder &b, mlir::Location loc,
            llvm::MutableArrayRef<mlir::Value> ivs, mlir::Value linear) const;
  void setK(mlir::OpBuilder &b, mlir::Location loc,
            llvm::MutableArrayRef<mlir::Value> ivs, mlir::Value linear) const;

  mlir::linalg::ContractionDimensions dims;
  llvm::SmallVector<mlir::Value> batchSizes, mSizes, nSizes, kSizes;
  /// The products of the groups' sizes.
  mlir::Value m, n, k;
};

/// The grid of a contraction's `tile` x `tile` output tiles (an index): its
/// batch sizes, then the number of m tiles, then of n tiles (the fastest).
llvm::SmallVector<mlir::Value> outputTileGrid(mlir::OpBuilder &b,
                                              mlir::Location loc,
                                              const ContractionGroups &groups,
                                              mlir::Value tile);

/// A launch of the product of `gridSizes` blocks of `threads` threads with
/// the `workgroup` arrays, inside a guard that skips it when the grid is
/// empty (CUDA refuses empty grids). `b` is left before the body's
/// terminator.
mlir::gpu::LaunchOp launchTileGrid(mlir::OpBuilder &b, mlir::Location loc,
                                   mlir::ValueRange gridSizes, int64_t threads,
                                   mlir::TypeRange workgroup);

} // namespace kiln

#endif
