//===- alloc_hooks.h - The run context handed to the artifact -*- C++ -*-===//
//
// ABI v2 passes every run its own kiln_run_context_t, so the hooks find the
// run's arena and the session's thread pool through their context argument
// rather than through global or thread-local state. Chunks of a parallel loop
// may allocate from worker threads, so the arena is locked around each call.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_ALLOC_HOOKS_H
#define KILN_RUNTIME_ALLOC_HOOKS_H

#include "kiln/kiln_abi.h"

#include <string>

namespace kiln::rt {

struct RunContext;
class ThreadPool;

/// Points `ctx.abi` at the runtime's hooks, bound to `ctx`'s arena and to
/// `pool`. Cheap; done at the start of every run.
void bindRunContext(RunContext &ctx, ThreadPool &pool);

/// Calls the artifact's `entry`. Returns false when an allocation of the
/// generated code failed: on the calling thread outside a parallel loop the
/// hook returns here (siglongjmp) instead of handing the code a null
/// pointer it would write through (a SIGSEGV); in a chunk of a parallel
/// loop, on any thread, the chunk ends and the caller returns here once the
/// loop is over. The size is in ctx.failedBytes. A failed run-time check
/// (the `fail` hook) leaves the same ways, its message in ctx.failedCheck.
bool callEntry(RunContext &ctx, kiln_entry_fn entry, void **args);

/// CUDA sessions: waits for the kernels the run launched and not yet
/// waited for (after `entry`, also when it failed: the arena's blocks may
/// not be reused while a kernel writes them). Returns "" or why the wait
/// failed. Nothing to do for CPU sessions.
std::string finishDeviceWork(RunContext &ctx);

} // namespace kiln::rt

#endif // KILN_RUNTIME_ALLOC_HOOKS_H
