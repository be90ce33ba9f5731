//===- Quantization.cpp
//------------------------------------------------------===//
//
// QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, ConvInteger:
// quantized tensors and the integer kernels that consume them.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

void kiln::populateQuantizationPatterns(TypeConverter &tc,
                                        RewritePatternSet &patterns) {
  (void)tc;
  (void)patterns;
}
