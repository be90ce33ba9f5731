//===- thread_pool.h - A session's intra-op thread pool ------*- C++ -*-===//
//
// Backs kiln_run_context_t::parallel_for. The calling thread always works on
// its own loop, so a pool of N threads has N - 1 workers, a pool of one
// thread runs everything inline, and a parallel_for issued while every worker
// is busy (concurrent runs on one session) still makes progress.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_THREAD_POOL_H
#define KILN_RUNTIME_THREAD_POOL_H

#include "pool_trace.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::rt {

/// Counters the runtime tests read to check that work was spread.
struct ThreadPoolStats {
  uint64_t parallelLoops = 0;   ///< parallel_for calls that used the pool
  uint64_t inlineLoops = 0;     ///< parallel_for calls run inline
  uint64_t chunks = 0;          ///< chunks run, on any thread
  uint64_t workerChunks = 0;    ///< chunks run by worker threads
  uint64_t maxParticipants = 0; ///< most threads that ran chunks of one loop
};

class ThreadPool {
public:
  using Body = void (*)(void *arg, int64_t begin, int64_t end);

  /// `numThreads` counts the caller: 0 means one per hardware thread.
  explicit ThreadPool(int32_t numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int32_t numThreads() const { return numThreads_; }

  /// Runs body(arg, b, e) over chunks of [begin, end) of at least `grain`
  /// iterations, on the caller and the workers; returns when all are done.
  void parallelFor(int64_t begin, int64_t end, int64_t grain, Body body,
                   void *arg);

  ThreadPoolStats stats() const;

  /// Wakes the sleeping workers so that they poll for the next loop: a run
  /// calls it when it starts (where a trace marks the run), so that its
  /// first parallel loop does not wait for a wake-up (on a virtual machine
  /// an idle vCPU takes tens of microseconds to come back; the first
  /// convolution of a run scaled 1.1x on two threads for it).
  void wake();

private:
  struct Loop;
  /// Worker `self` (1 to numThreads - 1; the caller of a loop is 0).
  void workerMain(int32_t self);
  /// A loop with unclaimed chunks that this worker now holds (see
  /// Loop::holders), or null.
  Loop *acquireLoop();
  /// Runs chunks of `loop` as worker `self` and lets go of it.
  void work(Loop &loop, int32_t self);
  /// Claims and runs chunks of `loop` as thread `self` until none are
  /// left; returns how many.
  static uint64_t runChunks(Loop &loop, int32_t self);
  /// The next chunk thread `self` runs, or -1 when all are claimed.
  static int64_t claimChunk(Loop &loop, int32_t self);
  static bool exhausted(Loop &loop);

  int32_t numThreads_;
  std::vector<std::thread> workers_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  /// Where a caller waits (rarely: past its spin) for the workers to let go
  /// of its loop, under mutex_.
  std::condition_variable done_;
  /// Loops posted while slot_ held another (concurrent runs, a loop nested
  /// in a chunk), guarded by mutex_; queued_ counts them for a look
  /// without the lock.
  std::deque<Loop *> queue_;
  uint64_t wakeups_ = 0; ///< wake() calls so far (guarded by mutex_)
  /// Set by KILN_POOL_TRACE (see pool_trace.h), else null.
  std::unique_ptr<PoolTrace> trace_;

  // The atomics, a cache line for each set written by the same threads at
  // the same times: a write to a line the other core holds costs a
  // transfer (a few hundred nanoseconds between these vCPUs), and with
  // the callers' and workers' counters on the lines idle workers poll,
  // each loop's fork and join moved them back and forth several times.

  /// The loop of the run in progress: posted and joined without a lock. A
  /// worker takes it inside a window counted by readers_, and the caller
  /// that clears it waits for readers_ to be 0, after which every worker
  /// that will touch the loop has counted itself in its holders.
  alignas(64) std::atomic<Loop *> slot_{nullptr};
  /// Loops posted so far: an idle worker spins on it for a while before it
  /// sleeps, so that the next loop of a run (often microseconds later)
  /// starts without a futex wake-up.
  std::atomic<uint64_t> posted_{0};
  std::atomic<int32_t> queued_{0};
  /// Set (under mutex_) when the pool is destroyed; atomic so that a
  /// polling worker sees it without the lock.
  std::atomic<bool> stopping_{false};

  /// Written by the workers as they take and leave a loop: the window
  /// above, and the workers running chunks of a loop.
  alignas(64) std::atomic<int32_t> readers_{0};
  std::atomic<int32_t> busyWorkers_{0};

  /// Workers blocked on wake_ (changed under mutex_), and callers on done_:
  /// written rarely, read at every post and at the end of every loop.
  alignas(64) std::atomic<int32_t> sleepers_{0};
  std::atomic<int32_t> waitingCallers_{0};

  /// ThreadPoolStats: the callers' counters, and each worker's chunks on a
  /// line of its own (index 0 unused).
  alignas(64) std::atomic<uint64_t> parallelLoops_{0};
  std::atomic<uint64_t> inlineLoops_{0}, callerChunks_{0},
      maxParticipants_{0};
  struct alignas(64) WorkerCounter {
    std::atomic<uint64_t> chunks{0};
  };
  std::unique_ptr<WorkerCounter[]> workerChunks_;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_THREAD_POOL_H
