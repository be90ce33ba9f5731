//===- elem_type.cpp - Facts about element types --------------------------===//

#include "elem_type.h"

#include "status.h"

namespace kiln::rt {

size_t elemTypeBits(int32_t elemType) {
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

size_t elemTypeSize(int32_t elemType) {
  size_t bits = elemTypeBits(elemType);
  // The packed types take one byte per element inside an artifact.
  return bits == 0 ? 0 : bits < 8 ? 1 : bits / 8;
}

bool isPackedElemType(int32_t elemType) {
  size_t bits = elemTypeBits(elemType);
  return bits != 0 && bits < 8;
}

size_t tensorDataBytes(int32_t elemType, size_t count) {
  size_t bits = elemTypeBits(elemType);
  if (bits >= 8)
    return count * (bits / 8);
  size_t perByte = bits ? 8 / bits : 0;
  return perByte ? (count + perByte - 1) / perByte : 0;
}

const char *elemTypeName(int32_t elemType) {
  switch (elemType) {
#define KILN_ELEM_TYPE(NAME, VALUE, ONNX_NAME, BITS, C_TYPE, NUMPY_NAME)      \
  case VALUE:                                                                  \
    return ONNX_NAME;
#include "kiln/kiln_elem_types.def"
#undef KILN_ELEM_TYPE
  default:
    return nullptr;
  }
}

std::string tensorTypeString(int32_t elemType) {
  const char *name = elemTypeName(elemType);
  if (!name)
    return "tensor(unknown type " + std::to_string(elemType) + ")";
  return std::string("tensor(") + name + ")";
}

void requireSupportedElemType(int32_t elemType) {
  if (elemTypeSize(elemType) == 0)
    fail(KILN_INVALID_ARGUMENT,
         "unknown tensor element type " + std::to_string(elemType));
}

void unpackElements(int32_t elemType, const void *packed, size_t count,
                    uint8_t *out) {
  const size_t bits = elemTypeBits(elemType);
  const unsigned perByte = static_cast<unsigned>(8 / bits);
  const unsigned mask = (1u << bits) - 1;
  const bool isSigned =
      elemType == KILN_ELEM_INT4 || elemType == KILN_ELEM_INT2;
  const uint8_t *in = static_cast<const uint8_t *>(packed);
  for (size_t i = 0; i < count; ++i) {
    unsigned v = (in[i / perByte] >> ((i % perByte) * bits)) & mask;
    if (isSigned && (v >> (bits - 1)))
      v |= ~mask; // sign-extend into the byte
    out[i] = static_cast<uint8_t>(v);
  }
}

void packElements(int32_t elemType, const uint8_t *unpacked, size_t count,
                  void *packed) {
  const size_t bits = elemTypeBits(elemType);
  const unsigned perByte = static_cast<unsigned>(8 / bits);
  const unsigned mask = (1u << bits) - 1;
  uint8_t *out = static_cast<uint8_t *>(packed);
  for (size_t i = 0; i < tensorDataBytes(elemType, count); ++i)
    out[i] = 0; // the unused high bits of a last partial byte are zero
  for (size_t i = 0; i < count; ++i)
    out[i / perByte] |= static_cast<uint8_t>((unpacked[i] & mask)
                                             << ((i % perByte) * bits));
}

} // namespace kiln::rt

extern "C" {

const char *kiln_elem_type_name(int32_t elem_type) {
  return kiln::rt::elemTypeName(elem_type);
}

size_t kiln_elem_type_size(int32_t elem_type) {
  return kiln::rt::isPackedElemType(elem_type)
             ? 0
             : kiln::rt::elemTypeSize(elem_type);
}

size_t kiln_elem_type_bits(int32_t elem_type) {
  return kiln::rt::elemTypeBits(elem_type);
}

size_t kiln_tensor_data_bytes(int32_t elem_type, size_t count) {
  return kiln::rt::tensorDataBytes(elem_type, count);
}

} // extern "C"
