//===- arena.h - Per-run size-class allocator ----------------*- C++ -*-===//
//
// Serves the artifact's hooks->alloc/free during one run. Blocks are kept
// after the run ends and handed out again by later runs, so once a model has
// run with a given set of shapes, further runs never call the system
// allocator for their intermediates (an output handed over to the caller
// without a copy leaves a slot that the next run fills with a new block:
// the one allocation the output would have needed anyway). Not
// thread-safe: each concurrent run uses its own arena.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_ARENA_H
#define KILN_RUNTIME_ARENA_H

#include "block_recycler.h"

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace kiln::rt {

struct ArenaStats {
  uint64_t reservedBytes = 0;     ///< Bytes held from the system.
  uint64_t blockCount = 0;        ///< Blocks held from the system.
  uint64_t liveBytes = 0;         ///< Bytes handed out and not yet freed.
  uint64_t peakLiveBytes = 0;     ///< Highest liveBytes ever seen.
  uint64_t systemAllocations = 0; ///< Blocks ever obtained from the system.
  uint64_t systemFrees = 0;       ///< Blocks ever returned to the system.
  uint64_t allocations = 0;       ///< allocate() calls served.
  uint64_t handedOver = 0;        ///< Blocks detach()ed to the caller.
  uint64_t recycled = 0; ///< New blocks taken from the recycler, not the system.
};

/// Where an arena's blocks come from when it is not the host's heap: a
/// device's memory (device/cuda_device.h). Must outlive the arena.
class BlockSource {
public:
  virtual ~BlockSource() = default;
  /// A block of `size` bytes aligned to `alignment` (a power of two), or
  /// nullptr when there is no memory (or the source's limit is reached).
  virtual void *allocateBlock(uint64_t size, uint64_t alignment) = 0;
  virtual void releaseBlock(void *ptr, uint64_t size) noexcept = 0;
};

class Arena {
public:
  /// Every block is aligned at least this much.
  static constexpr uint64_t kMinAlignment = 64;
  /// A free block not reused for this many runs goes back to the system, so
  /// that a long-lived session whose shapes change does not hoard memory.
  static constexpr uint64_t kIdleRunsBeforeTrim = 64;

  Arena();
  ~Arena();
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;

  /// Returns a block of at least `size` bytes aligned to
  /// max(kMinAlignment, alignment) (rounded up to a power of two), or nullptr
  /// when the system is out of memory or the request is absurd.
  void *allocate(uint64_t size, uint64_t alignment);

  /// Returns the block to its free list. Returns false, and does nothing,
  /// when `ptr` is not a live block of this arena: the artifact may "free"
  /// an output that aliases a weight or an input, or free a block twice.
  bool deallocate(void *ptr);

  /// True when `ptr` is a live block of this arena.
  bool isLive(void *ptr) const;

  /// Hands the live block at `ptr` over to the caller, who frees it with
  /// std::free or gives it to recycler(): an output leaves the run without
  /// a copy. The arena forgets it and takes a new block when a later run
  /// needs one (from the recycler when it has one). Returns nullptr, and
  /// changes nothing, when `ptr` is not a live block; else the block's
  /// size and alignment are in `size` and `alignment`.
  void *detach(void *ptr, uint64_t &size, uint64_t &alignment);

  /// Where new blocks come from before the system, and where the caller
  /// returns detached ones (or null: none).
  void setRecycler(std::shared_ptr<BlockRecycler> recycler) {
    recycler_ = std::move(recycler);
  }
  const std::shared_ptr<BlockRecycler> &recycler() const { return recycler_; }

  /// Takes new blocks from `source` instead of the heap (null: the heap).
  /// Set before the first allocation; an arena with a source hands no
  /// block over (detach) and takes none from a recycler.
  void setBlockSource(BlockSource *source) { source_ = source; }
  BlockSource *blockSource() const { return source_; }

  /// Ends a run: every block still live becomes free again, and blocks idle
  /// for kIdleRunsBeforeTrim runs are returned to the system.
  void endRun() noexcept;

  const ArenaStats &stats() const { return stats_; }

  /// Size class of a request and the block size that class hands out.
  static unsigned sizeClassOf(uint64_t size);
  static uint64_t sizeOfClass(unsigned sizeClass);

private:
  struct Block {
    void *ptr;
    uint64_t size;
    uint64_t alignment;
    uint64_t lastUsedRun;
    unsigned sizeClass;
    bool live;
  };

  // 8 classes of 64-byte steps up to 512 bytes, then 4 classes per doubling
  // up to 2^63, so a block wastes at most 25% of its size.
  static constexpr unsigned kNumSizeClasses = 8 + 4 * 54;
  // How many classes above the requested one a free block may come from.
  static constexpr unsigned kMaxClassesUp = 4;

  void *takeFree(unsigned sizeClass, uint64_t alignment);
  void markFree(uint32_t index);
  void reserveFreeList(unsigned sizeClass);
  void trimIdleBlocks();

  std::vector<Block> blocks_;
  // Block lookup for deallocate(); only changes when blocks are created or
  // trimmed, so steady-state runs never allocate in here.
  std::unordered_map<void *, uint32_t> indexOf_;
  // Slots of blocks handed over by detach(), reused by the next new block.
  std::vector<uint32_t> detachedSlots_;
  std::array<std::vector<uint32_t>, kNumSizeClasses> freeLists_;
  // Blocks per class: bounds the length of each free list.
  std::array<uint32_t, kNumSizeClasses> blocksInClass_{};
  uint64_t runCounter_ = 0;
  ArenaStats stats_;
  std::shared_ptr<BlockRecycler> recycler_;
  BlockSource *source_ = nullptr;

  void *systemAllocate(uint64_t size, uint64_t alignment);
  void systemFree(void *ptr, uint64_t size) noexcept;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_ARENA_H
