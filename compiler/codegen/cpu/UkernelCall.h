//===- UkernelCall.h - Calls into the support library's kernels -*- C++ -*-===//
//
// What kiln-gemm-ukernel and kiln-depthwise-ukernel share: declaring a
// kernel of the support library (compiler/artifact/support/gemm) and
// passing buffers to it as an address and element strides.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_CPU_UKERNELCALL_H
#define KILN_COMPILER_CODEGEN_CPU_UKERNELCALL_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace kiln {

/// Fails, with an error on `module` naming `pass`, unless `isa` is one the
/// support library has kernels for (avx512, avx2, sse): the `isa` option of
/// the ukernel passes.
mlir::LogicalResult verifyUkernelIsa(mlir::ModuleOp module,
                                     llvm::StringRef pass, llvm::StringRef isa);

/// `func.func private @kiln_parallel_for(i64, i64, i64, !llvm.ptr,
/// !llvm.ptr)`, declared once per module: the artifact's entry into the
/// session's thread pool, which it defines only when the module declares it.
void declareParallelFor(mlir::ModuleOp module);

/// `func.func private @name(index x numArgs)`, declared once per module,
/// together with `kiln_parallel_for`, through which the kernels run their
/// tasks and which the artifact defines only when the module declares it.
mlir::func::FuncOp declareUkernel(mlir::ModuleOp module, llvm::StringRef name,
                                  unsigned numArgs);

/// A buffer as the kernels take it: the address of its first element and
/// its element strides (an index each).
struct BufferArg {
  mlir::Value address;
  llvm::SmallVector<mlir::Value, 4> strides;
};
BufferArg getBufferArg(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value buffer);

} // namespace kiln

#endif
