//===- FoldScale.cpp - Fold a scalar factor into constant weights ---------===//
//
// BASIC level. Attention divides its scores by sqrt(d) (or multiplies Q and
// K by d^-1/4 each): a whole pass over a [B, H, S, S] tensor, or over the
// projections, after each MatMul. The factor commutes with everything
// linear between it and the weights that produced its operand, through the
// heads' Reshape and Transpose and the scores' MatMul:
//
//   Div(MatMul(Transpose(Reshape(Add(MatMul(x, Wq), bq))), Kt), c)
//     -> MatMul(Transpose(Reshape(Add(MatMul(x, Wq / c), bq / c))), Kt)
//
// so the factor goes into the constants (computed in double, rounded once)
// and the pass over the activations disappears. ONNX Runtime folds the
// same factor into its MatMul (MatMulScaleFusion); results differ from the
// unfolded graph by rounding only.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/GraphUtils.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_ONNXFOLDSCALEPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// A constant weight may be copied (scaled) for one of several users up to
/// this many elements; above it only a constant with no other user is.
constexpr int64_t kSharedConstantLimit = 4096;

/// How many ops the walk from the factor to the constants may cross.
constexpr int kMaxDepth = 12;

/// Where a factor on a value is absorbed: constant operands (with their
/// values, read once) to replace by scaled copies, and Gemms whose alpha
/// and beta take it.
struct ScaleSites {
  SmallVector<std::pair<OpOperand *, FloatConstant>> constants;
  SmallVector<OnnxGemmOp> gemms;

  /// What has been collected so far, to go back to when a branch fails.
  std::pair<size_t, size_t> mark() const {
    return {constants.size(), gemms.size()};
  }
  void rollback(std::pair<size_t, size_t> m) {
    constants.truncate(m.first);
    gemms.truncate(m.second);
  }
};

/// Whether `v` is a float value of the types the factor may be folded into:
/// f32 and f64 (f16 weights would round the product again).
bool isWideFloat(Value v) {
  auto type = dyn_cast<TensorType>(v.getType());
  return type && (type.getElementType().isF32() ||
                  type.getElementType().isF64());
}

/// Collects in `sites` how the value of `use`'s operand times a factor can
/// be computed without a pass over it, or returns false. Every op on the
/// way has a single use, so nothing else sees the scaled values.
bool collectSites(OpOperand &use, ScaleSites &sites, int depth) {
  Value v = use.get();
  if (depth > kMaxDepth || !isWideFloat(v))
    return false;
  if (std::optional<FloatConstant> k = readFloatConstant(v)) {
    if (!v.hasOneUse() && k->type.getNumElements() > kSharedConstantLimit)
      return false;
    sites.constants.push_back({&use, std::move(*k)});
    return true;
  }
  Operation *def = v.getDefiningOp();
  if (!def || !v.hasOneUse())
    return false;
  // Shape-only ops: the factor passes through to their data.
  if (isa<OnnxTransposeOp, OnnxReshapeOp, OnnxSqueezeOp, OnnxUnsqueezeOp,
          OnnxFlattenOp, OnnxIdentityOp>(def))
    return collectSites(def->getOpOperand(0), sites, depth + 1);
  // A product takes the factor on either side; the constant side first
  // (usually the weights).
  auto eitherSide = [&](Operation *op) {
    for (unsigned i : {1u, 0u}) {
      auto m = sites.mark();
      if (collectSites(op->getOpOperand(i), sites, depth + 1))
        return true;
      sites.rollback(m);
    }
    return false;
  };
  // (A scalar factor commutes with any broadcast, old-opset ones too.)
  if (isa<OnnxMatMulOp, OnnxMulOp>(def))
    return eitherSide(def);
  if (isa<OnnxDivOp>(def))
    return collectSites(def->getOpOperand(0), sites, depth + 1);
  // A sum takes it on both sides (a projection's bias).
  if (isa<OnnxAddOp, OnnxSubOp>(def)) {
    auto m = sites.mark();
    if (collectSites(def->getOpOperand(0), sites, depth + 1) &&
        collectSites(def->getOpOperand(1), sites, depth + 1))
      return true;
    sites.rollback(m);
    return false;
  }
  if (auto gemm = dyn_cast<OnnxGemmOp>(def)) {
    sites.gemms.push_back(gemm);
    return true;
  }
  return false;
}

/// Mul(x, c), Mul(c, x) or Div(x, c) with c a scalar float constant:
/// x computed with c folded into its constants instead.
template <typename OpTy, bool isDiv>
struct FoldScalarFactor : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    // A divisor only on the right; a factor on either side.
    for (unsigned i = 0; i < (isDiv ? 1u : 2u); ++i) {
      Value x = op->getOperand(i), c = op->getOperand(1 - i);
      std::optional<double> factor = getSplatFloat(c);
      auto cType = dyn_cast<RankedTensorType>(c.getType());
      if (!factor || !cType || cType.getNumElements() != 1 ||
          x.getType() != op->getResult(0).getType() ||
          x.getDefiningOp<OnnxConstantOp>())
        continue;
      double s = isDiv ? 1.0 / *factor : *factor;
      if (!std::isfinite(s) || s == 0.0)
        continue;
      ScaleSites sites;
      if (!collectSites(op->getOpOperand(i), sites, 0))
        continue;
      for (auto &site : sites.constants) {
        OpOperand *use = site.first;
        FloatConstant &k = site.second;
        for (double &w : k.values)
          w *= s;
        rewriter.setInsertionPoint(use->getOwner());
        Value scaled = createFloatConstant(rewriter, use->get().getLoc(),
                                           k.type, k.values, "scaled_weight");
        rewriter.modifyOpInPlace(use->getOwner(), [&] { use->set(scaled); });
      }
      for (OnnxGemmOp gemm : sites.gemms)
        rewriter.modifyOpInPlace(gemm, [&] {
          gemm.setAlpha(APFloat(static_cast<float>(
              gemm.getAlpha().convertToDouble() * s)));
          gemm.setBeta(APFloat(
              static_cast<float>(gemm.getBeta().convertToDouble() * s)));
        });
      rewriter.replaceOp(op, x);
      return success();
    }
    return rewriter.notifyMatchFailure(
        op, "no scalar factor that reaches constant weights");
  }
};

struct OnnxFoldScalePass
    : kiln::impl::OnnxFoldScalePassBase<OnnxFoldScalePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldScalarFactor<OnnxMulOp, false>,
                 FoldScalarFactor<OnnxDivOp, true>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
