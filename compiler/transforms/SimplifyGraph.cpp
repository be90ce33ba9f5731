//===- SimplifyGraph.cpp - Exact removal of redundant onnx nodes ----------===//
//
// BASIC level. Exporters leave Identity and Dropout nodes behind and chain
// reshapes and transposes around attention and flatten layers; each costs a
// copy or a loop nest once lowered. Every rewrite here is exact.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/GraphUtils.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXSIMPLIFYGRAPHPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::onnx_ir;

namespace {

/// Identity(x) -> x, and Cast(x) -> x when x already has the type
/// (function bodies cast to the type they have: ONNX's Attention casts its
/// f32 scores to f32 twice). Not when the op refines the type.
template <typename OpTy> struct ForwardSameType : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (op.getInput().getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "the op changes the type");
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

/// Dropout(x) -> x when it cannot be in training mode and its mask is unused.
struct RemoveInferenceDropout : OpRewritePattern<OnnxDropoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxDropoutOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getMask().use_empty())
      return rewriter.notifyMatchFailure(op, "mask is used");
    if (op.getData().getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "Dropout refines the type");
    if (!isNoValue(op.getTrainingMode())) {
      auto mode = kiln::readIntConstant(op.getTrainingMode());
      if (!mode || mode->size() != 1 || (*mode)[0] != 0)
        return rewriter.notifyMatchFailure(op, "training_mode may be true");
    }
    rewriter.replaceOp(op, {op.getData(), Value()});
    return success();
  }
};

/// True for ops that only reinterpret their input's shape (element order is
/// unchanged), so a Reshape after them can read their input instead.
bool isShapeOnly(Operation *op) {
  return isa_and_nonnull<OnnxReshapeOp, OnnxFlattenOp, OnnxSqueezeOp,
                         OnnxUnsqueezeOp>(op);
}

/// Reshape(Reshape|Flatten|Squeeze|Unsqueeze(x), s) -> Reshape(x, s), and a
/// Reshape to the input's own static type -> its input.
struct FoldReshapeChain : OpRewritePattern<OnnxReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inType = dyn_cast<RankedTensorType>(op.getData().getType());
    if (inType && inType.hasStaticShape() &&
        inType == op.getReshaped().getType()) {
      rewriter.replaceOp(op, op.getData());
      return success();
    }
    Operation *inner = op.getData().getDefiningOp();
    if (!isShapeOnly(inner))
      return rewriter.notifyMatchFailure(op, "input is not a reshape");
    // A 0 in the shape copies the dim of the Reshape's own input, which
    // changes when the input changes (unless allowzero makes it literal).
    auto shape = kiln::readIntConstant(op.getShape());
    if (!shape)
      return rewriter.notifyMatchFailure(op, "shape is not a constant");
    if (op.getAllowzero() == 0 && llvm::is_contained(*shape, 0))
      return rewriter.notifyMatchFailure(op, "shape copies input dims");
    rewriter.modifyOpInPlace(
        op, [&] { op.getDataMutable().assign(inner->getOperand(0)); });
    return success();
  }
};

SmallVector<int64_t> permutationOf(OnnxTransposeOp op, int64_t rank) {
  SmallVector<int64_t> perm;
  if (std::optional<ArrayAttr> p = op.getPerm()) {
    for (Attribute a : *p)
      perm.push_back(cast<IntegerAttr>(a).getInt());
    return perm;
  }
  for (int64_t i = rank - 1; i >= 0; --i)
    perm.push_back(i);
  return perm;
}

bool isIdentityPermutation(ArrayRef<int64_t> perm) {
  for (auto [i, p] : llvm::enumerate(perm))
    if (p != (int64_t)i)
      return false;
  return true;
}

/// Transpose(Transpose(x, p1), p2) -> Transpose(x, p1[p2]); an identity
/// permutation forwards its input.
struct FoldTransposeChain : OpRewritePattern<OnnxTransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxTransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inType = dyn_cast<RankedTensorType>(op.getData().getType());
    if (!inType)
      return rewriter.notifyMatchFailure(op, "unranked input");
    int64_t rank = inType.getRank();
    SmallVector<int64_t> outer = permutationOf(op, rank);
    if (isIdentityPermutation(outer) &&
        inType == op.getTransposed().getType()) {
      rewriter.replaceOp(op, op.getData());
      return success();
    }
    auto inner = op.getData().getDefiningOp<OnnxTransposeOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "input is not a Transpose");
    auto innerIn = dyn_cast<RankedTensorType>(inner.getData().getType());
    if (!innerIn || innerIn.getRank() != rank)
      return rewriter.notifyMatchFailure(op, "unranked inner input");
    // out[i] = mid[outer[i]] = x[inner[outer[i]]].
    SmallVector<int64_t> innerPerm = permutationOf(inner, rank);
    SmallVector<int64_t> composed;
    for (int64_t p : outer)
      composed.push_back(innerPerm[p]);
    if (isIdentityPermutation(composed) &&
        innerIn == op.getTransposed().getType()) {
      rewriter.replaceOp(op, inner.getData());
      return success();
    }
    rewriter.modifyOpInPlace(op, [&] {
      op.getDataMutable().assign(inner.getData());
      op.setPermAttr(rewriter.getI64ArrayAttr(composed));
    });
    return success();
  }
};

struct OnnxSimplifyGraphPass
    : kiln::impl::OnnxSimplifyGraphPassBase<OnnxSimplifyGraphPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ForwardSameType<OnnxIdentityOp>, ForwardSameType<OnnxCastOp>,
                 FoldReshapeChain, FoldTransposeChain>(&getContext());
    if (removeDropout)
      patterns.add<RemoveInferenceDropout>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
