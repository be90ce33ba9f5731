//===- Reductions.cpp - onnx to linalg: Reduce*, ArgMax, ArgMin -----------===//
//
// Reduce* ops become a linalg.generic with reduction iterators over the
// reduced dims (the output holds the kept dims, in order), an optional
// elementwise finish (mean, sqrt, log) and a tensor.expand_shape that puts
// the unit dims back for keepdims=1. Half-precision sums accumulate in f32.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ReductionUtils.h"
#include "compiler/conversion/RuntimeAxes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

//===----------------------------------------------------------------------===//
// Shared helpers (declared in ReductionUtils.h)
//===----------------------------------------------------------------------===//

namespace kiln {

AffineMap keptDimsMap(MLIRContext *ctx, int64_t rank,
                      ArrayRef<int64_t> reducedDims) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(reducedDims, d))
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value buildReduction(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> reducedDims, Value init,
                     ValueRange extras, ReduceBodyFn body) {
  auto t = cast<RankedTensorType>(input.getType());
  int64_t rank = t.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, input);
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> outSizes;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(reducedDims, d);
    iters.push_back(reduced ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
    if (reduced)
      continue;
    shape.push_back(t.getDimSize(d));
    outSizes.push_back(sizes[d]);
  }
  auto outType = RankedTensorType::get(shape, init.getType());
  Value filled = createFilled(b, loc, outType, outSizes, init);
  AffineMap kept = keptDimsMap(ctx, rank, reducedDims);
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<Value> inputs{input};
  for (Value e : extras) {
    maps.push_back(kept);
    inputs.push_back(e);
  }
  maps.push_back(kept);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outType}, inputs, ValueRange{filled}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back(), args.back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

std::pair<Value, Value> buildArgReduction(OpBuilder &b, Location loc,
                                          Value input, int64_t axis, bool max,
                                          bool last, bool unsignedInts) {
  auto t = cast<RankedTensorType>(input.getType());
  int64_t rank = t.getRank();
  MLIRContext *ctx = b.getContext();
  Type elem = t.getElementType();
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, input);
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> outSizes;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d) {
    iters.push_back(d == axis ? utils::IteratorType::reduction
                              : utils::IteratorType::parallel);
    if (d == axis)
      continue;
    shape.push_back(t.getDimSize(d));
    outSizes.push_back(sizes[d]);
  }
  // Start from the extreme value so the first element always wins (ties
  // with it are resolved by the comparison below like any other tie).
  Value initVal = extremeValue(b, loc, elem, /*lowest=*/max, unsignedInts);
  Value initIdx = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value vals = createFilled(b, loc, RankedTensorType::get(shape, elem),
                            outSizes, initVal);
  Value idxs = createFilled(
      b, loc, RankedTensorType::get(shape, b.getI64Type()), outSizes, initIdx);
  AffineMap kept = keptDimsMap(ctx, rank, {axis});
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx),
                              kept, kept};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{vals.getType(), idxs.getType()}, ValueRange{input},
      ValueRange{vals, idxs}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = args[0], best = args[1], bestIdx = args[2];
        Value better;
        // Strict comparison keeps the first extreme; non-strict the last.
        if (isa<FloatType>(elem)) {
          auto pred = max ? (last ? arith::CmpFPredicate::OGE
                                  : arith::CmpFPredicate::OGT)
                          : (last ? arith::CmpFPredicate::OLE
                                  : arith::CmpFPredicate::OLT);
          better = arith::CmpFOp::create(nb, nloc, pred, x, best);
        } else {
          arith::CmpIPredicate pred;
          if (unsignedInts)
            pred = max ? (last ? arith::CmpIPredicate::uge
                               : arith::CmpIPredicate::ugt)
                       : (last ? arith::CmpIPredicate::ule
                               : arith::CmpIPredicate::ult);
          else
            pred = max ? (last ? arith::CmpIPredicate::sge
                               : arith::CmpIPredicate::sgt)
                       : (last ? arith::CmpIPredicate::sle
                               : arith::CmpIPredicate::slt);
          better = arith::CmpIOp::create(nb, nloc, pred, x, best);
        }
        Value idx = arith::IndexCastOp::create(
            nb, nloc, nb.getI64Type(), linalg::IndexOp::create(nb, nloc, axis));
        Value newBest = arith::SelectOp::create(nb, nloc, better, x, best);
        Value newIdx = arith::SelectOp::create(nb, nloc, better, idx, bestIdx);
        linalg::YieldOp::create(nb, nloc, ValueRange{newBest, newIdx});
      });
  return {generic.getResult(1), generic.getResult(0)};
}

Value buildMapped(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ArrayRef<OpFoldResult> sizes, ValueRange inputs,
                  ArrayRef<AffineMap> inputMaps, ScalarBodyFn body) {
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  Value init = createEmpty(b, loc, resultType, sizes);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

Value expandReducedDims(OpBuilder &b, Location loc, Value reduced,
                        ArrayRef<int64_t> reducedDims, int64_t rank) {
  if (reducedDims.empty())
    return reduced;
  auto rt = cast<RankedTensorType>(reduced.getType());
  SmallVector<OpFoldResult> inSizes = sizesOf(b, loc, reduced);
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> outSizes;
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending; // Unit dims before the first kept dim.
  int64_t k = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (llvm::is_contained(reducedDims, d)) {
      shape.push_back(1);
      outSizes.push_back(b.getIndexAttr(1));
      if (groups.empty())
        pending.push_back(d);
      else
        groups.back().push_back(d);
      continue;
    }
    shape.push_back(rt.getDimSize(k));
    outSizes.push_back(inSizes[k++]);
    pending.push_back(d);
    groups.push_back(pending);
    pending.clear();
  }
  auto outType = RankedTensorType::get(shape, rt.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, outType, reduced, groups,
                                       outSizes);
}

Value countElements(OpBuilder &b, Location loc, Value input,
                    ArrayRef<int64_t> dims, Type type) {
  auto t = cast<RankedTensorType>(input.getType());
  int64_t staticCount = 1;
  Value dynamicCount;
  for (int64_t d : dims) {
    if (!t.isDynamicDim(d)) {
      staticCount *= t.getDimSize(d);
      continue;
    }
    Value dim = tensor::DimOp::create(b, loc, input, d);
    dynamicCount =
        dynamicCount
            ? arith::MulIOp::create(b, loc, dynamicCount, dim).getResult()
            : dim;
  }
  if (!dynamicCount)
    return scalarConstant(b, loc, type, static_cast<double>(staticCount));
  if (staticCount != 1)
    dynamicCount = arith::MulIOp::create(
        b, loc, dynamicCount,
        arith::ConstantIndexOp::create(b, loc, staticCount));
  if (auto it = dyn_cast<IntegerType>(type))
    return arith::IndexCastOp::create(b, loc, signlessType(it), dynamicCount);
  return indexToFloat(b, loc, dynamicCount, type);
}

Type mathComputeType(Type t) {
  if (isa<Float16Type, BFloat16Type>(t))
    return Float32Type::get(t.getContext());
  return t;
}

Value extremeValue(OpBuilder &b, Location loc, Type type, bool lowest,
                   bool isUnsigned) {
  if (auto f = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(f, APFloat::getInf(f.getFloatSemantics(),
                                          /*Negative=*/lowest)));
  unsigned w = type.getIntOrFloatBitWidth();
  APInt v = isUnsigned
                ? (lowest ? APInt::getMinValue(w) : APInt::getMaxValue(w))
                : (lowest ? APInt::getSignedMinValue(w)
                          : APInt::getSignedMaxValue(w));
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(signlessType(type), v));
}

} // namespace kiln

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

/// Integer values of a constant input: an onnx.Constant not converted yet,
/// or whatever constant-like op replaced it.
std::optional<SmallVector<int64_t>> constantIntsOf(Value original,
                                                   Value converted) {
  if (auto c = original.getDefiningOp<OnnxConstantOp>())
    if (auto attr = c.getValueAttr())
      if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
        SmallVector<int64_t> out;
        for (const APInt &i : dense.getValues<APInt>())
          out.push_back(i.getSExtValue());
        return out;
      }
  if (auto ints = getConstantInts(converted))
    return ints;
  return getConstantInts(original);
}

enum class ReduceKind {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  L1,
  L2,
  LogSum,
  LogSumExp,
  SumSquare
};

/// |v| for a float, signed or unsigned integer.
Value absOf(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  if (isa<FloatType>(v.getType()))
    return math::AbsFOp::create(b, loc, v);
  if (isUnsigned)
    return v;
  return math::AbsIOp::create(b, loc, v);
}

/// The max of a LogSumExp used to shift the exponents, or 0 when it is
/// infinite (all -inf, or a +inf) so the shift never produces NaN.
Value finiteShift(OpBuilder &b, Location loc, Value m) {
  Value inf = extremeValue(b, loc, m.getType(), /*lowest=*/false, false);
  Value absM = math::AbsFOp::create(b, loc, m);
  Value isInf =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, absM, inf);
  return arith::SelectOp::create(b, loc, isInf,
                                 scalarConstant(b, loc, m.getType(), 0.0), m);
}

/// Reduces `input` over the dims whose run-time `flags` are true, keeping
/// them as unit dims: `preMap` (if any) turns every element into the
/// accumulator type once, then each dim is reduced with `combine` (starting
/// from `init`) inside an scf.if on its flag. The dims of the result are
/// dynamic.
Value reduceFlaggedDims(
    OpBuilder &b, Location loc, Value input, ArrayRef<Value> flags, Value init,
    function_ref<Value(OpBuilder &, Location, Value)> preMap,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto inTy = cast<RankedTensorType>(input.getType());
  int64_t rank = inTy.getRank();
  auto accTy = RankedTensorType::get(inTy.getShape(), init.getType());
  Value t = input;
  if (preMap)
    t = buildMapped(b, loc, accTy, sizesOf(b, loc, input), {input},
                    {AffineMap::getMultiDimIdentityMap(rank, b.getContext())},
                    [&](OpBuilder &nb, Location l, ValueRange a) {
                      return preMap(nb, l, a[0]);
                    });
  SmallVector<int64_t> shape(inTy.getShape());
  for (int64_t d = 0; d < rank; ++d) {
    shape[d] = ShapedType::kDynamic;
    auto ty = RankedTensorType::get(shape, init.getType());
    Value cur = t;
    auto ifOp = scf::IfOp::create(
        b, loc, flags[d],
        [&](OpBuilder &nb, Location l) {
          Value r = buildReduction(
              nb, l, cur, {d}, init, {},
              [&](OpBuilder &bb, Location ll, ValueRange a, Value acc) {
                return combine(bb, ll, a[0], acc);
              });
          r = expandReducedDims(nb, l, r, {d}, rank);
          scf::YieldOp::create(nb, l, castTo(nb, l, r, ty));
        },
        [&](OpBuilder &nb, Location l) {
          scf::YieldOp::create(nb, l, castTo(nb, l, cur, ty));
        });
    t = ifOp.getResult(0);
  }
  return t;
}

template <typename OpTy, ReduceKind Kind>
struct ReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    auto inType = dyn_cast<RankedTensorType>(data.getType());
    auto resType = dyn_cast_or_null<RankedTensorType>(
        this->getTypeConverter()->convertType(op.getType()));
    if (!inType || !resType)
      return rewriter.notifyMatchFailure(op, "expected ranked tensors");
    Type elem = getElementTypeOrSelf(op.getData().getType()); // ONNX type.
    bool isFloat = isa<FloatType>(elem);
    // Bools order like unsigned integers (false < true).
    bool isUnsigned = elem.isUnsignedInteger() || elem.isInteger(1);
    if (!isFloat && !isa<IntegerType>(elem))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    if (!isFloat && Kind == ReduceKind::LogSumExp)
      return rewriter.notifyMatchFailure(
          op, "ReduceLogSumExp of integers is not supported");
    int64_t rank = inType.getRank();

    // Which dims to reduce: no axes (or an empty list) means all dims, or
    // none at all with noop_with_empty_axes.
    SmallVector<int64_t> dims;
    SmallVector<int64_t> axes;
    // Axes only known at run time: one i1 per dim says whether it is reduced.
    bool runtimeAxes = false;
    if (!isNoValue(op.getAxes())) {
      auto ints = constantIntsOf(op.getAxes(), adaptor.getAxes());
      if (ints) {
        axes = *ints;
      } else {
        runtimeAxes = true;
        auto axesTy = dyn_cast<RankedTensorType>(adaptor.getAxes().getType());
        if (!axesTy || axesTy.getRank() != 1)
          return rewriter.notifyMatchFailure(op, "axes must be a 1-D tensor");
      }
    }
    bool keepDims = op.getKeepdims() != 0;
    if (runtimeAxes) {
      if (keepDims && resType.getRank() != rank)
        return rewriter.notifyMatchFailure(op, "result rank does not match");
    } else if (axes.empty()) {
      if (!op.getNoopWithEmptyAxes())
        for (int64_t d = 0; d < rank; ++d)
          dims.push_back(d);
    } else {
      for (int64_t a : axes) {
        int64_t d = normalizeAxis(a, rank);
        if (d < 0 || d >= rank)
          return rewriter.notifyMatchFailure(op, "axis out of range");
        dims.push_back(d);
      }
      llvm::sort(dims);
      dims.erase(llvm::unique(dims), dims.end());
    }
    int64_t outRank = keepDims ? rank : rank - (int64_t)dims.size();
    if (!runtimeAxes && resType.getRank() != outRank)
      return rewriter.notifyMatchFailure(op, "result rank does not match");

    // Accumulate half floats in f32; max/min are exact in any type.
    bool isMinMax = Kind == ReduceKind::Max || Kind == ReduceKind::Min;
    Type acc =
        isFloat && !isMinMax ? mathComputeType(elem) : signlessType(elem);
    Value init;
    switch (Kind) {
    case ReduceKind::Prod:
      init = scalarConstant(rewriter, loc, acc, 1.0);
      break;
    case ReduceKind::Max:
      init = extremeValue(rewriter, loc, acc, /*lowest=*/true, isUnsigned);
      break;
    case ReduceKind::Min:
      init = extremeValue(rewriter, loc, acc, /*lowest=*/false, isUnsigned);
      break;
    case ReduceKind::LogSumExp:
      // With run-time axes the accumulator is the running log-sum-exp
      // itself (log of an empty sum: -inf).
      init = runtimeAxes
                 ? extremeValue(rewriter, loc, acc, /*lowest=*/true, false)
                 : scalarConstant(rewriter, loc, acc, 0.0);
      break;
    default:
      init = scalarConstant(rewriter, loc, acc, 0.0);
    }
    auto toAcc = [&](OpBuilder &b, Location l, Value x) {
      return castScalar(b, l, x, elem, acc);
    };

    SmallVector<Value> extras, flags;
    Value reduced, count;
    if (runtimeAxes) {
      // Empty axes reduce every dim, or none with noop_with_empty_axes.
      Value none = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq,
          lengthOf(rewriter, loc, adaptor.getAxes()), cIdx(rewriter, loc, 0));
      Value initial = op.getNoopWithEmptyAxes()
                          ? arith::ConstantOp::create(
                                rewriter, loc, rewriter.getBoolAttr(false))
                          : none;
      flags = runtimeAxisFlags(rewriter, loc, adaptor.getAxes(), rank, initial);
      // Sum, max, min, prod in the element type need no element transform.
      bool transform = acc != signlessType(elem) || Kind == ReduceKind::L1 ||
                       Kind == ReduceKind::L2 || Kind == ReduceKind::SumSquare;
      auto pre = [&](OpBuilder &b, Location l, Value x) {
        Value v = toAcc(b, l, x);
        // LogSumExp combines the elements themselves (logaddexp below).
        return Kind == ReduceKind::LogSumExp
                   ? v
                   : preMap(b, l, v, isFloat, isUnsigned);
      };
      reduced = reduceFlaggedDims(
          rewriter, loc, data, flags, init,
          transform ? function_ref<Value(OpBuilder &, Location, Value)>(pre)
                    : nullptr,
          [&](OpBuilder &b, Location l, Value x, Value a) {
            // One pass without a separate max: the running total is
            // logaddexp(a, x) = max + log1p(exp(-|a - x|)), stable, and
            // exact when either side is -inf.
            if (Kind == ReduceKind::LogSumExp)
              return logAddExp(b, l, a, x);
            return combineAcc(b, l, x, a, isFloat, isUnsigned);
          });
      if (Kind == ReduceKind::Mean) {
        // The reduced element count: the product of the flagged dims.
        Value n = cIdx(rewriter, loc, 1);
        for (auto [d, f] : llvm::enumerate(flags)) {
          Value dim = tensor::DimOp::create(rewriter, loc, data, d);
          n = arith::MulIOp::create(
              rewriter, loc, n,
              arith::SelectOp::create(rewriter, loc, f, dim,
                                      cIdx(rewriter, loc, 1)));
        }
        Value i64 =
            arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), n);
        count = castScalar(rewriter, loc, i64, rewriter.getI64Type(), acc);
      }
    } else if (Kind == ReduceKind::LogSumExp) {
      Value lowest = extremeValue(rewriter, loc, acc, true, false);
      Value max = buildReduction(
          rewriter, loc, data, dims, lowest, {},
          [&](OpBuilder &b, Location l, ValueRange args, Value a) -> Value {
            return arith::MaximumFOp::create(b, l, toAcc(b, l, args[0]), a);
          });
      extras.push_back(max);
    }

    if (!runtimeAxes)
      reduced = buildReduction(
          rewriter, loc, data, dims, init, extras,
          [&](OpBuilder &b, Location l, ValueRange args, Value a) -> Value {
            Value x = toAcc(b, l, args[0]);
            if (Kind == ReduceKind::LogSumExp)
              x = math::ExpOp::create(
                  b, l,
                  arith::SubFOp::create(b, l, x, finiteShift(b, l, args[1])));
            else
              x = preMap(b, l, x, isFloat, isUnsigned);
            return combineAcc(b, l, x, a, isFloat, isUnsigned);
          });

    // Finish: mean/sqrt/log and back to the element type.
    bool needsFinish = acc != signlessType(elem) || Kind == ReduceKind::Mean ||
                       Kind == ReduceKind::L2 || Kind == ReduceKind::LogSum ||
                       Kind == ReduceKind::LogSumExp;
    if (needsFinish) {
      auto rt = cast<RankedTensorType>(reduced.getType());
      auto outType = RankedTensorType::get(rt.getShape(), signlessType(elem));
      if (Kind == ReduceKind::Mean && !count)
        count = countElements(rewriter, loc, data, dims, acc);
      SmallVector<Value> ins{reduced};
      ins.append(extras);
      AffineMap id =
          AffineMap::getMultiDimIdentityMap(rt.getRank(), op.getContext());
      SmallVector<AffineMap> maps(ins.size(), id);
      Type f64 = rewriter.getF64Type();
      reduced = buildMapped(
          rewriter, loc, outType, sizesOf(rewriter, loc, reduced), ins, maps,
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value r = args[0];
            switch (Kind) {
            case ReduceKind::Mean:
              // Integer means divide like ONNX Runtime: truncating.
              if (isFloat)
                r = arith::DivFOp::create(b, l, r, count);
              else if (isUnsigned)
                r = arith::DivUIOp::create(b, l, r, count);
              else
                r = arith::DivSIOp::create(b, l, r, count);
              break;
            case ReduceKind::L2:
            case ReduceKind::LogSum: {
              // Integer results go through f64 and truncate back.
              Type ft = isFloat ? acc : f64;
              Value v = isFloat ? r : castScalar(b, l, r, elem, f64);
              v = Kind == ReduceKind::L2
                      ? math::SqrtOp::create(b, l, v).getResult()
                      : math::LogOp::create(b, l, v).getResult();
              r = isFloat ? v : castScalar(b, l, v, ft, elem);
              break;
            }
            case ReduceKind::LogSumExp:
              // With run-time axes r is the log-sum-exp already.
              if (!runtimeAxes)
                r = arith::AddFOp::create(b, l, math::LogOp::create(b, l, r),
                                          finiteShift(b, l, args[1]));
              break;
            default:
              break;
            }
            return isFloat ? castScalar(b, l, r, acc, elem) : r;
          });
    }
    if (runtimeAxes && !keepDims) {
      // Drop the flagged (now unit) dims with a shape built at run time.
      SmallVector<Value> sizes;
      for (OpFoldResult s : sizesOf(rewriter, loc, reduced))
        sizes.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, s));
      SmallVector<Value> out =
          dropFlaggedSizes(rewriter, loc, sizes, flags, resType.getRank());
      reduced = reshapeToRuntimeSizes(rewriter, loc, reduced, out, resType);
    } else if (keepDims && !runtimeAxes) {
      reduced = expandReducedDims(rewriter, loc, reduced, dims, rank);
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, reduced, resType));
    return success();
  }

  /// The element transform applied before combining (|x|, x * x).
  static Value preMap(OpBuilder &b, Location l, Value x, bool isFloat,
                      bool isUnsigned) {
    switch (Kind) {
    case ReduceKind::L1:
      return absOf(b, l, x, isUnsigned);
    case ReduceKind::L2:
    case ReduceKind::SumSquare:
      return isFloat ? arith::MulFOp::create(b, l, x, x).getResult()
                     : arith::MulIOp::create(b, l, x, x).getResult();
    default:
      return x;
    }
  }

  /// Combines a (transformed) element with the accumulator.
  /// log(exp(a) + exp(x)) without overflow; -inf on either side gives the
  /// other, and +inf on both +inf (their difference would be NaN).
  static Value logAddExp(OpBuilder &b, Location l, Value a, Value x) {
    Value hi = arith::MaximumFOp::create(b, l, a, x);
    Value lo = arith::MinimumFOp::create(b, l, a, x);
    Value tail = math::Log1pOp::create(
        b, l,
        math::ExpOp::create(b, l, arith::SubFOp::create(b, l, lo, hi)));
    Value sum = arith::AddFOp::create(b, l, hi, tail);
    Value infinite = arith::OrIOp::create(
        b, l,
        arith::CmpFOp::create(
            b, l, arith::CmpFPredicate::OEQ, lo,
            extremeValue(b, l, lo.getType(), /*lowest=*/true, false)),
        arith::CmpFOp::create(
            b, l, arith::CmpFPredicate::OEQ, hi,
            extremeValue(b, l, hi.getType(), /*lowest=*/false, false)));
    return arith::SelectOp::create(b, l, infinite, hi, sum);
  }

  static Value combineAcc(OpBuilder &b, Location l, Value x, Value a,
                          bool isFloat, bool isUnsigned) {
    switch (Kind) {
    case ReduceKind::Prod:
      return isFloat ? arith::MulFOp::create(b, l, x, a).getResult()
                     : arith::MulIOp::create(b, l, x, a).getResult();
    case ReduceKind::Max:
      if (isFloat)
        return arith::MaximumFOp::create(b, l, x, a);
      return isUnsigned ? arith::MaxUIOp::create(b, l, x, a).getResult()
                        : arith::MaxSIOp::create(b, l, x, a).getResult();
    case ReduceKind::Min:
      if (isFloat)
        return arith::MinimumFOp::create(b, l, x, a);
      return isUnsigned ? arith::MinUIOp::create(b, l, x, a).getResult()
                        : arith::MinSIOp::create(b, l, x, a).getResult();
    default:
      return isFloat ? arith::AddFOp::create(b, l, x, a).getResult()
                     : arith::AddIOp::create(b, l, x, a).getResult();
    }
  }
};

template <typename OpTy, bool IsMax>
struct ArgReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    auto inType = dyn_cast<RankedTensorType>(data.getType());
    auto resType = dyn_cast_or_null<RankedTensorType>(
        this->getTypeConverter()->convertType(op.getType()));
    if (!inType || !resType)
      return rewriter.notifyMatchFailure(op, "expected ranked tensors");
    Type elem = getElementTypeOrSelf(op.getData().getType());
    if (!isa<FloatType, IntegerType>(elem))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    int64_t rank = inType.getRank();
    int64_t axis = normalizeAxis((int64_t)op.getAxis(), rank);
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    bool keepDims = op.getKeepdims() != 0;
    if (resType.getRank() != (keepDims ? rank : rank - 1) ||
        !resType.getElementType().isInteger(64))
      return rewriter.notifyMatchFailure(op, "unexpected result type");
    Value idx = buildArgReduction(rewriter, loc, data, axis, IsMax,
                                  op.getSelectLastIndex() != 0,
                                  elem.isUnsignedInteger() || elem.isInteger(1))
                    .first;
    if (keepDims)
      idx = expandReducedDims(rewriter, loc, idx, {axis}, rank);
    rewriter.replaceOp(op, castTo(rewriter, loc, idx, resType));
    return success();
  }
};

} // namespace

void kiln::populateReductionPatterns(TypeConverter &tc,
                                     RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ReduceLowering<OnnxReduceSumOp, ReduceKind::Sum>,
               ReduceLowering<OnnxReduceMeanOp, ReduceKind::Mean>,
               ReduceLowering<OnnxReduceMaxOp, ReduceKind::Max>,
               ReduceLowering<OnnxReduceMinOp, ReduceKind::Min>,
               ReduceLowering<OnnxReduceProdOp, ReduceKind::Prod>,
               ReduceLowering<OnnxReduceL1Op, ReduceKind::L1>,
               ReduceLowering<OnnxReduceL2Op, ReduceKind::L2>,
               ReduceLowering<OnnxReduceLogSumOp, ReduceKind::LogSum>,
               ReduceLowering<OnnxReduceLogSumExpOp, ReduceKind::LogSumExp>,
               ReduceLowering<OnnxReduceSumSquareOp, ReduceKind::SumSquare>,
               ArgReduceLowering<OnnxArgMaxOp, true>,
               ArgReduceLowering<OnnxArgMinOp, false>>(tc, ctx);
}
