//===- FoldExpandIntoEpilogue.cpp - Elementwise ops on a contraction's shape
//===//
//
// A contraction often runs on collapsed operands and its result is expanded
// back: a MatMul of [B, S, K] by [K, N] is a [B * S, K] matmul, a pointwise
// convolution of [N, C, H, W] a GEMM over [N, C, H * W]. The elementwise op
// after it (a bias Add, an activation) then reads the expand_shape, and
// neither kiln-fold-bias-into-init nor the kernels' epilogue matching sees
// it as the contraction's consumer: it ran as a separate pass over the
// output. Collapsing the elementwise op to the contraction's shape (and
// moving the expand after it) makes it read the result directly.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_FOLDEXPANDINTOEPILOGUE
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// tensor.dim of an expand_shape is the size its output_shape names: the
/// expand of a contraction's result that only sized an elementwise op's
/// init then has no use left, and the contraction's result one use.
struct DimOfExpandShape : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::DimOp dim,
                                PatternRewriter &rewriter) const override {
    auto expand = dim.getSource().getDefiningOp<tensor::ExpandShapeOp>();
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!expand || !index)
      return failure();
    OpFoldResult size = expand.getMixedOutputShape()[*index];
    rewriter.replaceOp(
        dim, getValueOrCreateConstantIndexOp(rewriter, dim.getLoc(), size));
    return success();
  }
};

struct FoldExpandIntoEpiloguePass
    : kiln::impl::FoldExpandIntoEpilogueBase<FoldExpandIntoEpiloguePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Only an elementwise op whose operand is an expand_shape of a
    // contraction's (or convolution's) result: kiln-fuse-elementwise moves
    // reshapes the other way everywhere else, and the two would undo each
    // other in one pattern set.
    linalg::ControlFusionFn intoEpilogue = [&](OpOperand *fused) {
      auto expand = fused->get().getDefiningOp<tensor::ExpandShapeOp>();
      return expand &&
             kiln::codegen::hasReductionLoop(expand.getSrc().getDefiningOp()) &&
             isa<linalg::GenericOp>(fused->getOwner()) &&
             !kiln::codegen::hasReductionLoop(fused->getOwner());
    };
    RewritePatternSet collapsing(ctx);
    linalg::populateFoldReshapeOpsByCollapsingPatterns(collapsing,
                                                       intoEpilogue);
    collapsing.add<DimOfExpandShape>(ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(collapsing, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(collapsing, ctx);
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(getOperation(), std::move(collapsing),
                                     config)))
      return signalPassFailure();
  }
};

} // namespace
