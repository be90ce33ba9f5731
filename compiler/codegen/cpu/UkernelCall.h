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

/// The ISAs the support library has kernels for (the `isa` pass option).
bool isKnownUkernelIsa(llvm::StringRef isa);

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
