//===- value.cpp - kiln_value C API ---------------------------------------===//

#include "value.h"

#include "block_recycler.h"
#include "device/cuda_memory.h"

#include "elem_type.h"
#include "status.h"
#include "string_values.h"

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
  if (!owning)
    return;
  if (device)
    device->release(data);
  else if (!(recycler && recycler->give(data, blockSize, blockAlignment)))
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

void requireDeviceElemType(int32_t elemType) {
  if (elemType == KILN_ELEM_STRING || isPackedElemType(elemType))
    fail(KILN_NOT_IMPLEMENTED,
         std::string("tensors of ") + tensorTypeString(elemType) +
             " cannot live on a CUDA device in Kiln (the runtime reads "
             "them on the host)");
}

kiln_value *createDeviceTensor(int32_t elemType, const int64_t *shape,
                               size_t rank, int32_t deviceId) {
  std::unique_ptr<kiln_value> value = newTensor(elemType, shape, rank);
  requireDeviceElemType(elemType);
  std::shared_ptr<CudaMemory> device = CudaMemory::forDevice(deviceId);
  value->data = device->allocate(value->byteSize);
  value->owning = true;
  value->device = std::move(device);
  return value.release();
}

std::string deviceDescription(const kiln_value &value) {
  return value.device
             ? "CUDA device " + std::to_string(value.device->deviceId())
             : std::string("the host");
}

std::unique_ptr<kiln_value> cloneValue(const kiln_value &value) {
  // Sequences and maps are taken apart and read on the host.
  if (value.device)
    fail(KILN_INVALID_ARGUMENT,
         "a sequence or map holds tensors in host memory, not on " +
             deviceDescription(value) + ": copy the tensor to the host first");
  if (value.kind != KILN_ONNX_TYPE_TENSOR) {
    auto copy = std::make_unique<kiln_value>();
    copy->kind = value.kind;
    copy->elemType = value.elemType;
    for (const auto &part : value.elements)
      copy->elements.push_back(cloneValue(*part));
    return copy;
  }
  if (!value.owning) {
    // A view of caller memory stays one (the caller keeps it alive), a
    // view of another value's part keeps that part alive.
    auto copy = std::make_unique<kiln_value>();
    copy->keepAlive = value.keepAlive;
    copy->elemType = value.elemType;
    copy->shape = value.shape;
    copy->elementCount = value.elementCount;
    copy->byteSize = value.byteSize;
    copy->data = value.data;
    return copy;
  }
  std::unique_ptr<kiln_value> copy(
      createOwningTensor(value.elemType, value.shape.data(), value.shape.size(),
                         /*zeroFill=*/false));
  if (value.elemType == KILN_ELEM_STRING) {
    // Pointers first, then the strings copied into the value's own block;
    // an element never filled is NULL and reads as "".
    auto *dst = static_cast<const char **>(copy->data);
    auto *src = static_cast<const char *const *>(value.data);
    for (int64_t e = 0; e < value.elementCount; ++e)
      dst[e] = src[e] ? src[e] : "";
    ownStrings(*copy);
  } else if (value.byteSize) {
    std::memcpy(copy->data, value.data, value.byteSize);
  }
  return copy;
}

const char *kindDescription(const kiln_value &value) {
  switch (value.kind) {
  case KILN_ONNX_TYPE_TENSOR:
    return "a tensor";
  case KILN_ONNX_TYPE_SEQUENCE:
    return "a sequence";
  case KILN_ONNX_TYPE_MAP:
    return "a map";
  case KILN_ONNX_TYPE_OPTIONAL:
    return "None";
  default:
    return "a value of unknown kind";
  }
}

} // namespace kiln::rt

using namespace kiln::rt;

namespace {

const kiln_value &requireValue(const kiln_value *value) {
  if (!value)
    fail(KILN_INVALID_ARGUMENT, "value is NULL");
  return *value;
}

/// What a sequence's elements must share: "tensor(float)" or
/// "map(int64,tensor(float))".
std::string elementTypeString(const kiln_value &value) {
  if (value.kind == KILN_ONNX_TYPE_MAP)
    return "map(" + std::string(elemTypeName(value.elements[0]->elemType)) +
           "," + tensorTypeString(value.elements[1]->elemType) + ")";
  return tensorTypeString(value.elemType);
}

} // namespace

namespace {

/// Part `index` of a sequence or map, or INVALID_ARGUMENT.
const std::shared_ptr<kiln_value> &partOf(const kiln_value *value, size_t index,
                                          const void *out) {
  const kiln_value &v = requireValue(value);
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  if (v.kind != KILN_ONNX_TYPE_SEQUENCE && v.kind != KILN_ONNX_TYPE_MAP)
    fail(KILN_INVALID_ARGUMENT,
         std::string("Input is not of type sequence or map: it is ") +
             kindDescription(v));
  if (index >= v.elements.size())
    fail(KILN_INVALID_ARGUMENT,
         "index " + std::to_string(index) + " is out of range (the " +
             (v.kind == KILN_ONNX_TYPE_MAP ? "map" : "sequence") + " has " +
             std::to_string(v.elements.size()) + " elements)");
  return v.elements[index];
}

/// A tensor viewing `data` (kiln_value_create_tensor_with_data).
std::unique_ptr<kiln_value> viewTensor(int32_t elemType, void *data,
                                       size_t dataBytes, const int64_t *shape,
                                       size_t rank) {
  requireSupportedElemType(elemType);
  size_t elemSize = elemTypeSize(elemType);
  int64_t count = checkedElementCount(shape, rank, elemSize);
  size_t needed = tensorDataBytes(elemType, static_cast<size_t>(count));
  // Same wording as ONNX Runtime's CreateTensorWithDataAsOrtValue.
  if (dataBytes < needed)
    fail(KILN_INVALID_ARGUMENT, "not enough space: expected " +
                                    std::to_string(needed) + ", got " +
                                    std::to_string(dataBytes));
  if (!data && needed > 0)
    fail(KILN_INVALID_ARGUMENT, "data is NULL for a non-empty tensor");
  auto value = std::make_unique<kiln_value>();
  value->elemType = elemType;
  value->shape.assign(shape, shape + rank);
  value->elementCount = count;
  value->byteSize = needed;
  value->data = data;
  value->owning = false;
  return value;
}

int32_t requireDeviceType(int32_t deviceType) {
  if (deviceType != KILN_DEVICE_CPU && deviceType != KILN_DEVICE_CUDA)
    fail(KILN_INVALID_ARGUMENT, "unknown device type " +
                                    std::to_string(deviceType) +
                                    " (KILN_DEVICE_CPU or KILN_DEVICE_CUDA)");
  return deviceType;
}

} // namespace

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
  *out = viewTensor(elem_type, data, data_bytes, shape, rank).release();
  KILN_API_END
}

kiln_status *kiln_value_create_device_tensor(int32_t elem_type,
                                             const int64_t *shape, size_t rank,
                                             int32_t device_type,
                                             int32_t device_id,
                                             kiln_value **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = requireDeviceType(device_type) == KILN_DEVICE_CPU
             ? createOwningTensor(elem_type, shape, rank)
             : createDeviceTensor(elem_type, shape, rank, device_id);
  KILN_API_END
}

kiln_status *kiln_value_create_device_tensor_with_data(
    int32_t elem_type, void *data, size_t data_bytes, const int64_t *shape,
    size_t rank, int32_t device_type, int32_t device_id, kiln_value **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  // A device that cannot be used is the first thing to say.
  std::shared_ptr<CudaMemory> device;
  if (requireDeviceType(device_type) == KILN_DEVICE_CUDA)
    device = CudaMemory::forDevice(device_id);
  std::unique_ptr<kiln_value> value =
      viewTensor(elem_type, data, data_bytes, shape, rank);
  if (device) {
    requireDeviceElemType(elem_type);
    value->device = std::move(device);
    // The driver says whose memory it is and whether the host can read it
    // (an empty tensor's pointer is never read).
    if (value->byteSize) {
      CudaMemory::PointerInfo info = value->device->describe(data);
      if (info.deviceId != device_id)
        fail(KILN_INVALID_ARGUMENT, "the buffer is memory of CUDA device " +
                                        std::to_string(info.deviceId) +
                                        ", not of device " +
                                        std::to_string(device_id));
      value->hostAccessible = info.managed;
    }
  }
  *out = value.release();
  KILN_API_END
}

kiln_status *kiln_value_get_device(const kiln_value *value,
                                   int32_t *device_type, int32_t *device_id) {
  KILN_API_BEGIN
  const kiln_value &v = requireValue(value);
  if (!device_type || !device_id)
    fail(KILN_INVALID_ARGUMENT, "device_type and device_id must not be NULL");
  *device_type = v.device ? KILN_DEVICE_CUDA : KILN_DEVICE_CPU;
  *device_id = v.device ? v.device->deviceId() : 0;
  KILN_API_END
}

kiln_status *kiln_value_copy_tensor_data(const kiln_value *src,
                                         kiln_value *dst) {
  KILN_API_BEGIN
  const kiln_value &from = requireValue(src);
  kiln_value &to = const_cast<kiln_value &>(requireValue(dst));
  if (from.kind != KILN_ONNX_TYPE_TENSOR || to.kind != KILN_ONNX_TYPE_TENSOR)
    fail(KILN_INVALID_ARGUMENT, "Argument is not a tensor");
  if (from.elemType == KILN_ELEM_STRING || to.elemType == KILN_ELEM_STRING)
    fail(KILN_INVALID_ARGUMENT, "string tensors cannot be copied as bytes");
  if (from.elemType != to.elemType || from.elementCount != to.elementCount)
    fail(KILN_INVALID_ARGUMENT,
         "cannot copy " + std::to_string(from.elementCount) + " elements of " +
             tensorTypeString(from.elemType) + " into " +
             std::to_string(to.elementCount) + " elements of " +
             tensorTypeString(to.elemType));
  if (const auto &device = to.device ? to.device : from.device)
    device->copy(to.data, from.data, from.byteSize);
  else if (from.byteSize)
    std::memmove(to.data, from.data, from.byteSize);
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
  // ORT's text for GetTensorTypeAndShape on a non-tensor.
  if (value->kind != KILN_ONNX_TYPE_TENSOR)
    fail(KILN_INVALID_ARGUMENT, "Argument is not a tensor");
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
  if (value->kind != KILN_ONNX_TYPE_TENSOR)
    fail(KILN_INVALID_ARGUMENT, "Argument is not a tensor");
  *out = value->data;
  KILN_API_END
}

kiln_status *kiln_value_create_sequence(const kiln_value *const *elements,
                                        size_t count, kiln_value **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  if (count > 0 && !elements)
    fail(KILN_INVALID_ARGUMENT, "elements is NULL");
  auto seq = std::make_unique<kiln_value>();
  seq->kind = KILN_ONNX_TYPE_SEQUENCE;
  std::string first;
  for (size_t i = 0; i < count; ++i) {
    if (!elements[i])
      fail(KILN_INVALID_ARGUMENT,
           "sequence element " + std::to_string(i) + " is NULL");
    const kiln_value &e = *elements[i];
    if (e.kind != KILN_ONNX_TYPE_TENSOR && e.kind != KILN_ONNX_TYPE_MAP)
      fail(KILN_INVALID_ARGUMENT, "sequence element " + std::to_string(i) +
                                      " is " + kindDescription(e) +
                                      ": a sequence holds tensors or maps");
    std::string type = elementTypeString(e);
    if (i == 0)
      first = type;
    else if (type != first)
      fail(KILN_INVALID_ARGUMENT, "sequence element " + std::to_string(i) +
                                      " is a " + type + " but element 0 is a " +
                                      first +
                                      ": a sequence's elements have one type");
    seq->elements.push_back(cloneValue(e));
  }
  if (count > 0 && elements[0]->kind == KILN_ONNX_TYPE_TENSOR)
    seq->elemType = elements[0]->elemType;
  *out = seq.release();
  KILN_API_END
}

kiln_status *kiln_value_create_map(const kiln_value *keys,
                                   const kiln_value *values, kiln_value **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  if (!keys || !values)
    fail(KILN_INVALID_ARGUMENT, "keys and values must not be NULL");
  if (keys->kind != KILN_ONNX_TYPE_TENSOR ||
      values->kind != KILN_ONNX_TYPE_TENSOR)
    fail(KILN_INVALID_ARGUMENT, "a map's keys and values are tensors");
  if (keys->elemType != KILN_ELEM_INT64 && keys->elemType != KILN_ELEM_STRING)
    fail(KILN_INVALID_ARGUMENT, "a map's keys are int64 or string, not " +
                                    tensorTypeString(keys->elemType));
  if (keys->shape.size() != 1 || values->shape.size() != 1)
    fail(KILN_INVALID_ARGUMENT,
         "a map's keys and values are tensors of one dimension");
  // ORT's CreateValue(ONNX_TYPE_MAP) words it so.
  if (keys->shape[0] != values->shape[0])
    fail(KILN_INVALID_ARGUMENT,
         "Key and value tensors have unequal number of elements.");
  auto map = std::make_unique<kiln_value>();
  map->kind = KILN_ONNX_TYPE_MAP;
  map->elements.push_back(cloneValue(*keys));
  map->elements.push_back(cloneValue(*values));
  *out = map.release();
  KILN_API_END
}

kiln_status *kiln_value_create_none(kiln_value **out) {
  KILN_API_BEGIN
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  auto none = std::make_unique<kiln_value>();
  none->kind = KILN_ONNX_TYPE_OPTIONAL;
  *out = none.release();
  KILN_API_END
}

kiln_status *kiln_value_get_value_type(const kiln_value *value,
                                       kiln_onnx_type *out) {
  KILN_API_BEGIN
  const kiln_value &v = requireValue(value);
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = static_cast<kiln_onnx_type>(v.kind);
  KILN_API_END
}

kiln_status *kiln_value_has_value(const kiln_value *value, int *out) {
  KILN_API_BEGIN
  const kiln_value &v = requireValue(value);
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  *out = v.kind != KILN_ONNX_TYPE_OPTIONAL;
  KILN_API_END
}

kiln_status *kiln_value_get_count(const kiln_value *value, size_t *out) {
  KILN_API_BEGIN
  const kiln_value &v = requireValue(value);
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  if (v.kind != KILN_ONNX_TYPE_SEQUENCE && v.kind != KILN_ONNX_TYPE_MAP)
    fail(KILN_INVALID_ARGUMENT,
         std::string("Input is not of type sequence or map: it is ") +
             kindDescription(v));
  *out = v.elements.size();
  KILN_API_END
}

kiln_status *kiln_value_borrow_element(const kiln_value *value, size_t index,
                                       const kiln_value **out) {
  KILN_API_BEGIN
  *out = partOf(value, index, out).get();
  KILN_API_END
}

kiln_status *kiln_value_get_element(const kiln_value *value, size_t index,
                                    kiln_value **out) {
  KILN_API_BEGIN
  const std::shared_ptr<kiln_value> &part = partOf(value, index, out);
  auto view = std::make_unique<kiln_value>();
  view->kind = part->kind;
  view->elemType = part->elemType;
  if (part->kind == KILN_ONNX_TYPE_TENSOR) {
    view->shape = part->shape;
    view->elementCount = part->elementCount;
    view->byteSize = part->byteSize;
    view->data = part->data;
  } else {
    view->elements = part->elements; // shared parts
  }
  view->keepAlive = part;
  *out = view.release();
  KILN_API_END
}

} // extern "C"
