//===- Elementwise.cpp - onnx to linalg: elementwise ops ------------------===//
//
// Every elementwise ONNX op becomes one broadcasting linalg.generic (see
// buildElementwise) whose body computes a result element from one scalar per
// input. The ONNX element types (with their signedness) are taken from the
// original op, since the converted operands carry signless integers.
// Transcendental math on f16/bf16 runs in f32: LLVM has no half variants of
// most libm functions, and one rounding at the end is what ONNX Runtime does.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ReductionUtils.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// The ONNX element types of an op's operands and of its result.
struct ElemTypes {
  SmallVector<Type> in;
  Type out;
};

bool isFloat(Type t) { return isa<FloatType>(t); }

/// `v` extended to the type its math runs in (f32 for f16/bf16).
Value promote(OpBuilder &b, Location loc, Value v) {
  Type ct = mathComputeType(v.getType());
  if (ct == v.getType())
    return v;
  return arith::ExtFOp::create(b, loc, ct, v);
}

/// `v` (computed in the math compute type) rounded back to float type `t`.
Value demote(OpBuilder &b, Location loc, Value v, Type t) {
  if (v.getType() == t)
    return v;
  return arith::TruncFOp::create(b, loc, t, v);
}

Value cst(OpBuilder &b, Location loc, Type t, double v) {
  return scalarConstant(b, loc, t, v);
}

Value cmpF(OpBuilder &b, Location loc, arith::CmpFPredicate p, Value x,
           Value y) {
  return arith::CmpFOp::create(b, loc, p, x, y);
}

Value cmpI(OpBuilder &b, Location loc, arith::CmpIPredicate p, Value x,
           Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}

Value select(OpBuilder &b, Location loc, Value c, Value t, Value f) {
  return arith::SelectOp::create(b, loc, c, t, f);
}

Value addF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
Value subF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
Value mulF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
Value divF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::DivFOp::create(b, loc, x, y);
}
Value maxF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MaximumFOp::create(b, loc, x, y);
}
Value minF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MinimumFOp::create(b, loc, x, y);
}

/// log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
Value softplus(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value negAbs = arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
  Value l = math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, negAbs));
  return addF(b, loc, maxF(b, loc, x, cst(b, loc, t, 0.0)), l);
}

/// Maximum (or minimum) of two scalars of ONNX type `t`. Floats propagate
/// NaN like numpy.
Value maxOf(OpBuilder &b, Location loc, Type t, Value x, Value y, bool max) {
  if (isFloat(t))
    return max ? maxF(b, loc, x, y) : minF(b, loc, x, y);
  if (t.isUnsignedInteger() || t.isInteger(1))
    return max ? arith::MaxUIOp::create(b, loc, x, y).getResult()
               : arith::MinUIOp::create(b, loc, x, y).getResult();
  return max ? arith::MaxSIOp::create(b, loc, x, y).getResult()
             : arith::MinSIOp::create(b, loc, x, y).getResult();
}

/// The element types the lowerings handle (no float8/float4, complex or
/// strings).
bool isSupportedType(Type t) {
  if (isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(t))
    return true;
  auto i = dyn_cast<IntegerType>(t);
  return i && llvm::is_contained({1u, 8u, 16u, 32u, 64u}, i.getWidth());
}

/// What kinds of element types an op accepts (checked before building, so
/// a bad type is a clear error instead of an invalid arith op).
enum class Types { Any, Numeric, Float, Int, Bool };

template <typename OpTy>
using BodyFn = Value (*)(OpTy, OpBuilder &, Location, ValueRange,
                         const ElemTypes &);
template <typename OpTy>
using CheckFn = LogicalResult (*)(OpTy, const ElemTypes &,
                                  ConversionPatternRewriter &);

/// Lowers an elementwise op whose tensor operands all feed one broadcasting
/// linalg.generic computing `body`. `check` rejects attribute values or
/// type combinations the body does not handle.
template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpAdaptor = typename OpTy::Adaptor;

  ElementwiseLowering(const TypeConverter &tc, MLIRContext *ctx, Types types,
                      BodyFn<OpTy> body, CheckFn<OpTy> check = nullptr)
      : OpConversionPattern<OpTy>(tc, ctx), types(types), body(body),
        check(check) {}

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast_or_null<RankedTensorType>(
        this->getTypeConverter()->convertType(op->getResult(0).getType()));
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "expected a ranked tensor result");
    // Opset < 7 broadcast along `axis` is not numpy broadcasting.
    if (op->getAttr("axis"))
      return rewriter.notifyMatchFailure(
          op, "legacy (opset < 7) broadcast with an axis is not supported");
    ElemTypes et;
    for (Value v : op->getOperands()) {
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(op,
                                           "expected ranked tensor operands");
      et.in.push_back(getElementTypeOrSelf(v.getType()));
    }
    et.out = getElementTypeOrSelf(op->getResult(0).getType());
    if (et.in.empty())
      return rewriter.notifyMatchFailure(op, "expected operands");
    Type t = et.in[0];
    bool ok = true;
    switch (types) {
    case Types::Any:
      ok = isa<FloatType, IntegerType>(t);
      break;
    case Types::Numeric:
      ok = isFloat(t) || (isa<IntegerType>(t) && !t.isInteger(1));
      break;
    case Types::Float:
      ok = isFloat(t);
      break;
    case Types::Int:
      ok = isa<IntegerType>(t) && !t.isInteger(1);
      break;
    case Types::Bool:
      ok = t.isInteger(1);
      break;
    }
    // The float8/float4 and 4-/2-bit types (bytes once converted) only
    // pass through Cast's codecs and Where's select: no arithmetic.
    constexpr bool narrowOk = std::is_same_v<OpTy, OnnxCastOp> ||
                              std::is_same_v<OpTy, OnnxWhereOp>;
    auto supported = [&](Type t) {
      return isSupportedType(t) || (narrowOk && isByteStoredType(t));
    };
    ok &= supported(et.out);
    for (Type in : et.in)
      ok &= supported(in);
    if (!ok)
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    if (check && failed(check(op, et, rewriter)))
      return failure();
    Value r = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return body(op, b, loc, args, et);
        });
    rewriter.replaceOp(op, r);
    return success();
  }

  Types types;
  BodyFn<OpTy> body;
  CheckFn<OpTy> check;
};

//===----------------------------------------------------------------------===//
// Bodies
//===----------------------------------------------------------------------===//

/// A binary arithmetic op picking the float, signed or unsigned arith op.
template <typename OpTy, typename FOp, typename SOp, typename UOp>
Value arithBody(OpTy, OpBuilder &b, Location loc, ValueRange a,
                const ElemTypes &et) {
  Type t = et.in[0];
  if (isFloat(t))
    return FOp::create(b, loc, a[0], a[1]);
  if (t.isUnsignedInteger())
    return UOp::create(b, loc, a[0], a[1]);
  return SOp::create(b, loc, a[0], a[1]);
}

/// A float math function computed in f32 for half types.
template <typename OpTy, typename MathOp>
Value mathBody(OpTy, OpBuilder &b, Location loc, ValueRange a,
               const ElemTypes &et) {
  Value x = promote(b, loc, a[0]);
  return demote(b, loc, MathOp::create(b, loc, x), et.out);
}

/// A float function of one value, written in terms of `fn`, in f32 for
/// half types.
Value unaryF(OpBuilder &b, Location loc, Value v, Type out,
             llvm::function_ref<Value(Value, Type)> fn) {
  Value x = promote(b, loc, v);
  return demote(b, loc, fn(x, x.getType()), out);
}

template <typename OpTy, arith::CmpFPredicate FP, arith::CmpIPredicate SP,
          arith::CmpIPredicate UP>
Value compareBody(OpTy, OpBuilder &b, Location loc, ValueRange a,
                  const ElemTypes &et) {
  Type t = et.in[0];
  if (isFloat(t))
    return cmpF(b, loc, FP, a[0], a[1]);
  if (t.isUnsignedInteger() || t.isInteger(1))
    return cmpI(b, loc, UP, a[0], a[1]);
  return cmpI(b, loc, SP, a[0], a[1]);
}

template <typename OpTy, typename IOp>
Value bitwiseBody(OpTy, OpBuilder &b, Location loc, ValueRange a,
                  const ElemTypes &) {
  return IOp::create(b, loc, a[0], a[1]);
}

LogicalResult sameInputTypes(Operation *op, const ElemTypes &et,
                             ConversionPatternRewriter &rewriter) {
  for (Type t : et.in)
    if (t != et.in[0])
      return rewriter.notifyMatchFailure(op, "inputs differ in element type");
  return success();
}
template <typename OpTy>
LogicalResult sameTypes(OpTy op, const ElemTypes &et,
                        ConversionPatternRewriter &rewriter) {
  return sameInputTypes(op, et, rewriter);
}

Value powBody(OnnxPowOp, OpBuilder &b, Location loc, ValueRange a,
              const ElemTypes &et) {
  Type xt = et.in[0], yt = et.in[1];
  if (isFloat(xt)) {
    Value x = promote(b, loc, a[0]);
    Value y = castScalar(b, loc, a[1], yt, x.getType());
    return demote(b, loc, math::PowFOp::create(b, loc, x, y), xt);
  }
  // Integer bases: pow in f64 and truncate back, as ONNX Runtime does.
  Type f64 = b.getF64Type();
  Value x = castScalar(b, loc, a[0], xt, f64);
  Value y = castScalar(b, loc, a[1], yt, f64);
  return castScalar(b, loc, math::PowFOp::create(b, loc, x, y), f64, xt);
}

Value negBody(OnnxNegOp, OpBuilder &b, Location loc, ValueRange a,
              const ElemTypes &et) {
  if (isFloat(et.in[0]))
    return arith::NegFOp::create(b, loc, a[0]);
  return arith::SubIOp::create(b, loc, cst(b, loc, a[0].getType(), 0), a[0]);
}

Value absBody(OnnxAbsOp, OpBuilder &b, Location loc, ValueRange a,
              const ElemTypes &et) {
  Type t = et.in[0];
  if (isFloat(t))
    return math::AbsFOp::create(b, loc, a[0]);
  if (t.isUnsignedInteger())
    return a[0];
  return math::AbsIOp::create(b, loc, a[0]);
}

Value sigmoidBody(OnnxSigmoidOp, OpBuilder &b, Location loc, ValueRange a,
                  const ElemTypes &et) {
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return divF(b, loc, cst(b, loc, t, 1.0),
                addF(b, loc, cst(b, loc, t, 1.0), e));
  });
}

Value reluBody(OnnxReluOp, OpBuilder &b, Location loc, ValueRange a,
               const ElemTypes &et) {
  Value zero = cst(b, loc, a[0].getType(), 0.0);
  return maxOf(b, loc, et.in[0], a[0], zero, /*max=*/true);
}

Value leakyReluBody(OnnxLeakyReluOp op, OpBuilder &b, Location loc,
                    ValueRange a, const ElemTypes &et) {
  double alpha = op.getAlpha().convertToDouble();
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    Value neg = cmpF(b, loc, arith::CmpFPredicate::OLT, x, cst(b, loc, t, 0));
    return select(b, loc, neg, mulF(b, loc, x, cst(b, loc, t, alpha)), x);
  });
}

Value hardSigmoidBody(OnnxHardSigmoidOp op, OpBuilder &b, Location loc,
                      ValueRange a, const ElemTypes &et) {
  double alpha = op.getAlpha().convertToDouble();
  double beta = op.getBeta().convertToDouble();
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    Value y = addF(b, loc, mulF(b, loc, x, cst(b, loc, t, alpha)),
                   cst(b, loc, t, beta));
    return maxF(b, loc, cst(b, loc, t, 0.0),
                minF(b, loc, cst(b, loc, t, 1.0), y));
  });
}

Value hardSwishBody(OnnxHardSwishOp, OpBuilder &b, Location loc, ValueRange a,
                    const ElemTypes &et) {
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    Value y = addF(b, loc, mulF(b, loc, x, cst(b, loc, t, 1.0 / 6.0)),
                   cst(b, loc, t, 0.5));
    Value hs =
        maxF(b, loc, cst(b, loc, t, 0.0), minF(b, loc, cst(b, loc, t, 1.0), y));
    return mulF(b, loc, x, hs);
  });
}

template <typename OpTy, bool IsMax>
Value variadicMaxBody(OpTy, OpBuilder &b, Location loc, ValueRange a,
                      const ElemTypes &et) {
  Value r = a[0];
  for (Value v : a.drop_front())
    r = maxOf(b, loc, et.in[0], r, v, IsMax);
  return r;
}

Value sumBody(OnnxSumOp, OpBuilder &b, Location loc, ValueRange a,
              const ElemTypes &et) {
  Value r = a[0];
  for (Value v : a.drop_front())
    r = isFloat(et.in[0]) ? addF(b, loc, r, v)
                          : arith::AddIOp::create(b, loc, r, v).getResult();
  return r;
}

Value meanBody(OnnxMeanOp, OpBuilder &b, Location loc, ValueRange a,
               const ElemTypes &et) {
  Value r = promote(b, loc, a[0]);
  for (Value v : a.drop_front())
    r = addF(b, loc, r, promote(b, loc, v));
  r = divF(b, loc, r, cst(b, loc, r.getType(), (double)a.size()));
  return demote(b, loc, r, et.out);
}

Value whereBody(OnnxWhereOp, OpBuilder &b, Location loc, ValueRange a,
                const ElemTypes &) {
  return select(b, loc, a[0], a[1], a[2]);
}

LogicalResult whereCheck(OnnxWhereOp op, const ElemTypes &et,
                         ConversionPatternRewriter &rewriter) {
  if (!et.in[0].isInteger(1) || et.in[1] != et.in[2])
    return rewriter.notifyMatchFailure(
        op, "expected a bool condition and equal value types");
  return success();
}


LogicalResult castCheck(OnnxCastOp op, const ElemTypes &et,
                        ConversionPatternRewriter &rewriter) {
  Type to = onnxElementType(op.getContext(), (int64_t)op.getTo());
  if (!to)
    return rewriter.notifyMatchFailure(
        op, "Cast to this data type (strings, complex, float6) is not "
            "supported");
  if (to != et.out)
    return rewriter.notifyMatchFailure(
        op, "result element type does not match the 'to' attribute");
  if (!isa<Float16Type, BFloat16Type, Float32Type, Float64Type, IntegerType>(
          et.in[0]) &&
      !isMiniFloatType(et.in[0]))
    return rewriter.notifyMatchFailure(op, "unsupported input element type");
  StringRef mode = op.getRoundMode();
  if (mode != "up" && mode != "down" && mode != "nearest")
    return rewriter.notifyMatchFailure(op, "round_mode must be up, down or "
                                           "nearest");
  return success();
}

Value castBody(OnnxCastOp op, OpBuilder &b, Location loc, ValueRange a,
               const ElemTypes &et) {
  return castScalar(b, loc, a[0], et.in[0], et.out, op.getSaturate() != 0,
                    op.getRoundMode());
}

/// BitCast-26 reinterprets the bits of each element as another type of the
/// same size (bool counts as one byte).
LogicalResult bitCastCheck(OnnxBitCastOp op, const ElemTypes &et,
                           ConversionPatternRewriter &rewriter) {
  auto bits = [](Type t) {
    return t.isInteger(1) ? 8u : t.getIntOrFloatBitWidth();
  };
  if (!et.in[0].isIntOrFloat() || !et.out.isIntOrFloat() ||
      bits(et.in[0]) != bits(et.out) || bits(et.out) < 8)
    return rewriter.notifyMatchFailure(
        op, "BitCast needs element types of the same size, in whole bytes");
  return success();
}

Value bitCastBody(OnnxBitCastOp, OpBuilder &b, Location loc, ValueRange a,
                  const ElemTypes &et) {
  Value v = a[0];
  Type to = signlessType(et.out);
  if (v.getType() == to)
    return v;
  if (v.getType().isInteger(1))
    return arith::ExtUIOp::create(b, loc, to, v);
  if (to.isInteger(1)) // A byte read as bool: any set bit is true.
    return cmpI(b, loc, arith::CmpIPredicate::ne, v, cst(b, loc, v.getType(), 0));
  return arith::BitcastOp::create(b, loc, to, v);
}

Value notBody(OnnxNotOp, OpBuilder &b, Location loc, ValueRange a,
              const ElemTypes &) {
  Value t = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  return arith::XOrIOp::create(b, loc, a[0], t);
}

Value reciprocalBody(OnnxReciprocalOp, OpBuilder &b, Location loc, ValueRange a,
                     const ElemTypes &et) {
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    return divF(b, loc, cst(b, loc, t, 1.0), x);
  });
}

Value signBody(OnnxSignOp, OpBuilder &b, Location loc, ValueRange a,
               const ElemTypes &et) {
  Type t = et.in[0];
  Value x = a[0];
  Type st = x.getType();
  Value zero = cst(b, loc, st, 0), one = cst(b, loc, st, 1);
  if (isFloat(t)) {
    // Zero and NaN map to themselves.
    Value pos = cmpF(b, loc, arith::CmpFPredicate::OGT, x, zero);
    Value neg = cmpF(b, loc, arith::CmpFPredicate::OLT, x, zero);
    return select(b, loc, pos, one,
                  select(b, loc, neg, cst(b, loc, st, -1), x));
  }
  if (t.isUnsignedInteger())
    return select(b, loc, cmpI(b, loc, arith::CmpIPredicate::ne, x, zero), one,
                  zero);
  Value pos = cmpI(b, loc, arith::CmpIPredicate::sgt, x, zero);
  Value neg = cmpI(b, loc, arith::CmpIPredicate::slt, x, zero);
  return select(b, loc, pos, one,
                select(b, loc, neg, cst(b, loc, st, -1), zero));
}

Value eluBody(OnnxEluOp op, OpBuilder &b, Location loc, ValueRange a,
              const ElemTypes &et) {
  double alpha = op.getAlpha().convertToDouble();
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    Value em1 = subF(b, loc, math::ExpOp::create(b, loc, x), cst(b, loc, t, 1));
    Value neg = cmpF(b, loc, arith::CmpFPredicate::OLT, x, cst(b, loc, t, 0));
    return select(b, loc, neg, mulF(b, loc, cst(b, loc, t, alpha), em1), x);
  });
}

Value seluBody(OnnxSeluOp op, OpBuilder &b, Location loc, ValueRange a,
               const ElemTypes &et) {
  double alpha = op.getAlpha().convertToDouble();
  double gamma = op.getGamma().convertToDouble();
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    Value neg = subF(
        b, loc,
        mulF(b, loc, cst(b, loc, t, alpha), math::ExpOp::create(b, loc, x)),
        cst(b, loc, t, alpha));
    Value pos = cmpF(b, loc, arith::CmpFPredicate::OGT, x, cst(b, loc, t, 0));
    return mulF(b, loc, cst(b, loc, t, gamma), select(b, loc, pos, x, neg));
  });
}

Value celuBody(OnnxCeluOp op, OpBuilder &b, Location loc, ValueRange a,
               const ElemTypes &et) {
  double alpha = op.getAlpha().convertToDouble();
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    Value zero = cst(b, loc, t, 0);
    Value e =
        math::ExpOp::create(b, loc, divF(b, loc, x, cst(b, loc, t, alpha)));
    Value neg =
        mulF(b, loc, cst(b, loc, t, alpha), subF(b, loc, e, cst(b, loc, t, 1)));
    return addF(b, loc, maxF(b, loc, zero, x), minF(b, loc, zero, neg));
  });
}

Value softplusBody(OnnxSoftplusOp, OpBuilder &b, Location loc, ValueRange a,
                   const ElemTypes &et) {
  return unaryF(b, loc, a[0], et.out,
                [&](Value x, Type) { return softplus(b, loc, x); });
}

Value softsignBody(OnnxSoftsignOp, OpBuilder &b, Location loc, ValueRange a,
                   const ElemTypes &et) {
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    Value d = addF(b, loc, cst(b, loc, t, 1), math::AbsFOp::create(b, loc, x));
    return divF(b, loc, x, d);
  });
}

Value mishBody(OnnxMishOp, OpBuilder &b, Location loc, ValueRange a,
               const ElemTypes &et) {
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type) {
    return mulF(b, loc, x, math::TanhOp::create(b, loc, softplus(b, loc, x)));
  });
}

LogicalResult geluCheck(OnnxGeluOp op, const ElemTypes &,
                        ConversionPatternRewriter &rewriter) {
  if (op.getApproximate() != "none" && op.getApproximate() != "tanh")
    return rewriter.notifyMatchFailure(
        op, "Gelu approximate must be 'none' or 'tanh'");
  return success();
}

Value geluBody(OnnxGeluOp op, OpBuilder &b, Location loc, ValueRange a,
               const ElemTypes &et) {
  bool useTanh = op.getApproximate() == "tanh";
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    Value inner;
    if (useTanh) {
      // sqrt(2/pi) * (x + 0.044715 x^3)
      Value x3 = mulF(b, loc, mulF(b, loc, x, x), x);
      Value s = addF(b, loc, x, mulF(b, loc, cst(b, loc, t, 0.044715), x3));
      inner = math::TanhOp::create(
          b, loc,
          mulF(b, loc, cst(b, loc, t, 0.7978845608028654 /* sqrt(2/pi) */), s));
    } else {
      inner = math::ErfOp::create(
          b, loc, mulF(b, loc, x, cst(b, loc, t, 1.0 / std::sqrt(2.0))));
    }
    Value half = mulF(b, loc, cst(b, loc, t, 0.5), x);
    return mulF(b, loc, half, addF(b, loc, cst(b, loc, t, 1.0), inner));
  });
}

Value thresholdedReluBody(OnnxThresholdedReluOp op, OpBuilder &b, Location loc,
                          ValueRange a, const ElemTypes &et) {
  double alpha = op.getAlpha().convertToDouble();
  return unaryF(b, loc, a[0], et.out, [&](Value x, Type t) {
    Value gt =
        cmpF(b, loc, arith::CmpFPredicate::OGT, x, cst(b, loc, t, alpha));
    return select(b, loc, gt, x, cst(b, loc, t, 0));
  });
}

Value shrinkBody(OnnxShrinkOp op, OpBuilder &b, Location loc, ValueRange a,
                 const ElemTypes &et) {
  double bias = op.getBias().convertToDouble();
  double lambd = op.getLambd().convertToDouble();
  Type t = et.in[0];
  // Integers are shrunk in f32 and truncated back, as ONNX Runtime does.
  Type ct = isFloat(t) ? mathComputeType(t) : b.getF32Type();
  Value x = castScalar(b, loc, a[0], t, ct);
  Value lo =
      cmpF(b, loc, arith::CmpFPredicate::OLT, x, cst(b, loc, ct, -lambd));
  Value hi = cmpF(b, loc, arith::CmpFPredicate::OGT, x, cst(b, loc, ct, lambd));
  Value r = select(b, loc, lo, addF(b, loc, x, cst(b, loc, ct, bias)),
                   select(b, loc, hi, subF(b, loc, x, cst(b, loc, ct, bias)),
                          cst(b, loc, ct, 0)));
  return castScalar(b, loc, r, ct, t);
}

Value preluBody(OnnxPReluOp, OpBuilder &b, Location loc, ValueRange a,
                const ElemTypes &et) {
  Type t = et.in[0];
  Value x = a[0], slope = a[1];
  if (isFloat(t)) {
    Value neg =
        cmpF(b, loc, arith::CmpFPredicate::OLT, x, cst(b, loc, x.getType(), 0));
    return select(b, loc, neg, mulF(b, loc, x, slope), x);
  }
  if (t.isUnsignedInteger())
    return x;
  Value neg =
      cmpI(b, loc, arith::CmpIPredicate::slt, x, cst(b, loc, x.getType(), 0));
  return select(b, loc, neg, arith::MulIOp::create(b, loc, x, slope), x);
}

LogicalResult modCheck(OnnxModOp op, const ElemTypes &et,
                       ConversionPatternRewriter &rewriter) {
  if (failed(sameInputTypes(op, et, rewriter)))
    return failure();
  return success();
}

Value modBody(OnnxModOp op, OpBuilder &b, Location loc, ValueRange a,
              const ElemTypes &et) {
  Type t = et.in[0];
  if (isFloat(t)) {
    // fmod=1: C's fmod, the sign of the dividend. fmod=0 (allowed for
    // floats since Mod-26): numpy's mod, a nonzero remainder takes the
    // divisor's sign (x mod inf of the other sign is inf), a zero one
    // the divisor's sign too.
    Value x = promote(b, loc, a[0]), y = promote(b, loc, a[1]);
    Value r = arith::RemFOp::create(b, loc, x, y);
    if (op.getFmod() != 1) {
      Value zero = cst(b, loc, r.getType(), 0);
      Value nonzero = cmpF(b, loc, arith::CmpFPredicate::UNE, r, zero);
      Value differ = arith::XOrIOp::create(
          b, loc, cmpF(b, loc, arith::CmpFPredicate::OLT, r, zero),
          cmpF(b, loc, arith::CmpFPredicate::OLT, y, zero));
      Value fix = arith::AndIOp::create(b, loc, nonzero, differ);
      r = select(b, loc, fix, addF(b, loc, r, y),
                 select(b, loc, nonzero, r,
                        math::CopySignOp::create(b, loc, zero, y)));
    }
    return demote(b, loc, r, t);
  }
  if (t.isUnsignedInteger())
    return arith::RemUIOp::create(b, loc, a[0], a[1]);
  Value r = arith::RemSIOp::create(b, loc, a[0], a[1]);
  if (op.getFmod() == 1)
    return r;
  // Python-style: a nonzero remainder takes the sign of the divisor.
  Value zero = cst(b, loc, r.getType(), 0);
  Value rNeg = cmpI(b, loc, arith::CmpIPredicate::slt, r, zero);
  Value dNeg = cmpI(b, loc, arith::CmpIPredicate::slt, a[1], zero);
  Value fix = arith::AndIOp::create(
      b, loc, cmpI(b, loc, arith::CmpIPredicate::ne, r, zero),
      arith::XOrIOp::create(b, loc, rNeg, dNeg));
  return select(b, loc, fix, arith::AddIOp::create(b, loc, r, a[1]), r);
}

Value isNaNBody(OnnxIsNaNOp, OpBuilder &b, Location loc, ValueRange a,
                const ElemTypes &) {
  return cmpF(b, loc, arith::CmpFPredicate::UNO, a[0], a[0]);
}

Value isInfBody(OnnxIsInfOp op, OpBuilder &b, Location loc, ValueRange a,
                const ElemTypes &) {
  Type t = a[0].getType();
  Value r = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  if (op.getDetectPositive())
    r = arith::OrIOp::create(
        b, loc, r,
        cmpF(b, loc, arith::CmpFPredicate::OEQ, a[0],
             extremeValue(b, loc, t, /*lowest=*/false, false)));
  if (op.getDetectNegative())
    r = arith::OrIOp::create(
        b, loc, r,
        cmpF(b, loc, arith::CmpFPredicate::OEQ, a[0],
             extremeValue(b, loc, t, /*lowest=*/true, false)));
  return r;
}

LogicalResult bitShiftCheck(OnnxBitShiftOp op, const ElemTypes &et,
                            ConversionPatternRewriter &rewriter) {
  if (failed(sameInputTypes(op, et, rewriter)))
    return failure();
  if (et.in[0].isInteger(1))
    return rewriter.notifyMatchFailure(op, "BitShift needs integers");
  if (op.getDirection() != "LEFT" && op.getDirection() != "RIGHT")
    return rewriter.notifyMatchFailure(op,
                                       "direction must be 'LEFT' or 'RIGHT'");
  return success();
}

Value bitShiftBody(OnnxBitShiftOp op, OpBuilder &b, Location loc, ValueRange a,
                   const ElemTypes &et) {
  Value x = a[0], y = a[1];
  // Signed types (BitShift-28) shift right arithmetically.
  bool isSigned = !et.in[0].isUnsignedInteger();
  bool left = op.getDirection() == "LEFT";
  Value r = left ? arith::ShLIOp::create(b, loc, x, y).getResult()
            : isSigned ? arith::ShRSIOp::create(b, loc, x, y).getResult()
                       : arith::ShRUIOp::create(b, loc, x, y).getResult();
  // A shift by the bit width or more, or (signed) by a negative amount, is
  // what the sign extension alone gives: 0, or -1 for a right shift of a
  // negative x (arith would give poison). One unsigned compare catches both.
  unsigned w = et.in[0].getIntOrFloatBitWidth();
  Value tooFar = cmpI(b, loc, arith::CmpIPredicate::uge, y,
                      cst(b, loc, y.getType(), (double)w));
  Value zero = cst(b, loc, x.getType(), 0);
  Value fill = zero;
  if (isSigned && !left)
    fill = arith::ShRSIOp::create(b, loc, x,
                                  cst(b, loc, x.getType(), (double)(w - 1)));
  return select(b, loc, tooFar, fill, r);
}

/// BitwiseNot: x xor all-ones.
Value bitwiseNotBody(OnnxBitwiseNotOp, OpBuilder &b, Location loc,
                     ValueRange a, const ElemTypes &) {
  auto t = cast<IntegerType>(a[0].getType());
  Value ones = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(t, APInt::getAllOnes(t.getWidth())));
  return arith::XOrIOp::create(b, loc, a[0], ones);
}

//===----------------------------------------------------------------------===//
// Ops with optional inputs or no computation
//===----------------------------------------------------------------------===//

/// Clip(x, min?, max?) = min(max(x, lo), hi); absent bounds are skipped.
struct ClipLowering : OpConversionPattern<OnnxClipOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxClipOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getType()));
    if (!resultType || !isa<RankedTensorType>(adaptor.getInput().getType()))
      return rewriter.notifyMatchFailure(op, "expected ranked tensors");
    Type t = getElementTypeOrSelf(op.getInput().getType());
    if (!isFloat(t) && !isa<IntegerType>(t))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    SmallVector<Value> inputs{adaptor.getInput()};
    bool hasMin = !isNoValue(op.getMin()), hasMax = !isNoValue(op.getMax());
    if (hasMin)
      inputs.push_back(adaptor.getMin());
    if (hasMax)
      inputs.push_back(adaptor.getMax());
    for (Value v : inputs)
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(op, "expected ranked tensors");
    Value r =
        buildElementwise(rewriter, op.getLoc(), resultType, inputs,
                         [&](OpBuilder &b, Location loc, ValueRange a) {
                           Value x = a[0];
                           unsigned i = 1;
                           if (hasMin)
                             x = maxOf(b, loc, t, x, a[i++], /*max=*/true);
                           if (hasMax)
                             x = maxOf(b, loc, t, x, a[i++], /*max=*/false);
                           return x;
                         });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Cast to the same type is a no-op; other casts go through the generic
/// pattern. (Registered with a higher benefit.)
struct TrivialCastLowering : OpConversionPattern<OnnxCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getInput().getType() != op.getType())
      return failure();
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

template <typename OpTy>
void addElementwise(const TypeConverter &tc, RewritePatternSet &patterns,
                    Types types, BodyFn<OpTy> body,
                    CheckFn<OpTy> check = nullptr) {
  patterns.add<ElementwiseLowering<OpTy>>(tc, patterns.getContext(), types,
                                          body, check);
}

} // namespace

void kiln::populateElementwisePatterns(TypeConverter &tc,
                                       RewritePatternSet &patterns) {
  using namespace arith;
  using P = CmpFPredicate;
  using I = CmpIPredicate;
  MLIRContext *ctx = patterns.getContext();

  // Arithmetic.
  addElementwise<OnnxAddOp>(tc, patterns, Types::Numeric,
                            arithBody<OnnxAddOp, AddFOp, AddIOp, AddIOp>,
                            sameTypes<OnnxAddOp>);
  addElementwise<OnnxSubOp>(tc, patterns, Types::Numeric,
                            arithBody<OnnxSubOp, SubFOp, SubIOp, SubIOp>,
                            sameTypes<OnnxSubOp>);
  addElementwise<OnnxMulOp>(tc, patterns, Types::Numeric,
                            arithBody<OnnxMulOp, MulFOp, MulIOp, MulIOp>,
                            sameTypes<OnnxMulOp>);
  addElementwise<OnnxDivOp>(tc, patterns, Types::Numeric,
                            arithBody<OnnxDivOp, DivFOp, DivSIOp, DivUIOp>,
                            sameTypes<OnnxDivOp>);
  addElementwise<OnnxPowOp>(tc, patterns, Types::Numeric, powBody);
  addElementwise<OnnxModOp>(tc, patterns, Types::Numeric, modBody, modCheck);
  addElementwise<OnnxNegOp>(tc, patterns, Types::Numeric, negBody);
  addElementwise<OnnxAbsOp>(tc, patterns, Types::Numeric, absBody);
  addElementwise<OnnxSignOp>(tc, patterns, Types::Numeric, signBody);
  addElementwise<OnnxReciprocalOp>(tc, patterns, Types::Float, reciprocalBody);
  addElementwise<OnnxMaxOp>(tc, patterns, Types::Numeric,
                            variadicMaxBody<OnnxMaxOp, true>,
                            sameTypes<OnnxMaxOp>);
  addElementwise<OnnxMinOp>(tc, patterns, Types::Numeric,
                            variadicMaxBody<OnnxMinOp, false>,
                            sameTypes<OnnxMinOp>);
  addElementwise<OnnxSumOp>(tc, patterns, Types::Numeric, sumBody,
                            sameTypes<OnnxSumOp>);
  addElementwise<OnnxMeanOp>(tc, patterns, Types::Float, meanBody,
                             sameTypes<OnnxMeanOp>);

  // Float math.
  addElementwise<OnnxSqrtOp>(tc, patterns, Types::Float,
                             mathBody<OnnxSqrtOp, math::SqrtOp>);
  addElementwise<OnnxExpOp>(tc, patterns, Types::Float,
                            mathBody<OnnxExpOp, math::ExpOp>);
  addElementwise<OnnxLogOp>(tc, patterns, Types::Float,
                            mathBody<OnnxLogOp, math::LogOp>);
  addElementwise<OnnxTanhOp>(tc, patterns, Types::Float,
                             mathBody<OnnxTanhOp, math::TanhOp>);
  addElementwise<OnnxErfOp>(tc, patterns, Types::Float,
                            mathBody<OnnxErfOp, math::ErfOp>);
  addElementwise<OnnxFloorOp>(tc, patterns, Types::Float,
                              mathBody<OnnxFloorOp, math::FloorOp>);
  addElementwise<OnnxCeilOp>(tc, patterns, Types::Float,
                             mathBody<OnnxCeilOp, math::CeilOp>);
  // ONNX Round is round-half-to-even.
  addElementwise<OnnxRoundOp>(tc, patterns, Types::Float,
                              mathBody<OnnxRoundOp, math::RoundEvenOp>);
  addElementwise<OnnxSinOp>(tc, patterns, Types::Float,
                            mathBody<OnnxSinOp, math::SinOp>);
  addElementwise<OnnxCosOp>(tc, patterns, Types::Float,
                            mathBody<OnnxCosOp, math::CosOp>);
  addElementwise<OnnxTanOp>(tc, patterns, Types::Float,
                            mathBody<OnnxTanOp, math::TanOp>);
  addElementwise<OnnxAsinOp>(tc, patterns, Types::Float,
                             mathBody<OnnxAsinOp, math::AsinOp>);
  addElementwise<OnnxAcosOp>(tc, patterns, Types::Float,
                             mathBody<OnnxAcosOp, math::AcosOp>);
  addElementwise<OnnxAtanOp>(tc, patterns, Types::Float,
                             mathBody<OnnxAtanOp, math::AtanOp>);
  addElementwise<OnnxSinhOp>(tc, patterns, Types::Float,
                             mathBody<OnnxSinhOp, math::SinhOp>);
  addElementwise<OnnxCoshOp>(tc, patterns, Types::Float,
                             mathBody<OnnxCoshOp, math::CoshOp>);
  addElementwise<OnnxAsinhOp>(tc, patterns, Types::Float,
                              mathBody<OnnxAsinhOp, math::AsinhOp>);
  addElementwise<OnnxAcoshOp>(tc, patterns, Types::Float,
                              mathBody<OnnxAcoshOp, math::AcoshOp>);
  addElementwise<OnnxAtanhOp>(tc, patterns, Types::Float,
                              mathBody<OnnxAtanhOp, math::AtanhOp>);

  // Activations.
  addElementwise<OnnxReluOp>(tc, patterns, Types::Numeric, reluBody);
  addElementwise<OnnxLeakyReluOp>(tc, patterns, Types::Float, leakyReluBody);
  addElementwise<OnnxSigmoidOp>(tc, patterns, Types::Float, sigmoidBody);
  addElementwise<OnnxHardSigmoidOp>(tc, patterns, Types::Float,
                                    hardSigmoidBody);
  addElementwise<OnnxHardSwishOp>(tc, patterns, Types::Float, hardSwishBody);
  addElementwise<OnnxEluOp>(tc, patterns, Types::Float, eluBody);
  addElementwise<OnnxSeluOp>(tc, patterns, Types::Float, seluBody);
  addElementwise<OnnxCeluOp>(tc, patterns, Types::Float, celuBody);
  addElementwise<OnnxSoftplusOp>(tc, patterns, Types::Float, softplusBody);
  addElementwise<OnnxSoftsignOp>(tc, patterns, Types::Float, softsignBody);
  addElementwise<OnnxMishOp>(tc, patterns, Types::Float, mishBody);
  addElementwise<OnnxGeluOp>(tc, patterns, Types::Float, geluBody, geluCheck);
  addElementwise<OnnxThresholdedReluOp>(tc, patterns, Types::Float,
                                        thresholdedReluBody);
  addElementwise<OnnxShrinkOp>(tc, patterns, Types::Numeric, shrinkBody);
  addElementwise<OnnxPReluOp>(tc, patterns, Types::Numeric, preluBody,
                              sameTypes<OnnxPReluOp>);

  // Comparisons and logic.
  addElementwise<OnnxEqualOp>(tc, patterns, Types::Any,
                              compareBody<OnnxEqualOp, P::OEQ, I::eq, I::eq>,
                              sameTypes<OnnxEqualOp>);
  addElementwise<OnnxLessOp>(tc, patterns, Types::Numeric,
                             compareBody<OnnxLessOp, P::OLT, I::slt, I::ult>,
                             sameTypes<OnnxLessOp>);
  addElementwise<OnnxGreaterOp>(
      tc, patterns, Types::Numeric,
      compareBody<OnnxGreaterOp, P::OGT, I::sgt, I::ugt>,
      sameTypes<OnnxGreaterOp>);
  addElementwise<OnnxLessOrEqualOp>(
      tc, patterns, Types::Numeric,
      compareBody<OnnxLessOrEqualOp, P::OLE, I::sle, I::ule>,
      sameTypes<OnnxLessOrEqualOp>);
  addElementwise<OnnxGreaterOrEqualOp>(
      tc, patterns, Types::Numeric,
      compareBody<OnnxGreaterOrEqualOp, P::OGE, I::sge, I::uge>,
      sameTypes<OnnxGreaterOrEqualOp>);
  addElementwise<OnnxIsNaNOp>(tc, patterns, Types::Float, isNaNBody);
  addElementwise<OnnxIsInfOp>(tc, patterns, Types::Float, isInfBody);
  addElementwise<OnnxNotOp>(tc, patterns, Types::Bool, notBody);
  addElementwise<OnnxAndOp>(tc, patterns, Types::Bool,
                            bitwiseBody<OnnxAndOp, AndIOp>);
  addElementwise<OnnxOrOp>(tc, patterns, Types::Bool,
                           bitwiseBody<OnnxOrOp, OrIOp>);
  addElementwise<OnnxXorOp>(tc, patterns, Types::Bool,
                            bitwiseBody<OnnxXorOp, XOrIOp>);
  addElementwise<OnnxBitShiftOp>(tc, patterns, Types::Int, bitShiftBody,
                                 bitShiftCheck);
  addElementwise<OnnxBitwiseAndOp>(tc, patterns, Types::Int,
                                   bitwiseBody<OnnxBitwiseAndOp, AndIOp>,
                                   sameTypes<OnnxBitwiseAndOp>);
  addElementwise<OnnxBitwiseOrOp>(tc, patterns, Types::Int,
                                  bitwiseBody<OnnxBitwiseOrOp, OrIOp>,
                                  sameTypes<OnnxBitwiseOrOp>);
  addElementwise<OnnxBitwiseXorOp>(tc, patterns, Types::Int,
                                   bitwiseBody<OnnxBitwiseXorOp, XOrIOp>,
                                   sameTypes<OnnxBitwiseXorOp>);
  addElementwise<OnnxBitwiseNotOp>(tc, patterns, Types::Int, bitwiseNotBody);
  addElementwise<OnnxWhereOp>(tc, patterns, Types::Bool, whereBody, whereCheck);

  // Conversions and plumbing.
  addElementwise<OnnxCastOp>(tc, patterns, Types::Any, castBody, castCheck);
  addElementwise<OnnxBitCastOp>(tc, patterns, Types::Any, bitCastBody,
                                bitCastCheck);
  patterns.add<TrivialCastLowering>(tc, ctx, /*benefit=*/2);
  // Identity is lowered with the shape ops (ShapeOps.cpp).
  patterns.add<ClipLowering>(tc, ctx);
}
