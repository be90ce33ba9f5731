//===- cuda_memory.cpp - A CUDA device's memory, outside any session ------===//

#include "device/cuda_memory.h"

#include "status.h"

#include <map>
#include <mutex>

namespace kiln::rt {

using namespace cuda;

std::string cudaChipName(int major, int minor) {
  return "sm_" + std::to_string(major) + std::to_string(minor);
}

CUdevice openCudaDevice(const Driver &d, int deviceId, int &major, int &minor) {
  int count = 0;
  check(d, d.cuDeviceGetCount(&count), "counting devices (cuDeviceGetCount)");
  if (count == 0)
    fail(KILN_EP_FAIL, "CUDA failure: no CUDA device is present");
  if (deviceId < 0 || deviceId >= count)
    fail(KILN_EP_FAIL, "CUDA device_id " + std::to_string(deviceId) +
                           " is out of range: this machine has " +
                           std::to_string(count) + " CUDA device" +
                           (count == 1 ? "" : "s"));
  CUdevice device = 0;
  check(d, d.cuDeviceGet(&device, deviceId),
        "opening the device (cuDeviceGet)");
  check(d,
        d.cuDeviceGetAttribute(
            &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
        "reading the compute capability");
  check(d,
        d.cuDeviceGetAttribute(
            &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
        "reading the compute capability");
  const std::string chip = cudaChipName(major, minor);
  int managed = 0;
  check(d,
        d.cuDeviceGetAttribute(&managed, CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY,
                               device),
        "reading whether the device has managed memory");
  if (!managed)
    fail(KILN_EP_FAIL, "CUDA device " + std::to_string(deviceId) + " (" + chip +
                           ") has no managed memory, which Kiln's CUDA "
                           "provider allocates from");
  // The host reads and writes managed memory while other runs' kernels
  // may be running (every Linux GPU since Pascal can).
  int concurrent = 0;
  check(d,
        d.cuDeviceGetAttribute(
            &concurrent, CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS, device),
        "reading whether the host may use managed memory concurrently");
  if (!concurrent)
    fail(KILN_EP_FAIL, "CUDA device " + std::to_string(deviceId) + " (" + chip +
                           ") cannot share managed memory with the host "
                           "while kernels run, which Kiln's CUDA provider "
                           "needs");
  return device;
}

std::shared_ptr<CudaMemory> CudaMemory::forDevice(int deviceId) {
  const Driver &d = driver();
  // Weak: a device nobody holds gives its context back to the driver.
  static std::mutex mutex;
  static std::map<int, std::weak_ptr<CudaMemory>> devices;
  std::lock_guard<std::mutex> lock(mutex);
  if (std::shared_ptr<CudaMemory> held = devices[deviceId].lock())
    return held;
  auto memory = std::make_shared<CudaMemory>(d, deviceId);
  devices[deviceId] = memory;
  return memory;
}

CudaMemory::CudaMemory(const Driver &driver, int deviceId)
    : driver_(driver), deviceId_(deviceId) {
  device_ = openCudaDevice(driver_, deviceId, major_, minor_);
  check(driver_, driver_.cuDevicePrimaryCtxRetain(&context_, device_),
        "creating the device's context (cuDevicePrimaryCtxRetain)");
}

CudaMemory::~CudaMemory() { driver_.cuDevicePrimaryCtxRelease(device_); }

void CudaMemory::enter() {
  check(driver_, driver_.cuCtxSetCurrent(context_),
        "making the device's context current (cuCtxSetCurrent)");
}

void *CudaMemory::allocate(size_t bytes) {
  enter();
  CUdeviceptr ptr = 0;
  CUresult r =
      driver_.cuMemAllocManaged(&ptr, bytes ? bytes : 1, CU_MEM_ATTACH_GLOBAL);
  if (r != CUDA_SUCCESS)
    fail(KILN_FAIL, "Failed to allocate memory for requested buffer of size " +
                        std::to_string(bytes) + " on CUDA device " +
                        std::to_string(deviceId_) +
                        " (cuMemAllocManaged): " + driver_.describe(r));
  return reinterpret_cast<void *>(static_cast<uintptr_t>(ptr));
}

void CudaMemory::release(void *ptr) noexcept {
  if (!ptr)
    return;
  driver_.cuCtxSetCurrent(context_);
  driver_.cuMemFree(static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(ptr)));
}

namespace {
CUdeviceptr devicePtr(const void *p) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p));
}
} // namespace

void CudaMemory::copy(void *dst, const void *src, size_t bytes) {
  if (!bytes)
    return;
  enter();
  check(driver_, driver_.cuMemcpy(devicePtr(dst), devicePtr(src), bytes),
        "copying a tensor to, from or on the device (cuMemcpy)");
}

CudaMemory::PointerInfo CudaMemory::describe(const void *ptr) {
  enter();
  PointerInfo info;
  unsigned managed = 0;
  int ordinal = -1;
  // Host memory the driver has never seen answers CUDA_ERROR_INVALID_VALUE.
  if (driver_.cuPointerGetAttribute(&ordinal,
                                    CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL,
                                    devicePtr(ptr)) != CUDA_SUCCESS ||
      driver_.cuPointerGetAttribute(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED,
                                    devicePtr(ptr)) != CUDA_SUCCESS ||
      ordinal < 0)
    fail(KILN_INVALID_ARGUMENT,
         "the buffer at " + std::to_string(reinterpret_cast<uintptr_t>(ptr)) +
             " is not CUDA device memory (cuPointerGetAttribute does not "
             "know it): bind host memory with device_type 'cpu'");
  info.deviceId = ordinal;
  info.managed = managed != 0;
  return info;
}

} // namespace kiln::rt
