//===- UkernelCall.h - Calls into the support library's kernels -*- C++ -*-===//
//
// What the ukernel passes share: finding the ops configured for them, declaring
// a kernel of the support library (compiler/artifact/support/gemm) and passing
// buffers to it as an address and element strides.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_CPU_UKERNELCALL_H
#define KILN_COMPILER_CODEGEN_CPU_UKERNELCALL_H

#include "compiler/codegen/common/AbsorbedOperands.h"
#include "compiler/codegen/common/FusedEpilogue.h"
#include "compiler/codegen/common/KilnCodegen.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

#include <array>
#include <optional>

namespace kiln {

/// The ops of `module` whose lowering configuration has `strategy`, each
/// with its ISA, when every one is one of OpTys on f32 buffers; otherwise
/// an error on the first that is not (`expected` names what it should be)
/// and failure: a configuration a kernel cannot follow is a bug upstream.
template <typename... OpTys>
mlir::FailureOr<llvm::SmallVector<std::pair<mlir::Operation *, codegen::Isa>>>
collectConfiguredOps(mlir::ModuleOp module, codegen::Strategy strategy,
                     llvm::StringRef expected) {
  llvm::SmallVector<std::pair<mlir::Operation *, codegen::Isa>> ops;
  mlir::WalkResult walk = module.walk([&](mlir::Operation *op) {
    codegen::LoweringConfigAttr config =
        codegen::getLoweringConfig(op, strategy);
    if (!config)
      return mlir::WalkResult::advance();
    bool typed = llvm::isa<OpTys...>(op);
    bool f32Buffers = llvm::all_of(op->getOperandTypes(), [](mlir::Type t) {
      auto memref = llvm::dyn_cast<mlir::MemRefType>(t);
      return memref && memref.getElementType().isF32();
    });
    if (!typed || !f32Buffers) {
      op->emitOpError() << "has the " << codegen::stringifyStrategy(strategy)
                        << " strategy but is not " << expected
                        << " on f32 buffers";
      return mlir::WalkResult::interrupt();
    }
    ops.push_back({op, config.getIsa()});
    return mlir::WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return mlir::failure();
  return ops;
}

/// The loop dims (batch or -1, m, n, k) of `op` when it is a contraction
/// with one m, n and k dim and at most one batch dim over f32 tensors or
/// buffers, with projected-permutation maps: what the packed GEMM computes.
std::optional<std::array<int64_t, 4>>
matchF32Contraction(mlir::linalg::LinalgOp op);

/// The same for a linalg.matmul or batch_matmul of i16 operands
/// sign-extended into an i32 result (MatMulInteger's, see
/// kiln_igemm_impl.h).
std::optional<std::array<int64_t, 4>>
matchI16Contraction(mlir::linalg::LinalgOp op);

/// `func.func private @kiln_parallel_for(i64, i64, i64, !llvm.ptr,
/// !llvm.ptr)`, declared once per module: the artifact's entry into the
/// session's thread pool, which it defines only when the module declares it.
void declareParallelFor(mlir::ModuleOp module);

/// `func.func private @name(index x numArgs)`, declared once per module,
/// together with `kiln_parallel_for`, through which the kernels run their
/// tasks and which the artifact defines only when the module declares it.
mlir::func::FuncOp declareUkernel(mlir::ModuleOp module, llvm::StringRef name,
                                  unsigned numArgs);

/// Replaces every op configured with `strategy` by `lower(op, kernel)`,
/// where kernel is `<prefix><isa>` of the op's configuration, declared with
/// `numArgs` index arguments.
template <typename... OpTys, typename LowerFn>
mlir::LogicalResult
lowerConfiguredOps(mlir::ModuleOp module, codegen::Strategy strategy,
                   llvm::StringRef expected, llvm::StringRef prefix,
                   unsigned numArgs, LowerFn lower) {
  auto ops = collectConfiguredOps<OpTys...>(module, strategy, expected);
  if (mlir::failed(ops))
    return mlir::failure();
  for (auto [op, isa] : *ops)
    lower(op, declareUkernel(module, (prefix + codegen::isaSuffix(isa)).str(),
                             numArgs));
  return mlir::success();
}

/// A buffer as the kernels take it: the address of its first element and
/// its element strides (an index each).
struct BufferArg {
  mlir::Value address;
  llvm::SmallVector<mlir::Value, 4> strides;
};
BufferArg getBufferArg(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value buffer);

/// Whether the innermost `dims` dims of the buffer `v` are contiguous
/// (row-major with unit stride), as far as its type says or, for a slice
/// of a buffer, as its offsets and sizes show.
bool innerDimsContiguous(mlir::Value v, unsigned dims);

/// A fresh buffer of `v`'s shape with an identity layout, holding a copy of
/// v's values when `copyIn`: what a kernel reads or writes instead of a
/// buffer whose layout it cannot take (the caller copies an output back
/// and frees it).
mlir::Value allocIdentityCopy(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value v, bool copyIn);

/// A ukernel call's arguments, built at `b`'s insertion point: sizes read
/// from buffers, index constants, and buffers as an address and their
/// element strides (the preamble every ukernel pass had as lambdas).
struct UkernelArgs {
  mlir::OpBuilder &b;
  mlir::Location loc;
  llvm::SmallVector<mlir::Value> values;

  UkernelArgs(mlir::OpBuilder &b, mlir::Location loc) : b(b), loc(loc) {}
  /// memref.dim of `buffer` at `d`.
  mlir::Value dim(mlir::Value buffer, int64_t d) const;
  mlir::Value index(int64_t v) const;
  /// Appends `buffer`'s address and every element stride.
  void appendBuffer(mlir::Value buffer);
};

/// The strides, dilations and leading padding (top, left) of a 1-D or 2-D
/// sliding-window op (a convolution, a pool) as the 2-D kernels take them:
/// a 1-D op is a 2-D one of height 1 (stride and dilation 1, no padding on
/// top). `padLow` is what an absorbed padding left on the spatial dims, or
/// empty.
struct WindowGeometry {
  llvm::SmallVector<int64_t, 2> strides, dilations, padLow;
};
WindowGeometry getWindowGeometry(mlir::Operation *op, bool oneD,
                                 llvm::ArrayRef<int64_t> padLow);

/// The bytes of a constant global of f32 or i16 elements (dense or
/// resource-backed), row-major, or nothing.
std::optional<llvm::SmallVector<char>>
readGlobalBytes(mlir::memref::GlobalOp global);

/// The global `get` names.
mlir::memref::GlobalOp globalOf(mlir::memref::GetGlobalOp get);

/// Erases `op`, a memref.get_global of weights or a reshape
/// (expand/collapse_shape) of one, when nothing reads it any more, then
/// what it read in turn. Returns the global named by the get_global so
/// erased (the caller decides whether it goes too), or null.
mlir::memref::GlobalOp eraseUnusedGlobalRead(mlir::Operation *op);

/// A private constant global `name` of `type` holding `bytes` (a resource
/// blob, 64-byte aligned), inserted at the start of `module` under a name
/// the symbol table makes unique.
mlir::memref::GlobalOp createConstantGlobal(mlir::ModuleOp module,
                                            mlir::Location loc,
                                            llvm::StringRef name,
                                            mlir::MemRefType type,
                                            llvm::ArrayRef<char> bytes);

/// A kernel's bias operand for `start` (matchStart): the bias's address
/// and strides; for a start at zero, the address of a constant +0.0 (one
/// per module) with `rank` zero strides, which the kernels read as a bias
/// broadcast everywhere; with no start, address 0 (C is accumulated into)
/// and `rank` zero strides.
BufferArg getBiasArg(mlir::OpBuilder &b, mlir::Location loc,
                     const std::optional<AbsorbedBias> &start, unsigned rank);

/// The four arguments every kernel takes last (kiln_epilogue.h): the
/// epilogue's activation, its alpha and beta as bit patterns and the
/// residual's address; zeros without an epilogue.
void appendEpilogueArgs(mlir::OpBuilder &b, mlir::Location loc,
                        const std::optional<AbsorbedEpilogue> &epilogue,
                        llvm::SmallVectorImpl<mlir::Value> &args);

} // namespace kiln

#endif
