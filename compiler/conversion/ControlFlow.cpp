//===- ControlFlow.cpp - onnx to linalg: ControlFlow ops ---------------------------===//
//
// Placeholder: the patterns of this op family are being written.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"

void kiln::populateControlFlowPatterns(mlir::TypeConverter &, mlir::RewritePatternSet &) {}
