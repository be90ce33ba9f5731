//===- host_tensor.cpp - A tensor read from or written to a file ----------===//

#include "host_tensor.h"

#include <limits>

namespace kiln::tools {

size_t hostElemSize(int32_t elemType) {
  switch (elemType) {
  case 2: // UINT8
  case 3: // INT8
  case 9: // BOOL
    return 1;
  case 4:  // UINT16
  case 5:  // INT16
  case 10: // FLOAT16
  case 16: // BFLOAT16
    return 2;
  case 1:  // FLOAT
  case 6:  // INT32
  case 12: // UINT32
    return 4;
  case 7:  // INT64
  case 11: // DOUBLE
  case 13: // UINT64
    return 8;
  default:
    return 0;
  }
}

const char *numpyTypeName(int32_t elemType) {
  switch (elemType) {
  case 1:
    return "float32";
  case 2:
    return "uint8";
  case 3:
    return "int8";
  case 4:
    return "uint16";
  case 5:
    return "int16";
  case 6:
    return "int32";
  case 7:
    return "int64";
  case 8:
    return "string";
  case 9:
    return "bool";
  case 10:
    return "float16";
  case 11:
    return "float64";
  case 12:
    return "uint32";
  case 13:
    return "uint64";
  case 16:
    return "bfloat16";
  default:
    return "unknown";
  }
}

int64_t checkedElementCount(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      throw FileFormatError("negative dimension " + std::to_string(dim));
    if (dim == 0)
      return 0;
  }
  for (int64_t dim : shape) {
    if (count > std::numeric_limits<int64_t>::max() / 16 / dim)
      throw FileFormatError("tensor is too large");
    count *= dim;
  }
  return count;
}

int64_t HostTensor::elementCount() const { return checkedElementCount(shape); }

} // namespace kiln::tools
