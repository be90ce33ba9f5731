//===- threading_test.cpp - Concurrent runs on one session ----------------===//

#include "kiln_internal.h"
#include "test_support.h"

#include <atomic>
#include <thread>

using namespace kiln_test;

TEST(ThreadingTest, EightThreadsShareOneSession) {
  SessionHolder add(KILN_FAKE_ADD);
  constexpr int kThreads = 8;
  constexpr int kRunsPerThread = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRunsPerThread; ++r) {
        // Each thread uses its own batch size and values, so a result that
        // crossed over from another run would be noticed.
        int64_t batch = 1 + (t * 7 + r) % 33;
        std::vector<float> xs(static_cast<size_t>(batch) * 3);
        for (size_t i = 0; i < xs.size(); ++i)
          xs[i] = static_cast<float>(t * 1000 + r + static_cast<int>(i));
        Wrapped<float> x(KILN_ELEM_FLOAT, xs, {batch, 3});
        Wrapped<float> y(KILN_ELEM_FLOAT, {0.5f, 0.25f, 0.125f}, {1, 3});
        const char *names[] = {"x", "y"};
        const kiln_value *values[] = {x.value, y.value};
        const char *outputs[] = {"z"};
        kiln_value *z = nullptr;
        kiln_status *status =
            kiln_session_run(add.session, names, values, 2, outputs, 1, &z);
        if (status) {
          ++failures;
          kiln_status_release(status);
          continue;
        }
        const float *out = static_cast<const float *>(kiln_value_data(z));
        const float ys[3] = {0.5f, 0.25f, 0.125f};
        bool ok = kiln_value_element_count(z) == batch * 3;
        for (size_t i = 0; ok && i < xs.size(); ++i)
          ok = out[i] == xs[i] + ys[i % 3];
        if (!ok)
          ++failures;
        kiln_value_release(z);
      }
    });
  }
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);

  kiln_arena_stats stats{};
  ASSERT_EQ(describe(kiln_internal_session_arena_stats(add.session, &stats)),
            "");
  EXPECT_GE(stats.arena_count, 1u);
  EXPECT_LE(stats.arena_count, static_cast<uint64_t>(kThreads));
  EXPECT_EQ(stats.busy_arenas, 0u);
  EXPECT_EQ(stats.live_bytes, 0u);
  EXPECT_EQ(stats.allocations, 2u * kThreads * kRunsPerThread);
}

TEST(ThreadingTest, SessionsOnSeveralThreadsLoadConcurrently) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      kiln_session *session = nullptr;
      kiln_status *status =
          kiln_session_create(KILN_FAKE_ADD, nullptr, &session);
      if (status) {
        ++failures;
        kiln_status_release(status);
      }
      kiln_session_release(session);
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
}
