//===- session_options.cpp - kiln_session_options C API -------------------===//

#include "session_options.h"

#include "status.h"

using namespace kiln::rt;

extern "C" {

kiln_status *kiln_session_options_create(kiln_session_options **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = new kiln_session_options();
  KILN_API_END
}

void kiln_session_options_release(kiln_session_options *options) {
  delete options;
}

kiln_status *kiln_session_options_clone(const kiln_session_options *options,
                                        kiln_session_options **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (!options)
    fail(KILN_INVALID_ARGUMENT, "options is NULL");
  *out = new kiln_session_options(*options);
  KILN_API_END
}

kiln_status *
kiln_session_options_set_intra_op_num_threads(kiln_session_options *options,
                                              int32_t num_threads) {
  KILN_API_BEGIN
  if (!options)
    fail(KILN_INVALID_ARGUMENT, "options is NULL");
  if (num_threads < 0)
    fail(KILN_INVALID_ARGUMENT, "intra_op_num_threads must be >= 0, got " +
                                    std::to_string(num_threads));
  options->intraOpNumThreads = num_threads;
  KILN_API_END
}

kiln_status *
kiln_session_options_set_inter_op_num_threads(kiln_session_options *options,
                                              int32_t num_threads) {
  KILN_API_BEGIN
  if (!options)
    fail(KILN_INVALID_ARGUMENT, "options is NULL");
  if (num_threads < 0)
    fail(KILN_INVALID_ARGUMENT, "inter_op_num_threads must be >= 0, got " +
                                    std::to_string(num_threads));
  options->interOpNumThreads = num_threads;
  KILN_API_END
}

kiln_status *
kiln_session_options_add_config_entry(kiln_session_options *options,
                                      const char *key, const char *value) {
  KILN_API_BEGIN
  if (!options || !key || !value)
    fail(KILN_INVALID_ARGUMENT, "options, key and value must not be NULL");
  if (*key == '\0')
    fail(KILN_INVALID_ARGUMENT, "Config key is empty");
  options->config[key] = value;
  KILN_API_END
}

kiln_status *
kiln_session_options_get_config_entry(const kiln_session_options *options,
                                      const char *key, const char **out) {
  KILN_API_BEGIN
  if (!options || !key || !out)
    fail(KILN_INVALID_ARGUMENT, "options, key and out must not be NULL");
  auto it = options->config.find(key);
  *out = it == options->config.end() ? nullptr : it->second.c_str();
  KILN_API_END
}

} // extern "C"
