//===- value.cpp - kiln_value C API ---------------------------------------===//

#include "value.h"

#include "block_recycler.h"

#include "elem_type.h"
#include "status.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>

namespace {
// Owning tensors are 64-byte aligned so that vectorised copies and any SIMD
// code reading them never straddle cache lines at the start.
constexpr size_t kTensorAlignment = 64;
} // namespace

kiln_value::~kiln_value() {
  if (owning && !(recycler && recycler->give(data, blockSize, blockAlignment)))
    std::free(data);
}

namespace kiln::rt {

int64_t checkedElementCount(const int64_t *shape, size_t rank,
                            size_t elemSize) {
  if (rank > 0 && !shape)
    fail(KILN_INVALID_ARGUMENT,
         "shape is NULL but rank is " + std::to_string(rank));
  const uint64_t limit =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) /
      (elemSize ? elemSize : 1);
  uint64_t count = 1;
  bool empty = false;
  for (size_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      fail(KILN_INVALID_ARGUMENT,
           "Tried creating tensor with negative value in shape");
    if (shape[i] == 0)
      empty = true;
  }
  if (empty)
    return 0;
  for (size_t i = 0; i < rank; ++i) {
    uint64_t dim = static_cast<uint64_t>(shape[i]);
    if (count > limit / dim)
      fail(KILN_INVALID_ARGUMENT, "tensor shape is too large");
    count *= dim;
  }
  return static_cast<int64_t>(count);
}

namespace {

/// A tensor of `shape` with no storage yet, its sizes checked.
std::unique_ptr<kiln_value> newTensor(int32_t elemType, const int64_t *shape,
                                      size_t rank) {
  requireSupportedElemType(elemType);
  size_t elemSize = elemTypeSize(elemType);
  int64_t count = checkedElementCount(shape, rank, elemSize);
  auto value = std::make_unique<kiln_value>();
  value->elemType = elemType;
  value->shape.assign(shape, shape + rank);
  value->elementCount = count;
  value->byteSize = tensorDataBytes(elemType, static_cast<size_t>(count));
  return value;
}

} // namespace

kiln_value *createOwningTensor(int32_t elemType, const int64_t *shape,
                               size_t rank, bool zeroFill) {
  std::unique_ptr<kiln_value> value = newTensor(elemType, shape, rank);
  // Even empty tensors get a real pointer: callers may not expect NULL data.
  size_t allocBytes = (value->byteSize + kTensorAlignment - 1) /
                      kTensorAlignment * kTensorAlignment;
  if (allocBytes == 0)
    allocBytes = kTensorAlignment;
  void *data = nullptr;
  if (posix_memalign(&data, kTensorAlignment, allocBytes) != 0)
    throw std::bad_alloc();
  if (zeroFill)
    std::memset(data, 0, allocBytes);
  value->data = data;
  value->owning = true;
  return value.release();
}

kiln_value *adoptTensor(int32_t elemType, const int64_t *shape, size_t rank,
                        void *data) {
  std::unique_ptr<kiln_value> value = newTensor(elemType, shape, rank);
  value->data = data;
  value->owning = true;
  return value.release();
}

} // namespace kiln::rt

using namespace kiln::rt;

extern "C" {

kiln_status *kiln_value_create_tensor(int32_t elem_type, const int64_t *shape,
                                      size_t rank, kiln_value **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = createOwningTensor(elem_type, shape, rank);
  KILN_API_END
}

kiln_status *kiln_value_create_tensor_with_data(int32_t elem_type, void *data,
                                                size_t data_bytes,
                                                const int64_t *shape,
                                                size_t rank, kiln_value **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  requireSupportedElemType(elem_type);
  size_t elemSize = elemTypeSize(elem_type);
  int64_t count = checkedElementCount(shape, rank, elemSize);
  size_t needed = tensorDataBytes(elem_type, static_cast<size_t>(count));
  // Same wording as ONNX Runtime's CreateTensorWithDataAsOrtValue.
  if (data_bytes < needed)
    fail(KILN_INVALID_ARGUMENT, "not enough space: expected " +
                                    std::to_string(needed) + ", got " +
                                    std::to_string(data_bytes));
  if (!data && needed > 0)
    fail(KILN_INVALID_ARGUMENT, "data is NULL for a non-empty tensor");
  auto value = std::make_unique<kiln_value>();
  value->elemType = elem_type;
  value->shape.assign(shape, shape + rank);
  value->elementCount = count;
  value->byteSize = needed;
  value->data = data;
  value->owning = false;
  *out = value.release();
  KILN_API_END
}

void kiln_value_release(kiln_value *value) { delete value; }

int32_t kiln_value_elem_type(const kiln_value *value) {
  return value ? value->elemType : 0;
}

size_t kiln_value_rank(const kiln_value *value) {
  return value ? value->shape.size() : 0;
}

const int64_t *kiln_value_shape(const kiln_value *value) {
  return value && !value->shape.empty() ? value->shape.data() : nullptr;
}

int64_t kiln_value_element_count(const kiln_value *value) {
  return value ? value->elementCount : 0;
}

size_t kiln_value_byte_size(const kiln_value *value) {
  return value ? value->byteSize : 0;
}

void *kiln_value_data(const kiln_value *value) {
  return value ? value->data : nullptr;
}

int kiln_value_is_owning(const kiln_value *value) {
  return value && value->owning ? 1 : 0;
}

kiln_status *kiln_value_get_type_and_shape(const kiln_value *value,
                                           int32_t *elem_type, size_t *rank,
                                           const int64_t **shape) {
  KILN_API_BEGIN
  if (!value)
    fail(KILN_INVALID_ARGUMENT, "value is NULL");
  if (!elem_type || !rank || !shape)
    fail(KILN_INVALID_ARGUMENT, "elem_type, rank and shape must not be NULL");
  *elem_type = value->elemType;
  *rank = value->shape.size();
  *shape = value->shape.empty() ? nullptr : value->shape.data();
  KILN_API_END
}

kiln_status *kiln_value_get_tensor_data(const kiln_value *value, void **out) {
  KILN_API_BEGIN
  if (!value)
    fail(KILN_INVALID_ARGUMENT, "value is NULL");
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = value->data;
  KILN_API_END
}

} // extern "C"
