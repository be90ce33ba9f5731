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

def LowerDynamicExpandShape
    : Pass<"kiln-lower-dynamic-expand-shape", "mlir::func::FuncOp"> {
  let summary = "Lower memref.expand_shape with several dynamic sizes per group";
  let description = [{
    MLIR 22's expand-strided-metadata crashes on a memref.expand_shape whose
    reassociation group has more than one dynamic size (it cannot derive
    them from the source). Such ops are rewritten here into
    extract_strided_metadata + reinterpret_cast, taking the sizes from the
    op's output_shape operands and the strides as suffix products of them.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def StridedCopyToLinalg
    : Pass<"kiln-strided-copy-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Turn memref.copy of non-contiguous buffers into linalg.copy";
  let description = [{
    The LLVM lowering turns a memref.copy between strided (non-identity)
    layouts into a call to `memrefCopy` from MLIR's C runner utilities,
    which an artifact cannot depend on. As linalg.copy the copy becomes
    plain loops (or vector code) instead. Contiguous copies stay memcpy.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif // KILN_CODEGEN_CPU_PASSES_TD
