//===- Pooling.cpp - onnx to linalg: pooling ops --------------------------===//
//
// MaxPool, AveragePool, LpPool, GlobalMaxPool and GlobalAveragePool over N, C,
// spatial... tensors with 1 to 3 spatial dims.
//
// Windowed pooling pads the input (with the lowest value for max, zero for
// sum) and reduces with linalg.pooling_ncw_* / pooling_nchw_* where linalg
// has the NC-first named op, and with an equivalent linalg.generic otherwise
// (3-D, and unsigned max which the named ops would compare as signed).
// AveragePool divides by the number of counted elements of each window,
// computed from the output index (no second pooling pass).
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ReductionUtils.h"
#include "compiler/conversion/SlidingWindow.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

enum class PoolKind { Max, Sum };

/// The identity of max for ONNX element type `onnxType`: -inf for floats,
/// the minimum for signed integers, 0 for unsigned ones.
Value lowestValue(OpBuilder &b, Location loc, Type onnxType) {
  if (auto f = dyn_cast<FloatType>(onnxType))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(f, APFloat::getInf(f.getFloatSemantics(), true)));
  auto it = cast<IntegerType>(onnxType);
  unsigned w = it.getWidth();
  APInt v = it.isUnsigned() ? APInt::getZero(w) : APInt::getSignedMinValue(w);
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(b.getIntegerType(w), v));
}

/// Combines accumulator `acc` with input element `in` (already of the
/// accumulator type for max).
Value combine(OpBuilder &b, Location loc, PoolKind kind, bool isUnsigned,
              Value acc, Value in) {
  Type t = acc.getType();
  if (in.getType() != t) // Sum of 16-bit floats accumulates in f32.
    in = arith::ExtFOp::create(b, loc, t, in);
  if (kind == PoolKind::Sum)
    return isa<FloatType>(t)
               ? arith::AddFOp::create(b, loc, acc, in).getResult()
               : arith::AddIOp::create(b, loc, acc, in).getResult();
  if (isa<FloatType>(t))
    return arith::MaximumFOp::create(b, loc, acc, in);
  if (isUnsigned)
    return arith::MaxUIOp::create(b, loc, acc, in);
  return arith::MaxSIOp::create(b, loc, acc, in);
}

/// Reduces the windows of `padded` (N, C, spatial...) into `init` (N, C,
/// out...). Uses the linalg named pooling op where one exists for the NC-first
/// layout and the rank, an equivalent linalg.generic otherwise.
Value buildWindowPool(OpBuilder &b, Location loc, Value padded, Value init,
                      ArrayRef<WindowDim> windows, PoolKind kind,
                      bool isUnsigned) {
  auto initType = cast<RankedTensorType>(init.getType());
  Type accType = initType.getElementType();
  int64_t rank = windows.size();
  SmallVector<int64_t> kernel, strides, dilations;
  for (const WindowDim &w : windows) {
    kernel.push_back(w.kernel);
    strides.push_back(w.stride);
    dilations.push_back(w.dilation);
  }
  // The named ops and the generic take the window shape from a tensor whose
  // values are never read.
  Value window = tensor::EmptyOp::create(b, loc, kernel, accType);
  DenseIntElementsAttr sAttr = i64TensorAttr(b, strides);
  DenseIntElementsAttr dAttr = i64TensorAttr(b, dilations);
  // Named locals: a ValueRange over a braced list would dangle.
  SmallVector<Type> resTypes = {initType};
  SmallVector<Value> ins = {padded, window}, outs = {init};
  // The named max ops compare integers as signed.
  bool named = kind == PoolKind::Sum || !isUnsigned;
  if (named && rank == 1)
    return kind == PoolKind::Max
               ? linalg::PoolingNcwMaxOp::create(b, loc, resTypes, ins, outs,
                                                 sAttr, dAttr)
                     .getResult(0)
               : linalg::PoolingNcwSumOp::create(b, loc, resTypes, ins, outs,
                                                 sAttr, dAttr)
                     .getResult(0);
  if (named && rank == 2)
    return kind == PoolKind::Max
               ? linalg::PoolingNchwMaxOp::create(b, loc, resTypes, ins, outs,
                                                  sAttr, dAttr)
                     .getResult(0)
               : linalg::PoolingNchwSumOp::create(b, loc, resTypes, ins, outs,
                                                  sAttr, dAttr)
                     .getResult(0);

  // Loops: n, c, out_0..out_{r-1} (parallel), k_0..k_{r-1} (reduction).
  MLIRContext *ctx = b.getContext();
  int64_t numLoops = 2 + 2 * rank;
  SmallVector<AffineExpr> inExprs = {getAffineDimExpr(0, ctx),
                                     getAffineDimExpr(1, ctx)};
  SmallVector<AffineExpr> winExprs, outExprs = inExprs;
  for (int64_t i = 0; i < rank; ++i) {
    AffineExpr o = getAffineDimExpr(2 + i, ctx);
    AffineExpr k = getAffineDimExpr(2 + rank + i, ctx);
    inExprs.push_back(o * strides[i] + k * dilations[i]);
    winExprs.push_back(k);
    outExprs.push_back(o);
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, inExprs, ctx),
                                 AffineMap::get(numLoops, 0, winExprs, ctx),
                                 AffineMap::get(numLoops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iters(2 + rank,
                                         utils::IteratorType::parallel);
  iters.append(rank, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, resTypes, ins, outs, maps, iters,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value r = combine(nb, nloc, kind, isUnsigned, args[2], args[0]);
               linalg::YieldOp::create(nb, nloc, r);
             })
      .getResult(0);
}

/// MaxPool with its Indices output: one generic over (n, c, out..., k...)
/// keeps the first maximum of each window and its index into the unpadded
/// input `x`, flattened as (n * C + c) * prod(spatial) + the spatial
/// position, row-major or (`columnMajor`, storage_order=1) column-major.
std::pair<Value, Value>
buildMaxPoolWithIndices(OpBuilder &b, Location loc, Value x, Value padded,
                        Value init, Value idxInit, ArrayRef<WindowDim> windows,
                        bool isUnsigned, bool columnMajor) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = windows.size();
  int64_t numLoops = 2 + 2 * rank;
  Type elem = cast<RankedTensorType>(init.getType()).getElementType();
  SmallVector<int64_t> kernel;
  SmallVector<AffineExpr> inExprs = {getAffineDimExpr(0, ctx),
                                     getAffineDimExpr(1, ctx)};
  SmallVector<AffineExpr> winExprs, outExprs = inExprs;
  for (auto [i, w] : llvm::enumerate(windows)) {
    AffineExpr o = getAffineDimExpr(2 + i, ctx);
    AffineExpr k = getAffineDimExpr(2 + rank + i, ctx);
    inExprs.push_back(o * w.stride + k * w.dilation);
    winExprs.push_back(k);
    outExprs.push_back(o);
    kernel.push_back(w.kernel);
  }
  Value window = tensor::EmptyOp::create(b, loc, kernel, elem);
  AffineMap outMap = AffineMap::get(numLoops, 0, outExprs, ctx);
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, inExprs, ctx),
                                 AffineMap::get(numLoops, 0, winExprs, ctx),
                                 outMap, outMap};
  SmallVector<utils::IteratorType> iters(2 + rank,
                                         utils::IteratorType::parallel);
  iters.append(rank, utils::IteratorType::reduction);
  // Sizes the flattening needs, read outside the loops.
  IndexMath m{b, loc};
  Value channels = m.value(tensor::getMixedSize(b, loc, x, 1));
  SmallVector<Value> ins, padBegin;
  OpFoldResult plane = m.c(1);
  for (const WindowDim &w : windows) {
    ins.push_back(m.value(w.in));
    padBegin.push_back(m.value(w.padBegin));
    plane = m.mul(plane, w.in);
  }
  Value planeV = m.value(plane);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType(), idxInit.getType()},
      ValueRange{padded, window}, ValueRange{init, idxInit}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value v = args[0], best = args[2], bestIdx = args[3];
        // Strictly greater: the first maximum in window order wins.
        Value better;
        if (isa<FloatType>(elem))
          better =
              arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, v, best);
        else
          better = arith::CmpIOp::create(nb, l,
                                         isUnsigned ? arith::CmpIPredicate::ugt
                                                    : arith::CmpIPredicate::sgt,
                                         v, best);
        // Input position of this tap along each spatial dim.
        SmallVector<Value> pos;
        for (auto [i, w] : llvm::enumerate(windows)) {
          Value o = linalg::IndexOp::create(nb, l, 2 + i);
          Value k = linalg::IndexOp::create(nb, l, 2 + rank + i);
          Value p = arith::AddIOp::create(
              nb, l, arith::MulIOp::create(nb, l, o, cIdx(nb, l, w.stride)),
              arith::MulIOp::create(nb, l, k, cIdx(nb, l, w.dilation)));
          pos.push_back(arith::SubIOp::create(nb, l, p, padBegin[i]));
        }
        Value spatial = cIdx(nb, l, 0);
        for (int64_t j = 0; j < rank; ++j) {
          int64_t i = columnMajor ? rank - 1 - j : j;
          spatial = arith::AddIOp::create(
              nb, l, arith::MulIOp::create(nb, l, spatial, ins[i]), pos[i]);
        }
        Value n = linalg::IndexOp::create(nb, l, 0);
        Value c = linalg::IndexOp::create(nb, l, 1);
        Value nc = arith::AddIOp::create(
            nb, l, arith::MulIOp::create(nb, l, n, channels), c);
        Value flat = arith::AddIOp::create(
            nb, l, arith::MulIOp::create(nb, l, nc, planeV), spatial);
        Value idx = arith::IndexCastOp::create(nb, l, nb.getI64Type(), flat);
        linalg::YieldOp::create(
            nb, l,
            ValueRange{arith::SelectOp::create(nb, l, better, v, best),
                       arith::SelectOp::create(nb, l, better, idx, bestIdx)});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

/// Reads the window attributes shared by MaxPool and AveragePool.
template <typename OpTy>
std::optional<std::string> readWindowAttrs(OpTy op, int64_t spatialRank,
                                           WindowAttrs &attrs) {
  attrs.kernel = toInts(std::optional<ArrayAttr>(op.getKernelShape()));
  attrs.strides = toInts(op.getStrides());
  attrs.dilations = toInts(op.getDilations());
  attrs.pads = toInts(op.getPads());
  attrs.autoPad = op.getAutoPad();
  attrs.ceilMode = op.getCeilMode() != 0;
  return normalizeWindowAttrs(attrs, spatialRank);
}

/// Checks the input of a pooling op: a ranked tensor with 1 to 3 spatial dims.
template <typename OpTy>
FailureOr<RankedTensorType> poolInputType(OpTy op, Value x,
                                          ConversionPatternRewriter &rewriter) {
  auto t = dyn_cast<RankedTensorType>(x.getType());
  if (!t)
    return rewriter.notifyMatchFailure(op, "input must be a ranked tensor");
  if (t.getRank() < 3 || t.getRank() > 5)
    return rewriter.notifyMatchFailure(
        op, "only 1-D, 2-D and 3-D pooling (input rank 3 to 5) is supported");
  return t;
}

/// What every windowed pooling lowering starts from: the checked input
/// type, the windows of its spatial dims and the output shape, which must
/// agree with the converted result type.
struct PoolWindows {
  RankedTensorType xType;
  Type resType;
  SmallVector<WindowDim> windows;
  SmallVector<int64_t> outShape;

  /// The output sizes, static or not: N and C of `x`, each window's count.
  SmallVector<OpFoldResult> outSizes(OpBuilder &b, Location loc,
                                     Value x) const {
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, x, 0),
                                       tensor::getMixedSize(b, loc, x, 1)};
    for (const WindowDim &w : windows)
      sizes.push_back(w.out);
    return sizes;
  }
};

template <typename OpTy>
FailureOr<PoolWindows> poolWindows(OpTy op, Value x, const TypeConverter *tc,
                                   ConversionPatternRewriter &rewriter) {
  auto xType = poolInputType(op, x, rewriter);
  if (failed(xType))
    return failure();
  WindowAttrs attrs;
  if (auto reason = readWindowAttrs(op, xType->getRank() - 2, attrs))
    return rewriter.notifyMatchFailure(op, *reason);
  PoolWindows p{*xType, tc->convertType(op.getY().getType()), {}, {}};
  p.windows = computeWindows(rewriter, op.getLoc(), x, attrs);
  p.outShape =
      windowOutputShape(xType->getDimSize(0), xType->getDimSize(1), p.windows);
  if (!isShapeCastCompatible(p.outShape, p.resType))
    return rewriter.notifyMatchFailure(
        op, "the declared result shape disagrees with the ONNX output size "
            "formula");
  return p;
}

struct MaxPoolLowering : OpConversionPattern<OnnxMaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMaxPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    Type onnxElem = cast<ShapedType>(op.getX().getType()).getElementType();
    FailureOr<PoolWindows> pool =
        poolWindows(op, x, getTypeConverter(), rewriter);
    if (failed(pool))
      return failure();
    RankedTensorType xType = pool->xType;
    Type resType = pool->resType;
    SmallVector<WindowDim> &windows = pool->windows;
    SmallVector<int64_t> &outShape = pool->outShape;
    Value lowest = lowestValue(rewriter, loc, onnxElem);
    Value padded = padSpatial(rewriter, loc, x, windows, lowest);
    auto outType = RankedTensorType::get(outShape, xType.getElementType());
    SmallVector<OpFoldResult> sizes = pool->outSizes(rewriter, loc, x);
    Value init = createFilled(rewriter, loc, outType, sizes, lowest);
    if (!op.getIndices().use_empty()) {
      auto idxType = dyn_cast_or_null<RankedTensorType>(
          getTypeConverter()->convertType(op.getIndices().getType()));
      if (!idxType || !idxType.getElementType().isInteger(64) ||
          !isShapeCastCompatible(outShape, idxType))
        return rewriter.notifyMatchFailure(
            op, "Indices must be an i64 tensor of the output shape");
      if (op.getStorageOrder() != 0 && op.getStorageOrder() != 1)
        return rewriter.notifyMatchFailure(op, "storage_order must be 0 or 1");
      Value zero = arith::ConstantOp::create(rewriter, loc,
                                             rewriter.getI64IntegerAttr(0));
      Value idxInit = createFilled(
          rewriter, loc, RankedTensorType::get(outShape, rewriter.getI64Type()),
          sizes, zero);
      auto [y, indices] = buildMaxPoolWithIndices(
          rewriter, loc, x, padded, init, idxInit, windows,
          onnxElem.isUnsignedInteger(), op.getStorageOrder() == 1);
      rewriter.replaceOp(op, {castTo(rewriter, loc, y, resType),
                              castTo(rewriter, loc, indices, idxType)});
      return success();
    }
    Value y = buildWindowPool(rewriter, loc, padded, init, windows,
                              PoolKind::Max, onnxElem.isUnsignedInteger());
    y = castTo(rewriter, loc, y, resType);
    // Indices has no uses: it is dropped.
    rewriter.replaceOpWithMultiple(op, {{y}, {}});
    return success();
  }
};

struct AveragePoolLowering : OpConversionPattern<OnnxAveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxAveragePoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    FailureOr<PoolWindows> pool =
        poolWindows(op, x, getTypeConverter(), rewriter);
    if (failed(pool))
      return failure();
    RankedTensorType xType = pool->xType;
    Type resType = pool->resType;
    SmallVector<WindowDim> &windows = pool->windows;
    SmallVector<int64_t> &outShape = pool->outShape;
    Type elem = xType.getElementType();
    if (!isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "AveragePool needs a float input");
    int64_t rank = xType.getRank() - 2;
    bool countPad = op.getCountIncludePad() != 0;
    Value zero = scalarConstant(rewriter, loc, elem, 0.0);
    Value padded = padSpatial(rewriter, loc, x, windows, zero);
    Type accType = accumulatorType(elem);
    auto sumType = RankedTensorType::get(outShape, accType);
    SmallVector<OpFoldResult> sizes = pool->outSizes(rewriter, loc, x);
    Value init = createFilled(rewriter, loc, sumType, sizes,
                              scalarConstant(rewriter, loc, accType, 0.0));
    Value sum = buildWindowPool(rewriter, loc, padded, init, windows,
                                PoolKind::Sum, false);

    // The divisor of each window: with count_include_pad the taps inside the
    // explicitly padded input [-padBegin, in + padEnd), else the taps inside
    // the input [0, in). Taps in the extra ceil_mode padding never count. A
    // dim whose windows all lie inside the counted range contributes its
    // kernel size.
    SmallVector<bool> constantCount;
    int64_t constantPart = 1;
    for (const WindowDim &w : windows) {
      auto isZero = [](OpFoldResult v) {
        auto c = getConstantIntValue(v);
        return c && *c == 0;
      };
      bool allInside = isZero(w.extraEnd) &&
                       (countPad || (isZero(w.padBegin) && isZero(w.padEnd)));
      constantCount.push_back(allInside);
      if (allInside)
        constantPart *= w.kernel;
    }

    auto outType = RankedTensorType::get(outShape, elem);
    Value empty = createEmpty(rewriter, loc, outType, sizes);
    int64_t numLoops = 2 + rank;
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(numLoops));
    SmallVector<utils::IteratorType> iters(numLoops,
                                           utils::IteratorType::parallel);
    Value y =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{outType}, ValueRange{sum},
            ValueRange{empty}, maps, iters,
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              IndexMath m{nb, nloc};
              OpFoldResult count = m.c(constantPart);
              for (auto [i, w] : llvm::enumerate(windows)) {
                if (constantCount[i])
                  continue;
                Value o = linalg::IndexOp::create(nb, nloc, 2 + i);
                // First input position of the window: o * s - padBegin.
                // Counted taps j satisfy lo <= start + j * d <= hi - 1.
                OpFoldResult ext = m.mul(o, m.c(w.stride));
                OpFoldResult jMin, last;
                if (countPad) {
                  jMin = m.c(0); // The window never starts before -padBegin.
                  // hi - 1 - start = in + padEnd + padBegin - 1 - o * s.
                  last = m.sub(
                      m.sub(m.add(m.add(w.in, w.padEnd), w.padBegin), m.c(1)),
                      ext);
                } else {
                  // lo - start = padBegin - o * s.
                  OpFoldResult before = m.max(m.c(0), m.sub(w.padBegin, ext));
                  jMin = m.ceilDiv(before, m.c(w.dilation));
                  // hi - 1 - start = in + padBegin - 1 - o * s.
                  last = m.sub(m.sub(m.add(w.in, w.padBegin), m.c(1)), ext);
                }
                OpFoldResult jMax =
                    m.min(m.c(w.kernel - 1),
                          m.div(m.max(m.c(0), last), m.c(w.dilation)));
                OpFoldResult n =
                    m.max(m.c(0), m.add(m.sub(jMax, jMin), m.c(1)));
                count = m.mul(count, n);
              }
              Value countF;
              if (auto c = getConstantIntValue(count)) {
                countF = scalarConstant(nb, nloc, accType, *c);
              } else {
                countF = indexToFloat(nb, nloc, m.value(count), accType);
              }
              Value r = arith::DivFOp::create(nb, nloc, args[0], countF);
              if (accType != elem)
                r = arith::TruncFOp::create(nb, nloc, elem, r);
              linalg::YieldOp::create(nb, nloc, r);
            })
            .getResult(0);
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resType));
    return success();
  }
};

/// LpPool: (sum over the window of |x|^p)^(1/p), padding counting as 0.
struct LpPoolLowering : OpConversionPattern<OnnxLpPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxLpPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    FailureOr<PoolWindows> pool =
        poolWindows(op, x, getTypeConverter(), rewriter);
    if (failed(pool))
      return failure();
    RankedTensorType xType = pool->xType;
    Type resType = pool->resType;
    SmallVector<WindowDim> &windows = pool->windows;
    SmallVector<int64_t> &outShape = pool->outShape;
    Type elem = xType.getElementType();
    if (!isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "LpPool needs a float input");
    int64_t p = op.getP();
    if (p < 1)
      return rewriter.notifyMatchFailure(op, "p must be at least 1");
    Type accType = accumulatorType(elem);
    // |x|^p in the accumulator type (p = 1 and 2 without powf).
    auto identity = [&](int64_t rank) {
      return SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)};
    };
    Value powered = buildMapped(
        rewriter, loc, RankedTensorType::get(xType.getShape(), accType),
        tensor::getMixedSizes(rewriter, loc, x), ValueRange{x},
        identity(xType.getRank()),
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Value v = args[0];
          if (accType != elem)
            v = arith::ExtFOp::create(nb, nloc, accType, v);
          Value a = math::AbsFOp::create(nb, nloc, v);
          if (p == 1)
            return a;
          if (p == 2)
            return arith::MulFOp::create(nb, nloc, a, a);
          return math::PowFOp::create(
              nb, nloc, a, scalarConstant(nb, nloc, accType, (double)p));
        });
    Value zero = scalarConstant(rewriter, loc, accType, 0.0);
    Value padded = padSpatial(rewriter, loc, powered, windows, zero);
    SmallVector<OpFoldResult> sizes = pool->outSizes(rewriter, loc, x);
    Value init = createFilled(
        rewriter, loc, RankedTensorType::get(outShape, accType), sizes, zero);
    Value sum = buildWindowPool(rewriter, loc, padded, init, windows,
                                PoolKind::Sum, false);
    Value y = buildMapped(
        rewriter, loc, RankedTensorType::get(outShape, elem), sizes,
        ValueRange{sum}, identity((int64_t)outShape.size()),
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Value r = args[0];
          if (p == 2)
            r = math::SqrtOp::create(nb, nloc, r);
          else if (p != 1)
            r = math::PowFOp::create(
                nb, nloc, r, scalarConstant(nb, nloc, accType, 1.0 / p));
          if (accType != elem)
            r = arith::TruncFOp::create(nb, nloc, elem, r);
          return r;
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resType));
    return success();
  }
};

/// GlobalMaxPool / GlobalAveragePool: reduce all spatial dims to 1.
template <typename OpTy, PoolKind kind>
struct GlobalPoolLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!xType || xType.getRank() < 3)
      return rewriter.notifyMatchFailure(
          op, "input must be a ranked tensor of rank >= 3");
    Type elem = xType.getElementType();
    Type onnxElem = cast<ShapedType>(op.getX().getType()).getElementType();
    if (kind == PoolKind::Sum && !isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "GlobalAveragePool needs floats");
    Type resType = this->getTypeConverter()->convertType(op.getY().getType());
    int64_t rank = xType.getRank();
    SmallVector<int64_t> outShape = {xType.getDimSize(0), xType.getDimSize(1)};
    outShape.append(rank - 2, 1);
    if (!isShapeCastCompatible(outShape, resType))
      return rewriter.notifyMatchFailure(
          op, "the declared result shape is not N x C x 1 x ...");

    Type accType = kind == PoolKind::Sum ? accumulatorType(elem) : elem;
    Value initValue = kind == PoolKind::Sum
                          ? scalarConstant(rewriter, loc, accType, 0.0)
                          : lowestValue(rewriter, loc, onnxElem);
    SmallVector<OpFoldResult> nc = {tensor::getMixedSize(rewriter, loc, x, 0),
                                    tensor::getMixedSize(rewriter, loc, x, 1)};
    auto ncType = RankedTensorType::get(
        {xType.getDimSize(0), xType.getDimSize(1)}, accType);
    Value init = createFilled(rewriter, loc, ncType, nc, initValue);
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(rank, ctx),
        AffineMap::get(rank, 0,
                       {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)},
                       ctx)};
    SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
    iters.append(rank - 2, utils::IteratorType::reduction);
    bool isUnsigned = onnxElem.isUnsignedInteger();
    Value red =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{ncType}, ValueRange{x}, ValueRange{init},
            maps, iters,
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              linalg::YieldOp::create(
                  nb, nloc,
                  combine(nb, nloc, kind, isUnsigned, args[1], args[0]));
            })
            .getResult(0);

    if (kind == PoolKind::Sum) {
      // Divide by the number of spatial elements (known at run time only
      // when a spatial dim is dynamic).
      IndexMath m{rewriter, loc};
      OpFoldResult count = m.c(1);
      for (int64_t d = 2; d < rank; ++d)
        count = m.mul(count, tensor::getMixedSize(rewriter, loc, x, d));
      Value countF;
      if (auto c = getConstantIntValue(count)) {
        countF = scalarConstant(rewriter, loc, accType, *c);
      } else {
        countF = indexToFloat(rewriter, loc, m.value(count), accType);
      }
      auto avgType = RankedTensorType::get(ncType.getShape(), elem);
      Value empty = createEmpty(rewriter, loc, avgType, nc);
      SmallVector<AffineMap> idMaps(2,
                                    AffineMap::getMultiDimIdentityMap(2, ctx));
      red = linalg::GenericOp::create(
                rewriter, loc, TypeRange{avgType}, ValueRange{red},
                ValueRange{empty}, idMaps,
                SmallVector<utils::IteratorType>(2,
                                                 utils::IteratorType::parallel),
                [&](OpBuilder &nb, Location nloc, ValueRange args) {
                  Value r = arith::DivFOp::create(nb, nloc, args[0], countF);
                  if (accType != elem)
                    r = arith::TruncFOp::create(nb, nloc, elem, r);
                  linalg::YieldOp::create(nb, nloc, r);
                })
                .getResult(0);
    }

    // N x C -> N x C x 1 x ... x 1.
    SmallVector<ReassociationIndices> reassoc = {{0}, {}};
    for (int64_t d = 1; d < rank; ++d)
      reassoc[1].push_back(d);
    SmallVector<OpFoldResult> outSizes = nc;
    outSizes.append(rank - 2, rewriter.getIndexAttr(1));
    auto outType = RankedTensorType::get(outShape, elem);
    Value y = tensor::ExpandShapeOp::create(rewriter, loc, outType, red,
                                            reassoc, outSizes);
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resType));
    return success();
  }
};

} // namespace

void kiln::populatePoolingPatterns(TypeConverter &tc,
                                   RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<MaxPoolLowering, AveragePoolLowering, LpPoolLowering,
               GlobalPoolLowering<OnnxGlobalMaxPoolOp, PoolKind::Max>,
               GlobalPoolLowering<OnnxGlobalAveragePoolOp, PoolKind::Sum>>(tc,
                                                                           ctx);
}
