//===- Loops.cpp
//-------------------------------------------------------------===//
//
// Loop and Scan: loops with nested graphs as scf.while / scf.for.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

void kiln::populateLoopsPatterns(TypeConverter &tc,
                                 RewritePatternSet &patterns) {
  (void)tc;
  (void)patterns;
}
