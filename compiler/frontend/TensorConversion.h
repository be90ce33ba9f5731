//===- TensorConversion.h - ONNX TensorProto to MLIR attributes -*- C++ -*-===//

#ifndef KILN_COMPILER_FRONTEND_TENSORCONVERSION_H
#define KILN_COMPILER_FRONTEND_TENSORCONVERSION_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/MLIRContext.h"
#include <string>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace kiln {

/// MLIR element type of an ONNX TensorProto.DataType (ui8 for UINT8, i1 for
/// BOOL, ...). Returns null and sets `error` for types Kiln cannot compile.
mlir::Type onnxElementType(mlir::MLIRContext *ctx, int dataType,
                           std::string &error);

/// Tensors with more elements than this become resource blobs (weights); the
/// smaller ones stay DenseElementsAttr so folding and shape logic see them.
constexpr int64_t kInlineConstantLimit = 1024;

/// The value of `t` as an attribute: a DenseElementsAttr for small tensors, a
/// DenseResourceElementsAttr (the bytes, copied once, 64-byte aligned) for
/// large ones. External data must have been loaded into raw_data already.
mlir::ElementsAttr tensorProtoToAttr(mlir::MLIRContext *ctx,
                                     const onnx::TensorProto &t,
                                     std::string &error);

} // namespace kiln

#endif
