//===- FuseElementwise.cpp - Elementwise fusion around named heavy ops ----===//
//
// The patterns of MLIR's linalg-fuse-elementwise-ops (elementwise producer
// into consumer, reshapes folded by expansion, constant folding), with
// control functions that keep every op with a reduction loop out of
// reshape propagation: such an op would be rewritten into a higher-rank
// linalg.generic, and a matmul the strategy layer no longer recognizes
// runs as scalar loops. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The ops of a producer's body above which it is not fused into a
/// consumer that reads it broadcast (a bias add or a cast fuses; an index
/// table computed with divisions and roundings does not).
constexpr int64_t kMaxRecomputedOps = 4;

/// Whether fusing `fused`'s producer would recompute it for every element
/// of dims it does not have: the consumer reads it through a map that is
/// not a permutation (a broadcast), and its body is more than a few ops.
/// A nearest Resize's source-index tables [OW] and [OH], fused into the
/// [N, C, OH, OW] gather, computed two divisions and two ceils per output
/// element: six times the static version's time, whose tables fold.
bool recomputesBroadcast(OpOperand *fused) {
  auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
  auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
  if (!producer || !consumer ||
      consumer.getMatchingIndexingMap(fused).isPermutation())
    return false;
  int64_t ops = 0;
  for (Operation &op : producer.getBody()->without_terminator())
    if (!isa<linalg::IndexOp>(op) && !op.hasTrait<OpTrait::ConstantLike>())
      ++ops;
  return ops > kMaxRecomputedOps;
}

struct FuseElementwisePass
    : kiln::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // As upstream: fuse a producer only into its single user, so no work
    // is duplicated; nor one that a broadcast would recompute per element.
    linalg::ControlFusionFn singleUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() && !recomputesBroadcast(fused);
    };
    // A reshape moves through a linalg op by expanding it: the op is the
    // operand's owner (a collapse feeding it) or its producer (its result
    // feeding an expand). Never one with reduction loops.
    linalg::ControlFusionFn reshape = [&](OpOperand *fused) {
      if (kiln::codegen::hasReductionLoop(fused->getOwner()) ||
          kiln::codegen::hasReductionLoop(fused->get().getDefiningOp()))
        return false;
      return singleUse(fused);
    };
    RewritePatternSet patterns(ctx);
    linalg::populateElementwiseOpsFusionPatterns(patterns, singleUse);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, reshape);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
        patterns);
    // Upstream's constant folding of linalg ops crashes on ops without
    // loops (a rank-0 linalg.copy of a constant, as a Loop's counter
    // starts): those are left to canonicalization.
    linalg::ControlFusionFn foldConstant = [&](OpOperand *fused) {
      auto op = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      return op && op.getNumLoops() > 0 && singleUse(fused);
    };
    linalg::populateConstantFoldLinalgOperations(patterns, foldConstant);
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      return signalPassFailure();
  }
};

} // namespace
