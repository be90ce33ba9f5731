//===- intra_op_threads_test.cpp - The session's intra-op thread pool -----===//
//
// Runs fake_parallel (y = 2x through ctx->parallel_for, counting the distinct
// threads that ran chunks) with different intra_op_num_threads.
//
//===----------------------------------------------------------------------===//

#include "kiln_internal.h"
#include "test_support.h"

#include <memory>
#include <thread>

using namespace kiln_test;

namespace {

struct Options {
  explicit Options(int32_t threads) {
    EXPECT_EQ(describe(kiln_session_options_create(&options)), "");
    EXPECT_EQ(describe(kiln_session_options_set_intra_op_num_threads(options,
                                                                     threads)),
              "");
  }
  ~Options() { kiln_session_options_release(options); }
  kiln_session_options *options = nullptr;
};

struct ParallelResult {
  std::vector<float> y;
  int64_t threads = 0;
};

ParallelResult runParallel(kiln_session *session, int64_t n) {
  std::vector<float> xs(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    xs[i] = static_cast<float>(i % 1000) * 0.5f;
  Wrapped<float> x(KILN_ELEM_FLOAT, xs, {n});
  const char *names[] = {"x"};
  const kiln_value *values[] = {x.value};
  const char *outputNames[] = {"y", "threads"};
  OwnedValues outs(2);
  ParallelResult result;
  EXPECT_EQ(describe(kiln_session_run(session, names, values, 1, outputNames, 2,
                                      outs.values.data())),
            "");
  if (!outs.values[0] || !outs.values[1])
    return result;
  const float *y = static_cast<const float *>(kiln_value_data(outs.values[0]));
  result.y.assign(y, y + n);
  result.threads =
      *static_cast<const int64_t *>(kiln_value_data(outs.values[1]));
  for (int64_t i = 0; i < n; ++i)
    EXPECT_EQ(result.y[i], 2.0f * xs[i]) << "at " << i;
  return result;
}

kiln_thread_stats threadStats(kiln_session *session) {
  kiln_thread_stats stats{};
  EXPECT_EQ(describe(kiln_internal_session_thread_stats(session, &stats)), "");
  return stats;
}

int32_t poolThreads(kiln_session *session) {
  int32_t n = -1;
  EXPECT_EQ(describe(kiln_session_get_intra_op_num_threads(session, &n)), "");
  return n;
}

} // namespace

TEST(IntraOpThreadsTest, OneThreadRunsInline) {
  Options one(1);
  SessionHolder s(KILN_FAKE_PARALLEL, one.options);
  EXPECT_EQ(poolThreads(s.session), 1);
  for (int r = 0; r < 3; ++r)
    EXPECT_EQ(runParallel(s.session, 1 << 14).threads, 1);
  kiln_thread_stats stats = threadStats(s.session);
  EXPECT_EQ(stats.parallel_loops, 0u);
  EXPECT_EQ(stats.inline_loops, 3u);
  EXPECT_EQ(stats.worker_chunks, 0u);
}

TEST(IntraOpThreadsTest, FourThreadsSpreadTheLoopAndAgreeWithOne) {
  Options one(1), four(4);
  SessionHolder serial(KILN_FAKE_PARALLEL, one.options);
  SessionHolder parallel(KILN_FAKE_PARALLEL, four.options);
  EXPECT_EQ(poolThreads(parallel.session), 4);
  const int64_t n = 1 << 15;
  ParallelResult expected = runParallel(serial.session, n);
  // Workers that are slow to wake (a loaded machine) may miss one run, not
  // ten in a row.
  int64_t mostThreads = 0;
  for (int r = 0; r < 10; ++r) {
    ParallelResult got = runParallel(parallel.session, n);
    EXPECT_EQ(got.y, expected.y);
    EXPECT_LE(got.threads, 4);
    mostThreads = std::max(mostThreads, got.threads);
  }
  EXPECT_GT(mostThreads, 1);
  kiln_thread_stats stats = threadStats(parallel.session);
  EXPECT_EQ(stats.pool_threads, 4u);
  EXPECT_EQ(stats.parallel_loops, 10u);
  EXPECT_GT(stats.worker_chunks, 0u);
  EXPECT_GT(stats.max_participants, 1u);
  EXPECT_LE(stats.max_participants, 4u);
  // Blocks allocated on workers went back to the run's arena.
  kiln_arena_stats arena{};
  ASSERT_EQ(
      describe(kiln_internal_session_arena_stats(parallel.session, &arena)),
      "");
  EXPECT_EQ(arena.live_bytes, 0u);
}

TEST(IntraOpThreadsTest, SmallRangesRunInline) {
  Options four(4);
  SessionHolder s(KILN_FAKE_PARALLEL, four.options);
  // 64 iterations is the fake's grain: one chunk, on the caller.
  EXPECT_EQ(runParallel(s.session, 64).threads, 1);
  EXPECT_EQ(threadStats(s.session).inline_loops, 1u);
}

TEST(IntraOpThreadsTest, ZeroMeansOnePerHardwareThread) {
  Options zero(0);
  SessionHolder s(KILN_FAKE_PARALLEL, zero.options);
  int32_t expected =
      static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(poolThreads(s.session), expected);
  runParallel(s.session, 1 << 12);
}

TEST(IntraOpThreadsTest, ConcurrentRunsShareThePool) {
  Options three(3);
  SessionHolder s(KILN_FAKE_PARALLEL, three.options);
  std::vector<std::thread> callers;
  for (int t = 0; t < 6; ++t)
    callers.emplace_back([&] {
      for (int r = 0; r < 20; ++r)
        runParallel(s.session, 4096 + 64 * r);
    });
  for (std::thread &t : callers)
    t.join();
  kiln_thread_stats stats = threadStats(s.session);
  EXPECT_EQ(stats.parallel_loops + stats.inline_loops, 120u);
  kiln_arena_stats arena{};
  ASSERT_EQ(describe(kiln_internal_session_arena_stats(s.session, &arena)), "");
  EXPECT_EQ(arena.busy_arenas, 0u);
  EXPECT_EQ(arena.live_bytes, 0u);
}
