//===- MlLinear.cpp - onnx to linalg: ai.onnx.ml linear models ------------===//
//
// LinearRegressor and LinearClassifier: the scores X * coefficients^T +
// intercepts are one contraction (a linalg.generic whose init holds the
// intercepts); a classifier then picks labels and post-transforms the
// scores row by row, the way ONNX Runtime's kernels do (its binary case
// with one score row especially, see MlCommon.h).
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/MlCommon.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::ml;
using namespace kiln::onnx_ir;

namespace {

/// The [N, T] scores of the rows of `x` (ONNX element type `from`): x (as
/// f32) times the [T, F] coefficients transposed, plus the intercepts.
FailureOr<Value> linearScores(ConversionPatternRewriter &rewriter,
                              Operation *op, Value x, Type from,
                              ArrayRef<double> coef,
                              ArrayRef<double> intercepts, int64_t targets) {
  Location loc = op->getLoc();
  Value rows = asRows(rewriter, loc, x);
  if (!rows)
    return rewriter.notifyMatchFailure(op, "expected a 1-D or 2-D input");
  if (targets <= 0 || coef.size() % targets != 0)
    return rewriter.notifyMatchFailure(
        op, "coefficients must hold one row of features per target");
  int64_t features = coef.size() / targets;
  auto rowsTy = cast<RankedTensorType>(rows.getType());
  if (!rowsTy.isDynamicDim(1) && rowsTy.getDimSize(1) != features)
    return rewriter.notifyMatchFailure(op, "the input has " +
                                               std::to_string(rowsTy.getDimSize(1)) +
                                               " features, the coefficients " +
                                               std::to_string(features));
  if (!intercepts.empty() && (int64_t)intercepts.size() != targets)
    return rewriter.notifyMatchFailure(op, "expected one intercept per target");
  if (!isa<FloatType, IntegerType>(from))
    return rewriter.notifyMatchFailure(op, "expected numbers");
  Type f32 = rewriter.getF32Type();
  MLIRContext *ctx = rewriter.getContext();
  auto scoresTy = RankedTensorType::get({rowsTy.getDimSize(0), targets}, f32);
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(rewriter, loc, rows, 0),
                                  rewriter.getIndexAttr(targets)};
  Value bias = constantVector(
      rewriter, loc, f32,
      intercepts.empty() ? SmallVector<double>(targets, 0.0)
                         : SmallVector<double>(intercepts),
      "intercepts");
  Value init = generateTensor(
      rewriter, loc, scoresTy, sizes, {}, {},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
        return tensor::ExtractOp::create(b, l, bias, ivs[1]).getResult();
      });
  Value w = constantVector(rewriter, loc, f32, coef, "coefficients",
                           {targets, features});
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(1), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(0), d(1)}, ctx)};
  return linalg::GenericOp::create(
             rewriter, loc, TypeRange{scoresTy}, ValueRange{rows, w}, init,
             maps,
             {utils::IteratorType::parallel, utils::IteratorType::parallel,
              utils::IteratorType::reduction},
             [&](OpBuilder &b, Location l, ValueRange args) {
               Value xv = castScalar(b, l, args[0], from, f32);
               Value r = arith::AddFOp::create(
                   b, l, args[2], arith::MulFOp::create(b, l, xv, args[1]));
               linalg::YieldOp::create(b, l, r);
             })
      .getResult(0);
}

/// Row `row` of an [N, T] scores tensor as T scalars.
SmallVector<Value> rowOf(OpBuilder &b, Location loc, Value scores, Value row,
                         int64_t t) {
  SmallVector<Value> out;
  for (int64_t j = 0; j < t; ++j)
    out.push_back(tensor::ExtractOp::create(b, loc, scores,
                                            ValueRange{row, cIdx(b, loc, j)}));
  return out;
}

struct LinearRegressorLowering : OpConversionPattern<OnnxMlLinearRegressorOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlLinearRegressorOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resTy = resultTypeOf(*this, op);
    if (!resTy || resTy.getRank() != 2 ||
        !isa<RankedTensorType>(adaptor.getX().getType()))
      return rewriter.notifyMatchFailure(op, "expected ranked tensors");
    std::optional<PostTransform> transform =
        parsePostTransform(op.getPostTransform());
    if (!transform)
      return rewriter.notifyMatchFailure(op, "unknown post_transform");
    int64_t targets = op.getTargets();
    FailureOr<Value> scores = linearScores(
        rewriter, op, adaptor.getX(),
        cast<ShapedType>(op.getX().getType()).getElementType(),
        floatsOf(op.getCoefficientsAttr()), floatsOf(op.getInterceptsAttr()),
        targets);
    if (failed(scores))
      return failure();
    Value y = *scores;
    if (*transform != PostTransform::None) {
      Value s = y;
      y = buildRows(rewriter, loc, cast<RankedTensorType>(s.getType()),
                    tensor::getMixedSize(rewriter, loc, s, 0),
                    [&](OpBuilder &b, Location l, Value row) {
                      return transformScores(b, l, rowOf(b, l, s, row, targets),
                                             *transform, -1);
                    });
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resTy));
    return success();
  }
};

struct LinearClassifierLowering
    : OpConversionPattern<OnnxMlLinearClassifierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlLinearClassifierOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto labelTy = resultTypeOf(*this, op, 0);
    auto scoreTy = resultTypeOf(*this, op, 1);
    if (!labelTy || !scoreTy || labelTy.getRank() != 1 ||
        scoreTy.getRank() != 2 || scoreTy.isDynamicDim(1))
      return rewriter.notifyMatchFailure(
          op, "expected [N] labels and [N, C] scores of known C");
    if (op.getClasslabelsStrings())
      return rewriter.notifyMatchFailure(
          op, "string class labels are not supported yet");
    std::optional<PostTransform> transform =
        parsePostTransform(op.getPostTransform());
    if (!transform)
      return rewriter.notifyMatchFailure(op, "unknown post_transform");
    SmallVector<double> intercepts = floatsOf(op.getInterceptsAttr());
    SmallVector<int64_t> labels = intsOf(op.getClasslabelsIntsAttr());
    int64_t t = intercepts.size();
    FailureOr<Value> scores = linearScores(
        rewriter, op, adaptor.getX(),
        cast<ShapedType>(op.getX().getType()).getElementType(),
        floatsOf(op.getCoefficientsAttr()), intercepts, t);
    if (failed(scores))
      return failure();
    Value s = *scores;
    // One score row with two labels: the second class's score is derived.
    bool addSecondClass = t == 1 && labels.size() == 2;
    int64_t outputs = addSecondClass ? 2 : t;
    if (scoreTy.getDimSize(1) != outputs)
      return rewriter.notifyMatchFailure(op, "unexpected score columns");
    if (t > 1 && (int64_t)labels.size() != t)
      return rewriter.notifyMatchFailure(op,
                                         "expected one class label per score");
    OpFoldResult n = tensor::getMixedSize(rewriter, loc, s, 0);
    Type i64 = rewriter.getI64Type();
    Value y = buildRows(
        rewriter, loc, labelTy, n, [&](OpBuilder &b, Location l, Value row) {
          SmallVector<Value> r = rowOf(b, l, s, row, t);
          auto label = [&](int64_t v) { return scalarConstant(b, l, i64, v); };
          if (t == 1) {
            Value pos = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::OGT, r[0],
                scalarConstant(b, l, r[0].getType(), 0.0));
            bool two = labels.size() == 2;
            return SmallVector<Value>{arith::SelectOp::create(
                b, l, pos, label(two ? labels[1] : 1),
                label(two ? labels[0] : 0))};
          }
          // The first maximum's label.
          Value best = r[0], bestLabel = label(labels[0]);
          for (int64_t j = 1; j < t; ++j) {
            Value gt = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                             r[j], best);
            best = arith::SelectOp::create(b, l, gt, r[j], best);
            bestLabel =
                arith::SelectOp::create(b, l, gt, label(labels[j]), bestLabel);
          }
          return SmallVector<Value>{bestLabel};
        });
    Value z = buildRows(
        rewriter, loc, cast<RankedTensorType>(scoreTy), n,
        [&](OpBuilder &b, Location l, Value row) {
          SmallVector<Value> r = rowOf(b, l, s, row, t);
          // ONNX Runtime transforms one score only with PROBIT; with two
          // labels the pair is (1 - s, s) of the raw score.
          if (t == 1)
            return transformScores(
                b, l, r,
                *transform == PostTransform::Probit ? PostTransform::Probit
                                                    : PostTransform::None,
                addSecondClass ? 1 : -1);
          return transformScores(b, l, r, *transform, -1);
        });
    rewriter.replaceOp(op, {castTo(rewriter, loc, y, labelTy),
                            castTo(rewriter, loc, z, scoreTy)});
    return success();
  }
};

} // namespace

void kiln::populateMlLinearPatterns(TypeConverter &tc,
                                    RewritePatternSet &patterns) {
  patterns.add<LinearRegressorLowering, LinearClassifierLowering>(
      tc, patterns.getContext());
}
