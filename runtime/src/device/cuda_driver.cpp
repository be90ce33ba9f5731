//===- cuda_driver.cpp - dlopen("libcuda.so.1") and cuInit -----------------===//

#include "device/cuda_driver.h"

#include "status.h"

#include <dlfcn.h>
#include <mutex>

namespace kiln::rt::cuda {

namespace {

constexpr const char *kLibrary = "libcuda.so.1";

/// The driver, or why there is none: loading is tried once per process.
struct Loaded {
  Driver driver{};
  std::string error;
};

template <typename Fn>
bool resolve(void *handle, const char *name, Fn &slot, std::string &error) {
  slot = reinterpret_cast<Fn>(dlsym(handle, name));
  if (!slot && error.empty())
    error = std::string(kLibrary) + " has no entry point " + name +
            " (a CUDA driver older than Kiln needs?)";
  return slot != nullptr;
}

Loaded load() {
  Loaded out;
  // RTLD_LOCAL: the driver's symbols stay out of the process's namespace.
  void *handle = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    out.error = std::string("the CUDA driver (") + kLibrary +
                ") cannot be loaded: " + (why ? why : "unknown reason") +
                ". Is an NVIDIA driver installed?";
    return out;
  }
  Driver &d = out.driver;
  std::string &e = out.error;
  // The versioned names are those cuda.h's macros select.
  resolve(handle, "cuInit", d.cuInit, e);
  resolve(handle, "cuDriverGetVersion", d.cuDriverGetVersion, e);
  resolve(handle, "cuDeviceGetCount", d.cuDeviceGetCount, e);
  resolve(handle, "cuDeviceGet", d.cuDeviceGet, e);
  resolve(handle, "cuDeviceGetAttribute", d.cuDeviceGetAttribute, e);
  resolve(handle, "cuDeviceGetName", d.cuDeviceGetName, e);
  resolve(handle, "cuDevicePrimaryCtxRetain", d.cuDevicePrimaryCtxRetain, e);
  resolve(handle, "cuDevicePrimaryCtxRelease_v2", d.cuDevicePrimaryCtxRelease,
          e);
  resolve(handle, "cuCtxSetCurrent", d.cuCtxSetCurrent, e);
  resolve(handle, "cuModuleLoadDataEx", d.cuModuleLoadDataEx, e);
  resolve(handle, "cuModuleGetFunction", d.cuModuleGetFunction, e);
  resolve(handle, "cuModuleUnload", d.cuModuleUnload, e);
  resolve(handle, "cuLaunchKernel", d.cuLaunchKernel, e);
  resolve(handle, "cuStreamCreate", d.cuStreamCreate, e);
  resolve(handle, "cuStreamDestroy_v2", d.cuStreamDestroy, e);
  resolve(handle, "cuStreamSynchronize", d.cuStreamSynchronize, e);
  resolve(handle, "cuMemAlloc_v2", d.cuMemAlloc, e);
  resolve(handle, "cuMemAllocManaged", d.cuMemAllocManaged, e);
  resolve(handle, "cuMemFree_v2", d.cuMemFree, e);
  resolve(handle, "cuMemcpyHtoD_v2", d.cuMemcpyHtoD, e);
  resolve(handle, "cuMemcpy", d.cuMemcpy, e);
  resolve(handle, "cuPointerGetAttribute", d.cuPointerGetAttribute, e);
  resolve(handle, "cuGetErrorName", d.cuGetErrorName, e);
  resolve(handle, "cuGetErrorString", d.cuGetErrorString, e);
  if (!e.empty())
    return out;
  // The handle stays open for the life of the process: sessions in other
  // threads may be using the driver.
  if (CUresult r = d.cuInit(0); r != CUDA_SUCCESS) {
    std::string why = d.describe(r);
    if (r == CUDA_ERROR_STUB_LIBRARY)
      why += " (libcuda.so.1 is the CUDA toolkit's stub library, which "
             "links programs but runs nothing: install the NVIDIA driver or "
             "take the stub's directory out of LD_LIBRARY_PATH)";
    out.error = "CUDA failure while initializing the driver (cuInit): " + why;
  }
  return out;
}

/// cuda.h's names of the errors a machine without a usable GPU gives, for
/// drivers that cannot name them (the stub answers every call with 34).
const char *knownErrorName(CUresult result) {
  switch (result) {
  case CUDA_ERROR_OUT_OF_MEMORY:
    return "CUDA_ERROR_OUT_OF_MEMORY";
  case 3:
    return "CUDA_ERROR_NOT_INITIALIZED";
  case CUDA_ERROR_STUB_LIBRARY:
    return "CUDA_ERROR_STUB_LIBRARY";
  case 35:
    return "CUDA_ERROR_INSUFFICIENT_DRIVER";
  case CUDA_ERROR_NO_DEVICE:
    return "CUDA_ERROR_NO_DEVICE";
  case CUDA_ERROR_INVALID_DEVICE:
    return "CUDA_ERROR_INVALID_DEVICE";
  default:
    return nullptr;
  }
}

} // namespace

std::string Driver::describe(CUresult result) const {
  const char *name = nullptr, *text = nullptr;
  if (!cuGetErrorName || cuGetErrorName(result, &name) != CUDA_SUCCESS)
    name = nullptr;
  if (!name)
    name = knownErrorName(result);
  std::string out = name ? std::string(name) + " (" +
                               std::to_string(result) + ")"
                         : "error " + std::to_string(result);
  if (cuGetErrorString && cuGetErrorString(result, &text) == CUDA_SUCCESS &&
      text)
    out += std::string(": ") + text;
  return out;
}

const Driver &driver() {
  static const Loaded loaded = load();
  if (!loaded.error.empty())
    fail(KILN_EP_FAIL, loaded.error);
  return loaded.driver;
}

void check(const Driver &d, CUresult result, const char *what) {
  if (result != CUDA_SUCCESS)
    fail(KILN_EP_FAIL,
         std::string("CUDA failure while ") + what + ": " + d.describe(result));
}

} // namespace kiln::rt::cuda
