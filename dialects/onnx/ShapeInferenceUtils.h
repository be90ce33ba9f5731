//===- ShapeInferenceUtils.h - Helpers for shape functions ------*- C++ -*-===//

#ifndef KILN_DIALECTS_ONNX_SHAPEINFERENCEUTILS_H
#define KILN_DIALECTS_ONNX_SHAPEINFERENCEUTILS_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace kiln::onnx_ir {

/// Numpy broadcasting of static shapes where `?` (ShapedType::kDynamic) is a
/// symbolic dim. Returns nullopt when two fixed dims conflict.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes);

/// Sets result `idx` of `op` to `newType` merged with its current type (a
/// fixed dim on either side wins). Fails when nothing changes; emits an error
/// when the two types contradict each other.
llvm::LogicalResult refineResultType(mlir::Operation *op, unsigned idx,
                                     mlir::Type newType);

/// Whether `op`'s first result has the shape of its first operand (unary
/// elementwise ops, casts, softmax-like and normalization ops), so that a
/// rank known for the result is also the operand's.
bool keepsShapeOfFirstOperand(mlir::Operation *op);

} // namespace kiln::onnx_ir

#endif
