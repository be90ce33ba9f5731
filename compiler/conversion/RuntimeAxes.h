//===- RuntimeAxes.h - Axes read from run-time tensors ----------*- C++ -*-===//
//
// Squeeze, Unsqueeze, Slice and the reductions take their axes as inputs.
// When an input is a graph input (not a constant), which dims are touched is
// only known at run time, while the rank of the result is fixed. These
// helpers turn such an axes tensor into one i1 flag per dim and compute
// result sizes from those flags, so the ops can be lowered with shapes built
// at run time (tensor.reshape, scf.if).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CONVERSION_RUNTIMEAXES_H
#define KILN_COMPILER_CONVERSION_RUNTIMEAXES_H

#include "compiler/conversion/ConversionUtils.h"

namespace kiln {

/// Element count of the 1-D (or 0-D: one) tensor `t` as an index.
mlir::Value lengthOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t);

/// One i1 per dim of a rank-`rank` space: true when an entry of the integer
/// tensor `axes` (1-D, any length, negative entries count from the back)
/// names that dim, or when `initial` is true. Reads the entries in an
/// scf.for, so the length of `axes` may be dynamic.
llvm::SmallVector<mlir::Value> runtimeAxisFlags(mlir::OpBuilder &b,
                                                mlir::Location loc,
                                                mlir::Value axes, int64_t rank,
                                                mlir::Value initial);

/// The sizes left when the dims whose `flags` are true are removed from
/// `sizes`: entry j is the j-th unflagged size. `outRank` is the number of
/// unflagged dims (known statically by the caller).
llvm::SmallVector<mlir::Value>
dropFlaggedSizes(mlir::OpBuilder &b, mlir::Location loc,
                 llvm::ArrayRef<mlir::Value> sizes,
                 llvm::ArrayRef<mlir::Value> flags, int64_t outRank);

/// The sizes of a rank-`flags.size()` result that holds `sizes` in order at
/// its unflagged positions and 1 at its flagged ones (Unsqueeze).
llvm::SmallVector<mlir::Value>
insertUnitSizes(mlir::OpBuilder &b, mlir::Location loc,
                llvm::ArrayRef<mlir::Value> sizes,
                llvm::ArrayRef<mlir::Value> flags);

/// `src` reshaped (row-major, same element count) to the run-time `sizes`
/// with tensor.reshape, cast to `resultType` (whose static dims must agree
/// with `sizes` at run time).
mlir::Value reshapeToRuntimeSizes(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value src,
                                  llvm::ArrayRef<mlir::Value> sizes,
                                  mlir::RankedTensorType resultType);

} // namespace kiln

#endif
