//===- cuda_provider_test.cpp - CUDA sessions without a GPU --------------===//
//
// Sessions of CUDA artifacts against three drivers, one per ctest test
// (KILN_TEST_CUDA_DRIVER says which; the driver is loaded once per
// process): none at all, the CUDA toolkit's stub libcuda.so (which every
// call answers with CUDA_ERROR_STUB_LIBRARY), and the fake driver of
// fakes/fake_cuda_driver.c, which records what the runtime asks and runs
// one kernel for real. The artifacts are descriptors written here, like
// those of linked_artifact_test.cpp; tests/lit/tools/cuda-artifact.onnxtxt
// runs a compiled one.
//
//===----------------------------------------------------------------------===//

#include "test_support.h"

#include "kiln/kiln_abi.h"
#include "kiln/onnxruntime_cxx_api.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace kiln_test;

namespace {

const int64_t kDims[] = {4};
const char *const kParams[] = {""};
const kiln_tensor_info_t kInput = {"x", KILN_ELEM_FLOAT, 1, kDims, kParams};
const kiln_tensor_info_t kOutput = {"y", KILN_ELEM_FLOAT, 1, kDims, kParams};

// The constant the kernel adds, which the runtime uploads once per session.
const float kConstant[4] = {10, 20, 30, 40};
const kiln_device_constant_t kConstants[] = {{kConstant, sizeof(kConstant)}};

// "PTX" the fake driver reads: the target and the entry's 16 parameters.
#define FAKE_PTX(CHIP)                                                         \
  ".target " CHIP "\n.entry fake_add_constant(\n"                              \
  ".param .u64 a0, .param .u64 a1, .param .u64 a2, .param .u64 a3,\n"          \
  ".param .u64 a4, .param .u64 a5, .param .u64 a6, .param .u64 a7,\n"          \
  ".param .u64 a8, .param .u64 a9, .param .u64 a10, .param .u64 a11,\n"        \
  ".param .u64 a12, .param .u64 a13, .param .u64 a14, .param .u64 a15\n)\n{}\n"
const kiln_device_code_t kCodes[] = {{"sm_70", FAKE_PTX("sm_70")},
                                     {"sm_80", FAKE_PTX("sm_80")},
                                     {"sm_90a", FAKE_PTX("sm_90a")}};
// x, c, y (rank 1: allocated, aligned, offset, size, stride) and n.
const kiln_device_kernel_t kKernels[] = {
    {"add_module", "fake_add_constant", "ppiiippiiippiiii", 3, kCodes}};

/// y = x + c in one launch of 1 block of 4 threads, as a compiled host
/// schedule does it: y from the run's (device) memory, the parameters as
/// words, a wait before the host reads. An input starting with -1 launches
/// a kernel the artifact does not have.
void entry(void **args, kiln_run_context_t *ctx) {
  const int64_t *x = static_cast<const int64_t *>(args[1]);
  auto *y = static_cast<float *>(ctx->alloc(ctx, 16, 64));
  if (!y)
    return;
  const float *xData = reinterpret_cast<const float *>(x[1]);
  uint32_t kernel = xData[x[2]] == -1 ? 5 : 0;
  uint64_t words[16];
  uint64_t c = reinterpret_cast<uintptr_t>(kConstant);
  uint64_t yp = reinterpret_cast<uintptr_t>(y);
  const uint64_t all[16] = {uint64_t(x[0]), uint64_t(x[1]), uint64_t(x[2]),
                            uint64_t(x[3]), uint64_t(x[4]), c, c, 0, 4, 1,
                            yp, yp, 0, 4, 1, 4};
  std::memcpy(words, all, sizeof(words));
  ctx->launch(ctx, kernel, 1, 1, 1, 4, 1, 1, 0, words);
  ctx->sync(ctx);
  auto *result = static_cast<int64_t *>(args[0]);
  result[0] = result[1] = static_cast<int64_t>(yp);
  result[2] = 0;
  result[3] = 4;
  result[4] = 1;
}

/// The artifact; a session keeps a pointer to the descriptor it was opened
/// from (kiln_session_create_from_artifact), so it lives as long as the
/// process. Tests that change it change a copy.
const kiln_artifact_t &descriptor() {
  static const kiln_artifact_t artifact = [] {
    kiln_artifact_t a = {};
    a.abi_version = KILN_ABI_VERSION;
    a.provider = KILN_PROVIDER_CUDA;
    a.num_inputs = 1;
    a.num_outputs = 1;
    a.inputs = &kInput;
    a.outputs = &kOutput;
    a.entry = entry;
    a.metadata = "\0\0";
    a.compiler_version = "kiln test";
    a.struct_size = sizeof(kiln_artifact_t);
    a.features = KILN_ARTIFACT_FEATURE_DEVICE_CODE;
    a.num_device_kernels = 1;
    a.device_kernels = kKernels;
    a.num_device_constants = 1;
    a.device_constants = kConstants;
    return a;
  }();
  return artifact;
}

/// Opens `a` with config entries; "" or the error.
std::string open(const kiln_artifact_t &a, kiln_session **session,
                 std::vector<std::pair<const char *, const char *>> config =
                     {}) {
  kiln_session_options *options = nullptr;
  EXPECT_EQ(describe(kiln_session_options_create(&options)), "");
  for (auto &[key, value] : config)
    EXPECT_EQ(describe(kiln_session_options_add_config_entry(options, key,
                                                             value)),
              "");
  std::string error = describe(
      kiln_session_create_from_artifact(&a, "cuda", options, session));
  kiln_session_options_release(options);
  return error;
}

/// Runs `session` on x; "" or the error, the output in `y`.
std::string run(kiln_session *session, std::vector<float> x,
                std::vector<float> &y) {
  Wrapped<float> input(KILN_ELEM_FLOAT, std::move(x), {4});
  const char *inName = "x", *outName = "y";
  OwnedValues out(1);
  std::string error = describe(kiln_session_run(
      session, &inName, &input.value, 1, &outName, 1, out.data()));
  if (error.empty())
    y = valuesOf<float>(out[0]);
  return error;
}

const char *driverKind() {
  const char *kind = std::getenv("KILN_TEST_CUDA_DRIVER");
  return kind ? kind : "";
}

/// The bytes of fakes/fake_cpu_copy.c's artifact: the model of descriptor()
/// compiled for the CPU.
std::string cpuCopyBytes(const char *path = KILN_FAKE_CPU_COPY) {
  std::string bytes;
  if (FILE *f = std::fopen(path, "rb")) {
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;)
      bytes.append(buffer, n);
    std::fclose(f);
  }
  EXPECT_FALSE(bytes.empty()) << path;
  return bytes;
}

/// descriptor() carrying `copy` as its CPU copy (kiln-compile
/// --provider=cuda,cpu).
kiln_artifact_t withCpuCopy(const std::string &copy) {
  kiln_artifact_t a = descriptor();
  a.features |= KILN_ARTIFACT_FEATURE_CPU_FALLBACK;
  a.cpu_fallback = copy.data();
  a.cpu_fallback_size = copy.size();
  return a;
}

const std::pair<const char *, const char *> kAllowTheCpu = {
    "kiln.cuda.cpu_fallback", "1"};

/// Opens `a` allowing the CPU and runs it on {1, 2, 3, 4}: the provider the
/// session runs, why it fell back ("" when it did not) and y.
struct FallbackResult {
  uint32_t provider = 99;
  std::string reason;
  std::vector<float> y;
};
FallbackResult openAllowingTheCpu(const kiln_artifact_t &a) {
  FallbackResult result;
  kiln_session *session = nullptr;
  std::string error = open(a, &session, {kAllowTheCpu});
  EXPECT_EQ(error, "");
  if (!session)
    return result;
  EXPECT_EQ(describe(kiln_session_get_provider(session, &result.provider)),
            "");
  const char *reason = nullptr;
  EXPECT_EQ(
      describe(kiln_session_get_cpu_fallback_reason(session, &reason)), "");
  result.reason = reason ? reason : "";
  EXPECT_EQ(run(session, {1, 2, 3, 4}, result.y), "");
  kiln_session_release(session);
  return result;
}

/// A machine whose CUDA device cannot be used (no driver, the stub): the
/// CPU copy runs when the CPU is allowed, and only then.
void checkFallsBackToTheCpuCopy(const std::string &expectedReason) {
  std::string copy = cpuCopyBytes();
  FallbackResult r = openAllowingTheCpu(withCpuCopy(copy));
  EXPECT_EQ(r.provider, uint32_t(KILN_PROVIDER_CPU));
  EXPECT_NE(r.reason.find(expectedReason), std::string::npos) << r.reason;
  EXPECT_EQ(r.y, (std::vector<float>{11, 22, 33, 44}));
  // Without the CPU listed, the device's error as before.
  kiln_session *session = nullptr;
  std::string error = open(withCpuCopy(copy), &session);
  EXPECT_EQ(session, nullptr);
  EXPECT_NE(error.find(expectedReason), std::string::npos) << error;
  // Listed, but nothing to fall back to: the error says how to make a copy.
  error = open(descriptor(), &session, {kAllowTheCpu});
  EXPECT_EQ(session, nullptr);
  EXPECT_EQ(error.rfind("EP_FAIL: ", 0), 0u) << error;
  EXPECT_NE(error.find(expectedReason), std::string::npos) << error;
  EXPECT_NE(error.find("; the artifact carries no CPU copy of the model to "
                       "fall back to (compile it with kiln-compile "
                       "--provider=cuda,cpu)"),
            std::string::npos)
      << error;
}

/// What making a value on CUDA device 0 says: "" or the error (ORT's
/// ortvalue_from_shape_and_type(..., 'cuda', 0)).
std::string deviceValueError() {
  kiln_value *value = nullptr;
  std::string error = describe(kiln_value_create_device_tensor(
      KILN_ELEM_FLOAT, kDims, 1, KILN_DEVICE_CUDA, 0, &value));
  EXPECT_EQ(value, nullptr);
  kiln_value_release(value);
  return error;
}

} // namespace

//--- No driver ---------------------------------------------------------------

// The tests of the cuda_provider_no_driver process, on a machine that has
// no driver of its own.
#define SKIP_UNLESS_NO_DRIVER()                                                \
  if (std::strcmp(driverKind(), "none") != 0)                                  \
    GTEST_SKIP() << "run by the cuda_provider_no_driver test";                 \
  if (void *real = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {            \
    dlclose(real);                                                             \
    GTEST_SKIP() << "this machine has a CUDA driver";                          \
  }

TEST(CudaNoDriver, SessionFailsClearly) {
  SKIP_UNLESS_NO_DRIVER();
  kiln_session *session = nullptr;
  std::string error = open(descriptor(), &session);
  EXPECT_EQ(session, nullptr);
  EXPECT_EQ(error.rfind("EP_FAIL: the CUDA driver (libcuda.so.1) cannot be "
                        "loaded: ",
                        0),
            0u)
      << error;
  EXPECT_NE(error.find("Is an NVIDIA driver installed?"), std::string::npos)
      << error;
}

TEST(CudaNoDriver, DeviceValuesFailClearly) {
  SKIP_UNLESS_NO_DRIVER();
  std::string error = deviceValueError();
  EXPECT_EQ(error.rfind("EP_FAIL: the CUDA driver (libcuda.so.1) cannot be "
                        "loaded: ",
                        0),
            0u)
      << error;
  // A view of an address is refused the same way, before the address is
  // looked at.
  float host[4] = {};
  kiln_value *value = nullptr;
  error = describe(kiln_value_create_device_tensor_with_data(
      KILN_ELEM_FLOAT, host, sizeof host, kDims, 1, KILN_DEVICE_CUDA, 0,
      &value));
  EXPECT_NE(error.find("Is an NVIDIA driver installed?"), std::string::npos)
      << error;
}

TEST(CudaNoDriver, FallsBackToTheCpuCopy) {
  SKIP_UNLESS_NO_DRIVER();
  checkFallsBackToTheCpuCopy("the CUDA driver (libcuda.so.1) cannot be "
                             "loaded");
}

TEST(CudaNoDriver, CppApi) {
  SKIP_UNLESS_NO_DRIVER();
  EXPECT_EQ(Ort::GetAvailableProviders(),
            std::vector<std::string>{"CPUExecutionProvider"});
  // ORT's options become the session's config: the provider, the device
  // and the limit (SIZE_MAX, ORT's default, is none).
  Ort::SessionOptions options;
  OrtCUDAProviderOptions cuda;
  cuda.device_id = 1;
  options.AppendExecutionProvider_CUDA(cuda);
  EXPECT_EQ(options.configEntry("kiln.execution_provider"), "cuda");
  EXPECT_EQ(options.configEntry("kiln.cuda.device_id"), "1");
  EXPECT_EQ(options.configEntry("kiln.cuda.gpu_mem_limit"), "0");
  cuda.gpu_mem_limit = 1 << 20;
  options.AppendExecutionProvider_CUDA(cuda);
  EXPECT_EQ(options.configEntry("kiln.cuda.gpu_mem_limit"), "1048576");
  // ORT's C++ API never falls back; Kiln's lists the CPU after CUDA.
  EXPECT_EQ(options.configEntry("kiln.cuda.cpu_fallback"), std::nullopt);
  options.appendExecutionProviderCpu();
  EXPECT_EQ(options.configEntry("kiln.cuda.cpu_fallback"), "1");
}

TEST(CudaNoDriver, OnnxModelsCompileForTheListedCpu) {
  SKIP_UNLESS_NO_DRIVER();
  std::string cache = ::testing::TempDir() + "kiln_cpu_fallback_XXXXXX";
  ASSERT_NE(mkdtemp(cache.data()), nullptr);
  ::setenv("KILN_CACHE_DIR", cache.c_str(), 1);
  kiln::SessionOptions options;
  options.appendExecutionProviderCuda();
  try {
    kiln::InferenceSession cudaOnly(KILN_TEST_ONNX_MODEL, options);
    ADD_FAILURE() << "opened without a CUDA driver";
  } catch (const kiln::Exception &e) {
    EXPECT_NE(std::string(e.what()).find("libcuda.so.1"), std::string::npos)
        << e.what();
  }
  options.appendExecutionProviderCpu();
  try {
    kiln::InferenceSession session(KILN_TEST_ONNX_MODEL, options);
    EXPECT_EQ(session.provider(), uint32_t(KILN_PROVIDER_CPU));
    // Compiled for the CPU from the start: nothing fell back at run time.
    EXPECT_EQ(session.cpuFallbackReason(), "");
  } catch (const kiln::Exception &e) {
    ADD_FAILURE() << e.what();
  }
  ::unsetenv("KILN_CACHE_DIR");
  std::system(("rm -rf " + cache).c_str());
}

//--- The toolkit's stub ------------------------------------------------------

TEST(CudaStub, SessionFailsClearly) {
  if (std::strcmp(driverKind(), "stub") != 0)
    GTEST_SKIP() << "run by the cuda_provider_stub test";
  kiln_session *session = nullptr;
  std::string error = open(descriptor(), &session);
  EXPECT_EQ(session, nullptr);
  EXPECT_EQ(error.rfind("EP_FAIL: CUDA failure while initializing the driver "
                        "(cuInit): ",
                        0),
            0u)
      << error;
  EXPECT_NE(error.find("CUDA_ERROR_STUB_LIBRARY (34)"), std::string::npos)
      << error;
  EXPECT_NE(error.find("the CUDA toolkit's stub library"), std::string::npos)
      << error;
}

TEST(CudaStub, DeviceValuesFailClearly) {
  if (std::strcmp(driverKind(), "stub") != 0)
    GTEST_SKIP() << "run by the cuda_provider_stub test";
  std::string error = deviceValueError();
  EXPECT_EQ(error.rfind("EP_FAIL: CUDA failure while initializing the driver "
                        "(cuInit): CUDA_ERROR_STUB_LIBRARY (34)",
                        0),
            0u)
      << error;
}

TEST(CudaStub, FallsBackToTheCpuCopy) {
  if (std::strcmp(driverKind(), "stub") != 0)
    GTEST_SKIP() << "run by the cuda_provider_stub test";
  checkFallsBackToTheCpuCopy("CUDA_ERROR_STUB_LIBRARY (34)");
}

//--- The fake driver ---------------------------------------------------------

namespace {

class CudaFake : public ::testing::Test {
protected:
  void SetUp() override {
    if (std::strcmp(driverKind(), "fake") != 0)
      GTEST_SKIP() << "run by the cuda_provider_fake_driver test";
    driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(driver, nullptr) << dlerror();
    log = reinterpret_cast<const char *(*)()>(dlsym(driver, "fake_cuda_log"));
    clear = reinterpret_cast<void (*)()>(dlsym(driver, "fake_cuda_clear_log"));
    managedBytes = reinterpret_cast<uint64_t (*)()>(
        dlsym(driver, "fake_cuda_managed_bytes"));
    ASSERT_TRUE(log && clear && managedBytes)
        << "libcuda.so.1 is not the fake driver";
    clear();
    ::unsetenv("FAKE_CUDA_CC");
  }
  void TearDown() override {
    ::unsetenv("FAKE_CUDA_CC");
    if (driver)
      dlclose(driver);
  }

  /// The lines of the log that start with `prefix`.
  std::vector<std::string> lines(const std::string &prefix) const {
    std::vector<std::string> out;
    std::string text = log();
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      std::string line = text.substr(start, end - start);
      if (line.rfind(prefix, 0) == 0)
        out.push_back(line);
      start = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
  }

  void *driver = nullptr;
  const char *(*log)() = nullptr;
  void (*clear)() = nullptr;
  uint64_t (*managedBytes)() = nullptr;
};

/// The words of a "launch ..." line of the fake driver's log.
std::vector<uint64_t> launchWords(const std::string &line) {
  std::vector<uint64_t> words;
  size_t at = line.find(" params");
  if (at == std::string::npos)
    return words;
  const char *p = line.c_str() + at + 7;
  char *end = nullptr;
  for (;;) {
    uint64_t w = std::strtoull(p, &end, 10);
    if (end == p)
      break;
    words.push_back(w);
    p = end;
  }
  return words;
}

} // namespace

TEST_F(CudaFake, RunsTheKernelsOnTheDevice) {
  kiln_session *session = nullptr;
  ASSERT_EQ(open(descriptor(), &session), "");
  uint32_t provider = 99;
  EXPECT_EQ(describe(kiln_session_get_provider(session, &provider)), "");
  EXPECT_EQ(provider, uint32_t(KILN_PROVIDER_CUDA));
  // The highest PTX not above the fake's sm_80, loaded once.
  EXPECT_EQ(lines("load "), std::vector<std::string>{"load sm_80"});
  std::vector<float> y;
  std::vector<float> x = {1, 2, 3, 4};
  ASSERT_EQ(run(session, x, y), "");
  EXPECT_EQ(y, (std::vector<float>{11, 22, 33, 44}));

  std::vector<std::string> launches = lines("launch ");
  ASSERT_EQ(launches.size(), 1u);
  EXPECT_EQ(launches[0].find("launch fake_add_constant grid 1 1 1 block 4 1 "
                             "1 shared 0 stream "),
            0u)
      << launches[0];
  std::vector<uint64_t> words = launchWords(launches[0]);
  ASSERT_EQ(words.size(), 16u) << launches[0];
  // The input was copied to device memory; the constant's pointers are its
  // device copy; offsets, sizes and strides pass as they are.
  EXPECT_NE(words[1], uint64_t(reinterpret_cast<uintptr_t>(x.data())));
  EXPECT_EQ(words[0], words[1]);
  EXPECT_NE(words[6], uint64_t(reinterpret_cast<uintptr_t>(kConstant)));
  EXPECT_EQ(words[5], words[6]);
  EXPECT_EQ(std::vector<uint64_t>(words.begin() + 7, words.begin() + 10),
            (std::vector<uint64_t>{0, 4, 1}));
  EXPECT_EQ(words[15], 4u);
  // The run waits for its kernels on the stream it launched them on.
  std::string stream =
      launches[0].substr(launches[0].find(" stream ") + 8,
                         launches[0].find(" params") -
                             (launches[0].find(" stream ") + 8));
  std::vector<std::string> syncs = lines("sync ");
  ASSERT_FALSE(syncs.empty());
  EXPECT_EQ(syncs[0], "sync " + stream);
  std::string text = log();
  EXPECT_LT(text.find("launch "), text.find("sync "));
  kiln_session_release(session);
}

TEST_F(CudaFake, AvailableProviders) {
  EXPECT_EQ(Ort::GetAvailableProviders(),
            (std::vector<std::string>{"CUDAExecutionProvider",
                                      "CPUExecutionProvider"}));
  char chip[8];
  EXPECT_EQ(describe(kiln_cuda_device_chip(0, chip, sizeof chip)), "");
  EXPECT_STREQ(chip, "sm_80");
  EXPECT_EQ(describe(kiln_cuda_device_chip(0, chip, 5)),
            "INVALID_ARGUMENT: chip_size 5 cannot hold 'sm_80'");
}

TEST_F(CudaFake, UploadsTheWeightsOncePerSession) {
  kiln_session *session = nullptr;
  ASSERT_EQ(open(descriptor(), &session), "");
  std::vector<float> y;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(run(session, {1, 1, 1, 1}, y), "");
    EXPECT_EQ(y, (std::vector<float>{11, 21, 31, 41}));
  }
  EXPECT_EQ(lines("copy to device "),
            std::vector<std::string>{"copy to device 16"});
  EXPECT_EQ(lines("alloc "), std::vector<std::string>{"alloc 16"});
  EXPECT_EQ(lines("launch ").size(), 3u);
  // One stream for the three runs of one context.
  EXPECT_EQ(lines("stream create ").size(), 1u);
  kiln_session_release(session);
  EXPECT_EQ(lines("stream destroy ").size(), 1u);
  EXPECT_EQ(managedBytes(), 0u) << "the session's memory was not freed";
  EXPECT_EQ(lines("unload").size(), 1u);
}

TEST_F(CudaFake, OnnxModelsCompileForTheDevice) {
  // The runtime compiles an .onnx through libkilncompiler for the fake
  // device's sm_80 (ORT's AppendExecutionProvider_CUDA), into a private
  // cache.
  std::string cache = ::testing::TempDir() + "kiln_cuda_cache_XXXXXX";
  ASSERT_NE(mkdtemp(cache.data()), nullptr);
  ::setenv("KILN_CACHE_DIR", cache.c_str(), 1);
  Ort::Env env;
  Ort::SessionOptions options;
  options.AppendExecutionProvider_CUDA(OrtCUDAProviderOptions());
  try {
    auto providerOf = [](const Ort::Session &s) {
      uint32_t provider = 99;
      EXPECT_EQ(describe(kiln_session_get_provider(s.get(), &provider)), "");
      return provider;
    };
    Ort::Session session(env, KILN_TEST_ONNX_MODEL, options);
    EXPECT_EQ(providerOf(session), uint32_t(KILN_PROVIDER_CUDA));
    EXPECT_EQ(lines("load sm_80").size(), lines("load ").size());
    EXPECT_GT(lines("load ").size(), 1u);
    // The same options again: the cached artifact, no second compile.
    Ort::Session again(env, KILN_TEST_ONNX_MODEL, options);
    EXPECT_EQ(providerOf(again), uint32_t(KILN_PROVIDER_CUDA));
  } catch (const Ort::Exception &e) {
    ADD_FAILURE() << e.what();
  }
  ::unsetenv("KILN_CACHE_DIR");
  std::string command = "ls " + cache + " | grep -c '\\.so$'";
  FILE *ls = popen(command.c_str(), "r");
  char count[16] = {0};
  ASSERT_NE(ls, nullptr);
  EXPECT_NE(fgets(count, sizeof count, ls), nullptr);
  pclose(ls);
  EXPECT_STREQ(count, "1\n") << "one CUDA artifact in " << cache;
  std::system(("rm -rf " + cache).c_str());
}

TEST_F(CudaFake, ConcurrentRunsTakeAStreamEach) {
  kiln_session *session = nullptr;
  ASSERT_EQ(open(descriptor(), &session), "");
  auto worker = [&](float base, std::string &error) {
    for (int i = 0; i < 50 && error.empty(); ++i) {
      std::vector<float> y;
      error = run(session, {base, base, base, base}, y);
      if (error.empty() && y != std::vector<float>{base + 10, base + 20,
                                                   base + 30, base + 40})
        error = "wrong output";
    }
  };
  std::string first, second;
  std::thread a(worker, 1.0f, std::ref(first));
  std::thread b(worker, 2.0f, std::ref(second));
  a.join();
  b.join();
  EXPECT_EQ(first, "");
  EXPECT_EQ(second, "");
  // Every launch is waited for on its own stream.
  std::set<std::string> launchStreams, syncStreams;
  for (const std::string &line : lines("launch ")) {
    size_t at = line.find(" stream ") + 8;
    launchStreams.insert(line.substr(at, line.find(' ', at) - at));
  }
  for (const std::string &line : lines("sync "))
    syncStreams.insert(line.substr(5));
  EXPECT_EQ(launchStreams, syncStreams);
  EXPECT_LE(launchStreams.size(), 2u);
  EXPECT_EQ(lines("launch ").size(), 100u);
  kiln_session_release(session);
}

TEST_F(CudaFake, PicksTheHighestPtxNotAboveTheDevice) {
  const std::pair<const char *, const char *> cases[] = {
      {"75", "load sm_70"}, {"86", "load sm_80"}, {"90", "load sm_90a"},
      {"120", "load sm_80"}};
  for (auto [cc, loaded] : cases) {
    ::setenv("FAKE_CUDA_CC", cc, 1);
    clear();
    kiln_session *session = nullptr;
    ASSERT_EQ(open(descriptor(), &session), "") << cc;
    EXPECT_EQ(lines("load "), std::vector<std::string>{loaded}) << cc;
    kiln_session_release(session);
  }
  ::setenv("FAKE_CUDA_CC", "60", 1);
  kiln_session *session = nullptr;
  EXPECT_EQ(open(descriptor(), &session),
            "EP_FAIL: the artifact has no PTX for CUDA device 0 (sm_60): "
            "kernel add_module was compiled for sm_70, sm_80, sm_90a; "
            "recompile with kiln-compile --cuda-arch=sm_60");
  EXPECT_EQ(session, nullptr);
}

TEST_F(CudaFake, CpuCopyRunsOnlyWhenTheDeviceCannot) {
  std::string copy = cpuCopyBytes();
  // A device the artifact has PTX for: CUDA, the copy unused.
  FallbackResult r = openAllowingTheCpu(withCpuCopy(copy));
  EXPECT_EQ(r.provider, uint32_t(KILN_PROVIDER_CUDA));
  EXPECT_EQ(r.reason, "");
  EXPECT_EQ(r.y, (std::vector<float>{11, 22, 33, 44}));
  EXPECT_EQ(lines("launch ").size(), 1u);
  // An sm_60 device has no PTX to run: the copy, and no launch.
  ::setenv("FAKE_CUDA_CC", "60", 1);
  clear();
  r = openAllowingTheCpu(withCpuCopy(copy));
  EXPECT_EQ(r.provider, uint32_t(KILN_PROVIDER_CPU));
  EXPECT_EQ(r.reason.rfind("the artifact has no PTX for CUDA device 0 "
                           "(sm_60)",
                           0),
            0u)
      << r.reason;
  EXPECT_EQ(r.y, (std::vector<float>{11, 22, 33, 44}));
  EXPECT_TRUE(lines("launch ").empty());
  // Other failures than the device's are not the CPU's to cover.
  kiln_session *session = nullptr;
  EXPECT_EQ(open(withCpuCopy(copy), &session,
                 {kAllowTheCpu, {"kiln.cuda.device_id", "x"}}),
            "INVALID_ARGUMENT: session option kiln.cuda.device_id must be a "
            "non-negative integer, got 'x'");
  // A copy of another model, or not a CPU artifact, is refused.
  std::string other = cpuCopyBytes(KILN_FAKE_ADD);
  EXPECT_EQ(open(withCpuCopy(other), &session, {kAllowTheCpu}),
            "INVALID_GRAPH: the CPU copy the CUDA artifact carries is not a "
            "CPU artifact of the same model");
  kiln_artifact_t a = withCpuCopy(copy);
  a.cpu_fallback_size = 0;
  EXPECT_EQ(open(a, &session, {kAllowTheCpu}),
            "INVALID_GRAPH: Load model from linked-in model 'cuda' failed:the "
            "artifact declares a CPU copy but does not carry one");
  EXPECT_EQ(session, nullptr);
}

TEST_F(CudaFake, DeviceIdAndMemoryLimit) {
  kiln_session *session = nullptr;
  EXPECT_EQ(open(descriptor(), &session, {{"kiln.cuda.device_id", "3"}}),
            "EP_FAIL: CUDA device_id 3 is out of range: this machine has 1 "
            "CUDA device");
  EXPECT_EQ(open(descriptor(), &session, {{"kiln.cuda.device_id", "x"}}),
            "INVALID_ARGUMENT: session option kiln.cuda.device_id must be a "
            "non-negative integer, got 'x'");
  // 16 bytes of device memory cannot hold the input's 64-byte block.
  ASSERT_EQ(open(descriptor(), &session, {{"kiln.cuda.gpu_mem_limit", "16"}}),
            "");
  std::vector<float> y;
  EXPECT_EQ(run(session, {1, 2, 3, 4}, y),
            "FAIL: Failed to allocate memory for requested buffer of size 16 "
            "(input 'x' on the CUDA device)");
  kiln_session_release(session);
  ASSERT_EQ(open(descriptor(), &session, {{"kiln.cuda.gpu_mem_limit", "4096"}}),
            "");
  EXPECT_EQ(run(session, {1, 2, 3, 4}, y), "");
  kiln_session_release(session);
}

TEST_F(CudaFake, AFailedLaunchFailsTheRun) {
  kiln_session *session = nullptr;
  ASSERT_EQ(open(descriptor(), &session), "");
  std::vector<float> y;
  EXPECT_EQ(run(session, {-1, 0, 0, 0}, y),
            "FAIL: the artifact launched kernel 5 of 1");
  // The session runs on.
  ASSERT_EQ(run(session, {1, 2, 3, 4}, y), "");
  EXPECT_EQ(y, (std::vector<float>{11, 22, 33, 44}));
  kiln_session_release(session);
}

namespace {
/// Launches kernel 0 (fake_deadlock: one parameter) as 1 block of 32
/// threads and waits; y is never written.
void deadlockEntry(void **args, kiln_run_context_t *ctx) {
  (void)args;
  uint64_t word = 0;
  ctx->launch(ctx, 0, 1, 1, 1, 32, 1, 1, 0, &word);
  ctx->sync(ctx);
}
} // namespace

// Threads waiting at different barriers (or at one that others left) hang
// a GPU: the fiber harness fails the launch instead, so a wrong schedule
// cannot pass by running on. The host copy comes from a module, as from an
// artifact compiled with --cuda-host-kernels.
TEST_F(CudaFake, ThreadsAtDifferentBarriersFailTheLaunch) {
  void *module = dlopen(KILN_FAKE_HOST_KERNELS, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(module, nullptr) << dlerror();
  const char *ptx =
      static_cast<const char *>(dlsym(module, "fake_deadlock_ptx"));
  ASSERT_NE(ptx, nullptr);
  const kiln_device_code_t codes[] = {{"sm_80", ptx}};
  const kiln_device_kernel_t kernels[] = {
      {"deadlock_module", "fake_deadlock", "i", 1, codes}};
  kiln_artifact_t a = descriptor();
  a.entry = deadlockEntry;
  a.device_kernels = kernels;
  kiln_session *session = nullptr;
  ASSERT_EQ(open(a, &session), "");
  EXPECT_EQ(lines("load "),
            std::vector<std::string>{"load sm_80 (host copy)"});
  std::vector<float> y;
  std::string error = run(session, {1, 2, 3, 4}, y);
  EXPECT_NE(error.find("CUDA_ERROR_LAUNCH_FAILED"), std::string::npos)
      << error;
  EXPECT_EQ(lines("error: fake_deadlock block 0: threads wait at different "
                  "barriers")
                .size(),
            1u)
      << log();
  kiln_session_release(session);
  dlclose(module);
}

TEST_F(CudaFake, MalformedTablesAreRefused) {
  kiln_session *session = nullptr;
  kiln_artifact_t a = descriptor();
  kiln_device_kernel_t bad = kKernels[0];
  bad.params = "ppx";
  a.device_kernels = &bad;
  EXPECT_EQ(open(a, &session),
            "INVALID_GRAPH: Load model from linked-in model 'cuda' "
            "failed:device kernel 0 (add_module) has a parameter of unknown "
            "kind 'x'");
  a = descriptor();
  a.features = 0;
  EXPECT_EQ(open(a, &session),
            "INVALID_GRAPH: Load model from linked-in model 'cuda' failed:the "
            "CUDA artifact does not declare device code");
  a = descriptor();
  a.struct_size = 100;
  EXPECT_EQ(open(a, &session),
            "INVALID_GRAPH: Load model from linked-in model 'cuda' failed:the "
            "artifact's descriptor is 100 bytes, too short for ABI 7");
  EXPECT_EQ(session, nullptr);
}

//--- Values on the device (ORT's OrtValue on 'cuda' and IOBinding) -----------

namespace {

/// A new tensor of 4 floats on CUDA device `deviceId` holding `x`
/// (uploaded with kiln_value_copy_tensor_data); null on failure, `error`
/// saying why.
kiln_value *deviceTensor(const std::vector<float> &x, std::string &error,
                         int32_t deviceId = 0) {
  kiln_value *value = nullptr;
  error = describe(kiln_value_create_device_tensor(
      KILN_ELEM_FLOAT, kDims, 1, KILN_DEVICE_CUDA, deviceId, &value));
  if (!error.empty())
    return nullptr;
  Wrapped<float> host(KILN_ELEM_FLOAT, x, {4});
  error = describe(kiln_value_copy_tensor_data(host.value, value));
  return value;
}

/// The elements of a device tensor of floats, copied to the host.
std::vector<float> hostCopy(const kiln_value *device) {
  Wrapped<float> host(KILN_ELEM_FLOAT, std::vector<float>(4, -1), {4});
  EXPECT_EQ(describe(kiln_value_copy_tensor_data(device, host.value)), "");
  return host.data;
}

/// Runs `session` on `x` with output y in `out` (preallocated or, when
/// null, allocated on `outputDevice`); "" or the error.
std::string runValues(kiln_session *session, const kiln_value *x,
                      kiln_value *&out,
                      int32_t outputDevice = KILN_DEVICE_CPU) {
  const char *inName = "x", *outName = "y";
  return describe(kiln_session_run_with_output_devices(
      session, nullptr, &inName, &x, 1, &outName, 1, &outputDevice, &out));
}

/// Whether `value` lives on CUDA device `deviceId`.
bool onDevice(const kiln_value *value, int32_t deviceId = 0) {
  int32_t type = -1, id = -1;
  EXPECT_EQ(describe(kiln_value_get_device(value, &type, &id)), "");
  return type == KILN_DEVICE_CUDA && id == deviceId;
}

} // namespace

TEST_F(CudaFake, DeviceValuesGoStraightToTheLaunches) {
  std::string error;
  kiln_value *x = deviceTensor({1, 2, 3, 4}, error);
  ASSERT_EQ(error, "");
  EXPECT_TRUE(onDevice(x));
  // Uploaded into the fake's managed memory, which a launch accepts.
  EXPECT_EQ(lines("memcpy "),
            std::vector<std::string>{"memcpy host to device 16"});
  kiln_session *session = nullptr;
  ASSERT_EQ(open(descriptor(), &session), "");
  clear();
  kiln_value *y = nullptr;
  ASSERT_EQ(runValues(session, x, y, KILN_DEVICE_CUDA), "");
  ASSERT_NE(y, nullptr);
  EXPECT_TRUE(onDevice(y));
  // The input's device memory is the launch's parameter: no copy in; the
  // output is copied from the run's arena on the device, never through
  // the host.
  std::vector<std::string> launches = lines("launch ");
  ASSERT_EQ(launches.size(), 1u);
  std::vector<uint64_t> words = launchWords(launches[0]);
  ASSERT_EQ(words.size(), 16u);
  EXPECT_EQ(words[1],
            uint64_t(reinterpret_cast<uintptr_t>(kiln_value_data(x))));
  EXPECT_NE(words[11],
            uint64_t(reinterpret_cast<uintptr_t>(kiln_value_data(y))));
  EXPECT_EQ(lines("memcpy "),
            std::vector<std::string>{"memcpy device to device 16"});
  EXPECT_EQ(hostCopy(y), (std::vector<float>{11, 22, 33, 44}));
  // A host output from a device input: one copy out, as for host inputs.
  kiln_value *hostY = nullptr;
  ASSERT_EQ(runValues(session, x, hostY), "");
  EXPECT_FALSE(onDevice(hostY));
  EXPECT_EQ(valuesOf<float>(hostY), (std::vector<float>{11, 22, 33, 44}));
  kiln_value_release(hostY);
  kiln_value_release(y);
  kiln_value_release(x);
  kiln_session_release(session);
  EXPECT_EQ(managedBytes(), 0u) << "a device value's memory was not freed";
}

TEST_F(CudaFake, BoundDeviceOutputsReceiveTheResultOnTheDevice) {
  std::string error;
  kiln_value *x = deviceTensor({5, 6, 7, 8}, error);
  ASSERT_EQ(error, "");
  kiln_value *bound = deviceTensor({0, 0, 0, 0}, error);
  ASSERT_EQ(error, "");
  kiln_session *session = nullptr;
  ASSERT_EQ(open(descriptor(), &session), "");
  clear();
  kiln_value *y = bound;
  ASSERT_EQ(runValues(session, x, y), "");
  EXPECT_EQ(y, bound);
  EXPECT_EQ(lines("memcpy "),
            std::vector<std::string>{"memcpy device to device 16"});
  EXPECT_EQ(hostCopy(bound), (std::vector<float>{15, 26, 37, 48}));
  // A bound host buffer on a CUDA session, fed a host input, as before.
  Wrapped<float> hostX(KILN_ELEM_FLOAT, {1, 1, 1, 1}, {4});
  ASSERT_EQ(runValues(session, hostX.value, y), "");
  EXPECT_EQ(hostCopy(bound), (std::vector<float>{11, 21, 31, 41}));
  kiln_value_release(bound);
  kiln_value_release(x);
  kiln_session_release(session);
}

TEST_F(CudaFake, BoundDevicePointers) {
  using Alloc = int (*)(unsigned long long *, size_t);
  using AllocManaged = int (*)(unsigned long long *, size_t, unsigned);
  using Upload = int (*)(unsigned long long, const void *, size_t);
  using Free = int (*)(unsigned long long);
  auto cuMemAlloc = reinterpret_cast<Alloc>(dlsym(driver, "cuMemAlloc_v2"));
  auto cuMemAllocManaged =
      reinterpret_cast<AllocManaged>(dlsym(driver, "cuMemAllocManaged"));
  auto cuMemcpyHtoD =
      reinterpret_cast<Upload>(dlsym(driver, "cuMemcpyHtoD_v2"));
  auto cuMemFree = reinterpret_cast<Free>(dlsym(driver, "cuMemFree_v2"));
  ASSERT_TRUE(cuMemAlloc && cuMemAllocManaged && cuMemcpyHtoD && cuMemFree);
  const float x[4] = {1, 2, 3, 4};
  // Memory the caller allocated: plain device memory (cudaMalloc's) and
  // managed memory.
  unsigned long long plain = 0, managed = 0;
  ASSERT_EQ(cuMemAlloc(&plain, sizeof x), 0);
  ASSERT_EQ(cuMemcpyHtoD(plain, x, sizeof x), 0);
  ASSERT_EQ(cuMemAllocManaged(&managed, sizeof x, 1), 0);
  std::memcpy(reinterpret_cast<void *>(uintptr_t(managed)), x, sizeof x);
  kiln_session *session = nullptr;
  ASSERT_EQ(open(descriptor(), &session), "");
  for (unsigned long long ptr : {plain, managed}) {
    SCOPED_TRACE(ptr == plain ? "plain" : "managed");
    kiln_value *bound = nullptr;
    ASSERT_EQ(describe(kiln_value_create_device_tensor_with_data(
                  KILN_ELEM_FLOAT, reinterpret_cast<void *>(uintptr_t(ptr)),
                  sizeof x, kDims, 1, KILN_DEVICE_CUDA, 0, &bound)),
              "");
    EXPECT_TRUE(onDevice(bound));
    EXPECT_EQ(kiln_value_is_owning(bound), 0);
    clear();
    kiln_value *y = nullptr;
    ASSERT_EQ(runValues(session, bound, y, KILN_DEVICE_CUDA), "");
    EXPECT_EQ(hostCopy(y), (std::vector<float>{11, 22, 33, 44}));
    std::vector<uint64_t> words = launchWords(lines("launch ").at(0));
    ASSERT_EQ(words.size(), 16u);
    // The host cannot read plain device memory, which the host schedule
    // may do: it is copied into the run's memory on the device first.
    // Managed memory is read in place.
    std::vector<std::string> expected = {"memcpy device to device 16",
                                         "memcpy device to device 16",
                                         "memcpy device to host 16"};
    if (ptr == managed) {
      EXPECT_EQ(words[1], ptr);
      expected.erase(expected.begin());
    } else {
      EXPECT_NE(words[1], ptr);
    }
    EXPECT_EQ(lines("memcpy "), expected);
    kiln_value_release(y);
    kiln_value_release(bound);
  }
  // Host memory is not the device's.
  float host[4] = {};
  kiln_value *bad = nullptr;
  std::string error = describe(kiln_value_create_device_tensor_with_data(
      KILN_ELEM_FLOAT, host, sizeof host, kDims, 1, KILN_DEVICE_CUDA, 0, &bad));
  EXPECT_EQ(error.rfind("INVALID_ARGUMENT: the buffer at ", 0), 0u) << error;
  EXPECT_NE(error.find("is not CUDA device memory (cuPointerGetAttribute does "
                       "not know it): bind host memory with device_type "
                       "'cpu'"),
            std::string::npos)
      << error;
  EXPECT_EQ(bad, nullptr);
  kiln_session_release(session);
  EXPECT_EQ(cuMemFree(plain), 0);
  EXPECT_EQ(cuMemFree(managed), 0);
}

TEST_F(CudaFake, DeviceValuesMeetOnlySessionsOnTheirDevice) {
  std::string error;
  kiln_value *x = deviceTensor({1, 2, 3, 4}, error);
  ASSERT_EQ(error, "");
  // The model's CPU artifact: a CPU session.
  std::string copy = cpuCopyBytes();
  kiln_session *cpu = nullptr;
  ASSERT_EQ(describe(kiln_session_create_from_bytes(copy.data(), copy.size(),
                                                    nullptr, &cpu)),
            "");
  kiln_value *y = nullptr;
  EXPECT_EQ(runValues(cpu, x, y),
            "INVALID_ARGUMENT: input 'x' is on CUDA device 0, but the "
            "session runs on the CPU (CPUExecutionProvider): copy it to the "
            "host, or open the session with CUDAExecutionProvider");
  Wrapped<float> hostX(KILN_ELEM_FLOAT, {1, 2, 3, 4}, {4});
  EXPECT_EQ(runValues(cpu, hostX.value, y, KILN_DEVICE_CUDA),
            "INVALID_ARGUMENT: output 'y' cannot be allocated on a CUDA "
            "device: the session runs on the CPU (CPUExecutionProvider)");
  kiln_value *bound = x;
  EXPECT_EQ(runValues(cpu, hostX.value, bound),
            "INVALID_ARGUMENT: output 'y' is on CUDA device 0, but the "
            "session runs on the CPU (CPUExecutionProvider): copy it to the "
            "host, or open the session with CUDAExecutionProvider");
  EXPECT_EQ(runValues(cpu, hostX.value, y, 7),
            "INVALID_ARGUMENT: unknown device type 7 for output 'y'");
  EXPECT_EQ(y, nullptr);
  kiln_session_release(cpu);
  // A value on device 1 meets a session on device 0.
  ::setenv("FAKE_CUDA_DEVICES", "2", 1);
  kiln_value *other = deviceTensor({1, 2, 3, 4}, error, 1);
  ASSERT_EQ(error, "");
  EXPECT_TRUE(onDevice(other, 1));
  kiln_session *session = nullptr;
  ASSERT_EQ(open(descriptor(), &session), "");
  EXPECT_EQ(runValues(session, other, y),
            "INVALID_ARGUMENT: input 'x' is on CUDA device 1, but the "
            "session runs on CUDA device 0");
  ::unsetenv("FAKE_CUDA_DEVICES");
  // Sequences and maps are read on the host.
  kiln_value *seq = nullptr;
  const kiln_value *elements[] = {x};
  EXPECT_EQ(describe(kiln_value_create_sequence(elements, 1, &seq)),
            "INVALID_ARGUMENT: a sequence or map holds tensors in host "
            "memory, not on CUDA device 0: copy the tensor to the host first");
  // Strings cannot be on the device; copies check their operands.
  kiln_value *text = nullptr;
  EXPECT_EQ(describe(kiln_value_create_device_tensor(
                KILN_ELEM_STRING, kDims, 1, KILN_DEVICE_CUDA, 0, &text)),
            "NOT_IMPLEMENTED: tensors of tensor(string) cannot live on a CUDA "
            "device in Kiln (the runtime reads them on the host)");
  Wrapped<float> shortHost(KILN_ELEM_FLOAT, {1, 2}, {2});
  EXPECT_EQ(describe(kiln_value_copy_tensor_data(shortHost.value, x)),
            "INVALID_ARGUMENT: cannot copy 2 elements of tensor(float) into "
            "4 elements of tensor(float)");
  EXPECT_EQ(describe(kiln_value_create_device_tensor(KILN_ELEM_FLOAT, kDims, 1,
                                                     5, 0, &text)),
            "INVALID_ARGUMENT: unknown device type 5 (KILN_DEVICE_CPU or "
            "KILN_DEVICE_CUDA)");
  kiln_session_release(session);
  kiln_value_release(other);
  kiln_value_release(x);
}

// The same through the C++ API (Ort::MemoryInfo("Cuda", ...), Ort::Value
// on the device, Ort::IoBinding), on fakes/fake_cuda_add.c's artifact.
TEST_F(CudaFake, CppIoBindingOnTheDevice) {
  try {
    Ort::Env env;
    Ort::SessionOptions options;
    Ort::Session session(env, KILN_FAKE_CUDA_ADD, options);
    Ort::MemoryInfo cuda("Cuda", OrtDeviceAllocator, 0, OrtMemTypeDefault);
    EXPECT_EQ(cuda.GetAllocatorName(), "Cuda");
    EXPECT_EQ(cuda.GetDeviceId(), 0);
    const int64_t shape[] = {4};
    Ort::Value x = Ort::Value::CreateTensor<float>(cuda, shape, 1);
    EXPECT_EQ(x.GetTensorMemoryInfo().GetAllocatorName(), "Cuda");
    std::vector<float> host = {1, 2, 3, 4};
    Ort::MemoryInfo cpu =
        Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    Ort::Value hostX =
        Ort::Value::CreateTensor<float>(cpu, host.data(), 4, shape, 1);
    x.CopyFrom(hostX);
    clear();
    Ort::IoBinding binding(session);
    binding.BindInput("x", x);
    binding.BindOutput("y", cuda);
    session.Run(Ort::RunOptions{nullptr}, binding);
    std::vector<Ort::Value> outputs = binding.GetOutputValues();
    ASSERT_EQ(outputs.size(), 1u);
    EXPECT_EQ(outputs[0].GetTensorMemoryInfo().GetAllocatorName(), "Cuda");
    // The input in place, the output copied on the device.
    std::vector<uint64_t> words = launchWords(lines("launch ").at(0));
    ASSERT_EQ(words.size(), 16u);
    EXPECT_EQ(words[1], uint64_t(reinterpret_cast<uintptr_t>(
                            x.GetTensorMutableData<float>())));
    EXPECT_EQ(lines("memcpy "),
              std::vector<std::string>{"memcpy device to device 16"});
    hostX.CopyFrom(outputs[0]);
    EXPECT_EQ(host, (std::vector<float>{11, 22, 33, 44}));
    // An output bound to a device value receives the result there.
    Ort::Value y = Ort::Value::CreateTensor<float>(cuda, shape, 1);
    binding.BindOutput("y", y);
    session.Run(Ort::RunOptions{nullptr}, binding);
    host.assign(4, 0);
    hostX.CopyFrom(y);
    EXPECT_EQ(host, (std::vector<float>{11, 22, 33, 44}));
    // Raw device memory is handed out as tensors only.
    Ort::Allocator allocator(session, cuda);
    EXPECT_THROW(allocator.Alloc(16), Ort::Exception);
  } catch (const Ort::Exception &e) {
    ADD_FAILURE() << e.what();
  }
}
