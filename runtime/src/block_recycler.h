//===- block_recycler.h - Output blocks kept for the next runs -*- C++ -*-===//
//
// An output handed over from a run's arena without a copy (Arena::detach)
// leaves the session; when the caller releases it, its block comes back
// here instead of to the system, and the next run's arena takes it for the
// same output. Freeing it instead made every run fault its output's pages
// in again (glibc unmaps or trims blocks that large): a 12 x 128 x 128
// batched MatMul spent a quarter of its time in page faults. Shared by the
// session's run contexts and the outputs still alive (which may outlive
// the session), hence thread-safe and reference counted.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_BLOCK_RECYCLER_H
#define KILN_RUNTIME_BLOCK_RECYCLER_H

#include <cstdint>
#include <mutex>
#include <vector>

namespace kiln::rt {

class BlockRecycler {
public:
  /// Keeps at most `capacityBytes` and `capacityBlocks` at a time.
  BlockRecycler(uint64_t capacityBytes, size_t capacityBlocks);
  ~BlockRecycler();
  BlockRecycler(const BlockRecycler &) = delete;
  BlockRecycler &operator=(const BlockRecycler &) = delete;

  /// Keeps `ptr` (from posix_memalign: `size` bytes aligned to
  /// `alignment`) for take(). Returns false, keeping nothing, when full:
  /// the caller frees it.
  bool give(void *ptr, uint64_t size, uint64_t alignment) noexcept;

  /// A kept block of exactly `size` bytes aligned to at least `alignment`
  /// (the most recently given first: warmest in cache), or nullptr.
  void *take(uint64_t size, uint64_t alignment) noexcept;

  uint64_t keptBytes() const;

private:
  struct Kept {
    void *ptr;
    uint64_t size;
    uint64_t alignment;
  };
  mutable std::mutex mutex_;
  std::vector<Kept> kept_;
  uint64_t keptBytes_ = 0;
  const uint64_t capacityBytes_;
  const size_t capacityBlocks_;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_BLOCK_RECYCLER_H
