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
/// Config keys of CUDA sessions (ORT's CUDA provider options device_id
/// and gpu_mem_limit): the device's ordinal (default 0) and the bytes of
/// device memory the session's runs may hold (default: no limit).
inline constexpr const char *kConfigCudaDeviceId = "kiln.cuda.device_id";
inline constexpr const char *kConfigCudaMemLimit = "kiln.cuda.gpu_mem_limit";
/// Config keys for .onnx models the runtime compiles: "cuda" compiles for
/// the CUDA provider (ORT's AppendExecutionProvider_CUDA), with PTX for
/// kConfigCudaArchs ("sm_80,sm_90"; default: the device's architecture).
inline constexpr const char *kConfigExecutionProvider =
    "kiln.execution_provider";
inline constexpr const char *kConfigCudaArchs = "kiln.cuda.archs";
/// Config key: "1" lists the CPU after CUDA (ORT's providers list
/// ['CUDAExecutionProvider', 'CPUExecutionProvider']): when the CUDA device
/// cannot be used, a CUDA artifact that carries a CPU copy of its model
/// (kiln-compile --provider=cuda,cpu) runs that copy, and an .onnx is
/// compiled for the CPU.
inline constexpr const char *kConfigCudaCpuFallback = "kiln.cuda.cpu_fallback";
} // namespace kiln::rt

#endif // KILN_RUNTIME_SESSION_OPTIONS_H
