//===- FuseLayerNorm.cpp - Decomposed layer norm into one op --------------===//
//
// EXTENDED level. Exporters before opset 17 (and many after) spell layer
// normalization as nine nodes, each a loop nest over the activation with its
// own intermediate tensor:
//
//   mean = ReduceMean(x, axes)          d   = Sub(x, mean)
//   var  = ReduceMean(Pow(d, 2), axes)  std = Sqrt(Add(var, eps))
//   y    = Add(Mul(Div(d, std), scale), bias)     (Mul and Add optional)
//
// onnx.LayerNormalization lowers to one reduction and one elementwise pass.
// The statistics are computed in f32 like the pattern, so only f32 inputs are
// fused (for f16/f64 the fused op would change the precision).
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/GraphUtils.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXFUSELAYERNORMPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// The first normalized axis if `mean` is a keepdims ReduceMean of `x` (or of
/// any value, when `x` is null) over the trailing axes [k, rank).
std::optional<int64_t> trailingMeanAxis(OnnxReduceMeanOp mean, int64_t rank) {
  if (!mean || mean.getKeepdims() != 1)
    return std::nullopt;
  auto axes = readIntConstant(mean.getAxes());
  if (!axes || axes->empty())
    return std::nullopt;
  SmallVector<int64_t> sorted;
  for (int64_t a : *axes)
    sorted.push_back(a < 0 ? a + rank : a);
  llvm::sort(sorted);
  for (auto [i, a] : llvm::enumerate(sorted))
    if (a != rank - (int64_t)sorted.size() + (int64_t)i)
      return std::nullopt;
  return sorted.front();
}

/// True when `v` (scale or bias) broadcasts like a LayerNormalization
/// parameter: its dims before the normalized axis `axis` are all 1.
bool isNormalizedShape(Value v, int64_t rank, int64_t axis) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || t.getRank() > rank)
    return false;
  for (int64_t j = 0; j < t.getRank(); ++j)
    if (j + rank - t.getRank() < axis && t.getDimSize(j) != 1)
      return false;
  return true;
}

/// Matches `op(value, p)` in either order where p is a normalized-shape
/// parameter and the result keeps value's type; returns p.
template <typename OpTy>
Value matchParameter(Value value, int64_t rank, int64_t axis) {
  if (!value.hasOneUse())
    return {};
  auto op = dyn_cast<OpTy>(*value.getUsers().begin());
  if (!op || op->getResult(0).getType() != value.getType())
    return {};
  Value other = op.getA() == value ? op.getB() : op.getA();
  if (other == value || !isNormalizedShape(other, rank, axis))
    return {};
  return other;
}

struct FuseLayerNorm : OpRewritePattern<OnnxDivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(OnnxDivOp div,
                                PatternRewriter &rewriter) const override {
    auto fail = [&](const char *why) {
      return rewriter.notifyMatchFailure(div, why);
    };
    // d = x - mean(x)
    Value d = div.getA();
    auto sub = d.getDefiningOp<OnnxSubOp>();
    if (!sub)
      return fail("numerator is not a Sub");
    Value x = sub.getA();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!xType || !xType.getElementType().isF32() || d.getType() != xType ||
        div.getC().getType() != xType)
      return fail("not an f32 ranked normalization");
    int64_t rank = xType.getRank();
    auto mean = getSingleUseDef<OnnxReduceMeanOp>(sub.getB());
    std::optional<int64_t> axis = trailingMeanAxis(mean, rank);
    if (!axis || mean.getData() != x)
      return fail("Sub does not subtract a trailing mean of its input");
    // std = sqrt(mean(d^2) + eps)
    auto sqrt = getSingleUseDef<OnnxSqrtOp>(div.getB());
    auto addEps = sqrt ? getSingleUseDef<OnnxAddOp>(sqrt.getX()) : nullptr;
    if (!addEps)
      return fail("denominator is not Sqrt(Add(., eps))");
    Value varValue = addEps.getA();
    std::optional<double> eps = getSplatFloat(addEps.getB());
    if (!eps) {
      varValue = addEps.getB();
      eps = getSplatFloat(addEps.getA());
    }
    auto var = getSingleUseDef<OnnxReduceMeanOp>(varValue);
    if (!eps || trailingMeanAxis(var, rank) != axis)
      return fail("variance is not a trailing mean with a constant epsilon");
    Operation *square =
        var.getData().hasOneUse() ? var.getData().getDefiningOp() : nullptr;
    bool isSquare = false;
    if (auto pow = dyn_cast_or_null<OnnxPowOp>(square))
      isSquare = pow.getX() == d && isSplatFloat(pow.getY(), 2.0);
    else if (auto mul = dyn_cast_or_null<OnnxMulOp>(square))
      isSquare = mul.getA() == d && mul.getB() == d;
    if (!isSquare)
      return fail("variance does not square the centred input");
    // d feeds the square and the Div only.
    for (Operation *user : d.getUsers())
      if (user != square && user != div.getOperation())
        return fail("centred input has other users");

    // Optional scale and bias.
    Value result = div.getC(), scale, bias;
    if ((scale = matchParameter<OnnxMulOp>(result, rank, *axis)))
      result = (*result.getUsers().begin())->getResult(0);
    if ((bias = matchParameter<OnnxAddOp>(result, rank, *axis)))
      result = (*result.getUsers().begin())->getResult(0);
    Operation *last = result.getDefiningOp();

    rewriter.setInsertionPoint(last);
    Location loc = last->getLoc();
    if (!scale) {
      // LayerNormalization requires a scale: ones over the normalized dims.
      auto shape = xType.getShape().drop_front(*axis);
      if (ShapedType::isDynamicShape(shape))
        return fail("no scale and dynamic normalized dims");
      auto type = RankedTensorType::get(shape, xType.getElementType());
      scale = createFloatConstant(
          rewriter, loc, type, SmallVector<double>(type.getNumElements(), 1.0),
          "layer_norm_scale");
    }
    if (!bias)
      bias = OnnxNoValueOp::create(rewriter, loc, rewriter.getNoneType());
    SmallVector<int64_t> statShape(xType.getShape());
    for (int64_t i = *axis; i < rank; ++i)
      statShape[i] = 1;
    auto statType = RankedTensorType::get(statShape, rewriter.getF32Type());
    auto ln = OnnxLayerNormalizationOp::create(
        rewriter, loc, TypeRange{result.getType(), statType, statType},
        ValueRange{x, scale, bias},
        {rewriter.getNamedAttr("axis", rewriter.getI64IntegerAttr(*axis)),
         rewriter.getNamedAttr("epsilon", rewriter.getF32FloatAttr(*eps))});
    rewriter.replaceAllUsesWith(result, ln.getY());
    // The chain from Div to `last` is dead now; the driver erases the rest.
    rewriter.eraseOp(last);
    return success();
  }
};

struct OnnxFuseLayerNormPass
    : kiln::impl::OnnxFuseLayerNormPassBase<OnnxFuseLayerNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseLayerNorm>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
