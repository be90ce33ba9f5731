//===- compile_options.cpp - Session options for the compiler -------------===//
//
// Graph optimization level, free dimension overrides and profiling change
// the code that is generated, so a runtime loading a finished artifact can
// only record them. They live in the options' config map under documented
// "kiln." keys, which keeps kiln_session_options a plain bag of settings
// and lets the code that compiles a model read them back by name.
//
//===----------------------------------------------------------------------===//

#include "session_options.h"
#include "status.h"

#include <string>

using namespace kiln::rt;

namespace {

kiln_session_options &requireOptions(kiln_session_options *options) {
  if (!options)
    fail(KILN_INVALID_ARGUMENT, "options is NULL");
  return *options;
}

bool isOrtOptimizationLevel(int32_t level) {
  // ORT_DISABLE_ALL, ORT_ENABLE_BASIC, ORT_ENABLE_EXTENDED, ORT_ENABLE_ALL.
  return level == 0 || level == 1 || level == 2 || level == 99;
}

} // namespace

extern "C" {

kiln_status *
kiln_session_options_set_graph_optimization_level(kiln_session_options *options,
                                                  int32_t level) {
  KILN_API_BEGIN
  kiln_session_options &opts = requireOptions(options);
  if (!isOrtOptimizationLevel(level))
    fail(KILN_INVALID_ARGUMENT,
         "Invalid graph optimization level: " + std::to_string(level) +
             " (expected 0, 1, 2 or 99)");
  opts.config["kiln.graph_optimization_level"] = std::to_string(level);
  KILN_API_END
}

kiln_status *kiln_session_options_add_free_dimension_override(
    kiln_session_options *options, const char *dim_name, int64_t dim_value) {
  KILN_API_BEGIN
  kiln_session_options &opts = requireOptions(options);
  if (!dim_name || *dim_name == '\0')
    fail(KILN_INVALID_ARGUMENT, "dim_name must be a non-empty string");
  if (dim_value < 0)
    fail(KILN_INVALID_ARGUMENT, "Invalid free dimension override value for " +
                                    std::string(dim_name) + ": " +
                                    std::to_string(dim_value));
  opts.config["kiln.free_dimension_override." + std::string(dim_name)] =
      std::to_string(dim_value);
  KILN_API_END
}

kiln_status *
kiln_session_options_enable_profiling(kiln_session_options *options,
                                      const char *profile_file_prefix) {
  KILN_API_BEGIN
  kiln_session_options &opts = requireOptions(options);
  opts.config["kiln.enable_profiling"] = "1";
  opts.config["kiln.profile_file_prefix"] =
      profile_file_prefix && *profile_file_prefix ? profile_file_prefix
                                                  : "onnxruntime_profile_";
  KILN_API_END
}

kiln_status *
kiln_session_options_disable_profiling(kiln_session_options *options) {
  KILN_API_BEGIN
  requireOptions(options).config["kiln.enable_profiling"] = "0";
  KILN_API_END
}

} // extern "C"
