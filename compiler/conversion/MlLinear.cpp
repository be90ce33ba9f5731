//===- MlLinear.cpp - onnx to linalg: ai.onnx.ml linear models and SVMs ---===//
//
// LinearRegressor and LinearClassifier: the scores X * coefficients^T +
// intercepts are one contraction (a linalg.generic whose init holds the
// intercepts); a classifier then picks labels and post-transforms the
// scores row by row, the way ONNX Runtime's kernels do (its binary case
// with one score row especially, see MlCommon.h).
//
// SVMRegressor and SVMClassifier are linear in the kernel values K(x, sv)
// (one reduction over the features, then the kernel function): libsvm's
// pairwise decisions are one more contraction with weights laid out at
// compile time; votes pick the class, and with prob_a/prob_b the pairwise
// probabilities are coupled into class probabilities row by row.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/MlCommon.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringSwitch.h"

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
  // ONNX Runtime reads the coefficients as [T, F] with F the input's
  // feature count, whatever their number: a model declaring fewer features
  // than its coefficients hold (ORT's own logreg_iris example: 2 features,
  // 12 coefficients for 3 classes) uses the first T * F of them. Kiln does
  // the same when F is known; fewer coefficients than T * F stay an error.
  if (!rowsTy.isDynamicDim(1) && rowsTy.getDimSize(1) < features) {
    features = rowsTy.getDimSize(1);
    coef = coef.take_front(targets * features);
  }
  if (!rowsTy.isDynamicDim(1) && rowsTy.getDimSize(1) != features)
    return rewriter.notifyMatchFailure(
        op, "the input has " + std::to_string(rowsTy.getDimSize(1)) +
                " features, the coefficients " + std::to_string(features));
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
    if (!isClassifierResult(labelTy, scoreTy))
      return rewriter.notifyMatchFailure(
          op, "expected [N] labels and [N, C] scores of known C");
    std::optional<PostTransform> transform =
        parsePostTransform(op.getPostTransform());
    if (!transform)
      return rewriter.notifyMatchFailure(op, "unknown post_transform");
    SmallVector<double> intercepts = floatsOf(op.getInterceptsAttr());
    LabelTable labels(intsOf(op.getClasslabelsIntsAttr()),
                      stringsOf(op.getClasslabelsStringsAttr()));
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
    labels.materialize(rewriter, loc);
    Value y = buildRows(
        rewriter, loc, labelTy, n, [&](OpBuilder &b, Location l, Value row) {
          SmallVector<Value> r = rowOf(b, l, s, row, t);
          auto index = [&](int64_t v) { return scalarConstant(b, l, i64, v); };
          if (t == 1) {
            // Without two labels ONNX Runtime answers 1 or 0.
            Value pos = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::OGT, r[0],
                scalarConstant(b, l, r[0].getType(), 0.0));
            bool two = labels.size() == 2;
            return SmallVector<Value>{labels.at(
                b, l,
                arith::SelectOp::create(
                    b, l, pos, index(two ? 1 : labels.positive()),
                    index(two ? 0 : labels.negative())))};
          }
          // The first maximum's label.
          Value best = r[0], bestIndex = index(0);
          for (int64_t j = 1; j < t; ++j) {
            Value gt = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                             r[j], best);
            best = arith::SelectOp::create(b, l, gt, r[j], best);
            bestIndex = arith::SelectOp::create(b, l, gt, index(j), bestIndex);
          }
          return SmallVector<Value>{labels.at(b, l, bestIndex)};
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

//===----------------------------------------------------------------------===//
// SVMRegressor, SVMClassifier
//===----------------------------------------------------------------------===//

enum class Kernel { Linear, Poly, Rbf, Sigmoid };

/// The kernel, its parameters (gamma, coef0, degree) as ONNX Runtime reads
/// them.
struct KernelSpec {
  Kernel kind = Kernel::Linear;
  double gamma = 0, coef0 = 0, degree = 0;
};

FailureOr<KernelSpec> kernelOf(ConversionPatternRewriter &rewriter,
                               Operation *op, StringRef type,
                               Attribute params) {
  KernelSpec k;
  auto kind = llvm::StringSwitch<std::optional<Kernel>>(type)
                  .Case("LINEAR", Kernel::Linear)
                  .Case("POLY", Kernel::Poly)
                  .Case("RBF", Kernel::Rbf)
                  .Case("SIGMOID", Kernel::Sigmoid)
                  .Default(std::nullopt);
  if (!kind)
    return rewriter.notifyMatchFailure(op, "unknown kernel_type");
  k.kind = *kind;
  SmallVector<double> p = floatsOf(params);
  if (!p.empty() && p.size() < 3)
    return rewriter.notifyMatchFailure(
        op, "kernel_params must be gamma, coef0 and degree");
  if (!p.empty()) {
    k.gamma = p[0];
    k.coef0 = p[1];
    k.degree = p[2];
  }
  return k;
}

/// The [N, V] kernel values of the rows of `x` against the [V, F] support
/// vectors: a (row, vector, feature) reduction of x*s (or (x-s)^2 for RBF),
/// then the kernel's function of it.
FailureOr<Value> kernelValues(ConversionPatternRewriter &rewriter,
                              Operation *op, Value x, Type from,
                              ArrayRef<double> sv, int64_t vectors,
                              const KernelSpec &k) {
  Location loc = op->getLoc();
  Value rows = asRows(rewriter, loc, x);
  if (!rows)
    return rewriter.notifyMatchFailure(op, "expected a 1-D or 2-D input");
  if (vectors <= 0 || sv.size() % vectors != 0)
    return rewriter.notifyMatchFailure(
        op, "support_vectors must hold one row of features per vector");
  int64_t features = sv.size() / vectors;
  auto rowsTy = cast<RankedTensorType>(rows.getType());
  if (!rowsTy.isDynamicDim(1) && rowsTy.getDimSize(1) != features)
    return rewriter.notifyMatchFailure(
        op, "the input's features differ from the support vectors'");
  if (!isa<FloatType, IntegerType>(from))
    return rewriter.notifyMatchFailure(op, "expected numbers");
  Type f32 = rewriter.getF32Type();
  MLIRContext *ctx = rewriter.getContext();
  auto type = RankedTensorType::get({rowsTy.getDimSize(0), vectors}, f32);
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(rewriter, loc, rows, 0),
                                  rewriter.getIndexAttr(vectors)};
  Value init = createFilled(rewriter, loc, type, sizes,
                            scalarConstant(rewriter, loc, f32, 0.0));
  Value s = constantVector(rewriter, loc, f32, sv, "support_vectors",
                           {vectors, features});
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(1), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(0), d(1)}, ctx)};
  bool rbf = k.kind == Kernel::Rbf;
  Value acc =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{type}, ValueRange{rows, s}, init, maps,
          {utils::IteratorType::parallel, utils::IteratorType::parallel,
           utils::IteratorType::reduction},
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value xv = castScalar(b, l, args[0], from, f32), t;
            if (rbf) {
              Value diff = arith::SubFOp::create(b, l, xv, args[1]);
              t = arith::MulFOp::create(b, l, diff, diff);
            } else {
              t = arith::MulFOp::create(b, l, xv, args[1]);
            }
            linalg::YieldOp::create(b, l,
                                    ValueRange{arith::AddFOp::create(
                                        b, l, args[2], t)});
          })
          .getResult(0);
  if (k.kind == Kernel::Linear)
    return acc;
  return generateTensor(
      rewriter, loc, type, sizes, acc,
      AffineMap::getMultiDimIdentityMap(2, ctx),
      [&](OpBuilder &b, Location l, ValueRange, ValueRange args) -> Value {
        auto c = [&](double v) { return scalarConstant(b, l, f32, v); };
        Value v = args[0];
        if (k.kind == Kernel::Rbf)
          return math::ExpOp::create(
              b, l, arith::MulFOp::create(b, l, c(-k.gamma), v));
        Value lin = arith::AddFOp::create(
            b, l, arith::MulFOp::create(b, l, c(k.gamma), v), c(k.coef0));
        if (k.kind == Kernel::Sigmoid)
          return math::TanhOp::create(b, l, lin);
        if (k.degree == 2)
          return arith::MulFOp::create(b, l, lin, lin);
        if (k.degree == 3)
          return arith::MulFOp::create(
              b, l, arith::MulFOp::create(b, l, lin, lin), lin);
        return math::PowFOp::create(b, l, lin, c(k.degree));
      });
}

struct SVMRegressorLowering : OpConversionPattern<OnnxMlSVMRegressorOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlSVMRegressorOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resTy = resultTypeOf(*this, op);
    if (!resTy || resTy.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "expected a 2-D result");
    Type from = cast<ShapedType>(op.getX().getType()).getElementType();
    SmallVector<double> coef = floatsOf(op.getCoefficientsAttr());
    SmallVector<double> rho = floatsOf(op.getRhoAttr());
    if (coef.empty() || rho.empty())
      return rewriter.notifyMatchFailure(op, "coefficients and rho are needed");
    int64_t vectors = op.getNSupports();
    FailureOr<Value> y;
    if (vectors > 0) {
      // libsvm: sum_j coef[j] * K(x, sv_j) + rho.
      FailureOr<KernelSpec> k = kernelOf(rewriter, op, op.getKernelType(),
                                         op.getKernelParamsAttr());
      if (failed(k))
        return failure();
      FailureOr<Value> kv =
          kernelValues(rewriter, op, adaptor.getX(), from,
                       floatsOf(op.getSupportVectorsAttr()), vectors, *k);
      if (failed(kv))
        return failure();
      if ((int64_t)coef.size() != vectors)
        return rewriter.notifyMatchFailure(
            op, "expected one coefficient per support vector");
      y = linearScores(rewriter, op, *kv, rewriter.getF32Type(), coef,
                       {rho[0]}, 1);
    } else {
      // liblinear: x . coefficients + rho.
      y = linearScores(rewriter, op, adaptor.getX(), from, coef, {rho[0]}, 1);
    }
    if (failed(y))
      return failure();
    Value out = *y;
    if (op.getOneClass() != 0) {
      // One-class SVMs answer +-1.
      Value s = out;
      out = generateTensor(
          rewriter, loc, cast<RankedTensorType>(s.getType()),
          sizesOf(rewriter, loc, s), s,
          AffineMap::getMultiDimIdentityMap(2, rewriter.getContext()),
          [&](OpBuilder &b, Location l, ValueRange, ValueRange args) {
            Type f32 = b.getF32Type();
            Value pos = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                              args[0],
                                              scalarConstant(b, l, f32, 0.0));
            return arith::SelectOp::create(b, l, pos,
                                           scalarConstant(b, l, f32, 1.0),
                                           scalarConstant(b, l, f32, -1.0));
          });
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, out, resTy));
    return success();
  }
};

/// libsvm's pairwise coupling of the classes' probabilities (Wu, Lin and
/// Weng, method 2) as ONNX Runtime computes it: `r` holds the pairwise
/// probabilities (C x C), the result the C class probabilities. Up to 100
/// sweeps, stopping once the error is below 0.005 / C.
SmallVector<Value> coupleProbabilities(OpBuilder &b, Location l,
                                       ArrayRef<Value> r, int64_t c) {
  Type f = b.getF32Type();
  auto k = [&](double v) { return scalarConstant(b, l, f, v); };
  auto add = [&](Value x, Value y) { return arith::AddFOp::create(b, l, x, y); };
  auto mul = [&](Value x, Value y) { return arith::MulFOp::create(b, l, x, y); };
  SmallVector<Value> q(c * c, k(0.0));
  for (int64_t i = 0; i < c; ++i) {
    for (int64_t j = 0; j < i; ++j) {
      q[i * c + i] = add(q[i * c + i], mul(r[j * c + i], r[j * c + i]));
      q[i * c + j] = q[j * c + i];
    }
    for (int64_t j = i + 1; j < c; ++j) {
      q[i * c + i] = add(q[i * c + i], mul(r[j * c + i], r[j * c + i]));
      q[i * c + j] = arith::NegFOp::create(b, l, mul(r[j * c + i], r[i * c + j]));
    }
  }
  SmallVector<Value> init(c, k(1.0 / c));
  init.push_back(arith::ConstantIntOp::create(b, l, b.getI1Type(), 0));
  double eps = 0.005 / c;
  auto loop = scf::ForOp::create(
      b, l, cIdx(b, l, 0), cIdx(b, l, 100), cIdx(b, l, 1), init,
      [&](OpBuilder &lb, Location ll, Value, ValueRange iter) {
        auto kk = [&](double v) { return scalarConstant(lb, ll, f, v); };
        auto ad = [&](Value x, Value y) {
          return arith::AddFOp::create(lb, ll, x, y).getResult();
        };
        auto mu = [&](Value x, Value y) {
          return arith::MulFOp::create(lb, ll, x, y).getResult();
        };
        auto dv = [&](Value x, Value y) {
          return arith::DivFOp::create(lb, ll, x, y).getResult();
        };
        SmallVector<Value> p(iter.begin(), iter.begin() + c);
        Value done = iter[c];
        SmallVector<Value> qp(c);
        Value pqp = kk(0.0);
        for (int64_t i = 0; i < c; ++i) {
          qp[i] = kk(0.0);
          for (int64_t j = 0; j < c; ++j)
            qp[i] = ad(qp[i], mu(q[i * c + j], p[j]));
          pqp = ad(pqp, mu(p[i], qp[i]));
        }
        Value maxError = kk(0.0);
        for (int64_t i = 0; i < c; ++i)
          maxError = arith::MaximumFOp::create(
              lb, ll, maxError,
              math::AbsFOp::create(lb, ll,
                                   arith::SubFOp::create(lb, ll, qp[i], pqp)));
        Value converged = arith::OrIOp::create(
            lb, ll, done,
            arith::CmpFOp::create(lb, ll, arith::CmpFPredicate::OLT, maxError,
                                  kk(eps)));
        SmallVector<Value> np(p);
        for (int64_t t = 0; t < c; ++t) {
          Value diff = dv(arith::SubFOp::create(lb, ll, pqp, qp[t]),
                          q[t * c + t]);
          np[t] = ad(np[t], diff);
          Value onePlus = ad(kk(1.0), diff);
          pqp = dv(dv(ad(pqp, mu(diff, ad(mu(diff, q[t * c + t]),
                                          mu(kk(2.0), qp[t])))),
                      onePlus),
                   onePlus);
          for (int64_t j = 0; j < c; ++j) {
            qp[j] = dv(ad(qp[j], mu(diff, q[t * c + j])), onePlus);
            np[j] = dv(np[j], onePlus);
          }
        }
        SmallVector<Value> yield;
        for (int64_t i = 0; i < c; ++i)
          yield.push_back(
              arith::SelectOp::create(lb, ll, converged, p[i], np[i]));
        yield.push_back(converged);
        scf::YieldOp::create(lb, ll, yield);
      });
  return SmallVector<Value>(loop.getResults().take_front(c));
}

struct SVMClassifierLowering : OpConversionPattern<OnnxMlSVMClassifierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlSVMClassifierOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto labelTy = resultTypeOf(*this, op, 0);
    auto scoreTy = resultTypeOf(*this, op, 1);
    if (!isClassifierResult(labelTy, scoreTy))
      return rewriter.notifyMatchFailure(
          op, "expected [N] labels and [N, C] scores of known C");
    std::optional<PostTransform> transform =
        parsePostTransform(op.getPostTransform());
    if (!transform)
      return rewriter.notifyMatchFailure(op, "unknown post_transform");
    LabelTable labels(intsOf(op.getClasslabelsIntsAttr()),
                      stringsOf(op.getClasslabelsStringsAttr()));
    SmallVector<int64_t> perClass = intsOf(op.getVectorsPerClassAttr());
    SmallVector<double> coef = floatsOf(op.getCoefficientsAttr());
    SmallVector<double> rho = floatsOf(op.getRhoAttr());
    SmallVector<double> probA = floatsOf(op.getProbAAttr());
    SmallVector<double> probB = floatsOf(op.getProbBAttr());
    int64_t c = labels.size();
    if (c < 2 || coef.empty() || rho.empty())
      return rewriter.notifyMatchFailure(
          op, "expected two or more class labels, coefficients and rho");
    if (probA.size() != probB.size())
      return rewriter.notifyMatchFailure(op, "prob_a and prob_b differ");
    bool allPositive = llvm::all_of(coef, [](double v) { return v >= 0; });
    Type from = cast<ShapedType>(op.getX().getType()).getElementType();
    Type f32 = rewriter.getF32Type(), i64 = rewriter.getI64Type();
    int64_t vectors = 0;
    for (int64_t v : perClass)
      vectors += v;
    OpFoldResult n;
    bool svc = vectors > 0;
    bool proba = svc && !probA.empty();
    int64_t pairs = c * (c - 1) / 2;
    Value scores; // [N, C] (liblinear) or [N, pairs] (libsvm)
    if (!svc) {
      // liblinear: x . coefficients[c] + rho[0] per class.
      FailureOr<Value> s = linearScores(rewriter, op, adaptor.getX(), from,
                                        coef, SmallVector<double>(c, rho[0]),
                                        c);
      if (failed(s))
        return failure();
      scores = *s;
    } else {
      if ((int64_t)perClass.size() != c)
        return rewriter.notifyMatchFailure(
            op, "expected one vectors_per_class entry per class");
      if ((int64_t)coef.size() < (c - 1) * vectors ||
          (int64_t)rho.size() < pairs ||
          (proba && (int64_t)probA.size() < pairs))
        return rewriter.notifyMatchFailure(
            op, "coefficients, rho or prob_a/prob_b are too short");
      if (proba && c > 16)
        return rewriter.notifyMatchFailure(
            op, "probabilities of more than 16 classes are not supported");
      FailureOr<KernelSpec> k = kernelOf(rewriter, op, op.getKernelType(),
                                         op.getKernelParamsAttr());
      if (failed(k))
        return failure();
      FailureOr<Value> kv =
          kernelValues(rewriter, op, adaptor.getX(), from,
                       floatsOf(op.getSupportVectorsAttr()), vectors, *k);
      if (failed(kv))
        return failure();
      // Each pair (i, j)'s decision is linear in the kernel values: class
      // i's vectors weighted by coefficient row j - 1, class j's by row i.
      SmallVector<int64_t> start;
      int64_t at = 0;
      for (int64_t v : perClass) {
        start.push_back(at);
        at += v;
      }
      SmallVector<double> w(pairs * vectors, 0.0);
      int64_t p = 0;
      for (int64_t i = 0; i < c; ++i)
        for (int64_t j = i + 1; j < c; ++j, ++p) {
          for (int64_t m = 0; m < perClass[i]; ++m)
            w[p * vectors + start[i] + m] =
                coef[(j - 1) * vectors + start[i] + m];
          for (int64_t m = 0; m < perClass[j]; ++m)
            w[p * vectors + start[j] + m] = coef[i * vectors + start[j] + m];
        }
      FailureOr<Value> s =
          linearScores(rewriter, op, *kv, f32, w,
                       SmallVector<double>(rho.begin(), rho.begin() + pairs),
                       pairs);
      if (failed(s))
        return failure();
      scores = *s;
    }
    n = tensor::getMixedSize(rewriter, loc, scores, 0);
    int64_t width = svc ? pairs : c;
    auto row = [&](OpBuilder &b, Location l, Value r) {
      SmallVector<Value> out;
      for (int64_t j = 0; j < width; ++j)
        out.push_back(tensor::ExtractOp::create(b, l, scores,
                                                ValueRange{r, cIdx(b, l, j)}));
      return out;
    };
    // The winning class: the first maximum of the scores (liblinear) or of
    // the pairwise votes (libsvm).
    auto winner = [&](OpBuilder &b, Location l, ArrayRef<Value> s) {
      SmallVector<Value> votes;
      if (svc) {
        Value zero = scalarConstant(b, l, i64, 0), one =
                                                     scalarConstant(b, l, i64, 1);
        votes.assign(c, zero);
        int64_t p = 0;
        for (int64_t i = 0; i < c; ++i)
          for (int64_t j = i + 1; j < c; ++j, ++p) {
            Value pos = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                              s[p], scalarConstant(b, l, f32, 0));
            votes[i] = arith::AddIOp::create(
                b, l, votes[i], arith::SelectOp::create(b, l, pos, one, zero));
            votes[j] = arith::AddIOp::create(
                b, l, votes[j], arith::SelectOp::create(b, l, pos, zero, one));
          }
      }
      Value best = svc ? votes[0] : s[0];
      Value cls = scalarConstant(b, l, i64, 0);
      for (int64_t j = 1; j < c; ++j) {
        Value gt = svc ? arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt,
                                               votes[j], best)
                             .getResult()
                       : arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                               s[j], best)
                             .getResult();
        best = arith::SelectOp::create(b, l, gt, svc ? votes[j] : s[j], best);
        cls = arith::SelectOp::create(b, l, gt, scalarConstant(b, l, i64, j),
                                      cls);
      }
      // liblinear's maximum score decides two classes; libsvm's is 0.
      Value maxWeight = svc ? scalarConstant(b, l, f32, 0.0) : best;
      return std::make_pair(cls, maxWeight);
    };
    labels.materialize(rewriter, loc);
    Value y = buildRows(
        rewriter, loc, labelTy, n, [&](OpBuilder &b, Location l, Value r) {
          auto [cls, maxWeight] = winner(b, l, row(b, l, r));
          Value label = cls;
          if (c == 2 && !proba) {
            // ONNX Runtime's ChooseClass for two classes without
            // probabilities.
            Value second = scalarConstant(b, l, i64, 1);
            Value pick = allPositive
                             ? arith::CmpFOp::create(
                                   b, l, arith::CmpFPredicate::OGE, maxWeight,
                                   scalarConstant(b, l, f32, 0.5))
                             : arith::CmpFOp::create(
                                   b, l, arith::CmpFPredicate::OGT, maxWeight,
                                   scalarConstant(b, l, f32, 0.0));
            label = arith::SelectOp::create(b, l, pick, second, label);
          }
          return SmallVector<Value>{labels.at(b, l, label)};
        });
    Value z = buildRows(
        rewriter, loc, scoreTy, n, [&](OpBuilder &b, Location l, Value r) {
          SmallVector<Value> s = row(b, l, r);
          if (proba) {
            SmallVector<Value> pr(c * c, scalarConstant(b, l, f32, 0.0));
            int64_t p = 0;
            for (int64_t i = 0; i < c; ++i)
              for (int64_t j = i + 1; j < c; ++j, ++p) {
                // 1 - logistic(score * a + b), kept inside [1e-7, 1 - 1e-7].
                Value v = arith::AddFOp::create(
                    b, l,
                    arith::MulFOp::create(b, l, s[p],
                                          scalarConstant(b, l, f32, probA[p])),
                    scalarConstant(b, l, f32, probB[p]));
                v = arith::SubFOp::create(b, l, scalarConstant(b, l, f32, 1.0),
                                          logistic(b, l, v));
                v = arith::MaximumFOp::create(b, l, v,
                                              scalarConstant(b, l, f32, 1e-7));
                v = arith::MinimumFOp::create(
                    b, l, v, scalarConstant(b, l, f32, 1 - 1e-7));
                pr[i * c + j] = v;
                pr[j * c + i] = arith::SubFOp::create(
                    b, l, scalarConstant(b, l, f32, 1.0), v);
              }
            return transformScores(b, l, coupleProbabilities(b, l, pr, c),
                                   *transform, -1);
          }
          if (svc && c == 2)
            return transformScores(b, l, s, *transform,
                                   *transform == PostTransform::None ? 2 : 0);
          return transformScores(b, l, s, *transform, -1);
        });
    rewriter.replaceOp(op, {castTo(rewriter, loc, y, labelTy),
                            castTo(rewriter, loc, z, scoreTy)});
    return success();
  }
};

} // namespace

void kiln::populateMlLinearPatterns(TypeConverter &tc,
                                    RewritePatternSet &patterns) {
  patterns.add<LinearRegressorLowering, LinearClassifierLowering,
               SVMRegressorLowering, SVMClassifierLowering>(
      tc, patterns.getContext());
}
