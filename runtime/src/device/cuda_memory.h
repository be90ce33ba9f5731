//===- cuda_memory.h - A CUDA device's memory, outside sessions -*- C++ -*-===//
//
// Values on a CUDA device (ORT's OrtValue.ortvalue_from_numpy(x, 'cuda', 0),
// an IOBinding output bound to 'cuda') exist without a session and may
// outlive every session that reads them. They live in the memory of the
// device's primary context, which the driver shares with every session on
// that device (both retain it), so a pointer made here is valid in their
// launches as it is. One CudaMemory per device and process, held by the
// values and sessions that use it.
//
// Kiln allocates device values from managed memory, as the run arenas do:
// the host schedule of a CUDA artifact may read an input on the host (a
// scalar read, a host loop), which managed memory allows, so a run passes
// such a value to its launches without copying it. Memory Kiln did not
// allocate (a pointer bound with IOBinding.bind_input) may be plain device
// memory, which the host cannot read: a run copies it into its arena on
// the device first (describe() tells which is which).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_DEVICE_CUDA_MEMORY_H
#define KILN_RUNTIME_DEVICE_CUDA_MEMORY_H

#include "device/cuda_driver.h"

#include <cstddef>
#include <memory>
#include <string>

namespace kiln::rt {

/// "sm_86" for compute capability 8.6.
std::string cudaChipName(int major, int minor);

/// Opens device `deviceId` and checks what the CUDA provider needs of it
/// (managed memory the host may use while kernels run); its compute
/// capability in `major`.`minor`. Throws KilnError (EP_FAIL) saying why not.
cuda::CUdevice openCudaDevice(const cuda::Driver &d, int deviceId, int &major,
                              int &minor);

class CudaMemory {
public:
  /// Device `deviceId`'s memory, its primary context retained as long as
  /// the result is held. Throws KilnError (EP_FAIL) when there is no
  /// driver (or only the toolkit's stub), no such device, or one the
  /// provider cannot use.
  static std::shared_ptr<CudaMemory> forDevice(int deviceId);

  CudaMemory(const cuda::Driver &driver, int deviceId);
  ~CudaMemory();
  CudaMemory(const CudaMemory &) = delete;
  CudaMemory &operator=(const CudaMemory &) = delete;

  int deviceId() const { return deviceId_; }
  cuda::CUcontext context() const { return context_; }
  void capability(int &major, int &minor) const {
    major = major_;
    minor = minor_;
  }
  std::string chip() const { return cudaChipName(major_, minor_); }

  /// `bytes` of managed memory (at least 256-byte aligned; a real pointer
  /// for 0 bytes too). Throws KilnError (FAIL, ORT's "Failed to allocate
  /// memory") when the device has no more.
  void *allocate(size_t bytes);
  void release(void *ptr) noexcept;

  /// Copies `bytes` from `src` to `dst`, each in host or device memory
  /// (cuMemcpy: the driver tells which from the addresses), synchronously.
  /// Throws KilnError (FAIL) with the driver's reason.
  void copy(void *dst, const void *src, size_t bytes);

  /// What the driver knows of `ptr`: the device whose memory it is and
  /// whether it is managed (readable by the host). Throws KilnError
  /// (INVALID_ARGUMENT) when it is no CUDA device's memory.
  struct PointerInfo {
    int deviceId = 0;
    bool managed = false;
  };
  PointerInfo describe(const void *ptr);

private:
  void enter();

  const cuda::Driver &driver_;
  int deviceId_;
  cuda::CUdevice device_ = 0;
  int major_ = 0, minor_ = 0;
  cuda::CUcontext context_ = nullptr;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_DEVICE_CUDA_MEMORY_H
