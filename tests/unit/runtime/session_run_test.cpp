//===- session_run_test.cpp - Running fake artifacts ----------------------===//

#include "kiln_internal.h"
#include "test_support.h"

#include <cstring>
#include <numeric>

using namespace kiln_test;

namespace {

kiln_arena_stats statsOf(kiln_session *session) {
  kiln_arena_stats stats{};
  EXPECT_EQ(describe(kiln_internal_session_arena_stats(session, &stats)), "");
  return stats;
}

/// Runs fake_add on x[batch, 3] = 0,1,2,... and y = {100, 200, 300} into
/// *z (NULL: the run allocates it; else a preallocated tensor).
void runAddInto(kiln_session *session, int64_t batch, kiln_value **z) {
  std::vector<float> xs(static_cast<size_t>(batch) * 3);
  std::iota(xs.begin(), xs.end(), 0.f);
  Wrapped<float> x(KILN_ELEM_FLOAT, xs, {batch, 3});
  Wrapped<float> y(KILN_ELEM_FLOAT, {100, 200, 300}, {1, 3});
  const char *names[] = {"x", "y"};
  const kiln_value *values[] = {x.value, y.value};
  const char *outputs[] = {"z"};
  EXPECT_EQ(
      describe(kiln_session_run(session, names, values, 2, outputs, 1, z)),
      "");
}

/// runAddInto's result as values, checked for its shape.
std::vector<float> runAdd(kiln_session *session, int64_t batch,
                          kiln_value *preallocated = nullptr) {
  OwnedValues results(1);
  results.values[0] = preallocated;
  runAddInto(session, batch, results.data());
  std::vector<float> z = valuesOf<float>(results[0]);
  EXPECT_EQ(shapeOf(results[0]), (std::vector<int64_t>{batch, 3}));
  if (preallocated)
    results.values[0] = nullptr; // the caller owns it
  return z;
}

/// runAddInto's output, for the caller to release.
kiln_value *runAddKeep(kiln_session *session, int64_t batch) {
  kiln_value *z = nullptr;
  runAddInto(session, batch, &z);
  return z;
}

std::vector<float> expectedAdd(int64_t batch) {
  std::vector<float> z;
  for (int64_t i = 0; i < batch * 3; ++i)
    z.push_back(static_cast<float>(i) + 100.f * static_cast<float>(i % 3 + 1));
  return z;
}

} // namespace

TEST(RunTest, AddWithDynamicBatch) {
  SessionHolder add(KILN_FAKE_ADD);
  for (int64_t batch : {1, 2, 5, 64, 0})
    EXPECT_EQ(runAdd(add.session, batch), expectedAdd(batch)) << batch;
}

TEST(RunTest, RuntimeAllocatedOutputIsOwning) {
  SessionHolder add(KILN_FAKE_ADD);
  Wrapped<float> x(KILN_ELEM_FLOAT, {1, 2, 3}, {1, 3});
  Wrapped<float> y(KILN_ELEM_FLOAT, {1, 1, 1}, {1, 3});
  const char *names[] = {"y", "x"}; // feed order need not match model order
  const kiln_value *values[] = {y.value, x.value};
  const char *outputs[] = {"z"};
  kiln_value *z = nullptr;
  ASSERT_EQ(
      describe(kiln_session_run(add.session, names, values, 2, outputs, 1, &z)),
      "");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(kiln_value_is_owning(z), 1);
  EXPECT_EQ(kiln_value_elem_type(z), KILN_ELEM_FLOAT);
  EXPECT_EQ(valuesOf<float>(z), (std::vector<float>{2, 3, 4}));
  kiln_value_release(z);
}

TEST(RunTest, PreallocatedOutputIsFilledInPlace) {
  SessionHolder add(KILN_FAKE_ADD);
  std::vector<float> storage(6, -1.f);
  int64_t shape[] = {2, 3};
  kiln_value *z = nullptr;
  ASSERT_EQ(
      describe(kiln_value_create_tensor_with_data(
          KILN_ELEM_FLOAT, storage.data(), storage.size() * 4, shape, 2, &z)),
      "");
  EXPECT_EQ(runAdd(add.session, 2, z), expectedAdd(2));
  EXPECT_EQ(storage, expectedAdd(2));
  EXPECT_EQ(kiln_value_data(z), storage.data());
  kiln_value_release(z);
}

TEST(RunTest, ViewsScalarsAndHostileFrees) {
  SessionHolder views(KILN_FAKE_VIEWS);
  Wrapped<int64_t> m(KILN_ELEM_INT64, {1, 2, 3, 4, 5, 6}, {2, 3});
  const char *names[] = {"m"};
  const kiln_value *values[] = {m.value};
  const char *outputs[] = {"checks", "w", "mt", "total"};
  for (int run = 0; run < 3; ++run) {
    // Mix a preallocated slot with runtime-allocated ones.
    OwnedValues results(4);
    int64_t wShape[] = {4};
    ASSERT_EQ(describe(kiln_value_create_tensor(KILN_ELEM_INT64, wShape, 1,
                                                &results.values[1])),
              "");
    ASSERT_EQ(describe(kiln_session_run(views.session, names, values, 1,
                                        outputs, 4, results.data())),
              "");
    EXPECT_EQ(valuesOf<int32_t>(results[0]), (std::vector<int32_t>{1, 1, 1}));
    EXPECT_EQ(valuesOf<int64_t>(results[1]),
              (std::vector<int64_t>{20, 30, 40, 50}));
    EXPECT_EQ(shapeOf(results[2]), (std::vector<int64_t>{3, 2}));
    EXPECT_EQ(valuesOf<int64_t>(results[2]),
              (std::vector<int64_t>{1, 4, 2, 5, 3, 6}));
    EXPECT_EQ(kiln_value_rank(results[3]), 0u);
    EXPECT_EQ(valuesOf<int64_t>(results[3]), std::vector<int64_t>{21});
  }
  // The input and weights the artifact "freed" are untouched.
  EXPECT_EQ(m.data, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  kiln_arena_stats stats = statsOf(views.session);
  EXPECT_EQ(stats.live_bytes, 0u) << "blocks left live must be reclaimed";
  EXPECT_EQ(stats.arena_count, 1u);
}

TEST(RunTest, EveryElementTypeRoundTrips) {
  SessionHolder types(KILN_FAKE_ALL_TYPES);
  struct TypeCase {
    const char *suffix;
    int32_t type;
  } cases[] = {{"float", KILN_ELEM_FLOAT},      {"uint8", KILN_ELEM_UINT8},
               {"int8", KILN_ELEM_INT8},        {"uint16", KILN_ELEM_UINT16},
               {"int16", KILN_ELEM_INT16},      {"int32", KILN_ELEM_INT32},
               {"int64", KILN_ELEM_INT64},      {"bool", KILN_ELEM_BOOL},
               {"float16", KILN_ELEM_FLOAT16},  {"double", KILN_ELEM_DOUBLE},
               {"uint32", KILN_ELEM_UINT32},    {"uint64", KILN_ELEM_UINT64},
               {"bfloat16", KILN_ELEM_BFLOAT16}};
  std::vector<std::string> inNames, outNames;
  std::vector<std::vector<uint8_t>> buffers;
  std::vector<kiln_value *> inputs;
  for (const TypeCase &c : cases) {
    size_t size = kiln_elem_type_size(c.type);
    std::vector<uint8_t> bytes(2 * size);
    for (size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = static_cast<uint8_t>(c.type * 16 + i);
    if (c.type == KILN_ELEM_BOOL)
      bytes = {1, 0};
    buffers.push_back(bytes);
    int64_t shape[] = {2};
    kiln_value *v = nullptr;
    ASSERT_EQ(describe(kiln_value_create_tensor_with_data(
                  c.type, buffers.back().data(), bytes.size(), shape, 1, &v)),
              "");
    inputs.push_back(v);
    inNames.push_back(std::string("in_") + c.suffix);
    outNames.push_back(std::string("out_") + c.suffix);
  }
  std::vector<const char *> in, out;
  for (auto &n : inNames)
    in.push_back(n.c_str());
  for (auto &n : outNames)
    out.push_back(n.c_str());
  std::vector<const kiln_value *> values(inputs.begin(), inputs.end());
  OwnedValues results(out.size());
  ASSERT_EQ(describe(kiln_session_run(types.session, in.data(), values.data(),
                                      values.size(), out.data(), out.size(),
                                      results.data())),
            "");
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(kiln_value_elem_type(results[i]), cases[i].type) << out[i];
    ASSERT_EQ(kiln_value_byte_size(results[i]), buffers[i].size()) << out[i];
    EXPECT_EQ(std::memcmp(kiln_value_data(results[i]), buffers[i].data(),
                          buffers[i].size()),
              0)
        << out[i];
  }

  // Every type is named in the dtype error, as ORT names it.
  for (size_t i = 0; i < inputs.size(); ++i) {
    size_t wrong = (i + 1) % inputs.size();
    std::vector<const kiln_value *> swapped = values;
    swapped[i] = inputs[wrong];
    OwnedValues ignored(1);
    EXPECT_EQ(describe(kiln_session_run(types.session, in.data(),
                                        swapped.data(), swapped.size(),
                                        out.data(), 1, ignored.data())),
              std::string("INVALID_ARGUMENT: Unexpected input data type. "
                          "Actual: (tensor(") +
                  cases[wrong].suffix + ")) , expected: (tensor(" +
                  cases[i].suffix + "))");
  }
  for (kiln_value *v : inputs)
    kiln_value_release(v);
}

TEST(ArenaReuseTest, SecondRunDoesNotGrowTheArena) {
  SessionHolder add(KILN_FAKE_ADD);
  runAdd(add.session, 16);
  kiln_arena_stats first = statsOf(add.session);
  EXPECT_EQ(first.arena_count, 1u);
  EXPECT_EQ(first.allocations, 2u); // scratch + output
  EXPECT_GT(first.system_allocations, 0u);
  EXPECT_EQ(first.live_bytes, 0u);

  for (int i = 0; i < 10; ++i)
    runAdd(add.session, 16);
  kiln_arena_stats later = statsOf(add.session);
  EXPECT_EQ(later.system_allocations, first.system_allocations);
  EXPECT_EQ(later.reserved_bytes, first.reserved_bytes);
  EXPECT_EQ(later.allocations, first.allocations + 20);
  EXPECT_EQ(later.live_bytes, 0u);
  EXPECT_EQ(later.arena_count, 1u);

  // Smaller shapes fit in the blocks already held.
  runAdd(add.session, 1);
  EXPECT_EQ(statsOf(add.session).system_allocations, first.system_allocations);
}

TEST(ArenaReuseTest, AlternatingShapesStopAllocatingAfterWarmUp) {
  SessionHolder add(KILN_FAKE_ADD);
  runAdd(add.session, 4);
  runAdd(add.session, 1000);
  kiln_arena_stats warm = statsOf(add.session);
  for (int i = 0; i < 10; ++i) {
    runAdd(add.session, 4);
    runAdd(add.session, 1000);
  }
  // The only new blocks replace the outputs handed over without a copy (the
  // 12 KB ones; small outputs are copied), and they are those outputs,
  // released by the caller: nothing more from the system.
  kiln_arena_stats later = statsOf(add.session);
  EXPECT_EQ(later.handed_over - warm.handed_over, 10u);
  EXPECT_EQ(later.recycled - warm.recycled, 10u);
  EXPECT_EQ(later.system_allocations, warm.system_allocations);
}

TEST(ArenaReuseTest, OutputsKeptByTheCallerAreNotReused) {
  SessionHolder add(KILN_FAKE_ADD);
  // Three outputs held at once: each run takes a new block.
  std::vector<kiln_value *> held;
  for (int i = 0; i < 3; ++i)
    held.push_back(runAddKeep(add.session, 1000));
  for (size_t i = 0; i < held.size(); ++i)
    for (size_t j = i + 1; j < held.size(); ++j)
      EXPECT_NE(kiln_value_data(held[i]), kiln_value_data(held[j]));
  EXPECT_EQ(statsOf(add.session).recycled, 0u);
  // Two released: the next run's output is one of them.
  void *released[] = {kiln_value_data(held[0]), kiln_value_data(held[1])};
  kiln_value_release(held[0]);
  kiln_value_release(held[1]);
  kiln_value *again = runAddKeep(add.session, 1000);
  EXPECT_EQ(statsOf(add.session).recycled, 1u);
  EXPECT_TRUE(kiln_value_data(again) == released[0] ||
              kiln_value_data(again) == released[1]);
  EXPECT_EQ(static_cast<float *>(kiln_value_data(again))[0], 100.f);
  kiln_value_release(again);
  // One released after its session is gone: the recycler outlives it.
  kiln_session_release(add.session);
  add.session = nullptr;
  kiln_value_release(held[2]);
}

TEST(SharedArtifactTest, TwoSessionsOnOneSharedObject) {
  auto *first = new SessionHolder(KILN_FAKE_ADD);
  SessionHolder second(KILN_FAKE_ADD);
  EXPECT_EQ(runAdd(first->session, 3), expectedAdd(3));
  delete first; // the artifact must stay mapped for the other session
  EXPECT_EQ(runAdd(second.session, 3), expectedAdd(3));
}
