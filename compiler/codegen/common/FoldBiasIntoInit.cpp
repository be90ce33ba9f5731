//===- FoldBiasIntoInit.cpp - Start a contraction's accumulator at the bias ===//
//
// A matmul or convolution lowered from ONNX starts its accumulator at zero
// (linalg.fill) and a consumer adds the bias afterwards:
//
//   %acc = linalg.fill 0 -> %e
//   %r   = <heavy op> ins(...) outs(%acc)
//   %y   = linalg.generic ins(%r, %bias) { yield f(addf(%r_elem, %bias_elem)) }
//
// The heavy ops accumulate into their init, so the accumulator can start at
// the broadcast bias instead: the fill becomes a broadcast of %bias (the
// same number of stores), and the consumer loses the addition. When the
// consumer computed nothing else it disappears; otherwise (a fused
// activation) it keeps the rest of its body. Saves one read of the bias and
// one add per output element, and for a plain bias the whole pass over the
// output.
//
// A grouped convolution's result is (n, g, f, ...) and reaches the consumer
// through a collapse_shape to (n, g * f, ...): the bias is then expanded to
// (g, f) and broadcast along both dims.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_FOLDBIASINTOINIT
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Ops that compute init + sum(products) into their single init.
bool accumulatesIntoInit(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || linalgOp.getNumDpsInits() != 1 ||
      !linalgOp.hasPureTensorSemantics())
    return false;
  return linalg::isaContractionOpInterface(linalgOp) ||
         linalg::isaConvolutionOpInterface(linalgOp);
}

/// The bias as the heavy op's init reads it when the consumer reads the
/// heavy result through `collapse`: each of the consumer's dims the bias map
/// names becomes that dim's group of the heavy result's dims, and the bias
/// is expanded to match (static groups only).
struct ExpandedBias {
  AffineMap map;
  SmallVector<ReassociationIndices> groups;
  SmallVector<int64_t> shape;
};

std::optional<ExpandedBias> expandBias(tensor::CollapseShapeOp collapse,
                                       AffineMap biasMap,
                                       RankedTensorType biasType) {
  auto expandedType = collapse.getSrcType();
  SmallVector<ReassociationIndices> reassociation =
      collapse.getReassociationIndices();
  ExpandedBias out;
  SmallVector<AffineExpr> exprs;
  for (auto [k, e] : llvm::enumerate(biasMap.getResults())) {
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d)
      return std::nullopt;
    const ReassociationIndices &group = reassociation[d.getPosition()];
    if (group.size() > 1 && biasType.isDynamicDim(k))
      return std::nullopt;
    ReassociationIndices biasGroup;
    for (int64_t x : group) {
      if (group.size() > 1 && expandedType.isDynamicDim(x))
        return std::nullopt;
      biasGroup.push_back(exprs.size());
      exprs.push_back(getAffineDimExpr(x, collapse.getContext()));
      out.shape.push_back(expandedType.getDimSize(x));
    }
    out.groups.push_back(biasGroup);
  }
  out.map = AffineMap::get(expandedType.getRank(), 0, exprs,
                           collapse.getContext());
  return out;
}

bool isZero(Value v) {
  FloatAttr f;
  return matchPattern(v, m_Constant(&f)) && f.getValue().isZero();
}

struct FoldBias : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    if (consumer.getNumDpsInits() != 1 ||
        consumer.getNumParallelLoops() != consumer.getNumLoops() ||
        !consumer.hasPureTensorSemantics() ||
        !consumer.getIndexingMapMatchingResult(consumer->getResult(0))
             .isIdentity())
      return failure();
    Block &body = consumer.getRegion().front();
    for (OpOperand *input : consumer.getDpsInputOperands()) {
      Value r = input->get();
      auto collapse = r.getDefiningOp<tensor::CollapseShapeOp>();
      Value heavyResult = collapse ? collapse.getSrc() : r;
      auto heavy = heavyResult.getDefiningOp<linalg::LinalgOp>();
      if (!heavy || !accumulatesIntoInit(heavy) || !r.hasOneUse() ||
          !heavyResult.hasOneUse() ||
          !consumer.getMatchingIndexingMap(input).isIdentity() ||
          r.getType() != consumer->getResult(0).getType())
        continue;
      auto fill =
          heavy.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
      // A fill CSE merged with other ops' (every convolution of one output
      // shape starts from the same zeros) stays theirs: this op gets its
      // own start.
      if (!fill || !isZero(fill.getInputs()[0]))
        continue;
      // The heavy op's element is used once, by an addf with another
      // input's element that nothing else uses.
      BlockArgument rArg = consumer.getMatchingBlockArgument(input);
      if (!rArg.hasOneUse())
        continue;
      auto add = dyn_cast<arith::AddFOp>(*rArg.getUsers().begin());
      if (!add)
        continue;
      Value other = add.getLhs() == rArg ? add.getRhs() : add.getLhs();
      auto biasArg = dyn_cast<BlockArgument>(other);
      if (!biasArg || biasArg.getOwner() != &body || !biasArg.hasOneUse() ||
          biasArg.getArgNumber() >= consumer.getNumDpsInputs() ||
          biasArg == rArg)
        continue;
      OpOperand *biasOperand = consumer.getDpsInputOperand(
          biasArg.getArgNumber());
      if (getElementTypeOrSelf(biasOperand->get().getType()) !=
          getElementTypeOrSelf(r.getType()))
        continue;
      // The accumulator's start is built before the heavy op: the bias
      // must already exist there (it may be computed after it).
      Value bias = biasOperand->get();
      if (Operation *def = bias.getDefiningOp()) {
        if (def->getBlock() != heavy->getBlock() ||
            !def->isBeforeInBlock(heavy))
          continue;
      } else if (!cast<BlockArgument>(bias).getOwner()->findAncestorOpInBlock(
                     *heavy.getOperation())) {
        continue;
      }
      std::optional<ExpandedBias> expanded;
      if (collapse) {
        auto biasType =
            dyn_cast<RankedTensorType>(biasOperand->get().getType());
        if (biasType)
          expanded = expandBias(
              collapse, consumer.getMatchingIndexingMap(biasOperand),
              biasType);
        if (!expanded)
          continue;
      }
      return fold(rewriter, consumer, heavy, fill, biasOperand, expanded, add,
                  rArg, r);
    }
    return failure();
  }

  LogicalResult fold(PatternRewriter &rewriter, linalg::GenericOp consumer,
                     linalg::LinalgOp heavy, linalg::FillOp fill,
                     OpOperand *biasOperand,
                     const std::optional<ExpandedBias> &expanded,
                     arith::AddFOp add, BlockArgument rArg,
                     Value result) const {
    Location loc = fill.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    // The accumulator's start: the bias broadcast as the consumer read it
    // (expanded for a collapsed result), right before the heavy op (after
    // both the fill's init and the bias).
    rewriter.setInsertionPoint(heavy);
    auto fillType = cast<RankedTensorType>(fill->getResult(0).getType());
    unsigned rank = fillType.getRank();
    Value bias = biasOperand->get();
    AffineMap biasMap = consumer.getMatchingIndexingMap(biasOperand);
    if (expanded) {
      auto biasType = cast<RankedTensorType>(bias.getType());
      bias = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get(expanded->shape, biasType.getElementType()),
          bias, expanded->groups);
      biasMap = expanded->map;
    }
    SmallVector<AffineMap> maps = {
        biasMap, AffineMap::getMultiDimIdentityMap(rank, ctx)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    Value start =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{fillType}, ValueRange{bias},
            ValueRange{fill.getOutputs()[0]}, maps, iterators,
            [](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l, args[0]);
            })
            .getResult(0);
    if (fill->getResult(0).hasOneUse())
      rewriter.replaceOp(fill, start);
    else
      rewriter.modifyOpInPlace(
          heavy, [&] { heavy.getDpsInitsMutable()[0].set(start); });
    // The consumer reads the heavy result where it read the sum.
    rewriter.replaceAllUsesWith(add.getResult(), rArg);
    rewriter.eraseOp(add);
    // Drop the bias input when nothing else reads it; a consumer that only
    // forwards the heavy result is the heavy result.
    Block &body = consumer.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    if (yield.getValues()[0] == rArg && &body.front() == yield) {
      rewriter.replaceOp(consumer, result);
      return success();
    }
    SmallVector<Value> inputs;
    SmallVector<AffineMap> consumerMaps;
    SmallVector<unsigned> dropped;
    for (OpOperand *in : consumer.getDpsInputOperands()) {
      if (in == biasOperand) {
        dropped.push_back(consumer.getMatchingBlockArgument(in).getArgNumber());
        continue;
      }
      inputs.push_back(in->get());
      consumerMaps.push_back(consumer.getMatchingIndexingMap(in));
    }
    consumerMaps.push_back(
        consumer.getMatchingIndexingMap(consumer.getDpsInitOperand(0)));
    rewriter.setInsertionPoint(consumer);
    auto replacement = linalg::GenericOp::create(
        rewriter, consumer.getLoc(), consumer->getResultTypes(), inputs,
        consumer.getDpsInits(), consumerMaps, consumer.getIteratorTypesArray());
    rewriter.inlineRegionBefore(consumer.getRegion(), replacement.getRegion(),
                                replacement.getRegion().begin());
    Block &newBody = replacement.getRegion().front();
    for (unsigned arg : llvm::reverse(dropped))
      newBody.eraseArgument(arg);
    rewriter.replaceOp(consumer, replacement->getResults());
    return success();
  }
};

struct FoldBiasIntoInitPass
    : kiln::impl::FoldBiasIntoInitBase<FoldBiasIntoInitPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBias>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
