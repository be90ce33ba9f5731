//===- value.h - The kiln_value tensor object ----------------*- C++ -*-===//
#ifndef KILN_RUNTIME_VALUE_H
#define KILN_RUNTIME_VALUE_H

#include "kiln/kiln.h"

#include <cstdint>
#include <memory>
#include <vector>

/// A dense row-major tensor, owning its storage or viewing caller memory.
namespace kiln::rt {
class BlockRecycler;
} // namespace kiln::rt

struct kiln_value {
  kiln_value() = default;
  kiln_value(const kiln_value &) = delete;
  kiln_value &operator=(const kiln_value &) = delete;
  ~kiln_value();

  int32_t elemType = 0;
  std::vector<int64_t> shape;
  int64_t elementCount = 0;
  size_t byteSize = 0;
  void *data = nullptr;
  bool owning = false;
  /// Where an owned block handed over from a run goes back when the value
  /// is released (null: std::free), with its size and alignment.
  std::shared_ptr<kiln::rt::BlockRecycler> recycler;
  uint64_t blockSize = 0, blockAlignment = 0;
};

namespace kiln::rt {

/// Product of `shape`, throwing INVALID_ARGUMENT for negative dims and for
/// sizes whose byte count would not fit in memory.
int64_t checkedElementCount(const int64_t *shape, size_t rank, size_t elemSize);

/// A new owning tensor, zero-filled unless the caller is about to overwrite
/// every byte. Throws on invalid type or shape.
kiln_value *createOwningTensor(int32_t elemType, const int64_t *shape,
                               size_t rank, bool zeroFill = true);

/// A new tensor owning `data` (freed with std::free), which holds its
/// elements densely. Throws on invalid type or shape, leaving `data` to the
/// caller.
kiln_value *adoptTensor(int32_t elemType, const int64_t *shape, size_t rank,
                        void *data);

} // namespace kiln::rt

#endif // KILN_RUNTIME_VALUE_H
