//===- profiler.h - Kernel events of a profiling session -----*- C++ -*-===//
#ifndef KILN_RUNTIME_PROFILER_H
#define KILN_RUNTIME_PROFILER_H

#include "kiln/kiln.h"
#include "kiln/kiln_abi.h"
#include "run_context.h"

#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace kiln::rt {

/// The kernel events of one session. The artifact's kernel_begin/kernel_end
/// hooks write into the run's own RunContext without locking; the run's
/// events join the session's buffer, under a lock, when the run ends, so
/// concurrent runs only contend once per run.
class Profiler {
public:
  explicit Profiler(const kiln_artifact_t &artifact);

  /// Points the run's profiling hooks at this profiler's recording.
  void beginRun(RunContext &run) const;
  /// Moves the run's events into the session's buffer.
  void endRun(RunContext &run);

  size_t numKernels() const { return names_.size(); }
  const std::string &name(size_t k) const { return names_[k]; }
  const std::string &opName(size_t k) const { return opNames_[k]; }

  /// Moves up to `capacity` of the oldest events into `out`; returns how
  /// many (or, with `out` NULL, how many are recorded).
  size_t take(kiln_profile_event *out, size_t capacity);

private:
  std::vector<std::string> names_, opNames_;
  std::mutex mutex_;
  std::deque<KernelEvent> events_;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_PROFILER_H
