//===- elem_type.h - Facts about element types ---------------*- C++ -*-===//
#ifndef KILN_RUNTIME_ELEM_TYPE_H
#define KILN_RUNTIME_ELEM_TYPE_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln::rt {

/// Bytes per element; 0 for unknown types and STRING, which the runtime does
/// not support (it has no fixed size).
size_t elemTypeSize(int32_t elemType);

/// "float", "int64", ...; nullptr for unknown types.
const char *elemTypeName(int32_t elemType);

/// "tensor(float)" — how ONNX Runtime names types in its messages.
std::string tensorTypeString(int32_t elemType);

/// Throws NOT_IMPLEMENTED / INVALID_ARGUMENT unless tensors of this type can
/// be created and passed to an artifact.
void requireSupportedElemType(int32_t elemType);

} // namespace kiln::rt

#endif // KILN_RUNTIME_ELEM_TYPE_H
