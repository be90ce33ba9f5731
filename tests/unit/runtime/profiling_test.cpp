//===- profiling_test.cpp - Kernel events through the C API ---------------===//

#include "test_support.h"

#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

using namespace kiln_test;

namespace {

/// Runs fake_profiled once on {-1, 2, 3}; expects {0, 4, 6}.
void runOnce(kiln_session *session) {
  Wrapped<float> x(KILN_ELEM_FLOAT, {-1, 2, 3}, {3});
  const char *names[] = {"x"};
  const kiln_value *values[] = {x.value};
  const char *outNames[] = {"z"};
  OwnedValues z(1);
  ASSERT_EQ(describe(kiln_session_run(session, names, values, 1, outNames, 1,
                                      z.data())),
            "");
  EXPECT_EQ(valuesOf<float>(z[0]), (std::vector<float>{0, 4, 6}));
}

size_t pending(kiln_session *session) {
  size_t count = 99;
  EXPECT_EQ(
      describe(kiln_session_take_profile_events(session, nullptr, 0, &count)),
      "");
  return count;
}

/// Options with profiling on; released by the caller.
kiln_session_options *profilingOptions() {
  kiln_session_options *options = nullptr;
  EXPECT_EQ(describe(kiln_session_options_create(&options)), "");
  EXPECT_EQ(describe(kiln_session_options_enable_profiling(options, "p")), "");
  return options;
}

TEST(ProfilingTest, KernelNamesComeFromTheArtifact) {
  SessionHolder s(KILN_FAKE_PROFILED);
  size_t count = 0;
  ASSERT_EQ(describe(kiln_session_get_kernel_count(s.session, &count)), "");
  ASSERT_EQ(count, 2u);
  const char *name = nullptr, *op = nullptr;
  ASSERT_EQ(describe(kiln_session_get_kernel_name(s.session, 1, &name, &op)),
            "");
  EXPECT_STREQ(name, "relu_node+clip_node");
  EXPECT_STREQ(op, "scf.for");
  EXPECT_EQ(describe(kiln_session_get_kernel_name(s.session, 2, &name, &op)),
            "INVALID_ARGUMENT: kernel index 2 is out of range");

  SessionHolder plain(KILN_FAKE_ADD);
  ASSERT_EQ(describe(kiln_session_get_kernel_count(plain.session, &count)), "");
  EXPECT_EQ(count, 0u);
}

TEST(ProfilingTest, NothingIsRecordedWithoutProfiling) {
  SessionHolder s(KILN_FAKE_PROFILED);
  runOnce(s.session);
  EXPECT_EQ(pending(s.session), 0u);
}

TEST(ProfilingTest, OneEventPerKernelPerRun) {
  kiln_session_options *options = profilingOptions();
  SessionHolder s(KILN_FAKE_PROFILED, options);
  kiln_session_options_release(options);
  for (int i = 0; i < 3; ++i)
    runOnce(s.session);
  ASSERT_EQ(pending(s.session), 6u);

  // Taken oldest first, at most `capacity` at a time.
  std::vector<kiln_profile_event> events(4);
  size_t count = 0;
  ASSERT_EQ(describe(kiln_session_take_profile_events(s.session, events.data(),
                                                      events.size(), &count)),
            "");
  ASSERT_EQ(count, 4u);
  auto tid = static_cast<uint64_t>(syscall(SYS_gettid));
  for (size_t i = 0; i < count; ++i) {
    EXPECT_EQ(events[i].kernel, i % 2);
    EXPECT_EQ(events[i].thread_id, tid);
    EXPECT_GE(events[i].duration_ns, 0);
    if (i) {
      EXPECT_GE(events[i].start_ns,
                events[i - 1].start_ns + events[i - 1].duration_ns);
    }
  }
  EXPECT_EQ(pending(s.session), 2u);
  ASSERT_EQ(describe(kiln_session_take_profile_events(s.session, events.data(),
                                                      events.size(), &count)),
            "");
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(pending(s.session), 0u);
}

TEST(ProfilingTest, ConcurrentRunsKeepEveryEvent) {
  kiln_session_options *options = profilingOptions();
  SessionHolder s(KILN_FAKE_PROFILED, options);
  kiln_session_options_release(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i)
        runOnce(s.session);
    });
  for (std::thread &t : threads)
    t.join();
  std::vector<kiln_profile_event> events(1000);
  size_t count = 0;
  ASSERT_EQ(describe(kiln_session_take_profile_events(s.session, events.data(),
                                                      events.size(), &count)),
            "");
  ASSERT_EQ(count, 200u);
  size_t perKernel[2] = {0, 0};
  for (size_t i = 0; i < count; ++i)
    ++perKernel[events[i].kernel];
  EXPECT_EQ(perKernel[0], 100u);
  EXPECT_EQ(perKernel[1], 100u);
}

} // namespace
