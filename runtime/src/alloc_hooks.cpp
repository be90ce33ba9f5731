//===- alloc_hooks.cpp - The artifact's alloc/free hooks ------------------===//

#include "alloc_hooks.h"

#include "arena.h"

#include <atomic>
#include <mutex>

namespace kiln::rt {

namespace {

thread_local Arena *currentArena = nullptr;

// Serves calls made on threads that are not inside a run (for instance worker
// threads the generated code may start itself). Its blocks are only reclaimed
// when the artifact frees them, so it stays empty for well-behaved code.
struct FallbackArena {
  std::mutex mutex;
  Arena arena;
  std::atomic<uint64_t> liveBlocks{0};
};

FallbackArena &fallback() {
  // Leaked on purpose: hooks may still run during static destruction.
  static FallbackArena *instance = new FallbackArena;
  return *instance;
}

void *hookAlloc(uint64_t size, uint64_t alignment) {
  if (Arena *arena = currentArena)
    return arena->allocate(size, alignment);
  FallbackArena &fb = fallback();
  std::lock_guard<std::mutex> lock(fb.mutex);
  void *ptr = fb.arena.allocate(size, alignment);
  if (ptr)
    ++fb.liveBlocks;
  return ptr;
}

void hookFree(void *ptr) {
  if (!ptr)
    return;
  if (Arena *arena = currentArena)
    if (arena->deallocate(ptr))
      return;
  // Not a live block of this run: a fallback block, or a pointer the arena
  // never handed out (weight, input) or already took back. The last two are
  // ignored, which is what makes aliasing outputs and double frees harmless.
  FallbackArena &fb = fallback();
  if (fb.liveBlocks.load(std::memory_order_relaxed) == 0)
    return;
  std::lock_guard<std::mutex> lock(fb.mutex);
  if (fb.arena.deallocate(ptr))
    --fb.liveBlocks;
}

std::mutex installMutex;

} // namespace

void installAllocHooks(kiln_hooks_t *hooks) {
  std::lock_guard<std::mutex> lock(installMutex);
  // Only write when needed: another session may be running this artifact.
  if (hooks->alloc != &hookAlloc)
    hooks->alloc = &hookAlloc;
  if (hooks->free != &hookFree)
    hooks->free = &hookFree;
}

ScopedRunArena::ScopedRunArena(Arena &arena) : previous_(currentArena) {
  currentArena = &arena;
}

ScopedRunArena::~ScopedRunArena() { currentArena = previous_; }

} // namespace kiln::rt
