//===- Sorting.cpp - onnx to linalg: ops that sort or select --------------===//
//
// TopK, Unique and NonMaxSuppression: ops that sort or select by value.
//
// These are sequential by nature (each selection depends on the previous
// ones), so they become scf loops over tensors rather than linalg ops:
//
// - TopK selects, per row, the k best elements one after the other: the
//   j-th is the best element ordered after the (j-1)-th in the total order
//   (value, then lower index first). That needs no scratch buffer and no
//   marking, costs O(k * n) per row and keeps ONNX's tie order.
// - Unique finds, for every slice along the axis (or every element), the
//   first equal slice; the first occurrences are the unique values, ranked
//   by value (sorted) or by position. Output sizes depend on the data: the
//   results are built with the run-time count as their dynamic dim.
// - NonMaxSuppression walks, per batch and class, the candidates in
//   descending score order (same selection as TopK) and keeps those whose
//   IoU with every box kept so far is at most the threshold. Rows go into a
//   worst-case sized buffer whose used prefix is the result.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ShapeHelpers.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using namespace kiln::shape_helpers;

namespace {

//===----------------------------------------------------------------------===//
// Scalar ordering shared by the three ops
//===----------------------------------------------------------------------===//

Value isNaN(OpBuilder &b, Location loc, Value x) {
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
}

/// `x < y` for scalars of ONNX element type `onnxTy` (signedness from it).
/// Floats are totally ordered with NaN above every number, as ONNX Runtime
/// and ONNX's reference order them in TopK (and numpy in unique).
Value lessThan(OpBuilder &b, Location loc, Value x, Value y, Type onnxTy) {
  if (isa<FloatType>(onnxTy)) {
    Value lt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
    Value numBelowNaN = arith::AndIOp::create(
        b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ORD, x, x),
        isNaN(b, loc, y));
    return arith::OrIOp::create(b, loc, lt, numBelowNaN);
  }
  bool isUnsigned = onnxTy.isUnsignedInteger() || onnxTy.isInteger(1);
  return arith::CmpIOp::create(
      b, loc,
      isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt, x, y);
}

/// `x == y` in the order of lessThan: NaNs are equal to each other.
Value equalTo(OpBuilder &b, Location loc, Value x, Value y, Type onnxTy) {
  if (isa<FloatType>(onnxTy))
    return arith::OrIOp::create(
        b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x, y),
        arith::AndIOp::create(b, loc, isNaN(b, loc, x), isNaN(b, loc, y)));
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
}

Value andI(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AndIOp::create(b, loc, x, y);
}
Value orI(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::OrIOp::create(b, loc, x, y);
}
Value notI(OpBuilder &b, Location loc, Value x) {
  Value t = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  return arith::XOrIOp::create(b, loc, x, t);
}
Value boolConst(OpBuilder &b, Location loc, bool v) {
  return arith::ConstantIntOp::create(b, loc, b.getI1Type(), v);
}
Value select(OpBuilder &b, Location loc, Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}

/// Whether (a, ia) comes before (c, ic) in selection order: better value
/// first (greater when `largest`), equal values by lower index, as ONNX's
/// reference and ONNX Runtime order ties.
Value precedes(OpBuilder &b, Location loc, Value a, Value ia, Value c, Value ic,
               Type onnxTy, bool largest) {
  Value better =
      largest ? lessThan(b, loc, c, a, onnxTy) : lessThan(b, loc, a, c, onnxTy);
  Value lowerIdx =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, ia, ic);
  return orI(b, loc, better,
             andI(b, loc, equalTo(b, loc, a, c, onnxTy), lowerIdx));
}

/// The best element of [0, n) in selection order that comes after `prev`
/// (every element when `hasPrev` is false) and satisfies `eligible`.
/// Returns (value, index, found).
struct Selected {
  Value value, index, found;
};
Selected
selectNext(OpBuilder &b, Location loc, Value n, Type onnxTy, bool largest,
           Value prevV, Value prevI, Value hasPrev,
           function_ref<Value(OpBuilder &, Location, Value)> read,
           function_ref<Value(OpBuilder &, Location, Value, Value)> eligible) {
  Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
  auto scan = scf::ForOp::create(
      b, loc, zero, n, one, ValueRange{prevV, zero, boolConst(b, loc, false)},
      [&](OpBuilder &nb, Location l, Value i, ValueRange it) {
        Value v = read(nb, l, i);
        Value afterPrev =
            orI(nb, l, notI(nb, l, hasPrev),
                precedes(nb, l, prevV, prevI, v, i, onnxTy, largest));
        Value beatsBest =
            orI(nb, l, notI(nb, l, it[2]),
                precedes(nb, l, v, i, it[0], it[1], onnxTy, largest));
        Value take = andI(nb, l, afterPrev, beatsBest);
        if (eligible)
          take = andI(nb, l, take, eligible(nb, l, v, i));
        scf::YieldOp::create(nb, l,
                             ValueRange{select(nb, l, take, v, it[0]),
                                        select(nb, l, take, i, it[1]),
                                        orI(nb, l, take, it[2])});
      });
  return {scan.getResult(0), scan.getResult(1), scan.getResult(2)};
}

Value toI64(OpBuilder &b, Location loc, Value index) {
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
}

//===----------------------------------------------------------------------===//
// TopK
//===----------------------------------------------------------------------===//

struct TopKLowering : OpConversionPattern<OnnxTopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxTopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto valTy = resultTypeOf(*this, op, 0);
    auto idxTy = resultTypeOf(*this, op, 1);
    Value x = adaptor.getX();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    auto kTy = dyn_cast<RankedTensorType>(adaptor.getK().getType());
    if (!valTy || !idxTy || !xTy || !kTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Type onnxTy = cast<ShapedType>(op.getX().getType()).getElementType();
    if (!onnxTy.isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "numeric input expected");
    if (!idxTy.getElementType().isInteger(64))
      return rewriter.notifyMatchFailure(op, "Indices must be int64");
    int64_t rank = xTy.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    if (rank == 0 || axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    bool largest = op.getLargest() != 0;
    // `sorted = 0` leaves the order unspecified: sorted output is valid.

    Location loc = op.getLoc();
    Value k =
        toIndex(rewriter, loc, extractScalar(rewriter, loc, adaptor.getK()));
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    Value n = val(rewriter, loc, sizes[axis]);
    sizes[axis] = k;
    sizes = refineSizes(rewriter, valTy, sizes);
    SmallVector<int64_t> shape = staticSizes(sizes);
    Value values = createEmpty(
        rewriter, loc, RankedTensorType::get(shape, valTy.getElementType()),
        sizes);
    Value indices = createEmpty(
        rewriter, loc, RankedTensorType::get(shape, idxTy.getElementType()),
        sizes);

    // One selection per row: loops over every dim but the axis.
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis)
        continue;
      lbs.push_back(cIdx(rewriter, loc, 0));
      ubs.push_back(val(rewriter, loc, sizes[d]));
      steps.push_back(cIdx(rewriter, loc, 1));
    }
    // The declared size when static, else k.
    Value numPicks = val(rewriter, loc, sizes[axis]);
    Value initV = scalarConstant(rewriter, loc, xTy.getElementType(), 0);
    auto nest = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{values, indices},
        [&](OpBuilder &b, Location l, ValueRange ivs,
            ValueRange iters) -> scf::ValueVector {
          auto at = [&](Value i) {
            SmallVector<Value> pos(ivs.begin(), ivs.end());
            pos.insert(pos.begin() + axis, i);
            return pos;
          };
          auto pick = scf::ForOp::create(
              b, l, cIdx(b, l, 0), numPicks, cIdx(b, l, 1),
              ValueRange{initV, cIdx(b, l, 0), boolConst(b, l, false), iters[0],
                         iters[1]},
              [&](OpBuilder &jb, Location jl, Value j, ValueRange it) {
                Selected s = selectNext(
                    jb, jl, n, onnxTy, largest, it[0], it[1], it[2],
                    [&](OpBuilder &rb, Location rl, Value i) -> Value {
                      return tensor::ExtractOp::create(rb, rl, x, at(i));
                    },
                    nullptr);
                Value vs =
                    tensor::InsertOp::create(jb, jl, s.value, it[3], at(j));
                Value is = tensor::InsertOp::create(
                    jb, jl, toI64(jb, jl, s.index), it[4], at(j));
                scf::YieldOp::create(jb, jl,
                                     ValueRange{s.value, s.index,
                                                boolConst(jb, jl, true), vs,
                                                is});
              });
          return {pick.getResult(3), pick.getResult(4)};
        });
    rewriter.replaceOp(op, {castTo(rewriter, loc, nest.results[0], valTy),
                            castTo(rewriter, loc, nest.results[1], idxTy)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Unique
//===----------------------------------------------------------------------===//

/// The input seen as `n` slices of `m` elements each: slice s, element e is
/// flat[((e / inner) * n + s) * inner + e % inner]. Without an axis every
/// element is a slice of one element.
struct SliceView {
  Value flat, n, inner, m;
  Type onnxTy;

  Value read(OpBuilder &b, Location loc, Value s, Value e) const {
    Value o = arith::DivUIOp::create(b, loc, e, inner);
    Value q = arith::RemUIOp::create(b, loc, e, inner);
    Value row =
        arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, o, n), s);
    Value at = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, row, inner), q);
    return tensor::ExtractOp::create(b, loc, flat, at);
  }

  /// Lexicographic comparison of slices s and t: (s < t, s == t).
  std::pair<Value, Value> compare(OpBuilder &b, Location loc, Value s,
                                  Value t) const {
    Value f = boolConst(b, loc, false);
    auto loop = scf::ForOp::create(
        b, loc, cIdx(b, loc, 0), m, cIdx(b, loc, 1), ValueRange{f, f},
        [&](OpBuilder &nb, Location l, Value e, ValueRange it) {
          Value x = read(nb, l, s, e), y = read(nb, l, t, e);
          Value lt = lessThan(nb, l, x, y, onnxTy);
          Value gt = lessThan(nb, l, y, x, onnxTy);
          Value decided = orI(nb, l, it[0], orI(nb, l, lt, gt));
          Value isLess = select(nb, l, it[0], it[1], lt);
          scf::YieldOp::create(nb, l, ValueRange{decided, isLess});
        });
    return {loop.getResult(1), notI(b, loc, loop.getResult(0))};
  }
};

/// Sum over i in [lo, hi) of `pred(i)` (an i1), as an index.
Value countIf(OpBuilder &b, Location loc, Value lo, Value hi,
              function_ref<Value(OpBuilder &, Location, Value)> pred) {
  auto loop = scf::ForOp::create(
      b, loc, lo, hi, cIdx(b, loc, 1), ValueRange{cIdx(b, loc, 0)},
      [&](OpBuilder &nb, Location l, Value i, ValueRange it) {
        Value inc =
            select(nb, l, pred(nb, l, i), cIdx(nb, l, 1), cIdx(nb, l, 0));
        scf::YieldOp::create(
            nb, l,
            ValueRange{arith::AddIOp::create(nb, l, it[0], inc).getResult()});
      });
  return loop.getResult(0);
}

struct UniqueLowering : OpConversionPattern<OnnxUniqueOp> {
  using OpConversionPattern::OpConversionPattern;

  /// The result type of result `i` if it is used, null otherwise; fails
  /// when a used result is not a ranked tensor.
  FailureOr<RankedTensorType> usedResultType(OnnxUniqueOp op,
                                             unsigned i) const {
    if (op->getResult(i).use_empty())
      return RankedTensorType();
    auto t = resultTypeOf(*this, op, i);
    if (!t)
      return failure();
    return t;
  }

  LogicalResult
  matchAndRewrite(OnnxUniqueOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    if (!xTy)
      return rewriter.notifyMatchFailure(op, "ranked input expected");
    Type onnxTy = cast<ShapedType>(op.getX().getType()).getElementType();
    if (!onnxTy.isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "numeric input expected");
    SmallVector<RankedTensorType> resTys;
    for (unsigned i = 0; i < 4; ++i) {
      auto t = usedResultType(op, i);
      if (failed(t))
        return rewriter.notifyMatchFailure(op, "ranked results expected");
      resTys.push_back(*t);
    }
    for (unsigned i = 1; i < 4; ++i)
      if (resTys[i] && !resTys[i].getElementType().isInteger(64))
        return rewriter.notifyMatchFailure(op, "index outputs must be int64");
    int64_t rank = xTy.getRank();
    std::optional<int64_t> axis;
    if (auto a = op.getAxis()) {
      axis = normalizeAxis(*a, rank);
      if (*axis < 0 || *axis >= rank)
        return rewriter.notifyMatchFailure(op, "axis out of range");
    }

    Location loc = op.getLoc();
    SliceView view = makeView(rewriter, loc, x, axis);
    view.onnxTy = onnxTy;
    Value n = view.n;
    Value zero = cIdx(rewriter, loc, 0);
    auto indexVec = [&](ArrayRef<OpFoldResult> sizes) {
      return RankedTensorType::get(staticSizes(sizes), rewriter.getIndexType());
    };

    // first[s]: the first slice equal to slice s.
    SmallVector<OpFoldResult> nSizes{n};
    Value first = generateTensor(
        rewriter, loc, indexVec(nSizes), nSizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
          Value s = ivs[0];
          auto loop = scf::ForOp::create(
              b, l, cIdx(b, l, 0), s, cIdx(b, l, 1), ValueRange{s},
              [&](OpBuilder &nb, Location nl, Value t, ValueRange it) {
                Value eq = view.compare(nb, nl, t, s).second;
                Value none = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::eq, it[0], s);
                scf::YieldOp::create(
                    nb, nl,
                    ValueRange{
                        select(nb, nl, andI(nb, nl, eq, none), t, it[0])});
              });
          return loop.getResult(0);
        });
    auto isFirst = [&](OpBuilder &b, Location l, Value s) -> Value {
      Value f = tensor::ExtractOp::create(b, l, first, ValueRange{s});
      return arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, f, s);
    };

    // rank[s]: the output position of unique slice s.
    bool sorted = op.getSorted() != 0;
    Value position = generateTensor(
        rewriter, loc, indexVec(nSizes), nSizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
          Value s = ivs[0];
          if (!sorted)
            return countIf(b, l, cIdx(b, l, 0), s, isFirst);
          return countIf(b, l, cIdx(b, l, 0), n,
                         [&](OpBuilder &nb, Location nl, Value t) {
                           return andI(nb, nl, isFirst(nb, nl, t),
                                       view.compare(nb, nl, t, s).first);
                         });
        });
    Value numUnique = countIf(rewriter, loc, zero, n, isFirst);

    // uniqueAt[r]: the slice at output position r.
    SmallVector<OpFoldResult> uSizes{numUnique};
    Value uniqueAt = createEmpty(rewriter, loc, indexVec(uSizes), uSizes);
    auto scatter = scf::ForOp::create(
        rewriter, loc, zero, n, cIdx(rewriter, loc, 1), ValueRange{uniqueAt},
        [&](OpBuilder &b, Location l, Value s, ValueRange it) {
          auto ifOp = scf::IfOp::create(
              b, l, isFirst(b, l, s),
              [&](OpBuilder &tb, Location tl) {
                Value r =
                    tensor::ExtractOp::create(tb, tl, position, ValueRange{s});
                Value u =
                    tensor::InsertOp::create(tb, tl, s, it[0], ValueRange{r});
                scf::YieldOp::create(tb, tl, u);
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, it[0]);
              });
          scf::YieldOp::create(b, l, ifOp.getResults());
        });
    uniqueAt = scatter.getResult(0);
    auto sliceAt = [&](OpBuilder &b, Location l, Value r) -> Value {
      return tensor::ExtractOp::create(b, l, uniqueAt, ValueRange{r});
    };

    SmallVector<Value> results(4, nullptr);
    if (resTys[0]) {
      SmallVector<OpFoldResult> ySizes;
      if (axis) {
        ySizes = sizesOf(rewriter, loc, x);
        ySizes[*axis] = numUnique;
      } else {
        ySizes = {numUnique};
      }
      if (resTys[0].getRank() != (int64_t)ySizes.size())
        return rewriter.notifyMatchFailure(op, "unexpected rank of Y");
      results[0] = generateTensor(
          rewriter, loc, resTys[0], refineSizes(rewriter, resTys[0], ySizes),
          {}, {},
          [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
            if (!axis)
              return tensor::ExtractOp::create(b, l, view.flat,
                                               sliceAt(b, l, ivs[0]));
            SmallVector<Value> pos(ivs.begin(), ivs.end());
            pos[*axis] = sliceAt(b, l, pos[*axis]);
            return tensor::ExtractOp::create(b, l, x, pos);
          });
    }
    if (resTys[1])
      results[1] = generateTensor(
          rewriter, loc, resTys[1], refineSizes(rewriter, resTys[1], uSizes),
          {}, {},
          [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
            return toI64(b, l, sliceAt(b, l, ivs[0]));
          });
    if (resTys[2])
      results[2] = generateTensor(
          rewriter, loc, resTys[2], refineSizes(rewriter, resTys[2], nSizes),
          {}, {},
          [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
            Value f = tensor::ExtractOp::create(b, l, first, ivs);
            return toI64(
                b, l, tensor::ExtractOp::create(b, l, position, ValueRange{f}));
          });
    if (resTys[3])
      results[3] = generateTensor(
          rewriter, loc, resTys[3], refineSizes(rewriter, resTys[3], uSizes),
          {}, {},
          [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
            Value s = sliceAt(b, l, ivs[0]);
            return toI64(
                b, l,
                countIf(b, l, cIdx(b, l, 0), n,
                        [&](OpBuilder &nb, Location nl, Value t) -> Value {
                          Value f = tensor::ExtractOp::create(nb, nl, first,
                                                              ValueRange{t});
                          return arith::CmpIOp::create(
                              nb, nl, arith::CmpIPredicate::eq, f, s);
                        }));
          });
    rewriter.replaceOp(op, results);
    return success();
  }

  /// The flat input and the slice geometry along `axis` (or per element).
  static SliceView makeView(OpBuilder &b, Location loc, Value x,
                            std::optional<int64_t> axis) {
    auto xTy = cast<RankedTensorType>(x.getType());
    int64_t rank = xTy.getRank();
    SliceView v;
    if (rank == 0)
      v.flat = tensor::FromElementsOp::create(
          b, loc, RankedTensorType::get({1}, xTy.getElementType()),
          ValueRange{tensor::ExtractOp::create(b, loc, x, ValueRange{})});
    else if (rank == 1)
      v.flat = x;
    else
      v.flat = tensor::CollapseShapeOp::create(
          b, loc, x,
          SmallVector<ReassociationIndices>{
              llvm::to_vector(llvm::seq<int64_t>(0, rank))});
    SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
    OpFoldResult outer = idx(b, 1), inner = idx(b, 1), n;
    if (axis) {
      for (int64_t d = 0; d < *axis; ++d)
        outer = mulI(b, loc, outer, sizes[d]);
      for (int64_t d = *axis + 1; d < rank; ++d)
        inner = mulI(b, loc, inner, sizes[d]);
      n = sizes[*axis];
    } else {
      n = idx(b, 1);
      for (OpFoldResult s : sizes)
        n = mulI(b, loc, n, s);
    }
    v.n = val(b, loc, n);
    v.inner = val(b, loc, inner);
    v.m = val(b, loc, mulI(b, loc, outer, inner));
    return v;
  }
};

//===----------------------------------------------------------------------===//
// NonMaxSuppression
//===----------------------------------------------------------------------===//

/// A box as its min/max corners.
struct Corners {
  Value xmin, ymin, xmax, ymax;
};

Corners readBox(OpBuilder &b, Location loc, Value boxes, Value batch, Value box,
                bool centerPoint) {
  Value c[4];
  for (int64_t i = 0; i < 4; ++i)
    c[i] = tensor::ExtractOp::create(b, loc, boxes,
                                     ValueRange{batch, box, cIdx(b, loc, i)});
  if (centerPoint) {
    // [x_center, y_center, width, height].
    Value two = scalarConstant(b, loc, c[0].getType(), 2.0);
    Value hw = arith::DivFOp::create(b, loc, c[2], two);
    Value hh = arith::DivFOp::create(b, loc, c[3], two);
    return {arith::SubFOp::create(b, loc, c[0], hw),
            arith::SubFOp::create(b, loc, c[1], hh),
            arith::AddFOp::create(b, loc, c[0], hw),
            arith::AddFOp::create(b, loc, c[1], hh)};
  }
  // [y1, x1, y2, x2], corners in either order.
  return {arith::MinNumFOp::create(b, loc, c[1], c[3]),
          arith::MinNumFOp::create(b, loc, c[0], c[2]),
          arith::MaxNumFOp::create(b, loc, c[1], c[3]),
          arith::MaxNumFOp::create(b, loc, c[0], c[2])};
}

/// Whether IoU(p, q) > threshold, as ONNX Runtime decides it: boxes that do
/// not intersect, or have no area, never suppress each other.
Value suppresses(OpBuilder &b, Location loc, const Corners &p, const Corners &q,
                 Value threshold) {
  Type t = p.xmin.getType();
  Value zero = scalarConstant(b, loc, t, 0.0);
  auto sub = [&](Value x, Value y) -> Value {
    return arith::SubFOp::create(b, loc, x, y);
  };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, loc, x, y);
  };
  auto gt = [&](Value x, Value y) -> Value {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, y);
  };
  Value iw = arith::MaxNumFOp::create(
      b, loc,
      sub(arith::MinNumFOp::create(b, loc, p.xmax, q.xmax),
          arith::MaxNumFOp::create(b, loc, p.xmin, q.xmin)),
      zero);
  Value ih = arith::MaxNumFOp::create(
      b, loc,
      sub(arith::MinNumFOp::create(b, loc, p.ymax, q.ymax),
          arith::MaxNumFOp::create(b, loc, p.ymin, q.ymin)),
      zero);
  Value inter = mul(iw, ih);
  Value areaP = mul(sub(p.xmax, p.xmin), sub(p.ymax, p.ymin));
  Value areaQ = mul(sub(q.xmax, q.xmin), sub(q.ymax, q.ymin));
  Value uni = sub(arith::AddFOp::create(b, loc, areaP, areaQ), inter);
  Value ok = andI(b, loc, andI(b, loc, gt(inter, zero), gt(uni, zero)),
                  andI(b, loc, gt(areaP, zero), gt(areaQ, zero)));
  Value iou = arith::DivFOp::create(b, loc, inter, uni);
  return andI(b, loc, ok, gt(iou, threshold));
}

struct NonMaxSuppressionLowering
    : OpConversionPattern<OnnxNonMaxSuppressionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxNonMaxSuppressionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value boxes = adaptor.getBoxes(), scores = adaptor.getScores();
    auto boxesTy = dyn_cast<RankedTensorType>(boxes.getType());
    auto scoresTy = dyn_cast<RankedTensorType>(scores.getType());
    if (!resTy || !boxesTy || !scoresTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    if (boxesTy.getRank() != 3 || scoresTy.getRank() != 3 ||
        resTy.getRank() != 2 || !resTy.getElementType().isInteger(64))
      return rewriter.notifyMatchFailure(
          op, "boxes [B, N, 4], scores [B, C, N] and int64 [M, 3] expected");
    Type elemTy = boxesTy.getElementType();
    if (!isa<FloatType>(elemTy) || scoresTy.getElementType() != elemTy)
      return rewriter.notifyMatchFailure(
          op, "boxes and scores must have the same float type");
    int64_t cpb = op.getCenterPointBox();
    if (cpb != 0 && cpb != 1)
      return rewriter.notifyMatchFailure(op, "center_point_box must be 0 or 1");
    bool centerPoint = cpb == 1;

    Location loc = op.getLoc();
    Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
    Value numBatches = val(rewriter, loc, dimOf(rewriter, loc, boxes, 0));
    Value numBoxes = val(rewriter, loc, dimOf(rewriter, loc, boxes, 1));
    Value numClasses = val(rewriter, loc, dimOf(rewriter, loc, scores, 1));

    // An absent max_output_boxes_per_class is 0: nothing is selected.
    Value maxOut = zero;
    if (!isNoValue(adaptor.getMaxOutputBoxesPerClass())) {
      Value m = toIndex(
          rewriter, loc,
          extractScalar(rewriter, loc, adaptor.getMaxOutputBoxesPerClass()));
      maxOut = arith::MinSIOp::create(
          rewriter, loc, arith::MaxSIOp::create(rewriter, loc, m, zero),
          numBoxes);
    }
    Value iouThreshold = scalarConstant(rewriter, loc, elemTy, 0.0);
    if (!isNoValue(adaptor.getIouThreshold()))
      iouThreshold = extractScalar(rewriter, loc, adaptor.getIouThreshold());
    Value scoreThreshold;
    if (!isNoValue(adaptor.getScoreThreshold()))
      scoreThreshold =
          extractScalar(rewriter, loc, adaptor.getScoreThreshold());
    for (Value t : {iouThreshold, scoreThreshold})
      if (t && t.getType() != elemTy)
        return rewriter.notifyMatchFailure(
            op, "thresholds must have the type of the boxes");

    // Worst case: every class of every batch keeps maxOut boxes. At least
    // one row, so that the slice of the used rows never starts past the
    // end of a buffer that folding made statically empty.
    Value capacity = arith::MaxSIOp::create(
        rewriter, loc,
        arith::MulIOp::create(
            rewriter, loc,
            arith::MulIOp::create(rewriter, loc, numBatches, numClasses),
            maxOut),
        one);
    auto bufTy =
        RankedTensorType::get({ShapedType::kDynamic, 3}, rewriter.getI64Type());
    Value buffer =
        tensor::EmptyOp::create(rewriter, loc, bufTy.getShape(),
                                bufTy.getElementType(), ValueRange{capacity});

    auto nest = scf::buildLoopNest(
        rewriter, loc, {zero, zero}, {numBatches, numClasses}, {one, one},
        ValueRange{buffer, zero},
        [&](OpBuilder &b, Location l, ValueRange ivs,
            ValueRange iters) -> scf::ValueVector {
          auto r = selectForClass(b, l, boxes, scores, ivs[0], ivs[1], numBoxes,
                                  maxOut, iouThreshold, scoreThreshold,
                                  centerPoint, iters[0], iters[1]);
          return {r.first, r.second};
        });
    // The used rows, copied rather than sliced: when folding makes the
    // buffer static, bufferization returns a slice of it through a
    // memref.copy with a strided source, which the LLVM lowering turns into
    // a call to the runner library's memrefCopy (absent from artifacts).
    Value buf = nest.results[0];
    SmallVector<OpFoldResult> usedSizes{nest.results[1],
                                        rewriter.getIndexAttr(3)};
    Value selected = generateTensor(
        rewriter, loc, bufTy, usedSizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
          return tensor::ExtractOp::create(b, l, buf, ivs);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, selected, resTy));
    return success();
  }

  /// Appends row [batch, cls, box] to `buf` at row `n` unless `box`
  /// overlaps a box kept since row `start` by more than the threshold.
  static std::pair<Value, Value>
  appendUnlessSuppressed(OpBuilder &b, Location loc, Value boxes, Value batch,
                         Value cls, Value box, Value start, Value iouThreshold,
                         bool centerPoint, Value buf, Value n) {
    Corners cand = readBox(b, loc, boxes, batch, box, centerPoint);
    auto check = scf::ForOp::create(
        b, loc, start, n, cIdx(b, loc, 1), ValueRange{boolConst(b, loc, false)},
        [&](OpBuilder &cb, Location cl, Value r, ValueRange it) {
          Value j = toIndex(cb, cl,
                            tensor::ExtractOp::create(
                                cb, cl, buf, ValueRange{r, cIdx(cb, cl, 2)}));
          Corners kept = readBox(cb, cl, boxes, batch, j, centerPoint);
          Value sup = suppresses(cb, cl, cand, kept, iouThreshold);
          scf::YieldOp::create(cb, cl, ValueRange{orI(cb, cl, it[0], sup)});
        });
    auto append = scf::IfOp::create(
        b, loc, notI(b, loc, check.getResult(0)),
        [&](OpBuilder &tb, Location tl) {
          Value row = buf;
          Value cols[3] = {batch, cls, box};
          for (int64_t c = 0; c < 3; ++c)
            row = tensor::InsertOp::create(tb, tl, toI64(tb, tl, cols[c]), row,
                                           ValueRange{n, cIdx(tb, tl, c)});
          Value next = arith::AddIOp::create(tb, tl, n, cIdx(tb, tl, 1));
          scf::YieldOp::create(tb, tl, ValueRange{row, next});
        },
        [&](OpBuilder &eb, Location el) {
          scf::YieldOp::create(eb, el, ValueRange{buf, n});
        });
    return {append.getResult(0), append.getResult(1)};
  }

  /// Greedy selection for one (batch, class): appends rows [batch, class,
  /// box] to `out` from row `count` on; returns the buffer and new count.
  static std::pair<Value, Value>
  selectForClass(OpBuilder &b, Location loc, Value boxes, Value scores,
                 Value batch, Value cls, Value numBoxes, Value maxOut,
                 Value iouThreshold, Value scoreThreshold, bool centerPoint,
                 Value out, Value count) {
    Type elemTy = cast<RankedTensorType>(scores.getType()).getElementType();
    Value start = count;
    auto readScore = [&](OpBuilder &nb, Location l, Value i) -> Value {
      return tensor::ExtractOp::create(nb, l, scores,
                                       ValueRange{batch, cls, i});
    };
    auto aboveThreshold = [&](OpBuilder &nb, Location l, Value s,
                              Value) -> Value {
      return arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, s,
                                   scoreThreshold);
    };
    // At most numBoxes candidates: an scf.for whose iterations become
    // no-ops once the candidates or the room run out. (scf.while would
    // stop early, but bufferization rejects it once canonicalization has
    // reordered its block arguments.)
    Value initScore = scalarConstant(b, loc, elemTy, 0.0);
    auto loop = scf::ForOp::create(
        b, loc, cIdx(b, loc, 0), numBoxes, cIdx(b, loc, 1),
        ValueRange{initScore, cIdx(b, loc, 0), boolConst(b, loc, false),
                   boolConst(b, loc, true), out, count},
        [&](OpBuilder &nb, Location l, Value, ValueRange args) {
          Value kept = arith::SubIOp::create(nb, l, args[5], start);
          Value room = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                             kept, maxOut);
          auto step = scf::IfOp::create(
              nb, l, andI(nb, l, args[3], room),
              [&](OpBuilder &tb, Location tl) {
                // The next candidate in descending score order.
                Selected s = selectNext(
                    tb, tl, numBoxes, elemTy, /*largest=*/true, args[0],
                    args[1], args[2], readScore,
                    scoreThreshold
                        ? function_ref<Value(OpBuilder &, Location, Value,
                                             Value)>(aboveThreshold)
                        : nullptr);
                auto appended = scf::IfOp::create(
                    tb, tl, s.found,
                    [&](OpBuilder &fb, Location fl) {
                      auto [buf, n] = appendUnlessSuppressed(
                          fb, fl, boxes, batch, cls, s.index, start,
                          iouThreshold, centerPoint, args[4], args[5]);
                      scf::YieldOp::create(fb, fl, ValueRange{buf, n});
                    },
                    [&](OpBuilder &eb, Location el) {
                      scf::YieldOp::create(eb, el,
                                           ValueRange{args[4], args[5]});
                    });
                scf::YieldOp::create(tb, tl,
                                     ValueRange{s.value, s.index,
                                                boolConst(tb, tl, true),
                                                s.found, appended.getResult(0),
                                                appended.getResult(1)});
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, args);
              });
          scf::YieldOp::create(nb, l, step.getResults());
        });
    return {loop.getResult(4), loop.getResult(5)};
  }
};

} // namespace

void kiln::populateSortingPatterns(TypeConverter &tc,
                                   RewritePatternSet &patterns) {
  patterns.add<TopKLowering, UniqueLowering, NonMaxSuppressionLowering>(
      tc, patterns.getContext());
}
