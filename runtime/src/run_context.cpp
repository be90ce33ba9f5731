//===- run_context.cpp - Per-run state reused across runs -----------------===//

#include "run_context.h"

namespace kiln::rt {

RunContext *RunContextPool::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!idle_.empty()) {
    RunContext *ctx = idle_.back();
    idle_.pop_back();
    return ctx;
  }
  all_.push_back(std::make_unique<RunContext>());
  all_.back()->arena.setRecycler(recycler_);
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
