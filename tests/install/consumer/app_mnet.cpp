// Runs examples/models/mobilenet_like.onnx compiled both ways, linked into
// this program (mnet_static) and loaded from its shared object
// (mnet_shared), on two threads, and compares their outputs: they must be
// the same computation.
#include "mnet_shared.h"
#include "mnet_static.h"

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  try {
    std::vector<float> x(2 * 3 * 48 * 40);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = std::sin(0.01f * static_cast<float>(i));
    int64_t shape[4] = {2, 3, 48, 40};
    kiln::SessionOptions options;
    options.setIntraOpNumThreads(2);
    kiln::models::mnet_static linked(options);
    kiln::models::mnet_shared loaded(options);
    kiln::Value a(nullptr), b(nullptr);
    linked.run(x.data(), shape, a);
    loaded.run(x.data(), shape, b);
    const float *pa = a.GetTensorMutableData<float>();
    const float *pb = b.GetTensorMutableData<float>();
    double sum = 0, diff = 0;
    for (int i = 0; i < 2 * 10; ++i) {
      sum += pa[i];
      diff = std::fmax(diff, std::fabs(double(pa[i]) - pb[i]));
    }
    std::printf("mobilenet probs sum %.6f maxdiff %g\n", sum, diff);
    // Softmax rows: each sums to 1.
    return diff == 0 && std::fabs(sum - 2) < 1e-4 ? 0 : 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
