//===- AttentionOp.cpp - kiln.attention: verifier and bufferization -------===//
//
// On tensors kiln.attention returns a new tensor (it reads its operands
// and writes nothing else); bufferization allocates that result and
// rebuilds the op on buffers, writing it.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace kiln::codegen;

namespace {

/// Whether `dims` is a permutation of [0, 4) with the feature dim last.
bool isLayout(ArrayRef<int64_t> dims) {
  if (dims.size() != 4 || dims[3] != 3)
    return false;
  SmallVector<bool> seen(4, false);
  for (int64_t d : dims) {
    if (d < 0 || d >= 4 || seen[d])
      return false;
    seen[d] = true;
  }
  return true;
}

/// Static sizes that must agree (dynamic ones are checked by the kernel's
/// caller at run time, where broadcasting allows 1).
bool compatible(int64_t a, int64_t b, bool broadcast) {
  if (ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b)
    return true;
  return broadcast && (a == 1 || b == 1);
}

/// The buffer of `v` (a tensor operand) or v itself (a buffer).
FailureOr<Value> bufferOf(RewriterBase &rewriter, Value v,
                          const BufferizationOptions &options,
                          const BufferizationState &state) {
  if (!v || !isa<TensorType>(v.getType()))
    return v;
  return getBuffer(rewriter, v, options, state);
}

} // namespace

LogicalResult AttentionOp::verify() {
  bool tensors = static_cast<bool>(getResult());
  if (tensors == static_cast<bool>(getOutput()))
    return emitOpError("needs a result on tensors or an output buffer, "
                       "not both");
  SmallVector<Value> operands = {getQuery(), getKey(), getValue()};
  if (getMask())
    operands.push_back(getMask());
  for (Value v : operands)
    if (isa<TensorType>(v.getType()) != tensors)
      return emitOpError("mixes tensors and buffers");
  struct Named {
    const char *name;
    ShapedType type;
    ArrayRef<int64_t> dims;
  };
  ShapedType resultType = tensors ? cast<ShapedType>(getResult().getType())
                                  : cast<ShapedType>(getOutput().getType());
  Named named[] = {
      {"query", cast<ShapedType>(getQuery().getType()), getQueryDims()},
      {"key", cast<ShapedType>(getKey().getType()), getKeyDims()},
      {"value", cast<ShapedType>(getValue().getType()), getValueDims()},
      {"result", resultType, getResultDims()}};
  for (const Named &n : named) {
    if (!n.type.hasRank() || n.type.getRank() != 4 ||
        !n.type.getElementType().isF32())
      return emitOpError() << "needs a rank-4 f32 " << n.name;
    if (!isLayout(n.dims))
      return emitOpError() << "needs " << n.name
                           << "_dims to be a permutation of [0, 4) ending "
                              "in 3 (the feature dim last)";
  }
  auto size = [&](int i, int logical) {
    return named[i].type.getDimSize(named[i].dims[logical]);
  };
  if (!compatible(size(0, 3), size(1, 3), false))
    return emitOpError("needs the query's and the key's feature dims equal");
  if (!compatible(size(1, 2), size(2, 2), false))
    return emitOpError("needs as many keys as values");
  if (!compatible(size(0, 2), size(3, 2), false) ||
      !compatible(size(2, 3), size(3, 3), false))
    return emitOpError("needs a result of the queries' rows and the "
                       "values' features");
  for (int i = 0; i < 3; ++i)
    if (!compatible(size(i, 0), size(3, 0), true))
      return emitOpError() << "has " << named[i].name
                           << " and result batch dims that do not broadcast";
  // Heads: the query's broadcast; the key's and the value's may be fewer,
  // each shared by a group of query heads (grouped-query attention).
  if (!compatible(size(0, 1), size(3, 1), true))
    return emitOpError("has query and result head dims that do not "
                       "broadcast");
  for (int i = 1; i < 3; ++i) {
    int64_t own = size(i, 1), all = size(3, 1);
    if (!ShapedType::isDynamic(own) && !ShapedType::isDynamic(all) &&
        (own == 0 || all % own != 0))
      return emitOpError() << "has " << named[i].name
                           << " heads that do not divide the result's";
  }
  if (Value mask = getMask()) {
    auto type = cast<ShapedType>(mask.getType());
    Type element = type.getElementType();
    if (!type.hasRank() || type.getRank() > 4 ||
        !(element.isF32() || element.isInteger(1)))
      return emitOpError("needs an f32 or i1 mask of rank at most 4");
    if (element.isInteger(1) != static_cast<bool>(getMaskFillAttr()))
      return emitOpError("needs mask_fill exactly when the mask is i1");
    int64_t full[4] = {size(3, 0), size(3, 1), size(0, 2), size(1, 2)};
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (!compatible(type.getDimSize(d), full[4 - type.getRank() + d], true))
        return emitOpError("has a mask that does not broadcast to [batch, "
                           "heads, queries, keys]");
  } else if (getMaskFillAttr()) {
    return emitOpError("has a mask_fill but no mask");
  } else if (getZeroMaskedRows()) {
    return emitOpError("has zero_masked_rows but no mask");
  }
  return success();
}

void AttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  if (!getOutput())
    return;
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    if (operand.get() == getOutput())
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

bool AttentionOp::bufferizesToMemoryRead(OpOperand &, const AnalysisState &) {
  return true;
}

bool AttentionOp::bufferizesToMemoryWrite(OpOperand &, const AnalysisState &) {
  return false;
}

AliasingValueList AttentionOp::getAliasingValues(OpOperand &,
                                                 const AnalysisState &) {
  return {};
}

bool AttentionOp::bufferizesToAllocation(Value value) {
  return value == getResult();
}

FailureOr<BufferLikeType>
AttentionOp::getBufferType(Value value, const BufferizationOptions &,
                           const BufferizationState &, SmallVector<Value> &) {
  auto type = cast<RankedTensorType>(value.getType());
  return cast<BufferLikeType>(
      MemRefType::get(type.getShape(), type.getElementType()));
}

LogicalResult AttentionOp::bufferize(RewriterBase &rewriter,
                                     const BufferizationOptions &options,
                                     BufferizationState &state) {
  Location loc = getLoc();
  SmallVector<Value> buffers;
  for (Value v : {getQuery(), getKey(), getValue(), getMask()}) {
    FailureOr<Value> buffer = bufferOf(rewriter, v, options, state);
    if (failed(buffer))
      return failure();
    buffers.push_back(*buffer);
  }
  // The result's sizes: batch and heads broadcast over query, key and
  // value; rows from the query, features from the value.
  auto resultType = cast<RankedTensorType>(getResult().getType());
  ArrayRef<int64_t> resultDims = getResultDims();
  ArrayRef<int64_t> operandDims[3] = {getQueryDims(), getKeyDims(),
                                      getValueDims()};
  auto dimOf = [&](int i, int logical) -> Value {
    return memref::DimOp::create(rewriter, loc, buffers[i],
                                 operandDims[i][logical]);
  };
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < 4; ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    int logical = llvm::find(resultDims, d) - resultDims.begin();
    Value size;
    if (logical < 2) {
      size = dimOf(0, logical);
      for (int i = 1; i < 3; ++i)
        size = arith::MaxSIOp::create(rewriter, loc, size, dimOf(i, logical));
    } else {
      size = logical == 2 ? dimOf(0, 2) : dimOf(2, 3);
    }
    dynamicSizes.push_back(size);
  }
  auto memrefType =
      MemRefType::get(resultType.getShape(), resultType.getElementType());
  FailureOr<Value> alloc =
      options.createAlloc(rewriter, loc, memrefType, dynamicSizes);
  if (failed(alloc))
    return failure();
  auto replacement = AttentionOp::create(
      rewriter, loc, TypeRange(), buffers[0], buffers[1], buffers[2],
      buffers[3], *alloc, getScaleAttr(), getMaskFillAttr(),
      getQueryDimsAttr(), getKeyDimsAttr(), getValueDimsAttr(),
      getResultDimsAttr(), getZeroMaskedRowsAttr());
  replacement->setDiscardableAttrs(
      getOperation()->getDiscardableAttrDictionary());
  replaceOpWithBufferizedValues(rewriter, getOperation(), *alloc);
  return success();
}
