//===- cuda_driver.h - The CUDA driver API, loaded when first needed -*- C++ -*-===//
//
// libkilnrt links no CUDA library: a process that only runs CPU artifacts
// never loads the driver, and a machine without one runs them all the same.
// The first CUDA session dlopens libcuda.so.1 (the name the driver package
// installs; LD_LIBRARY_PATH can point at another, as the tests' fake driver
// does) and looks up the few entry points below by their versioned names.
// Only the types and constants used here are declared, with the values of
// cuda.h: the runtime builds without a CUDA toolkit.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_DEVICE_CUDA_DRIVER_H
#define KILN_RUNTIME_DEVICE_CUDA_DRIVER_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln::rt::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;

// cuda.h's values.
enum : int {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_STUB_LIBRARY = 34,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
  CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY = 83,
  CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS = 89,
  CU_POINTER_ATTRIBUTE_IS_MANAGED = 8,
  CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL = 9,
  CU_JIT_ERROR_LOG_BUFFER = 5,
  CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
  CU_MEM_ATTACH_GLOBAL = 1,
  CU_STREAM_NON_BLOCKING = 1,
};

/// The driver's entry points the runtime calls.
struct Driver {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDriverGetVersion)(int *version);
  CUresult (*cuDeviceGetCount)(int *count);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*cuDeviceGetName)(char *name, int length, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext context);
  CUresult (*cuModuleLoadDataEx)(CUmodule *module, const void *image,
                                 unsigned numOptions, int *options,
                                 void **optionValues);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module,
                                  const char *name);
  CUresult (*cuModuleUnload)(CUmodule module);
  CUresult (*cuLaunchKernel)(CUfunction function, unsigned gridX,
                             unsigned gridY, unsigned gridZ, unsigned blockX,
                             unsigned blockY, unsigned blockZ,
                             unsigned sharedBytes, CUstream stream,
                             void **params, void **extra);
  CUresult (*cuStreamCreate)(CUstream *stream, unsigned flags);
  CUresult (*cuStreamDestroy)(CUstream stream);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuMemAlloc)(CUdeviceptr *ptr, size_t bytes);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *ptr, size_t bytes,
                                unsigned flags);
  CUresult (*cuMemFree)(CUdeviceptr ptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr dst, const void *src, size_t bytes);
  /// Between any two pointers: unified addressing tells the driver where
  /// each lies.
  CUresult (*cuMemcpy)(CUdeviceptr dst, CUdeviceptr src, size_t bytes);
  CUresult (*cuPointerGetAttribute)(void *data, int attribute, CUdeviceptr ptr);
  CUresult (*cuGetErrorName)(CUresult error, const char **name);
  CUresult (*cuGetErrorString)(CUresult error, const char **text);

  /// "CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected",
  /// or the number alone when the driver cannot name it.
  std::string describe(CUresult result) const;
};

/// The process's driver, loaded and initialized (cuInit) on the first
/// call. Throws KilnError (FAIL, ORT's "CUDA failure N: text") when
/// libcuda.so.1 cannot be loaded, lacks an entry point, or cuInit fails:
/// no driver, the toolkit's stub library, no device.
const Driver &driver();

/// Throws KilnError FAIL "CUDA failure while <what>: <describe(result)>"
/// unless `result` is CUDA_SUCCESS.
void check(const Driver &d, CUresult result, const char *what);

} // namespace kiln::rt::cuda

#endif // KILN_RUNTIME_DEVICE_CUDA_DRIVER_H
