//===- memref.h - MLIR memref descriptors as the ABI lays them out -*- C++
//-*-===//
//
// A rank-r descriptor is 3 + 2r 8-byte words:
//   { allocated, aligned, offset, sizes[r], strides[r] }.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_MEMREF_H
#define KILN_RUNTIME_MEMREF_H

#include <cstddef>
#include <cstdint>

struct kiln_value;

namespace kiln::rt {

constexpr size_t descriptorWords(int32_t rank) {
  return 3 + 2 * static_cast<size_t>(rank);
}

/// Fills `words` (descriptorWords(rank) long) with a descriptor viewing the
/// dense row-major tensor `value`.
void writeInputDescriptor(int64_t *words, const kiln_value &value);

/// A descriptor filled in by `entry`, read in place.
class DescriptorView {
public:
  DescriptorView(const int64_t *words, int32_t rank)
      : words_(words), rank_(rank) {}

  void *allocated() const { return wordAsPointer(0); }
  void *aligned() const { return wordAsPointer(1); }
  int64_t offset() const { return words_[2]; }
  int32_t rank() const { return rank_; }
  const int64_t *sizes() const { return words_ + 3; }
  const int64_t *strides() const { return words_ + 3 + rank_; }

private:
  void *wordAsPointer(size_t i) const {
    return reinterpret_cast<void *>(static_cast<uintptr_t>(words_[i]));
  }

  const int64_t *words_;
  int32_t rank_;
};

/// Whether `view`'s elements are laid out densely in row-major order from
/// its offset (the strides of size-1 dims do not matter).
bool isDenseRowMajor(const DescriptorView &view);

/// Copies the (possibly strided, offset) memref `src` into the dense
/// row-major buffer `dst`, which holds product(sizes) elements.
void copyToDense(const DescriptorView &src, size_t elemSize, void *dst);

} // namespace kiln::rt

#endif // KILN_RUNTIME_MEMREF_H
