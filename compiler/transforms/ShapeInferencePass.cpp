//===- ShapeInferencePass.cpp - Refine onnx result types ------------------===//

#include "compiler/transforms/GraphUtils.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/ShapeInferenceUtils.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXSHAPEINFERENCEPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Gives an unranked operand the rank of its shape-preserving user's result
/// (a Log after a ReduceSum over run-time axes whose result is a graph
/// output of declared rank, as expanded function bodies have it). Only
/// results of ops are retyped; block arguments keep the types their region
/// op gives them. Returns whether a type changed.
bool rankOperandsFromResults(func::FuncOp func) {
  bool changed = false;
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) { ops.push_back(op); });
  // Users first, so a rank travels back through a chain in one sweep.
  for (Operation *op : llvm::reverse(ops)) {
    if (op->getNumOperands() == 0 || op->getNumResults() == 0 ||
        !kiln::onnx_ir::keepsShapeOfFirstOperand(op))
      continue;
    auto result = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    Value in = op->getOperand(0);
    auto inType = dyn_cast<UnrankedTensorType>(in.getType());
    if (!result || !inType || !in.getDefiningOp())
      continue;
    in.setType(
        RankedTensorType::get(result.getShape(), inType.getElementType()));
    changed = true;
  }
  return changed;
}

struct OnnxShapeInferencePass
    : kiln::impl::OnnxShapeInferencePassBase<OnnxShapeInferencePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // A rank learnt backwards may make more known forwards; each round
    // ranks at least one more value, so this ends.
    do {
      if (failed(kiln::refineTypesInOrder(func)))
        return signalPassFailure();
    } while (rankOperandsFromResults(func));
  }
};
} // namespace
