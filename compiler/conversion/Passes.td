//===- Passes.td - onnx to linalg conversion passes --------*- tablegen -*-===//

#ifndef KILN_CONVERSION_PASSES_TD
#define KILN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertOnnxToLinalg : Pass<"convert-onnx-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower onnx ops to linalg, tensor, arith, math and scf";
  let description = [{
    Heavy ops become linalg named ops (matmul, batch_matmul, conv, pooling),
    elementwise ops become linalg.generic so they fuse. Unsigned ONNX integer
    types become signless integers; the ops that care about signedness pick
    the unsigned arith ops themselves. Fails, naming the op and its node,
    when an onnx op has no lowering.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect",
    "mlir::linalg::LinalgDialect", "mlir::math::MathDialect",
    "mlir::scf::SCFDialect", "mlir::tensor::TensorDialect",
    "mlir::bufferization::BufferizationDialect",
    // String ops allocate run-lifetime bytes with llvm.call (StringOps.cpp).
    "mlir::LLVM::LLVMDialect", "mlir::memref::MemRefDialect"
  ];
}

#endif // KILN_CONVERSION_PASSES_TD
