//===- block_recycler.cpp - Output blocks kept for the next runs ----------===//

#include "block_recycler.h"

#include <cstdlib>

namespace kiln::rt {

BlockRecycler::BlockRecycler(uint64_t capacityBytes, size_t capacityBlocks)
    : capacityBytes_(capacityBytes), capacityBlocks_(capacityBlocks) {
  // Reserved up front so that give() never allocates.
  kept_.reserve(capacityBlocks_);
}

BlockRecycler::~BlockRecycler() {
  for (const Kept &block : kept_)
    std::free(block.ptr);
}

bool BlockRecycler::give(void *ptr, uint64_t size, uint64_t alignment) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!ptr || kept_.size() >= capacityBlocks_ ||
      size > capacityBytes_ - keptBytes_)
    return false;
  kept_.push_back(Kept{ptr, size, alignment});
  keptBytes_ += size;
  return true;
}

void *BlockRecycler::take(uint64_t size, uint64_t alignment) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = kept_.size(); i-- > 0;) {
    if (kept_[i].size != size || kept_[i].alignment < alignment)
      continue;
    void *ptr = kept_[i].ptr;
    kept_.erase(kept_.begin() + static_cast<std::ptrdiff_t>(i));
    keptBytes_ -= size;
    return ptr;
  }
  return nullptr;
}

uint64_t BlockRecycler::keptBytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return keptBytes_;
}

} // namespace kiln::rt
