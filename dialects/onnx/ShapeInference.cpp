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

Type onnxElemType(MLIRContext *ctx, int64_t onnxType) {
  Builder b(ctx);
  switch (onnxType) {
  case 1: return b.getF32Type();
  case 2: return b.getIntegerType(8, false);
  case 3: return b.getIntegerType(8);
  case 4: return b.getIntegerType(16, false);
  case 5: return b.getIntegerType(16);
  case 6: return b.getI32Type();
  case 7: return b.getI64Type();
  case 9: return b.getI1Type();
  case 10: return b.getF16Type();
  case 11: return b.getF64Type();
  case 12: return b.getIntegerType(32, false);
  case 13: return b.getIntegerType(64, false);
  case 16: return b.getBF16Type();
  default: return {};
  }
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
  Type elem = elemOverride
                  ? elemOverride
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

SAME_SHAPE(OnnxAbsOp)
SAME_SHAPE(OnnxAcosOp)
SAME_SHAPE(OnnxAcoshOp)
SAME_SHAPE(OnnxAsinOp)
SAME_SHAPE(OnnxAsinhOp)
SAME_SHAPE(OnnxAtanOp)
SAME_SHAPE(OnnxAtanhOp)
SAME_SHAPE(OnnxCeilOp)
SAME_SHAPE(OnnxCeluOp)
SAME_SHAPE(OnnxCosOp)
SAME_SHAPE(OnnxCoshOp)
SAME_SHAPE(OnnxEluOp)
SAME_SHAPE(OnnxErfOp)
SAME_SHAPE(OnnxExpOp)
SAME_SHAPE(OnnxFloorOp)
SAME_SHAPE(OnnxGeluOp)
SAME_SHAPE(OnnxHardSigmoidOp)
SAME_SHAPE(OnnxHardSwishOp)
SAME_SHAPE(OnnxIdentityOp)
SAME_SHAPE(OnnxLeakyReluOp)
SAME_SHAPE(OnnxLogOp)
SAME_SHAPE(OnnxMishOp)
SAME_SHAPE(OnnxNegOp)
SAME_SHAPE(OnnxNotOp)
SAME_SHAPE(OnnxReciprocalOp)
SAME_SHAPE(OnnxReluOp)
SAME_SHAPE(OnnxRoundOp)
SAME_SHAPE(OnnxSeluOp)
SAME_SHAPE(OnnxShrinkOp)
SAME_SHAPE(OnnxSigmoidOp)
SAME_SHAPE(OnnxSignOp)
SAME_SHAPE(OnnxSinOp)
SAME_SHAPE(OnnxSinhOp)
SAME_SHAPE(OnnxSoftplusOp)
SAME_SHAPE(OnnxSoftsignOp)
SAME_SHAPE(OnnxSqrtOp)
SAME_SHAPE(OnnxTanOp)
SAME_SHAPE(OnnxTanhOp)
SAME_SHAPE(OnnxThresholdedReluOp)
SAME_SHAPE(OnnxClipOp)
SAME_SHAPE(OnnxSoftmaxOp)
SAME_SHAPE(OnnxLogSoftmaxOp)
SAME_SHAPE(OnnxHardmaxOp)
SAME_SHAPE(OnnxLRNOp)
SAME_SHAPE(OnnxBitwiseNotOp)
SAME_SHAPE(OnnxBatchNormalizationOp)
SAME_SHAPE(OnnxLayerNormalizationOp)

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

LogicalResult OnnxIsInfOp::inferShapes() {
  return inferSameShape(*this, IntegerType::get(getContext(), 1));
}
LogicalResult OnnxIsNaNOp::inferShapes() {
  return inferSameShape(*this, IntegerType::get(getContext(), 1));
}
LogicalResult OnnxCastOp::inferShapes() {
  Type elem = onnxElemType(getContext(), getTo());
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
  auto product = [&](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims) {
      if (ShapedType::isDynamic(d))
        return ShapedType::kDynamic;
      p *= d;
    }
    return p;
  };
  ArrayRef<int64_t> s = in.getShape();
  return refineResultType(
      *this, 0,
      RankedTensorType::get({product(s.take_front(axis)),
                             product(s.drop_front(axis))},
                            in.getElementType()));
}
