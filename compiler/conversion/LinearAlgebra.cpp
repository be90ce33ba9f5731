//===- LinearAlgebra.cpp - onnx to linalg: MatMul, Gemm, MatMulInteger, Det
//===//
//
// MatMul follows numpy: a 1-D operand is promoted to a matrix (a row for A,
// a column for B) and the promoted dim is removed from the result; the batch
// dims broadcast. The lowering reshapes every case onto the two contraction
// named ops:
//   - no batch dims on either side      -> linalg.matmul
//   - batch dims only on A              -> collapse them into M, linalg.matmul
//   - batch dims only on B              -> linalg.batch_matmul with A read
//                                          through a broadcasting map
//   - batch dims on both                -> linalg.batch_matmul on the
//                                          collapsed batch
// An operand whose batch dims differ from the result's (a static 1 that
// broadcasts, or a dynamic dim that may be 1 at run time) is first
// materialized at the result's batch shape.
//
// 16-bit floats accumulate in f32; integers multiply in their own width (ONNX
// MatMul keeps the element type), MatMulInteger widens to i32 first.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/LinearAlgebra.h"
#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/SlidingWindow.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// Converts every element of `v` to `elem` (16-bit float results of an f32
/// accumulation).
Value truncateTo(OpBuilder &b, Location loc, Value v, Type elem) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType() == elem)
    return v;
  return buildElementwise(
      b, loc, t.clone(elem), ValueRange{v},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::TruncFOp::create(nb, nloc, elem, args[0]);
      });
}

/// Collapses `v` with `reassoc`, unless the reassociation is the identity.
Value collapse(OpBuilder &b, Location loc, Value v,
               ArrayRef<ReassociationIndices> reassoc) {
  if (reassoc.size() ==
      static_cast<size_t>(cast<RankedTensorType>(v.getType()).getRank()))
    return v;
  return tensor::CollapseShapeOp::create(b, loc, v, reassoc);
}

/// Expands `v` into `shape`/`sizes` with `reassoc`, unless it is the identity.
Value expand(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape,
             ArrayRef<OpFoldResult> sizes,
             ArrayRef<ReassociationIndices> reassoc) {
  auto t = cast<RankedTensorType>(v.getType());
  if (static_cast<int64_t>(shape.size()) == t.getRank())
    return v;
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), v, reassoc,
      sizes);
}

/// Groups [0, n) so that group i ends at `ends[i]` (inclusive).
SmallVector<ReassociationIndices> groupsEndingAt(ArrayRef<int64_t> ends) {
  SmallVector<ReassociationIndices> out;
  int64_t start = 0;
  for (int64_t e : ends) {
    ReassociationIndices g;
    for (int64_t i = start; i <= e; ++i)
      g.push_back(i);
    out.push_back(g);
    start = e + 1;
  }
  return out;
}

/// Removes the unit dims `drop` of `v` (each merged into a neighbour group).
Value dropUnitDims(OpBuilder &b, Location loc, Value v,
                   ArrayRef<int64_t> drop) {
  if (drop.empty())
    return v;
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending; // Dropped dims before the first kept one.
  for (int64_t d = 0; d < rank; ++d) {
    if (llvm::is_contained(drop, d)) {
      if (groups.empty())
        pending.push_back(d);
      else
        groups.back().push_back(d);
      continue;
    }
    ReassociationIndices g = pending;
    pending.clear();
    g.push_back(d);
    groups.push_back(g);
  }
  // A rank-0 result has no groups at all.
  return tensor::CollapseShapeOp::create(b, loc, v, groups);
}

/// Zero-filled accumulator of `shape`/`sizes`.
Value zeroInit(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
               ArrayRef<OpFoldResult> sizes, Type acc) {
  return createFilled(b, loc, RankedTensorType::get(shape, acc), sizes,
                      scalarConstant(b, loc, acc, 0.0));
}

} // namespace

/// numpy matmul of `a` and `bm` (converted tensors of rank >= 1, the same
/// element type). The product has element type `outElem`, accumulated in
/// accumulatorType(outElem). Returns a tensor of the inferred static shape.
Type kiln::quantizedOperandType(OpBuilder &b, Type a, Type b2) {
  return a.getIntOrFloatBitWidth() <= 8 && b2.getIntOrFloatBitWidth() <= 8
             ? Type(b.getI16Type())
             : Type(b.getI32Type());
}

Value kiln::widenMinusZeroPoint(OpBuilder &b, Location loc, Value x,
                                Value onnxX, Value zp, Value onnxZp,
                                Type wide) {
  Type from = cast<ShapedType>(onnxX.getType()).getElementType();
  Type zpFrom =
      zp ? cast<ShapedType>(onnxZp.getType()).getElementType() : Type();
  SmallVector<Value> inputs = {x};
  if (zp)
    inputs.push_back(zp);
  auto xT = cast<RankedTensorType>(x.getType());
  return buildElementwise(
      b, loc, xT.clone(wide), inputs,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value v = castScalar(nb, nl, args[0], from, wide);
        if (args.size() > 1)
          v = arith::SubIOp::create(nb, nl, v,
                                    castScalar(nb, nl, args[1], zpFrom, wide));
        return v;
      });
}

Value kiln::buildMatMul(OpBuilder &b, Location loc, Value a, Value bm,
                        Type outElem) {
  MLIRContext *ctx = b.getContext();
  Type acc = accumulatorType(outElem);
  auto aT = cast<RankedTensorType>(a.getType());
  auto bT = cast<RankedTensorType>(bm.getType());
  bool aVec = aT.getRank() == 1, bVec = bT.getRank() == 1;
  // Promote vectors: A [K] -> [1, K], B [K] -> [K, 1].
  if (aVec)
    a = expand(b, loc, a, {1, aT.getDimSize(0)},
               {b.getIndexAttr(1), tensor::getMixedSize(b, loc, a, 0)},
               {{0, 1}});
  if (bVec)
    bm = expand(b, loc, bm, {bT.getDimSize(0), 1},
                {tensor::getMixedSize(b, loc, bm, 0), b.getIndexAttr(1)},
                {{0, 1}});
  aT = cast<RankedTensorType>(a.getType());
  bT = cast<RankedTensorType>(bm.getType());
  int64_t la = aT.getRank() - 2, lb = bT.getRank() - 2;
  int64_t R = std::max(la, lb);

  // Result batch dims (numpy broadcast), static and as sizes.
  SmallVector<int64_t> batch;
  SmallVector<OpFoldResult> batchSizes;
  // Whether each operand's batch dim d is known to equal the result's.
  SmallVector<bool> aFull(R, false), bFull(R, false);
  for (int64_t d = 0; d < R; ++d) {
    int64_t ad = d - (R - la), bd = d - (R - lb);
    int64_t as = ad >= 0 ? aT.getDimSize(ad) : 1;
    int64_t bs = bd >= 0 ? bT.getDimSize(bd) : 1;
    bool aDyn = ShapedType::isDynamic(as), bDyn = ShapedType::isDynamic(bs);
    if (!aDyn && !bDyn) {
      int64_t s = as == 1 ? bs : as;
      batch.push_back(s);
      batchSizes.push_back(b.getIndexAttr(s));
      aFull[d] = ad >= 0 && as == s;
      bFull[d] = bd >= 0 && bs == s;
    } else if (aDyn && bDyn) {
      batch.push_back(ShapedType::kDynamic);
      Value aDim = tensor::DimOp::create(b, loc, a, ad);
      // Dims of one source are equal (attention's batch, through the
      // reshapes and transposes of both operands): nothing broadcasts.
      if (dimSource(a, ad) == dimSource(bm, bd)) {
        batchSizes.push_back(aDim);
        aFull[d] = bFull[d] = true;
        continue;
      }
      Value bDim = tensor::DimOp::create(b, loc, bm, bd);
      batchSizes.push_back(
          arith::MaxUIOp::create(b, loc, aDim, bDim).getResult());
      // Either may be 1 at run time and broadcast.
    } else if (aDyn) {
      bool otherUnit = bs == 1;
      batch.push_back(otherUnit ? ShapedType::kDynamic : bs);
      batchSizes.push_back(otherUnit ? tensor::getMixedSize(b, loc, a, ad)
                                     : b.getIndexAttr(bs));
      aFull[d] = otherUnit;
      bFull[d] = !otherUnit && bd >= 0;
    } else {
      bool otherUnit = as == 1;
      batch.push_back(otherUnit ? ShapedType::kDynamic : as);
      batchSizes.push_back(otherUnit ? tensor::getMixedSize(b, loc, bm, bd)
                                     : b.getIndexAttr(as));
      bFull[d] = otherUnit;
      aFull[d] = !otherUnit && ad >= 0;
    }
  }

  // Classify each operand: `trivial` when it has no batch (all static 1s),
  // else it must be at the result's batch shape, materialized if needed.
  auto prepare = [&](Value v, int64_t l, ArrayRef<bool> full) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    bool trivial = llvm::all_of(t.getShape().drop_back(2),
                                [](int64_t s) { return s == 1; });
    if (trivial) // [1, .., 1, r, c] -> [r, c]
      return collapse(b, loc, v, groupsEndingAt({l, l + 1}));
    if (l == R && llvm::all_of(full, [](bool f) { return f; }))
      return v;
    // Missing leading dims where the result's batch is 1 are unit dims.
    bool onlyLeadingUnits = true;
    for (int64_t d = 0; d < R; ++d)
      onlyLeadingUnits &= full[d] || (d < R - l && batch[d] == 1);
    if (onlyLeadingUnits) {
      SmallVector<int64_t> shape(R - l, 1);
      llvm::append_range(shape, t.getShape());
      SmallVector<OpFoldResult> sizes(R - l, b.getIndexAttr(1));
      llvm::append_range(sizes, tensor::getMixedSizes(b, loc, v));
      SmallVector<ReassociationIndices> groups = {{}};
      for (int64_t d = 0; d < R + 2; ++d) {
        groups.back().push_back(d);
        if (d >= R - l && d != R + 1)
          groups.push_back({});
      }
      return expand(b, loc, v, shape, sizes, groups);
    }
    // Broadcast to [batch..., r, c]. A dim known to broadcast reads index 0;
    // a dynamic dim that may or may not broadcast reads a clamped index.
    SmallVector<int64_t> shape(batch);
    SmallVector<OpFoldResult> sizes(batchSizes);
    for (int64_t i = 0; i < 2; ++i) {
      shape.push_back(t.getDimSize(l + i));
      sizes.push_back(tensor::getMixedSize(b, loc, v, l + i));
    }
    auto outT = RankedTensorType::get(shape, t.getElementType());
    Value empty = createEmpty(b, loc, outT, sizes);
    int64_t rank = R + 2;
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    bool ambiguous = false;
    SmallVector<AffineExpr> exprs;
    for (int64_t sd = 0; sd < t.getRank(); ++sd) {
      int64_t d = sd + (rank - t.getRank());
      bool isBatch = sd < l;
      if (isBatch && t.getDimSize(sd) == 1 && batch[d] != 1)
        exprs.push_back(getAffineConstantExpr(0, ctx));
      else
        exprs.push_back(getAffineDimExpr(d, ctx));
      ambiguous |= isBatch && t.isDynamicDim(sd) && !full[d];
    }
    if (!ambiguous) {
      SmallVector<AffineMap> maps = {
          AffineMap::get(rank, 0, exprs, ctx),
          AffineMap::getMultiDimIdentityMap(rank, ctx)};
      return linalg::GenericOp::create(
                 b, loc, TypeRange{outT}, ValueRange{v}, ValueRange{empty},
                 maps, iters,
                 [](OpBuilder &nb, Location nloc, ValueRange args) {
                   linalg::YieldOp::create(nb, nloc, args[0]);
                 })
          .getResult(0);
    }
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(rank, ctx)};
    return linalg::GenericOp::create(
               b, loc, TypeRange{outT}, ValueRange{}, ValueRange{empty}, maps,
               iters,
               [&](OpBuilder &nb, Location nloc, ValueRange) {
                 Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
                 Value one = arith::ConstantIndexOp::create(nb, nloc, 1);
                 SmallVector<Value> idx;
                 for (int64_t sd = 0; sd < t.getRank(); ++sd) {
                   int64_t d = sd + (rank - t.getRank());
                   Value iv = linalg::IndexOp::create(nb, nloc, d);
                   if (sd < l && t.getDimSize(sd) == 1) {
                     idx.push_back(zero);
                   } else if (sd < l && t.isDynamicDim(sd) && !full[d]) {
                     Value dim = tensor::DimOp::create(nb, nloc, v, sd);
                     Value unit = arith::CmpIOp::create(
                         nb, nloc, arith::CmpIPredicate::eq, dim, one);
                     idx.push_back(
                         arith::SelectOp::create(nb, nloc, unit, zero, iv));
                   } else {
                     idx.push_back(iv);
                   }
                 }
                 linalg::YieldOp::create(
                     nb, nloc,
                     tensor::ExtractOp::create(nb, nloc, v, idx).getResult());
               })
        .getResult(0);
  };
  // Batch dims aligned to the right: pad the flags of the shorter operand.
  SmallVector<bool> aFlags(aFull), bFlags(bFull);
  a = prepare(a, la, aFlags);
  bm = prepare(bm, lb, bFlags);
  aT = cast<RankedTensorType>(a.getType());
  bT = cast<RankedTensorType>(bm.getType());
  bool aBatched = aT.getRank() > 2, bBatched = bT.getRank() > 2;

  int64_t M = aT.getDimSize(aT.getRank() - 2);
  int64_t N = bT.getDimSize(bT.getRank() - 1);
  OpFoldResult mSize = tensor::getMixedSize(b, loc, a, aT.getRank() - 2);
  OpFoldResult nSize = tensor::getMixedSize(b, loc, bm, bT.getRank() - 1);
  SmallVector<int64_t> fullShape(batch);
  fullShape.append({M, N});
  SmallVector<OpFoldResult> fullSizes(batchSizes);
  fullSizes.append({mSize, nSize});

  Value result;
  if (!bBatched) {
    // [batch..., M, K] -> [P*M, K]; the batch folds into the rows.
    SmallVector<ReassociationIndices> rows = groupsEndingAt({R, R + 1});
    Value a2 = aBatched ? collapse(b, loc, a, rows) : a;
    auto a2T = cast<RankedTensorType>(a2.getType());
    IndexMath m{b, loc};
    OpFoldResult rowsSize = mSize;
    for (OpFoldResult s : batchSizes)
      rowsSize = m.mul(rowsSize, s);
    Value init = zeroInit(b, loc, {a2T.getDimSize(0), N},
                          {aBatched ? rowsSize : mSize, nSize}, acc);
    Value mm = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                        ValueRange{a2, bm}, ValueRange{init})
                   .getResult(0);
    mm = truncateTo(b, loc, mm, outElem);
    // Back to [batch..., M, N] (also when the batch is all ones).
    result = expand(b, loc, mm, fullShape, fullSizes, rows);
  } else {
    // [batch..., X, Y] -> [P, X, Y].
    SmallVector<ReassociationIndices> groups =
        groupsEndingAt({R - 1, R, R + 1});
    Value b3 = collapse(b, loc, bm, groups);
    Value a3 = aBatched ? collapse(b, loc, a, groups) : a;
    auto b3T = cast<RankedTensorType>(b3.getType());
    IndexMath m{b, loc};
    OpFoldResult p = m.c(1);
    for (OpFoldResult s : batchSizes)
      p = m.mul(p, s);
    Value init =
        zeroInit(b, loc, {b3T.getDimSize(0), M, N}, {p, mSize, nSize}, acc);
    auto bmm =
        linalg::BatchMatmulOp::create(b, loc, TypeRange{init.getType()},
                                      ValueRange{a3, b3}, ValueRange{init});
    if (!aBatched) {
      // A is shared by every batch: read it through (b, m, n, k) -> (m, k).
      AffineExpr bb, mm, nn, kk;
      bindDims(ctx, bb, mm, nn, kk);
      SmallVector<Attribute> maps = {
          AffineMapAttr::get(AffineMap::get(4, 0, {mm, kk}, ctx)),
          AffineMapAttr::get(AffineMap::get(4, 0, {bb, kk, nn}, ctx)),
          AffineMapAttr::get(AffineMap::get(4, 0, {bb, mm, nn}, ctx))};
      bmm.setIndexingMapsAttr(b.getArrayAttr(maps));
    }
    Value r = truncateTo(b, loc, bmm.getResult(0), outElem);
    result = expand(b, loc, r, fullShape, fullSizes, groups);
  }

  SmallVector<int64_t> drop;
  if (aVec)
    drop.push_back(R);
  if (bVec)
    drop.push_back(R + 1);
  return dropUnitDims(b, loc, result, drop);
}

/// Static shape numpy matmul gives for `a` x `b` (for checking the declared
/// result type before building anything).
std::optional<SmallVector<int64_t>> kiln::matMulShape(RankedTensorType a,
                                                      RankedTensorType b) {
  SmallVector<int64_t> as(a.getShape()), bs(b.getShape());
  bool aVec = as.size() == 1, bVec = bs.size() == 1;
  if (aVec)
    as.insert(as.begin(), 1);
  if (bVec)
    bs.push_back(1);
  int64_t la = as.size() - 2, lb = bs.size() - 2, R = std::max(la, lb);
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < R; ++d) {
    int64_t ad = d - (R - la), bd = d - (R - lb);
    int64_t x = ad >= 0 ? as[ad] : 1, y = bd >= 0 ? bs[bd] : 1;
    if (x == 1)
      out.push_back(y);
    else if (y == 1)
      out.push_back(x);
    else if (ShapedType::isDynamic(x))
      out.push_back(y);
    else if (ShapedType::isDynamic(y) || x == y)
      out.push_back(x);
    else
      return std::nullopt;
  }
  int64_t k1 = as.back(), k2 = bs[bs.size() - 2];
  if (!ShapedType::isDynamic(k1) && !ShapedType::isDynamic(k2) && k1 != k2)
    return std::nullopt;
  if (!aVec)
    out.push_back(as[as.size() - 2]);
  if (!bVec)
    out.push_back(bs.back());
  return out;
}

namespace {

struct MatMulLowering : OpConversionPattern<OnnxMatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto aT = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto bT = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    auto resT = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getY().getType()));
    if (!aT || !bT || !resT)
      return rewriter.notifyMatchFailure(op, "operands must be ranked");
    if (aT.getElementType() != bT.getElementType() ||
        aT.getElementType() != resT.getElementType())
      return rewriter.notifyMatchFailure(op, "element types differ");
    auto shape = matMulShape(aT, bT);
    if (!shape || !isShapeCastCompatible(*shape, resT))
      return rewriter.notifyMatchFailure(
          op, "operand shapes do not multiply to the declared result shape");
    Value y = buildMatMul(rewriter, op.getLoc(), adaptor.getA(), adaptor.getB(),
                          resT.getElementType());
    rewriter.replaceOp(op, castTo(rewriter, op.getLoc(), y, resT));
    return success();
  }
};

/// Y = alpha * A' B' + beta * C with A' = transA ? A^T : A, B' likewise and C
/// broadcast to [M, N]. The transposes are indexing maps of linalg.matmul;
/// the scaling and C go into one elementwise linalg.generic.
struct GemmLowering : OpConversionPattern<OnnxGemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxGemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value a = adaptor.getA(), bm = adaptor.getB(), c = adaptor.getC();
    auto aT = dyn_cast<RankedTensorType>(a.getType());
    auto bT = dyn_cast<RankedTensorType>(bm.getType());
    auto resT = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getY().getType()));
    if (!aT || !bT || !resT || aT.getRank() != 2 || bT.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "A and B must be ranked 2-D");
    Type elem = resT.getElementType();
    if (aT.getElementType() != elem || bT.getElementType() != elem)
      return rewriter.notifyMatchFailure(op, "element types differ");
    bool hasC = !isNoValue(op.getC());
    auto cT = hasC ? dyn_cast<RankedTensorType>(c.getType()) : nullptr;
    if (hasC && (!cT || cT.getRank() > 2 || cT.getElementType() != elem))
      return rewriter.notifyMatchFailure(
          op, "C must be a ranked tensor of rank <= 2 and A's element type");
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    if (isa<IntegerType>(elem) && (alpha != static_cast<int64_t>(alpha) ||
                                   beta != static_cast<int64_t>(beta)))
      return rewriter.notifyMatchFailure(
          op, "non-integral alpha or beta with an integer Gemm");
    bool transA = op.getTransA() != 0, transB = op.getTransB() != 0;
    int64_t mDim = transA ? 1 : 0, kDimA = transA ? 0 : 1;
    int64_t nDim = transB ? 0 : 1, kDimB = transB ? 1 : 0;
    int64_t K1 = aT.getDimSize(kDimA), K2 = bT.getDimSize(kDimB);
    if (!ShapedType::isDynamic(K1) && !ShapedType::isDynamic(K2) && K1 != K2)
      return rewriter.notifyMatchFailure(op, "A and B disagree on K");
    SmallVector<int64_t> shape = {aT.getDimSize(mDim), bT.getDimSize(nDim)};
    if (!isShapeCastCompatible(shape, resT))
      return rewriter.notifyMatchFailure(
          op, "A and B do not give the declared result shape");

    MLIRContext *ctx = rewriter.getContext();
    Type acc = accumulatorType(elem);
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, a, mDim),
        tensor::getMixedSize(rewriter, loc, bm, nDim)};
    Value init = zeroInit(rewriter, loc, shape, sizes, acc);
    auto mm = linalg::MatmulOp::create(rewriter, loc, TypeRange{init.getType()},
                                       ValueRange{a, bm}, ValueRange{init});
    if (transA || transB) {
      AffineExpr m, n, k;
      bindDims(ctx, m, n, k);
      SmallVector<Attribute> maps = {
          AffineMapAttr::get(AffineMap::get(3, 0,
                                            transA ? ArrayRef<AffineExpr>{k, m}
                                                   : ArrayRef<AffineExpr>{m, k},
                                            ctx)),
          AffineMapAttr::get(AffineMap::get(3, 0,
                                            transB ? ArrayRef<AffineExpr>{n, k}
                                                   : ArrayRef<AffineExpr>{k, n},
                                            ctx)),
          AffineMapAttr::get(AffineMap::get(3, 0, {m, n}, ctx))};
      mm.setIndexingMapsAttr(rewriter.getArrayAttr(maps));
    }
    Value y = mm.getResult(0);

    bool useC = hasC && beta != 0.0;
    if (alpha != 1.0 || useC || acc != elem) {
      SmallVector<Value> inputs = {y};
      if (useC)
        inputs.push_back(c);
      bool isFloat = isa<FloatType>(acc);
      y = buildElementwise(
          rewriter, loc, RankedTensorType::get(shape, elem), inputs,
          [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
            auto mul = [&](Value x, Value s) -> Value {
              return isFloat
                         ? arith::MulFOp::create(nb, nloc, x, s).getResult()
                         : arith::MulIOp::create(nb, nloc, x, s).getResult();
            };
            Value r = args[0];
            if (alpha != 1.0)
              r = mul(r, scalarConstant(nb, nloc, acc, alpha));
            if (useC) {
              Value cv = args[1];
              if (cv.getType() != acc)
                cv = arith::ExtFOp::create(nb, nloc, acc, cv);
              if (beta != 1.0)
                cv = mul(cv, scalarConstant(nb, nloc, acc, beta));
              r = isFloat ? arith::AddFOp::create(nb, nloc, r, cv).getResult()
                          : arith::AddIOp::create(nb, nloc, r, cv).getResult();
            }
            if (acc != elem)
              r = arith::TruncFOp::create(nb, nloc, elem, r);
            return r;
          });
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resT));
    return success();
  }
};

/// B - b_zero_point of a MatMulInteger whose B and zero point are
/// constants (a weight, with a scalar or per-column zero point), as a
/// constant of type `wide` (a resource blob, like the importer's weights).
static FailureOr<Value> constantWidened(OpBuilder &b, Location loc,
                                        OnnxMatMulIntegerOp op, Type wide) {
  auto bT = dyn_cast<RankedTensorType>(op.getB().getType());
  if (!bT || !bT.hasStaticShape() || bT.getRank() < 1 ||
      !wide.isInteger(16))
    return failure();
  std::optional<SmallVector<int64_t>> values = getConstantInts(op.getB());
  if (!values || (int64_t)values->size() != bT.getNumElements())
    return failure();
  int64_t n = bT.getShape().back();
  SmallVector<int64_t> zp = {0};
  if (!isNoValue(op.getBZeroPoint())) {
    std::optional<SmallVector<int64_t>> z =
        getConstantInts(op.getBZeroPoint());
    if (!z || (z->size() != 1 && (int64_t)z->size() != n))
      return failure();
    zp = *z;
  }
  SmallVector<int16_t> widened(values->size());
  for (auto [i, v] : llvm::enumerate(*values))
    widened[i] = (int16_t)(v - zp[zp.size() == 1 ? 0 : i % n]);
  ArrayRef<char> bytes(reinterpret_cast<const char *>(widened.data()),
                       widened.size() * sizeof(int16_t));
  return resourceConstant(b, loc, RankedTensorType::get(bT.getShape(), wide),
                          "matmulinteger_b", bytes);
}

/// MatMulInteger: (A - a_zero_point) x (B - b_zero_point) in i32. Both
/// operands are widened (to i16 for 8-bit ones, see quantizedOperandType)
/// with their zero points subtracted by an elementwise generic, or for a
/// constant B at compile time, then multiplied like MatMul.
struct MatMulIntegerLowering : OpConversionPattern<OnnxMatMulIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMatMulIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto aT = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto bT = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    auto resT = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getY().getType()));
    if (!aT || !bT || !resT || !resT.getElementType().isInteger(32))
      return rewriter.notifyMatchFailure(
          op, "operands must be ranked and the result i32");
    auto shape = matMulShape(aT, bT);
    if (!shape || !isShapeCastCompatible(*shape, resT))
      return rewriter.notifyMatchFailure(
          op, "operand shapes do not multiply to the declared result shape");
    Type wide = quantizedOperandType(
        rewriter, cast<ShapedType>(op.getA().getType()).getElementType(),
        cast<ShapedType>(op.getB().getType()).getElementType());

    // Widens `x` (ONNX element type from `onnxX`) minus its zero point.
    auto widen = [&](Value x, Value onnxX, Value zp, Value onnxZp,
                     bool perRow) -> FailureOr<Value> {
      auto xT = cast<RankedTensorType>(x.getType());
      if (!isNoValue(onnxZp)) {
        auto zT = dyn_cast<RankedTensorType>(zp.getType());
        if (!zT)
          return failure();
        // A per-row zero point of a matrix A is a vector of M values: one
        // per row, so it broadcasts along the columns.
        if (perRow && zT.getRank() == 1 && xT.getRank() >= 2)
          zp = *alongAxis(rewriter, loc, zp, 0, 2);
        if (cast<RankedTensorType>(zp.getType()).getRank() > xT.getRank())
          return failure();
      } else {
        zp = Value();
      }
      return widenMinusZeroPoint(rewriter, loc, x, onnxX, zp, onnxZp, wide);
    };
    auto a = widen(adaptor.getA(), op.getA(), adaptor.getAZeroPoint(),
                   op.getAZeroPoint(), true);
    // Constant weights are widened now, not on every run.
    FailureOr<Value> bm = constantWidened(rewriter, loc, op, wide);
    if (failed(bm))
      bm = widen(adaptor.getB(), op.getB(), adaptor.getBZeroPoint(),
                 op.getBZeroPoint(), false);
    if (failed(a) || failed(bm))
      return rewriter.notifyMatchFailure(
          op, "zero points must be ranked and broadcast to their operand");
    Value y = buildMatMul(rewriter, loc, *a, *bm, rewriter.getI32Type());
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resT));
    return success();
  }
};

/// Det: the product of the pivots of an LU factorization with partial
/// pivoting (negated per row swap), one matrix at a time. The batch dims are
/// collapsed into one, walked by an scf.for; the elimination is scf.for
/// loops updating the matrix as a tensor (bufferized in place). A zero pivot
/// means a singular matrix: its column below is all zeros, so the
/// elimination step is skipped (its factors are 0) and the product is 0.
struct DetLowering : OpConversionPattern<OnnxDetOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxDetOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xT = dyn_cast<RankedTensorType>(x.getType());
    auto resT = resultTypeOf(*this, op);
    if (!xT || !resT || xT.getRank() < 2)
      return rewriter.notifyMatchFailure(
          op, "X must be a ranked tensor of rank >= 2");
    Type elem = xT.getElementType();
    if (!isa<FloatType>(elem) || resT.getElementType() != elem)
      return rewriter.notifyMatchFailure(op, "X and Y must be one float type");
    int64_t r = xT.getRank();
    int64_t n1 = xT.getDimSize(r - 2), n2 = xT.getDimSize(r - 1);
    if (!ShapedType::isDynamic(n1) && !ShapedType::isDynamic(n2) && n1 != n2)
      return rewriter.notifyMatchFailure(op, "X's matrices must be square");
    if (!isShapeCastCompatible(xT.getShape().drop_back(2), resT))
      return rewriter.notifyMatchFailure(
          op, "the declared result shape is not X's batch shape");

    // [b..., n, n] -> [B, n, n].
    IndexMath m{rewriter, loc};
    SmallVector<OpFoldResult> batchSizes;
    OpFoldResult total = m.c(1);
    for (int64_t d = 0; d < r - 2; ++d) {
      batchSizes.push_back(tensor::getMixedSize(rewriter, loc, x, d));
      total = m.mul(total, batchSizes.back());
    }
    SmallVector<ReassociationIndices> groups =
        groupsEndingAt({r - 3, r - 2, r - 1});
    Value x3;
    if (r == 2) {
      x3 = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({1, n1, n2}, elem), x,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}},
          ArrayRef<OpFoldResult>{m.c(1),
                                 tensor::getMixedSize(rewriter, loc, x, 0),
                                 tensor::getMixedSize(rewriter, loc, x, 1)});
    } else {
      x3 = collapse(rewriter, loc, x, groups);
    }
    int64_t B = getConstantIntValue(total).value_or(ShapedType::kDynamic);
    Value dets =
        createEmpty(rewriter, loc, RankedTensorType::get({B}, elem), {total});
    Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
    Value n = tensor::DimOp::create(rewriter, loc, x3, 1);
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, m.value(total), one, ValueRange{dets},
        [&](OpBuilder &b, Location l, Value bi, ValueRange args) {
          Value det = determinant(b, l, x3, bi, n, elem);
          Value out = tensor::InsertOp::create(b, l, det, args[0], bi);
          scf::YieldOp::create(b, l, out);
        });
    Value y = loop.getResult(0);
    if (r == 2)
      y = tensor::CollapseShapeOp::create(rewriter, loc,
                                          RankedTensorType::get({}, elem), y,
                                          ArrayRef<ReassociationIndices>{});
    else if (r > 3)
      y = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get(xT.getShape().drop_back(2), elem), y,
          ArrayRef<ReassociationIndices>{groups[0]}, batchSizes);
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resT));
    return success();
  }

private:
  /// Determinant of matrix `bi` of `x3` [B, n, n], as `elem`.
  static Value determinant(OpBuilder &b, Location loc, Value x3, Value bi,
                           Value n, Type elem) {
    Type acc = accumulatorType(elem);
    Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
    // The working copy [n, n] in the accumulator type.
    auto matT = RankedTensorType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic}, elem);
    Value mat = tensor::ExtractSliceOp::create(
        b, loc, matT, x3,
        ArrayRef<OpFoldResult>{bi, b.getIndexAttr(0), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), n, n},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                               b.getIndexAttr(1)});
    if (acc != elem)
      mat = buildElementwise(
          b, loc, matT.clone(acc), ValueRange{mat},
          [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
            return arith::ExtFOp::create(nb, nl, acc, args[0]);
          });
    Value accZero = scalarConstant(b, loc, acc, 0.0);
    auto outer = scf::ForOp::create(
        b, loc, zero, n, one, ValueRange{mat, scalarConstant(b, loc, acc, 1.0)},
        [&](OpBuilder &b, Location l, Value k, ValueRange args) {
          Value a = args[0], det = args[1];
          Value k1 = arith::AddIOp::create(b, l, k, one);
          // The pivot: the row at or below k with the largest |A[i, k]|.
          Value diag = tensor::ExtractOp::create(b, l, a, ValueRange{k, k});
          auto search = scf::ForOp::create(
              b, l, k1, n, one,
              ValueRange{k, math::AbsFOp::create(b, l, diag).getResult()},
              [&](OpBuilder &b, Location l, Value i, ValueRange best) {
                Value v = math::AbsFOp::create(
                    b, l, tensor::ExtractOp::create(b, l, a, ValueRange{i, k}));
                Value gt = arith::CmpFOp::create(
                    b, l, arith::CmpFPredicate::OGT, v, best[1]);
                scf::YieldOp::create(
                    b, l,
                    ValueRange{arith::SelectOp::create(b, l, gt, i, best[0]),
                               arith::SelectOp::create(b, l, gt, v, best[1])});
              });
          Value p = search.getResult(0);
          // Swap rows k and p (a no-op when p == k).
          auto swap = scf::ForOp::create(
              b, l, zero, n, one, ValueRange{a},
              [&](OpBuilder &b, Location l, Value j, ValueRange s) {
                Value rk =
                    tensor::ExtractOp::create(b, l, s[0], ValueRange{k, j});
                Value rp =
                    tensor::ExtractOp::create(b, l, s[0], ValueRange{p, j});
                Value t =
                    tensor::InsertOp::create(b, l, rp, s[0], ValueRange{k, j});
                t = tensor::InsertOp::create(b, l, rk, t, ValueRange{p, j});
                scf::YieldOp::create(b, l, t);
              });
          a = swap.getResult(0);
          Value swapped =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, p, k);
          det = arith::SelectOp::create(b, l, swapped,
                                        arith::NegFOp::create(b, l, det), det);
          Value piv = tensor::ExtractOp::create(b, l, a, ValueRange{k, k});
          det = arith::MulFOp::create(b, l, det, piv);
          Value singular = arith::CmpFOp::create(
              b, l, arith::CmpFPredicate::OEQ, piv, accZero);
          // Eliminate below the pivot.
          auto rows = scf::ForOp::create(
              b, l, k1, n, one, ValueRange{a},
              [&](OpBuilder &b, Location l, Value i, ValueRange ra) {
                Value f = arith::DivFOp::create(
                    b, l,
                    tensor::ExtractOp::create(b, l, ra[0], ValueRange{i, k}),
                    piv);
                f = arith::SelectOp::create(b, l, singular, accZero, f);
                auto cols = scf::ForOp::create(
                    b, l, k1, n, one, ValueRange{ra[0]},
                    [&](OpBuilder &b, Location l, Value j, ValueRange ca) {
                      Value akj = tensor::ExtractOp::create(b, l, ca[0],
                                                            ValueRange{k, j});
                      Value aij = tensor::ExtractOp::create(b, l, ca[0],
                                                            ValueRange{i, j});
                      Value v = arith::SubFOp::create(
                          b, l, aij, arith::MulFOp::create(b, l, f, akj));
                      scf::YieldOp::create(b, l,
                                           tensor::InsertOp::create(
                                               b, l, v, ca[0], ValueRange{i, j})
                                               .getResult());
                    });
                scf::YieldOp::create(b, l, cols.getResult(0));
              });
          scf::YieldOp::create(b, l, ValueRange{rows.getResult(0), det});
        });
    Value det = outer.getResult(1);
    if (acc != elem)
      det = arith::TruncFOp::create(b, loc, elem, det);
    return det;
  }
};

} // namespace

void kiln::populateLinearAlgebraPatterns(TypeConverter &tc,
                                         RewritePatternSet &patterns) {
  patterns
      .add<MatMulLowering, GemmLowering, MatMulIntegerLowering, DetLowering>(
          tc, patterns.getContext());
}
