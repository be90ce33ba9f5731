//===- OnnxVerifiers.cpp - Structural checks of onnx ops ------------------===//
//
// Verifiers check what ONNX's schemas state and what later passes rely on.
// They only look at ranked types: a `?` dim or an unranked tensor is never an
// error here, because shapes may only be known at run time.
//
//===----------------------------------------------------------------------===//

#include "dialects/onnx/OnnxDialect.h"

#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace kiln::onnx_ir;

namespace {
std::optional<int64_t> rankOf(Value v) {
  if (auto t = dyn_cast<RankedTensorType>(v.getType()))
    return t.getRank();
  return std::nullopt;
}

/// Checks an axis attribute against `rank` (negative axes count from the
/// end; `extra` widens the range, as Unsqueeze does).
LogicalResult checkAxis(Operation *op, int64_t axis, int64_t rank,
                        StringRef what = "axis") {
  if (axis < -rank || axis >= rank)
    return op->emitOpError() << what << " " << axis
                             << " is out of range for rank " << rank;
  return success();
}
} // namespace

LogicalResult OnnxTransposeOp::verify() {
  auto rank = rankOf(getData());
  auto perm = getPerm();
  if (!rank || !perm)
    return success();
  if (static_cast<int64_t>(perm->size()) != *rank)
    return emitOpError() << "perm has " << perm->size()
                         << " entries but the input has rank " << *rank;
  llvm::SmallSet<int64_t, 8> seen;
  for (Attribute a : *perm) {
    int64_t p = cast<IntegerAttr>(a).getInt();
    if (p < 0 || p >= *rank || !seen.insert(p).second)
      return emitOpError() << "perm is not a permutation of 0.." << *rank - 1;
  }
  return success();
}

LogicalResult OnnxGemmOp::verify() {
  for (Value v : {getA(), getB()})
    if (auto r = rankOf(v); r && *r != 2)
      return emitOpError() << "A and B must be 2-D, got rank " << *r;
  return success();
}

LogicalResult OnnxMatMulOp::verify() {
  for (Value v : {getA(), getB()})
    if (auto r = rankOf(v); r && *r < 1)
      return emitOpError() << "operands must have rank >= 1";
  return success();
}

LogicalResult OnnxConvOp::verify() {
  auto xr = rankOf(getX()), wr = rankOf(getW());
  if (xr && *xr < 3)
    return emitOpError() << "X must have rank >= 3, got " << *xr;
  if (xr && wr && *xr != *wr)
    return emitOpError() << "X and W ranks differ (" << *xr << " vs " << *wr
                         << ")";
  if (getGroup() < 1)
    return emitOpError() << "group must be positive";
  if (auto k = getKernelShape(); k && xr &&
                                 static_cast<int64_t>(k->size()) != *xr - 2)
    return emitOpError() << "kernel_shape has " << k->size()
                         << " entries, expected " << *xr - 2;
  return success();
}

LogicalResult OnnxConcatOp::verify() {
  std::optional<int64_t> rank;
  for (Value v : getInputs()) {
    auto r = rankOf(v);
    if (!r)
      continue;
    if (rank && *rank != *r)
      return emitOpError() << "inputs have different ranks";
    rank = r;
  }
  if (rank)
    return checkAxis(*this, getAxis(), *rank);
  return success();
}

LogicalResult OnnxGatherOp::verify() {
  if (auto r = rankOf(getData()))
    return checkAxis(*this, getAxis(), *r);
  return success();
}

LogicalResult OnnxReshapeOp::verify() {
  if (auto r = rankOf(getShape()); r && *r != 1)
    return emitOpError() << "shape must be 1-D, got rank " << *r;
  return success();
}

LogicalResult OnnxCastOp::verify() {
  static const llvm::SmallSet<int64_t, 16> known = {1, 2,  3,  4,  5,  6,
                                                    7, 8,  9,  10, 11, 12,
                                                    13, 14, 15, 16};
  int64_t to = getTo();
  if (!known.contains(to) && (to < 17 || to > 26))
    return emitOpError() << "unknown target type " << to;
  return success();
}

LogicalResult OnnxSoftmaxOp::verify() {
  if (auto r = rankOf(getInput()); r && *r > 0)
    return checkAxis(*this, getAxis(), *r);
  return success();
}

LogicalResult OnnxFlattenOp::verify() {
  if (auto r = rankOf(getInput()))
    if (getAxis() < -*r || getAxis() > *r)
      return emitOpError() << "axis " << getAxis()
                           << " is out of range for rank " << *r;
  return success();
}


LogicalResult OnnxSplitOp::verify() {
  if (auto r = rankOf(getInput()))
    return checkAxis(*this, getAxis(), *r);
  return success();
}

LogicalResult OnnxIfOp::verify() {
  for (Region *r : {&getThenBranch(), &getElseBranch()}) {
    if (r->empty())
      return emitOpError() << "has an empty branch";
    auto yield = dyn_cast<OnnxYieldOp>(r->front().getTerminator());
    if (!yield)
      return emitOpError() << "branch must end with onnx.Yield";
    if (yield.getNumOperands() != getNumResults())
      return emitOpError() << "branch yields " << yield.getNumOperands()
                           << " values but the op has " << getNumResults()
                           << " results";
  }
  return success();
}
