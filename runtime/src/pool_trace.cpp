//===- pool_trace.cpp - Where a thread pool's time goes -------------------===//

#include "pool_trace.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <utility>

namespace kiln::rt {

namespace {
/// Events a trace holds: about 50 MB, minutes of a model's loops.
constexpr size_t kCapacity = size_t(1) << 20;
std::atomic<int> tracedPools{0};
} // namespace

std::unique_ptr<PoolTrace> PoolTrace::fromEnvironment(int32_t numThreads) {
  const char *path = std::getenv("KILN_POOL_TRACE");
  if (!path || !*path)
    return nullptr;
  std::string file = std::string(path) + "." + std::to_string(getpid()) +
                     "." + std::to_string(tracedPools.fetch_add(1));
  return std::unique_ptr<PoolTrace>(new PoolTrace(file, numThreads));
}

PoolTrace::PoolTrace(std::string path, int32_t numThreads)
    : path_(std::move(path)), numThreads_(numThreads), events_(kCapacity) {}

PoolTrace::~PoolTrace() {
  FILE *f = std::fopen(path_.c_str(), "w");
  if (!f)
    return;
  uint64_t n = next_.load(std::memory_order_relaxed);
  uint64_t kept = n < events_.size() ? n : events_.size();
  std::fprintf(f,
               "# kiln pool trace 1: threads %d, events %llu, dropped %llu\n"
               "# kind(0 chunk, 1 loop, 2 inline, 3 run) loop thread first "
               "count t0_ns t1_ns\n",
               numThreads_, static_cast<unsigned long long>(kept),
               static_cast<unsigned long long>(n - kept));
  for (uint64_t i = 0; i < kept; ++i) {
    const Event &e = events_[i];
    std::fprintf(f, "%d %llu %d %lld %lld %llu %llu\n", e.kind,
                 static_cast<unsigned long long>(e.loop), e.thread,
                 static_cast<long long>(e.first),
                 static_cast<long long>(e.count),
                 static_cast<unsigned long long>(e.t0),
                 static_cast<unsigned long long>(e.t1));
  }
  std::fclose(f);
}

uint64_t PoolTrace::now() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

void PoolTrace::record(Kind kind, uint64_t loop, int32_t thread,
                       int64_t first, int64_t count, uint64_t t0,
                       uint64_t t1) {
  uint64_t i = next_.fetch_add(1, std::memory_order_relaxed);
  if (i < events_.size())
    events_[i] = {loop, t0, t1, first, count, kind, thread};
}

} // namespace kiln::rt
