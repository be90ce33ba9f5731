//===- host_tensor.cpp - A tensor read from or written to a file ----------===//

#include "host_tensor.h"

#include <cmath>
#include <limits>

namespace kiln::tools {

size_t hostElemBits(int32_t elemType) {
  switch (elemType) {
#define KILN_ELEM_TYPE(NAME, VALUE, ONNX_NAME, BITS, C_TYPE, NUMPY_NAME)      \
  case VALUE:                                                                  \
    return BITS;
#include "kiln/kiln_elem_types.def"
#undef KILN_ELEM_TYPE
  default:
    return 0;
  }
}

size_t hostElemSize(int32_t elemType) {
  if (elemType == 8) // strings are not read from or written to files
    return 0;
  size_t bits = hostElemBits(elemType);
  return bits == 0 ? 0 : bits < 8 ? 1 : bits / 8;
}

size_t hostDataBytes(int32_t elemType, int64_t count) {
  size_t bits = hostElemBits(elemType);
  size_t n = static_cast<size_t>(count);
  if (bits >= 8 || bits == 0)
    return n * hostElemSize(elemType);
  size_t perByte = 8 / bits;
  return (n + perByte - 1) / perByte;
}

uint8_t packedElement(int32_t elemType, const uint8_t *data, size_t i) {
  size_t bits = hostElemBits(elemType);
  size_t perByte = 8 / bits;
  return (data[i / perByte] >> ((i % perByte) * bits)) & ((1u << bits) - 1);
}

std::vector<uint8_t> packElements(int32_t elemType, const uint8_t *bytes,
                                  size_t count) {
  size_t bits = hostElemBits(elemType);
  size_t perByte = 8 / bits;
  std::vector<uint8_t> out((count + perByte - 1) / perByte, 0);
  for (size_t i = 0; i < count; ++i)
    out[i / perByte] |= static_cast<uint8_t>(
        (bytes[i] & ((1u << bits) - 1)) << ((i % perByte) * bits));
  return out;
}

double narrowFloatValue(int32_t elemType, uint8_t bits) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (elemType == 24) // FLOAT8E8M0: 2^(e - 127), 0xFF is NaN
    return bits == 0xFF ? nan : std::ldexp(1.0, bits - 127);
  // exponent bits, mantissa bits, bias, and which encodings are special.
  int e = 4, m = 3, bias = 7;
  bool ieee = false, fnuz = false;
  switch (elemType) {
  case 17: break;                                // FLOAT8E4M3FN
  case 18: bias = 8, fnuz = true; break;         // FLOAT8E4M3FNUZ
  case 19: e = 5, m = 2, bias = 15, ieee = true; break; // FLOAT8E5M2
  case 20: e = 5, m = 2, bias = 16, fnuz = true; break; // FLOAT8E5M2FNUZ
  case 23: e = 2, m = 1, bias = 1; break;        // FLOAT4E2M1
  default: return nan;
  }
  unsigned signBit = 1u << (e + m);
  if (fnuz && bits == signBit)
    return nan;
  unsigned exp = (bits >> m) & ((1u << e) - 1), man = bits & ((1u << m) - 1);
  if (ieee && exp == (1u << e) - 1)
    return man ? nan : (bits & signBit ? -1 : 1) *
                           std::numeric_limits<double>::infinity();
  if (elemType == 17 && exp == 15 && man == 7)
    return nan;
  double v = exp ? std::ldexp(1.0 + man / double(1u << m), int(exp) - bias)
                 : std::ldexp(man / double(1u << m), 1 - bias);
  return bits & signBit ? -v : v;
}

const char *numpyTypeName(int32_t elemType) {
  switch (elemType) {
#define KILN_ELEM_TYPE(NAME, VALUE, ONNX_NAME, BITS, C_TYPE, NUMPY_NAME)      \
  case VALUE:                                                                  \
    return VALUE == 8 ? "string" : #NUMPY_NAME;
#include "kiln/kiln_elem_types.def"
#undef KILN_ELEM_TYPE
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
