//===- run_context.h - Per-run state reused across runs ------*- C++ -*-===//
#ifndef KILN_RUNTIME_RUN_CONTEXT_H
#define KILN_RUNTIME_RUN_CONTEXT_H

#include "arena.h"

#include <atomic>
#include <csetjmp>
#include <thread>
#include "kiln/kiln_abi.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct kiln_value;

namespace kiln::rt {

class ThreadPool;
class CudaDevice;
namespace cuda {
using CUstream = struct CUstream_st *;
}

/// One kernel execution, as kiln_profile_event.
struct KernelEvent {
  uint32_t kernel;
  uint64_t threadId;
  int64_t startNs;
  int64_t durationNs;
};

/// Everything one run needs besides the session: the context handed to the
/// artifact, the arena serving its allocations, and scratch vectors whose
/// capacity survives so a steady-state run does little allocation of its own.
struct RunContext {
  /// What `entry` receives; its `runtime` field points back here.
  kiln_run_context_t abi{};
  /// The session's pool, for abi.parallel_for.
  ThreadPool *pool = nullptr;
  /// Serialises the arena between the threads running chunks of this run.
  std::mutex allocMutex;
  Arena arena;
  /// A failed allocation of the generated code (callEntry): where the
  /// calling thread escapes to, whether it may (inside `entry`, outside any
  /// parallel loop), and the size that failed.
  sigjmp_buf allocEscape;
  std::thread::id caller;
  bool mayEscape = false;
  int parallelDepth = 0;
  std::atomic<uint64_t> failedBytes{0};
  /// The message of a failed run-time check of the generated code (the
  /// first one), which leaves the run as a failed allocation does.
  std::atomic<const char *> failedCheck{nullptr};
  bool failed() const { return failedBytes.load() || failedCheck.load(); }
  std::vector<const kiln_value *> byInput;
  std::vector<uint32_t> outputIndices;
  std::vector<int64_t> inputWords;
  /// Inputs of the packed 4- and 2-bit types, one byte per element.
  std::vector<std::vector<uint8_t>> unpackedInputs;
  std::vector<int64_t> resultWords;
  std::vector<size_t> resultOffsets;
  std::vector<void *> args;
  /// Profiling (only when the session profiles): the start of each kernel
  /// in progress, indexed by kernel, and this run's finished kernels, which
  /// the session collects when the run ends. Only the run's calling thread
  /// brackets kernels, so neither needs a lock.
  std::vector<int64_t> kernelStarts;
  std::vector<KernelEvent> kernelEvents;
  uint64_t threadId = 0;
  /// Sessions of CUDA artifacts: the session's device, whose managed
  /// memory the arena hands out, and this context's stream, created with
  /// it and kept (one stream per concurrent run).
  CudaDevice *device = nullptr;
  cuda::CUstream stream = nullptr;
  /// Whether a kernel may have been launched since the last wait.
  bool launched = false;
  /// A launch or wait the device refused: the message (its first byte
  /// KILN_FAIL) that failedCheck then points at.
  std::string deviceError;
  /// Inputs copied to device memory, one buffer each (CUDA sessions).
  std::vector<void *> deviceInputs;

  RunContext() = default;
  ~RunContext();
  RunContext(const RunContext &) = delete;
  RunContext &operator=(const RunContext &) = delete;
};

/// One RunContext per concurrently running call; contexts are created on
/// demand and kept, so the pool's size is the peak concurrency seen.
class RunContextPool {
public:
  /// Hands out an idle context (or a new one) until the lease ends.
  class Lease {
  public:
    explicit Lease(RunContextPool &pool) : pool_(pool), ctx_(pool.take()) {}
    ~Lease() { pool_.give(ctx_); }
    Lease(const Lease &) = delete;
    Lease &operator=(const Lease &) = delete;
    RunContext &operator*() const { return *ctx_; }
    RunContext *operator->() const { return ctx_; }

  private:
    RunContextPool &pool_;
    RunContext *ctx_;
  };

  /// Sums the stats of the idle arenas; `busy` receives the number of
  /// contexts in use, whose arenas cannot be read safely.
  ArenaStats idleStats(size_t &contexts, size_t &busy) const;

  /// The output blocks every context's arena shares (see BlockRecycler).
  const std::shared_ptr<BlockRecycler> &recycler() const { return recycler_; }

  /// Contexts made from now on run on `device` (its memory, a stream
  /// each); set once, before the first run.
  void setDevice(CudaDevice *device) { device_ = device; }

private:
  RunContext *take();
  void give(RunContext *ctx);

  /// Up to 256 MiB in 64 blocks: a few runs' worth of outputs.
  std::shared_ptr<BlockRecycler> recycler_ =
      std::make_shared<BlockRecycler>(uint64_t{256} << 20, 64);
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<RunContext>> all_;
  std::vector<RunContext *> idle_;
  CudaDevice *device_ = nullptr;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_RUN_CONTEXT_H
