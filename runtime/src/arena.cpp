//===- arena.cpp - Per-run size-class allocator ---------------------------===//

#include "arena.h"

#include <algorithm>
#include <cstdlib>

namespace kiln::rt {

namespace {

unsigned log2Floor(uint64_t v) { return 63u - __builtin_clzll(v); }

uint64_t roundUpToPowerOfTwo(uint64_t v) {
  if (v <= 1)
    return 1;
  return uint64_t{1} << (log2Floor(v - 1) + 1);
}

// Requests above this are refused rather than rounded past 2^63.
constexpr uint64_t kMaxRequest = uint64_t{1} << 62;

} // namespace

unsigned Arena::sizeClassOf(uint64_t size) {
  if (size <= 512)
    return size == 0 ? 0 : static_cast<unsigned>((size - 1) / 64);
  // 2^e < size <= 2^(e+1), split into four steps of 2^(e-2).
  unsigned e = log2Floor(size - 1);
  uint64_t step = uint64_t{1} << (e - 2);
  uint64_t sub = (size - (uint64_t{1} << e) + step - 1) / step; // 1..4
  return 8 + (e - 9) * 4 + static_cast<unsigned>(sub - 1);
}

uint64_t Arena::sizeOfClass(unsigned sizeClass) {
  if (sizeClass < 8)
    return 64 * (uint64_t{sizeClass} + 1);
  unsigned e = 9 + (sizeClass - 8) / 4;
  uint64_t sub = (sizeClass - 8) % 4 + 1;
  return (uint64_t{1} << e) + sub * (uint64_t{1} << (e - 2));
}

Arena::Arena() = default;

Arena::~Arena() {
  for (const Block &block : blocks_)
    if (block.ptr)
      systemFree(block.ptr, block.size);
}

void *Arena::systemAllocate(uint64_t size, uint64_t alignment) {
  if (source_)
    return source_->allocateBlock(size, alignment);
  void *ptr = nullptr;
  return posix_memalign(&ptr, alignment, size) == 0 ? ptr : nullptr;
}

void Arena::systemFree(void *ptr, uint64_t size) noexcept {
  if (source_)
    source_->releaseBlock(ptr, size);
  else
    std::free(ptr);
}

void *Arena::allocate(uint64_t size, uint64_t alignment) {
  if (size > kMaxRequest || alignment > kMaxRequest)
    return nullptr;
  alignment = roundUpToPowerOfTwo(alignment);
  if (alignment < kMinAlignment)
    alignment = kMinAlignment;
  unsigned sizeClass = sizeClassOf(size);

  // Reuse a free block of this class or, failing that, of one of the next
  // few classes (at most one doubling of waste), so that runs with smaller
  // shapes than before are served from the blocks already held.
  const unsigned lastClass =
      std::min(sizeClass + kMaxClassesUp, kNumSizeClasses - 1);
  for (unsigned c = sizeClass; c <= lastClass; ++c)
    if (void *ptr = takeFree(c, alignment))
      return ptr;

  uint64_t blockSize = sizeOfClass(sizeClass);
  void *ptr = recycler_ && !source_ ? recycler_->take(blockSize, alignment)
                                    : nullptr;
  const bool recycled = ptr != nullptr;
  if (!ptr && !(ptr = systemAllocate(blockSize, alignment)))
    return nullptr;
  // A slot left by a block handed over (detach) is filled first; it is
  // taken only once the index has the block, so that a failure below
  // leaves it free.
  bool reuseSlot = !detachedSlots_.empty();
  uint32_t index =
      reuseSlot ? detachedSlots_.back() : static_cast<uint32_t>(blocks_.size());
  Block block{ptr, blockSize, alignment, runCounter_, sizeClass, true};
  try {
    if (!reuseSlot)
      blocks_.push_back(block);
    indexOf_.emplace(ptr, index);
    if (reuseSlot) {
      blocks_[index] = block;
      detachedSlots_.pop_back();
    }
    ++blocksInClass_[sizeClass];
    reserveFreeList(sizeClass);
  } catch (...) {
    // Out of memory for bookkeeping: undo whatever was recorded.
    if (auto found = indexOf_.find(ptr); found != indexOf_.end()) {
      // Recorded but not reserved: forget it. A new last block goes; a
      // reused slot is empty again (the slot list held its index a moment
      // ago, so it has the capacity).
      indexOf_.erase(found);
      --blocksInClass_[sizeClass];
      if (!reuseSlot) {
        blocks_.pop_back();
      } else {
        blocks_[index] = Block{nullptr, 0, 0, runCounter_, sizeClass, false};
        detachedSlots_.push_back(index);
      }
    } else if (!reuseSlot && !blocks_.empty() && blocks_.back().ptr == ptr) {
      blocks_.pop_back();
    }
    if (!recycled || !recycler_->give(ptr, blockSize, alignment))
      systemFree(ptr, blockSize);
    return nullptr;
  }
  if (recycled)
    ++stats_.recycled;
  else
    ++stats_.systemAllocations;
  ++stats_.blockCount;
  stats_.reservedBytes += blockSize;
  stats_.liveBytes += blockSize;
  if (stats_.liveBytes > stats_.peakLiveBytes)
    stats_.peakLiveBytes = stats_.liveBytes;
  ++stats_.allocations;
  return ptr;
}

void *Arena::takeFree(unsigned sizeClass, uint64_t alignment) {
  // Most recently freed first (warm in cache). In practice every block has
  // the default alignment, so this looks at the back only.
  std::vector<uint32_t> &freeList = freeLists_[sizeClass];
  for (size_t i = freeList.size(); i-- > 0;) {
    Block &block = blocks_[freeList[i]];
    if (block.alignment < alignment)
      continue;
    freeList[i] = freeList.back();
    freeList.pop_back();
    block.live = true;
    block.lastUsedRun = runCounter_;
    stats_.liveBytes += block.size;
    if (stats_.liveBytes > stats_.peakLiveBytes)
      stats_.peakLiveBytes = stats_.liveBytes;
    ++stats_.allocations;
    return block.ptr;
  }
  return nullptr;
}

void Arena::reserveFreeList(unsigned sizeClass) {
  // Done when a block is created so that freeing blocks never reallocates.
  std::vector<uint32_t> &freeList = freeLists_[sizeClass];
  size_t needed = blocksInClass_[sizeClass];
  if (freeList.capacity() < needed)
    freeList.reserve(std::max(needed, 2 * freeList.capacity()));
}

void Arena::markFree(uint32_t index) {
  Block &block = blocks_[index];
  block.live = false;
  stats_.liveBytes -= block.size;
  // Cannot reallocate: capacity was reserved when the block was created.
  freeLists_[block.sizeClass].push_back(index);
}

bool Arena::deallocate(void *ptr) {
  if (!ptr)
    return false;
  auto it = indexOf_.find(ptr);
  if (it == indexOf_.end() || !blocks_[it->second].live)
    return false;
  markFree(it->second);
  return true;
}

void *Arena::detach(void *ptr, uint64_t &size, uint64_t &alignment) {
  // A block of a device's memory is not the caller's to std::free.
  auto it = ptr && !source_ ? indexOf_.find(ptr) : indexOf_.end();
  if (it == indexOf_.end() || !blocks_[it->second].live)
    return nullptr;
  uint32_t index = it->second;
  Block &block = blocks_[index];
  try {
    detachedSlots_.push_back(index);
  } catch (...) {
    return nullptr;
  }
  size = block.size;
  alignment = block.alignment;
  indexOf_.erase(it);
  --blocksInClass_[block.sizeClass];
  --stats_.blockCount;
  stats_.reservedBytes -= block.size;
  stats_.liveBytes -= block.size;
  ++stats_.handedOver;
  // An empty slot until allocate() needs a new block: from the recycler
  // when the caller has released an earlier output of this size (its
  // pages already mapped), else from the system.
  block = Block{nullptr, 0, 0, runCounter_, block.sizeClass, false};
  return ptr;
}

bool Arena::isLive(void *ptr) const {
  auto it = indexOf_.find(ptr);
  return it != indexOf_.end() && blocks_[it->second].live;
}

void Arena::endRun() noexcept {
  bool anyIdle = false;
  for (uint32_t i = 0; i < blocks_.size(); ++i) {
    if (blocks_[i].live)
      markFree(i);
    else if (blocks_[i].ptr &&
             runCounter_ - blocks_[i].lastUsedRun >= kIdleRunsBeforeTrim)
      anyIdle = true;
  }
  if (anyIdle) {
    // Trimming is an optimisation: if its bookkeeping cannot allocate, the
    // blocks are simply kept (endRun runs in destructors and must not throw).
    try {
      trimIdleBlocks();
    } catch (...) {
    }
  }
  ++runCounter_;
}

void Arena::trimIdleBlocks() {
  // Rare (shapes changed a while ago), so rebuilding the indices is fine.
  // Only the first step allocates; if it throws nothing has changed.
  std::vector<Block> kept;
  kept.reserve(blocks_.size());
  for (const Block &block : blocks_)
    if (block.ptr && runCounter_ - block.lastUsedRun < kIdleRunsBeforeTrim)
      kept.push_back(block);
  for (const Block &block : blocks_) {
    // Empty slots (blocks handed over) are dropped with no accounting.
    if (!block.ptr || runCounter_ - block.lastUsedRun < kIdleRunsBeforeTrim)
      continue;
    systemFree(block.ptr, block.size);
    --blocksInClass_[block.sizeClass];
    ++stats_.systemFrees;
    --stats_.blockCount;
    stats_.reservedBytes -= block.size;
  }
  blocks_.swap(kept);
  detachedSlots_.clear();
  // Every block is free at the end of a run. The free lists keep their
  // capacity, which only shrinks in need.
  for (auto &freeList : freeLists_)
    freeList.clear();
  for (uint32_t i = 0; i < blocks_.size(); ++i)
    freeLists_[blocks_[i].sizeClass].push_back(i);
  // Should this run out of memory part-way, blocks missing from the index
  // are still served and reclaimed by endRun(); only deallocate() misses
  // them, which just keeps them live until the end of the run.
  indexOf_.clear();
  for (uint32_t i = 0; i < blocks_.size(); ++i)
    indexOf_.emplace(blocks_[i].ptr, i);
}

} // namespace kiln::rt
