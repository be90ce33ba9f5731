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
/// not return before every chunk is done and no worker holds the loop.
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
  /// The slices: in place for the usual few threads (a heap block per loop
  /// cost its caller an allocation and a free), else on the heap.
  static constexpr int32_t kInlineSlices = 4;
  Slice inlineSlices[kInlineSlices];
  std::unique_ptr<Slice[]> heapSlices;
  Slice *slices = nullptr;
  int32_t numSlices = 0;
  std::atomic<uint64_t> participants{0};
  /// Chunks not finished, and workers that may still touch the loop; the
  /// caller returns once both are 0, and a worker's last access to the
  /// loop is its decrement of holders.
  alignas(64) std::atomic<int64_t> pending{0};
  std::atomic<int32_t> holders{0};
  /// The pool's trace (or null) and the loop's number in it.
  PoolTrace *trace = nullptr;
  uint64_t id = 0;
};

ThreadPool::ThreadPool(int32_t numThreads) {
  if (numThreads <= 0)
    numThreads =
        static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  numThreads_ = numThreads;
  trace_ = PoolTrace::fromEnvironment(numThreads_);
  workerChunks_ = std::make_unique<WorkerCounter[]>(numThreads_);
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
    if (loop.trace) {
      uint64_t t0 = PoolTrace::now();
      loop.body(loop.arg, b, e);
      loop.trace->record(PoolTrace::kChunk, loop.id, self, b - loop.begin,
                         e - b, t0, PoolTrace::now());
    } else {
      loop.body(loop.arg, b, e);
    }
    --chunkDepth;
    ++ran;
  }
  return ran;
}

ThreadPool::Loop *ThreadPool::acquireLoop() {
  // The slot, without a lock: inside the readers_ window the loop it names
  // cannot be gone (its caller waits for the window to close after it
  // clears the slot), so it is safe to look at and to hold.
  readers_.fetch_add(1, std::memory_order_seq_cst);
  Loop *loop = slot_.load(std::memory_order_seq_cst);
  if (loop && !exhausted(*loop))
    loop->holders.fetch_add(1, std::memory_order_relaxed);
  else
    loop = nullptr;
  readers_.fetch_sub(1, std::memory_order_release);
  if (loop || queued_.load(std::memory_order_acquire) == 0)
    return loop;
  // The queue: a loop stays in it while it has unclaimed chunks so that
  // other idle workers join it; whoever finds it exhausted dequeues it.
  // Its caller dequeues it under the lock before it waits for its holders.
  std::lock_guard<std::mutex> lock(mutex_);
  while (!queue_.empty()) {
    Loop *front = queue_.front();
    if (!exhausted(*front)) {
      front->holders.fetch_add(1, std::memory_order_relaxed);
      return front;
    }
    queue_.pop_front();
    queued_.fetch_sub(1, std::memory_order_relaxed);
  }
  return nullptr;
}

void ThreadPool::work(Loop &loop, int32_t self) {
  busyWorkers_.fetch_add(1, std::memory_order_relaxed);
  uint64_t ran = runChunks(loop, self);
  workerChunks_[self].chunks.fetch_add(ran, std::memory_order_relaxed);
  if (ran)
    loop.pending.fetch_sub(static_cast<int64_t>(ran),
                           std::memory_order_acq_rel);
  // The last access to the loop: after it the caller may return.
  loop.holders.fetch_sub(1, std::memory_order_seq_cst);
  busyWorkers_.fetch_sub(1, std::memory_order_relaxed);
  // A caller past its spin sleeps on done_ (not on the loop, which may be
  // gone by now).
  if (waitingCallers_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    done_.notify_all();
  }
}

void ThreadPool::workerMain(int32_t self) {
  for (;;) {
    if (stopping_.load(std::memory_order_acquire))
      return;
    uint64_t seen = posted_.load(std::memory_order_acquire);
    if (Loop *loop = acquireLoop()) {
      work(*loop, self);
      continue;
    }
    // Poll a while before sleeping: the next loop is usually close.
    if (spinUntil([&] {
          return posted_.load(std::memory_order_acquire) != seen ||
                 stopping_.load(std::memory_order_acquire);
        }))
      continue;
    std::unique_lock<std::mutex> lock(mutex_);
    // Counted before the last look at posted_: a caller that posts after
    // that look sees the count and wakes us under the lock.
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    uint64_t wakeups = wakeups_;
    wake_.wait(lock, [&] {
      return stopping_.load(std::memory_order_relaxed) ||
             posted_.load(std::memory_order_seq_cst) != seen ||
             wakeups_ != wakeups;
    });
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
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
    uint64_t t0 = trace_ ? PoolTrace::now() : 0;
    body(arg, begin, end);
    if (trace_)
      trace_->record(PoolTrace::kInline, trace_->newLoop(), 0, 0, range, t0,
                     PoolTrace::now());
    return;
  }
  const uint64_t posted = trace_ ? PoolTrace::now() : 0;
  // Up to 16 chunks per thread balance uneven chunks and busy workers
  // without making chunks smaller than the grain the compiler asked for.
  // Kernels cut their work into a few even tasks with grain 1: with 4 per
  // thread, 14 column tasks of a pointwise convolution went in 7 chunks of
  // two, 8 tasks against 6 on two threads (1.33x over one; 1.8x now).
  int64_t maxChunks = static_cast<int64_t>(numThreads_) * 16;
  int64_t numChunks = std::min(maxChunks, (range + grain - 1) / grain);
  Loop loop;
  if (trace_) {
    loop.trace = trace_.get();
    loop.id = trace_->newLoop();
  }
  loop.body = body;
  loop.arg = arg;
  loop.begin = begin;
  loop.end = end;
  loop.chunkSize = (range + numChunks - 1) / numChunks;
  loop.numChunks = (range + loop.chunkSize - 1) / loop.chunkSize;
  loop.pending.store(loop.numChunks, std::memory_order_relaxed);
  loop.numSlices = static_cast<int32_t>(
      std::min<int64_t>(numThreads_, loop.numChunks));
  loop.slices = loop.inlineSlices;
  if (loop.numSlices > Loop::kInlineSlices) {
    loop.heapSlices = std::make_unique<Loop::Slice[]>(loop.numSlices);
    loop.slices = loop.heapSlices.get();
  }
  for (int32_t t = 0; t < loop.numSlices; ++t)
    loop.slices[t].range.store(
        packRange(loop.numChunks * t / loop.numSlices,
                  loop.numChunks * (t + 1) / loop.numSlices),
        std::memory_order_relaxed);
  parallelLoops_.fetch_add(1, std::memory_order_relaxed);
  // Into the slot if it is free, else the queue.
  Loop *empty = nullptr;
  const bool inSlot = slot_.compare_exchange_strong(
      empty, &loop, std::memory_order_seq_cst, std::memory_order_relaxed);
  if (!inSlot) {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(&loop);
    queued_.fetch_add(1, std::memory_order_release);
  }
  posted_.fetch_add(1, std::memory_order_seq_cst);
  // Spinning workers see posted_ change; sleeping ones need a wake-up,
  // under the lock (see workerMain).
  if (int32_t sleeping = sleepers_.load(std::memory_order_seq_cst)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (std::min<int64_t>(loop.numChunks - 1, sleeping) > 1)
      wake_.notify_all();
    else
      wake_.notify_one();
  }

  uint64_t ran = runChunks(loop, 0);
  callerChunks_.fetch_add(ran, std::memory_order_relaxed);
  loop.pending.fetch_sub(static_cast<int64_t>(ran), std::memory_order_acq_rel);
  // No new holders from here on: out of the slot (then wait for the
  // readers' window to close) or out of the queue.
  if (inSlot) {
    slot_.store(nullptr, std::memory_order_seq_cst);
    while (readers_.load(std::memory_order_seq_cst) != 0)
      KILN_CPU_RELAX();
  } else {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find(queue_.begin(), queue_.end(), &loop);
    if (it != queue_.end()) {
      queue_.erase(it);
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  auto finished = [&] {
    return loop.holders.load(std::memory_order_acquire) == 0 &&
           loop.pending.load(std::memory_order_acquire) == 0;
  };
  if (!spinUntil(finished)) {
    std::unique_lock<std::mutex> lock(mutex_);
    waitingCallers_.fetch_add(1, std::memory_order_seq_cst);
    done_.wait(lock, finished);
    waitingCallers_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (trace_)
    trace_->record(PoolTrace::kLoop, loop.id, 0, 0, range, posted,
                   PoolTrace::now());
  uint64_t seen = loop.participants.load(std::memory_order_relaxed);
  uint64_t prev = maxParticipants_.load(std::memory_order_relaxed);
  while (seen > prev && !maxParticipants_.compare_exchange_weak(
                            prev, seen, std::memory_order_relaxed))
    ;
}

void ThreadPool::wake() {
  if (trace_) {
    uint64_t t = PoolTrace::now();
    trace_->record(PoolTrace::kRun, 0, 0, 0, 0, t, t);
  }
  if (numThreads_ == 1 || sleepers_.load(std::memory_order_seq_cst) == 0)
    return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++wakeups_;
  }
  wake_.notify_all();
}

ThreadPoolStats ThreadPool::stats() const {
  ThreadPoolStats s;
  s.parallelLoops = parallelLoops_.load(std::memory_order_relaxed);
  s.inlineLoops = inlineLoops_.load(std::memory_order_relaxed);
  for (int32_t t = 1; t < numThreads_; ++t)
    s.workerChunks += workerChunks_[t].chunks.load(std::memory_order_relaxed);
  s.chunks = callerChunks_.load(std::memory_order_relaxed) + s.workerChunks;
  s.maxParticipants = maxParticipants_.load(std::memory_order_relaxed);
  return s;
}

} // namespace kiln::rt
