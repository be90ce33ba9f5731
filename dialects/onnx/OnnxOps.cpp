//===- OnnxOps.cpp - Generated op definitions -----------------------------===//
//
// Only the generated code lives here (it is large and rarely changes, so it
// gets its own translation unit); verifiers and shape functions are in
// OnnxVerifiers.cpp and ShapeInference.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialects/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln::onnx_ir;

#define GET_OP_CLASSES
#include "dialects/onnx/OnnxOps.cpp.inc"
