//===- ReductionUtils.h - Helpers for reducing op families ------*- C++ -*-===//
//
// Shared by the reductions (Reduce*, ArgMax/ArgMin) and the normalizations
// (Softmax, *Normalization), which all reduce over some dims of a tensor and
// then broadcast the reduced values back. Implemented in Reductions.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CONVERSION_REDUCTIONUTILS_H
#define KILN_COMPILER_CONVERSION_REDUCTIONUTILS_H

#include "compiler/conversion/ConversionUtils.h"

namespace kiln {

/// Combines the scalars read by a reduction (the input element first, then
/// one per extra tensor) with the accumulator.
using ReduceBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange, mlir::Value)>;

/// The map from the iteration space of rank `rank` to the dims that are not
/// in `reducedDims` (which is sorted).
mlir::AffineMap keptDimsMap(mlir::MLIRContext *ctx, int64_t rank,
                            llvm::ArrayRef<int64_t> reducedDims);

/// A linalg.generic reducing `input` over `reducedDims` (sorted, unique)
/// into a tensor of the remaining dims, in order, whose element type is
/// `init`'s type and whose elements start as `init`. `extras` are tensors of
/// that reduced shape the body reads too (e.g. a max computed before).
mlir::Value buildReduction(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value input,
                           llvm::ArrayRef<int64_t> reducedDims,
                           mlir::Value init, mlir::ValueRange extras,
                           ReduceBodyFn body);

/// Index (i64) and value of the first (or, with `last`, the last) maximum
/// (or minimum unless `max`) of `input` along `axis`, as tensors of the
/// other dims. `unsignedInts` says how to compare integer elements.
std::pair<mlir::Value, mlir::Value>
buildArgReduction(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                  int64_t axis, bool max, bool last, bool unsignedInts);

/// An all-parallel linalg.generic producing a tensor of `resultType` (sizes
/// `sizes`) from `inputs` read through `inputMaps`; the output map is the
/// identity. `body` gets one scalar per input.
mlir::Value buildMapped(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType resultType,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes,
                        mlir::ValueRange inputs,
                        llvm::ArrayRef<mlir::AffineMap> inputMaps,
                        ScalarBodyFn body);

/// Reinserts the `reducedDims` of a rank-`rank` tensor as unit dims into
/// `reduced` (the keepdims=1 form) with tensor.expand_shape.
mlir::Value expandReducedDims(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value reduced,
                              llvm::ArrayRef<int64_t> reducedDims,
                              int64_t rank);

/// The number of elements of `input` over `dims`, as a scalar of `type`
/// (float or integer), computed at run time for dynamic dims.
mlir::Value countElements(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value input, llvm::ArrayRef<int64_t> dims,
                          mlir::Type type);

/// The type float math runs in for element type `t`: f32 for f16/bf16
/// (LLVM has no half variants of most math functions), `t` otherwise.
mlir::Type mathComputeType(mlir::Type t);

/// The lowest (`lowest`) or highest value of `type` (signless int or float;
/// infinities for floats; `isUnsigned` for the integer range).
mlir::Value extremeValue(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type type, bool lowest, bool isUnsigned);

} // namespace kiln

#endif
