//===- GpuLaunchToLoops.cpp - gpu.launch as loops, to run on the CPU ------===//
//
// kiln-compile --provider=cuda --cuda-emulate builds a CPU artifact from the
// block/thread-mapped schedule: the conformance suite then checks the GPU
// strategies' indexing on every case, on a machine without a GPU.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/Passes.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"

namespace kiln {
#define GEN_PASS_DEF_GPULAUNCHTOLOOPS
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// What serial emulation cannot honour: threads of a block that wait for
/// or talk to each other, memory shared between them.
LogicalResult checkEmulable(gpu::LaunchOp launch) {
  if (!launch.getBody().hasOneBlock())
    return launch.emitOpError("with several blocks cannot run as loops");
  if (!launch.getWorkgroupAttributions().empty() ||
      !launch.getPrivateAttributions().empty() || launch.getAsyncToken() ||
      launch.hasClusterSize())
    return launch.emitOpError("with memory attributions, clusters or an "
                              "async token cannot run as loops");
  WalkResult result = launch.getBody().walk([](Operation *op) {
    if (isa<gpu::BarrierOp, gpu::ShuffleOp, gpu::AllReduceOp,
            gpu::SubgroupReduceOp>(op)) {
      op->emitOpError("synchronizes threads: the launch cannot run as "
                      "serial loops");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

struct GpuLaunchToLoopsPass
    : kiln::impl::GpuLaunchToLoopsBase<GpuLaunchToLoopsPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk(
        [&](gpu::LaunchOp launch) { launches.push_back(launch); });
    for (gpu::LaunchOp launch : launches)
      if (failed(checkEmulable(launch)))
        return signalPassFailure();
    for (gpu::LaunchOp launch : launches) {
      OpBuilder b(launch);
      Location loc = launch.getLoc();
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      // Outermost first: blocks z, y, x, then threads z, y, x.
      SmallVector<Value> ubs = {grid.z,  grid.y,  grid.x,
                                block.z, block.y, block.x};
      SmallVector<Value> lbs(6, zero), steps(6, one);
      scf::buildLoopNest(b, loc, lbs, ubs, steps,
                         [&](OpBuilder &nb, Location, ValueRange ivs) {
                           IRMapping map;
                           gpu::KernelDim3 blockIds = launch.getBlockIds();
                           gpu::KernelDim3 threadIds = launch.getThreadIds();
                           gpu::KernelDim3 gridArgs = launch.getGridSize();
                           gpu::KernelDim3 blockArgs = launch.getBlockSize();
                           map.map(blockIds.z, ivs[0]);
                           map.map(blockIds.y, ivs[1]);
                           map.map(blockIds.x, ivs[2]);
                           map.map(threadIds.z, ivs[3]);
                           map.map(threadIds.y, ivs[4]);
                           map.map(threadIds.x, ivs[5]);
                           map.map(gridArgs.x, grid.x);
                           map.map(gridArgs.y, grid.y);
                           map.map(gridArgs.z, grid.z);
                           map.map(blockArgs.x, block.x);
                           map.map(blockArgs.y, block.y);
                           map.map(blockArgs.z, block.z);
                           for (Operation &op :
                                launch.getBody().front().without_terminator())
                             nb.clone(op, map);
                         });
      launch.erase();
    }
  }
};

} // namespace
