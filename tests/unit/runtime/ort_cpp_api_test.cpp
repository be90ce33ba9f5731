//===- ort_cpp_api_test.cpp - kiln::Env/Session/Value, ORT-shaped ---------===//

#include "kiln/kiln.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace {

const int64_t kRow[] = {1, 3};

/// Runs `body` and returns the kiln::Exception it throws.
template <typename Body> kiln::Exception thrown(Body body) {
  try {
    body();
  } catch (const kiln::Exception &e) {
    return e;
  }
  ADD_FAILURE() << "expected a kiln::Exception";
  return kiln::Exception(kiln::ErrorCode::Ok, "");
}

struct AddModel {
  kiln::Env env{kiln::LoggingLevel::Warning, "test"};
  kiln::SessionOptions options;
  kiln::Session session{env, KILN_FAKE_ADD, options};
  kiln::MemoryInfo info = kiln::MemoryInfo::CreateCpu();
  std::vector<float> x = {1, 2, 3};
  std::vector<float> y = {10, 20, 30};
  const char *inNames[2] = {"x", "y"};
  const char *outNames[1] = {"z"};

  std::vector<kiln::Value> inputs() {
    std::vector<kiln::Value> values;
    values.push_back(
        kiln::Value::CreateTensor<float>(info, x.data(), x.size(), kRow, 2));
    values.push_back(
        kiln::Value::CreateTensor<float>(info, y.data(), y.size(), kRow, 2));
    return values;
  }
};

} // namespace

TEST(OrtEnvTest, KeepsLevelAndId) {
  kiln::Env env(kiln::LoggingLevel::Error, "svc");
  EXPECT_EQ(env.GetLoggingLevel(), kiln::LoggingLevel::Error);
  EXPECT_EQ(env.GetLogId(), "svc");
  kiln::Env defaults;
  EXPECT_EQ(defaults.GetLoggingLevel(), kiln::LoggingLevel::Warning);
}

TEST(OrtExceptionTest, CarriesTheCode) {
  kiln::Exception e("Invalid input name: w", kiln::ErrorCode::InvalidArgument);
  EXPECT_EQ(e.GetOrtErrorCode(), kiln::ErrorCode::InvalidArgument);
  EXPECT_EQ(e.message(), "Invalid input name: w");
  EXPECT_STREQ(e.what(), "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : "
                         "Invalid input name: w");
}

TEST(OrtSessionOptionsTest, OrtNamesRecordSettings) {
  kiln::SessionOptions options;
  options.SetIntraOpNumThreads(1)
      .SetInterOpNumThreads(1)
      .SetGraphOptimizationLevel(kiln::GraphOptimizationLevel::EnableExtended)
      .AddFreeDimensionOverrideByName("batch", 2)
      .EnableProfiling("prof_")
      .AddConfigEntry("session.custom", "yes");
  EXPECT_EQ(options.GetConfigEntry("kiln.graph_optimization_level"), "2");
  EXPECT_EQ(options.GetConfigEntry("kiln.free_dimension_override.batch"), "2");
  EXPECT_EQ(options.GetConfigEntry("kiln.profile_file_prefix"), "prof_");
  EXPECT_TRUE(options.HasConfigEntry("session.custom"));
  EXPECT_FALSE(options.HasConfigEntry("absent"));
  EXPECT_EQ(options.GetConfigEntryOrDefault("absent", "d"), "d");
  EXPECT_EQ(thrown([&] { options.GetConfigEntry("absent"); }).code(),
            kiln::ErrorCode::InvalidArgument);
  EXPECT_EQ(thrown([&] { options.SetIntraOpNumThreads(-1); }).code(),
            kiln::ErrorCode::InvalidArgument);
}

TEST(OrtSessionOptionsTest, AcceptedOptionsAreRecordedAndLoadStillWorks) {
  kiln::SessionOptions options;
  options.SetLogId("svc")
      .SetLogSeverityLevel(3)
      .SetExecutionMode(kiln::ExecutionMode::Parallel)
      .DisableCpuMemArena()
      .DisableMemPattern()
      .SetOptimizedModelFilePath("out.so");
  EXPECT_EQ(options.GetConfigEntry("kiln.log_id"), "svc");
  EXPECT_EQ(options.GetConfigEntry("kiln.log_severity_level"), "3");
  EXPECT_EQ(options.GetConfigEntry("kiln.execution_mode"), "parallel");
  EXPECT_EQ(options.GetConfigEntry("kiln.enable_cpu_mem_arena"), "0");
  EXPECT_EQ(options.GetConfigEntry("kiln.enable_mem_pattern"), "0");
  EXPECT_EQ(options.GetConfigEntry("kiln.optimized_model_filepath"), "out.so");
  kiln::Env env;
  kiln::Session session(env, KILN_FAKE_ADD, options);
  EXPECT_EQ(session.GetInputCount(), 2u);
}

TEST(OrtSessionTest, SignatureAndMetadata) {
  AddModel m;
  EXPECT_EQ(m.session.GetInputCount(), 2u);
  EXPECT_EQ(m.session.GetOutputCount(), 1u);
  kiln::AllocatorWithDefaultOptions allocator;
  EXPECT_STREQ(m.session.GetInputNameAllocated(1, allocator).get(), "y");
  EXPECT_STREQ(m.session.GetOutputNameAllocated(0, allocator).get(), "z");
  EXPECT_EQ(m.session.GetInputNames(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(m.session.GetOutputNames(), std::vector<std::string>{"z"});

  kiln::TypeInfo type = m.session.GetInputTypeInfo(0);
  EXPECT_EQ(type.GetONNXType(), kiln::ONNXType::Tensor);
  const kiln::TensorTypeAndShapeInfo &tensor = type.GetTensorTypeAndShapeInfo();
  EXPECT_EQ(tensor.GetElementType(), kiln::ElementType::Float);
  EXPECT_EQ(tensor.GetShape(), (std::vector<int64_t>{-1, 3}));
  EXPECT_EQ(tensor.GetDimensionsCount(), 2u);
  EXPECT_EQ(tensor.GetElementCount(), static_cast<size_t>(-1));
  std::vector<const char *> symbolic = tensor.GetSymbolicDimensions();
  ASSERT_EQ(symbolic.size(), 2u);
  EXPECT_STREQ(symbolic[0], "batch");
  EXPECT_STREQ(symbolic[1], "");
  EXPECT_EQ(m.session.GetInputTypeInfo(1)
                .GetTensorTypeAndShapeInfo()
                .GetElementCount(),
            3u);
  kiln::Exception outOfRange = thrown([&] { m.session.GetInputTypeInfo(2); });
  EXPECT_EQ(outOfRange.GetOrtErrorCode(), kiln::ErrorCode::InvalidArgument);
  EXPECT_EQ(outOfRange.message(),
            "input index 2 is out of range (the model has 2 inputs)");

  kiln::ModelMetadata metadata = m.session.GetModelMetadata();
  EXPECT_STREQ(metadata.GetProducerNameAllocated(allocator).get(),
               "kiln-tests");
  EXPECT_STREQ(metadata.GetGraphNameAllocated(allocator).get(), "add");
  EXPECT_EQ(metadata.GetVersion(), INT64_MAX);
}

TEST(OrtSessionTest, CustomMetadata) {
  kiln::Env env;
  kiln::Session session(env, KILN_FAKE_CALLBACK, kiln::SessionOptions());
  kiln::AllocatorWithDefaultOptions allocator;
  kiln::ModelMetadata metadata = session.GetModelMetadata();
  EXPECT_STREQ(
      metadata.LookupCustomMetadataMapAllocated("origin", allocator).get(),
      "fake");
  EXPECT_EQ(metadata.LookupCustomMetadataMapAllocated("nope", allocator),
            nullptr);
  std::vector<kiln::AllocatedStringPtr> keys =
      metadata.GetCustomMetadataMapKeysAllocated(allocator);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_STREQ(keys[0].get(), "origin");
}

TEST(OrtValueTest, CreateTensorWrapsUserMemoryWithoutCopying) {
  kiln::MemoryInfo info = kiln::MemoryInfo::CreateCpu(
      kiln::AllocatorType::Arena, kiln::MemType::Default);
  std::vector<float> data = {1, 2, 3};
  kiln::Value value =
      kiln::Value::CreateTensor<float>(info, data.data(), data.size(), kRow, 2);
  EXPECT_TRUE(value.IsTensor());
  EXPECT_FALSE(value.IsOwning());
  EXPECT_EQ(value.GetTensorMutableData<float>(), data.data());
  EXPECT_EQ(value.GetTensorData<float>(), data.data());
  kiln::TensorTypeAndShapeInfo shape = value.GetTensorTypeAndShapeInfo();
  EXPECT_EQ(shape.GetElementType(), kiln::ElementType::Float);
  EXPECT_EQ(shape.GetShape(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(shape.GetElementCount(), 3u);
  EXPECT_EQ(value.GetTensorSizeInBytes(), 12u);
  // Writes through the value land in the user's vector.
  value.GetTensorMutableData<float>()[2] = 7;
  EXPECT_EQ(data[2], 7);
}

TEST(OrtValueTest, CreateTensorErrorsUseOrtTexts) {
  kiln::MemoryInfo info = kiln::MemoryInfo::CreateCpu();
  std::vector<float> data(2);
  kiln::Exception small = thrown([&] {
    kiln::Value::CreateTensor<float>(info, data.data(), data.size(), kRow, 2);
  });
  EXPECT_EQ(small.GetOrtErrorCode(), kiln::ErrorCode::InvalidArgument);
  EXPECT_EQ(small.message(), "not enough space: expected 12, got 8");
  const int64_t negative[] = {-1, 2};
  EXPECT_EQ(thrown([&] {
              kiln::Value::CreateTensor<float>(info, data.data(), data.size(),
                                               negative, 2);
            }).message(),
            "Tried creating tensor with negative value in shape");
  kiln::Value empty(nullptr);
  EXPECT_FALSE(empty);
  EXPECT_EQ(thrown([&] { empty.GetTensorTypeAndShapeInfo(); }).message(),
            "value is NULL");
  EXPECT_EQ(thrown([&] { empty.GetTensorMutableData<float>(); }).code(),
            kiln::ErrorCode::InvalidArgument);
}

TEST(OrtValueTest, AllocatorTensorsOwnZeroedMemory) {
  kiln::AllocatorWithDefaultOptions allocator;
  const int64_t shape[] = {2, 2};
  kiln::Value value = kiln::Value::CreateTensor<int64_t>(allocator, shape, 2);
  EXPECT_TRUE(value.IsOwning());
  const int64_t *p = value.GetTensorData<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(p, p + 4), (std::vector<int64_t>(4, 0)));
  EXPECT_EQ(value.GetTensorTypeAndShapeInfo().GetElementType(),
            kiln::ElementType::Int64);
}

TEST(OrtRunTest, NullOutputsAreAllocatedByTheRuntime) {
  AddModel m;
  std::vector<kiln::Value> inputs = m.inputs();
  std::vector<kiln::Value> out = m.session.Run(
      kiln::RunOptions{nullptr}, m.inNames, inputs.data(), 2, m.outNames, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].IsOwning());
  EXPECT_EQ(out[0].GetTensorTypeAndShapeInfo().GetShape(),
            (std::vector<int64_t>{1, 3}));
  const float *z = out[0].GetTensorData<float>();
  EXPECT_EQ(std::vector<float>(z, z + 3), (std::vector<float>{11, 22, 33}));
}

TEST(OrtRunTest, InputsAreReadInPlace) {
  AddModel m;
  std::vector<kiln::Value> inputs = m.inputs();
  // Changing the user's memory after CreateTensor changes what runs see:
  // the value holds no copy.
  m.x[0] = 100;
  std::vector<kiln::Value> out = m.session.Run(kiln::RunOptions(), m.inNames,
                                               inputs.data(), 2, m.outNames, 1);
  EXPECT_EQ(out[0].GetTensorData<float>()[0], 110);
}

TEST(OrtRunTest, PreallocatedOutputsAreFilledInPlace) {
  AddModel m;
  std::vector<kiln::Value> inputs = m.inputs();
  std::vector<float> storage(3, -1);
  kiln::Value outputs[1] = {kiln::Value::CreateTensor<float>(
      m.info, storage.data(), storage.size(), kRow, 2)};
  m.session.Run(kiln::RunOptions(), m.inNames, inputs.data(), 2, m.outNames,
                outputs, 1);
  EXPECT_EQ(storage, (std::vector<float>{11, 22, 33}));
  EXPECT_EQ(outputs[0].GetTensorData<float>(), storage.data());

  // A mix: an empty slot is allocated next to a preallocated one.
  const char *twice[] = {"z", "z"};
  kiln::Value mixed[2] = {kiln::Value(nullptr),
                          kiln::Value::CreateTensor<float>(
                              m.info, storage.data(), storage.size(), kRow, 2)};
  m.x = {0, 0, 0};
  m.session.Run(kiln::RunOptions(), m.inNames, inputs.data(), 2, twice, mixed,
                2);
  ASSERT_TRUE(mixed[0]);
  EXPECT_TRUE(mixed[0].IsOwning());
  EXPECT_EQ(mixed[0].GetTensorData<float>()[1], 20);
  EXPECT_EQ(storage, (std::vector<float>{10, 20, 30}));
}

TEST(OrtRunTest, PreallocatedOutputOfWrongShapeOrType) {
  AddModel m;
  std::vector<kiln::Value> inputs = m.inputs();
  std::vector<float> storage(6);
  const int64_t wide[] = {2, 3};
  kiln::Value wrongShape[1] = {kiln::Value::CreateTensor<float>(
      m.info, storage.data(), storage.size(), wide, 2)};
  kiln::Exception shape = thrown([&] {
    m.session.Run(kiln::RunOptions(), m.inNames, inputs.data(), 2, m.outNames,
                  wrongShape, 1);
  });
  EXPECT_EQ(shape.GetOrtErrorCode(), kiln::ErrorCode::Fail);
  EXPECT_EQ(shape.message(),
            "Shape mismatch attempting to re-use buffer. {2,3} != {1,3}. "
            "Validate usage of dim_value (values should be > 0) and dim_param "
            "(all values with the same string should equate to the same size) "
            "in shapes in the model.");

  std::vector<double> doubles(3);
  kiln::Value wrongType[1] = {kiln::Value::CreateTensor<double>(
      m.info, doubles.data(), doubles.size(), kRow, 2)};
  kiln::Exception type = thrown([&] {
    m.session.Run(kiln::RunOptions(), m.inNames, inputs.data(), 2, m.outNames,
                  wrongType, 1);
  });
  EXPECT_EQ(type.GetOrtErrorCode(), kiln::ErrorCode::InvalidArgument);
  EXPECT_EQ(type.message(), "Unexpected output data type. Actual: "
                            "(tensor(double)) , expected: (tensor(float))");
}

TEST(OrtRunTest, WrongNamesShapesAndTypesThrowOrtErrors) {
  AddModel m;
  std::vector<kiln::Value> inputs = m.inputs();
  // Every input is fed, plus one the model does not have.
  const char *badIn[] = {"x", "y", "w"};
  std::vector<float> w = {0, 0, 0};
  inputs.push_back(
      kiln::Value::CreateTensor<float>(m.info, w.data(), w.size(), kRow, 2));
  kiln::Exception name = thrown([&] {
    m.session.Run(kiln::RunOptions(), badIn, inputs.data(), 3, m.outNames, 1);
  });
  EXPECT_EQ(name.GetOrtErrorCode(), kiln::ErrorCode::InvalidArgument);
  EXPECT_EQ(name.message(), "Invalid input name: w");

  const char *badOut[] = {"q"};
  EXPECT_EQ(thrown([&] {
              m.session.Run(kiln::RunOptions(), m.inNames, inputs.data(), 2,
                            badOut, 1);
            }).message(),
            "Invalid output name:q");

  std::vector<float> wide(6);
  const int64_t wideShape[] = {2, 3};
  std::vector<kiln::Value> badShape;
  badShape.push_back(
      kiln::Value::CreateTensor<float>(m.info, m.x.data(), 3, kRow, 2));
  badShape.push_back(
      kiln::Value::CreateTensor<float>(m.info, wide.data(), 6, wideShape, 2));
  kiln::Exception dims = thrown([&] {
    m.session.Run(kiln::RunOptions(), m.inNames, badShape.data(), 2, m.outNames,
                  1);
  });
  EXPECT_EQ(dims.GetOrtErrorCode(), kiln::ErrorCode::InvalidArgument);
  EXPECT_EQ(dims.message(),
            "Got invalid dimensions for input: y for the following indices\n"
            " index: 0 Got: 2 Expected: 1\n"
            " Please fix either the inputs/outputs or the model.");

  std::vector<int32_t> ints(3);
  std::vector<kiln::Value> badType;
  badType.push_back(
      kiln::Value::CreateTensor<int32_t>(m.info, ints.data(), 3, kRow, 2));
  badType.push_back(
      kiln::Value::CreateTensor<float>(m.info, m.y.data(), 3, kRow, 2));
  EXPECT_EQ(thrown([&] {
              m.session.Run(kiln::RunOptions(), m.inNames, badType.data(), 2,
                            m.outNames, 1);
            }).message(),
            "Unexpected input data type. Actual: (tensor(int32)) , expected: "
            "(tensor(float))");
}

TEST(OrtRunTest, StringNamesConvenienceRunsEveryOutput) {
  AddModel m;
  std::vector<kiln::Value> out =
      m.session.Run(kiln::RunOptions(), {"x", "y"}, m.inputs());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].GetTensorData<float>()[2], 33);
  EXPECT_EQ(thrown([&] {
              m.session.Run(kiln::RunOptions(), {"x"}, m.inputs());
            }).message(),
            "Size mismatch: feed_names has 1 elements, but feeds has 2 "
            "elements.");
}

TEST(OrtRunTest, RunOptionsTerminate) {
  AddModel m;
  std::vector<kiln::Value> inputs = m.inputs();
  kiln::RunOptions options;
  options.SetRunTag("t1").SetRunLogSeverityLevel(3).AddConfigEntry("k", "v");
  EXPECT_EQ(options.GetRunTag(), "t1");
  EXPECT_EQ(options.GetRunLogSeverityLevel(), 3);
  options.SetTerminate();
  kiln::Exception e = thrown([&] {
    m.session.Run(options, m.inNames, inputs.data(), 2, m.outNames, 1);
  });
  EXPECT_EQ(e.GetOrtErrorCode(), kiln::ErrorCode::Fail);
  EXPECT_EQ(e.message(), "Exiting due to terminate flag being set to true.");
  options.UnsetTerminate();
  EXPECT_EQ(
      m.session.Run(options, m.inNames, inputs.data(), 2, m.outNames, 1).size(),
      1u);
}

TEST(OrtSessionTest, FromBytes) {
  std::ifstream in(KILN_FAKE_ADD, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  kiln::Env env;
  kiln::Session session(env, bytes.data(), bytes.size(),
                        kiln::SessionOptions());
  bytes.assign(bytes.size(), 0);
  EXPECT_EQ(session.GetInputNames(), (std::vector<std::string>{"x", "y"}));
  std::vector<float> x = {1, 1, 1}, y = {1, 2, 3};
  kiln::MemoryInfo info = kiln::MemoryInfo::CreateCpu();
  std::vector<kiln::Value> inputs;
  inputs.push_back(
      kiln::Value::CreateTensor<float>(info, x.data(), 3, kRow, 2));
  inputs.push_back(
      kiln::Value::CreateTensor<float>(info, y.data(), 3, kRow, 2));
  std::vector<kiln::Value> out =
      session.Run(kiln::RunOptions(), {"x", "y"}, inputs, {"z"});
  EXPECT_EQ(out[0].GetTensorData<float>()[2], 4);

  const char garbage[] = "not a shared object";
  kiln::Exception e = thrown([&] {
    kiln::Session(env, garbage, sizeof(garbage), kiln::SessionOptions());
  });
  EXPECT_EQ(e.GetOrtErrorCode(), kiln::ErrorCode::InvalidGraph);
  EXPECT_EQ(e.message().rfind("Load model from memory failed:", 0), 0u)
      << e.message();
}

TEST(OrtSessionTest, MissingFileThrowsNoSuchFile) {
  kiln::Env env;
  kiln::Exception e = thrown([&] {
    kiln::Session(env, "/nonexistent/model.so", kiln::SessionOptions());
  });
  EXPECT_EQ(e.GetOrtErrorCode(), kiln::ErrorCode::NoSuchFile);
  EXPECT_EQ(e.message(), "Load model from /nonexistent/model.so failed:Load "
                         "model /nonexistent/model.so failed. File doesn't "
                         "exist");
}
