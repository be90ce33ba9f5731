//===- kiln_run_cli_test.cpp - kiln-run end to end on fake artifacts -----===//

#include "npy.h"

#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/wait.h>

using namespace kiln::tools;

namespace {

struct Result {
  int exitCode;
  std::string output; // stdout and stderr
};

std::string quote(const std::string &arg) {
  std::string out = "'";
  for (char c : arg)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Result kilnRun(const std::vector<std::string> &args) {
  std::string command = quote(KILN_RUN_EXE);
  for (const std::string &arg : args)
    command += " " + quote(arg);
  command += " 2>&1";
  FILE *pipe = ::popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    output.append(buffer, n);
  int status = ::pclose(pipe);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, output};
}

HostTensor floats(std::vector<int64_t> shape, std::vector<float> values) {
  HostTensor t;
  t.elemType = 1;
  t.shape = std::move(shape);
  t.data.resize(values.size() * 4);
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

std::vector<float> floatValues(const HostTensor &t) {
  std::vector<float> out(t.data.size() / 4);
  std::memcpy(out.data(), t.data.data(), t.data.size());
  return out;
}

class KilnRunCliTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir = ::testing::TempDir() + "kiln_run_cli_" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::system(
        ("rm -rf " + quote(dir) + " && mkdir -p " + quote(dir)).c_str());
    writeNpy(dir + "/x.npy", floats({2, 3}, {1, 2, 3, 4, 5, 6}));
    writeNpy(dir + "/y.npy", floats({1, 3}, {10, 20, 30}));
  }
  std::string dir;
};

} // namespace

TEST_F(KilnRunCliTest, RandomInputsArePrintedByDefault) {
  Result r = kilnRun({KILN_FAKE_ADD});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output.rfind("z: shape [1, 3], dtype float32\n  [", 0), 0u)
      << r.output;
}

TEST_F(KilnRunCliTest, NpyInputsAndOutputFiles) {
  Result r = kilnRun({KILN_FAKE_ADD, dir + "/x.npy", dir + "/y.npy", "-o",
                      dir + "/out", "--print"});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("z: shape [2, 3], dtype float32\n  [11, 22, 33, 14, "
                          "25, 36]"),
            std::string::npos)
      << r.output;
  HostTensor z = readNpy(dir + "/out/z.npy");
  EXPECT_EQ(z.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(floatValues(z), (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST_F(KilnRunCliTest, NamedAndPositionalInputsMix) {
  // y is named, so the positional file goes to x.
  Result r = kilnRun(
      {KILN_FAKE_ADD, "y=" + dir + "/y.npy", dir + "/x.npy", "-o", dir});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(floatValues(readNpy(dir + "/z.npy"))[0], 11);
}

TEST_F(KilnRunCliTest, TensorProtoInputs) {
  onnx::TensorProto x;
  x.set_data_type(onnx::TensorProto::FLOAT);
  x.add_dims(1);
  x.add_dims(3);
  for (float v : {1.f, 1.f, 1.f})
    x.add_float_data(v);
  {
    std::ofstream out(dir + "/x.pb", std::ios::binary);
    ASSERT_TRUE(x.SerializeToOstream(&out));
  }
  Result r = kilnRun({KILN_FAKE_ADD, dir + "/x.pb", dir + "/y.npy", "-o", dir});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(floatValues(readNpy(dir + "/z.npy")),
            (std::vector<float>{11, 21, 31}));
}

TEST_F(KilnRunCliTest, DimOverrideAndEveryTypeGenerated) {
  Result r = kilnRun({KILN_FAKE_ADD, "--dim", "batch=5", "-o", dir});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(readNpy(dir + "/z.npy").shape, (std::vector<int64_t>{5, 3}));

  r = kilnRun({KILN_FAKE_ALL_TYPES, "-o", dir + "/types"});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  for (const char *type :
       {"float", "uint8", "int8", "uint16", "int16", "int32", "int64", "bool",
        "float16", "double", "uint32", "uint64", "bfloat16"}) {
    HostTensor t = readNpy(dir + "/types/out_" + std::string(type) + ".npy");
    EXPECT_EQ(t.shape, std::vector<int64_t>{2}) << type;
  }
  EXPECT_EQ(readNpy(dir + "/types/out_bfloat16.npy").elemType, 16);
}

TEST_F(KilnRunCliTest, BenchReportsMedianLatency) {
  Result r = kilnRun({KILN_FAKE_ADD, "--bench", "5"});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("median latency: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("min latency: "), std::string::npos);
  EXPECT_NE(r.output.find("mean latency: "), std::string::npos);
  EXPECT_EQ(r.output.find("z: shape"), std::string::npos)
      << "--bench alone does not print outputs";
}

TEST_F(KilnRunCliTest, InfoShowsTheSignature) {
  Result r = kilnRun({KILN_FAKE_ADD, "--info"});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("NodeArg(name='x', type='tensor(float)', "
                          "shape=['batch', 3])"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("producer_name: kiln-tests"), std::string::npos);
}

TEST_F(KilnRunCliTest, ErrorsExitNonZeroWithClearMessages) {
  Result r = kilnRun({"/nonexistent/model.so"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.output, "kiln-run: [ONNXRuntimeError] : 3 : NO_SUCHFILE : Load "
                      "model from /nonexistent/model.so failed:Load model "
                      "/nonexistent/model.so failed. File doesn't exist\n");

  HostTensor yd;
  yd.elemType = 11;
  yd.shape = {1, 3};
  yd.data.resize(24);
  writeNpy(dir + "/yd.npy", yd);
  r = kilnRun({KILN_FAKE_ADD, dir + "/x.npy", dir + "/yd.npy"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.output, "kiln-run: [ONNXRuntimeError] : 2 : INVALID_ARGUMENT : "
                      "Unexpected input data type. Actual: (tensor(double)) , "
                      "expected: (tensor(float))\n");

  r = kilnRun({KILN_FAKE_ADD, dir + "/x.npy"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("Required inputs (['y']) are missing from input "
                          "feed (['x'])."),
            std::string::npos);

  r = kilnRun({KILN_FAKE_ADD, dir + "/x.npy", dir + "/y.npy", dir + "/y.npy"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("too many input files"), std::string::npos);

  std::ofstream(dir + "/junk.npy") << "junk";
  r = kilnRun({KILN_FAKE_ADD, dir + "/junk.npy", dir + "/y.npy"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("junk.npy: not a .npy file (bad magic)"),
            std::string::npos);

  r = kilnRun({KILN_FAKE_ADD, "--bench", "many"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("--bench expects an integer >= 1, got 'many'"),
            std::string::npos);

  r = kilnRun({KILN_FAKE_BAD_ABI});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("artifact ABI version 999"), std::string::npos);

  r = kilnRun({KILN_FAKE_ADD, "-o", "/proc/kiln-cannot-create"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.output.find("cannot create output directory"), std::string::npos)
      << r.output;
}
