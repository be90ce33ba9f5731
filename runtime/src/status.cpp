//===- status.cpp - kiln_status C API -------------------------------------===//

#include "status.h"

#include <cstring>

#include <new>

namespace kiln::rt {

// Returned when even the status cannot be allocated: a status without its
// real message is still better than NULL, which would mean success.
static kiln_status outOfMemoryStatus{KILN_RUNTIME_EXCEPTION, "out of memory"};

kiln_status *makeStatus(kiln_error_code code,
                        const std::string &message) noexcept {
  try {
    return new kiln_status{code, message};
  } catch (...) {
    return &outOfMemoryStatus;
  }
}

kiln_status *statusFromCurrentException() noexcept {
  try {
    throw;
  } catch (const KilnError &e) {
    return makeStatus(e.code(), e.what());
  } catch (const std::bad_alloc &) {
    return makeStatus(KILN_RUNTIME_EXCEPTION, "out of memory");
  } catch (const std::exception &e) {
    return makeStatus(KILN_RUNTIME_EXCEPTION, e.what());
  } catch (...) {
    return makeStatus(KILN_RUNTIME_EXCEPTION, "unknown exception");
  }
}

} // namespace kiln::rt

extern "C" {

kiln_status *kiln_status_create(kiln_error_code code, const char *message) {
  return kiln::rt::makeStatus(code, message ? message : "");
}

kiln_error_code kiln_status_code(const kiln_status *status) {
  return status ? status->code : KILN_OK;
}

const char *kiln_status_message(const kiln_status *status) {
  return status ? status->message.c_str() : "";
}

void kiln_status_release(kiln_status *status) {
  if (status != &kiln::rt::outOfMemoryStatus)
    delete status;
}

const char *kiln_error_code_name(kiln_error_code code) {
  // C callers may pass any int: read it as one (loading an enum value
  // outside its range is undefined in C++; UBSan caught 42).
  int value;
  std::memcpy(&value, &code, sizeof value);
  switch (value) {
  case KILN_OK:
    return "OK";
  case KILN_FAIL:
    return "FAIL";
  case KILN_INVALID_ARGUMENT:
    return "INVALID_ARGUMENT";
  case KILN_NO_SUCHFILE:
    return "NO_SUCHFILE";
  case KILN_NO_MODEL:
    return "NO_MODEL";
  case KILN_ENGINE_ERROR:
    return "ENGINE_ERROR";
  case KILN_RUNTIME_EXCEPTION:
    return "RUNTIME_EXCEPTION";
  case KILN_INVALID_PROTOBUF:
    return "INVALID_PROTOBUF";
  case KILN_MODEL_LOADED:
    return "MODEL_LOADED";
  case KILN_NOT_IMPLEMENTED:
    return "NOT_IMPLEMENTED";
  case KILN_INVALID_GRAPH:
    return "INVALID_GRAPH";
  case KILN_EP_FAIL:
    return "EP_FAIL";
  }
  return "UNKNOWN";
}

} // extern "C"
