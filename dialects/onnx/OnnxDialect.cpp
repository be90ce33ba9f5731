//===- OnnxDialect.cpp - The onnx dialect ---------------------------------===//

#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::onnx_ir;

#include "dialects/onnx/OnnxDialect.cpp.inc"
#include "dialects/onnx/OnnxInterfaces.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/onnx/OnnxTypes.cpp.inc"

// ONNX sequences hold tensors only (Kiln has no maps, and sequences of
// sequences have no operator that could resolve them).
LogicalResult SeqType::verify(function_ref<InFlightDiagnostic()> emitError,
                              TensorType elementType) {
  if (!elementType)
    return emitError() << "sequence element type must be a tensor";
  return success();
}

// ONNX optionals wrap a tensor or a sequence of tensors, never another
// optional.
LogicalResult OptType::verify(function_ref<InFlightDiagnostic()> emitError,
                              Type elementType) {
  if (!isa_and_nonnull<TensorType, SeqType>(elementType))
    return emitError() << "optional element type must be a tensor or a "
                          "sequence, got "
                       << elementType;
  return success();
}

void OnnxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/onnx/OnnxOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/onnx/OnnxTypes.cpp.inc"
      >();
}
