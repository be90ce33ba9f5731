//===- LinearAlgebra.cpp - onnx to linalg: LinearAlgebra ops ---------------------------===//
//
// Placeholder: the patterns of this op family are being written.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"

void kiln::populateLinearAlgebraPatterns(mlir::TypeConverter &, mlir::RewritePatternSet &) {}
