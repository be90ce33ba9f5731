//===- UntieEmptyTensors.cpp - One tensor.empty per user ------------------===//
//
// See the pass description in Passes.td: CSE-merged tensor.empty ops made
// one-shot bufferization place unrelated results in one buffer.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace kiln {
#define GEN_PASS_DEF_UNTIEEMPTYTENSORS
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Whether `v` is a tensor.empty seen through reshapes.
bool isReshapedEmpty(Value v) {
  while (Operation *op = v.getDefiningOp()) {
    if (isa<tensor::EmptyOp>(op))
      return true;
    if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(op))
      return false;
    v = op->getOperand(0);
  }
  return false;
}

/// Gives each use after the first of `op`'s single result a clone of `op`,
/// placed right after it (its operands dominate it).
void untie(Operation *op) {
  SmallVector<OpOperand *> uses = llvm::map_to_vector(
      op->getResult(0).getUses(), [](OpOperand &use) { return &use; });
  OpBuilder b(op->getContext());
  b.setInsertionPointAfter(op);
  for (OpOperand *use : llvm::drop_begin(uses))
    use->set(b.clone(*op)->getResult(0));
}

struct UntieEmptyTensorsPass
    : kiln::impl::UntieEmptyTensorsBase<UntieEmptyTensorsPass> {
  void runOnOperation() override {
    // CSE shares the reshapes of an empty too (the [1, 192, 1600] view of
    // every 1 x 192 x 40 x 40 pointwise convolution's output): untied
    // users first, so each clone of a reshape then gets its own source.
    SmallVector<Operation *> reshapes;
    getOperation().walk([&](Operation *op) {
      if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(op) &&
          isReshapedEmpty(op->getResult(0)))
        reshapes.push_back(op);
    });
    for (Operation *reshape : llvm::reverse(reshapes))
      untie(reshape);
    // And the zero fills of an empty: two GEMMs accumulating into one
    // shared fill made bufferization copy it for the second (BERT's four
    // attention-score GEMMs each copied 256 KB of zeros once their sizes
    // were known to be equal).
    SmallVector<linalg::FillOp> fills;
    getOperation().walk([&](linalg::FillOp fill) {
      if (fill.getNumResults() == 1 && isReshapedEmpty(fill.getOutputs()[0]))
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills)
      untie(fill);
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](tensor::EmptyOp op) { empties.push_back(op); });
    for (tensor::EmptyOp empty : empties)
      untie(empty);
  }
};
} // namespace
