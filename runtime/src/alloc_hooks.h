//===- alloc_hooks.h - The artifact's alloc/free hooks -------*- C++ -*-===//
//
// kiln_hooks_t lives in the artifact and is shared by every session and every
// run of it, and its functions take no context argument. So the runtime
// installs one pair of global functions that find the calling run's arena
// through a thread_local set around the call to `entry`.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_ALLOC_HOOKS_H
#define KILN_RUNTIME_ALLOC_HOOKS_H

#include "kiln/kiln_abi.h"

namespace kiln::rt {

class Arena;

/// Points the hooks of this artifact at the runtime's allocator. Idempotent
/// and safe to call from several threads.
void installAllocHooks(kiln_hooks_t *hooks);

/// Makes `arena` serve the hooks on this thread for the object's lifetime.
class ScopedRunArena {
public:
  explicit ScopedRunArena(Arena &arena);
  ~ScopedRunArena();
  ScopedRunArena(const ScopedRunArena &) = delete;
  ScopedRunArena &operator=(const ScopedRunArena &) = delete;

private:
  Arena *previous_;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_ALLOC_HOOKS_H
