//===- Convolution.cpp - onnx to linalg: Convolution ops ---------------------------===//
//
// Placeholder: the patterns of this op family are being written.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"

void kiln::populateConvolutionPatterns(mlir::TypeConverter &, mlir::RewritePatternSet &) {}
