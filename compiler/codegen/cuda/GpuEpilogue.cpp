//===- GpuEpilogue.cpp - Elementwise consumers in a strategy's kernel -----===//
//
// The legality argument: the kernel runs where the fused op was, and writes
// the generic's result where the op wrote its own. That computes what the
// two ops computed when (1) the generic's element i needs the op's element
// i only (identity maps on the output, the generic's loops those of its
// init), (2) every other buffer the generic reads holds at the op what it
// holds at the generic and is not written by the kernel (nothing with
// memory effects between the two but deallocations of other buffers; the
// operands are other buffers, defined before the op), and (3) nothing
// needs the op's own result afterwards (in place, the generic overwrote
// it; into a fresh buffer, the output has no other reader).
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/GpuEpilogue.h"
#include "compiler/codegen/common/AbsorbedOperands.h"
#include "compiler/codegen/cuda/KernelIndexing.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace kiln {

/// Whether `op` or an op nested in it has an operand that is `root` or a
/// view of it.
static bool usesBuffer(Operation *op, Value root) {
  WalkResult result = op->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands())
      if (isa<MemRefType>(operand.getType()) && rootBuffer(operand) == root)
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// Whether `v` is available where `op` is: an argument of an enclosing
/// block, or the result of an op before it in its block or around it.
static bool availableAt(Value v, Operation *op) {
  return DominanceInfo(op).properlyDominates(v, op);
}

FailureOr<GpuEpilogue> GpuEpilogue::match(linalg::LinalgOp op,
                                          std::string &why) {
  auto fail = [&](const char *reason) {
    why = reason;
    return FailureOr<GpuEpilogue>(failure());
  };
  if (op->getNumResults() != 0 || op.getNumDpsInits() != 1)
    return fail("it does not write one buffer");
  Value output = op.getDpsInits()[0];
  auto outputType = dyn_cast<MemRefType>(output.getType());
  if (!outputType || !outputType.getLayout().isIdentity() ||
      rootBuffer(output) != output)
    return fail("its output is not a whole buffer of identity layout");

  // The first op after `op` that touches the output, with nothing that
  // has memory effects in between but allocations and deallocations.
  linalg::GenericOp generic;
  SmallVector<Value> freed;
  SmallVector<memref::AllocOp> allocated;
  for (Operation *next = op->getNextNode(); next && !generic;
       next = next->getNextNode()) {
    if (usesBuffer(next, output)) {
      generic = dyn_cast<linalg::GenericOp>(next);
      if (!generic)
        return fail("the next op that touches its output is not a "
                    "linalg.generic");
    } else if (auto dealloc = dyn_cast<memref::DeallocOp>(next)) {
      freed.push_back(rootBuffer(dealloc.getMemref()));
    } else if (auto alloc = dyn_cast<memref::AllocOp>(next)) {
      allocated.push_back(alloc);
    } else if (!isMemoryEffectFree(next)) {
      return fail("an op with memory effects comes before its consumer");
    }
  }
  if (!generic)
    return fail("no op after it reads its output");
  if (!generic.hasPureBufferSemantics() || generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return fail("its consumer is not elementwise on buffers");
  OpOperand *init = generic.getDpsInitOperand(0);
  if (!generic.getMatchingIndexingMap(init).isIdentity())
    return fail("its consumer's output map is not the identity");
  for (Operation &inner : generic.getBlock()->without_terminator())
    if (!isMemoryEffectFree(&inner) || isa<linalg::IndexOp>(inner))
      return fail("its consumer's body has side effects or index ops");
  // The body is cloned into the kernel, where `op` was: what it uses from
  // outside must be there already.
  WalkResult outside = generic.getRegion().walk([&](Operation *inner) {
    for (Value operand : inner->getOperands())
      if (!generic.getRegion().isAncestor(operand.getParentRegion()) &&
          !availableAt(operand, op))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (outside.wasInterrupted())
    return fail("its consumer's body uses a value defined after it");
  if (generic.getBlock()->getTerminator()->getNumOperands() != 1)
    return fail("its consumer does not yield one value");

  Value target = init->get();
  Value targetRoot = rootBuffer(target);
  SmallVector<Operation *> hoisted;
  bool readsOutput = false;
  for (OpOperand &operand : generic->getOpOperands()) {
    Value v = operand.get();
    bool used = !generic.getMatchingBlockArgument(&operand).use_empty();
    if (v == output) {
      if (!generic.getMatchingIndexingMap(&operand).isIdentity())
        return fail("its consumer reads its output through another map");
      readsOutput |= used;
      continue;
    }
    Value root = rootBuffer(v);
    if (root == output)
      return fail("its consumer reads its output through a view");
    // A buffer allocated in between (bufferization allocates the
    // consumer's output just before it) is allocated before `op` instead.
    auto alloc = v.getDefiningOp<memref::AllocOp>();
    if (alloc && llvm::is_contained(allocated, alloc) &&
        llvm::all_of(alloc->getOperands(),
                     [&](Value size) { return availableAt(size, op); })) {
      if (!llvm::is_contained(hoisted, alloc.getOperation()))
        hoisted.push_back(alloc);
    } else if (!availableAt(v, op)) {
      return fail("its consumer reads a buffer defined after it");
    }
    if (llvm::is_contained(freed, root))
      return fail("a buffer its consumer uses is freed before it");
    if (&operand == init)
      continue;
    // Read while the kernel writes the target: another buffer.
    if (root == targetRoot)
      return fail("its consumer reads the buffer it writes");
  }
  if (!readsOutput)
    return fail("its consumer does not read its output");
  if (target != output) {
    // The kernel writes the consumer's buffer instead of the output,
    // which is left as the op found it: nothing may read it later, and
    // the op must not read the buffer it now writes.
    if (usesBuffer(op, targetRoot))
      return fail("it uses the buffer its consumer writes");
    for (Operation *user : output.getUsers()) {
      if (user == op.getOperation() || user == generic.getOperation() ||
          isa<memref::DeallocOp>(user))
        continue;
      if (user->getBlock() != op->getBlock() || !user->isBeforeInBlock(op) ||
          isa<ViewLikeOpInterface>(user))
        return fail("its output is read after its consumer");
    }
  }
  GpuEpilogue epilogue(generic, output);
  epilogue.hoisted = std::move(hoisted);
  return epilogue;
}

void GpuEpilogue::store(OpBuilder &b, Location loc, Value value,
                        ValueRange indices) const {
  // Op classes are handles: a copy is what their non-const methods take.
  linalg::GenericOp generic = this->generic;
  IRMapping map;
  for (OpOperand &operand : generic->getOpOperands()) {
    BlockArgument arg = generic.getMatchingBlockArgument(&operand);
    if (arg.use_empty())
      continue;
    if (operand.get() == output) {
      map.map(arg, value);
      continue;
    }
    // The generic's loops are the output's indices (its init's map is the
    // identity): each other operand at its own map of them.
    map.map(arg, memref::LoadOp::create(
                     b, loc, operand.get(),
                     applyIndexingMap(b, loc,
                                      generic.getMatchingIndexingMap(&operand),
                                      indices)));
  }
  Block *body = generic.getBlock();
  for (Operation &inner : body->without_terminator())
    b.clone(inner, map);
  Value result = map.lookupOrDefault(body->getTerminator()->getOperand(0));
  memref::StoreOp::create(b, loc, result, generic.getDpsInits()[0], indices);
}

FailureOr<std::optional<GpuEpilogue>> configuredEpilogue(linalg::LinalgOp op) {
  if (!op->hasAttr(kGpuFusedEpilogueAttr))
    return std::optional<GpuEpilogue>();
  std::string why;
  FailureOr<GpuEpilogue> epilogue = GpuEpilogue::match(op, why);
  if (failed(epilogue))
    return op.emitOpError("cannot fuse its consumer: ") << why;
  for (Operation *alloc : epilogue->hoisted)
    alloc->moveBefore(op);
  return std::optional<GpuEpilogue>(*epilogue);
}

void storeOutput(OpBuilder &b, Location loc,
                 const std::optional<GpuEpilogue> &epilogue, Value value,
                 Value output, ValueRange indices) {
  if (epilogue)
    epilogue->store(b, loc, value, indices);
  else
    memref::StoreOp::create(b, loc, value, output, indices);
}

} // namespace kiln
