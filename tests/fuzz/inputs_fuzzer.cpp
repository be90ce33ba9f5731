//===- inputs_fuzzer.cpp - A session's run with any inputs ---------------===//
//
// Feeds a session of a small artifact (fake_add: z[b, 3] = x[b, 3] +
// y[1, 3]) inputs decoded from the fuzzer's bytes: names (right, wrong,
// repeated, missing), element types (valid or not), ranks, dims (negative,
// zero, huge) and data sizes. Every run must succeed or fail with a
// status; none may crash, hang or read past what it was given.
//
//===----------------------------------------------------------------------===//

#include "kiln/kiln.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

/// Takes bytes off the front of the fuzzer's input (zeros once it is used
/// up).
struct Reader {
  const uint8_t *data;
  size_t size;
  uint64_t take(size_t bytes) {
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) {
      v |= uint64_t(size ? *data : 0) << (8 * i);
      if (size)
        ++data, --size;
    }
    return v;
  }
};

kiln_session *session() {
  static kiln_session *s = [] {
    kiln_session *out = nullptr;
    kiln_status *st = kiln_session_create(KILN_FAKE_ADD, nullptr, &out);
    if (st)
      __builtin_trap(); // the fuzzer cannot run without its artifact
    return out;
  }();
  return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Reader in{data, size};
  const char *names[] = {"x", "y", "z", "", "xx"};
  size_t count = in.take(1) % 4;
  std::vector<const char *> inputNames;
  std::vector<kiln_value *> values;
  std::vector<std::vector<uint8_t>> buffers;
  for (size_t i = 0; i < count; ++i) {
    inputNames.push_back(names[in.take(1) % 5]);
    int32_t type = static_cast<int32_t>(in.take(1)) - 8; // some invalid
    size_t rank = in.take(1) % 5;
    std::vector<int64_t> shape;
    for (size_t d = 0; d < rank; ++d) {
      uint8_t kind = static_cast<uint8_t>(in.take(1));
      // Mostly small dims, sometimes negative or near 2^62.
      int64_t dim = kind < 200   ? kind % 8
                    : kind < 230 ? -int64_t(kind % 3)
                                 : (int64_t(1) << 62) + kind;
      shape.push_back(dim);
    }
    // A tensor over a buffer of a fuzzed length, which may not match the
    // shape: creation must check it.
    size_t bytes = in.take(2) % 4096;
    buffers.emplace_back(bytes, 0x3f);
    kiln_value *v = nullptr;
    kiln_status *st = kiln_value_create_tensor_with_data(
        type, buffers.back().data(), bytes, shape.data(), rank, &v);
    if (st) {
      kiln_status_release(st);
      v = nullptr;
    }
    values.push_back(v);
  }
  const char *outputs[] = {"z", "y"};
  size_t nOut = in.take(1) % 3;
  std::vector<kiln_value *> results(nOut, nullptr);
  kiln_status *st = kiln_session_run(
      session(), inputNames.data(),
      reinterpret_cast<const kiln_value *const *>(values.data()),
      values.size(), outputs, nOut, results.data());
  if (st)
    kiln_status_release(st);
  for (kiln_value *r : results)
    kiln_value_release(r);
  for (kiln_value *v : values)
    kiln_value_release(v);
  return 0;
}
