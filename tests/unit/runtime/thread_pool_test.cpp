//===- thread_pool_test.cpp - How the intra-op pool splits a loop --------===//

#include "thread_pool.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using kiln::rt::ThreadPool;

/// Records which thread ran each iteration, in the order each thread ran
/// them. A thread's first iteration waits until the other thread has
/// started one, so that both are inside the loop before either could take
/// the other's part (on a loaded machine one thread can otherwise run
/// everything before the other is scheduled).
struct Recorder {
  std::thread::id caller = std::this_thread::get_id();
  std::mutex mutex;
  std::vector<int64_t> byCaller, byWorker;
  std::atomic<bool> callerStarted{false}, workerStarted{false};

  static void body(void *arg, int64_t begin, int64_t end) {
    auto *r = static_cast<Recorder *>(arg);
    bool onCaller = std::this_thread::get_id() == r->caller;
    (onCaller ? r->callerStarted : r->workerStarted).store(true);
    std::atomic<bool> &other = onCaller ? r->workerStarted : r->callerStarted;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!other.load() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    std::lock_guard<std::mutex> lock(r->mutex);
    for (int64_t i = begin; i < end; ++i)
      (onCaller ? r->byCaller : r->byWorker).push_back(i);
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
  ASSERT_FALSE(r.byCaller.empty());
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

// A loop issued inside a chunk while every worker is busy (the GEMMs of a
// bidirectional LSTM's two directions, one per thread) runs inline on its
// thread instead of going through the queue where nobody could join it.
TEST(ThreadPoolTest, NestedLoopsRunInlineWhenEveryWorkerIsBusy) {
  ThreadPool pool(2);
  struct Outer {
    ThreadPool *pool;
    std::atomic<int> started{0}, finished{0};
    std::atomic<int> foreign{0}; // inner iterations on another thread
  } outer{&pool};
  pool.parallelFor(
      0, 2, 1,
      [](void *p, int64_t, int64_t) {
        auto *o = static_cast<Outer *>(p);
        // Both chunks run at once: each waits for the other to start.

        o->started.fetch_add(1);
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (o->started.load() < 2 &&
               std::chrono::steady_clock::now() < deadline)
          std::this_thread::yield();
        struct Inner {
          std::thread::id owner = std::this_thread::get_id();
          std::atomic<int> *foreign;
        } inner{std::this_thread::get_id(), &o->foreign};
        o->pool->parallelFor(
            0, 64, 1,
            [](void *q, int64_t b, int64_t e) {
              auto *in = static_cast<Inner *>(q);
              if (std::this_thread::get_id() != in->owner)
                in->foreign->fetch_add(static_cast<int>(e - b));
            },
            &inner);
        // Neither leaves its chunk before both inner loops are done.
        o->finished.fetch_add(1);
        while (o->finished.load() < 2 &&
               std::chrono::steady_clock::now() < deadline)
          std::this_thread::yield();
      },
      &outer);
  EXPECT_EQ(outer.started.load(), 2);
  EXPECT_EQ(outer.foreign.load(), 0);
  kiln::rt::ThreadPoolStats stats = pool.stats();
  EXPECT_EQ(stats.parallelLoops, 1u);
  EXPECT_EQ(stats.inlineLoops, 2u);
}

// Several callers at once (runs sharing a session's pool), each issuing
// loops, some with loops nested in their chunks: one loop at a time holds
// the pool's lock-free slot, the others go through the queue, and every
// iteration of every loop runs exactly once.
TEST(ThreadPoolTest, ConcurrentCallersAndNestedLoopsEachRunOnce) {
  ThreadPool pool(3);
  struct Count {
    ThreadPool *pool;
    std::vector<std::atomic<int>> seen;
    bool nest;
    explicit Count(ThreadPool *p, int64_t n, bool nest)
        : pool(p), seen(n), nest(nest) {}
    static void body(void *arg, int64_t b, int64_t e) {
      auto *c = static_cast<Count *>(arg);
      for (int64_t i = b; i < e; ++i) {
        c->seen[i].fetch_add(1);
        if (c->nest && i % 16 == 0) {
          Count inner(c->pool, 40, false);
          c->pool->parallelFor(0, 40, 1, &Count::body, &inner);
          for (auto &v : inner.seen)
            if (v.load() != 1)
              c->seen[i].fetch_add(100); // reported by the caller
        }
      }
    }
  };
  std::atomic<int> bad{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t)
    callers.emplace_back([&, t] {
      for (int round = 0; round < 300; ++round) {
        int64_t n = 1 + (round * 7 + t * 13) % 97;
        Count c(&pool, n, round % 3 == 0);
        pool.parallelFor(0, n, 1 + round % 3, &Count::body, &c);
        for (auto &v : c.seen)
          if (v.load() != 1)
            bad.fetch_add(1);
      }
    });
  for (std::thread &t : callers)
    t.join();
  EXPECT_EQ(bad.load(), 0);
}

// A caller whose worker takes long past the caller's spin sleeps until the
// worker lets go of the loop, and is woken by it (the loop it would have
// slept on may be gone by then: it sleeps on the pool's).
TEST(ThreadPoolTest, CallerSleepsUntilASlowWorkerFinishes) {
  ThreadPool pool(2);
  struct Slow {
    std::thread::id caller = std::this_thread::get_id();
    std::atomic<int> done{0};
    std::atomic<bool> workerIn{false};
    static void body(void *arg, int64_t b, int64_t e) {
      auto *s = static_cast<Slow *>(arg);
      if (std::this_thread::get_id() != s->caller) {
        s->workerIn.store(true);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      } else {
        // The worker takes its chunk before the caller could steal it.
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!s->workerIn.load() &&
               std::chrono::steady_clock::now() < deadline)
          std::this_thread::yield();
      }
      s->done.fetch_add(static_cast<int>(e - b));
    }
  };
  int sharedWithWorker = 0;
  for (int round = 0; round < 20; ++round) {
    Slow s;
    pool.parallelFor(0, 2, 1, &Slow::body, &s);
    EXPECT_EQ(s.done.load(), 2);
    sharedWithWorker += s.workerIn.load();
  }
  EXPECT_GT(sharedWithWorker, 0);
}

// KILN_POOL_TRACE: a pool made with it writes, when destroyed, every run
// start, every loop from post to join, every chunk on its thread and every
// inline loop, with times that nest (chunks inside their loop).
TEST(ThreadPoolTest, TraceRecordsRunsLoopsAndChunks) {
  char dir[] = "/tmp/kiln-pool-trace-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string base = std::string(dir) + "/t";
  setenv("KILN_POOL_TRACE", base.c_str(), 1);
  {
    ThreadPool pool(2);
    unsetenv("KILN_POOL_TRACE");
    pool.wake();
    std::atomic<int64_t> sum{0};
    auto add = [](void *p, int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        static_cast<std::atomic<int64_t> *>(p)->fetch_add(i);
    };
    pool.parallelFor(0, 10, 1, add, &sum);  // a loop of 10 chunks
    pool.parallelFor(0, 3, 64, add, &sum);  // inline: below the grain
    EXPECT_EQ(sum.load(), 45 + 3);
  }
  // The first traced pool of this process.
  std::string path = base + "." + std::to_string(getpid()) + ".";
  std::ifstream in;
  std::string file;
  for (int n = 0; n < 64 && !in.is_open(); ++n)
    in.open(file = path + std::to_string(n));
  ASSERT_TRUE(in.is_open());
  struct Cleanup {
    std::string file, dir;
    ~Cleanup() {
      std::remove(file.c_str());
      rmdir(dir.c_str());
    }
  } cleanup{file, dir};
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line.rfind("# kiln pool trace 1: threads 2,", 0), 0u) << line;
  std::getline(in, line);
  int runs = 0, loops = 0, inlines = 0, chunks = 0;
  int64_t iterations = 0;
  uint64_t loopT0 = 0, loopT1 = 0, firstChunk = ~0ull, lastChunk = 0;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    int kind, thread;
    uint64_t loop, t0, t1;
    int64_t first, count;
    ASSERT_TRUE(f >> kind >> loop >> thread >> first >> count >> t0 >> t1)
        << line;
    EXPECT_LE(t0, t1);
    switch (kind) {
    case 0:
      ++chunks;
      iterations += count;
      EXPECT_EQ(loop, 0u);
      firstChunk = std::min(firstChunk, t0);
      lastChunk = std::max(lastChunk, t1);
      break;
    case 1:
      ++loops;
      EXPECT_EQ(count, 10);
      loopT0 = t0;
      loopT1 = t1;
      break;
    case 2:
      ++inlines;
      EXPECT_EQ(count, 3);
      break;
    default:
      ++runs;
    }
  }
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(loops, 1);
  EXPECT_EQ(inlines, 1);
  EXPECT_EQ(chunks, 10);
  EXPECT_EQ(iterations, 10);
  EXPECT_LE(loopT0, firstChunk);
  EXPECT_GE(loopT1, lastChunk);
}

} // namespace
