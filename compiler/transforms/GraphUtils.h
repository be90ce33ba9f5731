//===- GraphUtils.h - Helpers shared by the graph passes --------*- C++ -*-===//
//
// Reading and writing onnx.Constant values and matching small patterns. The
// graph passes must never emit other dialects, so new weights are new
// onnx.Constant ops (dense when small, resource blobs otherwise, as the
// importer makes them).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_TRANSFORMS_GRAPHUTILS_H
#define KILN_COMPILER_TRANSFORMS_GRAPHUTILS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace kiln {

/// The values of an f32/f64 onnx.Constant (dense or resource-backed), as
/// doubles, with its static type.
struct FloatConstant {
  mlir::RankedTensorType type;
  llvm::SmallVector<double> values;
};

/// Reads `v` if it is an onnx.Constant of f32 or f64 with a static shape.
std::optional<FloatConstant> readFloatConstant(mlir::Value v);

/// The value of a float onnx.Constant whose elements are all equal
/// (a scalar, a one-element tensor or a splat).
std::optional<double> getSplatFloat(mlir::Value v);

/// True when `v` is a splat float constant within `relTol` of `expected`.
bool isSplatFloat(mlir::Value v, double expected, double relTol = 1e-6);

/// The values of an integer onnx.Constant (dense only: axes, perms, shapes).
std::optional<llvm::SmallVector<int64_t>> readIntConstant(mlir::Value v);

/// Builds an onnx.Constant of `type` (f32 or f64) holding `values`: a dense
/// attribute up to the importer's inline limit, a resource blob above.
mlir::Value createFloatConstant(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::RankedTensorType type,
                                llvm::ArrayRef<double> values,
                                llvm::StringRef blobName);

/// Asks every op of `func` with an OnnxShapeInference interface, in order,
/// for better result types (ops are in dominance order, so one walk sees
/// every operand refined before its users), then makes the function's
/// result types those of its return. Fails when an inferred type contradicts
/// a declared one; the op has emitted the error.
mlir::LogicalResult refineTypesInOrder(mlir::func::FuncOp func);

/// The single-use operation of kind OpTy defining `v`, or null.
template <typename OpTy> OpTy getSingleUseDef(mlir::Value v) {
  if (!v || !v.hasOneUse())
    return nullptr;
  return v.getDefiningOp<OpTy>();
}

} // namespace kiln

#endif
