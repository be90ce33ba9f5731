//===- c_api_ort_test.cpp - Env, run options, sessions from bytes ---------===//
//
// The C API's ONNX Runtime counterparts added for the C++ layer: kiln_env,
// kiln_run_options with kiln_session_run_with_options, compile-only session
// options and kiln_session_create_from_bytes.
//
//===----------------------------------------------------------------------===//

#include "test_support.h"

#include <dlfcn.h>
#include <fstream>
#include <iterator>
#include <thread>

using namespace kiln_test;

namespace {

std::vector<char> readFile(const char *path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::vector<char>(std::istreambuf_iterator<char>(in),
                           std::istreambuf_iterator<char>());
}

/// Feeds x = {1, 2, 3} and y = {10, 20, 30} to fake_add.
struct AddFeeds {
  Wrapped<float> x{KILN_ELEM_FLOAT, {1, 2, 3}, {1, 3}};
  Wrapped<float> y{KILN_ELEM_FLOAT, {10, 20, 30}, {1, 3}};
  const char *names[2] = {"x", "y"};
  const kiln_value *values[2] = {x.value, y.value};
};

const char *const kOutZ[] = {"z"};

} // namespace

TEST(EnvTest, RecordsLevelAndId) {
  kiln_env *env = nullptr;
  ASSERT_EQ(describe(kiln_env_create(KILN_LOGGING_LEVEL_INFO, "app", &env)),
            "");
  kiln_logging_level level = KILN_LOGGING_LEVEL_FATAL;
  const char *id = nullptr;
  EXPECT_EQ(describe(kiln_env_get_logging_level(env, &level)), "");
  EXPECT_EQ(describe(kiln_env_get_log_id(env, &id)), "");
  EXPECT_EQ(level, KILN_LOGGING_LEVEL_INFO);
  EXPECT_STREQ(id, "app");
  kiln_env_release(env);

  EXPECT_EQ(describe(kiln_env_create(static_cast<kiln_logging_level>(7),
                                     nullptr, &env)),
            "INVALID_ARGUMENT: Invalid logging level: 7");
  EXPECT_EQ(env, nullptr);
  EXPECT_EQ(describe(kiln_env_get_log_id(nullptr, &id)),
            "INVALID_ARGUMENT: env is NULL");
}

TEST(CompileOptionsTest, RecordedAsConfigEntries) {
  kiln_session_options *options = nullptr;
  ASSERT_EQ(describe(kiln_session_options_create(&options)), "");
  EXPECT_EQ(
      describe(kiln_session_options_set_graph_optimization_level(options, 1)),
      "");
  EXPECT_EQ(describe(kiln_session_options_add_free_dimension_override(
                options, "batch", 4)),
            "");
  EXPECT_EQ(describe(kiln_session_options_enable_profiling(options, nullptr)),
            "");
  auto entry = [&](const char *key) {
    const char *value = nullptr;
    EXPECT_EQ(
        describe(kiln_session_options_get_config_entry(options, key, &value)),
        "");
    return std::string(value ? value : "<absent>");
  };
  EXPECT_EQ(entry("kiln.graph_optimization_level"), "1");
  EXPECT_EQ(entry("kiln.free_dimension_override.batch"), "4");
  EXPECT_EQ(entry("kiln.enable_profiling"), "1");
  EXPECT_EQ(entry("kiln.profile_file_prefix"), "onnxruntime_profile_");
  EXPECT_EQ(describe(kiln_session_options_disable_profiling(options)), "");
  EXPECT_EQ(entry("kiln.enable_profiling"), "0");

  EXPECT_EQ(
      describe(kiln_session_options_set_graph_optimization_level(options, 3)),
      "INVALID_ARGUMENT: Invalid graph optimization level: 3 (expected 0, 1, "
      "2 or 99)");
  EXPECT_EQ(describe(kiln_session_options_add_free_dimension_override(
                options, "batch", -1)),
            "INVALID_ARGUMENT: Invalid free dimension override value for "
            "batch: -1");
  EXPECT_EQ(describe(kiln_session_options_add_free_dimension_override(options,
                                                                      "", 1)),
            "INVALID_ARGUMENT: dim_name must be a non-empty string");
  // The recorded options do not stop an artifact from loading.
  SessionHolder holder(KILN_FAKE_ADD, options);
  EXPECT_NE(holder.session, nullptr);
  kiln_session_options_release(options);
}

TEST(SessionOptionsCloneTest, CopiesSettingsIndependently) {
  kiln_session_options *options = nullptr;
  ASSERT_EQ(describe(kiln_session_options_create(&options)), "");
  ASSERT_EQ(describe(kiln_session_options_set_intra_op_num_threads(options, 2)),
            "");
  ASSERT_EQ(describe(kiln_session_options_add_config_entry(options, "k", "v")),
            "");
  kiln_session_options *copy = nullptr;
  ASSERT_EQ(describe(kiln_session_options_clone(options, &copy)), "");
  ASSERT_NE(copy, nullptr);
  ASSERT_EQ(describe(kiln_session_options_add_config_entry(copy, "k", "w")),
            "");
  const char *value = nullptr;
  EXPECT_EQ(describe(kiln_session_options_get_config_entry(options, "k",
                                                           &value)),
            "");
  EXPECT_STREQ(value, "v");
  EXPECT_EQ(describe(kiln_session_options_get_config_entry(copy, "k", &value)),
            "");
  EXPECT_STREQ(value, "w");
  // The thread count travels too: a session made from the copy runs on 2.
  SessionHolder holder(KILN_FAKE_ADD, copy);
  int32_t threads = 0;
  EXPECT_EQ(describe(kiln_session_get_intra_op_num_threads(holder.session,
                                                           &threads)),
            "");
  EXPECT_EQ(threads, 2);
  kiln_session_options *none = nullptr;
  EXPECT_EQ(describe(kiln_session_options_clone(nullptr, &none)),
            "INVALID_ARGUMENT: options is NULL");
  EXPECT_EQ(none, nullptr);
  kiln_session_options_release(copy);
  kiln_session_options_release(options);
}

TEST(RunOptionsTest, TagLevelAndConfig) {
  kiln_run_options *options = nullptr;
  ASSERT_EQ(describe(kiln_run_options_create(&options)), "");
  const char *tag = nullptr;
  int32_t level = -1;
  EXPECT_EQ(describe(kiln_run_options_get_run_tag(options, &tag)), "");
  EXPECT_STREQ(tag, "");
  EXPECT_EQ(describe(kiln_run_options_get_log_severity_level(options, &level)),
            "");
  EXPECT_EQ(level, 2);
  EXPECT_EQ(describe(kiln_run_options_set_run_tag(options, "batch-7")), "");
  EXPECT_EQ(describe(kiln_run_options_set_log_severity_level(options, 0)), "");
  EXPECT_EQ(describe(kiln_run_options_get_run_tag(options, &tag)), "");
  EXPECT_EQ(describe(kiln_run_options_get_log_severity_level(options, &level)),
            "");
  EXPECT_STREQ(tag, "batch-7");
  EXPECT_EQ(level, 0);
  EXPECT_EQ(describe(kiln_run_options_set_log_severity_level(options, 5)),
            "INVALID_ARGUMENT: Invalid run log severity level: 5");

  const char *value = nullptr;
  EXPECT_EQ(describe(kiln_run_options_add_config_entry(options, "k", "v")), "");
  EXPECT_EQ(describe(kiln_run_options_get_config_entry(options, "k", &value)),
            "");
  EXPECT_STREQ(value, "v");
  EXPECT_EQ(
      describe(kiln_run_options_get_config_entry(options, "other", &value)),
      "");
  EXPECT_EQ(value, nullptr);
  EXPECT_EQ(describe(kiln_run_options_add_config_entry(options, "", "v")),
            "INVALID_ARGUMENT: Config key is empty");
  kiln_run_options_release(options);
  EXPECT_EQ(describe(kiln_run_options_set_terminate(nullptr)),
            "INVALID_ARGUMENT: run options is NULL");
}

TEST(RunWithOptionsTest, NullOptionsRunLikeSessionRun) {
  SessionHolder holder(KILN_FAKE_ADD);
  AddFeeds feeds;
  OwnedValues out(1);
  EXPECT_EQ(describe(kiln_session_run_with_options(holder.session, nullptr,
                                                   feeds.names, feeds.values, 2,
                                                   kOutZ, 1, out.data())),
            "");
  EXPECT_EQ(valuesOf<float>(out[0]), (std::vector<float>{11, 22, 33}));
}

TEST(RunWithOptionsTest, TerminateFlagFailsRunsUntilUnset) {
  SessionHolder holder(KILN_FAKE_ADD);
  kiln_run_options *options = nullptr;
  ASSERT_EQ(describe(kiln_run_options_create(&options)), "");
  AddFeeds feeds;
  OwnedValues out(1);
  EXPECT_EQ(describe(kiln_run_options_set_terminate(options)), "");
  EXPECT_EQ(describe(kiln_session_run_with_options(holder.session, options,
                                                   feeds.names, feeds.values, 2,
                                                   kOutZ, 1, out.data())),
            "FAIL: Exiting due to terminate flag being set to true.");
  EXPECT_EQ(out[0], nullptr);
  EXPECT_EQ(describe(kiln_run_options_unset_terminate(options)), "");
  EXPECT_EQ(describe(kiln_session_run_with_options(holder.session, options,
                                                   feeds.names, feeds.values, 2,
                                                   kOutZ, 1, out.data())),
            "");
  EXPECT_EQ(valuesOf<float>(out[0]), (std::vector<float>{11, 22, 33}));
  kiln_run_options_release(options);
}

namespace {
kiln_run_options *optionsToTerminate = nullptr;
void terminateFromInsideTheRun() {
  kiln_status_release(kiln_run_options_set_terminate(optionsToTerminate));
}
} // namespace

TEST(RunWithOptionsTest, TerminateDuringRunReleasesAllocatedOutputs) {
  SessionHolder holder(KILN_FAKE_CALLBACK);
  ASSERT_NE(holder.session, nullptr);
  // Same path: glibc hands back the library the session loaded.
  void *lib = dlopen(KILN_FAKE_CALLBACK, RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(lib, nullptr);
  auto **hook = static_cast<void (**)()>(dlsym(lib, "kiln_fake_on_entry"));
  ASSERT_NE(hook, nullptr);
  ASSERT_EQ(describe(kiln_run_options_create(&optionsToTerminate)), "");
  *hook = terminateFromInsideTheRun;

  Wrapped<float> x(KILN_ELEM_FLOAT, {1, 2}, {2});
  const char *in[] = {"x"};
  const char *outNames[] = {"y"};
  const kiln_value *values[] = {x.value};
  OwnedValues out(1);
  EXPECT_EQ(describe(kiln_session_run_with_options(
                holder.session, optionsToTerminate, in, values, 1, outNames, 1,
                out.data())),
            "FAIL: Exiting due to terminate flag being set to true.");
  EXPECT_EQ(out[0], nullptr);

  *hook = nullptr;
  kiln_run_options_release(optionsToTerminate);
  optionsToTerminate = nullptr;
  dlclose(lib);
}

TEST(SessionFromBytesTest, LoadsAndRuns) {
  std::vector<char> bytes = readFile(KILN_FAKE_ADD);
  ASSERT_FALSE(bytes.empty());
  kiln_session *session = nullptr;
  ASSERT_EQ(describe(kiln_session_create_from_bytes(bytes.data(), bytes.size(),
                                                    nullptr, &session)),
            "");
  // The bytes are not needed once the session exists.
  std::fill(bytes.begin(), bytes.end(), 0);
  bytes.clear();
  bytes.shrink_to_fit();
  const char *name = nullptr;
  EXPECT_EQ(describe(kiln_session_get_input_name(session, 1, &name)), "");
  EXPECT_STREQ(name, "y");
  AddFeeds feeds;
  OwnedValues out(1);
  EXPECT_EQ(describe(kiln_session_run(session, feeds.names, feeds.values, 2,
                                      kOutZ, 1, out.data())),
            "");
  EXPECT_EQ(valuesOf<float>(out[0]), (std::vector<float>{11, 22, 33}));
  kiln_session_release(session);
}

TEST(SessionFromBytesTest, DistinctModelsLoadedInTurnStayDistinct) {
  // Loading, releasing and loading another model reuses descriptor numbers
  // and so /proc/self/fd names; each session must still get its own model.
  std::vector<char> add = readFile(KILN_FAKE_ADD);
  std::vector<char> views = readFile(KILN_FAKE_VIEWS);
  for (int round = 0; round < 3; ++round) {
    kiln_session *a = nullptr, *b = nullptr;
    ASSERT_EQ(describe(kiln_session_create_from_bytes(add.data(), add.size(),
                                                      nullptr, &a)),
              "");
    ASSERT_EQ(describe(kiln_session_create_from_bytes(
                  views.data(), views.size(), nullptr, &b)),
              "");
    const char *nameA = nullptr, *nameB = nullptr;
    EXPECT_EQ(describe(kiln_session_get_input_name(a, 0, &nameA)), "");
    EXPECT_EQ(describe(kiln_session_get_input_name(b, 0, &nameB)), "");
    EXPECT_STREQ(nameA, "x");
    EXPECT_STREQ(nameB, "m");
    // Release in the other order every other round.
    if (round % 2) {
      kiln_session_release(a);
      kiln_session_release(b);
    } else {
      kiln_session_release(b);
      kiln_session_release(a);
    }
  }
}

TEST(SessionFromBytesTest, ErrorsNameMemory) {
  kiln_session *session = nullptr;
  const char garbage[] = "definitely not an ELF file";
  std::string error = describe(kiln_session_create_from_bytes(
      garbage, sizeof(garbage), nullptr, &session));
  EXPECT_EQ(error.rfind("INVALID_GRAPH: Load model from memory failed:not a "
                        "loadable Kiln artifact: ",
                        0),
            0u)
      << error;
  EXPECT_EQ(error.find("/proc/self"), std::string::npos) << error;
  EXPECT_EQ(session, nullptr);

  std::vector<char> noSymbol = readFile(KILN_FAKE_NO_SYMBOL);
  EXPECT_EQ(describe(kiln_session_create_from_bytes(
                noSymbol.data(), noSymbol.size(), nullptr, &session)),
            "INVALID_GRAPH: Load model from memory failed:not a Kiln "
            "artifact: it does not export the symbol 'kiln_artifact'");
  EXPECT_EQ(
      describe(kiln_session_create_from_bytes(garbage, 0, nullptr, &session)),
      "INVALID_GRAPH: Load model from memory failed:the model data is "
      "empty");
  EXPECT_EQ(
      describe(kiln_session_create_from_bytes(nullptr, 10, nullptr, &session)),
      "INVALID_ARGUMENT: model data is NULL");
}

TEST(ValueAccessorTest, StatusReturningAccessors) {
  Wrapped<int32_t> v(KILN_ELEM_INT32, {1, 2, 3, 4, 5, 6}, {2, 3});
  int32_t type = 0;
  size_t rank = 0;
  const int64_t *shape = nullptr;
  EXPECT_EQ(
      describe(kiln_value_get_type_and_shape(v.value, &type, &rank, &shape)),
      "");
  EXPECT_EQ(type, KILN_ELEM_INT32);
  ASSERT_EQ(rank, 2u);
  EXPECT_EQ(std::vector<int64_t>(shape, shape + 2),
            (std::vector<int64_t>{2, 3}));
  void *data = nullptr;
  EXPECT_EQ(describe(kiln_value_get_tensor_data(v.value, &data)), "");
  EXPECT_EQ(data, v.data.data());

  EXPECT_EQ(describe(kiln_value_get_tensor_data(nullptr, &data)),
            "INVALID_ARGUMENT: value is NULL");
  EXPECT_EQ(describe(kiln_value_get_tensor_data(v.value, nullptr)),
            "INVALID_ARGUMENT: out is NULL");
  EXPECT_EQ(
      describe(kiln_value_get_type_and_shape(v.value, &type, nullptr, &shape)),
      "INVALID_ARGUMENT: elem_type, rank and shape must not be NULL");

  Wrapped<float> scalar(KILN_ELEM_FLOAT, {2.5f}, {});
  EXPECT_EQ(describe(kiln_value_get_type_and_shape(scalar.value, &type, &rank,
                                                   &shape)),
            "");
  EXPECT_EQ(rank, 0u);
  EXPECT_EQ(shape, nullptr);
}

TEST(SessionFromBytesTest, ConcurrentLoadsGetTheirOwnModels) {
  std::vector<char> add = readFile(KILN_FAKE_ADD);
  std::vector<char> views = readFile(KILN_FAKE_VIEWS);
  constexpr int kThreads = 4, kRounds = 10;
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      const std::vector<char> &bytes = t % 2 ? views : add;
      const char *expected = t % 2 ? "m" : "x";
      for (int round = 0; round < kRounds && errors[t].empty(); ++round) {
        kiln_session *session = nullptr;
        errors[t] = describe(kiln_session_create_from_bytes(
            bytes.data(), bytes.size(), nullptr, &session));
        const char *name = nullptr;
        if (errors[t].empty())
          errors[t] = describe(kiln_session_get_input_name(session, 0, &name));
        if (errors[t].empty() && std::string(name) != expected)
          errors[t] = std::string("got the model with input ") + name;
        kiln_session_release(session);
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(errors[t], "") << "thread " << t;
}
