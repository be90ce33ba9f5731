//===- pool_trace.h - Where a thread pool's time goes ---------*- C++ -*-===//
//
// With KILN_POOL_TRACE=path in the environment when a session's pool is
// made, the pool records every chunk's start and end on the thread that ran
// it, every parallel loop from its post to its join on its caller, every
// loop run inline, and the start of every run; when the pool is destroyed
// it writes them to path.<pid>.<n> (n counts the process's traced pools),
// which bench/pool_trace.py reads: per loop of a run, its span, each
// thread's busy time and the idle time left at its end. That is how one
// finds where two threads lose against one (tasks that take longer on two
// threads because their input sits in the other core's cache, uneven
// tasks, the fork and join). Off unless the variable is set: a chunk then
// costs one test of a pointer.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_POOL_TRACE_H
#define KILN_RUNTIME_POOL_TRACE_H

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::rt {

class PoolTrace {
public:
  enum Kind : int32_t { kChunk = 0, kLoop = 1, kInline = 2, kRun = 3 };

  /// The trace the environment asks for, or null.
  static std::unique_ptr<PoolTrace> fromEnvironment(int32_t numThreads);
  /// Writes the file.
  ~PoolTrace();

  /// Nanoseconds on the steady clock.
  static uint64_t now();
  /// A number for a new loop.
  uint64_t newLoop() { return loops_.fetch_add(1, std::memory_order_relaxed); }
  /// One event: a chunk [first, first + count) of loop `loop` on `thread`
  /// (0: the loop's caller), a loop of `count` iterations, an inline loop,
  /// or a run's start (t0 = t1). Events past the buffer are dropped (and
  /// counted in the file's header).
  void record(Kind kind, uint64_t loop, int32_t thread, int64_t first,
              int64_t count, uint64_t t0, uint64_t t1);

private:
  PoolTrace(std::string path, int32_t numThreads);

  struct Event {
    uint64_t loop, t0, t1;
    int64_t first, count;
    int32_t kind, thread;
  };
  std::string path_;
  int32_t numThreads_;
  std::vector<Event> events_;
  std::atomic<uint64_t> next_{0}, loops_{0};
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_POOL_TRACE_H
