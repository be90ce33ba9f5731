//===- CollapseContiguousDims.cpp - One loop over contiguous buffers ------===//
//
// Elementwise ops and reductions on buffers lower to one loop per dim. LLVM
// vectorizes the innermost, and on an activation [1, C, H, W] that is W
// floats long: the vector width is chosen to leave no remainder (8 floats
// for W = 40), and the loop exit comes every few vectors. Merging the dims
// the op walks contiguously (loops of one kind) gives one long loop, which
// the vectorizer fills with whole registers.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {
#define GEN_PASS_DEF_COLLAPSECONTIGUOUSDIMS
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Whether dims `d` and `d + 1` of buffer type `t` are laid out as one: an
/// identity layout, or static strides with stride[d] = stride[d + 1] *
/// size[d + 1].
bool contiguousPair(MemRefType t, unsigned d) {
  if (t.getLayout().isIdentity())
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(t.getStridesAndOffset(strides, offset)))
    return false;
  int64_t outer = strides[d], inner = strides[d + 1],
          size = t.getDimSize(d + 1);
  return !ShapedType::isDynamic(outer) && !ShapedType::isDynamic(inner) &&
         !ShapedType::isDynamic(size) && outer == inner * size;
}

/// Whether loops `l` and `l + 1` of `op` (whose maps are projected
/// permutations) can be one loop: in every operand they index either
/// neither dim or two adjacent dims of the buffer (loop l first), and those
/// dims are contiguous.
bool mergeable(linalg::LinalgOp op, unsigned l) {
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    std::optional<unsigned> first = map.getResultPosition(
                                getAffineDimExpr(l, op.getContext())),
                            second = map.getResultPosition(
                                getAffineDimExpr(l + 1, op.getContext()));
    if (!first && !second)
      continue;
    if (!first || !second || *second != *first + 1)
      return false;
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !contiguousPair(type, *first))
      return false;
  }
  return true;
}

/// The runs of loops of `op` to merge (only runs of two or more).
SmallVector<ReassociationIndices> collapsibleRuns(linalg::LinalgOp op) {
  SmallVector<ReassociationIndices> runs;
  if (!op.hasPureBufferSemantics() || op.getNumLoops() < 2 ||
      !isa<linalg::GenericOp, linalg::CopyOp>(op) ||
      // Its linalg.index values would be divisions of the merged index.
      op.hasIndexSemantics() ||
      // Broadcast constants (d0, 0) and diagonals (d0, d0) are not runs
      // collapseOpIterationDims can rewrite.
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isProjectedPermutation(); }))
    return runs;
  // Loops of one kind only: a run of reductions (a global average pool's
  // H and W) becomes one reduction, the innermost, which
  // kiln-reduction-accumulators then keeps in a register. Over two loops
  // it had stayed scalar: MobileNetV2's bias, ReLU6 and pool over
  // 1280 x 7 x 7 took 46 us.
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  ReassociationIndices run = {0};
  for (unsigned l = 0; l + 1 < op.getNumLoops(); ++l) {
    if (kinds[l] == kinds[l + 1] && mergeable(op, l)) {
      run.push_back(l + 1);
      continue;
    }
    if (run.size() > 1)
      runs.push_back(run);
    run = {l + 1};
  }
  if (run.size() > 1)
    runs.push_back(run);
  return runs;
}

struct CollapseContiguousDimsPass
    : kiln::impl::CollapseContiguousDimsBase<CollapseContiguousDimsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      SmallVector<ReassociationIndices> runs = collapsibleRuns(op);
      if (runs.empty())
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::CollapseResult> collapsed =
          linalg::collapseOpIterationDims(op, runs, rewriter);
      if (failed(collapsed))
        continue;
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
