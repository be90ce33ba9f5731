//===- status.h - The kiln_status object and helpers to make one -*- C++
//-*-===//
//
// Internal to the runtime. Errors travel inside the runtime as KilnError
// exceptions and are turned into a kiln_status at the C API boundary, so that
// deep helpers (validation, copying) can fail without threading status
// pointers through every call.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_STATUS_H
#define KILN_RUNTIME_STATUS_H

#include "kiln/kiln.h"

#include <stdexcept>
#include <string>

struct kiln_status {
  kiln_error_code code;
  std::string message;
};

namespace kiln::rt {

/// An error carrying an ONNX Runtime error code.
class KilnError : public std::runtime_error {
public:
  KilnError(kiln_error_code code, const std::string &message)
      : std::runtime_error(message), code_(code) {}
  kiln_error_code code() const { return code_; }

private:
  kiln_error_code code_;
};

[[noreturn]] inline void fail(kiln_error_code code,
                              const std::string &message) {
  throw KilnError(code, message);
}

/// Never throws: a status is what we return when things already went wrong.
kiln_status *makeStatus(kiln_error_code code,
                        const std::string &message) noexcept;

/// Converts the exception in flight into a status. Call only from a catch.
kiln_status *statusFromCurrentException() noexcept;

} // namespace kiln::rt

/// Wraps the body of a C API function: any exception becomes a status.
#define KILN_API_BEGIN try {
#define KILN_API_END                                                           \
  }                                                                            \
  catch (...) {                                                                \
    return ::kiln::rt::statusFromCurrentException();                           \
  }                                                                            \
  return nullptr;

#endif // KILN_RUNTIME_STATUS_H
