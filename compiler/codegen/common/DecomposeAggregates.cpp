//===- DecomposeAggregates.cpp - linalg.softmax to generics ---------------===//
//
// linalg.softmax stays one op through the strategy layer so that a target
// can give it a kernel; what no strategy took becomes the generics of its
// AggregatedOpInterface here, before bufferization.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {
#define GEN_PASS_DEF_DECOMPOSEAGGREGATES
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct DecomposeAggregatesPass
    : kiln::impl::DecomposeAggregatesBase<DecomposeAggregatesPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::SoftmaxOp> softmaxes;
    getOperation().walk([&](linalg::SoftmaxOp op) {
      if (!kiln::codegen::getLoweringConfig(op) &&
          op.hasPureTensorSemantics())
        softmaxes.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::SoftmaxOp op : softmaxes) {
      rewriter.setInsertionPoint(op);
      FailureOr<SmallVector<Value>> results =
          op.decomposeOperation(rewriter);
      if (failed(results)) {
        op.emitOpError("could not be decomposed into linalg generics");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, *results);
    }
  }
};

} // namespace
