//===- FoldIntoConv.cpp - Fold affine per-channel ops into Conv -----------===//
//
// BASIC level, as in ONNX Runtime (ConvBNFusion, ConvAddFusion,
// ConvMulFusion). A BatchNormalization in inference, or an Add/Mul of a
// per-channel constant, after a Conv is an affine map per output channel;
// folding it into the Conv's constant weights and bias removes a whole pass
// over the activation. The new weights are computed in double and rounded
// once, so results differ from the unfolded graph by rounding only.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/GraphUtils.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_ONNXFOLDINTOCONVPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// A Conv whose weights (and bias, if any) are float constants.
struct ConstantConv {
  OnnxConvOp op;
  FloatConstant weights;
  SmallVector<double> bias; // Zeros when the Conv has none.
  int64_t outChannels() const { return weights.type.getDimSize(0); }
};

/// Matches `v` as the only result use of a Conv with constant parameters.
std::optional<ConstantConv> matchConstantConv(Value v) {
  auto conv = getSingleUseDef<OnnxConvOp>(v);
  if (!conv)
    return std::nullopt;
  std::optional<FloatConstant> w = readFloatConstant(conv.getW());
  if (!w || w->type.getRank() < 3)
    return std::nullopt;
  ConstantConv out{conv, *w, SmallVector<double>(w->type.getDimSize(0), 0.0)};
  if (!isNoValue(conv.getB())) {
    std::optional<FloatConstant> b = readFloatConstant(conv.getB());
    if (!b || b->values.size() != out.bias.size())
      return std::nullopt;
    out.bias = b->values;
  }
  return out;
}

/// The per-output-channel values of constant `c` combined elementwise with a
/// Conv result of rank `rank` and `channels` channels (dim 1), if c varies
/// along that dim only.
std::optional<SmallVector<double>> perChannel(Value c, int64_t rank,
                                              int64_t channels) {
  std::optional<FloatConstant> k = readFloatConstant(c);
  if (!k || k->type.getRank() > rank)
    return std::nullopt;
  int64_t offset = rank - k->type.getRank();
  for (int64_t j = 0; j < k->type.getRank(); ++j) {
    int64_t d = k->type.getDimSize(j);
    if (d != 1 && !(j + offset == 1 && d == channels))
      return std::nullopt;
  }
  // All other dims are 1, so the flat index is the channel.
  SmallVector<double> out;
  for (int64_t m = 0; m < channels; ++m)
    out.push_back(k->values.size() == 1 ? k->values[0] : k->values[m]);
  return out;
}

/// Replaces `result` (computed from `conv`) with a clone of the Conv that
/// uses the given weights and bias.
void replaceWithConv(PatternRewriter &rewriter, Operation *user, Value result,
                     const ConstantConv &conv, ArrayRef<double> weights,
                     ArrayRef<double> bias) {
  Operation *convOp = conv.op;
  Location loc = convOp->getLoc();
  rewriter.setInsertionPoint(convOp);
  Value w = createFloatConstant(rewriter, loc, conv.weights.type, weights,
                                "folded_conv_weight");
  auto biasType = RankedTensorType::get({conv.outChannels()},
                                        conv.weights.type.getElementType());
  Value b =
      createFloatConstant(rewriter, loc, biasType, bias, "folded_conv_bias");
  Operation *clone = rewriter.clone(*convOp);
  clone->setOperand(1, w);
  clone->setOperand(2, b);
  rewriter.replaceAllUsesWith(result, clone->getResult(0));
  rewriter.eraseOp(user);
}

/// BatchNormalization(Conv(x, W, B)) -> Conv(x, W * s, (B - mean) * s + beta).
struct FoldBatchNorm : OpRewritePattern<OnnxBatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxBatchNormalizationOp bn,
                                PatternRewriter &rewriter) const override {
    if (bn.getTrainingMode() != 0 || !bn.getRunningMean().use_empty() ||
        !bn.getRunningVar().use_empty())
      return rewriter.notifyMatchFailure(bn, "training BatchNormalization");
    std::optional<ConstantConv> conv = matchConstantConv(bn.getX());
    if (!conv || conv->op.getY().getType() != bn.getY().getType())
      return rewriter.notifyMatchFailure(bn, "input is not a constant Conv");
    int64_t m = conv->outChannels();
    SmallVector<std::optional<FloatConstant>> params = {
        readFloatConstant(bn.getScale()), readFloatConstant(bn.getB()),
        readFloatConstant(bn.getInputMean()),
        readFloatConstant(bn.getInputVar())};
    for (const auto &p : params)
      if (!p || (int64_t)p->values.size() != m)
        return rewriter.notifyMatchFailure(bn, "parameters are not constant");
    double eps = bn.getEpsilon().convertToDouble();
    SmallVector<double> scale(m), bias(m);
    for (int64_t c = 0; c < m; ++c) {
      scale[c] = params[0]->values[c] / std::sqrt(params[3]->values[c] + eps);
      bias[c] = (conv->bias[c] - params[2]->values[c]) * scale[c] +
                params[1]->values[c];
    }
    SmallVector<double> weights = conv->weights.values;
    int64_t perChannelSize = weights.size() / m;
    for (auto [i, w] : llvm::enumerate(weights))
      w *= scale[i / perChannelSize];
    replaceWithConv(rewriter, bn, bn.getY(), *conv, weights, bias);
    return success();
  }
};

/// Add(Conv, c) -> Conv with bias + c; Mul(Conv, c) -> Conv with weights and
/// bias times c; c a per-channel constant on either side.
template <typename OpTy, bool isMul>
struct FoldElementwise : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    for (unsigned i = 0; i < 2; ++i) {
      Value convOut = op->getOperand(i), other = op->getOperand(1 - i);
      std::optional<ConstantConv> conv = matchConstantConv(convOut);
      auto outType = dyn_cast<RankedTensorType>(convOut.getType());
      if (!conv || !outType || outType != op->getResult(0).getType())
        continue;
      int64_t m = conv->outChannels();
      std::optional<SmallVector<double>> k =
          perChannel(other, outType.getRank(), m);
      if (!k)
        continue;
      SmallVector<double> weights = conv->weights.values, bias = conv->bias;
      if (isMul) {
        int64_t perChannelSize = weights.size() / m;
        for (auto [j, w] : llvm::enumerate(weights))
          w *= (*k)[j / perChannelSize];
      }
      for (int64_t c = 0; c < m; ++c)
        bias[c] = isMul ? bias[c] * (*k)[c] : bias[c] + (*k)[c];
      replaceWithConv(rewriter, op, op->getResult(0), *conv, weights, bias);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not a Conv and a per-channel "
                                           "constant");
  }
};

struct OnnxFoldIntoConvPass
    : kiln::impl::OnnxFoldIntoConvPassBase<OnnxFoldIntoConvPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNorm>(&getContext());
    if (foldElementwise)
      patterns.add<FoldElementwise<OnnxAddOp, false>,
                   FoldElementwise<OnnxMulOp, true>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
