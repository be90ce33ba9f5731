//===- ort_cxx_onnx_program.cpp - ORT C++ code opening an .onnx -----------===//
//
// An ONNX Runtime program opens the model file itself. Written against
// onnxruntime_cxx_api.h (one include swapped), run by ctest on
// examples/models/mobilenet_like.onnx with KILN_CACHE_DIR set to an empty
// folder: the runtime compiles the model through libkilncompiler (loaded on
// demand) into that cache, a second session opens the cached artifact
// without compiling, both give the same softmax rows, the session options
// (a free dimension override) reach the compiler, a damaged cache entry is
// rebuilt, and a file that is not a model is ORT's INVALID_PROTOBUF. Then
// the steps of ORT's C++ squeezenet sample (names from
// GetInputNameAllocated kept in AllocatedStringPtr's, the element type read
// into ONNXTensorElementDataType and printed, symbolic dims set, a tensor
// over caller memory, Run, GetTensorMutableData), whose probabilities are
// compared with onnxruntime's for the same input (written by
// ort_reference.py). Prints "ok" when every check holds.
//
//===----------------------------------------------------------------------===//

#include <kiln/onnxruntime_cxx_api.h> // was <onnxruntime_cxx_api.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

int failures = 0;

void expect(bool ok, const std::string &what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
    ++failures;
  }
}

int artifactsIn(const std::string &dir) {
  int count = 0;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 3 && name[0] != '.' &&
          name.compare(name.size() - 3, 3, ".so") == 0)
        ++count;
    }
    closedir(d);
  }
  return count;
}

std::string firstArtifact(const std::string &dir) {
  std::string found;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string name = e->d_name;
      if (found.empty() && name.size() > 3 && name[0] != '.' &&
          name.compare(name.size() - 3, 3, ".so") == 0)
        found = dir + "/" + name;
    }
    closedir(d);
  }
  return found;
}

std::vector<float> classify(Ort::Session &session,
                            std::vector<int64_t> &shape) {
  Ort::MemoryInfo memoryInfo =
      Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::vector<float> image(2 * 3 * 48 * 40);
  for (size_t i = 0; i < image.size(); ++i)
    image[i] = std::sin(0.01f * float(i));
  std::vector<int64_t> imageShape = {2, 3, 48, 40};
  Ort::Value input =
      Ort::Value::CreateTensor<float>(memoryInfo, image.data(), image.size(),
                                      imageShape.data(), imageShape.size());
  const char *inNames[] = {"image"}, *outNames[] = {"probs"};
  std::vector<Ort::Value> out =
      session.Run(Ort::RunOptions{nullptr}, inNames, &input, 1, outNames, 1);
  shape = out[0].GetTensorTypeAndShapeInfo().GetShape();
  const float *p = out[0].GetTensorData<float>();
  return std::vector<float>(p, p + 20);
}

/// ORT's C++ sample, step by step, on the model: returns the output.
std::vector<float> sampleSteps(Ort::Env &env, const char *modelPath) {
  Ort::SessionOptions sessionOptions;
  sessionOptions.SetIntraOpNumThreads(1);
  sessionOptions.SetGraphOptimizationLevel(
      GraphOptimizationLevel::ORT_ENABLE_EXTENDED);
  Ort::Session session(env, modelPath, sessionOptions);

  Ort::AllocatorWithDefaultOptions allocator;
  const size_t numInputNodes = session.GetInputCount();
  std::vector<Ort::AllocatedStringPtr> inputNamesPtr;
  std::vector<const char *> inputNodeNames;
  std::vector<int64_t> inputNodeDims;
  for (size_t i = 0; i < numInputNodes; i++) {
    auto inputName = session.GetInputNameAllocated(i, allocator);
    inputNodeNames.push_back(inputName.get());
    inputNamesPtr.push_back(std::move(inputName));
    auto typeInfo = session.GetInputTypeInfo(i);
    auto tensorInfo = typeInfo.GetTensorTypeAndShapeInfo();
    ONNXTensorElementDataType type = tensorInfo.GetElementType();
    std::cout << "Input " << i << " : type = " << type << '\n';
    expect(type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, "float input");
    switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
      break;
    default:
      expect(false, "a switch on ORT's element type");
    }
    inputNodeDims = tensorInfo.GetShape();
  }
  expect(numInputNodes == 1 && std::string(inputNodeNames[0]) == "image",
         "the input's name");
  expect(inputNodeDims.size() == 4 && inputNodeDims[0] == -1,
         "a symbolic batch dim is -1");
  // The model's N, H and W are symbolic: 2 images of 48 x 40.
  const int64_t chosen[4] = {2, 3, 48, 40};
  for (size_t d = 0; d < inputNodeDims.size() && d < 4; ++d)
    if (inputNodeDims[d] < 0)
      inputNodeDims[d] = chosen[d];
  auto outputName = session.GetOutputNameAllocated(0, allocator);
  std::vector<const char *> outputNodeNames = {outputName.get()};

  size_t inputTensorSize = 1;
  for (int64_t d : inputNodeDims)
    inputTensorSize *= static_cast<size_t>(d);
  std::vector<float> inputTensorValues(inputTensorSize);
  for (size_t i = 0; i < inputTensorSize; ++i)
    inputTensorValues[i] = std::sin(0.01f * float(i));
  auto memoryInfo =
      Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  auto inputTensor =
      Ort::Value::CreateTensor<float>(memoryInfo, inputTensorValues.data(),
                                      inputTensorSize, inputNodeDims.data(), 4);
  expect(inputTensor.IsTensor(), "IsTensor");
  Ort::ConstMemoryInfo where = inputTensor.GetTensorMemoryInfo();
  expect(where.GetAllocatorName() == "Cpu", "the tensor's memory info");

  auto outputTensors =
      session.Run(Ort::RunOptions{nullptr}, inputNodeNames.data(), &inputTensor,
                  1, outputNodeNames.data(), 1);
  expect(outputTensors.size() == 1 && outputTensors.front().IsTensor(),
         "one tensor out");
  float *floatarr = outputTensors.front().GetTensorMutableData<float>();
  size_t count =
      outputTensors.front().GetTensorTypeAndShapeInfo().GetElementCount();
  for (int i = 0; i < 5; i++)
    std::cout << "Score for class [" << i << "] =  " << floatarr[i] << '\n';

  // ORT's Status, as code passing errors around holds them.
  Ort::Status fine(nullptr);
  expect(fine.IsOK() && fine.GetErrorCode() == ORT_OK, "an OK Status");
  try {
    const char *wrong[] = {"no_such_input"};
    session.Run(Ort::RunOptions{nullptr}, wrong, &inputTensor, 1,
                outputNodeNames.data(), 1);
  } catch (const Ort::Exception &e) {
    Ort::Status status(e);
    OrtErrorCode code = status.GetErrorCode();
    expect(!status.IsOK() && code == ORT_INVALID_ARGUMENT,
           "Status from an exception");
    expect(status.GetErrorMessage().find("no_such_input") != std::string::npos,
           "the Status' message");
  }
  return std::vector<float>(floatarr, floatarr + count);
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: %s model.onnx scratch-dir [ort-probs]\n",
                 argv[0]);
    return 2;
  }
  const std::string model = argv[1], scratch = argv[2];
  const char *cache = std::getenv("KILN_CACHE_DIR");
  if (!cache) {
    std::fprintf(stderr, "KILN_CACHE_DIR must name an empty folder\n");
    return 2;
  }
  Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "onnx");
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(2);
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  options.AddFreeDimensionOverrideByName("N", 2);

  auto start = std::chrono::steady_clock::now();
  Ort::Session first(env, model.c_str(), options);
  double compileMs = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  expect(artifactsIn(cache) == 1, "one artifact in the cache");
  std::string entry = firstArtifact(cache);
  // The override reached the compiler: N is 2 in the signature.
  std::vector<int64_t> inShape =
      first.GetInputTypeInfo(0).GetTensorTypeAndShapeInfo().GetShape();
  expect(inShape.size() == 4 && inShape[0] == 2, "N pinned to 2");

  std::vector<int64_t> shape;
  std::vector<float> a = classify(first, shape);
  expect(shape == std::vector<int64_t>({2, 10}), "probs [2, 10]");
  for (int row = 0; row < 2; ++row) {
    double sum = 0;
    for (int j = 0; j < 10; ++j)
      sum += a[row * 10 + j];
    expect(std::fabs(sum - 1.0) < 1e-5, "a softmax row sums to 1");
  }

  start = std::chrono::steady_clock::now();
  Ort::Session second(env, model.c_str(), options);
  double cachedMs = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  expect(artifactsIn(cache) == 1, "the second session reuses the artifact");
  std::vector<float> b = classify(second, shape);
  expect(a == b, "both sessions compute the same");

  // Other options are another artifact.
  Ort::SessionOptions basic;
  basic.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_BASIC);
  basic.AddFreeDimensionOverrideByName("N", 2);
  Ort::Session third(env, model.c_str(), basic);
  expect(artifactsIn(cache) == 2, "another optimization level compiles again");
  std::vector<float> c = classify(third, shape);
  for (size_t i = 0; i < c.size(); ++i)
    expect(std::fabs(c[i] - a[i]) < 1e-4f, "levels agree");

  // A damaged cache entry (replaced, as another process would write it) is
  // rebuilt, not loaded.
  {
    std::string damaged = std::string(cache) + "/.damaged";
    std::ofstream(damaged) << "\x7f"
                              "ELF truncated";
    expect(!entry.empty() && std::rename(damaged.c_str(), entry.c_str()) == 0,
           "replace the cache entry");
  }
  Ort::Session rebuilt(env, model.c_str(), options);
  b = classify(rebuilt, shape);
  expect(a == b, "the rebuilt artifact computes the same");

  // A file that is not a model.
  std::string garbage = scratch + "/not_a_model.onnx";
  std::ofstream(garbage) << "not a protobuf";
  try {
    Ort::Session bad(env, garbage.c_str(), options);
    expect(false, "a file that is not a model is refused");
  } catch (const Ort::Exception &e) {
    expect(e.GetOrtErrorCode() == ORT_INVALID_PROTOBUF,
           std::string("INVALID_PROTOBUF, got: ") + e.what());
  }
  std::vector<float> probs = sampleSteps(env, model.c_str());
  double maxDiff = -1;
  if (argc == 4) {
    // onnxruntime's probabilities for the same input.
    std::ifstream in(argv[3], std::ios::binary);
    std::vector<float> theirs(probs.size());
    in.read(reinterpret_cast<char *>(theirs.data()),
            std::streamsize(theirs.size() * sizeof(float)));
    expect(in.gcount() == std::streamsize(theirs.size() * sizeof(float)) &&
               in.peek() == EOF,
           "onnxruntime's output has as many values");
    maxDiff = 0;
    for (size_t i = 0; i < probs.size(); ++i)
      maxDiff = std::max(maxDiff, double(std::fabs(probs[i] - theirs[i])));
    expect(maxDiff < 1e-5, "the same probabilities as onnxruntime");
  }
  if (failures)
    return 1;
  std::printf("ok: compiled in %.0f ms, opened from the cache in %.1f ms; "
              "max |kiln - onnxruntime| %.2g\n",
              compileMs, cachedMs, maxDiff);
  return 0;
}
