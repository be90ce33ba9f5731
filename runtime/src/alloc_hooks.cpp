//===- alloc_hooks.cpp - The run context handed to the artifact -----------===//

#include "alloc_hooks.h"

#include "run_context.h"
#include "thread_pool.h"

#include <mutex>

namespace kiln::rt {

namespace {

RunContext &runOf(kiln_run_context_t *ctx) {
  return *static_cast<RunContext *>(ctx->runtime);
}

void *hookAlloc(kiln_run_context_t *ctx, uint64_t size, uint64_t alignment) {
  RunContext &run = runOf(ctx);
  std::lock_guard<std::mutex> lock(run.allocMutex);
  return run.arena.allocate(size, alignment);
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

/// What a chunk needs to call back into the artifact.
struct ParallelCall {
  kiln_run_context_t *ctx;
  kiln_parallel_body_fn body;
  void *closure;
};

void runChunk(void *arg, int64_t begin, int64_t end) {
  auto *call = static_cast<ParallelCall *>(arg);
  call->body(call->ctx, call->closure, begin, end);
}

void hookParallelFor(kiln_run_context_t *ctx, int64_t begin, int64_t end,
                     int64_t grain, kiln_parallel_body_fn body, void *closure) {
  ParallelCall call{ctx, body, closure};
  runOf(ctx).pool->parallelFor(begin, end, grain, &runChunk, &call);
}

} // namespace

void bindRunContext(RunContext &ctx, ThreadPool &pool) {
  ctx.pool = &pool;
  ctx.abi.runtime = &ctx;
  ctx.abi.alloc = &hookAlloc;
  ctx.abi.free = &hookFree;
  ctx.abi.parallel_for = &hookParallelFor;
  ctx.abi.kernel_begin = nullptr;
  ctx.abi.kernel_end = nullptr;
}

} // namespace kiln::rt
