//===- FuseAttention.cpp - The exporters' attention into one op -----------===//
//
// EXTENDED level, CPU provider. Exporters spell scaled dot-product
// attention as
//
//   s = MatMul(Q, K^T)            [B, H, Sq, Skv]
//   s = Mul(s, c) | Div(s, c)     optional, c a scalar constant
//   s = Add(s, mask) | Where(bool mask, s, fill)     optional
//   y = MatMul(Softmax(s, axis = -1), V)
//
// each node a kernel with its own Sq x Skv tensor, and the heads'
// Transposes around it copies of their own. kiln.attention computes the
// whole chain per block of query rows with an online softmax, and reads Q,
// K and V through the Transposes of the head split ([B, S, H, D] -> [B, H,
// S, D]) and writes its result through the merge's: its *_dims attributes
// say where each logical dim lies. Only f32 and rank-4 operands; every
// intermediate must have no other user.
//
// ONNX's own Attention (opset 23) arrives as its function body: its mask
// made additive (a bool one as Where(keep, 0, -inf), is_causal's as
// Where(later, -inf, 0), none as zeros), read back here as what it was made
// of, and after the Softmax Where(Equal(ReduceMax(mask), -inf), 0, p),
// which becomes kiln.attention's zero_masked_rows.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/transforms/GraphUtils.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace kiln {
#define GEN_PASS_DEF_ONNXFUSEATTENTIONPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// A rank-`rank` f32 tensor.
bool isF32Rank(Value v, int64_t rank) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() == rank && t.getElementType().isF32();
}

/// `v` times the splat constant of a single-use Mul producing it: the
/// other factor (and `scale` multiplied), or v.
Value peelScale(Value v, double &scale) {
  auto mul = getSingleUseDef<OnnxMulOp>(v);
  if (!mul)
    return v;
  Value other = mul.getA();
  std::optional<double> c = getSplatFloat(mul.getB());
  if (!c) {
    other = mul.getB();
    c = getSplatFloat(mul.getA());
  }
  if (!c || other.getType() != v.getType())
    return v;
  scale *= *c;
  return other;
}

/// The permutation of `transpose` (its default reverses the dims).
SmallVector<int64_t> permOf(OnnxTransposeOp transpose, int64_t rank) {
  SmallVector<int64_t> perm;
  if (auto attr = transpose.getPermAttr())
    for (Attribute a : attr)
      perm.push_back(cast<IntegerAttr>(a).getInt());
  else
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  return perm;
}

/// An operand of kiln.attention: the value read and where its logical
/// (batch, head, sequence, feature) dims lie; of rank 3, it has no batch
/// dim (-1) until `withBatch` gives it one.
struct Operand {
  Value value;
  SmallVector<int64_t> dims;
};

/// `v`, whose dims in order are the logical dims `order` names (the last
/// three, or all four), read through the Transpose producing it when that
/// keeps the feature dim last (the head split of a projection).
Operand readThrough(Value v, ArrayRef<int64_t> order) {
  const int64_t rank = order.size();
  Operand o{v, SmallVector<int64_t>(4, -1)};
  for (int64_t d = 0; d < rank; ++d)
    o.dims[order[d]] = d;
  if (auto transpose = v.getDefiningOp<OnnxTransposeOp>()) {
    Value input = transpose.getData();
    SmallVector<int64_t> perm = permOf(transpose, rank);
    if (isF32Rank(input, rank) && (int64_t)perm.size() == rank &&
        perm[o.dims[3]] == rank - 1) {
      Operand through{input, SmallVector<int64_t>(4, -1)};
      for (int64_t l = 4 - rank; l < 4; ++l)
        through.dims[l] = perm[o.dims[l]];
      return through;
    }
  }
  return o;
}

/// Whether dims `a` and `b` are known equal or both symbolic.
bool sameDim(int64_t a, int64_t b) {
  return a == b || (ShapedType::isDynamic(a) && ShapedType::isDynamic(b));
}

/// K or V [B, H, S, D] in its logical layout as the exporters' repeat_kv
/// makes it from x [B, Hkv, S, D] for grouped-query attention,
/// Reshape(Expand(Unsqueeze(x, axes = [2]), [B, Hkv, g, S, D]),
/// [B, Hkv * g, S, D]), is read as x: kiln.attention shares each of x's
/// heads between g query heads without the copy.
void readThroughRepeat(Operand &o) {
  if (o.dims != SmallVector<int64_t>{0, 1, 2, 3})
    return;
  auto reshape = o.value.getDefiningOp<OnnxReshapeOp>();
  auto expand =
      reshape ? reshape.getData().getDefiningOp<OnnxExpandOp>() : nullptr;
  auto unsqueeze =
      expand ? expand.getInput().getDefiningOp<OnnxUnsqueezeOp>() : nullptr;
  if (!unsqueeze)
    return;
  Value x = unsqueeze.getData();
  auto axes = readIntConstant(unsqueeze.getAxes());
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  auto eType = dyn_cast<RankedTensorType>(expand.getType());
  auto rType = cast<RankedTensorType>(o.value.getType());
  if (!axes || *axes != SmallVector<int64_t>{2} || !isF32Rank(x, 4) ||
      !eType || eType.getRank() != 5)
    return;
  for (auto [e, xd] : {std::pair{0, 0}, {1, 1}, {3, 2}, {4, 3}})
    if (!sameDim(eType.getDimSize(e), xType.getDimSize(xd)))
      return;
  for (int64_t d : {0, 2, 3})
    if (!sameDim(rType.getDimSize(d), xType.getDimSize(d)))
      return;
  int64_t heads = rType.getDimSize(1), kvHeads = xType.getDimSize(1);
  if (!ShapedType::isDynamic(heads) && !ShapedType::isDynamic(kvHeads) &&
      (kvHeads == 0 || heads % kvHeads != 0))
    return;
  o = readThrough(x, {0, 1, 2, 3});
}

/// Whether `v` is zero everywhere: a splat 0 constant, or a ConstantOfShape
/// of 0 (ONNX's Attention adds such a mask when it has none).
bool isZeros(Value v) {
  if (std::optional<double> c = getSplatFloat(v))
    return *c == 0.0;
  auto fill = v.getDefiningOp<OnnxConstantOfShapeOp>();
  if (!fill)
    return false;
  auto value = dyn_cast_or_null<DenseElementsAttr>(fill.getValueAttr());
  if (!value)
    return !fill.getValueAttr(); // its default, a float 0
  return value.isSplat() && isa<FloatType>(value.getElementType()) &&
         value.getSplatValue<APFloat>().isZero();
}

/// The additive mask `m` of ONNX's Attention read as what it was made of:
/// none for zeros; `a` for zeros + a; for Where(c, 0, -inf) the bool mask c
/// (and Not(c) for Where(c, -inf, 0), a causal mask's Less: `invert`), with
/// fill -inf, which the kernel reads as bytes and skips the keys past the
/// last one a tile keeps. Creates nothing.
struct MaskRead {
  Value value;
  bool isBool = false, invert = false;
};
MaskRead readAdditiveMask(Value m) {
  if (isZeros(m))
    return {};
  if (auto add = m.getDefiningOp<OnnxAddOp>()) {
    Value a = add.getA(), b = add.getB();
    if (isZeros(a) && b.getType() == m.getType())
      m = b;
    else if (isZeros(b) && a.getType() == m.getType())
      m = a;
  }
  auto where = m.getDefiningOp<OnnxWhereOp>();
  if (!where)
    return {m};
  std::optional<double> x = getSplatFloat(where.getX());
  std::optional<double> y = getSplatFloat(where.getY());
  const double ninf = -std::numeric_limits<double>::infinity();
  auto type = cast<RankedTensorType>(where.getType());
  if (!x || !y ||
      where.getCondition().getType() != type.clone(IntegerType::get(
                                            type.getContext(), 1)))
    return {m};
  if (*x == 0.0 && *y == ninf)
    return {where.getCondition(), true, false};
  if (*x == ninf && *y == 0.0)
    return {where.getCondition(), true, true};
  return {m};
}

/// The mask whose entirely removed rows `where` sets to 0 after the
/// Softmax, as ONNX's Attention does:
/// Where(Equal(ReduceMax(mask, axes = [-1], keepdims), -inf), 0, p).
Value maskOfZeroedRows(OnnxWhereOp where) {
  std::optional<double> zero = getSplatFloat(where.getX());
  auto equal = where.getCondition().getDefiningOp<OnnxEqualOp>();
  if (!zero || *zero != 0.0 || !equal)
    return Value();
  Value a = equal.getA(), b = equal.getB();
  std::optional<double> c = getSplatFloat(b);
  if (!c) {
    std::swap(a, b);
    c = getSplatFloat(b);
  }
  auto reduce = a.getDefiningOp<OnnxReduceMaxOp>();
  if (!c || *c != -std::numeric_limits<double>::infinity() || !reduce ||
      !reduce.getKeepdims())
    return Value();
  auto type = dyn_cast<RankedTensorType>(reduce.getData().getType());
  auto axes = readIntConstant(reduce.getAxes());
  if (!type || !axes || axes->size() != 1 ||
      ((*axes)[0] != -1 && (*axes)[0] != type.getRank() - 1))
    return Value();
  return reduce.getData();
}

/// The axes [0]: the batch dim rank-3 operands are given and the result
/// loses again.
Value batchAxis(PatternRewriter &rewriter, Location loc) {
  auto type = RankedTensorType::get({1}, rewriter.getI64Type());
  return OnnxConstantOp::create(
             rewriter, loc, TypeRange{type}, ValueRange{},
             ArrayRef<NamedAttribute>{rewriter.getNamedAttr(
                 "value", DenseElementsAttr::get(type, ArrayRef<int64_t>{0}))})
      ->getResult(0);
}

/// A rank-3 operand as rank 4: Unsqueeze (a view once lowered) adds the
/// batch dim in front.
void withBatch(PatternRewriter &rewriter, Location loc, Operand &o) {
  if (o.dims[0] >= 0)
    return;
  auto type = cast<RankedTensorType>(o.value.getType());
  SmallVector<int64_t> shape = {1};
  shape.append(type.getShape().begin(), type.getShape().end());
  o.value = OnnxUnsqueezeOp::create(
                rewriter, loc, TypeRange{type.clone(shape)},
                ValueRange{o.value, batchAxis(rewriter, loc)},
                ArrayRef<NamedAttribute>{})
                ->getResult(0);
  for (int64_t l = 1; l < 4; ++l)
    o.dims[l] += 1;
  o.dims[0] = 0;
}

struct FuseAttention : OpRewritePattern<OnnxMatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(OnnxMatMulOp pv,
                                PatternRewriter &rewriter) const override {
    auto fail = [&](const char *why) {
      return rewriter.notifyMatchFailure(pv, why);
    };
    // ONNX's Attention zeroes, after the Softmax, the rows its mask
    // removes entirely.
    Value probs = pv.getA();
    Value zeroedRowsOf;
    if (auto where = getSingleUseDef<OnnxWhereOp>(probs))
      if ((zeroedRowsOf = maskOfZeroedRows(where)))
        probs = where.getY();
    auto softmax = getSingleUseDef<OnnxSoftmaxOp>(probs);
    if (!softmax)
      return fail("not a product of a Softmax");
    Value s = softmax.getInput();
    auto sType = dyn_cast<RankedTensorType>(s.getType());
    const int64_t rank = sType ? sType.getRank() : 0;
    if ((rank != 3 && rank != 4) || !isF32Rank(s, rank) ||
        !isF32Rank(pv.getB(), rank) || !isF32Rank(pv.getY(), rank))
      return fail("not rank-3 or rank-4 f32 attention");
    int64_t axis = softmax.getAxis();
    if (axis != -1 && axis != rank - 1)
      return fail("Softmax not along the keys");
    auto scoresType = cast<RankedTensorType>(s.getType());

    // The mask: Add(s, m) in either order, or Where(m, s, fill).
    Value mask;
    FloatAttr fill;
    Operation *maskOp = s.hasOneUse() ? s.getDefiningOp() : nullptr;
    auto isScores = [](Value v) {
      if (!v.hasOneUse())
        return false;
      Operation *def = v.getDefiningOp();
      return isa_and_nonnull<OnnxMatMulOp, OnnxMulOp, OnnxDivOp>(def);
    };
    auto broadcastsToScores = [&](Value m) {
      auto t = dyn_cast<RankedTensorType>(m.getType());
      if (!t || t.getRank() > 4)
        return false;
      if (t.getRank() > rank)
        return false;
      for (int64_t d = 0; d < t.getRank(); ++d) {
        int64_t md = t.getDimSize(d),
                sd = scoresType.getDimSize(rank - t.getRank() + d);
        if (!ShapedType::isDynamic(md) && md != 1 &&
            !ShapedType::isDynamic(sd) && md != sd)
          return false;
        // A mask dim the scores broadcast to would widen the result.
        if (sd == 1 && md != 1)
          return false;
      }
      return true;
    };
    if (auto add = dyn_cast_or_null<OnnxAddOp>(maskOp)) {
      Value a = add.getA(), b = add.getB();
      if (isScores(b) && !isScores(a))
        std::swap(a, b);
      if (isScores(a) && a.getType() == s.getType() && broadcastsToScores(b) &&
          cast<RankedTensorType>(b.getType()).getElementType().isF32()) {
        mask = b;
        s = a;
      }
    } else if (auto where = dyn_cast_or_null<OnnxWhereOp>(maskOp)) {
      std::optional<double> f = getSplatFloat(where.getY());
      auto condType = dyn_cast<RankedTensorType>(where.getCondition().getType());
      if (f && condType && condType.getElementType().isInteger(1) &&
          isScores(where.getX()) && where.getX().getType() == s.getType() &&
          broadcastsToScores(where.getCondition())) {
        mask = where.getCondition();
        fill = rewriter.getF32FloatAttr(static_cast<float>(*f));
        s = where.getX();
      }
    }

    // The scale: Mul(s, c), Mul(c, s) or Div(s, c).
    double scale = 1.0;
    Value scaled = s;
    s = peelScale(s, scale);
    if (auto div = s == scaled ? getSingleUseDef<OnnxDivOp>(s) : nullptr) {
      std::optional<double> c = getSplatFloat(div.getB());
      if (c && *c != 0.0 && div.getA().getType() == s.getType()) {
        scale = 1.0 / *c;
        s = div.getA();
      }
    }
    auto qk = getSingleUseDef<OnnxMatMulOp>(s);
    if (!qk || !isF32Rank(qk.getA(), rank) || !isF32Rank(qk.getB(), rank))
      return fail("scores are not an f32 MatMul of the same rank");
    if (qk.getY().getType() != scoresType && mask)
      return fail("the mask changes the scores' type");
    if (zeroedRowsOf && (zeroedRowsOf != mask || fill))
      return fail("rows zeroed after the Softmax by another mask");

    // Named after the nodes it fuses (the profiler's kernel names).
    SmallVector<Location> locs = {qk.getLoc()};
    if (mask)
      locs.push_back(maskOp->getLoc());
    locs.append({softmax.getLoc(), pv.getLoc()});
    Location loc = rewriter.getFusedLoc(locs);
    bool zeroMaskedRows = false;
    if (mask && !fill) {
      MaskRead read = readAdditiveMask(mask);
      mask = read.value;
      const float ninf = -std::numeric_limits<float>::infinity();
      if (read.isBool)
        fill = rewriter.getF32FloatAttr(ninf);
      if (read.invert) {
        rewriter.setInsertionPoint(qk);
        mask = OnnxNotOp::create(rewriter, loc, TypeRange{mask.getType()},
                                 ValueRange{mask}, ArrayRef<NamedAttribute>{})
                   ->getResult(0);
      }
      // A mask of zeros removes no row.
      zeroMaskedRows = zeroedRowsOf && mask;
    }
    // Scalar factors on Q or K^T (ONNX's Attention scales both by
    // scale^1/2) join the scale.
    Value qValue = peelScale(qk.getA(), scale);
    Value ktValue = peelScale(qk.getB(), scale);
    // Logical dims of each operand dim: Q and V (batch, head, row,
    // feature), K^T (batch, head, feature, key); rank 3 has no batch.
    auto order = [&](ArrayRef<int64_t> four) {
      return SmallVector<int64_t>(four.drop_front(4 - rank));
    };
    Operand q = readThrough(qValue, order({0, 1, 2, 3}));
    Operand k = readThrough(ktValue, order({0, 1, 3, 2}));
    if (rank == 4)
      readThroughRepeat(k);
    if (k.dims[3] != rank - 1) {
      // K^T computed some other way: its transpose, which the graph's
      // Transpose lowering copies.
      auto kType = cast<RankedTensorType>(ktValue.getType());
      SmallVector<int64_t> perm, shape;
      for (int64_t d = 0; d < rank; ++d)
        perm.push_back(d < rank - 2 ? d : 2 * rank - 3 - d);
      for (int64_t d : perm)
        shape.push_back(kType.getDimSize(d));
      rewriter.setInsertionPoint(qk);
      k.value = OnnxTransposeOp::create(rewriter, loc, kType.clone(shape),
                                        ktValue, rewriter.getI64ArrayAttr(perm));
      for (int64_t l = 4 - rank; l < 4; ++l)
        k.dims[l] = l - (4 - rank);
    }
    Operand v = readThrough(pv.getB(), order({0, 1, 2, 3}));
    if (rank == 4)
      readThroughRepeat(v);

    // The result, through the heads' merge when that is its only user.
    Value replaced = pv.getY();
    SmallVector<int64_t> resultDims = {0, 1, 2, 3};
    if (rank == 4 && replaced.hasOneUse())
      if (auto merge = dyn_cast<OnnxTransposeOp>(*replaced.getUsers().begin())) {
        SmallVector<int64_t> perm = permOf(merge, 4);
        if (isF32Rank(merge.getTransposed(), 4) && perm.size() == 4 &&
            perm[3] == 3) {
          for (int64_t d = 0; d < 4; ++d)
            resultDims[perm[d]] = d;
          replaced = merge.getTransposed();
        }
      }
    rewriter.setInsertionPoint(replaced.getDefiningOp());
    for (Operand *o : {&q, &k, &v})
      withBatch(rewriter, loc, *o);
    auto replacedType = cast<RankedTensorType>(replaced.getType());
    RankedTensorType resultType = replacedType;
    if (rank == 3) {
      SmallVector<int64_t> shape = {1};
      shape.append(replacedType.getShape().begin(),
                   replacedType.getShape().end());
      resultType = replacedType.clone(shape);
    }
    auto attention = codegen::AttentionOp::create(
        rewriter, loc, resultType, q.value, k.value, v.value, mask,
        /*output=*/Value(), rewriter.getF32FloatAttr(static_cast<float>(scale)),
        fill, rewriter.getDenseI64ArrayAttr(q.dims),
        rewriter.getDenseI64ArrayAttr(k.dims),
        rewriter.getDenseI64ArrayAttr(v.dims),
        rewriter.getDenseI64ArrayAttr(resultDims),
        zeroMaskedRows ? rewriter.getUnitAttr() : UnitAttr());
    Value result = attention.getResult();
    if (rank == 3)
      result = OnnxSqueezeOp::create(rewriter, loc, TypeRange{replacedType},
                                     ValueRange{result,
                                                batchAxis(rewriter, loc)},
                                     ArrayRef<NamedAttribute>{})
                   ->getResult(0);
    rewriter.replaceAllUsesWith(replaced, result);
    // The chain is dead now; the driver erases it.
    rewriter.eraseOp(replaced.getDefiningOp());
    return success();
  }
};

struct OnnxFuseAttentionPass
    : kiln::impl::OnnxFuseAttentionPassBase<OnnxFuseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttention>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
