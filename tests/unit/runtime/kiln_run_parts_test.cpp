//===- kiln_run_parts_test.cpp - kiln-run's command line and reports ------===//

#include "cli_options.h"
#include "latency_stats.h"
#include "output_report.h"
#include "random_inputs.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace kiln::tools;

TEST(KilnRunOptionsTest, ParsesEverything) {
  CliOptions o = parseCommandLine(
      {"m.so", "a.npy", "y=b.pb", "-o", "out", "--print", "--bench", "20",
       "--warmup", "3", "--dim", "batch=8", "--seed", "7", "--threads", "2"});
  EXPECT_EQ(o.modelPath, "m.so");
  ASSERT_EQ(o.inputs.size(), 2u);
  EXPECT_EQ(o.inputs[0].name, "");
  EXPECT_EQ(o.inputs[0].path, "a.npy");
  EXPECT_EQ(o.inputs[1].name, "y");
  EXPECT_EQ(o.inputs[1].path, "b.pb");
  EXPECT_EQ(o.outputDir, "out");
  EXPECT_TRUE(o.print);
  EXPECT_EQ(o.benchRuns, 20);
  EXPECT_EQ(o.warmupRuns, 3);
  EXPECT_EQ(o.dims.at("batch"), 8);
  EXPECT_EQ(o.seed, 7u);
  EXPECT_EQ(o.intraOpThreads, 2);
}

TEST(KilnRunOptionsTest, RejectsNonsense) {
  EXPECT_THROW(parseCommandLine({}), UsageError);
  EXPECT_THROW(parseCommandLine({"m.so", "--bench"}), UsageError);
  EXPECT_THROW(parseCommandLine({"m.so", "--bench", "0"}), UsageError);
  EXPECT_THROW(parseCommandLine({"m.so", "--bench", "3x"}), UsageError);
  EXPECT_THROW(parseCommandLine({"m.so", "--dim", "batch"}), UsageError);
  EXPECT_THROW(parseCommandLine({"m.so", "--dim", "=3"}), UsageError);
  EXPECT_THROW(parseCommandLine({"m.so", "--frobnicate"}), UsageError);
  EXPECT_TRUE(parseCommandLine({"--help"}).help);
}

TEST(KilnRunReportTest, OutputFileNamesAreSafeAndUnique) {
  EXPECT_EQ(
      outputFileNames({"z", "a/b", "a:b", "..", "", "logits.0"}),
      (std::vector<std::string>{"z.npy", "a_b.npy", "a_b_1.npy", "output_3.npy",
                                "output_4.npy", "logits.0.npy"}));
}

TEST(KilnRunReportTest, DescribeTensor) {
  HostTensor t;
  t.elemType = 7;
  t.shape = {2, 2};
  int64_t values[4] = {1, -2, 3, 4};
  t.data.assign(reinterpret_cast<uint8_t *>(values),
                reinterpret_cast<uint8_t *>(values) + sizeof(values));
  EXPECT_EQ(describeTensor("n", t, 10),
            "n: shape [2, 2], dtype int64\n  [1, -2, 3, 4]");
  EXPECT_EQ(describeTensor("n", t, 2),
            "n: shape [2, 2], dtype int64\n  [1, -2, ... (4 values)]");
  HostTensor b;
  b.elemType = 9;
  b.data = {1, 0};
  b.shape = {2};
  EXPECT_EQ(describeTensor("b", b, 5),
            "b: shape [2], dtype bool\n  [True, False]");
}

TEST(KilnRunBenchTest, LatencyStats) {
  LatencyStats s = summarizeLatencies({5, 1, 3, 2, 4});
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 5);
  EXPECT_EQ(s.median, 3);
  EXPECT_EQ(s.mean, 3);
  EXPECT_EQ(s.p90, 5);
  EXPECT_EQ(summarizeLatencies({1, 2, 3, 10}).median, 2.5);
}

TEST(KilnRunRandomTest, DynamicDimsUseOverridesOrOne) {
  kiln::TensorInfo info;
  info.name = "x";
  info.elementType = kiln::ElementType::Int64;
  info.shape = {-1, 3, -1};
  info.dimParams = {"batch", "", ""};
  EXPECT_EQ(concreteShape(info, {}), (std::vector<int64_t>{1, 3, 1}));
  EXPECT_EQ(concreteShape(info, {{"batch", 4}}),
            (std::vector<int64_t>{4, 3, 1}));
  std::mt19937_64 rng(0);
  HostTensor t = randomTensor(info, {{"batch", 2}}, rng);
  ASSERT_EQ(t.data.size(), 2u * 3 * 8);
  for (size_t i = 0; i < 6; ++i) {
    int64_t v;
    std::memcpy(&v, &t.data[i * 8], 8);
    EXPECT_GE(v, 0);
    EXPECT_LT(v, 10);
  }
}
