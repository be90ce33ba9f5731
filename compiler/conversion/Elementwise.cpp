//===- Elementwise.cpp - onnx to linalg: Elementwise ops ---------------------------===//
//
// Placeholder: the patterns of this op family are being written.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"

void kiln::populateElementwisePatterns(mlir::TypeConverter &, mlir::RewritePatternSet &) {}
