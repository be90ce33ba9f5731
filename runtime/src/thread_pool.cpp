//===- thread_pool.cpp - A session's intra-op thread pool -----------------===//

#include "thread_pool.h"

#include <algorithm>
#include <chrono>
#include <memory>

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

/// Chunks this thread is running (loops nested in a chunk count twice).
thread_local int chunkDepth = 0;

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
  /// Chunks not yet claimed: slice t holds [lo, hi) of them (lo in the low
  /// 32 bits), thread t's own. A thread takes its chunks from the front of
  /// its slice and, once that is empty, steals from the back of the others'.
  /// Consecutive loops over the same range give each thread the same part
  /// of it, so a kernel reads what the same core's previous kernel wrote.
  struct alignas(64) Slice {
    std::atomic<uint64_t> range{0};
  };
  std::unique_ptr<Slice[]> slices;
  int32_t numSlices = 0;
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
    workers_.emplace_back([this, i] { workerMain(i); });
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

namespace {
constexpr uint64_t packRange(uint64_t lo, uint64_t hi) { return lo | hi << 32; }

/// Claims a chunk of `slice` from its front (owner) or back; -1 if empty.
int64_t claimFrom(std::atomic<uint64_t> &slice, bool front) {
  uint64_t r = slice.load(std::memory_order_relaxed);
  for (;;) {
    uint64_t lo = r & 0xffffffffu, hi = r >> 32;
    if (lo >= hi)
      return -1;
    uint64_t next = front ? packRange(lo + 1, hi) : packRange(lo, hi - 1);
    if (slice.compare_exchange_weak(r, next, std::memory_order_relaxed))
      return static_cast<int64_t>(front ? lo : hi - 1);
  }
}
} // namespace

int64_t ThreadPool::claimChunk(Loop &loop, int32_t self) {
  if (self < loop.numSlices) {
    int64_t c = claimFrom(loop.slices[self].range, /*front=*/true);
    if (c >= 0)
      return c;
  }
  for (int32_t i = 1; i <= loop.numSlices; ++i) {
    int32_t victim = (self + i) % loop.numSlices;
    int64_t c = claimFrom(loop.slices[victim].range, /*front=*/false);
    if (c >= 0)
      return c;
  }
  return -1;
}

bool ThreadPool::exhausted(Loop &loop) {
  for (int32_t i = 0; i < loop.numSlices; ++i) {
    uint64_t r = loop.slices[i].range.load(std::memory_order_relaxed);
    if ((r & 0xffffffffu) < (r >> 32))
      return false;
  }
  return true;
}

uint64_t ThreadPool::runChunks(Loop &loop, int32_t self) {
  uint64_t ran = 0;
  for (;;) {
    int64_t chunk = claimChunk(loop, self);
    if (chunk < 0)
      break;
    if (ran == 0)
      loop.participants.fetch_add(1, std::memory_order_relaxed);
    int64_t b = loop.begin + chunk * loop.chunkSize;
    int64_t e = std::min(loop.end, b + loop.chunkSize);
    ++chunkDepth;
    loop.body(loop.arg, b, e);
    --chunkDepth;
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

void ThreadPool::workerMain(int32_t self) {
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
    if (exhausted(*loop)) {
      queue_.pop_front();
      continue;
    }
    {
      std::lock_guard<std::mutex> inside(loop->doneMutex);
      ++loop->workersInside;
    }
    lock.unlock();
    busyWorkers_.fetch_add(1, std::memory_order_relaxed);
    uint64_t ran = runChunks(*loop, self);
    workerChunks_.fetch_add(ran, std::memory_order_relaxed);
    // After this the caller may return and `loop` may be gone.
    finishChunks(*loop, ran, /*worker=*/true);
    busyWorkers_.fetch_sub(1, std::memory_order_relaxed);
    lock.lock();
  }
}

void ThreadPool::parallelFor(int64_t begin, int64_t end, int64_t grain,
                             Body body, void *arg) {
  if (end <= begin)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t range = end - begin;
  // A loop inside a chunk while every worker is busy (a GEMM inside one
  // direction of a bidirectional LSTM, the other direction on the other
  // thread) runs inline: nobody could join it, and posting it cost a
  // lock and a wait per step.
  bool nestedAndAlone =
      chunkDepth > 0 && busyWorkers_.load(std::memory_order_relaxed) >=
                            numThreads_ - 1;
  if (numThreads_ == 1 || range <= grain || nestedAndAlone) {
    inlineLoops_.fetch_add(1, std::memory_order_relaxed);
    body(arg, begin, end);
    return;
  }
  // Up to 16 chunks per thread balance uneven chunks and busy workers
  // without making chunks smaller than the grain the compiler asked for.
  // Kernels cut their work into a few even tasks with grain 1: with 4 per
  // thread, 14 column tasks of a pointwise convolution went in 7 chunks of
  // two, 8 tasks against 6 on two threads (1.33x over one; 1.8x now).
  int64_t maxChunks = static_cast<int64_t>(numThreads_) * 16;
  int64_t numChunks = std::min(maxChunks, (range + grain - 1) / grain);
  Loop loop;
  loop.body = body;
  loop.arg = arg;
  loop.begin = begin;
  loop.end = end;
  loop.chunkSize = (range + numChunks - 1) / numChunks;
  loop.numChunks = (range + loop.chunkSize - 1) / loop.chunkSize;
  loop.pending = loop.numChunks;
  loop.numSlices = static_cast<int32_t>(
      std::min<int64_t>(numThreads_, loop.numChunks));
  loop.slices = std::make_unique<Loop::Slice[]>(loop.numSlices);
  for (int32_t t = 0; t < loop.numSlices; ++t)
    loop.slices[t].range.store(
        packRange(loop.numChunks * t / loop.numSlices,
                  loop.numChunks * (t + 1) / loop.numSlices),
        std::memory_order_relaxed);
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

  finishChunks(loop, runChunks(loop, 0), /*worker=*/false);
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
