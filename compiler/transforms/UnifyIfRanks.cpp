//===- UnifyIfRanks.cpp - One rank for If results whose branches differ ---===//
//
// ONNX lets the branches of an If return tensors of different ranks, and
// function bodies do it: AffineGrid's returns step_d as a scalar when the
// depth is 1 and as a [1] tensor otherwise. ONNX's shape inference then
// leaves the result unranked, and Kiln, which fixes ranks at compile time,
// could not lower it. When every user broadcasts the result against an
// operand of at least the highest branch rank, the lower-ranked branches may
// return their value with leading unit dims instead: numpy broadcasting
// prepends exactly those dims, so each user computes the same values. Such
// branches get an Unsqueeze before their yield and the If one ranked type.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/GraphUtils.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXUNIFYIFRANKSPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::onnx_ir;

namespace {

/// The types the branches yield for result `idx`, when all are ranked
/// tensors of one element type.
std::optional<SmallVector<RankedTensorType, 2>> yieldedTypes(OnnxIfOp op,
                                                             unsigned idx) {
  SmallVector<RankedTensorType, 2> types;
  for (Region *r : {&op.getThenBranch(), &op.getElseBranch()}) {
    if (!r->hasOneBlock())
      return std::nullopt;
    auto t = dyn_cast<RankedTensorType>(
        r->front().getTerminator()->getOperand(idx).getType());
    if (!t || (!types.empty() &&
               t.getElementType() != types.front().getElementType()))
      return std::nullopt;
    types.push_back(t);
  }
  return types;
}

bool hasRankAtLeast(Value v, int64_t rank) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() >= rank;
}

/// Whether `use` computes the same values when the value it reads gains
/// leading unit dims up to rank `rank`: a multidirectional broadcast with
/// another operand of at least that rank (whose result rank is then that
/// operand's either way), PRelu's slope or Expand's input broadcast to at
/// least that rank, or CastLike's `target_type`, of which only the element
/// type is read.
bool absorbsLeadingUnitDims(OpOperand &use, int64_t rank) {
  Operation *user = use.getOwner();
  unsigned idx = use.getOperandNumber();
  if (isa<OnnxAddOp, OnnxSubOp, OnnxMulOp, OnnxDivOp, OnnxPowOp, OnnxModOp,
          OnnxBitShiftOp, OnnxBitwiseAndOp, OnnxBitwiseOrOp, OnnxBitwiseXorOp,
          OnnxMaxOp, OnnxMinOp, OnnxSumOp, OnnxMeanOp, OnnxEqualOp, OnnxLessOp,
          OnnxLessOrEqualOp, OnnxGreaterOp, OnnxGreaterOrEqualOp, OnnxAndOp,
          OnnxOrOp, OnnxXorOp, OnnxWhereOp>(user))
    return llvm::any_of(user->getOpOperands(), [&](OpOperand &other) {
      return other.getOperandNumber() != idx && other.get() != use.get() &&
             hasRankAtLeast(other.get(), rank);
    });
  if (auto prelu = dyn_cast<OnnxPReluOp>(user))
    return idx == 1 && prelu.getX() != use.get() &&
           hasRankAtLeast(prelu.getX(), rank);
  if (auto expand = dyn_cast<OnnxExpandOp>(user)) {
    auto shape = dyn_cast<RankedTensorType>(expand.getShape().getType());
    return idx == 0 && shape && shape.getRank() == 1 &&
           !shape.isDynamicDim(0) && shape.getDimSize(0) >= rank;
  }
  if (auto castLike = dyn_cast<OnnxCastLikeOp>(user))
    return idx == 1 && castLike.getInput() != use.get();
  return false;
}

/// `type` with `rank - type.getRank()` leading unit dims.
RankedTensorType withLeadingUnitDims(RankedTensorType type, int64_t rank) {
  SmallVector<int64_t> shape(rank - type.getRank(), 1);
  llvm::append_range(shape, type.getShape());
  return RankedTensorType::get(shape, type.getElementType());
}

/// The least precise type both `a` and `b` have (same rank).
RankedTensorType join(RankedTensorType a, RankedTensorType b) {
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip_equal(a.getShape(), b.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, a.getElementType());
}

/// If results whose branches yield different ranks, read only by users that
/// absorb leading unit dims (see above), get the highest rank: the lower
/// branches unsqueeze their value before yielding it.
struct UnifyBranchRanks : OpRewritePattern<OnnxIfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxIfOp op,
                                PatternRewriter &rewriter) const override {
    bool changed = false;
    for (OpResult result : op->getResults()) {
      std::optional<SmallVector<RankedTensorType, 2>> types =
          yieldedTypes(op, result.getResultNumber());
      if (!types)
        continue;
      int64_t rank = 0;
      for (RankedTensorType t : *types)
        rank = std::max(rank, t.getRank());
      if (llvm::all_of(*types, [&](auto t) { return t.getRank() == rank; }))
        continue;
      // A result declared ranked keeps its type: only an unranked one or
      // one of the rank chosen here may change.
      if (auto declared = dyn_cast<RankedTensorType>(result.getType());
          declared && declared.getRank() != rank)
        continue;
      if (!llvm::all_of(result.getUses(), [&](OpOperand &use) {
            return absorbsLeadingUnitDims(use, rank);
          }))
        continue;

      RankedTensorType joined;
      for (Region *r : {&op.getThenBranch(), &op.getElseBranch()}) {
        Operation *yield = r->front().getTerminator();
        OpOperand &yielded = yield->getOpOperand(result.getResultNumber());
        auto type = cast<RankedTensorType>(yielded.get().getType());
        if (type.getRank() < rank) {
          rewriter.setInsertionPoint(yield);
          Location loc = yield->getLoc();
          int64_t added = rank - type.getRank();
          auto axesType = RankedTensorType::get({added}, rewriter.getI64Type());
          SmallVector<int64_t> axes =
              llvm::to_vector(llvm::seq<int64_t>(0, added));
          Value axesValue =
              OnnxConstantOp::create(
                  rewriter, loc, TypeRange{axesType}, ValueRange{},
                  ArrayRef<NamedAttribute>{rewriter.getNamedAttr(
                      "value", DenseIntElementsAttr::get(axesType, axes))})
                  ->getResult(0);
          type = withLeadingUnitDims(type, rank);
          Value unsqueezed = OnnxUnsqueezeOp::create(rewriter, loc, type,
                                                     yielded.get(), axesValue);
          rewriter.modifyOpInPlace(yield, [&] { yielded.set(unsqueezed); });
        }
        joined = joined ? join(joined, type) : type;
      }
      if (auto declared = dyn_cast<RankedTensorType>(result.getType()))
        joined = join(joined, declared);
      rewriter.modifyOpInPlace(op, [&] { result.setType(joined); });
      changed = true;
    }
    return success(changed);
  }
};

/// Whether the branches of `op` yield values of different ranks for `result`.
bool branchRanksDiffer(OnnxIfOp op, OpResult result) {
  std::optional<SmallVector<RankedTensorType, 2>> types =
      yieldedTypes(op, result.getResultNumber());
  return types && (*types)[0].getRank() != (*types)[1].getRank();
}

struct OnnxUnifyIfRanksPass
    : kiln::impl::OnnxUnifyIfRanksPassBase<OnnxUnifyIfRanksPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    RewritePatternSet patterns(&getContext());
    patterns.add<UnifyBranchRanks>(&getContext());
    FrozenRewritePatternSet frozen(std::move(patterns));
    // This pass runs at every level: it changes no op but the Ifs.
    GreedyRewriteConfig config;
    config.enableFolding(false)
        .enableConstantCSE(false)
        .setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    // A unified If ranks its users, which may rank the yields of an
    // enclosing If: go again while anything changes (each round unifies at
    // least one more If result, so this ends).
    while (true) {
      bool changed = false;
      if (failed(applyPatternsGreedily(func, frozen, config, &changed)))
        return signalPassFailure();
      if (!changed)
        break;
      if (failed(kiln::refineTypesInOrder(func)))
        return signalPassFailure();
    }

    // A graph output has one rank in the signature; which branch runs is
    // known only at run time.
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    bool refused = false;
    for (OpOperand &out : ret->getOpOperands()) {
      auto result = dyn_cast<OpResult>(out.get());
      auto ifOp = result ? dyn_cast<OnnxIfOp>(result.getOwner()) : nullptr;
      if (!ifOp || !branchRanksDiffer(ifOp, result))
        continue;
      std::optional<SmallVector<RankedTensorType, 2>> types =
          yieldedTypes(ifOp, result.getResultNumber());
      ifOp.emitError() << "result #" << result.getResultNumber()
                       << " is graph output #" << out.getOperandNumber()
                       << ", but the then branch returns rank "
                       << (*types)[0].getRank() << " and the else branch rank "
                       << (*types)[1].getRank()
                       << ": the output's rank would depend on the run-time "
                          "condition, and Kiln fixes ranks at compile time";
      refused = true;
    }
    if (refused)
      signalPassFailure();
  }
};

} // namespace
