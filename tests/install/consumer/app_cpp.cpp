// Runs two models linked into this executable through their generated C++
// classes: tiny (y = Relu(x W), x: float[2, 3] once batch=2 is pinned;
// s = Shape(x)) and affine_static. Prints "tiny y", "tiny s" and
// "affine y" lines of numbers.
#include "affine_static.h"
#include "tiny.h"

#include <array>
#include <cstdio>

int main() {
  try {
    kiln::SessionOptions options;
    options.setIntraOpNumThreads(1);
    kiln::models::tiny tiny(options);
    static_assert(TINY_INPUT_0_NUM_ELEMENTS == 6, "x is [2, 3]");
    static_assert(TINY_OUTPUT_0_NUM_ELEMENTS == 8, "y is [2, 4]");
    std::array<float, TINY_INPUT_0_NUM_ELEMENTS> x{1, -2, 3, 0.5f, 4, -1};
    std::array<float, TINY_OUTPUT_0_NUM_ELEMENTS> y{};
    std::array<int64_t, TINY_OUTPUT_1_NUM_ELEMENTS> s{};
    tiny.run(x.data(), y.data(), s.data());
    std::printf("tiny y");
    for (float v : y)
      std::printf(" %.9g", v);
    std::printf("\ntiny s %lld %lld\n", (long long)s[0], (long long)s[1]);

    kiln::models::affine_static affine;
    float ax[2][4] = {{1, 2, 3, 4}, {-1, -2, -3, -4}};
    int64_t shape[2] = {2, 4};
    kiln::Value ay(nullptr);
    affine.run(&ax[0][0], shape, ay);
    const float *data = ay.GetTensorMutableData<float>();
    std::printf("affine y");
    for (int i = 0; i < 8; ++i)
      std::printf(" %.9g", data[i]);
    std::printf("\n");

    // Errors are kiln::Exception with ONNX Runtime's codes.
    try {
      float wrong[2][4] = {};
      int64_t badShape[2] = {2, 3};
      affine.run(&wrong[0][0], badShape, ay);
      std::fprintf(stderr, "a [2, 3] input was accepted\n");
      return 1;
    } catch (const kiln::Exception &e) {
      if (e.code() != kiln::ErrorCode::InvalidArgument)
        throw;
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
