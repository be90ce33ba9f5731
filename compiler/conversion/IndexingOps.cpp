//===- IndexingOps.cpp
//-------------------------------------------------------===//
//
// Trilu, CumSum, OneHot, GatherND, ReverseSequence, Compress, NonZero,
// DepthToSpace, SpaceToDepth, MaxUnpool: index-computed reads and writes.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

void kiln::populateIndexingOpsPatterns(TypeConverter &tc,
                                       RewritePatternSet &patterns) {
  (void)tc;
  (void)patterns;
}
