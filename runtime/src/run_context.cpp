//===- run_context.cpp - Per-run state reused across runs -----------------===//

#include "run_context.h"

#include "device/cuda_device.h"

namespace kiln::rt {

RunContext::~RunContext() {
  if (device) {
    // The arena's blocks are freed after this, in the device's context.
    device->enterQuietly();
    device->destroyStream(stream);
  }
}

RunContext *RunContextPool::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!idle_.empty()) {
    RunContext *ctx = idle_.back();
    idle_.pop_back();
    return ctx;
  }
  auto ctx = std::make_unique<RunContext>();
  if (device_) {
    ctx->stream = device_->createStream();
    ctx->device = device_;
    ctx->arena.setBlockSource(device_);
  } else {
    ctx->arena.setRecycler(recycler_);
  }
  all_.push_back(std::move(ctx));
  // Reserve so that give() never allocates (it runs in a destructor).
  idle_.reserve(all_.size());
  return all_.back().get();
}

void RunContextPool::give(RunContext *ctx) {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(ctx);
}

ArenaStats RunContextPool::idleStats(size_t &contexts, size_t &busy) const {
  std::lock_guard<std::mutex> lock(mutex_);
  ArenaStats sum;
  for (const RunContext *ctx : idle_) {
    const ArenaStats &s = ctx->arena.stats();
    sum.reservedBytes += s.reservedBytes;
    sum.blockCount += s.blockCount;
    sum.liveBytes += s.liveBytes;
    sum.peakLiveBytes += s.peakLiveBytes;
    sum.systemAllocations += s.systemAllocations;
    sum.systemFrees += s.systemFrees;
    sum.allocations += s.allocations;
    sum.handedOver += s.handedOver;
    sum.recycled += s.recycled;
  }
  contexts = all_.size();
  busy = all_.size() - idle_.size();
  return sum;
}

} // namespace kiln::rt
