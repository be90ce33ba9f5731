//===- Passes.td - Graph passes on the onnx dialect --------*- tablegen -*-===//

#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def OnnxShapeInferencePass
    : Pass<"kiln-shape-inference", "mlir::func::FuncOp"> {
  let summary = "Refine onnx result types from operand types";
  let description = [{
    Visits ops in order and asks each op's OnnxShapeInference interface for
    better result types (fixed dims where there were `?`, ranked where the
    type was unranked). The function's result types follow its return.
  }];
}

#endif // KILN_TRANSFORMS_PASSES_TD
