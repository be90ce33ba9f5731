//===- OnnxDialect.cpp - The onnx dialect ---------------------------------===//

#include "dialects/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln::onnx_ir;

#include "dialects/onnx/OnnxDialect.cpp.inc"
#include "dialects/onnx/OnnxInterfaces.cpp.inc"

void OnnxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/onnx/OnnxOps.cpp.inc"
      >();
}
