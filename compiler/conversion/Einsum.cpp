//===- Einsum.cpp
//------------------------------------------------------------===//
//
// Einsum: Einsum equations become one linalg.generic with the equation's
// indexing maps.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

void kiln::populateEinsumPatterns(TypeConverter &tc,
                                  RewritePatternSet &patterns) {
  (void)tc;
  (void)patterns;
}
