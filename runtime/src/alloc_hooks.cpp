//===- alloc_hooks.cpp - The run context handed to the artifact -----------===//

#include "alloc_hooks.h"

#include "device/cuda_device.h"
#include "run_context.h"
#include "status.h"
#include "thread_pool.h"

#include <csetjmp>
#include <mutex>
#include <string>
#include <thread>

namespace kiln::rt {

namespace {

RunContext &runOf(kiln_run_context_t *ctx) {
  return *static_cast<RunContext *>(ctx->runtime);
}

/// Where the chunk of a parallel loop this thread runs escapes to when an
/// allocation in it fails (runChunk), or null outside chunks.
thread_local sigjmp_buf *chunkEscape = nullptr;

/// Leaves the run, or the chunk, after a failed allocation or check.
/// Nothing with a destructor is live between here and callEntry's
/// sigsetjmp: the generated code's frames and the hook's. Not from a
/// worker, nor from the caller inside a parallel loop, whose chunks other
/// threads may still be running: those leave their chunk (runChunk), and
/// the caller escapes once the loop is over (hookParallelFor).
void leave(RunContext &run) {
  if (run.mayEscape && run.parallelDepth == 0 &&
      std::this_thread::get_id() == run.caller)
    siglongjmp(run.allocEscape, 1);
  if (chunkEscape)
    siglongjmp(*chunkEscape, 1);
}

void *hookAlloc(kiln_run_context_t *ctx, uint64_t size, uint64_t alignment) {
  RunContext &run = runOf(ctx);
  void *ptr = nullptr;
  // Bit 63 set: a kernel of the support library could not allocate `size`
  // bytes of scratch itself (kiln_out_of_memory); fail as if the arena had.
  constexpr uint64_t kFailed = uint64_t(1) << 63;
  if (size & kFailed) {
    size &= ~kFailed;
  } else {
    std::lock_guard<std::mutex> lock(run.allocMutex);
    ptr = run.arena.allocate(size, alignment);
  }
  if (!ptr) {
    run.failedBytes.store(size ? size : 1);
    leave(run);
  }
  return ptr;
}

void hookFail(kiln_run_context_t *ctx, const char *message) {
  RunContext &run = runOf(ctx);
  const char *none = nullptr;
  run.failedCheck.compare_exchange_strong(none, message ? message : "?");
  leave(run);
}

void hookFree(kiln_run_context_t *ctx, void *ptr) {
  if (!ptr)
    return;
  RunContext &run = runOf(ctx);
  std::lock_guard<std::mutex> lock(run.allocMutex);
  // False for pointers the arena never handed out (weights, inputs) or
  // already took back: ignoring them makes aliasing outputs and double frees
  // harmless.
  (void)run.arena.deallocate(ptr);
}

/// Records why a device call of the run failed (`error`, or nothing when
/// it is empty): the run fails with it (FAIL) as with a failed check.
/// Returns whether the call succeeded. The caller leaves the run after
/// this returns, once no string is left to destroy.
bool deviceCallSucceeded(RunContext &run, const std::string &error) {
  if (error.empty())
    return true;
  if (run.deviceError.empty())
    run.deviceError = std::string(1, char(KILN_FAIL)) + error;
  const char *none = nullptr;
  run.failedCheck.compare_exchange_strong(none, run.deviceError.c_str());
  return false;
}

bool launchOnDevice(RunContext &run, uint32_t kernel, const uint64_t grid[3],
                    const uint64_t block[3], uint32_t sharedBytes,
                    const uint64_t *params) {
  run.launched = true;
  return deviceCallSucceeded(run, run.device->launch(run.stream, kernel, grid,
                                                     block, sharedBytes,
                                                     params));
}

void hookLaunch(kiln_run_context_t *ctx, uint32_t kernel, uint64_t gridX,
                uint64_t gridY, uint64_t gridZ, uint64_t blockX,
                uint64_t blockY, uint64_t blockZ, uint32_t sharedBytes,
                const uint64_t *params) {
  RunContext &run = runOf(ctx);
  const uint64_t grid[3] = {gridX, gridY, gridZ};
  const uint64_t block[3] = {blockX, blockY, blockZ};
  if (!launchOnDevice(run, kernel, grid, block, sharedBytes, params))
    leave(run);
}

bool syncDevice(RunContext &run) {
  run.launched = false;
  return deviceCallSucceeded(run, run.device->sync(run.stream));
}

void hookSync(kiln_run_context_t *ctx) {
  RunContext &run = runOf(ctx);
  if (!syncDevice(run))
    leave(run);
}

/// What a chunk needs to call back into the artifact.
struct ParallelCall {
  kiln_run_context_t *ctx;
  kiln_parallel_body_fn body;
  void *closure;
};

/// Runs one chunk; a failed allocation in it (failedBytes is then set)
/// ends the chunk here rather than handing the generated code a null
/// pointer. The run's result is discarded: its caller fails the run.
void runChunk(void *arg, int64_t begin, int64_t end) {
  auto *call = static_cast<ParallelCall *>(arg);
  sigjmp_buf escape;
  sigjmp_buf *outer = chunkEscape;
  if (sigsetjmp(escape, 0)) {
    chunkEscape = outer;
    return;
  }
  chunkEscape = &escape;
  call->body(call->ctx, call->closure, begin, end);
  chunkEscape = outer;
}

void hookParallelFor(kiln_run_context_t *ctx, int64_t begin, int64_t end,
                     int64_t grain, kiln_parallel_body_fn body, void *closure) {
  ParallelCall call{ctx, body, closure};
  RunContext &run = runOf(ctx);
  // Only the calling thread counts: workers never escape.
  const bool caller = std::this_thread::get_id() == run.caller;
  if (caller)
    ++run.parallelDepth;
  run.pool->parallelFor(begin, end, grain, &runChunk, &call);
  if (caller)
    --run.parallelDepth;
  // A chunk ran out of memory: the loop's results are incomplete, so the
  // caller leaves the run now that no chunk is running.
  if (caller && run.parallelDepth == 0 && run.mayEscape && run.failed())
    siglongjmp(run.allocEscape, 1);
}

} // namespace

bool callEntry(RunContext &ctx, kiln_entry_fn entry, void **args) {
  ctx.caller = std::this_thread::get_id();
  ctx.parallelDepth = 0;
  ctx.failedBytes.store(0);
  ctx.failedCheck.store(nullptr);
  if (sigsetjmp(ctx.allocEscape, 0)) {
    ctx.mayEscape = false;
    return false;
  }
  ctx.mayEscape = true;
  entry(args, &ctx.abi);
  ctx.mayEscape = false;
  return !ctx.failed();
}

void bindRunContext(RunContext &ctx, ThreadPool &pool) {
  ctx.pool = &pool;
  ctx.abi.runtime = &ctx;
  ctx.abi.alloc = &hookAlloc;
  ctx.abi.free = &hookFree;
  ctx.abi.parallel_for = &hookParallelFor;
  ctx.abi.kernel_begin = nullptr;
  ctx.abi.kernel_end = nullptr;
  ctx.abi.fail = &hookFail;
  ctx.abi.launch = ctx.device ? &hookLaunch : nullptr;
  ctx.abi.sync = ctx.device ? &hookSync : nullptr;
  ctx.abi.num_threads = pool.numThreads();
}

std::string finishDeviceWork(RunContext &ctx) {
  if (!ctx.device || !ctx.launched)
    return "";
  ctx.launched = false;
  return ctx.device->sync(ctx.stream);
}

} // namespace kiln::rt
