// Runs examples/models/mobilenet_like.onnx compiled both ways, linked into
// this program (mnet_static, symbolic dims) and loaded from its shared object
// (mnet_shared, its shape pinned, for x86-64-v2 at -O2), on two threads,
// and compares their outputs: they agree to float rounding (the kernels
// differ with the CPU level).
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
    // Pinned to 2x3x48x40 (SHAPES): a fixed input, and the output into an
    // array of the caller's.
    static_assert(MNET_SHARED_INPUT_0_NUM_ELEMENTS == 2 * 3 * 48 * 40);
    static_assert(MNET_SHARED_OUTPUT_0_NUM_ELEMENTS == 2 * 10);
    kiln::Value a(nullptr);
    linked.run(x.data(), shape, a);
    std::vector<float> b(MNET_SHARED_OUTPUT_0_NUM_ELEMENTS);
    loaded.run(x.data(), b.data());
    const float *pa = a.GetTensorMutableData<float>();
    const float *pb = b.data();
    double sum = 0, diff = 0;
    for (int i = 0; i < 2 * 10; ++i) {
      sum += pa[i];
      diff = std::fmax(diff, std::fabs(double(pa[i]) - pb[i]));
    }
    // PROFILE: the linked-in model names its kernels.
    size_t kernels = 0;
    kiln::Status(kiln_session_get_kernel_count(linked.get(), &kernels))
        .throwIfError();
    std::printf("mobilenet probs sum %.6f maxdiff %g, %zu profiled kernels\n",
                sum, diff, kernels);
    if (kernels == 0)
      return 1;
    // Softmax rows: each sums to 1.
    return diff < 1e-5 && std::fabs(sum - 2) < 1e-4 ? 0 : 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
