//===- classify_image.cpp - Loading a compiled model from an application --===//
//
// The application links only libkilnrt; the model was compiled to a shared
// object at build time (see examples/CMakeLists.txt). The code reads like an
// ONNX Runtime C++ program: Ort:: becomes kiln::.
//
//   classify_image mobilenet_like.so [height width]
//
//===----------------------------------------------------------------------===//

#include <kiln/kiln.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <numeric>

namespace {

/// "[1, 3, 'height', 'width'] float" from a declared input or output.
std::string describe(const kiln::TensorTypeAndShapeInfo &info) {
  std::vector<int64_t> shape = info.GetShape();
  std::vector<const char *> names = info.GetSymbolicDimensions();
  std::string out = "[";
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d)
      out += ", ";
    out += shape[d] >= 0 ? std::to_string(shape[d])
                         : "'" + std::string(names[d]) + "'";
  }
  return out + "] " + kiln::elementTypeName(info.GetElementType());
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::cerr << "usage: classify_image MODEL.so [height width]\n";
    return 2;
  }
  int64_t height = argc > 3 ? std::atoll(argv[2]) : 32;
  int64_t width = argc > 3 ? std::atoll(argv[3]) : 32;
  try {
    kiln::Env env(kiln::LoggingLevel::Warning, "classify_image");
    kiln::SessionOptions options;
    options.SetIntraOpNumThreads(1);
    kiln::Session session(env, argv[1], options);

    kiln::AllocatorWithDefaultOptions allocator;
    for (size_t i = 0; i < session.GetInputCount(); ++i)
      std::cout << "input  "
                << session.GetInputNameAllocated(i, allocator).get() << " "
                << describe(
                       session.GetInputTypeInfo(i).GetTensorTypeAndShapeInfo())
                << "\n";
    for (size_t i = 0; i < session.GetOutputCount(); ++i)
      std::cout << "output "
                << session.GetOutputNameAllocated(i, allocator).get() << " "
                << describe(
                       session.GetOutputTypeInfo(i).GetTensorTypeAndShapeInfo())
                << "\n";

    // A synthetic image: a smooth gradient, batch of one. The tensor wraps
    // the vector without copying it.
    std::vector<float> pixels(3 * height * width);
    for (size_t i = 0; i < pixels.size(); ++i)
      pixels[i] = std::sin(0.01f * static_cast<float>(i));
    const int64_t imageShape[] = {1, 3, height, width};
    kiln::MemoryInfo memoryInfo = kiln::MemoryInfo::CreateCpu(
        kiln::AllocatorType::Arena, kiln::MemType::Default);
    kiln::Value image = kiln::Value::CreateTensor<float>(
        memoryInfo, pixels.data(), pixels.size(), imageShape, 4);

    const char *inputNames[] = {"image"};
    std::string outputName = session.GetOutputNames().at(0);
    const char *outputNames[] = {outputName.c_str()};

    // The runtime allocates the output...
    std::vector<kiln::Value> outputs = session.Run(
        kiln::RunOptions{nullptr}, inputNames, &image, 1, outputNames, 1);
    kiln::TensorTypeAndShapeInfo probsInfo =
        outputs.at(0).GetTensorTypeAndShapeInfo();
    const float *p = outputs[0].GetTensorData<float>();
    int64_t classes = probsInfo.GetShape().at(1);

    // ...or fills one the application owns, in place.
    std::vector<float> preallocated(probsInfo.GetElementCount());
    std::vector<int64_t> probsShape = probsInfo.GetShape();
    kiln::Value into[] = {kiln::Value::CreateTensor<float>(
        memoryInfo, preallocated.data(), preallocated.size(), probsShape.data(),
        probsShape.size())};
    session.Run(kiln::RunOptions(), inputNames, &image, 1, outputNames, into,
                1);
    if (!std::equal(preallocated.begin(), preallocated.end(), p)) {
      std::cerr << "the preallocated output differs from the allocated one\n";
      return 1;
    }

    // An application may also embed the compiled model and load its bytes.
    std::ifstream file(argv[1], std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    kiln::Session fromBytes(env, bytes.data(), bytes.size(), options);
    std::vector<kiln::Value> again = fromBytes.Run(
        kiln::RunOptions{nullptr}, inputNames, &image, 1, outputNames, 1);
    if (!std::equal(preallocated.begin(), preallocated.end(),
                    again.at(0).GetTensorData<float>())) {
      std::cerr << "the session loaded from bytes computes other outputs\n";
      return 1;
    }

    std::vector<int> order(classes);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return p[a] > p[b]; });
    float sum = 0;
    for (int64_t i = 0; i < classes; ++i)
      sum += p[i];
    std::cout << "top-3:";
    for (int i = 0; i < 3 && i < classes; ++i)
      std::cout << " class " << order[i] << " (" << p[order[i]] << ")";
    std::cout << "\nsum of probabilities: " << sum << "\n";
    // Softmax output: the probabilities must sum to one.
    return std::fabs(sum - 1.0f) < 1e-4f ? 0 : 1;
  } catch (const kiln::Exception &e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
