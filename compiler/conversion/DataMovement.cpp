//===- DataMovement.cpp - onnx to linalg: data movement ops ---------------===//
//
// Transpose, Concat, Slice, Gather, GatherElements, Split, Pad, Tile,
// ScatterElements and ScatterND.
//
// Strided and contiguous copies become tensor.extract_slice /
// tensor.insert_slice / tensor.pad / linalg.transpose so later passes see
// their structure; data-dependent reads (gathers, reflect padding,
// resampling) become a linalg.generic over the result with tensor.extract.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/RuntimeAxes.h"
#include "compiler/conversion/ShapeHelpers.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using namespace kiln::shape_helpers;

namespace {

//===----------------------------------------------------------------------===//
// Transpose
//===----------------------------------------------------------------------===//

struct TransposeLowering : OpConversionPattern<OnnxTransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value in = adaptor.getData();
    auto inTy = dyn_cast<RankedTensorType>(in.getType());
    if (!resTy || !inTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t rank = inTy.getRank();
    SmallVector<int64_t> rev;
    for (int64_t d = rank - 1; d >= 0; --d)
      rev.push_back(d);
    SmallVector<int64_t> perm = toInts(op.getPerm(), rev);
    if ((int64_t)perm.size() != rank)
      return rewriter.notifyMatchFailure(op, "perm length != rank");
    SmallVector<bool> seen(rank, false);
    for (int64_t &p : perm) {
      p = normalizeAxis(p, rank);
      if (p < 0 || p >= rank || seen[p])
        return rewriter.notifyMatchFailure(op, "perm is not a permutation");
      seen[p] = true;
    }
    Location loc = op.getLoc();
    // The result type may know more than the input's (a dim an exporter
    // declared in value_info, which Kiln's inference cannot prove):
    // linalg.transpose wants both to agree, so the input takes the
    // result's static dims.
    SmallVector<int64_t> inShape(inTy.getShape());
    for (auto [i, p] : llvm::enumerate(perm))
      if (!resTy.isDynamicDim(i))
        inShape[p] = resTy.getDimSize(i);
    in = castTo(rewriter, loc, in, inTy.clone(inShape));
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : perm)
      sizes.push_back(dimOf(rewriter, loc, in, p));
    sizes = refineSizes(rewriter, resTy, sizes);
    Value init = createEmpty(rewriter, loc, resTy, sizes);
    auto t = linalg::TransposeOp::create(rewriter, loc, in, init, perm);
    rewriter.replaceOp(op, t->getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Concat
//===----------------------------------------------------------------------===//

struct ConcatLowering : OpConversionPattern<OnnxConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy || adaptor.getInputs().empty())
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t rank = resTy.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Location loc = op.getLoc();
    ValueRange inputs = adaptor.getInputs();
    for (Value in : inputs)
      if (!isa<RankedTensorType>(in.getType()))
        return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    // Non-axis dims are equal in all inputs; take the most static one.
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, inputs[0]);
    for (int64_t d = 0; d < rank; ++d)
      for (Value in : inputs)
        if (d != axis && !cast<RankedTensorType>(in.getType()).isDynamicDim(d))
          sizes[d] = dimOf(rewriter, loc, in, d);
    OpFoldResult total = idx(rewriter, 0);
    for (Value in : inputs)
      total = addI(rewriter, loc, total, dimOf(rewriter, loc, in, axis));
    sizes[axis] = total;
    sizes = refineSizes(rewriter, resTy, sizes);
    // Inserting into an empty tensor keeps the IR in plain tensor ops that
    // one-shot-bufferize turns into in-place copies.
    Value acc = createEmpty(rewriter, loc, resTy, sizes);
    OpFoldResult offset = idx(rewriter, 0);
    SmallVector<OpFoldResult> strides(rank, idx(rewriter, 1));
    for (Value in : inputs) {
      // An input empty along the axis adds nothing (and its offset may be
      // the end of the axis, which tensor.insert_slice rejects).
      if (cast<RankedTensorType>(in.getType()).getDimSize(axis) == 0)
        continue;
      SmallVector<OpFoldResult> offsets(rank, idx(rewriter, 0));
      offsets[axis] = offset;
      SmallVector<OpFoldResult> inSizes = sizesOf(rewriter, loc, in);
      acc = tensor::InsertSliceOp::create(rewriter, loc, in, acc, offsets,
                                          inSizes, strides);
      offset = addI(rewriter, loc, offset, inSizes[axis]);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Slice
//===----------------------------------------------------------------------===//

/// ONNX Slice bounds along one axis: the first element read, the element
/// count and the step. Folds when everything is constant.
struct SliceBounds {
  OpFoldResult start, count;
  int64_t step;
};

SliceBounds sliceBounds(OpBuilder &b, Location loc, OpFoldResult start,
                        OpFoldResult end, int64_t step, OpFoldResult dim) {
  auto cs = getConstantIntValue(start), ce = getConstantIntValue(end),
       cd = getConstantIntValue(dim);
  if (cs && ce && cd) {
    int64_t d = *cd, s = *cs, e = *ce;
    if (s < 0)
      s += d;
    if (e < 0)
      e += d;
    int64_t count;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      count = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
      count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
    }
    return {b.getIndexAttr(std::max<int64_t>(s, 0)), b.getIndexAttr(count),
            step};
  }
  // Run time: same rules with index arithmetic. Values like INT64_MAX
  // only wrap in the branch the select discards.
  Value zero = cIdx(b, loc, 0);
  Value d = val(b, loc, dim), s = val(b, loc, start), e = val(b, loc, end);
  auto wrapNeg = [&](Value x) -> Value {
    Value neg =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
    return arith::SelectOp::create(b, loc, neg,
                                   arith::AddIOp::create(b, loc, x, d), x);
  };
  auto clamp = [&](Value x, Value lo, Value hi) -> Value {
    return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, x, lo),
                                  hi);
  };
  s = wrapNeg(s);
  e = wrapNeg(e);
  Value count;
  if (step > 0) {
    s = clamp(s, zero, d);
    e = clamp(e, zero, d);
    count = arith::CeilDivSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, e, s), cIdx(b, loc, step));
  } else {
    Value dm1 = arith::SubIOp::create(b, loc, d, cIdx(b, loc, 1));
    s = clamp(s, zero, dm1);
    e = clamp(e, cIdx(b, loc, -1), dm1);
    count = arith::CeilDivSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, s, e), cIdx(b, loc, -step));
    // An empty axis makes dm1 = -1: keep the start in range.
    s = arith::MaxSIOp::create(b, loc, s, zero);
  }
  count = arith::MaxSIOp::create(b, loc, count, zero);
  return {s, count, step};
}

/// ONNX Slice bounds along one axis of size `dim` when the step is only
/// known at run time: the first element read and the element count. Both
/// step directions are computed and the sign of the step selects one.
std::pair<Value, Value> runtimeSliceBounds(OpBuilder &b, Location loc, Value s,
                                           Value e, Value step, Value dim) {
  Value zero = cIdx(b, loc, 0), minusOne = cIdx(b, loc, -1);
  // Values like INT64_MAX only wrap in the branch the select discards.
  auto wrapNeg = [&](Value x) -> Value {
    Value neg =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
    return arith::SelectOp::create(b, loc, neg,
                                   arith::AddIOp::create(b, loc, x, dim), x);
  };
  auto clamp = [&](Value x, Value lo, Value hi) -> Value {
    return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, x, lo),
                                  hi);
  };
  s = wrapNeg(s);
  e = wrapNeg(e);
  // Forward: [s, e) clamped to [0, dim].
  Value sf = clamp(s, zero, dim), ef = clamp(e, zero, dim);
  Value cf = arith::CeilDivSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, ef, sf), step);
  // Backward: s clamped to [0, dim - 1], e to [-1, dim - 1].
  Value last = arith::SubIOp::create(b, loc, dim, cIdx(b, loc, 1));
  Value sb = clamp(s, zero, last), eb = clamp(e, minusOne, last);
  Value cb =
      arith::CeilDivSIOp::create(b, loc, arith::SubIOp::create(b, loc, sb, eb),
                                 arith::SubIOp::create(b, loc, zero, step));
  // An empty axis makes last = -1: keep the start in range.
  sb = arith::MaxSIOp::create(b, loc, sb, zero);
  Value forward =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, step, zero);
  Value start = arith::SelectOp::create(b, loc, forward, sf, sb);
  Value count = arith::SelectOp::create(b, loc, forward, cf, cb);
  return {start, arith::MaxSIOp::create(b, loc, count, zero)};
}

struct SliceLowering : OpConversionPattern<OnnxSliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxSliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value data = adaptor.getData();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    if (!resTy || !dataTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Location loc = op.getLoc();
    int64_t rank = dataTy.getRank();
    for (Value v : {adaptor.getStarts(), adaptor.getEnds(), adaptor.getAxes(),
                    adaptor.getSteps()}) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!isNoValue(v) && (!t || t.getRank() != 1))
        return rewriter.notifyMatchFailure(
            op, "starts/ends/axes/steps must be 1-D tensors");
    }
    // Axes and steps decide the structure (which dims, read direction):
    // when they or the number of entries are only known at run time, every
    // dim's bounds are computed at run time.
    std::optional<SmallVector<int64_t>> constAxes, constSteps;
    if (!isNoValue(adaptor.getAxes()))
      constAxes = constInts(adaptor.getAxes());
    if (!isNoValue(adaptor.getSteps()))
      constSteps = constInts(adaptor.getSteps());
    auto starts = intsOrRuntime(rewriter, loc, adaptor.getStarts());
    auto ends = intsOrRuntime(rewriter, loc, adaptor.getEnds());
    if (!starts || !ends || (!isNoValue(adaptor.getAxes()) && !constAxes) ||
        (!isNoValue(adaptor.getSteps()) && !constSteps))
      return sliceRuntime(op, adaptor, resTy, rewriter);
    if (starts->size() != ends->size())
      return rewriter.notifyMatchFailure(op, "starts/ends length mismatch");
    size_t n = starts->size();
    SmallVector<int64_t> axes, steps(n, 1);
    if (constAxes) {
      axes = *constAxes;
    } else {
      for (size_t i = 0; i < n; ++i)
        axes.push_back(i);
    }
    if (constSteps)
      steps = *constSteps;
    if (axes.size() != n || steps.size() != n)
      return rewriter.notifyMatchFailure(op, "axes/steps length mismatch");

    SmallVector<OpFoldResult> offsets(rank, idx(rewriter, 0));
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, data);
    SmallVector<int64_t> strides(rank, 1);
    SmallVector<bool> seen(rank, false);
    for (size_t i = 0; i < n; ++i) {
      int64_t a = normalizeAxis(axes[i], rank);
      if (a < 0 || a >= rank || seen[a])
        return rewriter.notifyMatchFailure(op, "invalid or repeated axis");
      if (steps[i] == 0)
        return rewriter.notifyMatchFailure(op, "step must not be 0");
      seen[a] = true;
      SliceBounds sb = sliceBounds(rewriter, loc, (*starts)[i], (*ends)[i],
                                   steps[i], sizes[a]);
      offsets[a] = sb.start;
      sizes[a] = sb.count;
      strides[a] = sb.step;
    }
    sizes = refineSizes(rewriter, resTy, sizes);

    // An empty slice may start at the end of its axis, which
    // tensor.extract_slice rejects: it is just an empty tensor.
    if (llvm::is_contained(staticSizes(sizes), 0)) {
      Value empty = tensor::EmptyOp::create(rewriter, loc, sizes,
                                            dataTy.getElementType());
      rewriter.replaceOp(op, castTo(rewriter, loc, empty, resTy));
      return success();
    }
    if (llvm::all_of(strides, [](int64_t s) { return s > 0; })) {
      SmallVector<OpFoldResult> st;
      for (int64_t s : strides)
        st.push_back(idx(rewriter, s));
      auto sliceTy =
          RankedTensorType::get(staticSizes(sizes), dataTy.getElementType());
      Value r = tensor::ExtractSliceOp::create(rewriter, loc, sliceTy, data,
                                               offsets, sizes, st);
      rewriter.replaceOp(op, castTo(rewriter, loc, r, resTy));
      return success();
    }
    // Negative steps read backwards: out[i] = in[start + i * step].
    SmallVector<Value> offs;
    for (OpFoldResult o : offsets)
      offs.push_back(val(rewriter, loc, o));
    Value r = generateTensor(
        rewriter, loc, resTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d)
            at.push_back(arith::AddIOp::create(
                b, l, offs[d],
                arith::MulIOp::create(b, l, ivs[d], cIdx(b, l, strides[d]))));
          return tensor::ExtractOp::create(b, l, data, at);
        });
    rewriter.replaceOp(op, r);
    return success();
  }

  /// Slice whose axes, steps or entry count are only known at run time: an
  /// scf.for over the entries computes every dim's start, count and step
  /// (dims no entry names keep 0, their size and 1), and a gather reads
  /// out[i] = in[start + i * step].
  LogicalResult sliceRuntime(OnnxSliceOp op, OpAdaptor adaptor,
                             RankedTensorType resTy,
                             ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
    Value axesT = adaptor.getAxes(), stepsT = adaptor.getSteps();
    bool hasAxes = !isNoValue(axesT), hasSteps = !isNoValue(stepsT);
    SmallVector<Value> dims;
    for (OpFoldResult s : sizesOf(rewriter, loc, data))
      dims.push_back(val(rewriter, loc, s));
    // Iteration state: starts, then counts, then steps of every dim.
    SmallVector<Value> init(rank, cIdx(rewriter, loc, 0));
    init.append(dims);
    init.append(rank, cIdx(rewriter, loc, 1));
    Value n = lengthOf(rewriter, loc, adaptor.getStarts());
    auto loop = scf::ForOp::create(
        rewriter, loc, cIdx(rewriter, loc, 0), n, cIdx(rewriter, loc, 1), init,
        [&](OpBuilder &b, Location l, Value i, ValueRange state) {
          auto read = [&](Value t) {
            return toIndex(b, l, tensor::ExtractOp::create(b, l, t, i));
          };
          Value s = read(adaptor.getStarts()), e = read(adaptor.getEnds());
          Value a =
              hasAxes ? wrapIndex(b, l, read(axesT), cIdx(b, l, rank)) : i;
          Value st = hasSteps ? read(stepsT) : cIdx(b, l, 1);
          SmallVector<Value> next(state);
          for (int64_t d = 0; d < rank; ++d) {
            auto [start, count] = runtimeSliceBounds(b, l, s, e, st, dims[d]);
            Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, a,
                                              cIdx(b, l, d));
            next[d] = arith::SelectOp::create(b, l, hit, start, state[d]);
            next[rank + d] =
                arith::SelectOp::create(b, l, hit, count, state[rank + d]);
            next[2 * rank + d] =
                arith::SelectOp::create(b, l, hit, st, state[2 * rank + d]);
          }
          scf::YieldOp::create(b, l, next);
        });
    ValueRange res = loop.getResults();
    SmallVector<OpFoldResult> sizes;
    for (Value c : res.slice(rank, rank))
      sizes.push_back(c);
    sizes = refineSizes(rewriter, resTy, sizes);
    Value r = generateTensor(
        rewriter, loc, resTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d)
            at.push_back(arith::AddIOp::create(
                b, l, res[d],
                arith::MulIOp::create(b, l, ivs[d], res[2 * rank + d])));
          return tensor::ExtractOp::create(b, l, data, at);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Gather, GatherElements
//===----------------------------------------------------------------------===//

/// The run-time error of an index out of range (of `axis`, or of the
/// dims an index tuple addresses when axis < 0).
static Value indexMessage(OpBuilder &b, Operation *op, int64_t axis,
                          int errorCode = /*INVALID_ARGUMENT*/ 2) {
  return checkMessage(
      b, op,
      axis >= 0 ? "an index lies outside [-s, s-1], s the length of axis " +
                      std::to_string(axis)
                : std::string("an index lies outside [-s, s-1], s the "
                              "length of the dim it addresses"),
      errorCode);
}

/// Gather as one copy of data's trailing dims per gathered position, or
/// null where those are not static and at least a vector's worth. The
/// element-wise form loads, wraps and clamps the index for every element
/// and LLVM cannot vectorize it (the index might alias the output): an
/// embedding table's rows of 256 floats took 3.5 times ONNX Runtime's
/// time. Positions are a forall (the run's pool copies them in parallel);
/// the indices were checked before.
static Value gatherRows(OpBuilder &b, Location loc, Value data,
                        Value indices, int64_t axis, RankedTensorType resTy,
                        ArrayRef<OpFoldResult> sizes, Value dim) {
  auto dataTy = cast<RankedTensorType>(data.getType());
  auto idxTy = cast<RankedTensorType>(indices.getType());
  int64_t r = dataTy.getRank(), q = idxTy.getRank();
  ArrayRef<int64_t> row = dataTy.getShape().drop_front(axis + 1);
  if (!dataTy.getElementType().isIntOrFloat() || row.empty() ||
      ShapedType::isDynamicShape(row))
    return Value();
  if (ShapedType::getNumElements(row) * dataTy.getElementTypeBitWidth() < 512)
    return Value();
  auto ty = RankedTensorType::get(staticSizes(sizes), resTy.getElementType());
  Value init = createEmpty(b, loc, ty, sizes);
  // The positions: data's dims before axis, then the indices' dims.
  SmallVector<OpFoldResult> ubs(sizes.begin(), sizes.begin() + axis + q);
  SmallVector<OpFoldResult> lbs(ubs.size(), idx(b, 0)),
      steps(ubs.size(), idx(b, 1));
  auto forall =
      scf::ForallOp::create(b, loc, lbs, ubs, steps, init, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  ValueRange ivs = forall.getInductionVars();
  Value i = tensor::ExtractOp::create(b, loc, indices, ivs.drop_front(axis));
  SmallVector<OpFoldResult> rowSizes;
  for (int64_t d : row)
    rowSizes.push_back(idx(b, d));
  SmallVector<OpFoldResult> from(ivs.take_front(axis)), fromSizes(axis + 1,
                                                                  idx(b, 1));
  from.push_back(clampIndex(b, loc, wrapIndex(b, loc, i, dim), dim));
  from.append(row.size(), idx(b, 0));
  fromSizes.append(rowSizes);
  auto rowTy = RankedTensorType::get(row, dataTy.getElementType());
  Value slice = tensor::ExtractSliceOp::create(
      b, loc, rowTy, data, from, fromSizes,
      SmallVector<OpFoldResult>(r, idx(b, 1)));
  SmallVector<OpFoldResult> to(ivs), toSizes(axis + q, idx(b, 1));
  to.append(row.size(), idx(b, 0));
  toSizes.append(rowSizes);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(
      b, loc, slice, forall.getRegionIterArgs()[0], to, toSizes,
      SmallVector<OpFoldResult>(to.size(), idx(b, 1)));
  return castTo(b, loc, forall.getResult(0), resTy);
}

struct GatherLowering : OpConversionPattern<OnnxGatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxGatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    auto idxTy = dyn_cast<RankedTensorType>(indices.getType());
    if (!resTy || !dataTy || !idxTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t r = dataTy.getRank(), q = idxTy.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), r);
    if (axis < 0 || axis >= r)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Location loc = op.getLoc();
    OpFoldResult axisDim = dimOf(rewriter, loc, data, axis);

    // A constant scalar index is a slice (common after Shape).
    if (auto c = constInts(indices); c && q == 0) {
      int64_t i = (*c)[0];
      auto cd = getConstantIntValue(axisDim);
      if (i < 0 && cd)
        i += *cd;
      if (i >= 0) {
        SmallVector<OpFoldResult> offsets(r, idx(rewriter, 0)),
            sizes = sizesOf(rewriter, loc, data), strides(r, idx(rewriter, 1));
        offsets[axis] = idx(rewriter, i);
        sizes[axis] = idx(rewriter, 1);
        SmallVector<int64_t> shape = staticSizes(sizes);
        shape.erase(shape.begin() + axis);
        auto sliceTy = RankedTensorType::get(shape, dataTy.getElementType());
        Value s = tensor::ExtractSliceOp::create(rewriter, loc, sliceTy, data,
                                                 offsets, sizes, strides);
        rewriter.replaceOp(op, castTo(rewriter, loc, s, resTy));
        return success();
      }
    }

    // out[a.., i.., b..] = data[a.., indices[i..], b..]
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < axis; ++d)
      sizes.push_back(dimOf(rewriter, loc, data, d));
    for (int64_t d = 0; d < q; ++d)
      sizes.push_back(dimOf(rewriter, loc, indices, d));
    for (int64_t d = axis + 1; d < r; ++d)
      sizes.push_back(dimOf(rewriter, loc, data, d));
    sizes = refineSizes(rewriter, resTy, sizes);
    Value dimV = val(rewriter, loc, axisDim);
    // Each index is checked once, in a loop nest over the indices, rather
    // than for every element it gathers (a row of an embedding table).
    Value message = indexMessage(rewriter, op, axis);
    SmallVector<Value> lbs(q, cIdx(rewriter, loc, 0)),
        steps(q, cIdx(rewriter, loc, 1)), ubs;
    for (int64_t d = 0; d < q; ++d)
      ubs.push_back(tensor::DimOp::create(rewriter, loc, indices, d));
    scf::buildLoopNest(rewriter, loc, lbs, ubs, steps,
                       [&](OpBuilder &b, Location l, ValueRange ivs) {
                         Value i = tensor::ExtractOp::create(b, l, indices,
                                                             ivs);
                         (void)checkedIndex(b, l, op, i, dimV, message);
                       });
    if (Value rows = gatherRows(rewriter, loc, data, indices, axis, resTy,
                                sizes, dimV)) {
      rewriter.replaceOp(op, rows);
      return success();
    }
    SmallVector<AffineExpr> idxExprs;
    for (int64_t d = 0; d < q; ++d)
      idxExprs.push_back(rewriter.getAffineDimExpr(axis + d));
    AffineMap idxMap =
        AffineMap::get(r - 1 + q, 0, idxExprs, rewriter.getContext());
    Value res = generateTensor(
        rewriter, loc, resTy, sizes, {indices}, {idxMap},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < axis; ++d)
            at.push_back(ivs[d]);
          at.push_back(
              clampIndex(b, l, wrapIndex(b, l, args[0], dimV), dimV));
          for (int64_t d = axis + 1; d < r; ++d)
            at.push_back(ivs[d - 1 + q]);
          return tensor::ExtractOp::create(b, l, data, at);
        });
    rewriter.replaceOp(op, res);
    return success();
  }
};

struct GatherElementsLowering : OpConversionPattern<OnnxGatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxGatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    auto idxTy = dyn_cast<RankedTensorType>(indices.getType());
    Location loc = op.getLoc();
    // Data, indices and result share one rank: one ranked side is enough.
    int64_t r = dataTy  ? dataTy.getRank()
                : idxTy ? idxTy.getRank()
                : resTy ? resTy.getRank()
                        : -1;
    if (r < 0)
      return rewriter.notifyMatchFailure(op,
                                         "data and indices of unknown rank");
    auto rankedAs = [&](Value v) -> Value {
      auto ty = cast<ShapedType>(v.getType());
      if (isa<RankedTensorType>(ty))
        return v;
      return tensor::CastOp::create(
          rewriter, loc,
          RankedTensorType::get(SmallVector<int64_t>(r, ShapedType::kDynamic),
                                ty.getElementType()),
          v);
    };
    data = rankedAs(data);
    indices = rankedAs(indices);
    dataTy = cast<RankedTensorType>(data.getType());
    idxTy = cast<RankedTensorType>(indices.getType());
    if (!resTy)
      resTy = RankedTensorType::get(idxTy.getShape(), dataTy.getElementType());
    if (dataTy.getRank() != idxTy.getRank() || resTy.getRank() != r)
      return rewriter.notifyMatchFailure(op, "same-rank tensors expected");
    int64_t axis = normalizeAxis(op.getAxis(), r);
    if (axis < 0 || axis >= r)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Value dimV = val(rewriter, loc, dimOf(rewriter, loc, data, axis));
    SmallVector<OpFoldResult> sizes =
        refineSizes(rewriter, resTy, sizesOf(rewriter, loc, indices));
    // ONNX Runtime's GatherElements kernel reports it as FAIL.
    Value message = indexMessage(rewriter, op, axis, /*FAIL*/ 1);
    Value res = generateTensor(
        rewriter, loc, resTy, sizes, {indices},
        {AffineMap::getMultiDimIdentityMap(r, rewriter.getContext())},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
          SmallVector<Value> at(ivs);
          at[axis] = checkedIndex(b, l, op, args[0], dimV, message);
          return tensor::ExtractOp::create(b, l, data, at);
        });
    // An unranked result (its users' view) gets the ranked value cast back.
    rewriter.replaceOp(op,
                       castTo(rewriter, loc, res,
                              getTypeConverter()->convertType(op.getType())));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Split
//===----------------------------------------------------------------------===//

struct SplitLowering : OpConversionPattern<OnnxSplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxSplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value in = adaptor.getInput();
    auto inTy = dyn_cast<RankedTensorType>(in.getType());
    if (!inTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t rank = inTy.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Location loc = op.getLoc();
    int64_t n = op.getNumResults();
    OpFoldResult dim = dimOf(rewriter, loc, in, axis);
    SmallVector<OpFoldResult> offsets, lengths;
    if (!isNoValue(adaptor.getSplit())) {
      checkLength(rewriter, op, adaptor.getSplit(), n, "split");
      auto split = intsOrRuntime(rewriter, loc, adaptor.getSplit(), n);
      if (!split || (int64_t)split->size() != n)
        return rewriter.notifyMatchFailure(
            op, "split must have one static entry per output");
      OpFoldResult off = idx(rewriter, 0);
      for (OpFoldResult s : *split) {
        offsets.push_back(off);
        lengths.push_back(s);
        off = addI(rewriter, loc, off, s);
      }
    } else {
      // Equal parts; with num_outputs (opset 18) the last one may be
      // smaller: every part has ceil(dim / n) elements while they last.
      if (auto no = op.getNumOutputs(); no && *no != n)
        return rewriter.notifyMatchFailure(op, "num_outputs != #results");
      OpFoldResult chunk = ceilDivI(rewriter, loc, dim, idx(rewriter, n));
      for (int64_t i = 0; i < n; ++i) {
        OpFoldResult off = minI(
            rewriter, loc, mulI(rewriter, loc, idx(rewriter, i), chunk), dim);
        offsets.push_back(off);
        lengths.push_back(
            minI(rewriter, loc, chunk, subI(rewriter, loc, dim, off)));
      }
    }
    SmallVector<Value> results;
    for (int64_t i = 0; i < n; ++i) {
      auto resTy = resultTypeOf(*this, op, i);
      if (!resTy)
        return rewriter.notifyMatchFailure(op, "ranked tensors expected");
      SmallVector<OpFoldResult> offs(rank, idx(rewriter, 0)),
          sizes = sizesOf(rewriter, loc, in), strides(rank, idx(rewriter, 1));
      offs[axis] = offsets[i];
      sizes[axis] = lengths[i];
      sizes = refineSizes(rewriter, resTy, sizes);
      auto ty =
          RankedTensorType::get(staticSizes(sizes), inTy.getElementType());
      // An empty part may start at the end of the axis (or the input may be
      // empty), which tensor.extract_slice rejects: it is just empty.
      if (llvm::is_contained(ty.getShape(), 0)) {
        Value e = tensor::EmptyOp::create(rewriter, loc, sizes,
                                          inTy.getElementType());
        results.push_back(castTo(rewriter, loc, e, resTy));
        continue;
      }
      Value s = tensor::ExtractSliceOp::create(rewriter, loc, ty, in, offs,
                                               sizes, strides);
      results.push_back(castTo(rewriter, loc, s, resTy));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

struct PadLowering : OpConversionPattern<OnnxPadOp> {
  using OpConversionPattern::OpConversionPattern;

  /// Pads by axes whose count only the run knows: the k = len(axes) entries
  /// are read in an scf.for, dim d taking pads[i] and pads[i + k] of the
  /// entry i naming it (negative entries count from the back), after a
  /// check that pads holds 2k values. Dims no entry names stay unpadded.
  static void runtimePadsPerDim(ConversionPatternRewriter &b, OnnxPadOp op,
                                Value pads, Value axes, int64_t rank,
                                SmallVector<OpFoldResult> &lo,
                                SmallVector<OpFoldResult> &hi) {
    Location loc = op.getLoc();
    Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
    Value k = tensor::DimOp::create(b, loc, axes, 0);
    check(b, loc, op,
          arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::eq,
              tensor::DimOp::create(b, loc, pads, 0),
              arith::MulIOp::create(b, loc, k, cIdx(b, loc, 2))),
          checkMessage(b, op, "pads must hold two values per entry of axes",
                       /*INVALID_ARGUMENT*/ 2));
    SmallVector<Value> init(2 * rank, zero);
    auto loop = scf::ForOp::create(
        b, loc, zero, k, one, init,
        [&](OpBuilder &nb, Location l, Value i, ValueRange acc) {
          Value a = toIndex(nb, l, tensor::ExtractOp::create(nb, l, axes, i));
          Value neg =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, a, zero);
          a = arith::SelectOp::create(
              nb, l, neg, arith::AddIOp::create(nb, l, a, cIdx(nb, l, rank)),
              a);
          Value before =
              toIndex(nb, l, tensor::ExtractOp::create(nb, l, pads, i));
          Value after = toIndex(
              nb, l,
              tensor::ExtractOp::create(
                  nb, l, pads, ValueRange{arith::AddIOp::create(nb, l, i, k)}));
          SmallVector<Value> next;
          for (int64_t d = 0; d < rank; ++d) {
            Value hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                              a, cIdx(nb, l, d));
            next.push_back(arith::SelectOp::create(nb, l, hit, before, acc[d]));
          }
          for (int64_t d = 0; d < rank; ++d) {
            Value hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                              a, cIdx(nb, l, d));
            next.push_back(
                arith::SelectOp::create(nb, l, hit, after, acc[rank + d]));
          }
          scf::YieldOp::create(nb, l, next);
        });
    for (int64_t d = 0; d < rank; ++d) {
      lo[d] = loop.getResult(d);
      hi[d] = loop.getResult(rank + d);
    }
  }

  LogicalResult
  matchAndRewrite(OnnxPadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value data = adaptor.getData();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    if (!resTy || !dataTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Location loc = op.getLoc();
    int64_t rank = dataTy.getRank();
    Type elt = dataTy.getElementType();

    SmallVector<OpFoldResult> pads;
    // Axes read at run time whose count only the run knows (and pads of
    // twice that count): paired up in a loop below.
    bool runtimeCount = false;
    std::optional<SmallVector<int64_t>> constAxes;
    if (!isNoValue(adaptor.getAxes()))
      constAxes = constInts(adaptor.getAxes());
    if (!isNoValue(adaptor.getPads())) {
      int64_t expected = isNoValue(adaptor.getAxes()) ? 2 * rank
                         : constAxes ? 2 * (int64_t)constAxes->size()
                                     : -1;
      // A pads tensor whose length the type leaves open is read at the
      // positions its count implies.
      if (expected >= 0)
        checkLength(rewriter, op, adaptor.getPads(), expected, "pads");
      auto p = intsOrRuntime(rewriter, loc, adaptor.getPads(), expected);
      if (p)
        pads = *p;
      else if (!isNoValue(adaptor.getAxes()))
        runtimeCount = true;
      else
        return rewriter.notifyMatchFailure(op, "pads must have static length");
    } else if (auto attr = op.getPaddings()) {
      for (int64_t v : toInts(attr))
        pads.push_back(idx(rewriter, v));
    } else {
      return rewriter.notifyMatchFailure(op, "missing pads");
    }
    SmallVector<int64_t> axes;
    SmallVector<OpFoldResult> lo(rank, idx(rewriter, 0)),
        hi(rank, idx(rewriter, 0));
    auto axesTy = isNoValue(adaptor.getAxes())
                      ? RankedTensorType()
                      : dyn_cast<RankedTensorType>(adaptor.getAxes().getType());
    if (isNoValue(adaptor.getAxes())) {
      for (int64_t d = 0; d < rank; ++d)
        axes.push_back(d);
    } else if (constAxes) {
      for (int64_t v : *constAxes)
        axes.push_back(normalizeAxis(v, rank));
    } else if (runtimeCount) {
      if (!axesTy || axesTy.getRank() != 1)
        return rewriter.notifyMatchFailure(op, "axes must be a 1-D tensor");
      runtimePadsPerDim(rewriter, op, adaptor.getPads(), adaptor.getAxes(),
                        rank, lo, hi);
    } else if (axesTy && axesTy.getRank() == 1 && !axesTy.isDynamicDim(0) &&
               (int64_t)pads.size() == 2 * axesTy.getDimSize(0)) {
      // Axes read at run time (a count the type gives): dim d takes the
      // pads of the entry naming it, negative entries counting from the
      // back; dims no entry names stay unpadded.
      Value rankV = cIdx(rewriter, loc, rank), zero = cIdx(rewriter, loc, 0);
      for (int64_t i = 0; i < axesTy.getDimSize(0); ++i) {
        Value a = toIndex(rewriter, loc,
                          tensor::ExtractOp::create(
                              rewriter, loc, adaptor.getAxes(),
                              ValueRange{cIdx(rewriter, loc, i)}));
        Value neg = arith::CmpIOp::create(rewriter, loc,
                                          arith::CmpIPredicate::slt, a, zero);
        a = arith::SelectOp::create(
            rewriter, loc, neg, arith::AddIOp::create(rewriter, loc, a, rankV),
            a);
        int64_t k = axesTy.getDimSize(0);
        for (int64_t d = 0; d < rank; ++d) {
          Value hit = arith::CmpIOp::create(rewriter, loc,
                                            arith::CmpIPredicate::eq, a,
                                            cIdx(rewriter, loc, d));
          auto pick = [&](OpFoldResult cur, OpFoldResult pad) {
            return OpFoldResult(arith::SelectOp::create(
                rewriter, loc, hit, val(rewriter, loc, pad),
                val(rewriter, loc, cur)));
          };
          lo[d] = pick(lo[d], pads[i]);
          hi[d] = pick(hi[d], pads[i + k]);
        }
      }
    } else {
      return rewriter.notifyMatchFailure(
          op, "axes must be a constant or a 1-D tensor of static length");
    }
    int64_t k = axes.size();
    if (!axes.empty() && (int64_t)pads.size() != 2 * k)
      return rewriter.notifyMatchFailure(op, "pads length != 2 * #axes");
    for (int64_t i = 0; i < k; ++i) {
      if (axes[i] < 0 || axes[i] >= rank)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      lo[axes[i]] = pads[i];
      hi[axes[i]] = pads[i + k];
    }
    SmallVector<OpFoldResult> inSizes = sizesOf(rewriter, loc, data), outSizes;
    for (int64_t d = 0; d < rank; ++d)
      outSizes.push_back(
          addI(rewriter, loc, addI(rewriter, loc, inSizes[d], lo[d]), hi[d]));
    outSizes = refineSizes(rewriter, resTy, outSizes);

    StringRef mode = op.getMode();
    if (mode == "constant") {
      Value padValue;
      if (!isNoValue(adaptor.getConstantValue()))
        padValue = extractScalar(rewriter, loc, adaptor.getConstantValue());
      else
        padValue =
            scalarConstant(rewriter, loc, elt, op.getValue().convertToDouble());
      // Negative pads crop: slice first, then pad by the positive parts.
      SmallVector<OpFoldResult> cropOff, cropSize, padLo, padHi;
      bool crop = false;
      for (int64_t d = 0; d < rank; ++d) {
        OpFoldResult cl = maxI(rewriter, loc, idx(rewriter, 0),
                               subI(rewriter, loc, idx(rewriter, 0), lo[d]));
        OpFoldResult ch = maxI(rewriter, loc, idx(rewriter, 0),
                               subI(rewriter, loc, idx(rewriter, 0), hi[d]));
        crop |= getConstantIntValue(cl) != 0 || getConstantIntValue(ch) != 0;
        cropOff.push_back(cl);
        cropSize.push_back(
            subI(rewriter, loc, subI(rewriter, loc, inSizes[d], cl), ch));
        padLo.push_back(maxI(rewriter, loc, lo[d], idx(rewriter, 0)));
        padHi.push_back(maxI(rewriter, loc, hi[d], idx(rewriter, 0)));
      }
      Value src = data;
      if (crop)
        src = tensor::ExtractSliceOp::create(
            rewriter, loc, RankedTensorType::get(staticSizes(cropSize), elt),
            data, cropOff, cropSize,
            SmallVector<OpFoldResult>(rank, idx(rewriter, 1)));
      SmallVector<OpFoldResult> padded;
      for (int64_t d = 0; d < rank; ++d)
        padded.push_back(addI(rewriter, loc,
                              addI(rewriter, loc, cropSize[d], padLo[d]),
                              padHi[d]));
      auto padTy = RankedTensorType::get(staticSizes(padded), elt);
      Value r = tensor::PadOp::create(rewriter, loc, padTy, src, padLo, padHi,
                                      padValue);
      rewriter.replaceOp(op, castTo(rewriter, loc, r, resTy));
      return success();
    }
    if (mode != "edge" && mode != "reflect" && mode != "wrap")
      return rewriter.notifyMatchFailure(op, "unsupported pad mode");

    // Negative pads crop first (as the ONNX reference does): the padding
    // modes then read within the cropped window [cl, dim - ch), which
    // matters for wrap. Per output element: j = i - max(lo, 0), mapped into
    // [0, window) by the mode, plus cl.
    SmallVector<Value> padLoV, cropLoV, winV;
    SmallVector<bool> untouched;
    for (int64_t d = 0; d < rank; ++d) {
      OpFoldResult zero = idx(rewriter, 0);
      OpFoldResult cl =
          maxI(rewriter, loc, zero, subI(rewriter, loc, zero, lo[d]));
      OpFoldResult ch =
          maxI(rewriter, loc, zero, subI(rewriter, loc, zero, hi[d]));
      untouched.push_back(getConstantIntValue(lo[d]) == 0 &&
                          getConstantIntValue(hi[d]) == 0);
      padLoV.push_back(val(rewriter, loc, maxI(rewriter, loc, lo[d], zero)));
      cropLoV.push_back(val(rewriter, loc, cl));
      winV.push_back(
          val(rewriter, loc,
              subI(rewriter, loc, subI(rewriter, loc, inSizes[d], cl), ch)));
    }
    Value r = generateTensor(
        rewriter, loc, resTy, outSizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          SmallVector<Value> at;
          Value zero = cIdx(b, l, 0), one = cIdx(b, l, 1);
          for (int64_t d = 0; d < rank; ++d) {
            if (untouched[d]) {
              at.push_back(ivs[d]);
              continue;
            }
            Value j = arith::SubIOp::create(b, l, ivs[d], padLoV[d]);
            Value last = arith::SubIOp::create(b, l, winV[d], one);
            if (mode == "edge") {
              j = arith::MaxSIOp::create(b, l, j, zero);
              j = arith::MinSIOp::create(b, l, j, last);
            } else if (mode == "reflect") {
              // -j before the start, 2 * last - j after the end (pads
              // smaller than the dim, as ONNX requires).
              Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                                j, zero);
              j = arith::SelectOp::create(
                  b, l, neg, arith::SubIOp::create(b, l, zero, j), j);
              Value past = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::sgt, j, last);
              Value twice = arith::AddIOp::create(b, l, last, last);
              j = arith::SelectOp::create(
                  b, l, past, arith::SubIOp::create(b, l, twice, j), j);
              j = arith::MaxSIOp::create(b, l, j, zero);
            } else { // wrap
              Value m = arith::RemSIOp::create(b, l, j, winV[d]);
              Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                                m, zero);
              j = arith::SelectOp::create(
                  b, l, neg, arith::AddIOp::create(b, l, m, winV[d]), m);
            }
            at.push_back(arith::AddIOp::create(b, l, j, cropLoV[d]));
          }
          return tensor::ExtractOp::create(b, l, data, at);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Tile
//===----------------------------------------------------------------------===//

struct TileLowering : OpConversionPattern<OnnxTileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxTileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value in = adaptor.getInput();
    auto inTy = dyn_cast<RankedTensorType>(in.getType());
    if (!resTy || !inTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Location loc = op.getLoc();
    int64_t rank = inTy.getRank();
    checkLength(rewriter, op, adaptor.getRepeats(), rank, "repeats");
    auto repeats = intsOrRuntime(rewriter, loc, adaptor.getRepeats(), rank);
    if (!repeats || (int64_t)repeats->size() != rank)
      return rewriter.notifyMatchFailure(op, "repeats must have rank entries");
    if (rank == 0) {
      rewriter.replaceOp(op, castTo(rewriter, loc, in, resTy));
      return success();
    }
    // Broadcast to [r0, d0, r1, d1, ...] (structured, fusible), then merge
    // each (ri, di) pair: row-major that is exactly the tiling.
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<OpFoldResult> sizes;
    SmallVector<AffineExpr> inExprs;
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < rank; ++d) {
      sizes.push_back((*repeats)[d]);
      sizes.push_back(dimOf(rewriter, loc, in, d));
      inExprs.push_back(getAffineDimExpr(2 * d + 1, ctx));
      groups.push_back({2 * d, 2 * d + 1});
    }
    auto wideTy =
        RankedTensorType::get(staticSizes(sizes), inTy.getElementType());
    Value init = createEmpty(rewriter, loc, wideTy, sizes);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{wideTy}, ValueRange{in}, ValueRange{init},
        ArrayRef<AffineMap>{AffineMap::get(2 * rank, 0, inExprs, ctx),
                            AffineMap::getMultiDimIdentityMap(2 * rank, ctx)},
        SmallVector<utils::IteratorType>(2 * rank,
                                         utils::IteratorType::parallel),
        [](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, args[0]);
        });
    SmallVector<OpFoldResult> outSizes;
    for (int64_t d = 0; d < rank; ++d)
      outSizes.push_back(mulI(rewriter, loc, sizes[2 * d], sizes[2 * d + 1]));
    auto outTy =
        RankedTensorType::get(staticSizes(outSizes), inTy.getElementType());
    Value r = tensor::CollapseShapeOp::create(rewriter, loc, outTy,
                                              generic.getResult(0), groups);
    rewriter.replaceOp(op, castTo(rewriter, loc, r, resTy));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ScatterElements, ScatterND
//===----------------------------------------------------------------------===//

/// Combines the current element with an update per the `reduction`
/// attribute; `elt` is the ONNX element type (signedness for max/min).
FailureOr<Value> combineScatter(OpBuilder &b, Location loc, StringRef red,
                                Type elt, Value cur, Value upd) {
  if (red == "none")
    return upd;
  bool isFloat = isa<FloatType>(elt);
  if (elt.isInteger(1))
    return failure();
  bool isUnsigned = elt.isUnsignedInteger();
  if (red == "add")
    return isFloat ? arith::AddFOp::create(b, loc, cur, upd).getResult()
                   : arith::AddIOp::create(b, loc, cur, upd).getResult();
  if (red == "mul")
    return isFloat ? arith::MulFOp::create(b, loc, cur, upd).getResult()
                   : arith::MulIOp::create(b, loc, cur, upd).getResult();
  if (red == "max")
    return isFloat ? arith::MaximumFOp::create(b, loc, cur, upd).getResult()
           : isUnsigned ? arith::MaxUIOp::create(b, loc, cur, upd).getResult()
                        : arith::MaxSIOp::create(b, loc, cur, upd).getResult();
  if (red == "min")
    return isFloat ? arith::MinimumFOp::create(b, loc, cur, upd).getResult()
           : isUnsigned ? arith::MinUIOp::create(b, loc, cur, upd).getResult()
                        : arith::MinSIOp::create(b, loc, cur, upd).getResult();
  return failure();
}

bool scatterReductionSupported(StringRef red, Type elt) {
  if (red == "none")
    return true;
  return !elt.isInteger(1) &&
         llvm::is_contained({"add", "mul", "max", "min"}, red);
}

/// Scatters sequentially (later updates win, as in ONNX's reference) with an
/// scf.for nest over `loopSizes` carrying the output tensor; `body` returns
/// the destination index and the update for one iteration.
Value scatterLoop(OpBuilder &b, Location loc, Value init,
                  ArrayRef<OpFoldResult> loopSizes, StringRef red, Type onnxElt,
                  function_ref<std::pair<SmallVector<Value>, Value>(
                      OpBuilder &, Location, ValueRange)>
                      body) {
  SmallVector<Value> lbs, ubs, steps;
  for (OpFoldResult s : loopSizes) {
    lbs.push_back(cIdx(b, loc, 0));
    ubs.push_back(val(b, loc, s));
    steps.push_back(cIdx(b, loc, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{init},
      [&](OpBuilder &nb, Location l, ValueRange ivs,
          ValueRange iter) -> scf::ValueVector {
        auto [at, upd] = body(nb, l, ivs);
        Value cur = iter[0];
        Value v = upd;
        if (red != "none") {
          Value old = tensor::ExtractOp::create(nb, l, cur, at);
          v = *combineScatter(nb, l, red, onnxElt, old, upd);
        }
        return {tensor::InsertOp::create(nb, l, v, cur, at).getResult()};
      });
  return nest.results.front();
}

struct ScatterElementsLowering : OpConversionPattern<OnnxScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value data = adaptor.getData(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    if (!resTy || !dataTy || !isa<RankedTensorType>(indices.getType()))
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Type onnxElt = cast<ShapedType>(op.getData().getType()).getElementType();
    StringRef red = op.getReduction();
    Location loc = op.getLoc();
    if (!scatterReductionSupported(red, onnxElt))
      return rewriter.notifyMatchFailure(op, "unsupported reduction");
    int64_t r = dataTy.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), r);
    if (axis < 0 || axis >= r)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Value dimV = val(rewriter, loc, dimOf(rewriter, loc, data, axis));
    Value message = indexMessage(rewriter, op, axis);
    Value res =
        scatterLoop(rewriter, loc, data, sizesOf(rewriter, loc, indices), red,
                    onnxElt, [&](OpBuilder &b, Location l, ValueRange ivs) {
                      Value i = tensor::ExtractOp::create(b, l, indices, ivs);
                      SmallVector<Value> at(ivs);
                      at[axis] = checkedIndex(b, l, op, i, dimV, message);
                      Value u = tensor::ExtractOp::create(b, l, updates, ivs);
                      return std::make_pair(at, u);
                    });
    rewriter.replaceOp(op, castTo(rewriter, loc, res, resTy));
    return success();
  }
};

struct ScatterNDLowering : OpConversionPattern<OnnxScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value data = adaptor.getData(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    auto idxTy = dyn_cast<RankedTensorType>(indices.getType());
    auto updTy = dyn_cast<RankedTensorType>(updates.getType());
    if (!resTy || !dataTy || !idxTy || !updTy || idxTy.getRank() < 1)
      return rewriter.notifyMatchFailure(
          op, "ranked tensors expected, indices of rank >= 1");
    Type onnxElt = cast<ShapedType>(op.getData().getType()).getElementType();
    StringRef red = op.getReduction();
    Location loc = op.getLoc();
    if (!scatterReductionSupported(red, onnxElt))
      return rewriter.notifyMatchFailure(op, "unsupported reduction");
    int64_t q = idxTy.getRank(), r = dataTy.getRank();
    // The index depth k is indices' last dim; when that is symbolic, the
    // rank of updates, (q - 1) + (r - k), still determines it.
    int64_t k = idxTy.isDynamicDim(q - 1) ? q - 1 + r - updTy.getRank()
                                          : idxTy.getDimSize(q - 1);
    if (k < 0 || k > r)
      return rewriter.notifyMatchFailure(
          op, "the index depth (indices' last dim) must be in [0, data rank]");
    // Loop over indices[:-1] and then over the data dims the slice covers.
    SmallVector<OpFoldResult> loop;
    for (int64_t d = 0; d < q - 1; ++d)
      loop.push_back(dimOf(rewriter, loc, indices, d));
    for (int64_t d = k; d < r; ++d)
      loop.push_back(dimOf(rewriter, loc, data, d));
    SmallVector<Value> dims;
    for (int64_t d = 0; d < k; ++d)
      dims.push_back(val(rewriter, loc, dimOf(rewriter, loc, data, d)));
    Value message = indexMessage(rewriter, op, -1);
    Value res =
        scatterLoop(rewriter, loc, data, loop, red, onnxElt,
                    [&](OpBuilder &b, Location l, ValueRange ivs) {
                      SmallVector<Value> at, idxAt(ivs.take_front(q - 1));
                      idxAt.push_back(Value());
                      for (int64_t j = 0; j < k; ++j) {
                        idxAt.back() = cIdx(b, l, j);
                        Value i =
                            tensor::ExtractOp::create(b, l, indices, idxAt);
                        at.push_back(
                            checkedIndex(b, l, op, i, dims[j], message));
                      }
                      for (Value iv : ivs.drop_front(q - 1))
                        at.push_back(iv);
                      Value u = tensor::ExtractOp::create(b, l, updates, ivs);
                      return std::make_pair(at, u);
                    });
    rewriter.replaceOp(op, castTo(rewriter, loc, res, resTy));
    return success();
  }
};

} // namespace

void kiln::populateDataMovementPatterns(TypeConverter &tc,
                                        RewritePatternSet &patterns) {
  patterns.add<TransposeLowering, ConcatLowering, SliceLowering, GatherLowering,
               GatherElementsLowering, SplitLowering, PadLowering, TileLowering,
               ScatterElementsLowering, ScatterNDLowering>(
      tc, patterns.getContext());
}
