//===- ControlFlow.cpp - onnx to linalg: control flow ops -----------------===//
//
// If becomes scf.if with tensor results. The branch bodies move into the
// scf.if regions unchanged; the conversion driver then lowers the onnx ops
// inside them like any other op (they were collected before this pattern
// ran), so only the terminators are rewritten here.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/YieldedValues.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

struct IfLowering : OpConversionPattern<OnnxIfOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxIfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<Type> resultTypes;
    if (failed(
            getTypeConverter()->convertTypes(op.getResultTypes(), resultTypes)))
      return rewriter.notifyMatchFailure(op, "unconvertible result types");
    for (Type t : resultTypes) {
      if (isa<UnrankedTensorType>(t))
        return rewriter.notifyMatchFailure(
            op, "a result's rank is only known at run time (the branches "
                "return tensors of different ranks, or of a rank that "
                "depends on run-time values); Kiln fixes ranks at compile "
                "time");
      if (!isa<RankedTensorType>(t))
        return rewriter.notifyMatchFailure(
            op, "only tensor results are supported (no sequences/optionals)");
    }

    // The condition is a one-element bool tensor (rank 0 or [1]).
    Value cond = adaptor.getCond();
    auto condTy = dyn_cast<RankedTensorType>(cond.getType());
    if (!condTy || !condTy.getElementType().isInteger(1) ||
        llvm::any_of(condTy.getShape(), [](int64_t d) { return d > 1; }))
      return rewriter.notifyMatchFailure(op,
                                         "condition must be one bool element");
    SmallVector<Value> zeros(condTy.getRank(),
                             arith::ConstantIndexOp::create(rewriter, loc, 0));
    Value c = tensor::ExtractOp::create(rewriter, loc, cond, zeros);

    for (Region *r : {&op.getThenBranch(), &op.getElseBranch()})
      if (!r->hasOneBlock() || r->front().getNumArguments() != 0)
        return rewriter.notifyMatchFailure(
            op, "branches must be one block without arguments");
    auto ifOp = scf::IfOp::create(rewriter, loc, resultTypes, c,
                                  /*addThenBlock=*/false,
                                  /*addElseBlock=*/false);
    for (auto [from, to] :
         {std::pair{&op.getThenBranch(), &ifOp.getThenRegion()},
          std::pair{&op.getElseBranch(), &ifOp.getElseRegion()}}) {
      rewriter.inlineRegionBefore(*from, *to, to->end());
      auto yield = cast<OnnxYieldOp>(to->front().getTerminator());
      rewriter.setInsertionPoint(yield);
      SmallVector<Value> values;
      // Values from outside the branch were converted already; branch
      // values may keep unsigned element types, and branches may disagree
      // on static dims (the op's type is the join).
      for (auto [v, ty] : llvm::zip(yield.getOperands(), resultTypes))
        values.push_back(
            adapt(rewriter, loc,
                  resolveYielded(rewriter, v, *to, to->front(), /*args=*/{}),
                  cast<RankedTensorType>(ty)));
      rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, values);
    }
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

} // namespace

void kiln::populateControlFlowPatterns(TypeConverter &tc,
                                       RewritePatternSet &patterns) {
  patterns.add<IfLowering>(tc, patterns.getContext());
}
