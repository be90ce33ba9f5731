//===- run_options.cpp - kiln_run_options and runs that use them ----------===//

#include "session.h"
#include "status.h"
#include "value.h"

#include <atomic>
#include <map>
#include <string>
#include <vector>

/// ORT's OrtRunOptions. `terminate` is atomic because ORT lets another
/// thread set it to stop runs in flight.
struct kiln_run_options {
  std::string runTag;
  int32_t logSeverityLevel = KILN_LOGGING_LEVEL_WARNING;
  std::atomic<bool> terminate{false};
  std::map<std::string, std::string> config;
};

using namespace kiln::rt;

namespace {

kiln_run_options &requireRunOptions(kiln_run_options *options) {
  if (!options)
    fail(KILN_INVALID_ARGUMENT, "run options is NULL");
  return *options;
}

const kiln_run_options &requireRunOptions(const kiln_run_options *options) {
  return requireRunOptions(const_cast<kiln_run_options *>(options));
}

[[noreturn]] void failTerminated() {
  // ORT's text, from its executors.
  fail(KILN_FAIL, "Exiting due to terminate flag being set to true.");
}

bool terminating(const kiln_run_options *options) {
  return options && options->terminate.load(std::memory_order_acquire);
}

/// Runs the session; if the terminate flag was raised meanwhile, releases
/// the outputs this run allocated (restoring their NULL slots) and fails.
void runHonouringTerminate(kiln_session &session,
                           const kiln_run_options *options,
                           const char *const *inputNames,
                           const kiln_value *const *inputs, size_t numInputs,
                           const char *const *outputNames, size_t numOutputs,
                           kiln_value **outputs,
                           const int32_t *outputDevices = nullptr) {
  if (terminating(options))
    failTerminated();
  std::vector<bool> allocatedHere(numOutputs);
  for (size_t o = 0; outputs && o < numOutputs; ++o)
    allocatedHere[o] = outputs[o] == nullptr;
  session.run(inputNames, inputs, numInputs, outputNames, numOutputs, outputs,
              outputDevices);
  if (!terminating(options))
    return;
  for (size_t o = 0; o < numOutputs; ++o)
    if (allocatedHere[o]) {
      kiln_value_release(outputs[o]);
      outputs[o] = nullptr;
    }
  failTerminated();
}

} // namespace

extern "C" {

kiln_status *kiln_run_options_create(kiln_run_options **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = new kiln_run_options();
  KILN_API_END
}

void kiln_run_options_release(kiln_run_options *options) { delete options; }

kiln_status *kiln_run_options_set_run_tag(kiln_run_options *options,
                                          const char *tag) {
  KILN_API_BEGIN
  kiln_run_options &opts = requireRunOptions(options);
  if (!tag)
    fail(KILN_INVALID_ARGUMENT, "run tag is NULL");
  opts.runTag = tag;
  KILN_API_END
}

kiln_status *kiln_run_options_get_run_tag(const kiln_run_options *options,
                                          const char **out) {
  KILN_API_BEGIN
  const kiln_run_options &opts = requireRunOptions(options);
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = opts.runTag.c_str();
  KILN_API_END
}

kiln_status *kiln_run_options_set_log_severity_level(kiln_run_options *options,
                                                     int32_t level) {
  KILN_API_BEGIN
  kiln_run_options &opts = requireRunOptions(options);
  if (level < KILN_LOGGING_LEVEL_VERBOSE || level > KILN_LOGGING_LEVEL_FATAL)
    fail(KILN_INVALID_ARGUMENT,
         "Invalid run log severity level: " + std::to_string(level));
  opts.logSeverityLevel = level;
  KILN_API_END
}

kiln_status *
kiln_run_options_get_log_severity_level(const kiln_run_options *options,
                                        int32_t *out) {
  KILN_API_BEGIN
  const kiln_run_options &opts = requireRunOptions(options);
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = opts.logSeverityLevel;
  KILN_API_END
}

kiln_status *kiln_run_options_set_terminate(kiln_run_options *options) {
  KILN_API_BEGIN
  requireRunOptions(options).terminate.store(true, std::memory_order_release);
  KILN_API_END
}

kiln_status *kiln_run_options_unset_terminate(kiln_run_options *options) {
  KILN_API_BEGIN
  requireRunOptions(options).terminate.store(false, std::memory_order_release);
  KILN_API_END
}

kiln_status *kiln_run_options_add_config_entry(kiln_run_options *options,
                                               const char *key,
                                               const char *value) {
  KILN_API_BEGIN
  kiln_run_options &opts = requireRunOptions(options);
  if (!key || !value)
    fail(KILN_INVALID_ARGUMENT, "key and value must not be NULL");
  if (*key == '\0')
    fail(KILN_INVALID_ARGUMENT, "Config key is empty");
  opts.config[key] = value;
  KILN_API_END
}

kiln_status *kiln_run_options_get_config_entry(const kiln_run_options *options,
                                               const char *key,
                                               const char **out) {
  KILN_API_BEGIN
  const kiln_run_options &opts = requireRunOptions(options);
  if (!key || !out)
    fail(KILN_INVALID_ARGUMENT, "key and out must not be NULL");
  auto it = opts.config.find(key);
  *out = it == opts.config.end() ? nullptr : it->second.c_str();
  KILN_API_END
}

kiln_status *kiln_session_run_with_options(kiln_session *session,
                                           const kiln_run_options *run_options,
                                           const char *const *input_names,
                                           const kiln_value *const *inputs,
                                           size_t n_in,
                                           const char *const *output_names,
                                           size_t n_out, kiln_value **outputs) {
  KILN_API_BEGIN
  if (!session)
    fail(KILN_INVALID_ARGUMENT, "session is NULL");
  runHonouringTerminate(*session, run_options, input_names, inputs, n_in,
                        output_names, n_out, outputs);
  KILN_API_END
}

kiln_status *kiln_session_run_with_output_devices(
    kiln_session *session, const kiln_run_options *run_options,
    const char *const *input_names, const kiln_value *const *inputs,
    size_t n_in, const char *const *output_names, size_t n_out,
    const int32_t *output_devices, kiln_value **outputs) {
  KILN_API_BEGIN
  if (!session)
    fail(KILN_INVALID_ARGUMENT, "session is NULL");
  runHonouringTerminate(*session, run_options, input_names, inputs, n_in,
                        output_names, n_out, outputs, output_devices);
  KILN_API_END
}

} // extern "C"
