//===- Sorting.cpp
//-----------------------------------------------------------===//
//
// TopK, Unique and NonMaxSuppression: ops that sort or select by value.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

void kiln::populateSortingPatterns(TypeConverter &tc,
                                   RewritePatternSet &patterns) {
  (void)tc;
  (void)patterns;
}
