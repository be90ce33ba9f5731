//===- value.h - The kiln_value tensor object ----------------*- C++ -*-===//
#ifndef KILN_RUNTIME_VALUE_H
#define KILN_RUNTIME_VALUE_H

#include "kiln/kiln.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::rt {
class BlockRecycler;
class CudaMemory;
} // namespace kiln::rt

/// A value at a model's edge, as ORT's OrtValue: a dense row-major tensor
/// (owning its storage or viewing caller memory), a sequence, a map, or none
/// (an absent optional).

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
  /// A tensor in a CUDA device's memory (an OrtValue on 'cuda'): that
  /// device, which an owning value's memory goes back to. Null for host
  /// memory.
  std::shared_ptr<kiln::rt::CudaMemory> device;
  /// Whether the host may read `data`: host memory, or a device's managed
  /// memory (everything Kiln allocates there; see cuda_memory.h). A run
  /// passes a device input it may read to its launches as it is.
  bool hostAccessible = true;
  /// KILN_ONNX_TYPE_TENSOR (the fields above), _SEQUENCE (its elements),
  /// _MAP (elements[0] the keys, elements[1] the values, both rank 1) or
  /// _OPTIONAL (none: no value at all).
  int32_t kind = KILN_ONNX_TYPE_TENSOR;
  /// A sequence's or map's parts. Shared so that kiln_value_get_element can
  /// hand out a view that keeps its part alive without copying it.
  std::vector<std::shared_ptr<kiln_value>> elements;
  /// What a view handed out by kiln_value_get_element reads: kept alive as
  /// long as the view.
  std::shared_ptr<kiln_value> keepAlive;
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

/// A value holding the same thing as `value`, independent of it: a tensor
/// viewing caller memory stays a view of that memory, an owning tensor's
/// data (strings included) is copied, sequences and maps are cloned part
/// by part. What kiln_value_create_sequence/_map do to their arguments.
std::unique_ptr<kiln_value> cloneValue(const kiln_value &value);

/// Throws NOT_IMPLEMENTED for the element types that cannot live on a CUDA
/// device: strings and the packed types, which the runtime reads on the
/// host.
void requireDeviceElemType(int32_t elemType);

/// A new tensor in the memory of CUDA device `deviceId` (managed memory,
/// not initialised). Throws on invalid type or shape, KilnError EP_FAIL
/// when the device cannot be used, NOT_IMPLEMENTED for strings and the
/// packed types (the runtime reads those on the host).
kiln_value *createDeviceTensor(int32_t elemType, const int64_t *shape,
                               size_t rank, int32_t deviceId);

/// "CUDA device 0": where a value lives, for messages ("the host" for
/// host memory).
std::string deviceDescription(const kiln_value &value);

/// "a tensor", "a sequence", "a map", "None": for messages.
const char *kindDescription(const kiln_value &value);

} // namespace kiln::rt

#endif // KILN_RUNTIME_VALUE_H
