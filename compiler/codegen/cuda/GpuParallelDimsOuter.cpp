//===- GpuParallelDimsOuter.cpp - Parallel loops before reductions --------===//
//
// convert-linalg-to-parallel-loops keeps an op's loop order: a reduction
// over a middle axis becomes scf.parallel { scf.for { scf.parallel } }, and
// the inner parallel loop would run serially in a thread, or each step of
// the reduction would become a launch. Interchanged so that every parallel
// loop comes first, an op lowers to one scf.parallel over its output
// elements around scf.for reductions: one kernel, one thread per output
// element, the reduction in the serial order of the CPU loops, right for
// every size.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {
#define GEN_PASS_DEF_GPUPARALLELDIMSOUTER
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The loop order with every parallel loop first, each group in its
/// original order; empty when the op already has it.
SmallVector<unsigned> parallelFirstOrder(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<unsigned> order, reductions;
  for (auto [i, iter] : llvm::enumerate(iters))
    (iter == utils::IteratorType::parallel ? order : reductions).push_back(i);
  if (reductions.empty() || order.empty() || reductions.front() > order.back())
    return {};
  order.append(reductions);
  return order;
}

struct GpuParallelDimsOuterPass
    : kiln::impl::GpuParallelDimsOuterBase<GpuParallelDimsOuterPass> {
  void runOnOperation() override {
    // Copies too: memref.copy would be a memcpy (or a call to memrefCopy)
    // in one thread; as linalg.copy it is a grid like any other op.
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!parallelFirstOrder(op).empty())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      SmallVector<unsigned> order = parallelFirstOrder(op);
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized)) {
          op->emitOpError("cannot be generalized to order its parallel "
                          "loops first for the GPU");
          return signalPassFailure();
        }
        generic = *generalized;
      }
      if (failed(linalg::interchangeGenericOp(rewriter, generic, order))) {
        generic->emitOpError("cannot be interchanged to order its parallel "
                             "loops first for the GPU");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
