//===- GpuMapLoops.cpp - Loops on buffers to gpu.launch grids -------------===//
//
// The first GPU strategy, chosen for coverage: every op that
// convert-linalg-to-parallel-loops made an scf.parallel (elementwise chains
// fused on tensors, reductions with their parallel dims outermost, matmuls
// and convolutions as one thread per output element) becomes a 1-D grid,
// whatever its rank, sizes (symbolic ones included) or strides. Host code
// is left with allocations, scalar reads (shape values, run-time checks)
// and launches; whatever else writes memory runs as a one-thread kernel.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln {
#define GEN_PASS_DEF_GPUMAPLOOPS
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

bool containsParallelLoop(Operation *op) {
  return op->walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

bool containsCall(Operation *op) {
  return op->walk([](CallOpInterface) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

/// Whether `op` or an op nested in it writes memory (allocation and
/// deallocation are not writes: they stay on the host).
bool writesMemory(Operation *op) {
  return op
      ->walk([](Operation *nested) {
        auto effects = dyn_cast<MemoryEffectOpInterface>(nested);
        return effects && effects.hasEffect<MemoryEffects::Write>()
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

/// What becomes of one host op.
enum class Placement { Host, HostLoop, Grid, SerialKernel, Recurse };

/// Marks a parallel loop left on the host for want of a device version.
constexpr llvm::StringLiteral kHostLoop = "kiln.host_loop";

Placement classify(Operation *op) {
  // Functions (string helpers) run on the host only: so does their loop.
  if (isa<scf::ParallelOp>(op))
    return containsCall(op) ? Placement::HostLoop : Placement::Grid;
  if (isa<gpu::LaunchOp>(op) || !writesMemory(op))
    return Placement::Host;
  // Host control around a launch a strategy made (the guard against an
  // empty grid) stays on the host.
  if (op->walk([](gpu::LaunchOp) { return WalkResult::interrupt(); })
          .wasInterrupted())
    return op->getNumRegions() ? Placement::Recurse : Placement::Host;
  // A whole loop nest (or conditional store) that writes memory and needs
  // nothing from the host goes to the device as it is.
  if (op->getNumResults() == 0 && !containsParallelLoop(op) &&
      !containsCall(op) && !isa<func::ReturnOp>(op) &&
      !op->hasTrait<OpTrait::IsTerminator>())
    return Placement::SerialKernel;
  return op->getNumRegions() ? Placement::Recurse : Placement::Host;
}

/// An index constant, folded by the builder's users later.
Value cst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Refuses what cannot run in a kernel, at the op that is the reason.
LogicalResult checkDeviceCode(Operation *root) {
  WalkResult result = root->walk([](Operation *op) {
    if (auto loop = dyn_cast<scf::ParallelOp>(op);
        loop && loop.getNumReductions() != 0) {
      op->emitOpError("with reductions is not mapped to the GPU");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// A launch at `b`'s insertion point whose body is built by `fill` before
/// its terminator.
gpu::LaunchOp
createLaunch(OpBuilder &b, Location loc, Value blocks, Value threads,
             function_ref<void(OpBuilder &, gpu::LaunchOp)> fill) {
  Value one = cst(b, loc, 1);
  auto launch =
      gpu::LaunchOp::create(b, loc, blocks, one, one, threads, one, one);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  fill(b, launch);
  return launch;
}

/// Parallel loops left inside a kernel body run serially in its thread.
void serializeNestedParallelLoops(gpu::LaunchOp launch) {
  IRRewriter rewriter(launch.getContext());
  while (true) {
    scf::ParallelOp inner;
    launch.getBody().walk([&](scf::ParallelOp loop) {
      inner = loop;
      return WalkResult::interrupt();
    });
    if (!inner)
      return;
    rewriter.setInsertionPoint(inner);
    scf::buildLoopNest(
        rewriter, inner.getLoc(), inner.getLowerBound(), inner.getUpperBound(),
        inner.getStep(), [&](OpBuilder &b, Location, ValueRange ivs) {
          IRMapping map;
          map.map(inner.getInductionVars(), ivs);
          for (Operation &op : inner.getBody()->without_terminator())
            b.clone(op, map);
        });
    rewriter.eraseOp(inner);
  }
}

/// One thread per iteration of `loop`, its iteration space linearized.
void mapToGrid(scf::ParallelOp loop, int64_t blockSize) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> counts;
  Value total = cst(b, loc, 1), zero = cst(b, loc, 0);
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    // Folded as they are built: static sizes give static grids.
    Value span = b.createOrFold<arith::SubIOp>(loc, ub, lb);
    Value count = b.createOrFold<arith::CeilDivSIOp>(loc, span, step);
    count = b.createOrFold<arith::MaxSIOp>(loc, count, zero);
    counts.push_back(count);
    total = b.createOrFold<arith::MulIOp>(loc, total, count);
  }
  // A grid too small for one block gets whole warps of threads only.
  Value blocks, threads;
  APInt staticTotal;
  if (matchPattern(total, m_ConstantInt(&staticTotal)) &&
      staticTotal.getSExtValue() < blockSize) {
    blocks = cst(b, loc, 1);
    threads = cst(b, loc, llvm::alignTo(staticTotal.getSExtValue(), 32));
  } else {
    threads = cst(b, loc, blockSize);
    blocks = b.createOrFold<arith::CeilDivUIOp>(loc, total, threads);
  }
  // CUDA refuses a grid of no blocks: such a loop is skipped.
  Value any = b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt,
                                            total, zero);
  auto ifAny = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  b.setInsertionPointToStart(ifAny.thenBlock());
  createLaunch(
      b, loc, blocks, threads, [&](OpBuilder &b, gpu::LaunchOp launch) {
        Value linear = arith::AddIOp::create(
            b, loc,
            arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                                  launch.getBlockSize().x),
            launch.getThreadIds().x);
        Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                              linear, total);
        auto ifInRange = scf::IfOp::create(b, loc, inRange, false);
        b.setInsertionPointToStart(ifInRange.thenBlock());
        // Row-major: the last dim varies fastest between neighbouring threads,
        // so their loads and stores coalesce on contiguous buffers.
        IRMapping map;
        Value rest = linear;
        for (int64_t d = counts.size() - 1; d >= 0; --d) {
          Value index =
              d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, counts[d]);
          if (d != 0)
            rest = arith::DivUIOp::create(b, loc, rest, counts[d]);
          Value iv = b.createOrFold<arith::AddIOp>(
              loc, loop.getLowerBound()[d],
              b.createOrFold<arith::MulIOp>(loc, index, loop.getStep()[d]));
          map.map(loop.getInductionVars()[d], iv);
        }
        for (Operation &op : loop.getBody()->without_terminator())
          b.clone(op, map);
      });
  loop.erase();
}

/// Moves `ops` (adjacent, in one block) into one launch of one thread.
void mapToSerialKernel(ArrayRef<Operation *> ops) {
  OpBuilder b(ops.front());
  Location loc = ops.front()->getLoc();
  Value one = cst(b, loc, 1);
  createLaunch(b, loc, one, one, [&](OpBuilder &b, gpu::LaunchOp launch) {
    Operation *terminator = launch.getBody().front().getTerminator();
    for (Operation *op : ops)
      op->moveBefore(terminator);
  });
}

struct GpuMapLoopsPass : kiln::impl::GpuMapLoopsBase<GpuMapLoopsPass> {
  using GpuMapLoopsBase::GpuMapLoopsBase;

  void runOnOperation() override {
    if (blockSize <= 0 || blockSize > 1024 || blockSize % 32) {
      getOperation().emitError("block-size must be a multiple of 32 up to "
                               "1024, got ")
          << static_cast<int64_t>(blockSize);
      return signalPassFailure();
    }
    // Decide everything first, then rewrite: no half-mapped function.
    SmallVector<scf::ParallelOp> grids;
    SmallVector<SmallVector<Operation *>> serial;
    if (failed(collect(getOperation().getBody(), grids, serial)))
      return signalPassFailure();
    for (scf::ParallelOp loop : grids)
      mapToGrid(loop, blockSize);
    for (ArrayRef<Operation *> group : serial)
      mapToSerialKernel(group);
    getOperation().walk(
        [](gpu::LaunchOp launch) { serializeNestedParallelLoops(launch); });
  }

  LogicalResult collect(Region &region, SmallVectorImpl<scf::ParallelOp> &grids,
                        SmallVectorImpl<SmallVector<Operation *>> &serial) {
    for (Block &block : region) {
      Operation *previous = nullptr;
      for (Operation &op : block) {
        Placement placement = classify(&op);
        if (placement == Placement::Grid) {
          if (failed(checkDeviceCode(&op)))
            return failure();
          grids.push_back(cast<scf::ParallelOp>(op));
        } else if (placement == Placement::SerialKernel) {
          if (failed(checkDeviceCode(&op)))
            return failure();
          // Adjacent serial work shares one launch.
          if (previous && previous->getNextNode() == &op)
            serial.back().push_back(&op);
          else
            serial.push_back({&op});
          previous = &op;
          continue;
        } else if (placement == Placement::HostLoop) {
          op.setAttr(kHostLoop, UnitAttr::get(op.getContext()));
        } else if (placement == Placement::Recurse) {
          for (Region &nested : op.getRegions())
            if (failed(collect(nested, grids, serial)))
              return failure();
        }
        previous = nullptr;
      }
    }
    return success();
  }
};

} // namespace
