//===- alloc_hooks_test.cpp - Failed allocations of generated code -------===//
//
// The generated code never checks what the run context's alloc returns: a
// failed allocation must not come back to it as a null pointer, on the
// calling thread or in a chunk of a parallel loop on a worker.

#include "alloc_hooks.h"
#include "run_context.h"
#include "thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>

namespace {

using kiln::rt::RunContext;

constexpr uint64_t kAbsurd = uint64_t(1) << 62;

std::atomic<int> chunksDone{0};
std::atomic<bool> continuedAfterLoop{false};

/// A chunk that allocates and writes 64 bytes per iteration, and asks for
/// 2^62 bytes at iteration 37 (the arena refuses that).
void body(kiln_run_context_t *ctx, void *, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    void *p = ctx->alloc(ctx, i == 37 ? kAbsurd : 64, 64);
    std::memset(p, 1, 64); // a null p would fault here
    ctx->free(ctx, p);
  }
  ++chunksDone;
}

/// An artifact's entry running one parallel loop of 64 iterations.
void parallelEntry(void **, kiln_run_context_t *ctx) {
  ctx->parallel_for(ctx, 0, 64, 1, &body, nullptr);
  continuedAfterLoop = true;
}

void plainEntry(void **args, kiln_run_context_t *ctx) {
  void *p = ctx->alloc(ctx, 256, 64);
  std::memset(p, 2, 256);
  ctx->free(ctx, p);
  *static_cast<bool *>(args[0]) = true;
}

TEST(AllocHooksTest, FailureInAWorkerChunkFailsTheRun) {
  for (int threads : {1, 2, 4}) {
    kiln::rt::ThreadPool pool(threads);
    RunContext ctx;
    kiln::rt::bindRunContext(ctx, pool);
    chunksDone = 0;
    continuedAfterLoop = false;
    EXPECT_FALSE(kiln::rt::callEntry(ctx, &parallelEntry, nullptr)) << threads;
    EXPECT_EQ(ctx.failedBytes.load(), kAbsurd) << threads;
    // The caller left the run once the loop was over.
    EXPECT_FALSE(continuedAfterLoop.load()) << threads;
    // The same context runs again.
    bool ran = false;
    void *args[] = {&ran};
    EXPECT_TRUE(kiln::rt::callEntry(ctx, &plainEntry, args)) << threads;
    EXPECT_TRUE(ran);
  }
}

/// A kernel of the support library reporting scratch it could not
/// allocate (kiln_out_of_memory: the size with bit 63 set), from a chunk.
void reportingBody(kiln_run_context_t *ctx, void *, int64_t begin,
                   int64_t end) {
  for (int64_t i = begin; i < end; ++i)
    if (i == 5)
      ctx->alloc(ctx, (uint64_t(1) << 63) | 391008, 64);
}

void reportingEntry(void **, kiln_run_context_t *ctx) {
  void *first = ctx->alloc(ctx, 1 << 20, 64); // not refused by the flag
  std::memset(first, 0, 1 << 20);
  ctx->parallel_for(ctx, 0, 16, 1, &reportingBody, nullptr);
  continuedAfterLoop = true;
}

TEST(AllocHooksTest, KernelScratchFailureFailsTheRunWithItsSize) {
  kiln::rt::ThreadPool pool(2);
  RunContext ctx;
  kiln::rt::bindRunContext(ctx, pool);
  continuedAfterLoop = false;
  EXPECT_FALSE(kiln::rt::callEntry(ctx, &reportingEntry, nullptr));
  EXPECT_EQ(ctx.failedBytes.load(), 391008u);
  EXPECT_FALSE(continuedAfterLoop.load());
}

} // namespace
