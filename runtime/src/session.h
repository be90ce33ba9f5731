//===- session.h - The kiln_session object -------------------*- C++ -*-===//
#ifndef KILN_RUNTIME_SESSION_H
#define KILN_RUNTIME_SESSION_H

#include "artifact_loader.h"
#include "device/cuda_device.h"
#include "io_signature.h"
#include "profiler.h"
#include "run_context.h"
#include "session_options.h"
#include "thread_pool.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

struct kiln_session {
  /// `device` is the CUDA device of a CUDA artifact (openSession).
  kiln_session(std::unique_ptr<kiln::rt::LoadedArtifact> loaded,
               std::unique_ptr<kiln::rt::CudaDevice> device,
               kiln_session_options options);

  /// Implements kiln_session_run over graph values; throws KilnError.
  /// `outputDevices` (may be null) says where NULL outputs are allocated
  /// (kiln_session_run_with_output_devices).
  void run(const char *const *inputNames, const kiln_value *const *inputs,
           size_t numInputs, const char *const *outputNames, size_t numOutputs,
           kiln_value **outputs, const int32_t *outputDevices = nullptr);

  /// Runs over the artifact's tensor slots: the whole run of a model whose
  /// values are all tensors, and what `run` does for the others once it has
  /// taken their values apart.
  void runSlots(const char *const *inputNames, const kiln_value *const *inputs,
                size_t numInputs, const char *const *outputNames,
                size_t numOutputs, kiln_value **outputs,
                const int32_t *outputDevices = nullptr);

private:
  /// `run` for models with sequences, maps or optionals at their edges.
  void runValues(const char *const *inputNames, const kiln_value *const *inputs,
                 size_t numInputs, const char *const *outputNames,
                 size_t numOutputs, kiln_value **outputs);

public:
  const kiln_artifact_t &artifact() const { return loaded->artifact(); }

  std::unique_ptr<kiln::rt::LoadedArtifact> loaded;
  kiln_session_options options;
  kiln::rt::IoSignature signature;
  /// Key/value pairs viewing the artifact's metadata string.
  std::vector<std::pair<const char *, const char *>> metadata;
  bool checkSymbolicDims;
  /// The GPU of a CUDA artifact's session (null for the CPU), opened when
  /// the session is created; declared before the contexts, whose streams
  /// and memory it owns, so that it outlives them.
  std::unique_ptr<kiln::rt::CudaDevice> device;
  kiln::rt::RunContextPool contexts;
  /// intra_op_num_threads threads (the caller included), shared by the
  /// session's concurrent runs.
  kiln::rt::ThreadPool threads;
  /// Set when the options enable profiling: runs record kernel events.
  std::unique_ptr<kiln::rt::Profiler> profiler;
  /// Why a CUDA artifact's CPU copy runs instead (openSession); empty when
  /// the artifact runs as given.
  std::string cpuFallbackReason;
};

namespace kiln::rt {
/// The CUDA device options of `options` (kConfigCudaDeviceId,
/// kConfigCudaMemLimit); throws INVALID_ARGUMENT on a malformed value.
CudaOptions cudaOptions(const kiln_session_options &options);

/// A session on `loaded`, with its CUDA device opened for a CUDA
/// artifact. When the device cannot be used (EP_FAIL) and `options` allow
/// the CPU (kConfigCudaCpuFallback), the artifact's CPU copy is opened
/// instead; without one, the error says how to make one.
kiln_session *openSession(std::unique_ptr<LoadedArtifact> loaded,
                          kiln_session_options options);
} // namespace kiln::rt

#endif // KILN_RUNTIME_SESSION_H
