//===- UntieEmptyTensors.cpp - One tensor.empty per user ------------------===//
//
// See the pass description in Passes.td: CSE-merged tensor.empty ops made
// one-shot bufferization place unrelated results in one buffer.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace kiln {
#define GEN_PASS_DEF_UNTIEEMPTYTENSORS
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct UntieEmptyTensorsPass
    : kiln::impl::UntieEmptyTensorsBase<UntieEmptyTensorsPass> {
  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](tensor::EmptyOp op) { empties.push_back(op); });
    for (tensor::EmptyOp empty : empties) {
      SmallVector<OpOperand *> uses = llvm::map_to_vector(
          empty->getUses(), [](OpOperand &use) { return &use; });
      // The clones go right after the original, whose sizes dominate it.
      OpBuilder b(empty->getContext());
      b.setInsertionPointAfter(empty);
      for (OpOperand *use : llvm::drop_begin(uses))
        use->set(b.clone(*empty)->getResult(0));
    }
  }
};
} // namespace
