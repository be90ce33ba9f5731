//===- test_support.h - Helpers shared by the runtime tests -----*- C++ -*-===//
#ifndef KILN_TESTS_RUNTIME_TEST_SUPPORT_H
#define KILN_TESTS_RUNTIME_TEST_SUPPORT_H

#include "kiln/kiln.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kiln_test {

/// "" for success, else "<NAME>: <message>"; releases the status.
inline std::string describe(kiln_status *status) {
  if (!status)
    return "";
  std::string out =
      std::string(kiln_error_code_name(kiln_status_code(status))) + ": " +
      kiln_status_message(status);
  kiln_status_release(status);
  return out;
}

/// Owns a session for the duration of a test.
struct SessionHolder {
  explicit SessionHolder(const char *path,
                         const kiln_session_options *options = nullptr) {
    std::string error = describe(kiln_session_create(path, options, &session));
    EXPECT_EQ(error, "") << "loading " << path;
  }
  ~SessionHolder() { kiln_session_release(session); }
  SessionHolder(const SessionHolder &) = delete;
  SessionHolder &operator=(const SessionHolder &) = delete;
  kiln_session *session = nullptr;
};

/// A tensor viewing a std::vector the test owns.
template <typename T> struct Wrapped {
  Wrapped(int32_t type, std::vector<T> values, std::vector<int64_t> shape)
      : data(std::move(values)) {
    EXPECT_EQ(describe(kiln_value_create_tensor_with_data(
                  type, data.data(), data.size() * sizeof(T), shape.data(),
                  shape.size(), &value)),
              "");
  }
  ~Wrapped() { kiln_value_release(value); }
  Wrapped(const Wrapped &) = delete;
  Wrapped &operator=(const Wrapped &) = delete;
  std::vector<T> data;
  kiln_value *value = nullptr;
};

/// Releases every value in the vector on scope exit.
struct OwnedValues {
  explicit OwnedValues(size_t n) : values(n, nullptr) {}
  ~OwnedValues() {
    for (kiln_value *v : values)
      kiln_value_release(v);
  }
  kiln_value **data() { return values.data(); }
  kiln_value *operator[](size_t i) const { return values[i]; }
  std::vector<kiln_value *> values;
};

inline std::vector<int64_t> shapeOf(const kiln_value *v) {
  const int64_t *dims = kiln_value_shape(v);
  return dims ? std::vector<int64_t>(dims, dims + kiln_value_rank(v))
              : std::vector<int64_t>();
}

template <typename T> std::vector<T> valuesOf(const kiln_value *v) {
  const T *p = static_cast<const T *>(kiln_value_data(v));
  return std::vector<T>(p, p + kiln_value_element_count(v));
}

} // namespace kiln_test

#endif // KILN_TESTS_RUNTIME_TEST_SUPPORT_H
