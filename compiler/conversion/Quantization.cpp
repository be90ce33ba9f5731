//===- Quantization.cpp - onnx to linalg: quantized tensors ---------------===//
//
// QuantizeLinear, DequantizeLinear, ConvInteger, QLinearConv and
// QLinearMatMul. Quantized tensors are 8- or 16-bit integers whose ONNX
// signedness (lost by the type converter) is read from the onnx op's types.
//
//   QuantizeLinear    y = saturate(round_half_even(x / scale) + zero_point)
//   DequantizeLinear  y = (x - zero_point) * scale
// with a scalar (per-tensor) or 1-D (per-axis, along `axis`) scale and zero
// point; a 1-D one is reshaped to [C, 1, ...] so numpy broadcasting puts it
// on `axis` (also when its size is only known at run time).
//
// The integer kernels widen their operands to i32 minus their zero points,
// then reuse the float kernels' structure (Convolution.h, LinearAlgebra.h)
// on i32. QLinear* requantize the i32 accumulator in f32:
//   y = saturate(round_half_even(acc * (s_in * s_w / s_y)) + y_zero_point)
// as the ONNX reference and ONNX Runtime do.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/Convolution.h"
#include "compiler/conversion/LinearAlgebra.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/SlidingWindow.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// ONNX element type of `v` (keeps the signedness of unsigned ints).
Type onnxElem(Value v) {
  return cast<ShapedType>(v.getType()).getElementType();
}

/// A quantized integer type the lowerings handle: 8 or 16 bits.
bool isQuantInt(Type t) {
  auto it = dyn_cast<IntegerType>(t);
  return it && (it.getWidth() == 8 || it.getWidth() == 16);
}

/// What Quantize/DequantizeLinear also take: int4/uint4/int2/uint2 and the
/// float8/float4 types (bytes once converted; castScalar codes them).
bool isNarrowQuant(Type t) { return isByteStoredType(t); }

/// round_half_even(v) + zp (f32), saturated to the range of the ONNX
/// integer type `to` and converted to it.
Value saturateTo(OpBuilder &b, Location loc, Value v, Value zp, Type to) {
  Type f32 = b.getF32Type();
  v = math::RoundEvenOp::create(b, loc, v);
  if (zp)
    v = arith::AddFOp::create(b, loc, v, zp);
  unsigned w = to.getIntOrFloatBitWidth();
  bool isUnsigned = to.isUnsignedInteger();
  double lo = isUnsigned ? 0.0 : -std::ldexp(1.0, w - 1);
  double hi = isUnsigned ? std::ldexp(1.0, w) - 1 : std::ldexp(1.0, w - 1) - 1;
  v = arith::MaximumFOp::create(b, loc, v, scalarConstant(b, loc, f32, lo));
  v = arith::MinimumFOp::create(b, loc, v, scalarConstant(b, loc, f32, hi));
  return castScalar(b, loc, v, f32, to);
}

/// Requantizes the i32 tensor `acc` into a tensor of `resT`'s element type
/// (ONNX type `to`) with the float scales `inScale`, `wScale`, `outScale`
/// and the zero point `outZp` (may be null; its ONNX type is `onnxOutZp`'s),
/// all already shaped to broadcast to `acc`.
Value requantize(OpBuilder &b, Location loc, RankedTensorType resT, Value acc,
                 Value inScale, Value wScale, Value outScale, Value outZp,
                 Value onnxOutZp, Type to) {
  Type f32 = b.getF32Type();
  SmallVector<Value> inputs = {acc, inScale, wScale, outScale};
  SmallVector<Type> from = {b.getI32Type(), onnxElem(inScale), onnxElem(wScale),
                            onnxElem(outScale)};
  if (outZp) {
    inputs.push_back(outZp);
    from.push_back(onnxElem(onnxOutZp));
  }
  auto accT = cast<RankedTensorType>(acc.getType());
  auto outT = RankedTensorType::get(accT.getShape(), resT.getElementType());
  return buildElementwise(
      b, loc, outT, inputs,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        SmallVector<Value> f;
        for (auto [v, t] : llvm::zip(args, from))
          f.push_back(castScalar(nb, nl, v, t, f32));
        Value mult = arith::DivFOp::create(
            nb, nl, arith::MulFOp::create(nb, nl, f[1], f[2]), f[3]);
        Value v = arith::MulFOp::create(nb, nl, f[0], mult);
        return saturateTo(nb, nl, v, f.size() > 4 ? f[4] : Value(), to);
      });
}

/// The elementwise operands of Quantize/DequantizeLinear: x, then the scale
/// and the optional zero point reshaped to broadcast along `axis`, with their
/// ONNX element types (zFrom is null without a zero point).
struct QuantOperands {
  SmallVector<Value> inputs;
  Type sFrom, zFrom;
  bool hasZp() const { return inputs.size() == 3; }
};

/// A per-tensor parameter written as a one-element 1-D tensor broadcasts as
/// it is (ONNX's own tests give float8 zero points as [1]); others go along
/// `axis`.
FailureOr<Value> paramAlongAxis(OpBuilder &b, Location loc, Value p,
                                int64_t axis, int64_t rank) {
  auto t = dyn_cast<RankedTensorType>(p.getType());
  if (t && rank >= 1 && t.getShape() == ArrayRef<int64_t>{1})
    return p;
  return alongAxis(b, loc, p, axis, rank);
}

FailureOr<QuantOperands> quantOperands(OpBuilder &b, Location loc, Value x,
                                       Value scale, Value onnxScale, Value zp,
                                       Value onnxZp, int64_t axis,
                                       int64_t rank) {
  FailureOr<Value> s = paramAlongAxis(b, loc, scale, axis, rank);
  if (failed(s))
    return failure();
  QuantOperands q{{x, *s}, onnxElem(onnxScale), Type()};
  if (!isNoValue(onnxZp)) {
    FailureOr<Value> z = paramAlongAxis(b, loc, zp, axis, rank);
    if (failed(z))
      return failure();
    q.inputs.push_back(*z);
    q.zFrom = onnxElem(onnxZp);
  }
  return q;
}

/// Quantize/DequantizeLinear's elementwise computation `body(x, scale, zp)`
/// (zp null without a zero point) over x, with the scale and zero point
/// per tensor, per axis, or per block of `blockSize` along `axis` (opset 21:
/// they have x's rank, dim `axis` being ceil(x's / blockSize)). Blocked
/// parameters are read at [.., i_axis / blockSize, ..], clamped into their
/// dims so that shapes that disagree at run time never read out of bounds.
/// Fails with a reason in `why`.
using QuantBodyFn = llvm::function_ref<Value(OpBuilder &, Location, Value,
                                             Value, Value)>;
FailureOr<Value> buildQuantization(OpBuilder &b, Location loc,
                                   RankedTensorType resT, Value x,
                                   Value scale, Value onnxScale, Value zp,
                                   Value onnxZp, int64_t axisAttr,
                                   int64_t blockSize, QuantBodyFn body,
                                   StringRef name, std::string &why) {
  std::string what = (name + "_scale and " + name + "_zero_point").str();
  auto xT = cast<RankedTensorType>(x.getType());
  int64_t rank = xT.getRank();
  int64_t axis = normalizeAxis(axisAttr, std::max<int64_t>(rank, 1));
  bool hasZp = !isNoValue(onnxZp);
  if (blockSize == 0) {
    FailureOr<QuantOperands> q = quantOperands(
        b, loc, x, scale, onnxScale, hasZp ? zp : Value(),
        hasZp ? onnxZp : Value(), axis, rank);
    if (failed(q)) {
      why = what + " must be scalars or 1-D along axis";
      return failure();
    }
    return buildElementwise(
        b, loc, resT, q->inputs,
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          return body(nb, nl, args[0], args[1],
                      q->hasZp() ? args[2] : Value());
        });
  }
  if (blockSize < 0 || axis < 0 || axis >= rank) {
    why = "block_size must be positive, along an axis of x";
    return failure();
  }
  SmallVector<Value> params = {scale};
  if (hasZp)
    params.push_back(zp);
  for (Value p : params) {
    auto pT = dyn_cast<RankedTensorType>(p.getType());
    if (!pT || pT.getRank() != rank) {
      why = "blocked " + what + " must have x's rank";
      return failure();
    }
    for (int64_t d = 0; d < rank; ++d) {
      int64_t xd = xT.getDimSize(d), pd = pT.getDimSize(d);
      if (ShapedType::isDynamic(xd) || ShapedType::isDynamic(pd))
        continue;
      int64_t want = d == axis ? (xd + blockSize - 1) / blockSize : xd;
      if (pd != want) {
        why = "blocked " + what + " must have x's dims, dim axis being "
              "ceil(x's / block_size)";
        return failure();
      }
    }
  }
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  SmallVector<SmallVector<Value>> paramDims;
  for (Value p : params) {
    SmallVector<Value> last;
    for (int64_t d = 0; d < rank; ++d)
      last.push_back(arith::SubIOp::create(
          b, loc, tensor::DimOp::create(b, loc, p, d), cIdx(b, loc, 1)));
    paramDims.push_back(last);
  }
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  return generateTensor(
      b, loc, resT, sizes, ValueRange{x}, {id},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange args) {
        SmallVector<Value> read;
        for (auto [p, last] : llvm::zip(params, paramDims)) {
          SmallVector<Value> idx;
          for (int64_t d = 0; d < rank; ++d) {
            Value i = ivs[d];
            if (d == axis)
              i = arith::DivUIOp::create(nb, nl, i, cIdx(nb, nl, blockSize));
            idx.push_back(arith::MinUIOp::create(nb, nl, i, last[d]));
          }
          read.push_back(tensor::ExtractOp::create(nb, nl, p, idx));
        }
        return body(nb, nl, args[0], read[0], hasZp ? read[1] : Value());
      });
}

struct QuantizeLinearLowering : OpConversionPattern<OnnxQuantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxQuantizeLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto xT = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto resT = resultTypeOf(*this, op);
    if (!xT || !resT)
      return rewriter.notifyMatchFailure(op, "x and y must be ranked");
    Type to = onnxElem(op.getY());
    if (!isQuantInt(to) && !isNarrowQuant(to))
      return rewriter.notifyMatchFailure(
          op, "only 2-, 4-, 8- and 16-bit integer, float8 and float4 outputs");
    Type xElem = xT.getElementType();
    if (!isa<FloatType>(xElem) && !xElem.isInteger(32))
      return rewriter.notifyMatchFailure(op, "x must be float or int32");
    // A float8 zero point only gives the output type: its value (0) is not
    // used, as in ONNX's reference.
    Value zp = op.getYZeroPoint();
    bool useZp = !isNoValue(zp) && !(isMiniFloatType(to) &&
                                     !isa<Float4E2M1FNType>(to));
    Type f32 = rewriter.getF32Type();
    Type xFrom = onnxElem(op.getX()), sFrom = onnxElem(op.getYScale());
    Type zFrom = useZp ? onnxElem(zp) : Type();
    bool saturate = op.getSaturate() != 0;
    std::string why;
    FailureOr<Value> y = buildQuantization(
        rewriter, loc, resT, adaptor.getX(), adaptor.getYScale(),
        op.getYScale(), useZp ? adaptor.getYZeroPoint() : Value(),
        useZp ? zp : Value(), op.getAxis(), op.getBlockSize(),
        [&](OpBuilder &nb, Location nl, Value xv, Value sv, Value zv) {
          Value x = castScalar(nb, nl, xv, xFrom, f32);
          Value s = castScalar(nb, nl, sv, sFrom, f32);
          Value z = zv ? castScalar(nb, nl, zv, zFrom, f32) : Value();
          Value q = arith::DivFOp::create(nb, nl, x, s);
          // As ONNX's reference: float8 ignores the zero point (it must be
          // 0) and rounds with `saturate`; float4 adds it and always
          // saturates; integers round half to even and clamp.
          if (isa<Float4E2M1FNType>(to) && z)
            q = arith::AddFOp::create(nb, nl, q, z);
          if (isMiniFloatType(to))
            return castScalar(nb, nl, q, f32, to, saturate);
          return saturateTo(nb, nl, q, z, to);
        },
        "y", why);
    if (failed(y))
      return rewriter.notifyMatchFailure(op, why);
    rewriter.replaceOp(op, *y);
    return success();
  }
};

struct DequantizeLinearLowering : OpConversionPattern<OnnxDequantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxDequantizeLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto xT = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto resT = resultTypeOf(*this, op);
    if (!xT || !resT)
      return rewriter.notifyMatchFailure(op, "x and y must be ranked");
    Type from = onnxElem(op.getX());
    if (!isQuantInt(from) && !from.isInteger(32) && !isNarrowQuant(from))
      return rewriter.notifyMatchFailure(
          op, "only 2-, 4-, 8-, 16- and 32-bit integer, float8 and float4 "
              "inputs");
    Type outElem = resT.getElementType();
    if (!isa<FloatType>(outElem))
      return rewriter.notifyMatchFailure(op, "y must be float");
    Type f32 = rewriter.getF32Type();
    Type sFrom = onnxElem(op.getXScale());
    Value zp = op.getXZeroPoint();
    Type zFrom = isNoValue(zp) ? Type() : onnxElem(zp);
    std::string why;
    FailureOr<Value> y = buildQuantization(
        rewriter, loc, resT, adaptor.getX(), adaptor.getXScale(),
        op.getXScale(), adaptor.getXZeroPoint(), zp, op.getAxis(),
        op.getBlockSize(),
        [&](OpBuilder &nb, Location nl, Value xv, Value sv, Value zv) {
          Value x = castScalar(nb, nl, xv, from, f32);
          if (zv)
            x = arith::SubFOp::create(nb, nl, x,
                                      castScalar(nb, nl, zv, zFrom, f32));
          Value s = castScalar(nb, nl, sv, sFrom, f32);
          return castScalar(nb, nl, arith::MulFOp::create(nb, nl, x, s), f32,
                            outElem);
        },
        "x", why);
    if (failed(y))
      return rewriter.notifyMatchFailure(op, why);
    rewriter.replaceOp(op, *y);
    return success();
  }
};

/// The i32 convolution of ConvInteger and QLinearConv: (x - x_zp) conv
/// (w - w_zp), with w_zp per output channel or per tensor. Returns the
/// accumulator and fills `geo`, or a failure reason.
template <typename Op>
FailureOr<Value> integerConv(ConversionPatternRewriter &rewriter, Op op,
                             Value x, Value onnxX, Value xZp, Value onnxXZp,
                             Value w, Value onnxW, Value wZp, Value onnxWZp,
                             RankedTensorType resT, ConvGeometry &geo) {
  Location loc = op.getLoc();
  auto xT = dyn_cast<RankedTensorType>(x.getType());
  auto wT = dyn_cast<RankedTensorType>(w.getType());
  if (!xT || !wT)
    return rewriter.notifyMatchFailure(op, "x and w must be ranked");
  if (!isQuantInt(onnxElem(onnxX)) || !isQuantInt(onnxElem(onnxW)))
    return rewriter.notifyMatchFailure(op,
                                       "x and w must be 8- or 16-bit integers");
  if (xT.getRank() != wT.getRank() || xT.getRank() < 3)
    return rewriter.notifyMatchFailure(op, "x and w must have one rank >= 3");
  Value xz, wz;
  if (!isNoValue(onnxXZp)) {
    auto zT = dyn_cast<RankedTensorType>(xZp.getType());
    if (!zT || zT.getRank() > 1)
      return rewriter.notifyMatchFailure(op, "x_zero_point must be a scalar");
    xz = xZp;
  }
  if (!isNoValue(onnxWZp)) {
    auto z = alongAxis(rewriter, loc, wZp, 0, wT.getRank());
    if (failed(z))
      return rewriter.notifyMatchFailure(
          op, "w_zero_point must be a scalar or one per output channel");
    wz = *z;
  }
  Type i32 = rewriter.getI32Type();
  Value x32 = widenMinusZeroPoint(rewriter, loc, x, onnxX, xz, onnxXZp, i32);
  Value w32 = widenMinusZeroPoint(rewriter, loc, w, onnxW, wz, onnxWZp, i32);
  if (auto reason =
          analyzeConv(rewriter, loc, x32, w32, op.getGroup(),
                      op.getKernelShape(), op.getStrides(), op.getDilations(),
                      op.getPads(), op.getAutoPad(), resT, geo))
    return rewriter.notifyMatchFailure(op, *reason);
  // Padding with zeros after the zero point is subtracted is padding the
  // quantized input with its zero point, as ONNX specifies.
  Value padded = padSpatial(rewriter, loc, x32, geo.windows,
                            scalarConstant(rewriter, loc, i32, 0.0));
  return buildConvolution(rewriter, loc, padded, w32, op.getGroup(),
                          geo.attrs.strides, geo.attrs.dilations, geo.outShape,
                          geo.outSizes, i32);
}

struct ConvIntegerLowering : OpConversionPattern<OnnxConvIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxConvIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resT = resultTypeOf(*this, op);
    if (!resT || !resT.getElementType().isInteger(32))
      return rewriter.notifyMatchFailure(op, "y must be a ranked int32 tensor");
    ConvGeometry geo;
    FailureOr<Value> y = integerConv(
        rewriter, op, adaptor.getX(), op.getX(), adaptor.getXZeroPoint(),
        op.getXZeroPoint(), adaptor.getW(), op.getW(), adaptor.getWZeroPoint(),
        op.getWZeroPoint(), resT, geo);
    if (failed(y))
      return failure();
    rewriter.replaceOp(op, castTo(rewriter, op.getLoc(), *y, resT));
    return success();
  }
};

struct QLinearConvLowering : OpConversionPattern<OnnxQLinearConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxQLinearConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resT = resultTypeOf(*this, op);
    if (!resT)
      return rewriter.notifyMatchFailure(op, "y must be ranked");
    Type to = onnxElem(op.getY());
    if (!isQuantInt(to))
      return rewriter.notifyMatchFailure(op,
                                         "y must be an 8- or 16-bit integer");
    ConvGeometry geo;
    FailureOr<Value> acc = integerConv(
        rewriter, op, adaptor.getX(), op.getX(), adaptor.getXZeroPoint(),
        op.getXZeroPoint(), adaptor.getW(), op.getW(), adaptor.getWZeroPoint(),
        op.getWZeroPoint(), resT, geo);
    if (failed(acc))
      return failure();
    int64_t rank = cast<RankedTensorType>(acc->getType()).getRank();
    // The bias (i32, one per output channel) joins the accumulator.
    if (!isNoValue(op.getB())) {
      auto bT = dyn_cast<RankedTensorType>(adaptor.getB().getType());
      if (!bT || bT.getRank() != 1 || !bT.getElementType().isInteger(32))
        return rewriter.notifyMatchFailure(op, "B must be a 1-D int32 tensor");
      Value bias = *alongAxis(rewriter, loc, adaptor.getB(), 1, rank);
      *acc = buildElementwise(
          rewriter, loc, cast<RankedTensorType>(acc->getType()),
          ValueRange{*acc, bias},
          [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
            return arith::AddIOp::create(nb, nl, args[0], args[1]);
          });
    }
    // w_scale may be one per output channel (dim 1 of y).
    auto wScale = alongAxis(rewriter, loc, adaptor.getWScale(), 1, rank);
    auto xScale = dyn_cast<RankedTensorType>(adaptor.getXScale().getType());
    auto yScale = dyn_cast<RankedTensorType>(adaptor.getYScale().getType());
    if (failed(wScale) || !xScale || !yScale || xScale.getRank() > 1 ||
        yScale.getRank() > 1)
      return rewriter.notifyMatchFailure(
          op, "x_scale and y_scale must be scalars, w_scale a scalar or one "
              "per output channel");
    Value yZp;
    if (!isNoValue(op.getYZeroPoint())) {
      auto zT = dyn_cast<RankedTensorType>(adaptor.getYZeroPoint().getType());
      if (!zT || zT.getRank() > 1)
        return rewriter.notifyMatchFailure(op, "y_zero_point must be a scalar");
      yZp = adaptor.getYZeroPoint();
    }
    Value y =
        requantize(rewriter, loc, resT, *acc, adaptor.getXScale(), *wScale,
                   adaptor.getYScale(), yZp, op.getYZeroPoint(), to);
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resT));
    return success();
  }
};

struct QLinearMatMulLowering : OpConversionPattern<OnnxQLinearMatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxQLinearMatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto aT = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto bT = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    auto resT = resultTypeOf(*this, op);
    if (!aT || !bT || !resT)
      return rewriter.notifyMatchFailure(op, "a, b and y must be ranked");
    Type to = onnxElem(op.getY());
    if (!isQuantInt(onnxElem(op.getA())) || !isQuantInt(onnxElem(op.getB())) ||
        !isQuantInt(to))
      return rewriter.notifyMatchFailure(
          op, "a, b and y must be 8- or 16-bit integers");
    if (aT.getRank() < 2 || bT.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "a and b must be at least 2-D");
    auto shape = matMulShape(aT, bT);
    if (!shape || !isShapeCastCompatible(*shape, resT))
      return rewriter.notifyMatchFailure(
          op, "a and b do not multiply to the declared result shape");
    // a's parameters may be one per row: [M] -> [M, 1]; b's one per column,
    // which broadcasts as it is.
    int64_t aRank = aT.getRank();
    auto perRow = [&](Value v) {
      return alongAxis(rewriter, loc, v, aRank - 2, aRank);
    };
    auto perCol = [&](Value v) -> FailureOr<Value> {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t || t.getRank() > 1)
        return failure();
      return v;
    };
    FailureOr<Value> aZp = Value(), bZp = Value(), yZp = Value();
    if (!isNoValue(op.getAZeroPoint()))
      aZp = perRow(adaptor.getAZeroPoint());
    if (!isNoValue(op.getBZeroPoint()))
      bZp = perCol(adaptor.getBZeroPoint());
    if (!isNoValue(op.getYZeroPoint()))
      yZp = perCol(adaptor.getYZeroPoint());
    auto aScale = perRow(adaptor.getAScale());
    auto bScale = perCol(adaptor.getBScale());
    auto yScale = perCol(adaptor.getYScale());
    if (failed(aZp) || failed(bZp) || failed(yZp) || failed(aScale) ||
        failed(bScale) || failed(yScale))
      return rewriter.notifyMatchFailure(
          op, "scales and zero points must be scalars, per row of a or per "
              "column of b");
    Type wide = quantizedOperandType(rewriter, onnxElem(op.getA()),
                                     onnxElem(op.getB()));
    Value a32 = widenMinusZeroPoint(rewriter, loc, adaptor.getA(), op.getA(),
                                    *aZp, op.getAZeroPoint(), wide);
    Value b32 = widenMinusZeroPoint(rewriter, loc, adaptor.getB(), op.getB(),
                                    *bZp, op.getBZeroPoint(), wide);
    Value acc = buildMatMul(rewriter, loc, a32, b32, rewriter.getI32Type());
    Value y = requantize(rewriter, loc, resT, acc, *aScale, *bScale, *yScale,
                         *yZp, op.getYZeroPoint(), to);
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resT));
    return success();
  }
};

} // namespace

void kiln::populateQuantizationPatterns(TypeConverter &tc,
                                        RewritePatternSet &patterns) {
  patterns.add<QuantizeLinearLowering, DequantizeLinearLowering,
               ConvIntegerLowering, QLinearConvLowering, QLinearMatMulLowering>(
      tc, patterns.getContext());
}
