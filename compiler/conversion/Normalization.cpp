//===- Normalization.cpp - onnx to linalg: Normalization ops ---------------------------===//
//
// Placeholder: the patterns of this op family are being written.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"

void kiln::populateNormalizationPatterns(mlir::TypeConverter &, mlir::RewritePatternSet &) {}
