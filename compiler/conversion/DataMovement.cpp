//===- DataMovement.cpp - onnx to linalg: DataMovement ops ---------------------------===//
//
// Placeholder: the patterns of this op family are being written.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"

void kiln::populateDataMovementPatterns(mlir::TypeConverter &, mlir::RewritePatternSet &) {}
