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

#define GET_TYPEDEF_CLASSES
#include "dialects/onnx/OnnxInterfaces.h.inc"
#include "dialects/onnx/OnnxTypes.h.inc"

#define GET_OP_CLASSES
#include "dialects/onnx/OnnxOps.h.inc"

namespace kiln::onnx_ir {

/// True when `v` stands for an absent optional input.
inline bool isNoValue(mlir::Value v) {
  return !v || mlir::isa<mlir::NoneType>(v.getType());
}

/// True for the types that exist only until sequences and optionals are
/// resolved at compile time: `!onnx.Seq<...>` and `!onnx.Opt<...>`.
inline bool isSeqOrOpt(mlir::Type t) { return mlir::isa<SeqType, OptType>(t); }

} // namespace kiln::onnx_ir

#endif // KILN_DIALECTS_ONNX_ONNXDIALECT_H
