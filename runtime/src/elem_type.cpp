//===- elem_type.cpp - Facts about element types --------------------------===//

#include "elem_type.h"

#include "status.h"

namespace kiln::rt {

size_t elemTypeSize(int32_t elemType) {
  switch (elemType) {
  case KILN_ELEM_BOOL:
  case KILN_ELEM_UINT8:
  case KILN_ELEM_INT8:
    return 1;
  case KILN_ELEM_UINT16:
  case KILN_ELEM_INT16:
  case KILN_ELEM_FLOAT16:
  case KILN_ELEM_BFLOAT16:
    return 2;
  case KILN_ELEM_FLOAT:
  case KILN_ELEM_INT32:
  case KILN_ELEM_UINT32:
    return 4;
  case KILN_ELEM_DOUBLE:
  case KILN_ELEM_INT64:
  case KILN_ELEM_UINT64:
  case KILN_ELEM_STRING: // a const char * per element (see kiln.h)
    return 8;
  default:
    return 0;
  }
}

const char *elemTypeName(int32_t elemType) {
  switch (elemType) {
  case KILN_ELEM_FLOAT:
    return "float";
  case KILN_ELEM_UINT8:
    return "uint8";
  case KILN_ELEM_INT8:
    return "int8";
  case KILN_ELEM_UINT16:
    return "uint16";
  case KILN_ELEM_INT16:
    return "int16";
  case KILN_ELEM_INT32:
    return "int32";
  case KILN_ELEM_INT64:
    return "int64";
  case KILN_ELEM_STRING:
    return "string";
  case KILN_ELEM_BOOL:
    return "bool";
  case KILN_ELEM_FLOAT16:
    return "float16";
  case KILN_ELEM_DOUBLE:
    return "double";
  case KILN_ELEM_UINT32:
    return "uint32";
  case KILN_ELEM_UINT64:
    return "uint64";
  case KILN_ELEM_BFLOAT16:
    return "bfloat16";
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

} // namespace kiln::rt

extern "C" {

const char *kiln_elem_type_name(int32_t elem_type) {
  return kiln::rt::elemTypeName(elem_type);
}

size_t kiln_elem_type_size(int32_t elem_type) {
  return kiln::rt::elemTypeSize(elem_type);
}

} // extern "C"
