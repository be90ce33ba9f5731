//===- ort_cxx_compat_program.cpp - ORT C++ code, one include swapped -----===//
//
// A program as an ONNX Runtime user writes it against onnxruntime_cxx_api.h
// (Ort::Env, SessionOptions with ORT's enums, allocated names, type info,
// MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault),
// Value::CreateTensor, Run with RunOptions{nullptr}, Ort::Exception and
// OrtErrorCode, IoBinding, Allocator, ThreadingOptions, profiling), compiled
// with <kiln/onnxruntime_cxx_api.h> instead and run by ctest on the fake
// `add` artifact (z = x + y, x [N, 3], y [1, 3]) and the fake `profiled`
// one (z = 2 * relu(x), x [3], two instrumented kernels), and sequences,
// maps and optionals on the fake `values` one.
// Prints "ok" and exits 0 when every result is what ORT would give.
//
//===----------------------------------------------------------------------===//

#include <kiln/onnxruntime_cxx_api.h> // was <onnxruntime_cxx_api.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
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

/// ORT code for a model with a sequence, a map and optionals at its edges
/// (the fake `values` artifact: see fakes/fake_values.c).
void runValuesModel(Ort::Env &env, const ORTCHAR_T *path) {
  Ort::Session session(env, path, Ort::SessionOptions{});
  Ort::TypeInfo seqInfo = session.GetInputTypeInfo(1);
  expect(seqInfo.GetONNXType() == ONNX_TYPE_SEQUENCE, "sequence input type");
  expect(seqInfo.GetSequenceTypeInfo()
                 .GetSequenceElementType()
                 .GetTensorTypeAndShapeInfo()
                 .GetElementType() == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT,
         "sequence element type");
  Ort::TypeInfo mapInfo = session.GetInputTypeInfo(2);
  expect(mapInfo.GetONNXType() == ONNX_TYPE_MAP, "map input type");
  expect(mapInfo.GetMapTypeInfo().GetMapKeyType() ==
             ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64,
         "map key type");
  expect(session.GetInputTypeInfo(4).GetONNXType() == ONNX_TYPE_OPTIONAL,
         "optional input type");
  Ort::TypeInfo zipInfo = session.GetOutputTypeInfo(2);
  expect(zipInfo.GetONNXType() == ONNX_TYPE_SEQUENCE &&
             zipInfo.GetSequenceTypeInfo()
                     .GetSequenceElementType()
                     .GetONNXType() == ONNX_TYPE_MAP,
         "sequence of maps output type");

  auto memory =
      Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::vector<float> x = {1, 2}, s0 = {5, 6}, s1 = {7, 8, 9}, o = {1, 1};
  std::vector<int64_t> keys = {3, 4, 5};
  std::vector<float> vals = {0.5f, 1, 2};
  int64_t two = 2, three = 3;
  std::vector<Ort::Value> elements;
  elements.push_back(
      Ort::Value::CreateTensor<float>(memory, s0.data(), 2, &two, 1));
  elements.push_back(
      Ort::Value::CreateTensor<float>(memory, s1.data(), 3, &three, 1));
  Ort::Value k =
      Ort::Value::CreateTensor<int64_t>(memory, keys.data(), 3, &three, 1);
  Ort::Value v =
      Ort::Value::CreateTensor<float>(memory, vals.data(), 3, &three, 1);
  Ort::Value inputs[5] = {
      Ort::Value::CreateTensor<float>(memory, x.data(), 2, &two, 1),
      Ort::Value::CreateSequence(elements), Ort::Value::CreateMap(k, v),
      Ort::Value::CreateTensor<float>(memory, o.data(), 2, &two, 1),
      Ort::Value(nullptr)}; // None for the absent optional
  const char *inNames[] = {"x", "s", "m", "o", "a"};
  const char *outNames[] = {"seq", "zip", "none"};
  std::vector<Ort::Value> out =
      session.Run(Ort::RunOptions{nullptr}, inNames, inputs, 5, outNames, 3);
  expect(inputs[1].GetCount() == 2 && inputs[2].GetCount() == 2,
         "input counts");
  expect(!out[0].IsTensor() && out[0].GetCount() == 2, "sequence output");
  Ort::AllocatorWithDefaultOptions allocator;
  Ort::Value first = out[0].GetValue(0, allocator);
  expect(first.IsTensor() &&
             first.GetTensorTypeAndShapeInfo().GetShape() ==
                 std::vector<int64_t>{3} &&
             first.GetTensorData<float>()[2] == 9,
         "sequence element");
  expect(out[1].GetCount() == 2, "one map per row");
  Ort::Value map = out[1].GetValue(1, allocator);
  expect(map.GetTypeInfo().GetONNXType() == ONNX_TYPE_MAP, "map element");
  Ort::Value mapKeys = map.GetValue(0, allocator);
  Ort::Value mapValues = map.GetValue(1, allocator);
  expect(mapKeys.GetTensorData<int64_t>()[1] == 4 &&
             mapValues.GetTensorData<float>()[2] == 4,
         "map entries");
  expect(!out[2].HasValue() &&
             out[2].GetTypeInfo().GetONNXType() == ONNX_TYPE_OPTIONAL,
         "absent optional output");
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: %s add-model profiled-model [values-model]\n",
                 argv[0]);
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

  // --- More of the API ----------------------------------------------------
  Ort::ThreadingOptions threading;
  threading.SetGlobalIntraOpNumThreads(2).SetGlobalSpinControl(0);
  Ort::Env threadedEnv(threading, ORT_LOGGING_LEVEL_ERROR, "threads");
  Ort::SessionOptions base;
  base.SetIntraOpNumThreads(2)
      .SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_BASIC)
      .DisablePerSessionThreads()
      .AddConfigEntry("app.key", "v");
  Ort::SessionOptions copy = base.Clone();
  expect(copy.GetConfigEntry("app.key") == "v", "Clone keeps entries");
  copy.AddConfigEntry("app.key", "w");
  expect(base.GetConfigEntry("app.key") == "v", "Clone is a copy");
  try {
    Ort::Value init = Ort::Value::CreateTensor<float>(
        memoryInfo, y.data(), y.size(), yShape.data(), yShape.size());
    base.AddInitializer("y", init);
    expect(false, "AddInitializer throws");
  } catch (const Ort::Exception &e) {
    expect(e.GetOrtErrorCode() == ORT_NOT_IMPLEMENTED,
           "AddInitializer is NOT_IMPLEMENTED");
  }
  Ort::Session second(threadedEnv, modelPath, copy);
  expect(second.GetOverridableInitializerCount() == 0, "no overridable");

  // IoBinding: inputs and a preallocated output in place, then an output
  // the runtime allocates.
  Ort::IoBinding binding(second);
  binding.BindInput("x", inputs[0]);
  binding.BindInput("y", inputs[1]);
  std::vector<float> zBuffer(6, 0.f);
  Ort::Value zValue = Ort::Value::CreateTensor<float>(
      memoryInfo, zBuffer.data(), zBuffer.size(), xShape.data(), xShape.size());
  binding.BindOutput("z", zValue);
  binding.SynchronizeInputs();
  second.Run(Ort::RunOptions{nullptr}, binding);
  binding.SynchronizeOutputs();
  bool inPlace = true;
  for (int i = 0; i < 6; ++i)
    inPlace &= zBuffer[i] == expected[i];
  expect(inPlace, "bound output written in place");
  binding.ClearBoundOutputs();
  binding.BindOutput("z", memoryInfo);
  second.Run(Ort::RunOptions{nullptr}, binding);
  std::vector<Ort::Value> bound = binding.GetOutputValues();
  expect(binding.GetOutputNames() == std::vector<std::string>{"z"},
         "bound output names");
  expect(bound.size() == 1 && bound[0].HasValue(), "bound output value");
  expect(bound[0].At<float>({1, 2}) == 36.f, "Value::At");
  expect(bound[0].GetTensorMemoryInfo().GetAllocatorName() == "Cpu",
         "GetTensorMemoryInfo");
  expect(!Ort::Value(nullptr).HasValue(), "empty Value");
  try {
    bound[0].At<float>({2, 0});
    expect(false, "At outside the shape throws");
  } catch (const Ort::Exception &e) {
    expect(e.GetOrtErrorCode() == ORT_INVALID_ARGUMENT, "At: INVALID_ARGUMENT");
  }

  // String tensors: filled by the program, read back as ORT reads them.
  int64_t wordsShape[] = {3};
  Ort::Value words = Ort::Value::CreateTensor(
      allocator, wordsShape, 1, ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING);
  const char *texts[] = {"kiln", "", "ort"};
  words.FillStringTensor(texts, 3);
  words.FillStringTensorElement("is", 1);
  expect(words.GetStringTensorElement(1) == "is", "GetStringTensorElement");
  expect(words.GetStringTensorDataLength() == 9, "GetStringTensorDataLength");
  std::string content(9, '?');
  size_t offsets[3] = {};
  words.GetStringTensorContent(content.data(), content.size(), offsets, 3);
  expect(content == "kiln"
                    "is"
                    "ort" &&
             offsets[1] == 4 && offsets[2] == 6,
         "GetStringTensorContent");

  // Allocators.
  void *block = allocator.Alloc(100);
  expect(block && reinterpret_cast<uintptr_t>(block) % 64 == 0, "Alloc");
  allocator.Free(block);
  Ort::Allocator sessionAllocator(second, memoryInfo);
  float *floats = static_cast<float *>(sessionAllocator.Alloc(16));
  floats[3] = 1.f;
  sessionAllocator.Free(floats);

  // Profiling: ORT's trace, written by EndProfilingAllocated.
  Ort::SessionOptions profiled;
  profiled.EnableProfiling(ORT_TSTR("kiln_ort_compat_profile"));
  Ort::Session profiledSession(env, argv[2], profiled);
  expect(profiledSession.GetProfilingStartTimeNs() > 0, "profiling start");
  std::vector<float> px = {-1, 2, 3};
  int64_t pShape[] = {3};
  Ort::Value pIn =
      Ort::Value::CreateTensor<float>(memoryInfo, px.data(), 3, pShape, 1);
  const char *pInNames[] = {"x"};
  const char *pOutNames[] = {"z"};
  profiledSession.Run(Ort::RunOptions{nullptr}, pInNames, &pIn, 1, pOutNames,
                      1);
  Ort::AllocatedStringPtr tracePath =
      profiledSession.EndProfilingAllocated(allocator);
  std::ifstream trace(tracePath.get());
  std::string json((std::istreambuf_iterator<char>(trace)),
                   std::istreambuf_iterator<char>());
  expect(json.find("\"name\":\"model_run\"") != std::string::npos,
         "trace: model_run");
  expect(json.find("_kernel_time\"") != std::string::npos,
         "trace: kernel events");
  expect(json.find("\"provider\":\"CPUExecutionProvider\"") !=
             std::string::npos,
         "trace: provider");
  std::remove(tracePath.get());
  expect(std::string(profiledSession.EndProfilingAllocated(allocator).get())
             .empty(),
         "profiling ends with the trace");

  if (argc == 4)
    runValuesModel(env, argv[3]);

  if (failures)
    return 1;
  std::printf("ok\n");
  return 0;
}
