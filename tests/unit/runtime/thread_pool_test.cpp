//===- thread_pool_test.cpp - How the intra-op pool splits a loop --------===//

#include "thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using kiln::rt::ThreadPool;

/// Records which thread ran each iteration, in the order each thread ran
/// them. Iteration 0 (the caller's first) waits until another thread has
/// run one, so that the worker is inside the loop before the caller could
/// take its part.
struct Recorder {
  std::thread::id caller = std::this_thread::get_id();
  std::mutex mutex;
  std::vector<int64_t> byCaller, byWorker;
  std::atomic<bool> workerStarted{false};

  static void body(void *arg, int64_t begin, int64_t end) {
    auto *r = static_cast<Recorder *>(arg);
    bool onCaller = std::this_thread::get_id() == r->caller;
    for (int64_t i = begin; i < end; ++i) {
      if (i == 0 && onCaller) {
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!r->workerStarted.load() &&
               std::chrono::steady_clock::now() < deadline)
          std::this_thread::yield();
      }
      if (!onCaller)
        r->workerStarted.store(true);
      std::lock_guard<std::mutex> lock(r->mutex);
      (onCaller ? r->byCaller : r->byWorker).push_back(i);
    }
  }
};

// A kernel cuts its work into a few even tasks (14 column blocks of a
// pointwise convolution); each thread must get its own contiguous half, one
// task per chunk: merged into chunks of two, seven chunks split 4 : 3.
TEST(ThreadPoolTest, TwoThreadsTakeContiguousHalvesOfFewTasks) {
  ThreadPool pool(2);
  Recorder r;
  pool.parallelFor(0, 14, 1, &Recorder::body, &r);
  ASSERT_FALSE(r.byWorker.empty());
  // The worker starts at the front of its half, the caller at 0.
  EXPECT_EQ(r.byWorker.front(), 7);
  EXPECT_EQ(r.byCaller.front(), 0);
  std::vector<int> seen(14, 0);
  for (int64_t i : r.byCaller)
    ++seen[i];
  for (int64_t i : r.byWorker)
    ++seen[i];
  for (int64_t i = 0; i < 14; ++i)
    EXPECT_EQ(seen[i], 1) << "iteration " << i;
  // Each runs its own half in order; whatever it steals comes after, from
  // the back of the other's half.
  for (size_t k = 1; k < r.byCaller.size() && r.byCaller[k] < 7; ++k)
    EXPECT_EQ(r.byCaller[k], r.byCaller[k - 1] + 1);
  for (size_t k = 1; k < r.byWorker.size() && r.byWorker[k] >= 7; ++k)
    EXPECT_EQ(r.byWorker[k], r.byWorker[k - 1] + 1);
  EXPECT_EQ(pool.stats().chunks, 14u);
}

// Every iteration runs exactly once, whatever the range, grain and thread
// count (more chunks than threads, fewer, and uneven halves).
TEST(ThreadPoolTest, EveryIterationRunsOnce) {
  for (int32_t threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int64_t range : {1, 2, 7, 14, 33, 1000}) {
      for (int64_t grain : {1, 3, 64}) {
        std::vector<std::atomic<int>> seen(range);
        struct Arg {
          std::vector<std::atomic<int>> *seen;
        } arg{&seen};
        pool.parallelFor(
            0, range, grain,
            [](void *p, int64_t b, int64_t e) {
              auto *a = static_cast<Arg *>(p);
              for (int64_t i = b; i < e; ++i)
                (*a->seen)[i].fetch_add(1);
            },
            &arg);
        for (int64_t i = 0; i < range; ++i)
          ASSERT_EQ(seen[i].load(), 1)
              << threads << " threads, range " << range << ", grain "
              << grain << ", iteration " << i;
      }
    }
  }
}

} // namespace
