//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//

#ifndef KILN_CODEGEN_CPU_PASSES_TD
#define KILN_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExternalizeWeights : Pass<"kiln-externalize-weights", "mlir::ModuleOp"> {
  let summary = "Move resource-backed constant globals into one weight blob";
  let description = [{
    Every `memref.global` initialised from a dense_resource blob is replaced
    by a `memref.view` into one external byte buffer, `__kiln_weights`, at a
    64-byte aligned offset. The blobs are listed in the module attribute
    `kiln.weights` so the artifact writer emits their bytes straight into
    the object's read-only data; they never become LLVM IR constants element
    by element, so compile time and memory stay linear in the model size.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

#endif // KILN_CODEGEN_CPU_PASSES_TD
