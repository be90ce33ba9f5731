//===- ShrinkBufferLifetimes.cpp - Alloc at first use, free after last ----===//
//
// See the pass description in Passes.td. Ownership-based deallocation frees
// at the end of the allocating block; this moves each allocation and its
// deallocation to the ends of the buffer's live range within the block, so
// that the runtime's arena hands a freed (and still cached) block to the
// next layer of the same run.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Block.h"

namespace kiln {
#define GEN_PASS_DEF_SHRINKBUFFERLIFETIMES
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Where the values derived from one allocation are used, as ops of the
/// allocation's block.
struct LiveRange {
  /// The last op of the block that uses the buffer or a value derived from
  /// it (null: none besides its deallocation).
  Operation *last = nullptr;
  /// A derived value leaves the block's control: stored to memory, yielded
  /// by the block, returned, or freed by another deallocation.
  bool escapes = false;
};

/// Whether `user` writes `v` itself (not the memory `v` points to) to
/// memory.
bool storesValue(Operation *user, Value v) {
  if (auto store = dyn_cast<memref::StoreOp>(user))
    return store.getValueToStore() == v;
  if (auto store = dyn_cast<vector::StoreOp>(user))
    return store.getValueToStore() == v;
  if (auto store = dyn_cast<LLVM::StoreOp>(user))
    return store.getValue() == v;
  return false;
}

/// The live range of `buffer`, an allocation in `block` freed by `dealloc`
/// (which does not count as a use). Every result of an op that takes a
/// derived value is derived too: a view, an extracted pointer and the index
/// arithmetic on it, a loop that yields it. Conservative by construction:
/// anything that could carry the address extends the range.
LiveRange liveRangeOf(Value buffer, Block *block, Operation *dealloc) {
  LiveRange range;
  SmallVector<Value> worklist = {buffer};
  llvm::SmallPtrSet<Value, 16> seen = {buffer};
  auto derive = [&](ValueRange values) {
    for (Value v : values)
      if (seen.insert(v).second)
        worklist.push_back(v);
  };
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (user == dealloc)
        continue;
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor || isa<memref::DeallocOp>(user) || storesValue(user, v) ||
          (user == ancestor && user->hasTrait<OpTrait::IsTerminator>())) {
        range.escapes = true;
        return range;
      }
      if (!range.last || range.last->isBeforeInBlock(ancestor))
        range.last = ancestor;
      derive(user->getResults());
      if (ancestor != user)
        derive(ancestor->getResults());
    }
  }
  return range;
}

/// The first op of `block` that uses `buffer` directly (null: none).
Operation *firstUse(Value buffer, Block *block) {
  Operation *first = nullptr;
  for (Operation *user : buffer.getUsers()) {
    Operation *ancestor = block->findAncestorOpInBlock(*user);
    if (ancestor && (!first || ancestor->isBeforeInBlock(first)))
      first = ancestor;
  }
  return first;
}

struct ShrinkBufferLifetimesPass
    : kiln::impl::ShrinkBufferLifetimesBase<ShrinkBufferLifetimesPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation().walk([&](memref::AllocOp op) { allocs.push_back(op); });

    // Allocations first, so that every deallocation below is measured
    // against the final position of its allocation.
    for (memref::AllocOp alloc : allocs) {
      Block *block = alloc->getBlock();
      Operation *first = firstUse(alloc.getResult(), block);
      // The dynamic sizes are defined before the allocation, so they still
      // dominate any later point of the block.
      if (first && alloc->isBeforeInBlock(first))
        alloc->moveBefore(first);
    }

    for (memref::AllocOp alloc : allocs) {
      Block *block = alloc->getBlock();
      memref::DeallocOp dealloc;
      for (Operation *user : alloc->getUsers())
        if (auto d = dyn_cast<memref::DeallocOp>(user);
            d && d->getBlock() == block)
          dealloc = d;
      if (!dealloc)
        continue;
      LiveRange range = liveRangeOf(alloc.getResult(), block, dealloc);
      if (range.escapes)
        continue;
      Operation *last = range.last ? range.last : alloc.getOperation();
      if (dealloc->isBeforeInBlock(last)) {
        InFlightDiagnostic diag =
            dealloc->emitError("buffer used after its deallocation");
        diag.attachNote(last->getLoc()) << "used here";
        return signalPassFailure();
      }
      dealloc->moveAfter(last);
    }
  }
};

} // namespace
