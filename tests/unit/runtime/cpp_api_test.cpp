//===- cpp_api_test.cpp - The header-only C++ layer -----------------------===//

#include "kiln/kiln.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace {

kiln::Tensor yTensor() {
  return kiln::Tensor::fromVector<float>({1, 3}, {10, 20, 30});
}

} // namespace

TEST(CppExceptionTest, FormatsLikeOnnxRuntime) {
  kiln::Exception e(kiln::ErrorCode::InvalidArgument, "Invalid input name: w");
  EXPECT_STREQ(e.what(), "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : "
                         "Invalid input name: w");
  EXPECT_EQ(e.code(), kiln::ErrorCode::InvalidArgument);
  EXPECT_EQ(e.message(), "Invalid input name: w");
}

TEST(CppStatusTest, WrapsCStatus) {
  kiln::Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.toString(), "");
  EXPECT_NO_THROW(ok.throwIfError());
  kiln::Status bad(kiln::ErrorCode::NotImplemented, "later");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), kiln::ErrorCode::NotImplemented);
  EXPECT_EQ(bad.toString(), "[ONNXRuntimeError] : 9 : NOT_IMPLEMENTED : later");
  EXPECT_THROW(bad.throwIfError(), kiln::Exception);
}

TEST(CppSessionTest, MissingFileThrowsNoSuchFile) {
  try {
    kiln::InferenceSession session("/nonexistent/model.so");
    FAIL() << "expected an exception";
  } catch (const kiln::Exception &e) {
    EXPECT_EQ(e.code(), kiln::ErrorCode::NoSuchFile);
    EXPECT_STREQ(e.what(), "[ONNXRuntimeError] : 3 : NO_SUCHFILE : Load model "
                           "from /nonexistent/model.so failed:Load model "
                           "/nonexistent/model.so failed. File doesn't exist");
  }
}

TEST(CppSessionTest, Signature) {
  kiln::InferenceSession session(KILN_FAKE_ADD);
  ASSERT_EQ(session.inputs().size(), 2u);
  EXPECT_EQ(session.inputs()[0].toString(),
            "NodeArg(name='x', type='tensor(float)', shape=['batch', 3])");
  EXPECT_EQ(session.inputs()[1].toString(),
            "NodeArg(name='y', type='tensor(float)', shape=[1, 3])");
  EXPECT_TRUE(session.inputs()[0].isDynamic(0));
  EXPECT_FALSE(session.inputs()[0].isDynamic(1));
  EXPECT_EQ(session.outputNames(), std::vector<std::string>{"z"});
  EXPECT_EQ(session.inputNames(), (std::vector<std::string>{"x", "y"}));
  auto metadata = session.metadata();
  EXPECT_EQ(metadata["producer_name"], "kiln-tests");
  EXPECT_EQ(metadata["graph_name"], "add");
  EXPECT_EQ(session.compilerVersion(), "fake-compiler 1.0");
  EXPECT_EQ(session.provider(), static_cast<uint32_t>(KILN_PROVIDER_CPU));

  kiln::InferenceSession views(KILN_FAKE_VIEWS);
  EXPECT_EQ(views.outputs()[0].toString(),
            "NodeArg(name='total', type='tensor(int64)', shape=[])");
}

TEST(CppSessionTest, RunWithNamesAndTensors) {
  kiln::InferenceSession session(KILN_FAKE_ADD);
  std::vector<float> xs = {1, 2, 3, 4, 5, 6};
  std::vector<kiln::Tensor> inputs;
  inputs.push_back(kiln::Tensor::view(xs.data(), xs.size(), {2, 3}));
  inputs.push_back(yTensor());
  std::vector<kiln::Tensor> out = session.run({"x", "y"}, inputs, {"z"});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(out[0].elementType(), kiln::ElementType::Float);
  EXPECT_EQ(out[0].toVector<float>(),
            (std::vector<float>{11, 22, 33, 14, 25, 36}));
  EXPECT_TRUE(out[0].isOwning());
  EXPECT_FALSE(inputs[0].isOwning());
}

TEST(CppSessionTest, RunWithFeedPairsAndMaps) {
  kiln::InferenceSession session(KILN_FAKE_ADD);
  kiln::Tensor x = kiln::Tensor::fromVector<float>({1, 3}, {1, 2, 3});
  kiln::Tensor y = yTensor();
  std::vector<kiln::Tensor> out = session.run({{"x", x}, {"y", y}});
  EXPECT_EQ(out.at(0).toVector<float>(), (std::vector<float>{11, 22, 33}));

  std::map<std::string, kiln::Tensor> feeds;
  feeds.emplace("x", x.clone());
  feeds.emplace("y", y.clone());
  out = session.run(feeds, {"z"});
  EXPECT_EQ(out.at(0).toVector<float>(), (std::vector<float>{11, 22, 33}));
}

TEST(CppSessionTest, RunErrorsThrowWithOrtText) {
  kiln::InferenceSession session(KILN_FAKE_ADD);
  kiln::Tensor x = kiln::Tensor::zeros<double>({1, 3});
  kiln::Tensor y = yTensor();
  try {
    session.run({{"x", x}, {"y", y}});
    FAIL() << "expected an exception";
  } catch (const kiln::Exception &e) {
    EXPECT_STREQ(e.what(), "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : "
                           "Unexpected input data type. Actual: "
                           "(tensor(double)) , expected: (tensor(float))");
  }
  try {
    session.run({{"y", y}});
    FAIL() << "expected an exception";
  } catch (const kiln::Exception &e) {
    EXPECT_EQ(e.message(), "Required inputs (['x']) are missing from input "
                           "feed (['y']).");
  }
  std::vector<kiln::Tensor> two;
  two.push_back(yTensor());
  EXPECT_THROW(session.run({"x", "y"}, two), kiln::Exception);
}

TEST(CppSessionTest, RunIntoPreallocatedOutputs) {
  kiln::InferenceSession session(KILN_FAKE_ADD);
  std::vector<kiln::Tensor> inputs;
  inputs.push_back(kiln::Tensor::fromVector<float>({1, 3}, {1, 1, 1}));
  inputs.push_back(yTensor());
  std::vector<float> storage(3);
  std::vector<kiln::Tensor> outputs;
  outputs.push_back(kiln::Tensor::view(storage.data(), storage.size(), {1, 3}));
  session.runInto({"x", "y"}, inputs, {"z"}, outputs);
  EXPECT_EQ(storage, (std::vector<float>{11, 21, 31}));

  std::vector<kiln::Tensor> fresh(1);
  session.runInto({"x", "y"}, inputs, {"z"}, fresh);
  ASSERT_TRUE(fresh[0]);
  EXPECT_EQ(fresh[0].toVector<float>(), (std::vector<float>{11, 21, 31}));
}

TEST(CppSessionTest, ConcurrentRuns) {
  kiln::InferenceSession session(KILN_FAKE_ADD);
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      kiln::Tensor x = kiln::Tensor::fromVector<float>(
          {1, 3}, {float(t), float(t), float(t)});
      kiln::Tensor y = yTensor();
      for (int r = 0; r < 50; ++r) {
        auto out = session.run({{"x", x}, {"y", y}});
        if (out[0].toVector<float>() !=
            std::vector<float>{t + 10.f, t + 20.f, t + 30.f})
          ++bad;
      }
    });
  for (auto &thread : threads)
    thread.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(CppSessionTest, SessionOptionsReachTheSession) {
  kiln::SessionOptions options;
  options.setIntraOpNumThreads(2).addConfigEntry("kiln.check_symbolic_dims",
                                                 "0");
  EXPECT_EQ(options.configEntry("kiln.check_symbolic_dims"), "0");
  EXPECT_EQ(options.configEntry("missing"), std::nullopt);
  EXPECT_THROW(options.setIntraOpNumThreads(-3), kiln::Exception);
  kiln::InferenceSession session(KILN_FAKE_DIMS, options);
  kiln::Tensor a = kiln::Tensor::zeros<float>({2, 5, 4});
  kiln::Tensor b = kiln::Tensor::fromVector<float>({3}, {1, 2, 3});
  EXPECT_EQ(session.run({{"a", a}, {"b", b}})[0].toVector<float>(),
            std::vector<float>{6});
}

TEST(CppTensorTest, FactoriesAndAccessors) {
  kiln::Tensor s = kiln::Tensor::scalar<int64_t>(42);
  EXPECT_EQ(s.rank(), 0u);
  EXPECT_EQ(s.shape(), std::vector<int64_t>{});
  EXPECT_EQ(s.elementCount(), 1);
  EXPECT_EQ(*s.data<int64_t>(), 42);
  EXPECT_THROW(s.data<int32_t>(), kiln::Exception);

  kiln::Tensor b = kiln::Tensor::fromVector<bool>({3}, {true, false, true});
  EXPECT_EQ(b.elementType(), kiln::ElementType::Bool);
  EXPECT_EQ(b.byteSize(), 3u);
  EXPECT_EQ(b.toVector<bool>(), (std::vector<bool>{true, false, true}));

  EXPECT_THROW(kiln::Tensor::fromVector<float>({2, 2}, {1, 2, 3}),
               kiln::Exception);

  kiln::Tensor h = kiln::Tensor::fromVector<kiln::Float16>(
      {2}, {kiln::Float16(1.5f), kiln::Float16(-2.f)});
  EXPECT_EQ(h.elementType(), kiln::ElementType::Float16);
  EXPECT_EQ(float(h.data<kiln::Float16>()[1]), -2.f);

  kiln::Tensor copy = h.clone();
  EXPECT_TRUE(copy.isOwning());
  EXPECT_NE(copy.rawData(), h.rawData());
  EXPECT_EQ(copy.data<kiln::Float16>()[0], kiln::Float16(1.5f));

  kiln::Tensor moved = std::move(copy);
  EXPECT_FALSE(copy);
  EXPECT_TRUE(moved);

  EXPECT_EQ(kiln::typeString(kiln::ElementType::BFloat16), "tensor(bfloat16)");
  EXPECT_EQ(kiln::elementSize(kiln::ElementType::UInt64), 8u);
}
