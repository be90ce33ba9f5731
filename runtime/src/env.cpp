//===- env.cpp - kiln_env C API -------------------------------------------===//
//
// ORT's OrtEnv owns logging and global thread pools. Kiln sessions share no
// global state, so an env records its logging settings for code ported from
// ONNX Runtime and for the day the runtime logs.
//
//===----------------------------------------------------------------------===//

#include "status.h"

#include <string>

struct kiln_env {
  kiln_logging_level level;
  std::string logId;
};

using namespace kiln::rt;

namespace {

const kiln_env &requireEnv(const kiln_env *env) {
  if (!env)
    fail(KILN_INVALID_ARGUMENT, "env is NULL");
  return *env;
}

} // namespace

extern "C" {

kiln_status *kiln_env_create(kiln_logging_level level, const char *logid,
                             kiln_env **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (level < KILN_LOGGING_LEVEL_VERBOSE || level > KILN_LOGGING_LEVEL_FATAL)
    fail(KILN_INVALID_ARGUMENT,
         "Invalid logging level: " + std::to_string(static_cast<int>(level)));
  *out = new kiln_env{level, logid ? logid : ""};
  KILN_API_END
}

void kiln_env_release(kiln_env *env) { delete env; }

kiln_status *kiln_env_get_logging_level(const kiln_env *env,
                                        kiln_logging_level *out) {
  KILN_API_BEGIN
  const kiln_env &e = requireEnv(env);
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = e.level;
  KILN_API_END
}

kiln_status *kiln_env_get_log_id(const kiln_env *env, const char **out) {
  KILN_API_BEGIN
  const kiln_env &e = requireEnv(env);
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = e.logId.c_str();
  KILN_API_END
}

} // extern "C"
