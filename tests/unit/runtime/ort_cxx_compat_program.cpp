//===- ort_cxx_compat_program.cpp - ORT C++ code, one include swapped -----===//
//
// A program as an ONNX Runtime user writes it against onnxruntime_cxx_api.h
// (Ort::Env, SessionOptions with ORT's enums, allocated names, type info,
// MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault),
// Value::CreateTensor, Run with RunOptions{nullptr}, Ort::Exception and
// OrtErrorCode), compiled with <kiln/onnxruntime_cxx_api.h> instead and run
// by ctest on the fake `add` artifact (z = x + y, x [N, 3], y [1, 3]).
// Prints "ok" and exits 0 when every result is what ORT would give.
//
//===----------------------------------------------------------------------===//

#include <kiln/onnxruntime_cxx_api.h> // was <onnxruntime_cxx_api.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

int failures = 0;

void expect(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s model\n", argv[0]);
    return 2;
  }
  const ORTCHAR_T *modelPath = argv[1];

  Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "compat");
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(1);
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  options.SetExecutionMode(ExecutionMode::ORT_SEQUENTIAL);
  Ort::Session session(env, modelPath, options);

  Ort::AllocatorWithDefaultOptions allocator;
  std::vector<std::string> inputNames, outputNames;
  for (size_t i = 0; i < session.GetInputCount(); ++i) {
    Ort::AllocatedStringPtr name = session.GetInputNameAllocated(i, allocator);
    inputNames.push_back(name.get());
  }
  for (size_t i = 0; i < session.GetOutputCount(); ++i)
    outputNames.push_back(session.GetOutputNameAllocated(i, allocator).get());
  expect(inputNames == std::vector<std::string>{"x", "y"}, "input names");
  expect(outputNames == std::vector<std::string>{"z"}, "output names");

  Ort::TypeInfo typeInfo = session.GetInputTypeInfo(0);
  auto tensorInfo = typeInfo.GetTensorTypeAndShapeInfo();
  expect(tensorInfo.GetElementType() == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT,
         "input element type");
  std::vector<int64_t> shape = tensorInfo.GetShape();
  expect(shape.size() == 2 && shape[0] == -1 && shape[1] == 3,
         "input shape {-1, 3}");
  expect(typeInfo.GetONNXType() == ONNX_TYPE_TENSOR, "ONNX type");

  Ort::MemoryInfo memoryInfo =
      Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::vector<float> x = {1, 2, 3, 4, 5, 6}, y = {10, 20, 30};
  std::vector<int64_t> xShape = {2, 3}, yShape = {1, 3};
  std::vector<Ort::Value> inputs;
  inputs.push_back(Ort::Value::CreateTensor<float>(
      memoryInfo, x.data(), x.size(), xShape.data(), xShape.size()));
  inputs.push_back(Ort::Value::CreateTensor<float>(
      memoryInfo, y.data(), y.size(), yShape.data(), yShape.size()));
  const char *inNames[] = {"x", "y"};
  const char *outNames[] = {"z"};
  std::vector<Ort::Value> outputs =
      session.Run(Ort::RunOptions{nullptr}, inNames, inputs.data(),
                  inputs.size(), outNames, 1);
  expect(outputs.size() == 1 && outputs[0].IsTensor(), "one tensor output");
  auto outInfo = outputs[0].GetTensorTypeAndShapeInfo();
  expect(outInfo.GetShape() == std::vector<int64_t>({2, 3}), "output shape");
  expect(outInfo.GetElementCount() == 6, "output element count");
  const float *z = outputs[0].GetTensorMutableData<float>();
  const float expected[] = {11, 22, 33, 14, 25, 36};
  for (int i = 0; i < 6; ++i)
    expect(std::fabs(z[i] - expected[i]) < 1e-6f, "z = x + y");

  // Errors: ORT's exception class, code and message (an extra feed).
  const char *badNames[] = {"x", "y", "w"};
  inputs.push_back(Ort::Value::CreateTensor<float>(
      memoryInfo, y.data(), y.size(), yShape.data(), yShape.size()));
  try {
    session.Run(Ort::RunOptions{nullptr}, badNames, inputs.data(),
                inputs.size(), outNames, 1);
    expect(false, "an unknown input name throws");
  } catch (const Ort::Exception &e) {
    expect(e.GetOrtErrorCode() == ORT_INVALID_ARGUMENT, "INVALID_ARGUMENT");
    expect(std::string(e.what()).find("Invalid input name: w") !=
               std::string::npos,
           "ORT's message");
  }

  Ort::RunOptions terminating;
  terminating.SetTerminate();
  try {
    session.Run(terminating, inNames, inputs.data(), 2, outNames, 1);
    expect(false, "a terminated run throws");
  } catch (const Ort::Exception &e) {
    expect(e.GetOrtErrorCode() == ORT_FAIL, "terminate is FAIL");
  }

  std::vector<std::string> providers = Ort::GetAvailableProviders();
  expect(!providers.empty() && providers.back() == "CPUExecutionProvider",
         "providers");
  expect(!Ort::GetVersionString().empty(), "version string");
  Ort::Float16_t half(1.5f);
  expect(half.ToFloat() == 1.5f, "Float16_t");
  Ort::BFloat16_t brain(2.0f);
  expect(brain.ToFloat() == 2.0f, "BFloat16_t");

  if (failures)
    return 1;
  std::printf("ok\n");
  return 0;
}
