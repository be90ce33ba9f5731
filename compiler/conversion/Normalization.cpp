//===- Normalization.cpp - onnx to linalg: softmax and normalizations -----===//
//
// Softmax-like ops and the *Normalization ops reduce over some dims with
// linalg.generic reductions (see ReductionUtils.h) and then compute every
// output element in one all-parallel linalg.generic that reads the reduced
// statistics through projected indexing maps. Statistics of f16/bf16 inputs
// are computed in f32; the softmax family subtracts the max for stability;
// variances are computed in two passes (mean first) for accuracy.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ReductionUtils.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// The ranked input and converted result types of a single-result op, or
/// null types when either is not a ranked float tensor.
std::pair<RankedTensorType, RankedTensorType>
floatTypes(const TypeConverter *tc, Value input, Value result) {
  auto in = dyn_cast<RankedTensorType>(input.getType());
  auto out =
      dyn_cast_or_null<RankedTensorType>(tc->convertType(result.getType()));
  if (!in || !out || !isa<FloatType>(in.getElementType()) ||
      out.getRank() != in.getRank())
    return {};
  return {in, out};
}

/// `v` in type `t` (float to float).
Value toF(OpBuilder &b, Location loc, Value v, Type t) {
  return castScalar(b, loc, v, v.getType(), t);
}

/// Softmax (exp(x - max) / sum) or LogSoftmax ((x - max) - log(sum)) along
/// one axis.
template <typename OpTy, bool IsLog>
struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto [inType, outType] =
        floatTypes(this->getTypeConverter(), x, op.getResult());
    if (!inType)
      return rewriter.notifyMatchFailure(op, "expected ranked float tensors");
    int64_t rank = inType.getRank();
    int64_t axis = normalizeAxis((int64_t)op.getAxis(), rank);
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Type elem = inType.getElementType();
    Type ct = mathComputeType(elem);
    MLIRContext *ctx = op.getContext();

    // f32 Softmax stays one op, which code generation may give a kernel
    // of its own or decompose (kiln-decompose-aggregates).
    if (!IsLog && elem.isF32()) {
      Value init = tensor::EmptyOp::create(rewriter, loc,
                                           sizesOf(rewriter, loc, x), elem);
      Value r = linalg::SoftmaxOp::create(rewriter, loc, TypeRange{inType},
                                          x, init, (uint64_t)axis)
                    .getResult()[0];
      rewriter.replaceOp(op, castTo(rewriter, loc, r, outType));
      return success();
    }

    Value max = buildReduction(
        rewriter, loc, x, {axis},
        extremeValue(rewriter, loc, elem, true, false), {},
        [](OpBuilder &b, Location l, ValueRange a, Value acc) -> Value {
          return arith::MaximumFOp::create(b, l, a[0], acc);
        });
    Value sum = buildReduction(
        rewriter, loc, x, {axis}, scalarConstant(rewriter, loc, ct, 0.0), {max},
        [&](OpBuilder &b, Location l, ValueRange a, Value acc) -> Value {
          Value d = arith::SubFOp::create(b, l, toF(b, l, a[0], ct),
                                          toF(b, l, a[1], ct));
          return arith::AddFOp::create(b, l, math::ExpOp::create(b, l, d), acc);
        });
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap kept = keptDimsMap(ctx, rank, {axis});
    Value r = buildMapped(
        rewriter, loc, inType, sizesOf(rewriter, loc, x), {x, max, sum},
        {id, kept, kept}, [&](OpBuilder &b, Location l, ValueRange a) {
          Value d = arith::SubFOp::create(b, l, toF(b, l, a[0], ct),
                                          toF(b, l, a[1], ct));
          Value y = IsLog ? arith::SubFOp::create(
                                b, l, d, math::LogOp::create(b, l, a[2]))
                                .getResult()
                          : arith::DivFOp::create(
                                b, l, math::ExpOp::create(b, l, d), a[2])
                                .getResult();
          return toF(b, l, y, elem);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, r, outType));
    return success();
  }
};

/// Hardmax: 1 at the first maximum along the axis, 0 elsewhere.
struct HardmaxLowering : OpConversionPattern<OnnxHardmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxHardmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto [inType, outType] = floatTypes(getTypeConverter(), x, op.getResult());
    if (!inType)
      return rewriter.notifyMatchFailure(op, "expected ranked float tensors");
    int64_t rank = inType.getRank();
    int64_t axis = normalizeAxis((int64_t)op.getAxis(), rank);
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Type elem = inType.getElementType();
    Value idx = buildArgReduction(rewriter, loc, x, axis, /*max=*/true,
                                  /*last=*/false, false)
                    .first;
    Value r = buildMapped(
        rewriter, loc, inType, sizesOf(rewriter, loc, x), {idx},
        {keptDimsMap(op.getContext(), rank, {axis})},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value i = arith::IndexCastOp::create(
              b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
          Value hit =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, i, a[0]);
          return arith::SelectOp::create(b, l, hit,
                                         scalarConstant(b, l, elem, 1.0),
                                         scalarConstant(b, l, elem, 0.0));
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, r, outType));
    return success();
  }
};

/// Mean and (population) variance of `x` over `dims`, in `ct`, as tensors
/// of the other dims; with `invEps`, 1/sqrt(variance + invEps) instead of
/// the variance (computed in the same generic).
std::pair<Value, Value>
meanAndVariance(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> dims,
                Type ct, std::optional<double> invEps = std::nullopt) {
  Value zero = scalarConstant(b, loc, ct, 0.0);
  Value count = countElements(b, loc, x, dims, ct);
  Value sum = buildReduction(
      b, loc, x, dims, zero, {},
      [&](OpBuilder &nb, Location l, ValueRange a, Value acc) -> Value {
        return arith::AddFOp::create(nb, l, toF(nb, l, a[0], ct), acc);
      });
  auto rt = cast<RankedTensorType>(sum.getType());
  AffineMap id =
      AffineMap::getMultiDimIdentityMap(rt.getRank(), b.getContext());
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, sum);
  Value mean = buildMapped(
      b, loc, rt, sizes, {sum}, {id},
      [&](OpBuilder &nb, Location l, ValueRange a) {
        return arith::DivFOp::create(nb, l, a[0], count).getResult();
      });
  Value sq = buildReduction(
      b, loc, x, dims, zero, {mean},
      [&](OpBuilder &nb, Location l, ValueRange a, Value acc) -> Value {
        Value d = arith::SubFOp::create(nb, l, toF(nb, l, a[0], ct), a[1]);
        return arith::AddFOp::create(nb, l, arith::MulFOp::create(nb, l, d, d),
                                     acc);
      });
  Value var = buildMapped(
      b, loc, rt, sizes, {sq}, {id},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value var = arith::DivFOp::create(nb, l, a[0], count);
        if (!invEps)
          return var;
        Value s = math::SqrtOp::create(
            nb, l,
            arith::AddFOp::create(nb, l, var,
                                  scalarConstant(nb, l, ct, *invEps)));
        return arith::DivFOp::create(nb, l, scalarConstant(nb, l, ct, 1.0), s);
      });
  return {mean, var};
}

/// Reads a tensor of rank <= `rank` broadcast (numpy-aligned to the trailing
/// dims) over an iteration space of rank `rank` and shape `shape`.
AffineMap trailingBroadcastMap(MLIRContext *ctx, RankedTensorType t,
                               ArrayRef<int64_t> shape) {
  int64_t rank = shape.size(), lead = rank - t.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < t.getRank(); ++i)
    exprs.push_back(t.getDimSize(i) == 1 && shape[lead + i] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(lead + i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// The float type ONNX TensorProto data type `t` stands for, if any.
Type floatDataType(MLIRContext *ctx, int64_t t) {
  switch (t) {
  case 1:
    return Float32Type::get(ctx);
  case 10:
    return Float16Type::get(ctx);
  case 11:
    return Float64Type::get(ctx);
  case 16:
    return BFloat16Type::get(ctx);
  default:
    return {};
  }
}

struct LayerNormalizationLowering
    : OpConversionPattern<OnnxLayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxLayerNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), scale = adaptor.getScale(), bias = adaptor.getB();
    bool hasBias = !isNoValue(op.getB());
    auto [inType, outType] = floatTypes(getTypeConverter(), x, op.getY());
    auto scaleType = dyn_cast<RankedTensorType>(scale.getType());
    auto biasType =
        hasBias ? dyn_cast<RankedTensorType>(bias.getType()) : scaleType;
    if (!inType || !scaleType || !biasType)
      return rewriter.notifyMatchFailure(op, "expected ranked float tensors");
    int64_t rank = inType.getRank();
    int64_t axis = normalizeAxis((int64_t)op.getAxis(), rank);
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    if (scaleType.getRank() > rank || biasType.getRank() > rank)
      return rewriter.notifyMatchFailure(op, "Scale/B rank exceeds X rank");
    Type stash = floatDataType(op.getContext(), (int64_t)op.getStashType());
    if (!stash)
      return rewriter.notifyMatchFailure(op, "unsupported stash_type");
    // The statistics are computed in the stash type (in f32 for halves).
    Type ct = mathComputeType(stash);
    Type elem = inType.getElementType();
    SmallVector<int64_t> dims;
    for (int64_t d = axis; d < rank; ++d)
      dims.push_back(d);
    auto [mean, inv] = meanAndVariance(rewriter, loc, x, dims, ct,
                                       op.getEpsilon().convertToDouble());

    MLIRContext *ctx = op.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap kept = keptDimsMap(ctx, rank, dims);
    SmallVector<Value> ins{x, mean, inv, scale};
    SmallVector<AffineMap> maps{
        id, kept, kept,
        trailingBroadcastMap(ctx, scaleType, inType.getShape())};
    if (hasBias) {
      ins.push_back(bias);
      maps.push_back(trailingBroadcastMap(ctx, biasType, inType.getShape()));
    }
    Type scaleElem = getElementTypeOrSelf(scale.getType());
    Value y = buildMapped(
        rewriter, loc, inType, sizesOf(rewriter, loc, x), ins, maps,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value d = arith::SubFOp::create(b, l, toF(b, l, a[0], ct), a[1]);
          Value n = arith::MulFOp::create(b, l, d, a[2]);
          Value r = arith::MulFOp::create(
              b, l, n, castScalar(b, l, a[3], scaleElem, ct));
          if (hasBias)
            r = arith::AddFOp::create(b, l, r, toF(b, l, a[4], ct));
          return toF(b, l, r, elem);
        });

    // Mean and InvStdDev keep the normalized dims as unit dims.
    SmallVector<Value> results{castTo(rewriter, loc, y, outType)};
    Value stats[] = {mean, inv};
    Value statResults[] = {op.getMean(), op.getInvStdDev()};
    for (auto [stat, result] : llvm::zip(stats, statResults)) {
      if (result.use_empty()) {
        results.push_back(nullptr);
        continue;
      }
      auto rt = dyn_cast_or_null<RankedTensorType>(
          getTypeConverter()->convertType(result.getType()));
      if (!rt || rt.getRank() != rank || rt.getElementType() != stash)
        return rewriter.notifyMatchFailure(op,
                                           "unexpected Mean/InvStdDev type");
      Value s = stat;
      if (ct != stash) {
        auto st = cast<RankedTensorType>(s.getType());
        AffineMap sid = AffineMap::getMultiDimIdentityMap(st.getRank(), ctx);
        s = buildMapped(rewriter, loc,
                        RankedTensorType::get(st.getShape(), stash),
                        sizesOf(rewriter, loc, s), {s}, {sid},
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          return toF(b, l, a[0], stash);
                        });
      }
      s = expandReducedDims(rewriter, loc, s, dims, rank);
      results.push_back(castTo(rewriter, loc, s, rt));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct InstanceNormalizationLowering
    : OpConversionPattern<OnnxInstanceNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxInstanceNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto [inType, outType] = floatTypes(getTypeConverter(), x, op.getResult());
    auto scaleType = dyn_cast<RankedTensorType>(adaptor.getScale().getType());
    auto biasType = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    if (!inType || !scaleType || !biasType || inType.getRank() < 2 ||
        scaleType.getRank() != 1 || biasType.getRank() != 1)
      return rewriter.notifyMatchFailure(
          op, "expected X of rank >= 2 and 1-D scale and B");
    int64_t rank = inType.getRank();
    Type elem = inType.getElementType();
    Type ct = mathComputeType(elem);
    SmallVector<int64_t> dims;
    for (int64_t d = 2; d < rank; ++d)
      dims.push_back(d);
    auto [mean, inv] = meanAndVariance(rewriter, loc, x, dims, ct,
                                       op.getEpsilon().convertToDouble());
    MLIRContext *ctx = op.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap kept = keptDimsMap(ctx, rank, dims);
    AffineMap channel =
        AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    Value y = buildMapped(
        rewriter, loc, inType, sizesOf(rewriter, loc, x),
        {x, mean, inv, adaptor.getScale(), adaptor.getB()},
        {id, kept, kept, channel, channel},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value d = arith::SubFOp::create(b, l, toF(b, l, a[0], ct), a[1]);
          Value n = arith::MulFOp::create(b, l, d, a[2]);
          Value r = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, n, toF(b, l, a[3], ct)),
              toF(b, l, a[4], ct));
          return toF(b, l, r, elem);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, y, outType));
    return success();
  }
};

/// Inference-mode BatchNormalization: (x - mean) * scale / sqrt(var + eps)
/// + B per channel (dim 1).
struct BatchNormalizationLowering
    : OpConversionPattern<OnnxBatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxBatchNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto [inType, outType] = floatTypes(getTypeConverter(), x, op.getY());
    if (!inType || inType.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "expected a float X of rank >= 2");
    if (op.getTrainingMode() != 0)
      return lowerTraining(op, adaptor, inType, outType, rewriter);
    if (!op.getRunningMean().use_empty() || !op.getRunningVar().use_empty())
      return rewriter.notifyMatchFailure(
          op, "inference-mode BatchNormalization with mean/var outputs (the "
              "opset < 14 training outputs) is not supported");
    int64_t rank = inType.getRank();
    MLIRContext *ctx = op.getContext();
    SmallVector<Value> params{adaptor.getScale(), adaptor.getB(),
                              adaptor.getInputMean(), adaptor.getInputVar()};
    SmallVector<Type> paramElems;
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx)};
    for (Value p : params) {
      auto pt = dyn_cast<RankedTensorType>(p.getType());
      // Rank 1 is per channel; rank - 1 is the opset < 9 spatial=0 form
      // with one value per (channel, spatial position).
      if (!pt || !isa<FloatType>(pt.getElementType()) ||
          (pt.getRank() != 1 && pt.getRank() != rank - 1))
        return rewriter.notifyMatchFailure(
            op, "expected float scale/B/mean/var of shape [C] (or [C, D...])");
      SmallVector<AffineExpr> exprs;
      for (int64_t i = 0; i < pt.getRank(); ++i)
        exprs.push_back(pt.getDimSize(i) == 1 && inType.getDimSize(1 + i) != 1
                            ? getAffineConstantExpr(0, ctx)
                            : getAffineDimExpr(1 + i, ctx));
      maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
      paramElems.push_back(pt.getElementType());
    }
    Type elem = inType.getElementType();
    Type ct = mathComputeType(elem);
    double eps = op.getEpsilon().convertToDouble();
    SmallVector<Value> ins{x};
    ins.append(params);
    Value y = buildMapped(
        rewriter, loc, inType, sizesOf(rewriter, loc, x), ins, maps,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value xv = toF(b, l, a[0], ct);
          Value scale = toF(b, l, a[1], ct), bias = toF(b, l, a[2], ct);
          Value mean = toF(b, l, a[3], ct), var = toF(b, l, a[4], ct);
          Value s = math::SqrtOp::create(
              b, l,
              arith::AddFOp::create(b, l, var, scalarConstant(b, l, ct, eps)));
          Value f = arith::DivFOp::create(b, l, scale, s);
          Value r = arith::AddFOp::create(
              b, l,
              arith::MulFOp::create(b, l, arith::SubFOp::create(b, l, xv, mean),
                                    f),
              bias);
          return toF(b, l, r, elem);
        });
    rewriter.replaceOp(op,
                       {castTo(rewriter, loc, y, outType), nullptr, nullptr});
    return success();
  }

  /// Training mode (opset 14+): normalizes with the batch statistics (mean
  /// and population variance over every dim but the channel) and outputs
  /// running_mean/var = input * momentum + batch * (1 - momentum).
  LogicalResult lowerTraining(OnnxBatchNormalizationOp op, OpAdaptor adaptor,
                              RankedTensorType inType, RankedTensorType outType,
                              ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t rank = inType.getRank();
    SmallVector<Value> params{adaptor.getScale(), adaptor.getB(),
                              adaptor.getInputMean(), adaptor.getInputVar()};
    for (Value p : params) {
      auto pt = dyn_cast<RankedTensorType>(p.getType());
      if (!pt || pt.getRank() != 1 || !isa<FloatType>(pt.getElementType()))
        return rewriter.notifyMatchFailure(
            op, "training mode needs float scale/B/mean/var of shape [C]");
    }
    Type elem = inType.getElementType();
    Type ct = mathComputeType(elem);
    SmallVector<int64_t> dims{0};
    for (int64_t d = 2; d < rank; ++d)
      dims.push_back(d);
    auto [mean, var] = meanAndVariance(rewriter, loc, x, dims, ct);
    double eps = op.getEpsilon().convertToDouble();
    MLIRContext *ctx = op.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap channel =
        AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    Value y = buildMapped(
        rewriter, loc, inType, sizesOf(rewriter, loc, x),
        {x, mean, var, params[0], params[1]},
        {id, channel, channel, channel, channel},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value s = math::SqrtOp::create(
              b, l,
              arith::AddFOp::create(b, l, a[2], scalarConstant(b, l, ct, eps)));
          Value n = arith::DivFOp::create(
              b, l, arith::SubFOp::create(b, l, toF(b, l, a[0], ct), a[1]), s);
          Value r = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, n, toF(b, l, a[3], ct)),
              toF(b, l, a[4], ct));
          return toF(b, l, r, elem);
        });
    SmallVector<Value> results{castTo(rewriter, loc, y, outType)};
    double momentum = op.getMomentum().convertToDouble();
    Value batch[] = {mean, var};
    Value running[] = {params[2], params[3]};
    Value outs[] = {op.getRunningMean(), op.getRunningVar()};
    for (int i = 0; i < 2; ++i) {
      if (outs[i].use_empty()) {
        results.push_back(nullptr);
        continue;
      }
      auto rt = dyn_cast_or_null<RankedTensorType>(
          getTypeConverter()->convertType(outs[i].getType()));
      auto pt = cast<RankedTensorType>(running[i].getType());
      if (!rt || rt.getRank() != 1)
        return rewriter.notifyMatchFailure(op, "running mean/var must be [C]");
      Type pe = pt.getElementType();
      auto ty = RankedTensorType::get(pt.getShape(), pe);
      AffineMap id1 = AffineMap::getMultiDimIdentityMap(1, ctx);
      Value r = buildMapped(
          rewriter, loc, ty, sizesOf(rewriter, loc, running[i]),
          {running[i], batch[i]}, {id1, id1},
          [&](OpBuilder &b, Location l, ValueRange a) {
            Value m = scalarConstant(b, l, ct, momentum);
            Value rest = scalarConstant(b, l, ct, 1.0 - momentum);
            Value v = arith::AddFOp::create(
                b, l, arith::MulFOp::create(b, l, toF(b, l, a[0], ct), m),
                arith::MulFOp::create(b, l, a[1], rest));
            return toF(b, l, v, pe);
          });
      results.push_back(castTo(rewriter, loc, r, rt));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// LRN across channels: x / (bias + alpha / size * sum of x^2 over the
/// channel window [c - floor((size-1)/2), c + ceil((size-1)/2)])^beta. The
/// squares are zero-padded along C and summed by a generic whose window
/// size comes from an unread tensor (as in pooling).
struct LRNLowering : OpConversionPattern<OnnxLRNOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxLRNOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto [inType, outType] = floatTypes(getTypeConverter(), x, op.getY());
    if (!inType || inType.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "expected a float X of rank >= 2");
    int64_t size = op.getSize();
    if (size < 1)
      return rewriter.notifyMatchFailure(op, "size must be positive");
    int64_t rank = inType.getRank();
    Type elem = inType.getElementType();
    Type ct = mathComputeType(elem);
    MLIRContext *ctx = op.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    auto ctType = RankedTensorType::get(inType.getShape(), ct);
    Value sq =
        buildMapped(rewriter, loc, ctType, sizes, {x}, {id},
                    [&](OpBuilder &b, Location l, ValueRange a) {
                      Value v = toF(b, l, a[0], ct);
                      return arith::MulFOp::create(b, l, v, v).getResult();
                    });
    int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
    SmallVector<OpFoldResult> low(rank, rewriter.getIndexAttr(0)),
        high(rank, rewriter.getIndexAttr(0));
    low[1] = rewriter.getIndexAttr(lo);
    high[1] = rewriter.getIndexAttr(hi);
    SmallVector<int64_t> padShape(inType.getShape());
    if (!ShapedType::isDynamic(padShape[1]))
      padShape[1] += size - 1;
    Value padded = tensor::PadOp::create(
        rewriter, loc, RankedTensorType::get(padShape, ct), sq, low, high,
        scalarConstant(rewriter, loc, ct, 0.0));
    Value window =
        tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{size}, ct);
    Value zeros = createFilled(rewriter, loc, ctType, sizes,
                               scalarConstant(rewriter, loc, ct, 0.0));
    // Loops: the dims of x (parallel), then the window (reduction).
    SmallVector<AffineExpr> inExprs;
    for (int64_t d = 0; d < rank; ++d)
      inExprs.push_back(getAffineDimExpr(d, ctx));
    inExprs[1] = inExprs[1] + getAffineDimExpr(rank, ctx);
    SmallVector<AffineExpr> outExprs(inExprs);
    outExprs[1] = getAffineDimExpr(1, ctx);
    SmallVector<AffineMap> maps{
        AffineMap::get(rank + 1, 0, inExprs, ctx),
        AffineMap::get(rank + 1, 0, {getAffineDimExpr(rank, ctx)}, ctx),
        AffineMap::get(rank + 1, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    Value sum =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{ctType}, ValueRange{padded, window},
            ValueRange{zeros}, maps, iters,
            [](OpBuilder &b, Location l, ValueRange a) {
              linalg::YieldOp::create(
                  b, l, arith::AddFOp::create(b, l, a[0], a[2]).getResult());
            })
            .getResult(0);
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    double bias = op.getBias().convertToDouble();
    Value y = buildMapped(
        rewriter, loc, inType, sizes, {x, sum}, {id, id},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value scaled = arith::MulFOp::create(
              b, l, a[1], scalarConstant(b, l, ct, alpha / size));
          Value base = arith::AddFOp::create(b, l, scaled,
                                             scalarConstant(b, l, ct, bias));
          Value den =
              math::PowFOp::create(b, l, base, scalarConstant(b, l, ct, beta));
          return toF(b, l,
                     arith::DivFOp::create(b, l, toF(b, l, a[0], ct), den),
                     elem);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, y, outType));
    return success();
  }
};

/// x / ||x||_p along an axis (p = 1 or 2); an all-zero slice stays zero.
struct LpNormalizationLowering : OpConversionPattern<OnnxLpNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxLpNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto [inType, outType] = floatTypes(getTypeConverter(), x, op.getResult());
    if (!inType)
      return rewriter.notifyMatchFailure(op, "expected ranked float tensors");
    int64_t p = (int64_t)op.getP();
    if (p != 1 && p != 2)
      return rewriter.notifyMatchFailure(op, "p must be 1 or 2");
    int64_t rank = inType.getRank();
    int64_t axis = normalizeAxis((int64_t)op.getAxis(), rank);
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Type elem = inType.getElementType();
    Type ct = mathComputeType(elem);
    Value norm = buildReduction(
        rewriter, loc, x, {axis}, scalarConstant(rewriter, loc, ct, 0.0), {},
        [&](OpBuilder &b, Location l, ValueRange a, Value acc) -> Value {
          Value v = toF(b, l, a[0], ct);
          v = p == 1 ? math::AbsFOp::create(b, l, v).getResult()
                     : arith::MulFOp::create(b, l, v, v).getResult();
          return arith::AddFOp::create(b, l, v, acc);
        });
    MLIRContext *ctx = op.getContext();
    Value y = buildMapped(
        rewriter, loc, inType, sizesOf(rewriter, loc, x), {x, norm},
        {AffineMap::getMultiDimIdentityMap(rank, ctx),
         keptDimsMap(ctx, rank, {axis})},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value n =
              p == 2 ? math::SqrtOp::create(b, l, a[1]).getResult() : a[1];
          Value zero = scalarConstant(b, l, ct, 0.0);
          Value isZero =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, n, zero);
          Value r = arith::DivFOp::create(b, l, toF(b, l, a[0], ct), n);
          return toF(b, l, arith::SelectOp::create(b, l, isZero, zero, r),
                     elem);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, y, outType));
    return success();
  }
};

} // namespace

void kiln::populateNormalizationPatterns(TypeConverter &tc,
                                         RewritePatternSet &patterns) {
  patterns
      .add<SoftmaxLowering<OnnxSoftmaxOp, false>,
           SoftmaxLowering<OnnxLogSoftmaxOp, true>, HardmaxLowering,
           LayerNormalizationLowering, InstanceNormalizationLowering,
           BatchNormalizationLowering, LpNormalizationLowering, LRNLowering>(
          tc, patterns.getContext());
}
