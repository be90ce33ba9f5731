//===- ShapeOps.cpp - onnx to linalg: ShapeOps ops ---------------------------===//
//
// Placeholder: the patterns of this op family are being written.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"

void kiln::populateShapeOpPatterns(mlir::TypeConverter &, mlir::RewritePatternSet &) {}
