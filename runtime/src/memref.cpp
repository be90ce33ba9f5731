//===- memref.cpp - MLIR memref descriptors -------------------------------===//

#include "memref.h"

#include "value.h"

#include <cstring>

namespace kiln::rt {

void writeInputDescriptor(int64_t *words, const kiln_value &value) {
  auto pointerWord =
      static_cast<int64_t>(reinterpret_cast<uintptr_t>(value.data));
  size_t rank = value.shape.size();
  words[0] = pointerWord;
  words[1] = pointerWord;
  words[2] = 0;
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    words[3 + d] = value.shape[d];
    words[3 + rank + d] = stride;
    stride *= value.shape[d] > 0 ? value.shape[d] : 1;
  }
}

namespace {

/// Copies the innermost dimension: one memcpy when it is contiguous.
void copyRow(const char *src, int64_t count, int64_t strideBytes,
             size_t elemSize, char *dst) {
  if (strideBytes == static_cast<int64_t>(elemSize)) {
    std::memcpy(dst, src, static_cast<size_t>(count) * elemSize);
    return;
  }
  for (int64_t i = 0; i < count; ++i)
    std::memcpy(dst + i * elemSize, src + i * strideBytes, elemSize);
}

} // namespace

bool isDenseRowMajor(const DescriptorView &view) {
  const int64_t *sizes = view.sizes();
  const int64_t *strides = view.strides();
  int64_t expected = 1;
  for (int32_t d = view.rank(); d-- > 0;) {
    if (sizes[d] != 1 && strides[d] != expected)
      return false;
    expected *= sizes[d];
  }
  return true;
}

void copyToDense(const DescriptorView &src, size_t elemSize, void *dst) {
  const int32_t rank = src.rank();
  const int64_t *sizes = src.sizes();
  const int64_t *strides = src.strides();
  int64_t count = 1;
  for (int32_t d = 0; d < rank; ++d)
    count *= sizes[d];
  if (count == 0)
    return;
  const char *base = static_cast<const char *>(src.aligned()) +
                     src.offset() * static_cast<int64_t>(elemSize);
  char *out = static_cast<char *>(dst);

  // Dense row-major (strides of size-1 dims do not matter): one memcpy.
  if (isDenseRowMajor(src)) {
    std::memcpy(out, base, static_cast<size_t>(count) * elemSize);
    return;
  }

  // Walk the outer dims with an odometer, copying one innermost row per step.
  const int64_t elem = static_cast<int64_t>(elemSize);
  const int64_t rowLength = sizes[rank - 1];
  const int64_t rowStrideBytes = strides[rank - 1] * elem;
  const int64_t rowBytes = rowLength * elem;
  int64_t index[64] = {};
  // Ranks beyond the fixed buffer fall back to a per-element walk.
  if (rank > 64) {
    for (int64_t linear = 0; linear < count; ++linear) {
      int64_t rest = linear, offsetElems = 0;
      for (int32_t d = rank; d-- > 0;) {
        offsetElems += (rest % sizes[d]) * strides[d];
        rest /= sizes[d];
      }
      std::memcpy(out + linear * elem, base + offsetElems * elem, elemSize);
    }
    return;
  }
  const char *row = base;
  for (int64_t produced = 0; produced < count; produced += rowLength) {
    copyRow(row, rowLength, rowStrideBytes, elemSize, out);
    out += rowBytes;
    // Advance the odometer over dims rank-2 .. 0.
    for (int32_t d = rank - 2; d >= 0; --d) {
      row += strides[d] * elem;
      if (++index[d] < sizes[d])
        break;
      row -= sizes[d] * strides[d] * elem;
      index[d] = 0;
    }
  }
}

} // namespace kiln::rt
