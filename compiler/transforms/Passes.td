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

def OnnxConstantFoldingPass
    : Pass<"kiln-fold-constants", "mlir::func::FuncOp"> {
  let summary = "Evaluate onnx ops whose inputs are small constants";
  let description = [{
    Replaces Shape/Size of static tensors, and Cast, Reshape, Squeeze,
    Unsqueeze, Flatten, Identity, Concat, Gather, Slice, ConstantOfShape,
    Range, Add/Sub/Mul/Div/Equal whose inputs are small constants (at most
    1024 elements) by onnx.Constant. This removes the shape arithmetic
    exporters emit around reshapes. Weights are never evaluated. Each op's
    type is refined (OnnxShapeInference) just before it is considered, so
    one walk folds whole chains.
  }];
  let options = [
    Option<"integerOnly", "integer-only", "bool", /*default=*/"false",
           "Only fold ops with integer results (shape arithmetic); used "
           "at DISABLE_ALL, where types must still be resolved">
  ];
}

#endif // KILN_TRANSFORMS_PASSES_TD
