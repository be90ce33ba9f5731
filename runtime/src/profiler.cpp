//===- profiler.cpp - Kernel events of a profiling session ----------------===//

#include "profiler.h"

#include "session.h"
#include "status.h"

#include <algorithm>
#include <cstring>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace kiln::rt {

namespace {

/// CLOCK_MONOTONIC, the clock of Python's time.perf_counter_ns(), so the
/// Python layer can put kernel and session events on one time line.
int64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

RunContext &runOf(kiln_run_context_t *ctx) {
  return *static_cast<RunContext *>(ctx->runtime);
}

void hookKernelBegin(kiln_run_context_t *ctx, uint32_t kernel) {
  RunContext &run = runOf(ctx);
  if (kernel < run.kernelStarts.size())
    run.kernelStarts[kernel] = nowNs();
}

void hookKernelEnd(kiln_run_context_t *ctx, uint32_t kernel) {
  int64_t end = nowNs();
  RunContext &run = runOf(ctx);
  if (kernel >= run.kernelStarts.size())
    return;
  int64_t start = run.kernelStarts[kernel];
  run.kernelEvents.push_back({kernel, run.threadId, start, end - start});
}

} // namespace

Profiler::Profiler(const kiln_artifact_t &artifact) {
  // Each name is followed, after its NUL, by the kernel's op name (see
  // compiler/artifact/ArtifactModule.cpp).
  for (uint32_t k = 0; artifact.kernel_names && k < artifact.num_kernels; ++k) {
    const char *name = artifact.kernel_names[k];
    names_.emplace_back(name ? name : "");
    opNames_.emplace_back(name ? name + std::strlen(name) + 1 : "");
  }
}

void Profiler::beginRun(RunContext &run) const {
  run.abi.kernel_begin = &hookKernelBegin;
  run.abi.kernel_end = &hookKernelEnd;
  run.kernelStarts.assign(names_.size(), 0);
  run.kernelEvents.clear();
  run.kernelEvents.reserve(names_.size());
  run.threadId = static_cast<uint64_t>(syscall(SYS_gettid));
}

void Profiler::endRun(RunContext &run) {
  if (run.kernelEvents.empty())
    return;
  std::lock_guard<std::mutex> lock(mutex_);
  events_.insert(events_.end(), run.kernelEvents.begin(),
                 run.kernelEvents.end());
  run.kernelEvents.clear();
}

size_t Profiler::take(kiln_profile_event *out, size_t capacity) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!out)
    return events_.size();
  size_t n = std::min(capacity, events_.size());
  for (size_t i = 0; i < n; ++i) {
    const KernelEvent &e = events_[i];
    out[i] = {e.kernel, 0, e.threadId, e.startNs, e.durationNs};
  }
  events_.erase(events_.begin(), events_.begin() + n);
  return n;
}

} // namespace kiln::rt

using namespace kiln::rt;

extern "C" {

kiln_status *kiln_session_get_kernel_count(const kiln_session *session,
                                           size_t *out) {
  KILN_API_BEGIN
  if (!session || !out)
    fail(KILN_INVALID_ARGUMENT, "session and out must not be NULL");
  *out = session->artifact().kernel_names ? session->artifact().num_kernels : 0;
  KILN_API_END
}

kiln_status *kiln_session_get_kernel_name(const kiln_session *session,
                                          size_t index, const char **name,
                                          const char **op_name) {
  KILN_API_BEGIN
  if (!session || !name || !op_name)
    fail(KILN_INVALID_ARGUMENT, "session, name and op_name must not be NULL");
  const kiln_artifact_t &artifact = session->artifact();
  if (!artifact.kernel_names || index >= artifact.num_kernels)
    fail(KILN_INVALID_ARGUMENT,
         "kernel index " + std::to_string(index) + " is out of range");
  const char *n = artifact.kernel_names[index];
  *name = n ? n : "";
  *op_name = n ? n + std::strlen(n) + 1 : "";
  KILN_API_END
}

kiln_status *kiln_session_take_profile_events(kiln_session *session,
                                              kiln_profile_event *out,
                                              size_t capacity, size_t *count) {
  KILN_API_BEGIN
  if (!session || !count)
    fail(KILN_INVALID_ARGUMENT, "session and count must not be NULL");
  *count = session->profiler
               ? session->profiler->take(capacity ? out : nullptr, capacity)
               : 0;
  KILN_API_END
}

} // extern "C"
