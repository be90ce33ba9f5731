//===- IndexingOps.cpp - onnx to linalg: index-computed ops ---------------===//
//
// Trilu, CumSum, CumProd, OneHot, GatherND, ReverseSequence, Compress, NonZero,
// DepthToSpace, SpaceToDepth, MaxUnpool: index-computed reads and writes.
//
// Reads whose source index is a function of the output index become a
// linalg.generic over the result (generateTensor) with tensor.extract.
// Scans (CumSum) and writes to computed places (MaxUnpool) are scf.for loops
// carrying the result tensor. Ops whose output size depends on the data
// (Compress, NonZero) count first, allocate a tensor of the counted size and
// fill it in a loop.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ShapeHelpers.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using namespace kiln::shape_helpers;

namespace {

/// The ONNX element type of `v` (signedness kept).
Type onnxElemOf(Value v) {
  return cast<ShapedType>(v.getType()).getElementType();
}

/// Scalar `v` of ONNX element type `from` as an index (floats truncate).
Value scalarToIndex(OpBuilder &b, Location loc, Value v, Type from) {
  return toIndex(b, loc, castScalar(b, loc, v, from, b.getI64Type()));
}

/// The single element of the scalar-like tensor `t` (converted) whose ONNX
/// form is `onnxT`, as an index.
Value scalarInputToIndex(OpBuilder &b, Location loc, Value t, Value onnxT) {
  return scalarToIndex(b, loc, extractScalar(b, loc, t), onnxElemOf(onnxT));
}

Value cmpIdx(OpBuilder &b, Location loc, arith::CmpIPredicate p, Value x,
             Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}

/// x != 0 for a scalar of any element type (NaN counts as non-zero).
Value isNonZero(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value zero = scalarConstant(b, loc, t, 0.0);
  if (isa<FloatType>(t))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, zero);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
}

Value addScalars(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value mulScalars(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

SmallVector<OpFoldResult> unitStrides(OpBuilder &b, int64_t rank) {
  return SmallVector<OpFoldResult>(rank, idx(b, 1));
}

/// The slice of `t` at position `pos` along `axis` (size 1 there).
Value sliceAt(OpBuilder &b, Location loc, Value t, int64_t axis,
              OpFoldResult pos) {
  auto ty = cast<RankedTensorType>(t.getType());
  SmallVector<OpFoldResult> offsets(ty.getRank(), idx(b, 0));
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, t);
  offsets[axis] = pos;
  sizes[axis] = idx(b, 1);
  auto sliceTy = RankedTensorType::get(staticSizes(sizes), ty.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, sliceTy, t, offsets, sizes,
                                        unitStrides(b, ty.getRank()));
}

/// Inserts `slice` (size 1 along `axis`) into `dest` at `pos` along `axis`.
Value insertAt(OpBuilder &b, Location loc, Value slice, Value dest,
               int64_t axis, OpFoldResult pos) {
  int64_t rank = cast<RankedTensorType>(dest.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, idx(b, 0));
  offsets[axis] = pos;
  return tensor::InsertSliceOp::create(b, loc, slice, dest, offsets,
                                       sizesOf(b, loc, slice),
                                       unitStrides(b, rank));
}

//===----------------------------------------------------------------------===//
// Trilu
//===----------------------------------------------------------------------===//

struct TriluLowering : OpConversionPattern<OnnxTriluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxTriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value in = adaptor.getInput();
    auto inTy = dyn_cast<RankedTensorType>(in.getType());
    if (!resTy || !inTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t rank = inTy.getRank();
    if (rank < 2)
      return rewriter.notifyMatchFailure(op, "input must have rank >= 2");
    Location loc = op.getLoc();
    // k is an optional run-time scalar: the diagonal kept, counted upwards.
    Value k =
        isNoValue(adaptor.getK())
            ? cIdx(rewriter, loc, 0)
            : scalarInputToIndex(rewriter, loc, adaptor.getK(), op.getK());
    bool upper = op.getUpper() != 0;
    Value zero = scalarConstant(rewriter, loc, inTy.getElementType(), 0.0);
    SmallVector<OpFoldResult> sizes =
        refineSizes(rewriter, resTy, sizesOf(rewriter, loc, in));
    Value r = generateTensor(
        rewriter, loc, resTy, sizes, {in},
        {AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
          // Element (i, j) lies on diagonal j - i.
          Value diag =
              arith::SubIOp::create(b, l, ivs[rank - 1], ivs[rank - 2]);
          Value keep = cmpIdx(b, l,
                              upper ? arith::CmpIPredicate::sge
                                    : arith::CmpIPredicate::sle,
                              diag, k);
          return arith::SelectOp::create(b, l, keep, args[0], zero);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// CumSum, CumProd
//===----------------------------------------------------------------------===//

/// Cumulative sum (or product) of `x` along the static `axis`: an scf.for
/// over the axis carrying the result and the running total (one slice
/// wide), so each step is an elementwise add (multiply) over a whole slice.
Value cumulativeAlong(OpBuilder &b, Location loc, Value x, int64_t axis,
                      bool reverse, bool exclusive, bool product) {
  auto ty = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  SmallVector<OpFoldResult> sliceSizes(sizes);
  sliceSizes[axis] = idx(b, 1);
  auto sliceTy =
      RankedTensorType::get(staticSizes(sliceSizes), ty.getElementType());
  Value identity =
      scalarConstant(b, loc, ty.getElementType(), product ? 1.0 : 0.0);
  Value out = createEmpty(b, loc, ty, sizes);
  Value acc = createFilled(b, loc, sliceTy, sliceSizes, identity);
  Value n = val(b, loc, sizes[axis]);
  Value one = cIdx(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, cIdx(b, loc, 0), n, one, ValueRange{out, acc},
      [&](OpBuilder &nb, Location l, Value t, ValueRange iter) {
        Value p = t;
        if (reverse)
          p = arith::SubIOp::create(nb, l, arith::SubIOp::create(nb, l, n, one),
                                    t);
        Value xs = sliceAt(nb, l, x, axis, p);
        // Exclusive sums write the total before this element.
        Value o = iter[0];
        if (exclusive)
          o = insertAt(nb, l, iter[1], o, axis, p);
        // The running sum is updated in place (a loop-carried tensor must
        // stay in its buffer).
        int64_t rank = sliceTy.getRank();
        AffineMap id = AffineMap::getMultiDimIdentityMap(rank, nb.getContext());
        Value sum = linalg::GenericOp::create(
                        nb, l, TypeRange{sliceTy}, ValueRange{xs},
                        ValueRange{iter[1]}, ArrayRef<AffineMap>{id, id},
                        SmallVector<utils::IteratorType>(
                            rank, utils::IteratorType::parallel),
                        [&](OpBuilder &eb, Location el, ValueRange a) {
                          linalg::YieldOp::create(
                              eb, el,
                              product ? mulScalars(eb, el, a[1], a[0])
                                      : addScalars(eb, el, a[1], a[0]));
                        })
                        .getResult(0);
        if (!exclusive)
          o = insertAt(nb, l, sum, o, axis, p);
        scf::YieldOp::create(nb, l, ValueRange{o, sum});
      });
  return loop.getResult(0);
}

/// Cumulative sum (product) along a run-time axis: one branch per possible
/// axis.
Value cumulativeDispatch(OpBuilder &b, Location loc, Value x, Value axis,
                         int64_t first, bool reverse, bool exclusive,
                         bool product) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  if (first == rank - 1)
    return cumulativeAlong(b, loc, x, first, reverse, exclusive, product);
  Value isFirst =
      cmpIdx(b, loc, arith::CmpIPredicate::eq, axis, cIdx(b, loc, first));
  auto ifOp = scf::IfOp::create(
      b, loc, isFirst,
      [&](OpBuilder &tb, Location l) {
        scf::YieldOp::create(tb, l,
                             cumulativeAlong(tb, l, x, first, reverse,
                                             exclusive, product));
      },
      [&](OpBuilder &eb, Location l) {
        scf::YieldOp::create(eb, l,
                             cumulativeDispatch(eb, l, x, axis, first + 1,
                                                reverse, exclusive, product));
      });
  return ifOp.getResult(0);
}

template <typename OpTy, bool Product>
struct CumulativeLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    if (!resTy || !xTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t rank = xTy.getRank();
    if (rank < 1)
      return rewriter.notifyMatchFailure(op, "input must have rank >= 1");
    if (xTy.getElementType().isInteger(1))
      return rewriter.notifyMatchFailure(op, "bool input is not supported");
    Location loc = op.getLoc();
    bool reverse = op.getReverse() != 0, exclusive = op.getExclusive() != 0;
    Value r;
    if (auto c = getConstantInts(adaptor.getAxis()); c && c->size() == 1) {
      int64_t axis = normalizeAxis((*c)[0], rank);
      if (axis < 0 || axis >= rank)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      r = cumulativeAlong(rewriter, loc, x, axis, reverse, exclusive, Product);
    } else {
      // The axis is a graph input: pick the branch at run time (an axis
      // out of range takes the last one).
      Value a =
          scalarInputToIndex(rewriter, loc, adaptor.getAxis(), op.getAxis());
      Value neg = cmpIdx(rewriter, loc, arith::CmpIPredicate::slt, a,
                         cIdx(rewriter, loc, 0));
      a = arith::SelectOp::create(
          rewriter, loc, neg,
          arith::AddIOp::create(rewriter, loc, a, cIdx(rewriter, loc, rank)),
          a);
      r = cumulativeDispatch(rewriter, loc, x, a, 0, reverse, exclusive,
                             Product);
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, r, resTy));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// OneHot
//===----------------------------------------------------------------------===//

struct OneHotLowering : OpConversionPattern<OnnxOneHotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxOneHotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value indices = adaptor.getIndices(), values = adaptor.getValues();
    auto idxTy = dyn_cast<RankedTensorType>(indices.getType());
    auto valTy = dyn_cast<RankedTensorType>(values.getType());
    if (!resTy || !idxTy || !valTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    if (valTy.getRank() != 1 || valTy.getDimSize(0) == 0)
      return rewriter.notifyMatchFailure(op, "values must be [off, on]");
    int64_t outRank = idxTy.getRank() + 1;
    int64_t axis = normalizeAxis(op.getAxis(), outRank);
    if (axis < 0 || axis >= outRank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Location loc = op.getLoc();
    Value depth =
        scalarInputToIndex(rewriter, loc, adaptor.getDepth(), op.getDepth());
    Value off = tensor::ExtractOp::create(rewriter, loc, values,
                                          ValueRange{cIdx(rewriter, loc, 0)});
    Value on = tensor::ExtractOp::create(rewriter, loc, values,
                                         ValueRange{cIdx(rewriter, loc, 1)});
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, indices);
    sizes.insert(sizes.begin() + axis, depth);
    sizes = refineSizes(rewriter, resTy, sizes);
    // The indices are read at every output dim but the one-hot axis.
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < outRank; ++d)
      if (d != axis)
        exprs.push_back(rewriter.getAffineDimExpr(d));
    AffineMap idxMap = AffineMap::get(outRank, 0, exprs, rewriter.getContext());
    Type idxElt = onnxElemOf(op.getIndices());
    Value r = generateTensor(
        rewriter, loc, resTy, sizes, {indices}, {idxMap},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
          Value i =
              wrapIndex(b, l, scalarToIndex(b, l, args[0], idxElt), depth);
          Value hit = cmpIdx(b, l, arith::CmpIPredicate::eq, i, ivs[axis]);
          return arith::SelectOp::create(b, l, hit, on, off);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// GatherND
//===----------------------------------------------------------------------===//

struct GatherNDLowering : OpConversionPattern<OnnxGatherNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxGatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(
          op, "the result rank is unknown (shape inference gave none)");
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    auto idxTy = dyn_cast<RankedTensorType>(indices.getType());
    if (!resTy || !dataTy || !idxTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t r = dataTy.getRank(), q = idxTy.getRank();
    int64_t bd = op.getBatchDims();
    if (q < 1)
      return rewriter.notifyMatchFailure(op, "indices must have rank >= 1");
    // The index depth k is indices' last dim; when that is symbolic, the
    // result rank (q - 1) + (r - batch_dims - k) still determines it.
    int64_t k = idxTy.isDynamicDim(q - 1) ? q - 1 + r - bd - resTy.getRank()
                                          : idxTy.getDimSize(q - 1);
    if (k < 0)
      return rewriter.notifyMatchFailure(
          op, "result rank exceeds what indices and data allow");
    if (bd < 0 || bd >= q || bd >= r || bd + k > r)
      return rewriter.notifyMatchFailure(
          op, "batch_dims + index depth exceed the data rank");
    Location loc = op.getLoc();
    // out[i.., rest..] = data[i[:bd].., indices[i..][0..k), rest..]
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < q - 1; ++d)
      sizes.push_back(dimOf(rewriter, loc, indices, d));
    for (int64_t d = bd + k; d < r; ++d)
      sizes.push_back(dimOf(rewriter, loc, data, d));
    sizes = refineSizes(rewriter, resTy, sizes);
    SmallVector<Value> dims;
    for (int64_t j = 0; j < k; ++j)
      dims.push_back(val(rewriter, loc, dimOf(rewriter, loc, data, bd + j)));
    Value message = checkMessage(
        rewriter, op,
        "an index lies outside [-s, s-1], s the length of the dim it "
        "addresses",
        /*INVALID_ARGUMENT*/ 2);
    Value res = generateTensor(
        rewriter, loc, resTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          SmallVector<Value> at(ivs.take_front(bd));
          SmallVector<Value> idxAt(ivs.take_front(q - 1));
          idxAt.push_back(Value());
          for (int64_t j = 0; j < k; ++j) {
            idxAt.back() = cIdx(b, l, j);
            Value i = tensor::ExtractOp::create(b, l, indices, idxAt);
            at.push_back(checkedIndex(b, l, op, i, dims[j], message));
          }
          for (Value iv : ivs.drop_front(q - 1))
            at.push_back(iv);
          return tensor::ExtractOp::create(b, l, data, at);
        });
    rewriter.replaceOp(op, res);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ReverseSequence
//===----------------------------------------------------------------------===//

struct ReverseSequenceLowering : OpConversionPattern<OnnxReverseSequenceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxReverseSequenceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value in = adaptor.getInput(), lens = adaptor.getSequenceLens();
    auto inTy = dyn_cast<RankedTensorType>(in.getType());
    auto lensTy = dyn_cast<RankedTensorType>(lens.getType());
    if (!resTy || !inTy || !lensTy || lensTy.getRank() != 1)
      return rewriter.notifyMatchFailure(
          op, "ranked input and 1-D sequence_lens expected");
    int64_t rank = inTy.getRank();
    int64_t batch = op.getBatchAxis(), time = op.getTimeAxis();
    if (rank < 2 || batch < 0 || batch > 1 || time < 0 || time > 1 ||
        batch == time)
      return rewriter.notifyMatchFailure(
          op, "batch_axis and time_axis must be 0 and 1 in some order");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes =
        refineSizes(rewriter, resTy, sizesOf(rewriter, loc, in));
    Value timeDim = val(rewriter, loc, dimOf(rewriter, loc, in, time));
    Type lensElt = onnxElemOf(op.getSequenceLens());
    Value r = generateTensor(
        rewriter, loc, resTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          // The first len steps of each batch entry are reversed.
          Value len = scalarToIndex(
              b, l, tensor::ExtractOp::create(b, l, lens, ivs[batch]), lensElt);
          len = arith::MinSIOp::create(b, l, len, timeDim);
          Value t = ivs[time];
          Value inSeq = cmpIdx(b, l, arith::CmpIPredicate::slt, t, len);
          Value mirrored = arith::SubIOp::create(
              b, l, arith::SubIOp::create(b, l, len, cIdx(b, l, 1)), t);
          SmallVector<Value> at(ivs);
          at[time] = arith::SelectOp::create(b, l, inSeq, mirrored, t);
          return tensor::ExtractOp::create(b, l, in, at);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// DepthToSpace, SpaceToDepth
//===----------------------------------------------------------------------===//

struct DepthToSpaceLowering : OpConversionPattern<OnnxDepthToSpaceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxDepthToSpaceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value in = adaptor.getInput();
    auto inTy = dyn_cast<RankedTensorType>(in.getType());
    if (!resTy || !inTy || inTy.getRank() != 4)
      return rewriter.notifyMatchFailure(op, "4-D NCHW input expected");
    int64_t bs = op.getBlocksize();
    StringRef mode = op.getMode();
    if (bs <= 0)
      return rewriter.notifyMatchFailure(op, "blocksize must be positive");
    if (mode != "DCR" && mode != "CRD")
      return rewriter.notifyMatchFailure(op, "mode must be DCR or CRD");
    bool dcr = mode == "DCR";
    Location loc = op.getLoc();
    OpFoldResult bs2 = idx(rewriter, bs * bs), bsF = idx(rewriter, bs);
    SmallVector<OpFoldResult> sizes = {
        dimOf(rewriter, loc, in, 0),
        floorDivI(rewriter, loc, dimOf(rewriter, loc, in, 1), bs2),
        mulI(rewriter, loc, dimOf(rewriter, loc, in, 2), bsF),
        mulI(rewriter, loc, dimOf(rewriter, loc, in, 3), bsF)};
    sizes = refineSizes(rewriter, resTy, sizes);
    Value outC = val(rewriter, loc, sizes[1]);
    Value r = generateTensor(
        rewriter, loc, resTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          Value bsV = cIdx(b, l, bs);
          Value bh = arith::RemUIOp::create(b, l, ivs[2], bsV);
          Value bw = arith::RemUIOp::create(b, l, ivs[3], bsV);
          Value h = arith::DivUIOp::create(b, l, ivs[2], bsV);
          Value w = arith::DivUIOp::create(b, l, ivs[3], bsV);
          // The block offset bh * bs + bw is the outer part of the input
          // channel in DCR mode and the inner part in CRD mode.
          Value block = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, bh, bsV), bw);
          Value c;
          if (dcr)
            c = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, block, outC), ivs[1]);
          else
            c = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, ivs[1], cIdx(b, l, bs * bs)),
                block);
          return tensor::ExtractOp::create(b, l, in,
                                           ValueRange{ivs[0], c, h, w});
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// TensorScatter (opset 24): a KV cache written at each batch row's index
//===----------------------------------------------------------------------===//

/// present[b, .., p, ..] = update[b, .., s, ..] where s = p - write[b]
/// (linear) or (p - write[b]) mod max_seq (circular) lies in [0, seq),
/// past[b, .., p, ..] elsewhere: the scatter read as a gather, one pass
/// over the cache.
struct TensorScatterLowering : OpConversionPattern<OnnxTensorScatterOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxTensorScatterOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value past = adaptor.getPastCache(), update = adaptor.getUpdate();
    Value write = adaptor.getWriteIndices();
    auto pastTy = dyn_cast<RankedTensorType>(past.getType());
    auto updTy = dyn_cast<RankedTensorType>(update.getType());
    if (!resTy || !pastTy || !updTy || pastTy.getRank() != updTy.getRank())
      return rewriter.notifyMatchFailure(
          op, "past_cache and update must be ranked tensors of one rank");
    int64_t rank = pastTy.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    if (axis < 1 || axis >= rank)
      return rewriter.notifyMatchFailure(
          op, "axis must name a dim after the batch dim");
    StringRef mode = op.getMode();
    if (mode != "linear" && mode != "circular")
      return rewriter.notifyMatchFailure(op,
                                         "mode must be linear or circular");
    bool hasWrite = !isa<NoneType>(write.getType());
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, past);
    Value maxSeq = val(rewriter, loc, sizes[axis]);
    Value seq = tensor::DimOp::create(rewriter, loc, update, axis);
    bool circular = mode == "circular";
    Value r = generateTensor(
        rewriter, loc, resTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          Value p = ivs[axis];
          Value s = p;
          if (hasWrite) {
            Value w = tensor::ExtractOp::create(b, l, write,
                                                ValueRange{ivs[0]});
            s = arith::SubIOp::create(b, l, p, toIndex(b, l, w));
            if (circular) {
              // A non-negative remainder: (s mod max + max) mod max.
              Value m = arith::RemSIOp::create(b, l, s, maxSeq);
              s = arith::RemSIOp::create(
                  b, l, arith::AddIOp::create(b, l, m, maxSeq), maxSeq);
            }
          }
          Value lo = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, s,
                                           cIdx(b, l, 0));
          Value hi =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, s, seq);
          Value inRange = arith::AndIOp::create(b, l, lo, hi);
          Value pastElem = tensor::ExtractOp::create(b, l, past, ivs);
          auto ifOp = scf::IfOp::create(b, l, pastElem.getType(), inRange,
                                        /*withElseRegion=*/true);
          {
            OpBuilder::InsertionGuard g(b);
            b.setInsertionPointToStart(&ifOp.getThenRegion().front());
            SmallVector<Value> at(ivs);
            at[axis] = s;
            scf::YieldOp::create(
                b, l, ValueRange{tensor::ExtractOp::create(b, l, update, at)});
            b.setInsertionPointToStart(&ifOp.getElseRegion().front());
            scf::YieldOp::create(b, l, ValueRange{pastElem});
          }
          return ifOp.getResult(0);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Col2Im (opset 18): columns summed back into the image
//===----------------------------------------------------------------------===//

/// out[n, c, y..] = sum over kernel offsets k.. of
///   in[n, c * K + flat(k), flat(b..)]  where along each dim
///   y + padBegin - k * dilation = b * stride with 0 <= b < L (blocks).
/// The scatter-add of the spec read as a gather: one generic with the
/// kernel offsets as reduction dims. The image and block shapes may be
/// known only at run time (they are often graph inputs).
struct Col2ImLowering : OpConversionPattern<OnnxCol2ImOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxCol2ImOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value in = adaptor.getInput();
    auto inTy = dyn_cast<RankedTensorType>(in.getType());
    auto shapeTy =
        dyn_cast<RankedTensorType>(adaptor.getImageShape().getType());
    auto blockTy =
        dyn_cast<RankedTensorType>(adaptor.getBlockShape().getType());
    if (!resTy || !inTy || inTy.getRank() != 3)
      return rewriter.notifyMatchFailure(op, "a 3-D [N, C * K, L] input "
                                             "expected");
    // The image's rank is the result's less two (image_shape's length may
    // be symbolic; a static one must agree).
    int64_t nd = resTy.getRank() - 2;
    auto lengthIs = [&](RankedTensorType t) {
      return t && t.getRank() == 1 &&
             (t.isDynamicDim(0) || t.getDimSize(0) == nd);
    };
    if (nd < 1 || !lengthIs(shapeTy) || !lengthIs(blockTy))
      return rewriter.notifyMatchFailure(
          op, "image_shape and block_shape must be 1-D with one entry per "
              "image dim");
    auto attrOr = [&](std::optional<ArrayAttr> a, int64_t n, int64_t dflt) {
      SmallVector<int64_t> v(n, dflt);
      if (a && (int64_t)a->size() == n)
        for (auto [i, x] : llvm::enumerate(*a))
          v[i] = cast<IntegerAttr>(x).getInt();
      return v;
    };
    SmallVector<int64_t> strides = attrOr(op.getStrides(), nd, 1);
    SmallVector<int64_t> dils = attrOr(op.getDilations(), nd, 1);
    SmallVector<int64_t> pads = attrOr(op.getPads(), 2 * nd, 0);
    if (llvm::any_of(strides, [](int64_t v) { return v < 1; }) ||
        llvm::any_of(dils, [](int64_t v) { return v < 1; }))
      return rewriter.notifyMatchFailure(op, "strides and dilations must be "
                                             "positive");
    Location loc = op.getLoc();
    Type elem = resTy.getElementType();
    // Image and block sizes as index values (constants fold), the number
    // of blocks along each dim and the kernel's element count.
    SmallVector<Value> image, block, blocks;
    Value kernel = cIdx(rewriter, loc, 1);
    for (int64_t d = 0; d < nd; ++d) {
      Value at = cIdx(rewriter, loc, d);
      image.push_back(toIndex(
          rewriter, loc,
          tensor::ExtractOp::create(rewriter, loc, adaptor.getImageShape(),
                                    ValueRange{at})));
      block.push_back(toIndex(
          rewriter, loc,
          tensor::ExtractOp::create(rewriter, loc, adaptor.getBlockShape(),
                                    ValueRange{at})));
      Value extent = arith::AddIOp::create(
          rewriter, loc,
          arith::MulIOp::create(
              rewriter, loc, cIdx(rewriter, loc, dils[d]),
              arith::SubIOp::create(rewriter, loc, block[d],
                                    cIdx(rewriter, loc, 1))),
          cIdx(rewriter, loc, 1));
      Value span = arith::SubIOp::create(
          rewriter, loc,
          arith::AddIOp::create(rewriter, loc, image[d],
                                cIdx(rewriter, loc, pads[d] + pads[nd + d])),
          extent);
      blocks.push_back(arith::AddIOp::create(
          rewriter, loc,
          arith::DivSIOp::create(rewriter, loc, span,
                                 cIdx(rewriter, loc, strides[d])),
          cIdx(rewriter, loc, 1)));
      kernel = arith::MulIOp::create(rewriter, loc, kernel, block[d]);
    }
    SmallVector<OpFoldResult> sizes = {
        dimOf(rewriter, loc, in, 0),
        OpFoldResult(arith::DivUIOp::create(
            rewriter, loc, val(rewriter, loc, dimOf(rewriter, loc, in, 1)),
            kernel))};
    for (Value v : image)
      sizes.push_back(v);
    sizes = refineSizes(rewriter, resTy, sizes);
    Value init = createFilled(rewriter, loc, resTy, sizes,
                              scalarConstant(rewriter, loc, elem, 0));
    unsigned loops = 2 + 2 * nd;
    SmallVector<AffineExpr> outDims, kDims;
    for (unsigned i = 0; i < 2 + nd; ++i)
      outDims.push_back(rewriter.getAffineDimExpr(i));
    for (unsigned i = 0; i < nd; ++i)
      kDims.push_back(rewriter.getAffineDimExpr(2 + nd + i));
    // The kernel offsets iterate over a tensor of the block's shape that
    // is never read: a reduction dim needs a size.
    SmallVector<OpFoldResult> blockSizes(block.begin(), block.end());
    Value window = tensor::EmptyOp::create(rewriter, loc, blockSizes, elem);
    SmallVector<AffineMap> maps = {
        AffineMap::get(loops, 0, kDims, rewriter.getContext()),
        AffineMap::get(loops, 0, outDims, rewriter.getContext())};
    SmallVector<utils::IteratorType> iters(2 + nd,
                                           utils::IteratorType::parallel);
    iters.append(nd, utils::IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{window},
        ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value zero = cIdx(b, l, 0);
          Value valid = arith::ConstantIntOp::create(b, l, 1, 1);
          Value col = zero, row = zero;
          for (int64_t d = 0; d < nd; ++d) {
            Value y = linalg::IndexOp::create(b, l, 2 + d);
            Value k = linalg::IndexOp::create(b, l, 2 + nd + d);
            // pos = y + padBegin - k * dilation = blockIndex * stride.
            Value pos = arith::SubIOp::create(
                b, l, arith::AddIOp::create(b, l, y, cIdx(b, l, pads[d])),
                arith::MulIOp::create(b, l, k, cIdx(b, l, dils[d])));
            Value stride = cIdx(b, l, strides[d]);
            Value bIdx = arith::DivSIOp::create(b, l, pos, stride);
            Value nonNeg =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, pos,
                                      zero);
            Value onStride = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq,
                arith::RemSIOp::create(b, l, pos, stride), zero);
            Value inside = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::slt, bIdx, blocks[d]);
            Value ok = arith::AndIOp::create(
                b, l, arith::AndIOp::create(b, l, nonNeg, onStride), inside);
            valid = arith::AndIOp::create(b, l, valid, ok);
            // Out-of-range block indices read block 0 (then discarded).
            bIdx = arith::SelectOp::create(b, l, ok, bIdx, zero);
            col = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, col, blocks[d]), bIdx);
            row = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, row, block[d]), k);
          }
          Value channel = arith::AddIOp::create(
              b, l,
              arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, 1),
                                    kernel),
              row);
          Value v = tensor::ExtractOp::create(
              b, l, in,
              ValueRange{linalg::IndexOp::create(b, l, 0), channel, col});
          v = arith::SelectOp::create(b, l, valid, v,
                                      scalarConstant(b, l, elem, 0));
          Value acc = args[1];
          Value sum = isa<FloatType>(elem)
                          ? Value(arith::AddFOp::create(b, l, acc, v))
                          : Value(arith::AddIOp::create(b, l, acc, v));
          linalg::YieldOp::create(b, l, sum);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, generic.getResult(0), resTy));
    return success();
  }
};

struct SpaceToDepthLowering : OpConversionPattern<OnnxSpaceToDepthOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxSpaceToDepthOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value in = adaptor.getInput();
    auto inTy = dyn_cast<RankedTensorType>(in.getType());
    if (!resTy || !inTy || inTy.getRank() != 4)
      return rewriter.notifyMatchFailure(op, "4-D NCHW input expected");
    int64_t bs = op.getBlocksize();
    if (bs <= 0)
      return rewriter.notifyMatchFailure(op, "blocksize must be positive");
    StringRef mode = op.getMode();
    if (mode != "DCR" && mode != "CRD")
      return rewriter.notifyMatchFailure(op, "mode must be DCR or CRD");
    bool dcr = mode == "DCR";
    Location loc = op.getLoc();
    OpFoldResult bsF = idx(rewriter, bs);
    OpFoldResult inC = dimOf(rewriter, loc, in, 1);
    SmallVector<OpFoldResult> sizes = {
        dimOf(rewriter, loc, in, 0),
        mulI(rewriter, loc, inC, idx(rewriter, bs * bs)),
        floorDivI(rewriter, loc, dimOf(rewriter, loc, in, 2), bsF),
        floorDivI(rewriter, loc, dimOf(rewriter, loc, in, 3), bsF)};
    sizes = refineSizes(rewriter, resTy, sizes);
    Value inCV = val(rewriter, loc, inC);
    Value r = generateTensor(
        rewriter, loc, resTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          // Output channel = (bh * bs + bw) * C + c in DCR mode (opset
          // 25's default, and the only form before), c * bs^2 + bh * bs +
          // bw in CRD mode.
          Value bsV = cIdx(b, l, bs);
          Value bs2 = cIdx(b, l, bs * bs);
          Value c = dcr ? Value(arith::RemUIOp::create(b, l, ivs[1], inCV))
                        : Value(arith::DivUIOp::create(b, l, ivs[1], bs2));
          Value block =
              dcr ? Value(arith::DivUIOp::create(b, l, ivs[1], inCV))
                  : Value(arith::RemUIOp::create(b, l, ivs[1], bs2));
          Value bh = arith::DivUIOp::create(b, l, block, bsV);
          Value bw = arith::RemUIOp::create(b, l, block, bsV);
          Value h = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, ivs[2], bsV), bh);
          Value w = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, ivs[3], bsV), bw);
          return tensor::ExtractOp::create(b, l, in,
                                           ValueRange{ivs[0], c, h, w});
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// MaxUnpool
//===----------------------------------------------------------------------===//

struct MaxUnpoolLowering : OpConversionPattern<OnnxMaxUnpoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMaxUnpoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(
          op, "the result rank is unknown (shape inference gave none)");
    Value x = adaptor.getX(), indices = adaptor.getI();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    auto iTy = dyn_cast<RankedTensorType>(indices.getType());
    if (!resTy || !xTy || !iTy || xTy.getRank() != iTy.getRank())
      return rewriter.notifyMatchFailure(op, "same-rank X and I expected");
    int64_t rank = xTy.getRank(), n = rank - 2;
    if (n < 1)
      return rewriter.notifyMatchFailure(op, "X must have spatial dims");
    SmallVector<int64_t> kernel = toInts(op.getKernelShape());
    SmallVector<int64_t> strides =
        toInts(op.getStrides(), SmallVector<int64_t>(n, 1));
    SmallVector<int64_t> pads =
        toInts(op.getPads(), SmallVector<int64_t>(2 * n, 0));
    if ((int64_t)kernel.size() != n || (int64_t)strides.size() != n ||
        (int64_t)pads.size() != 2 * n)
      return rewriter.notifyMatchFailure(
          op, "kernel_shape/strides/pads do not match the spatial rank");
    Location loc = op.getLoc();
    // The indices are flat positions in the default output shape (that of
    // the MaxPool which made them); an explicit output_shape only pads that
    // shape at the end of each dim, as in the ONNX reference.
    SmallVector<OpFoldResult> inferred = {dimOf(rewriter, loc, x, 0),
                                          dimOf(rewriter, loc, x, 1)};
    for (int64_t d = 0; d < n; ++d) {
      // (in - 1) * stride - pad_begin - pad_end + kernel
      OpFoldResult s = mulI(
          rewriter, loc,
          subI(rewriter, loc, dimOf(rewriter, loc, x, d + 2), idx(rewriter, 1)),
          idx(rewriter, strides[d]));
      inferred.push_back(addI(
          rewriter, loc, s, idx(rewriter, kernel[d] - pads[d] - pads[d + n])));
    }
    SmallVector<OpFoldResult> sizes = inferred;
    bool explicitShape = !isNoValue(adaptor.getOutputShape());
    if (explicitShape) {
      checkLength(rewriter, op, adaptor.getOutputShape(), rank, "output_shape");
      auto shape = intsOrRuntime(rewriter, loc, adaptor.getOutputShape(), rank);
      if (!shape || (int64_t)shape->size() != rank)
        return rewriter.notifyMatchFailure(
            op, "output_shape must have one entry per dim");
      sizes = *shape;
    }
    sizes = refineSizes(rewriter, resTy, sizes);
    Type elt = xTy.getElementType();
    auto outTy = RankedTensorType::get(staticSizes(sizes), elt);
    Value out = createFilled(rewriter, loc, outTy, sizes,
                             scalarConstant(rewriter, loc, elt, 0.0));
    SmallVector<Value> outDims, inferredDims, lbs, ubs, steps;
    for (OpFoldResult s : sizes)
      outDims.push_back(val(rewriter, loc, s));
    for (OpFoldResult s : inferred)
      inferredDims.push_back(val(rewriter, loc, s));
    for (OpFoldResult s : sizesOf(rewriter, loc, x)) {
      lbs.push_back(cIdx(rewriter, loc, 0));
      ubs.push_back(val(rewriter, loc, s));
      steps.push_back(cIdx(rewriter, loc, 1));
    }
    Type iElt = onnxElemOf(op.getI());
    // Each input element goes to its place, later elements winning on
    // collisions; places outside a smaller output_shape are dropped.
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{out},
        [&](OpBuilder &b, Location l, ValueRange ivs,
            ValueRange iter) -> scf::ValueVector {
          Value flat = scalarToIndex(
              b, l, tensor::ExtractOp::create(b, l, indices, ivs), iElt);
          SmallVector<Value> at(rank);
          for (int64_t d = rank - 1; d >= 0; --d) {
            at[d] = arith::RemUIOp::create(b, l, flat, inferredDims[d]);
            flat = arith::DivUIOp::create(b, l, flat, inferredDims[d]);
          }
          Value v = tensor::ExtractOp::create(b, l, x, ivs);
          if (!explicitShape)
            return {tensor::InsertOp::create(b, l, v, iter[0], at).getResult()};
          Value inside =
              cmpIdx(b, l, arith::CmpIPredicate::ult, at[0], outDims[0]);
          for (int64_t d = 1; d < rank; ++d)
            inside = arith::AndIOp::create(
                b, l, inside,
                cmpIdx(b, l, arith::CmpIPredicate::ult, at[d], outDims[d]));
          auto ifOp = scf::IfOp::create(
              b, l, inside,
              [&](OpBuilder &tb, Location tl) {
                scf::YieldOp::create(
                    tb, tl,
                    tensor::InsertOp::create(tb, tl, v, iter[0], at)
                        .getResult());
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, iter[0]);
              });
          return {ifOp.getResult(0)};
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, nest.results.front(), resTy));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Compress, NonZero: outputs sized by the data
//===----------------------------------------------------------------------===//

struct CompressLowering : OpConversionPattern<OnnxCompressOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxCompressOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(
          op, "the result rank is unknown (shape inference gave none)");
    Value in = adaptor.getInput(), cond = adaptor.getCondition();
    auto inTy = dyn_cast<RankedTensorType>(in.getType());
    auto condTy = dyn_cast<RankedTensorType>(cond.getType());
    if (!resTy || !inTy || !condTy || condTy.getRank() != 1)
      return rewriter.notifyMatchFailure(
          op, "ranked input and 1-D condition expected");
    Location loc = op.getLoc();
    int64_t axis = 0;
    if (auto a = op.getAxis()) {
      axis = normalizeAxis(*a, inTy.getRank());
      if (axis < 0 || axis >= inTy.getRank())
        return rewriter.notifyMatchFailure(op, "axis out of range");
    } else {
      // Without an axis the input is read flattened.
      if (inTy.getRank() == 0)
        return rewriter.notifyMatchFailure(op, "rank-0 input needs an axis");
      SmallVector<ReassociationIndices> all(1);
      for (int64_t d = 0; d < inTy.getRank(); ++d)
        all[0].push_back(d);
      if (inTy.getRank() != 1)
        in = tensor::CollapseShapeOp::create(rewriter, loc, in, all);
    }
    // Only the first min(len(condition), dim) entries select anything.
    Value n = arith::MinSIOp::create(
        rewriter, loc, val(rewriter, loc, dimOf(rewriter, loc, cond, 0)),
        val(rewriter, loc, dimOf(rewriter, loc, in, axis)));
    Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
    auto count = scf::ForOp::create(
        rewriter, loc, zero, n, one, ValueRange{zero},
        [&](OpBuilder &b, Location l, Value j, ValueRange iter) {
          Value c = isNonZero(b, l, tensor::ExtractOp::create(b, l, cond, j));
          Value next = arith::SelectOp::create(
              b, l, c, arith::AddIOp::create(b, l, iter[0], one), iter[0]);
          scf::YieldOp::create(b, l, next);
        });
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, in);
    sizes[axis] = count.getResult(0);
    auto outTy =
        RankedTensorType::get(staticSizes(sizes), inTy.getElementType());
    Value out = createEmpty(rewriter, loc, outTy, sizes);
    auto fill = scf::ForOp::create(
        rewriter, loc, zero, n, one, ValueRange{out, zero},
        [&](OpBuilder &b, Location l, Value j, ValueRange iter) {
          Value c = isNonZero(b, l, tensor::ExtractOp::create(b, l, cond, j));
          auto ifOp = scf::IfOp::create(
              b, l, c,
              [&](OpBuilder &tb, Location tl) {
                Value s = sliceAt(tb, tl, in, axis, j);
                Value o = insertAt(tb, tl, s, iter[0], axis, iter[1]);
                Value pos = arith::AddIOp::create(tb, tl, iter[1], one);
                scf::YieldOp::create(tb, tl, ValueRange{o, pos});
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, iter);
              });
          scf::YieldOp::create(b, l, ifOp.getResults());
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, fill.getResult(0), resTy));
    return success();
  }
};

struct NonZeroLowering : OpConversionPattern<OnnxNonZeroOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxNonZeroOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    if (!resTy || !xTy || resTy.getRank() != 2 ||
        !resTy.getElementType().isInteger(64))
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t rank = xTy.getRank();
    if (rank < 1)
      return rewriter.notifyMatchFailure(op, "rank-0 input is not supported");
    Location loc = op.getLoc();
    SmallVector<Value> lbs, ubs, steps;
    for (OpFoldResult s : sizesOf(rewriter, loc, x)) {
      lbs.push_back(cIdx(rewriter, loc, 0));
      ubs.push_back(val(rewriter, loc, s));
      steps.push_back(cIdx(rewriter, loc, 1));
    }
    Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
    auto bump = [&](OpBuilder &b, Location l, ValueRange ivs, Value n) {
      Value nz = isNonZero(b, l, tensor::ExtractOp::create(b, l, x, ivs));
      return std::make_pair(
          nz, arith::SelectOp::create(b, l, nz,
                                      arith::AddIOp::create(b, l, n, one), n)
                  .getResult());
    };
    scf::LoopNest counted =
        scf::buildLoopNest(rewriter, loc, lbs, ubs, steps, ValueRange{zero},
                           [&](OpBuilder &b, Location l, ValueRange ivs,
                               ValueRange iter) -> scf::ValueVector {
                             return {bump(b, l, ivs, iter[0]).second};
                           });
    Value count = counted.results.front();
    // One column per non-zero element, in row-major order.
    auto outTy = RankedTensorType::get({rank, ShapedType::kDynamic},
                                       rewriter.getI64Type());
    Value out = createEmpty(rewriter, loc, outTy, {idx(rewriter, rank), count});
    scf::LoopNest filled = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{out, zero},
        [&](OpBuilder &b, Location l, ValueRange ivs,
            ValueRange iter) -> scf::ValueVector {
          auto [nz, next] = bump(b, l, ivs, iter[1]);
          auto ifOp = scf::IfOp::create(
              b, l, nz,
              [&](OpBuilder &tb, Location tl) {
                Value o = iter[0];
                for (int64_t d = 0; d < rank; ++d) {
                  Value v = arith::IndexCastOp::create(tb, tl, tb.getI64Type(),
                                                       ivs[d]);
                  o = tensor::InsertOp::create(
                      tb, tl, v, o, ValueRange{cIdx(tb, tl, d), iter[1]});
                }
                scf::YieldOp::create(tb, tl, o);
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, iter[0]);
              });
          return {ifOp.getResult(0), next};
        });
    rewriter.replaceOp(op,
                       castTo(rewriter, loc, filled.results.front(), resTy));
    return success();
  }
};

} // namespace

void kiln::populateIndexingOpsPatterns(TypeConverter &tc,
                                       RewritePatternSet &patterns) {
  patterns
      .add<TriluLowering, CumulativeLowering<OnnxCumSumOp, false>,
           CumulativeLowering<OnnxCumProdOp, true>, OneHotLowering, GatherNDLowering,
           ReverseSequenceLowering, DepthToSpaceLowering, SpaceToDepthLowering,
           TensorScatterLowering, Col2ImLowering,
           MaxUnpoolLowering, CompressLowering, NonZeroLowering>(
          tc, patterns.getContext());
}
