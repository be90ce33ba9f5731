//===- ByteBools.cpp - Scalar bools accessed as their bytes --------------===//
//
// See the pass's description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace kiln {
#define GEN_PASS_DEF_BYTEBOOLS
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

bool isBool(Type t) { return t.isInteger(1); }

struct ByteBoolsPass : kiln::impl::ByteBoolsBase<ByteBoolsPass> {
  void runOnOperation() override {
    SmallVector<LLVM::LoadOp> loads;
    SmallVector<LLVM::StoreOp> stores;
    getOperation().walk([&](Operation *op) {
      if (auto load = dyn_cast<LLVM::LoadOp>(op)) {
        if (isBool(load.getType()) && !load.getVolatile_() &&
            load.getOrdering() == LLVM::AtomicOrdering::not_atomic)
          loads.push_back(load);
      } else if (auto store = dyn_cast<LLVM::StoreOp>(op)) {
        if (isBool(store.getValue().getType()) && !store.getVolatile_() &&
            store.getOrdering() == LLVM::AtomicOrdering::not_atomic)
          stores.push_back(store);
      }
    });
    for (LLVM::LoadOp load : loads) {
      OpBuilder b(load);
      Location loc = load.getLoc();
      Type byte = b.getI8Type();
      auto wide = LLVM::LoadOp::create(b, loc, byte, load.getAddr(),
                                       load.getAlignment().value_or(0));
      Value zero = LLVM::ConstantOp::create(b, loc, byte, 0);
      Value bit = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, wide,
                                       zero);
      load.replaceAllUsesWith(bit);
      load.erase();
    }
    for (LLVM::StoreOp store : stores) {
      OpBuilder b(store);
      Location loc = store.getLoc();
      Value wide =
          LLVM::ZExtOp::create(b, loc, b.getI8Type(), store.getValue());
      LLVM::StoreOp::create(b, loc, wide, store.getAddr(),
                            store.getAlignment().value_or(0));
      store.erase();
    }
  }
};

} // namespace
