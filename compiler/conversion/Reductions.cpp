//===- Reductions.cpp - onnx to linalg: Reductions ops ---------------------------===//
//
// Placeholder: the patterns of this op family are being written.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"

void kiln::populateReductionPatterns(mlir::TypeConverter &, mlir::RewritePatternSet &) {}
