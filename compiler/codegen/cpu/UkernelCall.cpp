//===- UkernelCall.cpp - Calls into the support library's kernels ---------===//

#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace kiln {

LogicalResult verifyUkernelIsa(ModuleOp module, llvm::StringRef pass,
                               llvm::StringRef isa) {
  if (isa == "avx512" || isa == "avx2" || isa == "sse")
    return success();
  return module.emitError() << pass << ": unknown isa '" << isa
                            << "' (expected avx512, avx2 or sse)";
}

void declareParallelFor(ModuleOp module) {
  if (module.lookupSymbol("kiln_parallel_for"))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  auto i64 = b.getI64Type();
  func::FuncOp::create(b, module.getLoc(), "kiln_parallel_for",
                       b.getFunctionType({i64, i64, i64, ptr, ptr}, {}))
      .setPrivate();
}

func::FuncOp declareUkernel(ModuleOp module, llvm::StringRef name,
                            unsigned numArgs) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  // The kernels run their tasks through the session's thread pool.
  declareParallelFor(module);
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  SmallVector<Type> args(numArgs, b.getIndexType());
  auto f =
      func::FuncOp::create(b, module.getLoc(), name, b.getFunctionType(args, {}));
  f.setPrivate();
  return f;
}

BufferArg getBufferArg(OpBuilder &b, Location loc, Value buffer) {
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  unsigned bytes = cast<MemRefType>(buffer.getType())
                       .getElementType()
                       .getIntOrFloatBitWidth() /
                   8;
  Value size = arith::ConstantIndexOp::create(b, loc, bytes);
  Value offset = arith::MulIOp::create(b, loc, meta.getOffset(), size);
  BufferArg arg;
  arg.address = arith::AddIOp::create(b, loc, base, offset);
  arg.strides.append(meta.getStrides().begin(), meta.getStrides().end());
  return arg;
}

} // namespace kiln
