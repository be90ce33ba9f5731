//===- ImageOps.cpp
//----------------------------------------------------------===//
//
// GridSample, RoiAlign: image sampling ops.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

void kiln::populateImageOpsPatterns(TypeConverter &tc,
                                    RewritePatternSet &patterns) {
  (void)tc;
  (void)patterns;
}
