//===- OnnxDialect.h - The onnx dialect -------------------------*- C++ -*-===//
//
// One op per ONNX operator (generated into OnnxOps.td from the ONNX schemas).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_ONNX_ONNXDIALECT_H
#define KILN_DIALECTS_ONNX_ONNXDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/onnx/OnnxDialect.h.inc"
#include "dialects/onnx/OnnxInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/onnx/OnnxOps.h.inc"

namespace kiln::onnx_ir {

/// True when `v` stands for an absent optional input.
inline bool isNoValue(mlir::Value v) {
  return !v || mlir::isa<mlir::NoneType>(v.getType());
}

} // namespace kiln::onnx_ir

#endif // KILN_DIALECTS_ONNX_ONNXDIALECT_H
