//===- LinearAlgebra.h - Matrix products for other families -----*- C++ -*-===//
//
// The numpy matmul of LinearAlgebra.cpp and the widening of quantized
// operands, shared with the quantized products (QLinearMatMul,
// ConvInteger, QLinearConv).
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

/// The element type quantized operands of ONNX types `a` and `b` are
/// widened to, minus their zero points, for their product: i16 when both
/// are 8-bit ((u)int8 minus a zero point of its type fits, and a product of
/// two fits i32: exact, and the int16 GEMM kernel's form), i32 otherwise.
mlir::Type quantizedOperandType(mlir::OpBuilder &b, mlir::Type a,
                                mlir::Type b2);

/// `x - zp` as a tensor of `wide` integers, for the quantized tensor `x`
/// (ONNX type of `onnxX`) and the optional zero point `zp` (ONNX type of
/// `onnxZp`; already shaped to broadcast to x).
mlir::Value widenMinusZeroPoint(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value x, mlir::Value onnxX,
                                mlir::Value zp, mlir::Value onnxZp,
                                mlir::Type wide);

/// Static shape numpy matmul gives for `a` x `b`, or nullopt when they do
/// not multiply.
std::optional<llvm::SmallVector<int64_t>> matMulShape(mlir::RankedTensorType a,
                                                      mlir::RankedTensorType b);

} // namespace kiln

#endif
