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

/// The element type of ONNX's TensorProto.DataType `dataType` in the onnx
/// dialect (ui8 for UINT8, i1 for BOOL, !onnx.String for STRING,
/// f8E4M3FN for FLOAT8E4M3FN, i4 for INT4, ...); null for types Kiln has no
/// element type for (complex, float6). The one map of ONNX data types to
/// MLIR types; the runtime's side of the table is kiln_elem_types.def.
mlir::Type onnxElementType(mlir::MLIRContext *ctx, int64_t dataType);

/// The inverse: the TensorProto.DataType of an element type, 0 if none.
int64_t onnxDataTypeOf(mlir::Type type);

/// The float8 and float4 element types (stored as their bits, one per byte,
/// once converted to linalg).
bool isMiniFloatType(mlir::Type type);

/// Types the conversion stores one element per byte although they are
/// narrower or not native to LLVM: the float8/float4 types and the 4- and
/// 2-bit integers.
bool isByteStoredType(mlir::Type type);

} // namespace kiln::onnx_ir

#endif // KILN_DIALECTS_ONNX_ONNXDIALECT_H
