//===- cuda_device.cpp - A session's GPU: modules, constants, memory ------===//

#include "device/cuda_device.h"

#include "status.h"

#include <algorithm>
#include <cstring>

namespace kiln::rt {

using namespace cuda;

namespace {

/// The architecture number of "sm_86" / "sm_90a" (86, 90), whether it has
/// the `a` suffix, or -1 when `chip` is not one.
int chipNumber(const char *chip, bool &archSpecific) {
  archSpecific = false;
  if (!chip || std::strncmp(chip, "sm_", 3) != 0)
    return -1;
  const char *p = chip + 3;
  int n = 0, digits = 0;
  for (; *p >= '0' && *p <= '9' && digits < 4; ++p, ++digits)
    n = n * 10 + (*p - '0');
  if (digits < 2)
    return -1;
  if (*p == 'a' || *p == 'f') {
    archSpecific = true;
    ++p;
  }
  return *p ? -1 : n;
}

} // namespace

int selectCode(const kiln_device_code_t *codes, uint32_t numCodes, int major,
               int minor) {
  const int device = major * 10 + minor;
  int best = -1, bestNumber = -1;
  for (uint32_t i = 0; i < numCodes; ++i) {
    bool specific = false;
    int n = chipNumber(codes[i].chip, specific);
    if (n < 0 || !codes[i].text || n > device || (specific && n != device))
      continue;
    // Among equal numbers the arch-specific code is the better fit.
    if (n > bestNumber || (n == bestNumber && specific)) {
      best = static_cast<int>(i);
      bestNumber = n;
    }
  }
  return best;
}

std::string probeCudaDevice(int deviceId) {
  int major = 0, minor = 0;
  openCudaDevice(driver(), deviceId, major, minor);
  return cudaChipName(major, minor);
}

CudaDevice::CudaDevice(const kiln_artifact_t &artifact,
                       const CudaOptions &options)
    : driver_(driver()), options_(options),
      memory_(CudaMemory::forDevice(options.deviceId)),
      context_(memory_->context()) {
  memory_->capability(major_, minor_);
  deviceChip_ = memory_->chip();
  try {
    enter();
    loadKernels(artifact);
    uploadConstants(artifact);
  } catch (...) {
    releaseAll();
    throw;
  }
}

CudaDevice::~CudaDevice() { releaseAll(); }

void CudaDevice::releaseAll() noexcept {
  if (!context_)
    return;
  driver_.cuCtxSetCurrent(context_);
  for (Constant &c : constants_)
    driver_.cuMemFree(c.device);
  constants_.clear();
  for (Kernel &k : kernels_)
    if (k.module)
      driver_.cuModuleUnload(k.module);
  kernels_.clear();
  context_ = nullptr;
}

void CudaDevice::enterQuietly() noexcept {
  driver_.cuCtxSetCurrent(context_);
}

void CudaDevice::enter() {
  check(driver_, driver_.cuCtxSetCurrent(context_),
        "making the device's context current (cuCtxSetCurrent)");
}

void CudaDevice::loadKernels(const kiln_artifact_t &artifact) {
  kernels_.resize(artifact.num_device_kernels);
  for (uint32_t i = 0; i < artifact.num_device_kernels; ++i) {
    const kiln_device_kernel_t &k = artifact.device_kernels[i];
    int code = selectCode(k.codes, k.num_codes, major_, minor_);
    if (code < 0) {
      std::string chips;
      for (uint32_t c = 0; c < k.num_codes; ++c)
        chips += (c ? ", " : "") + std::string(k.codes[c].chip);
      fail(KILN_EP_FAIL,
           "the artifact has no PTX for CUDA device " +
               std::to_string(options_.deviceId) + " (" + deviceChip_ +
               "): kernel " + k.module + " was compiled for " + chips +
               "; recompile with kiln-compile --cuda-arch=" + deviceChip_);
    }
    if (loadedChip_.empty())
      loadedChip_ = k.codes[code].chip;
    char log[4096] = {0};
    int options[] = {CU_JIT_ERROR_LOG_BUFFER,
                     CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log)))};
    Kernel &out = kernels_[i];
    CUresult r = driver_.cuModuleLoadDataEx(&out.module, k.codes[code].text,
                                            2, options, values);
    if (r != CUDA_SUCCESS) {
      log[sizeof(log) - 1] = 0;
      fail(KILN_EP_FAIL, std::string("CUDA failure while loading the PTX of "
                                     "kernel ") +
                             k.module + " for " + k.codes[code].chip +
                             " (cuModuleLoadDataEx): " + driver_.describe(r) +
                             (log[0] ? std::string("\n") + log : ""));
    }
    check(driver_, driver_.cuModuleGetFunction(&out.function, out.module,
                                               k.function),
          "finding a kernel's function in its module (cuModuleGetFunction)");
    out.numParams = std::strlen(k.params);
    for (size_t p = 0; p < out.numParams; ++p)
      if (k.params[p] == 'p')
        out.pointerParams.push_back(static_cast<uint32_t>(p));
  }
}

void CudaDevice::uploadConstants(const kiln_artifact_t &artifact) {
  for (uint32_t i = 0; i < artifact.num_device_constants; ++i) {
    const kiln_device_constant_t &c = artifact.device_constants[i];
    if (!c.host || !c.size)
      continue;
    CUdeviceptr copy = 0;
    CUresult r = driver_.cuMemAlloc(&copy, c.size);
    if (r != CUDA_SUCCESS)
      fail(KILN_EP_FAIL, "CUDA failure while allocating " +
                             std::to_string(c.size) +
                             " bytes of device memory for the model's "
                             "weights (cuMemAlloc): " +
                             driver_.describe(r));
    constants_.push_back({reinterpret_cast<uintptr_t>(c.host), c.size, copy});
    check(driver_, driver_.cuMemcpyHtoD(copy, c.host, c.size),
          "copying the model's weights to the device (cuMemcpyHtoD)");
  }
  std::sort(constants_.begin(), constants_.end(),
            [](const Constant &a, const Constant &b) { return a.host < b.host; });
  for (size_t i = 1; i < constants_.size(); ++i)
    if (constants_[i - 1].host + constants_[i - 1].size > constants_[i].host)
      fail(KILN_INVALID_GRAPH, "the artifact's device constants overlap");
}

uint64_t CudaDevice::translate(uint64_t p) const {
  // The last constant starting at or below p.
  auto it = std::upper_bound(
      constants_.begin(), constants_.end(), p,
      [](uint64_t v, const Constant &c) { return v < c.host; });
  if (it == constants_.begin())
    return p;
  --it;
  return p - it->host < it->size ? it->device + (p - it->host) : p;
}

CUstream CudaDevice::createStream() {
  CUstream stream = nullptr;
  enter();
  check(driver_, driver_.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING),
        "creating a stream for a run (cuStreamCreate)");
  return stream;
}

void CudaDevice::destroyStream(CUstream stream) noexcept {
  if (!stream)
    return;
  driver_.cuCtxSetCurrent(context_);
  driver_.cuStreamDestroy(stream);
}

std::string CudaDevice::launch(CUstream stream, uint32_t kernel,
                               const uint64_t grid[3], const uint64_t block[3],
                               uint32_t sharedBytes, const uint64_t *words) {
  if (kernel >= kernels_.size())
    return "the artifact launched kernel " + std::to_string(kernel) +
           " of " + std::to_string(kernels_.size());
  for (int i = 0; i < 3; ++i)
    if (grid[i] == 0 || grid[i] > 0x7fffffffu || block[i] == 0 ||
        block[i] > 1024)
      return "the artifact launched kernel " + std::to_string(kernel) +
             " on a grid or block the device cannot run (" +
             std::to_string(grid[0]) + "x" + std::to_string(grid[1]) + "x" +
             std::to_string(grid[2]) + " blocks of " +
             std::to_string(block[0]) + "x" + std::to_string(block[1]) + "x" +
             std::to_string(block[2]) + " threads)";
  const Kernel &k = kernels_[kernel];
  // The driver reads each parameter through a pointer to it; pointers into
  // the artifact's constants become the constants' device copies.
  constexpr size_t kInline = 64;
  uint64_t localWords[kInline];
  void *localParams[kInline];
  std::vector<uint64_t> heapWords;
  std::vector<void *> heapParams;
  uint64_t *w = localWords;
  void **params = localParams;
  if (k.numParams > kInline) {
    heapWords.resize(k.numParams);
    heapParams.resize(k.numParams);
    w = heapWords.data();
    params = heapParams.data();
  }
  if (k.numParams)
    std::memcpy(w, words, k.numParams * sizeof(uint64_t));
  if (!constants_.empty())
    for (uint32_t p : k.pointerParams)
      w[p] = translate(w[p]);
  for (size_t p = 0; p < k.numParams; ++p)
    params[p] = &w[p];
  CUresult r = driver_.cuLaunchKernel(
      k.function, unsigned(grid[0]), unsigned(grid[1]), unsigned(grid[2]),
      unsigned(block[0]), unsigned(block[1]), unsigned(block[2]), sharedBytes,
      stream, k.numParams ? params : nullptr, nullptr);
  if (r != CUDA_SUCCESS)
    return "CUDA failure while launching kernel " + std::to_string(kernel) +
           " (cuLaunchKernel): " + driver_.describe(r);
  return "";
}

std::string CudaDevice::sync(CUstream stream) {
  CUresult r = driver_.cuStreamSynchronize(stream);
  if (r != CUDA_SUCCESS)
    return "CUDA failure while waiting for the run's kernels "
           "(cuStreamSynchronize): " +
           driver_.describe(r);
  return "";
}

void *CudaDevice::allocateBlock(uint64_t size, uint64_t alignment) {
  // cuMemAllocManaged aligns to at least 256 bytes; the arena never asks
  // for more than a few cache lines.
  if (alignment > 256 || size == 0)
    return nullptr;
  uint64_t before = bytesInUse_.fetch_add(size);
  if (options_.memoryLimit && before + size > options_.memoryLimit) {
    bytesInUse_.fetch_sub(size);
    return nullptr;
  }
  CUdeviceptr ptr = 0;
  if (driver_.cuMemAllocManaged(&ptr, size, CU_MEM_ATTACH_GLOBAL) !=
      CUDA_SUCCESS) {
    bytesInUse_.fetch_sub(size);
    return nullptr;
  }
  return reinterpret_cast<void *>(static_cast<uintptr_t>(ptr));
}

void CudaDevice::releaseBlock(void *ptr, uint64_t size) noexcept {
  driver_.cuMemFree(static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(ptr)));
  bytesInUse_.fetch_sub(size);
}

} // namespace kiln::rt
