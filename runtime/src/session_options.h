//===- session_options.h - The kiln_session_options object ---*- C++ -*-===//
#ifndef KILN_RUNTIME_SESSION_OPTIONS_H
#define KILN_RUNTIME_SESSION_OPTIONS_H

#include "kiln/kiln.h"

#include <cstdint>
#include <map>
#include <string>

struct kiln_session_options {
  /// Size of the session's thread pool, the calling thread included:
  /// 0 = one per hardware thread, 1 = run parallel loops inline.
  int32_t intraOpNumThreads = 0;
  int32_t interOpNumThreads = 0;
  std::map<std::string, std::string> config;

  /// The value of `key`, or `fallback` when it is not set.
  std::string configOr(const std::string &key,
                       const std::string &fallback) const {
    auto it = config.find(key);
    return it == config.end() ? fallback : it->second;
  }
};

namespace kiln::rt {
/// Config key: "0" disables the check that inputs sharing a dim_param agree
/// on its value (on by default; ORT has no such check).
inline constexpr const char *kConfigCheckSymbolicDims =
    "kiln.check_symbolic_dims";
/// Config key: "1" makes the session record kernel events
/// (kiln_session_options_enable_profiling).
inline constexpr const char *kConfigEnableProfiling = "kiln.enable_profiling";
} // namespace kiln::rt

#endif // KILN_RUNTIME_SESSION_OPTIONS_H
