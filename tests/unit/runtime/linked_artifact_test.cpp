//===- linked_artifact_test.cpp - Sessions on linked-in descriptors ------===//
//
// kiln_session_create_from_artifact opens a model linked into the program
// (kiln-compile --emit=lib): its descriptor is checked as a loaded file's
// is, the CPU features it records included. The descriptors here are
// written by hand; tests/install runs compiled ones.
//
//===----------------------------------------------------------------------===//

#include "test_support.h"

#include <cstdlib>

using namespace kiln_test;

namespace {

void neverRun(void **, kiln_run_context_t *) { std::abort(); }

const int64_t kDims[] = {-1, 3};
const char *const kParams[] = {"n", ""};
const kiln_tensor_info_t kInput = {"x", KILN_ELEM_FLOAT, 2, kDims, kParams};
const kiln_tensor_info_t kOutput = {"y", KILN_ELEM_FLOAT, 2, kDims, kParams};

kiln_artifact_t descriptor(const char *features) {
  kiln_artifact_t a = {};
  a.abi_version = 5; // what the compiler writes into CPU artifacts
  a.provider = KILN_PROVIDER_CPU;
  a.num_inputs = 1;
  a.num_outputs = 1;
  a.inputs = &kInput;
  a.outputs = &kOutput;
  a.entry = neverRun;
  a.metadata = "producer_name\0test\0\0";
  a.compiler_version = "kiln test";
  a.cpu_name = "x86-64-v3";
  a.cpu_features = features;
  return a;
}

std::string open(const kiln_artifact_t *a, const char *name) {
  kiln_session *session = nullptr;
  std::string error = describe(
      kiln_session_create_from_artifact(a, name, nullptr, &session));
  if (error.empty()) {
    const char *input = nullptr;
    EXPECT_EQ(describe(kiln_session_get_input_name(session, 0, &input)), "");
    EXPECT_STREQ(input, "x");
    const char *cpu = nullptr, *features = nullptr;
    EXPECT_EQ(describe(kiln_session_get_target_cpu(session, &cpu, &features)),
              "");
    EXPECT_STREQ(cpu, a->cpu_name ? a->cpu_name : "");
    EXPECT_STREQ(features, a->cpu_features ? a->cpu_features : "");
  } else {
    EXPECT_EQ(session, nullptr);
  }
  kiln_session_release(session);
  return error;
}

struct ScopedEnv {
  ScopedEnv(const char *name, const char *value) : name(name) {
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() { ::unsetenv(name); }
  const char *name;
};

} // namespace

TEST(LinkedArtifactTest, OpensAndReadsTheSignature) {
  kiln_artifact_t a = descriptor("sse3,sse4.1");
  EXPECT_EQ(open(&a, "m"), "");
  a.cpu_features = nullptr; // no requirement recorded
  EXPECT_EQ(open(&a, "m"), "");
}

TEST(LinkedArtifactTest, NullDescriptor) {
  EXPECT_EQ(open(nullptr, "m"),
            "INVALID_ARGUMENT: Load model from linked-in model 'm' failed:the "
            "artifact descriptor is NULL");
}

TEST(LinkedArtifactTest, OtherAbiVersion) {
  kiln_artifact_t a = descriptor("");
  a.abi_version = 2;
  EXPECT_EQ(
      open(&a, nullptr),
      "INVALID_GRAPH: Load model from linked-in model '?' failed:artifact "
      "ABI version 2 does not match the runtime's ABI version 7 (it "
      "reads versions 3 to 7); "
      "recompile the model with a Kiln compiler matching this runtime");
}

TEST(LinkedArtifactTest, MissingCpuFeaturesAreNamed) {
  ScopedEnv older("KILN_CPU_FEATURES_DISABLE", "avx2,fma");
  kiln_artifact_t a = descriptor("sse4.2,avx,fma,avx2");
  EXPECT_EQ(open(&a, "m"),
            "FAIL: Load model from linked-in model 'm' failed:the artifact was "
            "compiled for a CPU (--mcpu=x86-64-v3) with features this machine "
            "lacks: fma, avx2; recompile the model for this CPU (kiln-compile "
            "--mcpu=native) or for a level it has (--mcpu=x86-64-v2, "
            "x86-64-v3, x86-64-v4)");
}

TEST(LinkedArtifactTest, UnknownFeatureIsRefused) {
  kiln_artifact_t a = descriptor("sse3,nosuchfeature");
  std::string error = open(&a, "m");
  EXPECT_NE(error.find("features this machine lacks: nosuchfeature;"),
            std::string::npos)
      << error;
}
