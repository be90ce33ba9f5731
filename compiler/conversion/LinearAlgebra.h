//===- LinearAlgebra.h - Matrix products for other families -----*- C++ -*-===//
//
// The numpy matmul of LinearAlgebra.cpp, shared with the quantized matrix
// products (QLinearMatMul).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CONVERSION_LINEARALGEBRA_H
#define KILN_COMPILER_CONVERSION_LINEARALGEBRA_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include <optional>

namespace kiln {

/// numpy matmul of `a` and `bm` (converted tensors of rank >= 1, the same
/// element type). The product has element type `outElem`, accumulated in f32
/// for 16-bit floats and in `outElem` otherwise. Returns a tensor of the
/// inferred static shape.
mlir::Value buildMatMul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                        mlir::Value bm, mlir::Type outElem);

/// Static shape numpy matmul gives for `a` x `b`, or nullopt when they do
/// not multiply.
std::optional<llvm::SmallVector<int64_t>> matMulShape(mlir::RankedTensorType a,
                                                      mlir::RankedTensorType b);

} // namespace kiln

#endif
