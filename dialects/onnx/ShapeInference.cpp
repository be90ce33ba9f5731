//===- ShapeInference.cpp - Result types from operand types ---------------===//
//
// The importer takes its types from ONNX's own shape inference. These shape
// functions re-derive them inside MLIR, so types stay right after passes
// change operands (shape overrides, constant folding, fusions). A `?` dim is
// a symbolic dim: it propagates, and it never contradicts a fixed dim.
//
//===----------------------------------------------------------------------===//

#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/ShapeInferenceUtils.h"

using namespace mlir;
using namespace kiln::onnx_ir;

namespace kiln::onnx_ir {

std::optional<SmallVector<int64_t>>
broadcastShapes(ArrayRef<SmallVector<int64_t>> shapes) {
  size_t rank = 0;
  for (auto &s : shapes)
    rank = std::max(rank, s.size());
  SmallVector<int64_t> out(rank, 1);
  for (auto &s : shapes) {
    size_t lead = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t d = s[i], &o = out[lead + i];
      if (d == 1)
        continue;
      if (o == 1) {
        o = d;
      } else if (ShapedType::isDynamic(d) || ShapedType::isDynamic(o)) {
        // Either side may be 1 at run time; only a fixed non-1 dim wins.
        if (!ShapedType::isDynamic(d))
          o = d;
      } else if (o != d) {
        return std::nullopt;
      }
    }
  }
  return out;
}

LogicalResult refineResultType(Operation *op, unsigned idx, Type newType) {
  Value result = op->getResult(idx);
  Type old = result.getType();
  if (old == newType)
    return failure();
  auto newT = dyn_cast<RankedTensorType>(newType);
  if (!newT)
    return failure();
  if (auto oldT = dyn_cast<RankedTensorType>(old)) {
    if (oldT.getRank() != newT.getRank() ||
        oldT.getElementType() != newT.getElementType())
      return op->emitOpError() << "inferred type " << newType
                               << " contradicts the declared type " << old;
    SmallVector<int64_t> merged;
    for (auto [a, b] : llvm::zip(oldT.getShape(), newT.getShape())) {
      if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b)
        return op->emitOpError() << "inferred type " << newType
                                 << " contradicts the declared type " << old;
      merged.push_back(ShapedType::isDynamic(a) ? b : a);
    }
    newT = RankedTensorType::get(merged, newT.getElementType());
    if (newT == oldT)
      return failure();
  } else if (!isa<UnrankedTensorType, NoneType>(old)) {
    return failure();
  }
  result.setType(newT);
  return success();
}

} // namespace kiln::onnx_ir

namespace {
RankedTensorType ranked(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

/// Unary elementwise: same shape as the first operand.
LogicalResult inferSameShape(Operation *op, Type elemOverride = {}) {
  auto in = ranked(op->getOperand(0));
  if (!in)
    return failure();
  Type elem = elemOverride ? elemOverride : in.getElementType();
  return refineResultType(op, 0, RankedTensorType::get(in.getShape(), elem));
}

/// N-ary broadcasting; `elemFrom` picks the operand giving the element type.
LogicalResult inferBroadcast(Operation *op, Type elemOverride = {},
                             unsigned elemFrom = 0) {
  SmallVector<SmallVector<int64_t>> shapes;
  for (Value v : op->getOperands()) {
    auto t = ranked(v);
    if (!t)
      return failure();
    shapes.emplace_back(t.getShape());
  }
  auto out = kiln::onnx_ir::broadcastShapes(shapes);
  if (!out)
    return op->emitOpError() << "operands are not broadcastable";
  Type elem = elemOverride ? elemOverride
                           : ranked(op->getOperand(elemFrom)).getElementType();
  return refineResultType(op, 0, RankedTensorType::get(*out, elem));
}
} // namespace

// Generates the trivial shape functions of the elementwise ops.
#define SAME_SHAPE(OP)                                                         \
  LogicalResult OP::inferShapes() { return inferSameShape(*this); }
#define BROADCAST(OP)                                                          \
  LogicalResult OP::inferShapes() { return inferBroadcast(*this); }
#define COMPARE(OP)                                                            \
  LogicalResult OP::inferShapes() {                                            \
    return inferBroadcast(*this, IntegerType::get(getContext(), 1));           \
  }

// The ops whose (first) result has the shape of their first operand.
#define KILN_SAME_SHAPE_OPS(X)                                                 \
  X(OnnxAbsOp)                                                                 \
  X(OnnxAcosOp)                                                                \
  X(OnnxAcoshOp)                                                               \
  X(OnnxAsinOp)                                                                \
  X(OnnxAsinhOp)                                                               \
  X(OnnxAtanOp)                                                                \
  X(OnnxAtanhOp)                                                               \
  X(OnnxCeilOp)                                                                \
  X(OnnxCeluOp)                                                                \
  X(OnnxCosOp)                                                                 \
  X(OnnxCoshOp)                                                                \
  X(OnnxEluOp)                                                                 \
  X(OnnxErfOp)                                                                 \
  X(OnnxExpOp)                                                                 \
  X(OnnxFloorOp)                                                               \
  X(OnnxGeluOp)                                                                \
  X(OnnxHardSigmoidOp)                                                         \
  X(OnnxHardSwishOp)                                                           \
  X(OnnxIdentityOp)                                                            \
  X(OnnxLeakyReluOp)                                                           \
  X(OnnxLogOp)                                                                 \
  X(OnnxMishOp)                                                                \
  X(OnnxNegOp)                                                                 \
  X(OnnxNotOp)                                                                 \
  X(OnnxReciprocalOp)                                                          \
  X(OnnxReluOp)                                                                \
  X(OnnxRoundOp)                                                               \
  X(OnnxSeluOp)                                                                \
  X(OnnxShrinkOp)                                                              \
  X(OnnxSigmoidOp)                                                             \
  X(OnnxSignOp)                                                                \
  X(OnnxSinOp)                                                                 \
  X(OnnxSinhOp)                                                                \
  X(OnnxSoftplusOp)                                                            \
  X(OnnxSoftsignOp)                                                            \
  X(OnnxSqrtOp)                                                                \
  X(OnnxTanOp)                                                                 \
  X(OnnxTanhOp)                                                                \
  X(OnnxThresholdedReluOp)                                                     \
  X(OnnxClipOp)                                                                \
  X(OnnxSoftmaxOp)                                                             \
  X(OnnxLogSoftmaxOp)                                                          \
  X(OnnxHardmaxOp)                                                             \
  X(OnnxLRNOp)                                                                 \
  X(OnnxBitwiseNotOp)                                                          \
  X(OnnxBatchNormalizationOp)                                                  \
  X(OnnxLayerNormalizationOp)

KILN_SAME_SHAPE_OPS(SAME_SHAPE)

BROADCAST(OnnxAddOp)
BROADCAST(OnnxSubOp)
BROADCAST(OnnxMulOp)
BROADCAST(OnnxDivOp)
BROADCAST(OnnxPowOp)
BROADCAST(OnnxModOp)
BROADCAST(OnnxBitShiftOp)
BROADCAST(OnnxBitwiseAndOp)
BROADCAST(OnnxBitwiseOrOp)
BROADCAST(OnnxBitwiseXorOp)
BROADCAST(OnnxPReluOp)
BROADCAST(OnnxMaxOp)
BROADCAST(OnnxMinOp)
BROADCAST(OnnxSumOp)
BROADCAST(OnnxMeanOp)

COMPARE(OnnxEqualOp)
COMPARE(OnnxLessOp)
COMPARE(OnnxLessOrEqualOp)
COMPARE(OnnxGreaterOp)
COMPARE(OnnxGreaterOrEqualOp)
COMPARE(OnnxAndOp)
COMPARE(OnnxOrOp)
COMPARE(OnnxXorOp)

#undef SAME_SHAPE
#undef BROADCAST
#undef COMPARE

bool kiln::onnx_ir::keepsShapeOfFirstOperand(Operation *op) {
#define KILN_ISA(OP) OP,
  return isa<KILN_SAME_SHAPE_OPS(KILN_ISA) OnnxIsInfOp, OnnxIsNaNOp, OnnxCastOp,
             OnnxCastLikeOp>(op);
#undef KILN_ISA
}
#undef KILN_SAME_SHAPE_OPS

LogicalResult OnnxIsInfOp::inferShapes() {
  return inferSameShape(*this, IntegerType::get(getContext(), 1));
}
LogicalResult OnnxIsNaNOp::inferShapes() {
  return inferSameShape(*this, IntegerType::get(getContext(), 1));
}
LogicalResult OnnxCastOp::inferShapes() {
  Type elem = onnxElementType(getContext(), getTo());
  return elem ? inferSameShape(*this, elem) : failure();
}
LogicalResult OnnxCastLikeOp::inferShapes() {
  auto like = ranked(getTargetType());
  return like ? inferSameShape(*this, like.getElementType()) : failure();
}
LogicalResult OnnxWhereOp::inferShapes() {
  return inferBroadcast(*this, {}, /*elemFrom=*/1);
}

LogicalResult OnnxMatMulOp::inferShapes() {
  auto a = ranked(getA()), b = ranked(getB());
  if (!a || !b || a.getRank() < 1 || b.getRank() < 1)
    return failure();
  SmallVector<int64_t> as(a.getShape()), bs(b.getShape());
  bool aVec = as.size() == 1, bVec = bs.size() == 1;
  if (aVec)
    as.insert(as.begin(), 1);
  if (bVec)
    bs.push_back(1);
  SmallVector<SmallVector<int64_t>> batch = {
      SmallVector<int64_t>(as.begin(), as.end() - 2),
      SmallVector<int64_t>(bs.begin(), bs.end() - 2)};
  auto out = kiln::onnx_ir::broadcastShapes(batch);
  if (!out)
    return emitOpError() << "batch dims are not broadcastable";
  if (!aVec)
    out->push_back(as[as.size() - 2]);
  if (!bVec)
    out->push_back(bs.back());
  return refineResultType(*this, 0,
                          RankedTensorType::get(*out, a.getElementType()));
}

LogicalResult OnnxGemmOp::inferShapes() {
  auto a = ranked(getA()), b = ranked(getB());
  if (!a || !b || a.getRank() != 2 || b.getRank() != 2)
    return failure();
  int64_t m = a.getDimSize(getTransA() ? 1 : 0);
  int64_t n = b.getDimSize(getTransB() ? 0 : 1);
  return refineResultType(*this, 0,
                          RankedTensorType::get({m, n}, a.getElementType()));
}

LogicalResult OnnxTransposeOp::inferShapes() {
  auto in = ranked(getData());
  if (!in)
    return failure();
  SmallVector<int64_t> shape;
  if (auto perm = getPerm()) {
    for (Attribute p : *perm)
      shape.push_back(in.getDimSize(cast<IntegerAttr>(p).getInt()));
  } else {
    shape.assign(in.getShape().rbegin(), in.getShape().rend());
  }
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, in.getElementType()));
}

static LogicalResult inferGlobalPool(Operation *op) {
  auto in = ranked(op->getOperand(0));
  if (!in || in.getRank() < 2)
    return failure();
  SmallVector<int64_t> shape(in.getShape().take_front(2));
  shape.resize(in.getRank(), 1);
  return refineResultType(op, 0,
                          RankedTensorType::get(shape, in.getElementType()));
}
LogicalResult OnnxGlobalAveragePoolOp::inferShapes() {
  return inferGlobalPool(*this);
}
LogicalResult OnnxGlobalMaxPoolOp::inferShapes() {
  return inferGlobalPool(*this);
}

LogicalResult OnnxShapeOp::inferShapes() {
  auto in = ranked(getData());
  if (!in)
    return failure();
  int64_t rank = in.getRank();
  auto clampIdx = [&](int64_t i) {
    if (i < 0)
      i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  int64_t start = clampIdx(getStart());
  int64_t end = clampIdx(getEnd() ? *getEnd() : rank);
  int64_t n = std::max<int64_t>(0, end - start);
  return refineResultType(
      *this, 0, RankedTensorType::get({n}, IntegerType::get(getContext(), 64)));
}

LogicalResult OnnxSizeOp::inferShapes() {
  return refineResultType(
      *this, 0, RankedTensorType::get({}, IntegerType::get(getContext(), 64)));
}

LogicalResult OnnxFlattenOp::inferShapes() {
  auto in = ranked(getInput());
  if (!in)
    return failure();
  int64_t axis = getAxis() < 0 ? getAxis() + in.getRank() : getAxis();
  // An axis outside [-rank, rank] is left to the conversion's error (it
  // sliced the shape past its ends here).
  if (axis < 0 || axis > in.getRank())
    return failure();
  auto product = [&](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims)
      if (ShapedType::isDynamic(d) || __builtin_mul_overflow(p, d, &p))
        return ShapedType::kDynamic;
    return p;
  };
  ArrayRef<int64_t> s = in.getShape();
  return refineResultType(*this, 0,
                          RankedTensorType::get({product(s.take_front(axis)),
                                                 product(s.drop_front(axis))},
                                                in.getElementType()));
}

//===----------------------------------------------------------------------===//
// Shape ops. Exporters compute their shape operands at run time; these
// functions recover the rank (and the dims that are constants), so later
// passes see ranked tensors.
//===----------------------------------------------------------------------===//

namespace {
/// Integer values of `v` if it is an onnx.Constant (any size).
std::optional<SmallVector<int64_t>> constInts(Value v) {
  auto c = v.getDefiningOp<OnnxConstantOp>();
  if (!c)
    return std::nullopt;
  auto dense = dyn_cast_or_null<DenseIntElementsAttr>(c.getValueAttr());
  if (!dense)
    return std::nullopt;
  SmallVector<int64_t> out;
  for (const APInt &i : dense.getValues<APInt>())
    out.push_back(i.getSExtValue());
  return out;
}

/// The values of a 0-D or 1-D integer tensor computed from shapes, with `?`
/// where they are only known at run time; nullopt when even its length is
/// unknown. Follows the shape arithmetic exporters emit around Reshape and
/// Expand (Shape, Slice, Gather, Concat, Unsqueeze/Squeeze/Reshape of such
/// a vector, Cast, Add/Sub/Mul), as ONNX's data propagation does, so a dim
/// that is a product of fixed dims stays fixed (the dynamo exporter's
/// `Reshape(y, [a, b, c * d])` after an LSTM).
std::optional<SmallVector<int64_t>> shapeValues(Value v, int depth = 0) {
  if (auto c = constInts(v))
    return c;
  auto t = ranked(v);
  if (!t || t.getRank() > 1 || !t.getElementType().isInteger())
    return std::nullopt;
  // A vector of unknown values of a known length.
  auto unknown = [&]() -> std::optional<SmallVector<int64_t>> {
    if (t.getRank() == 0)
      return SmallVector<int64_t>(1, ShapedType::kDynamic);
    if (t.isDynamicDim(0))
      return std::nullopt;
    return SmallVector<int64_t>(t.getDimSize(0), ShapedType::kDynamic);
  };
  Operation *def = v.getDefiningOp();
  if (!def || depth > 32)
    return unknown();
  auto operand = [&](Value in) { return shapeValues(in, depth + 1); };
  std::optional<SmallVector<int64_t>> out;
  if (auto shape = dyn_cast<OnnxShapeOp>(def)) {
    if (auto in = ranked(shape.getData())) {
      int64_t rank = in.getRank();
      auto clampIdx = [&](int64_t i) {
        return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank);
      };
      int64_t start = clampIdx(shape.getStart());
      int64_t end = clampIdx(shape.getEnd() ? *shape.getEnd() : rank);
      out = SmallVector<int64_t>(
          in.getShape().slice(start, std::max<int64_t>(0, end - start)));
    }
  } else if (auto concat = dyn_cast<OnnxConcatOp>(def)) {
    out.emplace();
    for (Value in : concat.getInputs()) {
      auto part = operand(in);
      if (!part) {
        out.reset();
        break;
      }
      out->append(*part);
    }
  } else if (auto slice = dyn_cast<OnnxSliceOp>(def)) {
    auto src = operand(slice.getData());
    auto starts = constInts(slice.getStarts());
    auto ends = constInts(slice.getEnds());
    auto steps =
        isNoValue(slice.getSteps())
            ? std::optional<SmallVector<int64_t>>(SmallVector<int64_t>{1})
            : constInts(slice.getSteps());
    auto axes =
        isNoValue(slice.getAxes())
            ? std::optional<SmallVector<int64_t>>(SmallVector<int64_t>{0})
            : constInts(slice.getAxes());
    if (src && starts && ends && steps && axes && starts->size() == 1 &&
        ends->size() == 1 && steps->size() == 1 && axes->size() == 1 &&
        ((*axes)[0] == 0 || (*axes)[0] == -1) && (*steps)[0] > 0) {
      int64_t n = src->size(), step = (*steps)[0];
      auto clampIdx = [&](int64_t i) {
        return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n);
      };
      out.emplace();
      for (int64_t i = clampIdx((*starts)[0]), e = clampIdx((*ends)[0]); i < e;
           i += step)
        out->push_back((*src)[i]);
    }
  } else if (auto gather = dyn_cast<OnnxGatherOp>(def)) {
    auto src = operand(gather.getData());
    auto idx = constInts(gather.getIndices());
    if (src && idx) {
      int64_t n = src->size();
      out.emplace();
      for (int64_t i : *idx) {
        if (i < -n || i >= n) {
          out.reset();
          break;
        }
        out->push_back((*src)[i < 0 ? i + n : i]);
      }
    }
  } else if (isa<OnnxUnsqueezeOp, OnnxSqueezeOp, OnnxReshapeOp, OnnxCastOp,
                 OnnxIdentityOp>(def)) {
    // The same values in a 0-D or 1-D tensor (Cast between integer types:
    // shapes never overflow them).
    auto in = ranked(def->getOperand(0));
    if (in && in.getElementType().isInteger())
      out = operand(def->getOperand(0));
  } else if (isa<OnnxAddOp, OnnxSubOp, OnnxMulOp>(def)) {
    auto a = operand(def->getOperand(0)), b = operand(def->getOperand(1));
    if (a && b &&
        (a->size() == b->size() || a->size() == 1 || b->size() == 1)) {
      size_t n = std::max(a->size(), b->size());
      out.emplace();
      for (size_t i = 0; i < n; ++i) {
        int64_t x = (*a)[a->size() == 1 ? 0 : i];
        int64_t y = (*b)[b->size() == 1 ? 0 : i];
        int64_t r = ShapedType::kDynamic;
        bool overflow = false;
        if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y)) {
          if (isa<OnnxAddOp>(def))
            overflow = __builtin_add_overflow(x, y, &r);
          else if (isa<OnnxSubOp>(def))
            overflow = __builtin_sub_overflow(x, y, &r);
          else
            overflow = __builtin_mul_overflow(x, y, &r);
        }
        // A negative value other than Reshape's -1 would be no size.
        out->push_back(overflow || r < -1 ? ShapedType::kDynamic : r);
      }
    }
  }
  // The values must fit the type: a 0-D tensor has one, a 1-D one as many
  // as its static length says.
  int64_t want = t.getRank() == 0 ? 1 : t.getDimSize(0);
  if (out && (ShapedType::isDynamic(want) || (int64_t)out->size() == want))
    return out;
  return unknown();
}

Type elemOf(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }
} // namespace

LogicalResult OnnxSliceOp::inferShapes() {
  auto in = ranked(getData());
  if (!in)
    return failure();
  SmallVector<int64_t> shape(in.getShape());
  auto starts = constInts(getStarts()), ends = constInts(getEnds());
  std::optional<SmallVector<int64_t>> axes, steps;
  if (!isNoValue(getAxes()))
    axes = constInts(getAxes());
  if (!isNoValue(getSteps()))
    steps = constInts(getSteps());
  bool known = starts && ends && (isNoValue(getAxes()) || axes) &&
               (isNoValue(getSteps()) || steps);
  int64_t n = known ? starts->size() : 0;
  if (!known) {
    // Which axes are sliced is unknown: every dim may change.
    auto ax = isNoValue(getAxes()) ? std::nullopt : constInts(getAxes());
    if (ax) {
      for (int64_t a : *ax)
        shape[a < 0 ? a + in.getRank() : a] = ShapedType::kDynamic;
    } else {
      for (int64_t &d : shape)
        d = ShapedType::kDynamic;
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t axis = axes ? (*axes)[i] : i;
    if (axis < 0)
      axis += in.getRank();
    if (axis < 0 || axis >= in.getRank())
      return emitOpError() << "axis out of range";
    int64_t step = steps ? (*steps)[i] : 1;
    int64_t dim = in.getDimSize(axis);
    if (ShapedType::isDynamic(dim) || step == 0) {
      shape[axis] = ShapedType::kDynamic;
      continue;
    }
    int64_t s = (*starts)[i], e = (*ends)[i];
    s = s < 0 ? s + dim : s;
    e = e < 0 ? e + dim : e;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      shape[axis] = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      shape[axis] = s > e ? (s - e - step - 1) / -step : 0;
    }
  }
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, in.getElementType()));
}

LogicalResult OnnxConcatOp::inferShapes() {
  RankedTensorType first;
  for (Value v : getInputs())
    if ((first = ranked(v)))
      break;
  if (!first)
    return failure();
  int64_t rank = first.getRank();
  int64_t axis = getAxis() < 0 ? getAxis() + rank : getAxis();
  if (axis < 0 || axis >= rank)
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : getInputs()) {
    auto t = ranked(v);
    if (!t || t.getRank() != rank) {
      shape[axis] = ShapedType::kDynamic;
      continue;
    }
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis) {
        if (!ShapedType::isDynamic(shape[axis]))
          shape[axis] = t.isDynamicDim(d) ? ShapedType::kDynamic
                                          : shape[axis] + t.getDimSize(d);
      } else if (ShapedType::isDynamic(shape[d])) {
        shape[d] = t.getDimSize(d);
      }
    }
  }
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, first.getElementType()));
}

LogicalResult OnnxReshapeOp::inferShapes() {
  auto values = shapeValues(getShape());
  if (!values)
    return failure();
  auto in = ranked(getData());
  SmallVector<int64_t> shape(*values);
  int64_t known = 1, inferIdx = -1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == 0 && !getAllowzero())
      d = in && (int64_t)i < in.getRank() ? in.getDimSize(i)
                                          : ShapedType::kDynamic;
    if (d == -1)
      inferIdx = i, d = ShapedType::kDynamic;
    else if (ShapedType::isDynamic(d) || known == ShapedType::kDynamic)
      known = ShapedType::kDynamic;
    else
      known *= d;
  }
  if (inferIdx >= 0 && in && in.hasStaticShape() &&
      !ShapedType::isDynamic(known) && known > 0)
    shape[inferIdx] = in.getNumElements() / known;
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, elemOf(getData())));
}

LogicalResult OnnxUnsqueezeOp::inferShapes() {
  auto in = ranked(getData());
  auto axes = constInts(getAxes());
  if (!in || !axes)
    return failure();
  int64_t rank = in.getRank() + axes->size();
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : *axes) {
    a = a < 0 ? a + rank : a;
    if (a < 0 || a >= rank)
      return emitOpError() << "axis out of range";
    inserted[a] = true;
    shape[a] = 1;
  }
  int64_t j = 0;
  for (int64_t i = 0; i < rank; ++i)
    if (!inserted[i])
      shape[i] = in.getDimSize(j++);
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, in.getElementType()));
}

LogicalResult OnnxSqueezeOp::inferShapes() {
  auto in = ranked(getData());
  if (!in)
    return failure();
  SmallVector<bool> drop(in.getRank(), false);
  if (isNoValue(getAxes())) {
    // Whether a dim of run-time size is squeezed is a run-time question;
    // Kiln fixes ranks at compile time and takes such a dim to be other
    // than 1, which the lowering checks when the run comes.
    for (int64_t i = 0; i < in.getRank(); ++i)
      drop[i] = in.getDimSize(i) == 1;
  } else {
    auto axes = constInts(getAxes());
    if (!axes)
      return failure();
    for (int64_t a : *axes)
      drop[a < 0 ? a + in.getRank() : a] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (!drop[i])
      shape.push_back(in.getDimSize(i));
  // A rank ONNX's inference gave without axes stands (it may have taken a
  // dim Kiln knows to be 1 as unknown); the lowering checks it.
  auto declared = dyn_cast<RankedTensorType>(getResult().getType());
  if (isNoValue(getAxes()) && declared &&
      declared.getRank() != (int64_t)shape.size())
    return failure();
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, in.getElementType()));
}

LogicalResult OnnxGatherOp::inferShapes() {
  auto data = ranked(getData()), idx = ranked(getIndices());
  if (!data || !idx)
    return failure();
  int64_t axis = getAxis() < 0 ? getAxis() + data.getRank() : getAxis();
  SmallVector<int64_t> shape(data.getShape().take_front(axis));
  shape.append(idx.getShape().begin(), idx.getShape().end());
  shape.append(data.getShape().begin() + axis + 1, data.getShape().end());
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, data.getElementType()));
}

LogicalResult OnnxExpandOp::inferShapes() {
  auto in = ranked(getInput());
  auto values = shapeValues(getShape());
  if (!in || !values)
    return failure();
  // Each target dim broadcasts against the input dim; an unknown target dim
  // may be 1, so only the input's non-1 dims are certain.
  SmallVector<int64_t> target(*values);
  size_t rank = std::max<size_t>(target.size(), in.getRank());
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  for (size_t i = 0; i < rank; ++i) {
    int64_t t =
        i + target.size() >= rank ? target[i + target.size() - rank] : 1;
    int64_t d =
        i + in.getRank() >= rank ? in.getDimSize(i + in.getRank() - rank) : 1;
    if (!ShapedType::isDynamic(t) && t != 1)
      shape[i] = t;
    else if (!ShapedType::isDynamic(d) && d != 1)
      shape[i] = d;
    else if (t == 1 && d == 1)
      shape[i] = 1;
  }
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, in.getElementType()));
}

LogicalResult OnnxConstantOfShapeOp::inferShapes() {
  auto values = shapeValues(getInput());
  if (!values)
    return failure();
  Type elem = Float32Type::get(getContext());
  if (auto v = getValueAttr())
    elem = cast<ShapedType>(v.getType()).getElementType();
  return refineResultType(*this, 0, RankedTensorType::get(*values, elem));
}

LogicalResult OnnxRangeOp::inferShapes() {
  auto start = ranked(getStart());
  if (!start)
    return failure();
  // With integer constants the length is known: max(ceil((limit - start) /
  // delta), 0). ONNX's data propagation does not cover Range, and function
  // bodies (RMSNormalization's axes) build their axes with it.
  int64_t length = ShapedType::kDynamic;
  auto s = constInts(getStart()), l = constInts(getLimit()),
       d = constInts(getDelta());
  if (s && l && d && s->size() == 1 && l->size() == 1 && d->size() == 1 &&
      (*d)[0] != 0) {
    int64_t span = (*l)[0] - (*s)[0], delta = (*d)[0];
    int64_t n = span / delta + ((span % delta != 0) && ((span < 0) == (delta < 0)));
    length = std::max<int64_t>(n, 0);
  }
  return refineResultType(*this, 0,
                          RankedTensorType::get({length},
                                                start.getElementType()));
}

//===----------------------------------------------------------------------===//
// Reductions: the reduced dims become 1 (keepdims) or go; with axes known
// only at run time the rank is still known when keepdims is set, or from
// the axes tensor's static length when it is not.
//===----------------------------------------------------------------------===//

namespace {
template <typename ReduceOp>
LogicalResult inferReduction(ReduceOp op) {
  auto in = ranked(op.getData());
  if (!in)
    return failure();
  int64_t rank = in.getRank();
  bool keep = op.getKeepdims() != 0;
  Type elem = in.getElementType();
  std::optional<SmallVector<int64_t>> axes;
  if (isNoValue(op.getAxes())) {
    axes = SmallVector<int64_t>{};
  } else if (auto axesType = ranked(op.getAxes());
             axesType && axesType.getRank() == 1 &&
             axesType.getDimSize(0) == 0) {
    axes = SmallVector<int64_t>{};
  } else {
    axes = constInts(op.getAxes());
  }
  if (!axes) {
    // Without keepdims the rank drops by the number of axes, which a 1-D
    // axes tensor of static length gives (ONNX's axes are distinct).
    int64_t dropped = 0;
    if (!keep) {
      auto axesType = ranked(op.getAxes());
      if (!axesType || axesType.getRank() != 1 ||
          axesType.isDynamicDim(0) || axesType.getDimSize(0) > rank)
        return failure();
      dropped = axesType.getDimSize(0);
    }
    return refineResultType(
        op, 0,
        RankedTensorType::get(
            SmallVector<int64_t>(rank - dropped, ShapedType::kDynamic), elem));
  }
  SmallVector<bool> reduced(rank, false);
  if (axes->empty()) {
    // No axes: every dim, unless noop_with_empty_axes makes it the identity.
    if (op.getNoopWithEmptyAxes() != 0)
      return refineResultType(op, 0, in);
    reduced.assign(rank, true);
  }
  for (int64_t a : *axes) {
    if (a < -rank || a >= rank)
      return op.emitOpError() << "axis " << a << " is out of range for rank "
                              << rank;
    reduced[a < 0 ? a + rank : a] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced[i])
      shape.push_back(in.getDimSize(i));
    else if (keep)
      shape.push_back(1);
  }
  return refineResultType(op, 0, RankedTensorType::get(shape, elem));
}
} // namespace

#define KILN_REDUCTION_SHAPES(Name)                                            \
  LogicalResult Onnx##Name##Op::inferShapes() { return inferReduction(*this); }
KILN_REDUCTION_SHAPES(ReduceL1)
KILN_REDUCTION_SHAPES(ReduceL2)
KILN_REDUCTION_SHAPES(ReduceLogSum)
KILN_REDUCTION_SHAPES(ReduceLogSumExp)
KILN_REDUCTION_SHAPES(ReduceMax)
KILN_REDUCTION_SHAPES(ReduceMean)
KILN_REDUCTION_SHAPES(ReduceMin)
KILN_REDUCTION_SHAPES(ReduceProd)
KILN_REDUCTION_SHAPES(ReduceSum)
KILN_REDUCTION_SHAPES(ReduceSumSquare)
#undef KILN_REDUCTION_SHAPES

LogicalResult OnnxSplitOp::inferShapes() {
  auto in = ranked(getInput());
  if (!in)
    return failure();
  int64_t rank = in.getRank(), axis = getAxis();
  if (axis < -rank || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for rank "
                         << rank;
  if (axis < 0)
    axis += rank;
  int64_t n = getNumResults(), dim = in.getDimSize(axis);
  // The sizes along the axis: the `split` input when it is a constant, else
  // ceil(dim / n) each but the last, which takes the rest (Split-18 for an
  // uneven num_outputs; a negative rest cannot run and stays unknown).
  SmallVector<int64_t> sizes(n, ShapedType::kDynamic);
  if (!isNoValue(getSplit())) {
    if (auto split = constInts(getSplit())) {
      if ((int64_t)split->size() != n)
        return emitOpError() << "has " << n << " outputs but " << split->size()
                             << " split sizes";
      sizes.assign(split->begin(), split->end());
    }
  } else if (!ShapedType::isDynamic(dim) && n > 0) {
    int64_t part = (dim + n - 1) / n, last = dim - part * (n - 1);
    sizes.assign(n - 1, part);
    sizes.push_back(last >= 0 ? last : ShapedType::kDynamic);
  }
  // Success when any result changed, as refineResultType reports it.
  bool changed = false;
  for (int64_t i = 0; i < n; ++i) {
    SmallVector<int64_t> shape(in.getShape());
    shape[axis] = sizes[i];
    changed |= succeeded(refineResultType(
        *this, i, RankedTensorType::get(shape, in.getElementType())));
  }
  return success(changed);
}

//===----------------------------------------------------------------------===//
// Ops whose result ONNX's shape inference may leave unranked (symbolic index
// depths, run-time output shapes, data-dependent sizes) while the rank, and
// often some dims, are still known.
//===----------------------------------------------------------------------===//

namespace {
constexpr int64_t kDyn = ShapedType::kDynamic;

/// Entry `i` of an optional INTS attribute, `dflt` when it is absent.
int64_t attrAt(std::optional<ArrayAttr> a, size_t i, int64_t dflt) {
  if (!a || i >= a->size())
    return dflt;
  return cast<IntegerAttr>((*a)[i]).getInt();
}

bool isSamePad(StringRef autoPad) {
  return autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
}

/// The Conv-like window attributes shared by Conv, ConvInteger, QLinearConv
/// and ConvTranspose.
struct ConvWindow {
  std::optional<ArrayAttr> kernelShape, strides, dilations, pads;
  StringRef autoPad;

  /// Kernel size along spatial dim `i`: kernel_shape, else W's dim 2 + i.
  int64_t kernel(RankedTensorType w, size_t i) const {
    if (kernelShape)
      return attrAt(kernelShape, i, kDyn);
    return w.getDimSize(2 + i);
  }
  /// Pads at the begin and the end of spatial dim `i` of `rank`.
  std::pair<int64_t, int64_t> padsAt(size_t i, size_t rank) const {
    if (autoPad == "VALID")
      return {0, 0};
    return {attrAt(pads, i, 0), attrAt(pads, rank + i, 0)};
  }
};

/// ONNX's Conv output size: floor((in + pads - extent) / stride) + 1, or
/// ceil(in / stride) with SAME padding; `?` when an input to it is unknown.
int64_t convOutDim(const ConvWindow &cw, int64_t in, int64_t k, size_t i,
                   size_t rank) {
  int64_t stride = attrAt(cw.strides, i, 1);
  if (ShapedType::isDynamic(in) || stride < 1)
    return kDyn;
  if (isSamePad(cw.autoPad))
    return (in + stride - 1) / stride;
  if (ShapedType::isDynamic(k))
    return kDyn;
  auto [pb, pe] = cw.padsAt(i, rank);
  int64_t extent = (k - 1) * attrAt(cw.dilations, i, 1) + 1;
  int64_t span = in + pb + pe - extent;
  return span < 0 ? kDyn : span / stride + 1;
}

/// Y [N, M, o...] of a Conv-like op on X [N, C, s...] and W [M, C/g, k...],
/// with element type `elem`.
LogicalResult inferConvLike(Operation *op, Value x, Value w,
                            const ConvWindow &cw, Type elem) {
  auto xt = ranked(x), wt = ranked(w);
  if (!xt || xt.getRank() < 3 || !elem)
    return failure();
  size_t rank = xt.getRank() - 2;
  bool wOk = wt && wt.getRank() == xt.getRank();
  SmallVector<int64_t> shape = {xt.getDimSize(0),
                                wOk ? wt.getDimSize(0) : kDyn};
  for (size_t i = 0; i < rank; ++i) {
    int64_t k = wOk ? cw.kernel(wt, i) : attrAt(cw.kernelShape, i, kDyn);
    shape.push_back(convOutDim(cw, xt.getDimSize(2 + i), k, i, rank));
  }
  return refineResultType(op, 0, RankedTensorType::get(shape, elem));
}
} // namespace

LogicalResult OnnxConvOp::inferShapes() {
  ConvWindow cw{getKernelShape(), getStrides(), getDilations(), getPads(),
                getAutoPad()};
  auto x = ranked(getX());
  return inferConvLike(*this, getX(), getW(), cw,
                       x ? x.getElementType() : Type());
}

LogicalResult OnnxConvIntegerOp::inferShapes() {
  ConvWindow cw{getKernelShape(), getStrides(), getDilations(), getPads(),
                getAutoPad()};
  return inferConvLike(*this, getX(), getW(), cw,
                       IntegerType::get(getContext(), 32));
}

LogicalResult OnnxQLinearConvOp::inferShapes() {
  ConvWindow cw{getKernelShape(), getStrides(), getDilations(), getPads(),
                getAutoPad()};
  // The output has the type of y_zero_point.
  auto yzp = ranked(getYZeroPoint());
  return inferConvLike(*this, getX(), getW(), cw,
                       yzp ? yzp.getElementType() : Type());
}

LogicalResult OnnxConvTransposeOp::inferShapes() {
  auto xt = ranked(getX()), wt = ranked(getW());
  if (!xt || xt.getRank() < 3)
    return failure();
  size_t rank = xt.getRank() - 2;
  bool wOk = wt && wt.getRank() == xt.getRank();
  // Y [N, W[1] * group, o...].
  int64_t c = wOk ? wt.getDimSize(1) : kDyn;
  SmallVector<int64_t> shape = {
      xt.getDimSize(0), ShapedType::isDynamic(c) ? kDyn : c * getGroup()};
  ConvWindow cw{getKernelShape(), getStrides(), getDilations(), getPads(),
                getAutoPad()};
  std::optional<ArrayAttr> outShape = getOutputShape();
  for (size_t i = 0; i < rank; ++i) {
    int64_t in = xt.getDimSize(2 + i);
    int64_t stride = attrAt(getStrides(), i, 1);
    int64_t k = wOk ? cw.kernel(wt, i) : attrAt(getKernelShape(), i, kDyn);
    int64_t out = kDyn;
    // output_shape gives the spatial dims (its trailing entries).
    if (outShape && outShape->size() >= rank)
      out = attrAt(outShape, outShape->size() - rank + i, kDyn);
    else if (ShapedType::isDynamic(in))
      out = kDyn;
    else if (isSamePad(getAutoPad()))
      out = in * stride;
    else if (!ShapedType::isDynamic(k)) {
      auto [pb, pe] = cw.padsAt(i, rank);
      int64_t extent = (k - 1) * attrAt(getDilations(), i, 1) + 1;
      out = stride * (in - 1) + attrAt(getOutputPadding(), i, 0) + extent - pb -
            pe;
    }
    shape.push_back(out);
  }
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, xt.getElementType()));
}

LogicalResult OnnxMaxUnpoolOp::inferShapes() {
  auto xt = ranked(getX());
  if (!xt || xt.getRank() < 3)
    return failure();
  size_t rank = xt.getRank() - 2;
  SmallVector<int64_t> shape(xt.getShape().take_front(2));
  if (!isNoValue(getOutputShape())) {
    // The whole output shape is an input: its constant values where known.
    auto values = shapeValues(getOutputShape());
    shape.assign(xt.getRank(), kDyn);
    if (values && values->size() == shape.size())
      shape = *values;
  } else {
    // (in - 1) * stride + kernel - pads, the inverse of MaxPool's size.
    for (size_t i = 0; i < rank; ++i) {
      int64_t in = xt.getDimSize(2 + i);
      int64_t out = kDyn;
      if (!ShapedType::isDynamic(in))
        out = (in - 1) * attrAt(getStrides(), i, 1) +
              attrAt(getKernelShape(), i, kDyn) - attrAt(getPads(), i, 0) -
              attrAt(getPads(), rank + i, 0);
      shape.push_back(out);
    }
  }
  for (int64_t &d : shape)
    if (!ShapedType::isDynamic(d) && d < 0)
      d = kDyn;
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, xt.getElementType()));
}

LogicalResult OnnxCompressOp::inferShapes() {
  auto in = ranked(getInput());
  if (!in)
    return failure();
  // Without an axis the input is flattened: 1-D of run-time length.
  SmallVector<int64_t> shape = {kDyn};
  if (auto axisAttr = getAxis()) {
    int64_t axis = *axisAttr < 0 ? *axisAttr + in.getRank() : *axisAttr;
    if (axis < 0 || axis >= in.getRank())
      return emitOpError() << "axis out of range";
    shape.assign(in.getShape().begin(), in.getShape().end());
    shape[axis] = kDyn;
  }
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, in.getElementType()));
}

LogicalResult OnnxNonZeroOp::inferShapes() {
  auto in = ranked(getX());
  if (!in)
    return failure();
  return refineResultType(
      *this, 0,
      RankedTensorType::get({in.getRank(), kDyn},
                            IntegerType::get(getContext(), 64)));
}

/// GatherElements: the result has the indices' shape; data and indices have
/// one rank, so either operand gives it (exporters' shape arithmetic can
/// leave one side, and the result, unranked for ONNX's inference).
LogicalResult OnnxGatherElementsOp::inferShapes() {
  auto data = ranked(getData()), idx = ranked(getIndices());
  if (data && idx && data.getRank() != idx.getRank())
    return emitOpError() << "data (rank " << data.getRank()
                         << ") and indices (rank " << idx.getRank()
                         << ") must have the same rank";
  Type elem = elemOf(getData());
  if (idx)
    return refineResultType(*this, 0,
                            RankedTensorType::get(idx.getShape(), elem));
  if (data)
    return refineResultType(
        *this, 0,
        RankedTensorType::get(
            SmallVector<int64_t>(data.getRank(), ShapedType::kDynamic), elem));
  return failure();
}

LogicalResult OnnxGatherNDOp::inferShapes() {
  auto data = ranked(getData()), idx = ranked(getIndices());
  if (!data || !idx || idx.getRank() < 1 || idx.isDynamicDim(idx.getRank() - 1))
    return failure();
  // indices[:-1] then the data dims after batch_dims + the index depth.
  int64_t q = idx.getRank(), r = data.getRank(), bd = getBatchDims();
  int64_t k = idx.getDimSize(q - 1);
  if (bd < 0 || bd >= q || bd + k > r)
    return emitOpError() << "batch_dims + index depth exceed the data rank";
  SmallVector<int64_t> shape(idx.getShape().drop_back());
  shape.append(data.getShape().begin() + bd + k, data.getShape().end());
  return refineResultType(*this, 0,
                          RankedTensorType::get(shape, data.getElementType()));
}

/// Scan (opset 9 and later): final states have the types the body yields;
/// each scan output is the yielded type with the iteration count inserted at
/// its scan_output_axes entry. Scan-8 (batched, a leading sequence_lens)
/// keeps the types ONNX gave it.
LogicalResult OnnxScanOp::inferShapes() {
  auto module = (*this)->getParentOfType<ModuleOp>();
  auto opset = module ? module->getAttrOfType<IntegerAttr>("kiln.opset")
                      : IntegerAttr();
  if (opset && opset.getInt() < 9)
    return failure();
  if (!getBody().hasOneBlock())
    return failure();
  Operation *yield = getBody().front().getTerminator();
  int64_t nIn = getNumScanInputs();
  int64_t nOperands = getInitialStateAndScanInputs().size();
  int64_t nState = nOperands - nIn;
  if (nIn < 1 || nState < 0 ||
      yield->getNumOperands() != getNumResults() || nState > getNumResults())
    return failure();
  // The iteration count: the first scan input's dim along its scan axis.
  int64_t count = ShapedType::kDynamic;
  if (auto first = ranked(getInitialStateAndScanInputs()[nState])) {
    int64_t axis = attrAt(getScanInputAxes(), 0, 0);
    if (axis < 0)
      axis += first.getRank();
    if (axis >= 0 && axis < first.getRank())
      count = first.getDimSize(axis);
  }
  bool changed = false;
  for (unsigned i = 0; i < getNumResults(); ++i) {
    auto y = ranked(yield->getOperand(i));
    if (!y)
      continue;
    if ((int64_t)i < nState) {
      changed |= succeeded(refineResultType(*this, i, y));
      continue;
    }
    SmallVector<int64_t> shape(y.getShape());
    int64_t axis = attrAt(getScanOutputAxes(), i - nState, 0);
    int64_t outRank = y.getRank() + 1;
    if (axis < 0)
      axis += outRank;
    if (axis < 0 || axis >= outRank)
      continue;
    shape.insert(shape.begin() + axis, count);
    changed |= succeeded(refineResultType(
        *this, i, RankedTensorType::get(shape, y.getElementType())));
  }
  return success(changed);
}
