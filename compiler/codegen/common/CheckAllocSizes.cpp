//===- CheckAllocSizes.cpp - Allocations whose byte size overflows fail --===//
//
// See Passes.td: before each memref.alloc with dynamic sizes, its byte
// count is computed with overflow detection; on overflow (or above 2^62)
// the allocation's sizes are replaced by ones just over 2^62 bytes, which
// the runtime refuses (the run then fails with ONNX Runtime's allocation
// error instead of writing through a wrapped, tiny buffer). A static
// allocation that large is an error at compile time.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

#include <algorithm>

namespace kiln {
#define GEN_PASS_DEF_CHECKALLOCSIZES
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Bytes no allocation may reach: above it the runtime refuses a request.
constexpr uint64_t kLimit = uint64_t{1} << 62;

/// Bytes per element of `type`, or 0 when not a plain int, float or index.
uint64_t elementBytes(Type type) {
  if (type.isIndex())
    return 8;
  if (type.isIntOrFloat())
    return (type.getIntOrFloatBitWidth() + 7) / 8;
  return 0;
}

struct CheckAllocSizesPass
    : kiln::impl::CheckAllocSizesBase<CheckAllocSizesPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    bool tooLarge = false;
    getOperation().walk([&](Operation *op) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (alloc && !alloc.getDynamicSizes().empty()) {
        allocs.push_back(alloc);
        return;
      }
      // A static shape whose byte count wraps would be lowered to a
      // wrapped, tiny allocation written far past its end (a Tile of a
      // constant by [2^40, 2^40]: SIGSEGV): refused here.
      if (isa<memref::AllocOp, memref::AllocaOp>(op)) {
        auto type = cast<MemRefType>(op->getResult(0).getType());
        uint64_t bytes = elementBytes(type.getElementType());
        for (int64_t size : type.getShape())
          if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(size),
                                     &bytes))
            bytes = kLimit + 1;
        if (bytes > kLimit) {
          op->emitError() << "a tensor of type " << type
                          << " needs more than 2^62 bytes; no run could "
                             "allocate it";
          tooLarge = true;
        }
      }
    });
    if (tooLarge)
      return signalPassFailure();
    for (memref::AllocOp op : allocs)
      guard(op);
  }

  void guard(memref::AllocOp op) {
    MemRefType type = op.getType();
    uint64_t bytes = elementBytes(type.getElementType());
    if (bytes == 0)
      return;
    // The static sizes' product, saturated at the limit.
    for (int64_t size : type.getShape())
      if (!ShapedType::isDynamic(size) &&
          __builtin_mul_overflow(bytes, static_cast<uint64_t>(size), &bytes))
        bytes = kLimit + 1;
    OpBuilder b(op);
    Location loc = op.getLoc();
    Type i64 = b.getI64Type();
    Value total = arith::ConstantIntOp::create(
        b, loc, i64, static_cast<int64_t>(std::min(bytes, kLimit + 1)));
    Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
    Value overflow = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
    for (Value size : op.getDynamicSizes()) {
      Value n = arith::IndexCastUIOp::create(b, loc, i64, size);
      auto product = arith::MulUIExtendedOp::create(b, loc, total, n);
      Value high = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                         product.getHigh(), zero);
      overflow = arith::OrIOp::create(b, loc, overflow, high);
      total = product.getLow();
    }
    Value limit =
        arith::ConstantIntOp::create(b, loc, i64, static_cast<int64_t>(kLimit));
    Value tooBig = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt,
                                         total, limit);
    overflow = arith::OrIOp::create(b, loc, overflow, tooBig);
    // On overflow the allocation asks for just over the limit instead: its
    // first dynamic size such that the static ones make it 2^62 + some,
    // the others 1 (no wrap), which the runtime refuses.
    uint64_t perFirst = std::max<uint64_t>(std::min(bytes, kLimit), 1);
    SmallVector<Value> sizes;
    for (auto [i, size] : llvm::enumerate(op.getDynamicSizes())) {
      Value bad = arith::ConstantIndexOp::create(
          b, loc, i == 0 ? static_cast<int64_t>(kLimit / perFirst + 1) : 1);
      sizes.push_back(arith::SelectOp::create(b, loc, overflow, bad, size));
    }
    op.getDynamicSizesMutable().assign(sizes);
  }
};

} // namespace
