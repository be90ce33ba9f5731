//===- LowerDynamicExpandShape.cpp - Work around an upstream crash --------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace kiln {
#define GEN_PASS_DEF_LOWERDYNAMICEXPANDSHAPE
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
bool hasMultiDynamicGroup(memref::ExpandShapeOp op) {
  ArrayRef<int64_t> shape = op.getResultType().getShape();
  for (const ReassociationIndices &group : op.getReassociationIndices()) {
    int dynamic = 0;
    for (int64_t d : group)
      dynamic += ShapedType::isDynamic(shape[d]);
    if (dynamic > 1)
      return true;
  }
  return false;
}

struct LowerDynamicExpandShapePass
    : kiln::impl::LowerDynamicExpandShapeBase<LowerDynamicExpandShapePass> {
  void runOnOperation() override {
    SmallVector<memref::ExpandShapeOp> todo;
    getOperation().walk([&](memref::ExpandShapeOp op) {
      if (hasMultiDynamicGroup(op))
        todo.push_back(op);
    });
    for (memref::ExpandShapeOp op : todo)
      if (failed(rewrite(op)))
        return signalPassFailure();
  }

  LogicalResult rewrite(memref::ExpandShapeOp op) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    MemRefType resultType = op.getResultType();
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, op.getSrc());
    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    SmallVector<OpFoldResult> strides(resultType.getRank());
    for (auto [srcDim, group] : llvm::enumerate(op.getReassociationIndices())) {
      // The innermost dim of a group keeps the source dim's stride; each
      // outer dim's stride is the next one's stride times its size.
      Value stride = meta.getStrides()[srcDim];
      for (int64_t d : llvm::reverse(group)) {
        strides[d] = stride;
        Value size = getValueOrCreateConstantIndexOp(b, loc, sizes[d]);
        stride = arith::MulIOp::create(b, loc, stride, size);
      }
    }
    // The result type may carry static strides the computed ones must match;
    // reinterpret_cast verifies that, so pass static values where known.
    int64_t staticOffset;
    SmallVector<int64_t> staticStrides;
    if (failed(resultType.getStridesAndOffset(staticStrides, staticOffset)))
      return op.emitError("unsupported expand_shape result layout");
    for (auto [i, s] : llvm::enumerate(staticStrides))
      if (!ShapedType::isDynamic(s))
        strides[i] = b.getIndexAttr(s);
    OpFoldResult offset =
        ShapedType::isDynamic(staticOffset)
            ? OpFoldResult(meta.getOffset())
            : OpFoldResult(b.getIndexAttr(staticOffset));
    for (auto [i, d] : llvm::enumerate(resultType.getShape()))
      if (!ShapedType::isDynamic(d))
        sizes[i] = b.getIndexAttr(d);
    Value cast = memref::ReinterpretCastOp::create(
        b, loc, resultType, meta.getBaseBuffer(), offset, sizes, strides);
    op.replaceAllUsesWith(cast);
    op.erase();
    return success();
  }
};
} // namespace
