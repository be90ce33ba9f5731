//===- UkernelCall.cpp - Calls into the support library's kernels ---------===//

#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace kiln {

bool isKnownUkernelIsa(llvm::StringRef isa) {
  return isa == "avx512" || isa == "avx2" || isa == "sse";
}

func::FuncOp declareUkernel(ModuleOp module, llvm::StringRef name,
                            unsigned numArgs) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToStart(module.getBody());
  SmallVector<Type> args(numArgs, b.getIndexType());
  auto f =
      func::FuncOp::create(b, module.getLoc(), name, b.getFunctionType(args, {}));
  f.setPrivate();
  // The same declaration kiln-dispatch-parallel-loops makes.
  if (!module.lookupSymbol("kiln_parallel_for")) {
    auto ptr = LLVM::LLVMPointerType::get(b.getContext());
    auto i64 = b.getI64Type();
    func::FuncOp::create(b, module.getLoc(), "kiln_parallel_for",
                         b.getFunctionType({i64, i64, i64, ptr, ptr}, {}))
        .setPrivate();
  }
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
