//===- thread_pool.cpp - A session's intra-op thread pool -----------------===//

#include "thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define KILN_CPU_RELAX() _mm_pause()
#else
#define KILN_CPU_RELAX() std::this_thread::yield()
#endif

namespace kiln::rt {

namespace {
/// How long an idle thread polls before it blocks: long enough to bridge
/// the gap between the parallel loops of one run (kernels of tens of
/// microseconds), short enough that a pool with no work stops using its
/// cores at once (ONNX Runtime's pool spins too, for about 2^20 pauses).
constexpr std::chrono::microseconds kSpin{100};

/// Polls `ready` until it returns true or kSpin has passed.
template <typename Ready> bool spinUntil(Ready ready) {
  auto start = std::chrono::steady_clock::now();
  for (unsigned i = 1;; ++i) {
    if (ready())
      return true;
    KILN_CPU_RELAX();
    if (i % 64 == 0 && std::chrono::steady_clock::now() - start > kSpin)
      return ready();
  }
}
} // namespace

/// One parallel_for in flight. Lives on the caller's stack: the caller does
/// not return before `pending` reaches zero, and workers stop touching the
/// loop once they have reported their chunks.
struct ThreadPool::Loop {
  Body body;
  void *arg;
  int64_t begin, end, chunkSize, numChunks;
  std::atomic<int64_t> nextChunk{0};
  std::atomic<uint64_t> participants{0};
  // Guarded by doneMutex: chunks not yet finished, and workers that hold a
  // pointer to the loop. Workers only enter while the loop is queued (under
  // the pool's mutex), so once the caller dequeued it and both are zero
  // nobody touches it again.
  std::mutex doneMutex;
  std::condition_variable done;
  int64_t pending;
  int64_t workersInside = 0;
  /// Set (under doneMutex) when pending and workersInside reach zero: the
  /// caller polls it before it blocks on `done`.
  std::atomic<bool> finished{false};
};

ThreadPool::ThreadPool(int32_t numThreads) {
  if (numThreads <= 0)
    numThreads =
        static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  numThreads_ = numThreads;
  workers_.reserve(numThreads_ - 1);
  for (int32_t i = 1; i < numThreads_; ++i)
    workers_.emplace_back([this] { workerMain(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread &t : workers_)
    t.join();
}

uint64_t ThreadPool::runChunks(Loop &loop) {
  uint64_t ran = 0;
  for (;;) {
    int64_t chunk = loop.nextChunk.fetch_add(1, std::memory_order_relaxed);
    if (chunk >= loop.numChunks)
      break;
    if (ran == 0)
      loop.participants.fetch_add(1, std::memory_order_relaxed);
    int64_t b = loop.begin + chunk * loop.chunkSize;
    int64_t e = std::min(loop.end, b + loop.chunkSize);
    loop.body(loop.arg, b, e);
    ++ran;
  }
  return ran;
}

void ThreadPool::finishChunks(Loop &loop, uint64_t count, bool worker) {
  chunks_.fetch_add(count, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(loop.doneMutex);
  loop.pending -= static_cast<int64_t>(count);
  if (worker)
    --loop.workersInside;
  if (loop.pending == 0 && loop.workersInside == 0) {
    loop.finished.store(true, std::memory_order_release);
    loop.done.notify_one();
  }
}

void ThreadPool::workerMain() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (!stopping_ && queue_.empty()) {
      // Poll a while before sleeping: the next loop is usually close.
      uint64_t seen = posted_.load(std::memory_order_acquire);
      lock.unlock();
      spinUntil([&] {
        return posted_.load(std::memory_order_acquire) != seen ||
               stopping_.load(std::memory_order_acquire);
      });
      lock.lock();
      ++sleepers_;
      uint64_t wakeups = wakeups_;
      wake_.wait(lock, [&] {
        return stopping_ || !queue_.empty() || wakeups_ != wakeups;
      });
      --sleepers_;
      if (!stopping_ && queue_.empty())
        continue; // woken by wake(): poll again
    }
    if (stopping_)
      return;
    Loop *loop = queue_.front();
    // The loop stays queued while it has unclaimed chunks so that other
    // idle workers join it; whoever finds it exhausted dequeues it.
    if (loop->nextChunk.load(std::memory_order_relaxed) >= loop->numChunks) {
      queue_.pop_front();
      continue;
    }
    {
      std::lock_guard<std::mutex> inside(loop->doneMutex);
      ++loop->workersInside;
    }
    lock.unlock();
    uint64_t ran = runChunks(*loop);
    workerChunks_.fetch_add(ran, std::memory_order_relaxed);
    // After this the caller may return and `loop` may be gone.
    finishChunks(*loop, ran, /*worker=*/true);
    lock.lock();
  }
}

void ThreadPool::parallelFor(int64_t begin, int64_t end, int64_t grain,
                             Body body, void *arg) {
  if (end <= begin)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t range = end - begin;
  if (numThreads_ == 1 || range <= grain) {
    inlineLoops_.fetch_add(1, std::memory_order_relaxed);
    body(arg, begin, end);
    return;
  }
  // A few chunks per thread balance uneven chunks and busy workers without
  // making chunks smaller than the grain the compiler asked for.
  int64_t maxChunks = static_cast<int64_t>(numThreads_) * 4;
  int64_t numChunks = std::min(maxChunks, (range + grain - 1) / grain);
  Loop loop;
  loop.body = body;
  loop.arg = arg;
  loop.begin = begin;
  loop.end = end;
  loop.chunkSize = (range + numChunks - 1) / numChunks;
  loop.numChunks = (range + loop.chunkSize - 1) / loop.chunkSize;
  loop.pending = loop.numChunks;
  parallelLoops_.fetch_add(1, std::memory_order_relaxed);
  int64_t sleeping;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(&loop);
    posted_.fetch_add(1, std::memory_order_release);
    sleeping = sleepers_;
  }
  // Spinning workers see posted_ change; only sleeping ones need a wake-up.
  int64_t helpers = std::min<int64_t>(loop.numChunks - 1, sleeping);
  for (int64_t i = 0; i < helpers; ++i)
    wake_.notify_one();

  finishChunks(loop, runChunks(loop), /*worker=*/false);
  {
    // Dequeue it ourselves if no worker did, so none picks it up later.
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find(queue_.begin(), queue_.end(), &loop);
    if (it != queue_.end())
      queue_.erase(it);
  }
  if (!spinUntil(
          [&] { return loop.finished.load(std::memory_order_acquire); })) {
    std::unique_lock<std::mutex> lock(loop.doneMutex);
    loop.done.wait(
        lock, [&] { return loop.pending == 0 && loop.workersInside == 0; });
  }
  {
    // The last finisher may still hold doneMutex (it notifies under it):
    // take it once, so `loop` outlives that critical section.
    std::lock_guard<std::mutex> lock(loop.doneMutex);
  }
  uint64_t seen = loop.participants.load(std::memory_order_relaxed);
  uint64_t prev = maxParticipants_.load(std::memory_order_relaxed);
  while (seen > prev && !maxParticipants_.compare_exchange_weak(
                            prev, seen, std::memory_order_relaxed))
    ;
}

void ThreadPool::wake() {
  if (numThreads_ == 1)
    return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (sleepers_ == 0)
      return;
    ++wakeups_;
  }
  wake_.notify_all();
}

ThreadPoolStats ThreadPool::stats() const {
  ThreadPoolStats s;
  s.parallelLoops = parallelLoops_.load(std::memory_order_relaxed);
  s.inlineLoops = inlineLoops_.load(std::memory_order_relaxed);
  s.chunks = chunks_.load(std::memory_order_relaxed);
  s.workerChunks = workerChunks_.load(std::memory_order_relaxed);
  s.maxParticipants = maxParticipants_.load(std::memory_order_relaxed);
  return s;
}

} // namespace kiln::rt
