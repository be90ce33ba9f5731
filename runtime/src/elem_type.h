//===- elem_type.h - Facts about element types ---------------*- C++ -*-===//
#ifndef KILN_RUNTIME_ELEM_TYPE_H
#define KILN_RUNTIME_ELEM_TYPE_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln::rt {

/// Bits per element in a tensor's data (kiln_elem_types.def); 0 for unknown
/// types.
size_t elemTypeBits(int32_t elemType);

/// Bytes per element inside an artifact (a memref's element): 1 for the
/// packed 4- and 2-bit types; 0 for unknown types.
size_t elemTypeSize(int32_t elemType);

/// Whether a tensor's data packs several elements into a byte (int4, uint4,
/// float4e2m1, int2, uint2).
bool isPackedElemType(int32_t elemType);

/// Bytes of a tensor's data holding `count` elements (packed types rounded
/// up to whole bytes).
size_t tensorDataBytes(int32_t elemType, size_t count);

/// Packed data (ONNX's layout: low bits first) -> one byte per element as an
/// artifact holds them (signed types sign-extended).
void unpackElements(int32_t elemType, const void *packed, size_t count,
                    uint8_t *out);
/// The reverse: the low bits of each byte, packed.
void packElements(int32_t elemType, const uint8_t *unpacked, size_t count,
                  void *packed);

/// "float", "int64", ...; nullptr for unknown types.
const char *elemTypeName(int32_t elemType);

/// "tensor(float)" — how ONNX Runtime names types in its messages.
std::string tensorTypeString(int32_t elemType);

/// Throws NOT_IMPLEMENTED / INVALID_ARGUMENT unless tensors of this type can
/// be created and passed to an artifact.
void requireSupportedElemType(int32_t elemType);

} // namespace kiln::rt

#endif // KILN_RUNTIME_ELEM_TYPE_H
