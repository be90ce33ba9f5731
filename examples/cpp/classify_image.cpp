//===- classify_image.cpp - Loading a compiled model from an application --===//
//
// The application links only libkilnrt; the model was compiled to a shared
// object at build time (see examples/CMakeLists.txt).
//
//   classify_image mobilenet_like.so [height width]
//
//===----------------------------------------------------------------------===//

#include <kiln/kiln.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>

int main(int argc, char **argv) {
  if (argc < 2) {
    std::cerr << "usage: classify_image MODEL.so [height width]\n";
    return 2;
  }
  int64_t height = argc > 3 ? std::atoll(argv[2]) : 32;
  int64_t width = argc > 3 ? std::atoll(argv[3]) : 32;
  try {
    kiln::InferenceSession session(argv[1]);
    for (const auto &in : session.inputs())
      std::cout << "input  " << in.toString() << "\n";
    for (const auto &out : session.outputs())
      std::cout << "output " << out.toString() << "\n";

    // A synthetic image: a smooth gradient, batch of one.
    std::vector<float> pixels(3 * height * width);
    for (size_t i = 0; i < pixels.size(); ++i)
      pixels[i] = std::sin(0.01f * static_cast<float>(i));
    kiln::Tensor image =
        kiln::Tensor::fromVector<float>({1, 3, height, width}, pixels);

    std::vector<kiln::Tensor> outputs = session.run({{"image", image}});
    const kiln::Tensor &probs = outputs.at(0);
    const float *p = probs.data<float>();
    int64_t classes = probs.shape().at(1);
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
