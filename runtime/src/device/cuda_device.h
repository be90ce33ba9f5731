//===- cuda_device.h - A session's GPU: modules, constants, memory -*- C++ -*-===//
//
// What a session of a CUDA artifact holds on its device, made once when
// the session is created: the primary context of device `device_id`, each
// kernel's module loaded from the PTX of the highest architecture the
// device runs (PTX is JIT-compiled forward, never backward), and a device
// copy of every constant the kernels read. Runs allocate through their
// arena from this device's managed memory (BlockSource), launch on their
// own stream and wait on it (docs/architecture.md, "The CUDA provider").
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_DEVICE_CUDA_DEVICE_H
#define KILN_RUNTIME_DEVICE_CUDA_DEVICE_H

#include "arena.h"
#include "device/cuda_driver.h"
#include "device/cuda_memory.h"
#include "kiln/kiln_abi.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::rt {

/// How a session uses its GPU (kiln_session_options' config keys
/// kiln.cuda.device_id and kiln.cuda.gpu_mem_limit).
struct CudaOptions {
  int deviceId = 0;
  /// Bytes of device memory the session's arenas may hold; 0: no limit.
  uint64_t memoryLimit = 0;
};

class CudaDevice : public BlockSource {
public:
  /// Opens device `options.deviceId` for `artifact` (KILN_PROVIDER_CUDA):
  /// loads every kernel and uploads every constant. Throws KilnError
  /// (EP_FAIL) when there is no driver or device, or no PTX the device
  /// can run.
  CudaDevice(const kiln_artifact_t &artifact, const CudaOptions &options);
  ~CudaDevice() override;
  CudaDevice(const CudaDevice &) = delete;
  CudaDevice &operator=(const CudaDevice &) = delete;

  /// "sm_86": the device's architecture, and the chip whose PTX it runs.
  const std::string &deviceChip() const { return deviceChip_; }
  const std::string &loadedChip() const { return loadedChip_; }

  /// A stream for one run context (created on the session's device).
  cuda::CUstream createStream();
  void destroyStream(cuda::CUstream stream) noexcept;

  /// Makes the session's context current on the calling thread.
  void enter();
  /// The same where nothing may throw (destructors).
  void enterQuietly() noexcept;

  /// Queues kernel `kernel` on `stream`; `words` holds its parameters as
  /// the launch hook receives them. Returns "" or why the launch failed.
  std::string launch(cuda::CUstream stream, uint32_t kernel,
                     const uint64_t grid[3], const uint64_t block[3],
                     uint32_t sharedBytes, const uint64_t *words);
  /// Waits for `stream`; "" or why it failed.
  std::string sync(cuda::CUstream stream);

  /// Managed memory for the run arenas (BlockSource), within the limit.
  void *allocateBlock(uint64_t size, uint64_t alignment) override;
  void releaseBlock(void *ptr, uint64_t size) noexcept override;

  uint64_t bytesInUse() const { return bytesInUse_.load(); }

  /// The device's memory outside the session's arenas: device values
  /// (OrtValues on 'cuda') and the runs' copies to and from them.
  CudaMemory &memory() const { return *memory_; }

private:
  struct Kernel {
    cuda::CUmodule module = nullptr;
    cuda::CUfunction function = nullptr;
    /// Indices of the 'p' parameters, which may point into a constant.
    std::vector<uint32_t> pointerParams;
    size_t numParams = 0;
  };
  /// A constant's host range and where its copy lives on the device.
  struct Constant {
    uintptr_t host;
    uint64_t size;
    cuda::CUdeviceptr device;
  };

  void loadKernels(const kiln_artifact_t &artifact);
  void uploadConstants(const kiln_artifact_t &artifact);
  /// The device copy of host address `p` when it lies in a constant.
  uint64_t translate(uint64_t p) const;
  void releaseAll() noexcept;

  const cuda::Driver &driver_;
  CudaOptions options_;
  /// Holds the device's primary context for the session.
  std::shared_ptr<CudaMemory> memory_;
  cuda::CUcontext context_ = nullptr;
  int major_ = 0, minor_ = 0;
  std::string deviceChip_, loadedChip_;
  std::vector<Kernel> kernels_;
  /// Sorted by host address, disjoint.
  std::vector<Constant> constants_;
  std::atomic<uint64_t> bytesInUse_{0};
};

/// The architecture of CUDA device `deviceId` ("sm_86"), checked as a
/// session would check it; throws KilnError (EP_FAIL) saying why not.
std::string probeCudaDevice(int deviceId);

/// Which of `codes` a device of compute capability major.minor runs: the
/// highest architecture not above it ("sm_90a" only on 9.0 itself), or -1.
int selectCode(const kiln_device_code_t *codes, uint32_t numCodes, int major,
               int minor);

} // namespace kiln::rt

#endif // KILN_RUNTIME_DEVICE_CUDA_DEVICE_H
