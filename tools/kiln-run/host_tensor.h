//===- host_tensor.h - A tensor read from or written to a file -*- C++ -*-===//
//
// The common currency of kiln-run's file readers and writers: element type
// (ONNX TensorProto.DataType numbering), shape and dense row-major
// little-endian bytes. Deliberately independent of the runtime so the
// readers can be reused elsewhere.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_KILN_RUN_HOST_TENSOR_H
#define KILN_TOOLS_KILN_RUN_HOST_TENSOR_H

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiln::tools {

struct HostTensor {
  int32_t elemType = 0;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  int64_t elementCount() const;
};

/// Bytes per element for the ONNX types Kiln supports (1 for the packed 4-
/// and 2-bit types, whose data is packed: see hostDataBytes); 0 otherwise.
size_t hostElemSize(int32_t elemType);

/// Bits per element (kiln_elem_types.def); 0 for unknown types.
size_t hostElemBits(int32_t elemType);

/// Bytes of `count` elements: packed two or four to a byte for the 4- and
/// 2-bit types, low bits first, as ONNX (and the runtime) hold them.
size_t hostDataBytes(int32_t elemType, int64_t count);

/// Element `i` of packed data, in the low bits (unsigned).
uint8_t packedElement(int32_t elemType, const uint8_t *data, size_t i);

/// `count` elements of one byte each (their low bits) packed.
std::vector<uint8_t> packElements(int32_t elemType, const uint8_t *bytes,
                                  size_t count);

/// The value of a float8/float4 element `bits` of type `elemType`.
double narrowFloatValue(int32_t elemType, uint8_t bits);

/// numpy's name for an ONNX element type ("float32", "int64", "bfloat16").
const char *numpyTypeName(int32_t elemType);

/// Product of `shape`, throwing FileFormatError on negative or huge dims.
int64_t checkedElementCount(const std::vector<int64_t> &shape);

/// Thrown by the readers for unreadable, malformed or unsupported files.
class FileFormatError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace kiln::tools

#endif // KILN_TOOLS_KILN_RUN_HOST_TENSOR_H
