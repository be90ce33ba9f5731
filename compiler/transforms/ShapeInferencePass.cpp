//===- ShapeInferencePass.cpp - Refine onnx result types ------------------===//

#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXSHAPEINFERENCEPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct OnnxShapeInferencePass
    : kiln::impl::OnnxShapeInferencePassBase<OnnxShapeInferencePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    bool failed = false;
    // Ops are in dominance order, so one walk sees every operand refined
    // before its users.
    func.walk([&](kiln::onnx_ir::OnnxShapeInference op) {
      // inferShapes fails both when nothing changes and on conflicts; only
      // conflicts emit a diagnostic, which the handler counts.
      ScopedDiagnosticHandler handler(&getContext(), [&](Diagnostic &d) {
        failed |= d.getSeverity() == DiagnosticSeverity::Error;
        return failure(); // Let the diagnostic propagate to the user.
      });
      (void)op.inferShapes();
    });
    if (failed)
      return signalPassFailure();
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    func.setFunctionType(FunctionType::get(
        &getContext(), func.getArgumentTypes(), ret.getOperandTypes()));
  }
};
} // namespace
