//===- ShapeInferencePass.cpp - Refine onnx result types ------------------===//

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
    bool failed = false;
    auto inferForward = [&] {
      // Ops are in dominance order, so one walk sees every operand refined
      // before its users.
      func.walk([&](kiln::onnx_ir::OnnxShapeInference op) {
        // inferShapes fails both when nothing changes and on conflicts;
        // only conflicts emit a diagnostic, which the handler counts.
        ScopedDiagnosticHandler handler(&getContext(), [&](Diagnostic &d) {
          failed |= d.getSeverity() == DiagnosticSeverity::Error;
          return failure(); // Let the diagnostic propagate to the user.
        });
        (void)op.inferShapes();
      });
    };
    inferForward();
    // A rank learnt backwards may make more known forwards; each round
    // ranks at least one more value, so this ends.
    while (!failed && rankOperandsFromResults(func))
      inferForward();
    if (failed)
      return signalPassFailure();
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    func.setFunctionType(FunctionType::get(
        &getContext(), func.getArgumentTypes(), ret.getOperandTypes()));
  }
};
} // namespace
