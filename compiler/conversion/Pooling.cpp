//===- Pooling.cpp - onnx to linalg: Pooling ops ---------------------------===//
//
// Placeholder: the patterns of this op family are being written.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"

void kiln::populatePoolingPatterns(mlir::TypeConverter &, mlir::RewritePatternSet &) {}
