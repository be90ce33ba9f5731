//===- OnnxInterfaces.td - Interfaces of onnx ops ----------*- tablegen -*-===//

#ifndef KILN_ONNX_INTERFACES_TD
#define KILN_ONNX_INTERFACES_TD

include "mlir/IR/OpBase.td"

def OnnxShapeInference : OpInterface<"OnnxShapeInference"> {
  let cppNamespace = "::kiln::onnx_ir";
  let description = [{
    Computes result types from operand types (and constant operands). Returns
    failure when nothing better than the current types can be derived; the
    shape inference pass then keeps the types it has.
  }];
  let methods = [
    InterfaceMethod<"Refine the result types in place.",
      "::llvm::LogicalResult", "inferShapes", (ins), [{}],
      [{ return ::mlir::failure(); }]>,
  ];
}

#endif // KILN_ONNX_INTERFACES_TD
