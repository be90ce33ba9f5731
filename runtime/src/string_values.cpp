//===- string_values.cpp - String tensors in the runtime ------------------===//

#include "string_values.h"

#include "status.h"
#include "value.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace kiln::rt {

void checkStringInputs(const IoSignature &signature,
                       const std::vector<const kiln_value *> &byInput) {
  for (uint32_t i = 0; i < signature.numInputs; ++i) {
    const kiln_value *value = byInput[i];
    if (signature.inputs[i].elem_type != KILN_ELEM_STRING || !value)
      continue;
    auto strings = static_cast<const char *const *>(value->data);
    for (int64_t e = 0; e < value->elementCount; ++e)
      if (!strings[e])
        fail(KILN_INVALID_ARGUMENT,
             std::string("string input ") + signature.inputs[i].name +
                 " has a NULL element at index " + std::to_string(e));
  }
}

void rejectPreallocatedString(const kiln_value &value) {
  if (value.elemType == KILN_ELEM_STRING)
    fail(KILN_NOT_IMPLEMENTED,
         "string outputs must be allocated by the runtime (pass NULL)");
}

void ownStrings(kiln_value &value) {
  auto strings = static_cast<const char **>(value.data);
  size_t count = static_cast<size_t>(value.elementCount);
  size_t pointerBytes = count * sizeof(const char *);
  size_t total = pointerBytes;
  for (size_t e = 0; e < count; ++e)
    total += std::strlen(strings[e]) + 1;
  // Same alignment as every owning tensor (value.cpp).
  constexpr size_t kAlignment = 64;
  void *block = nullptr;
  if (posix_memalign(&block, kAlignment, total ? total : kAlignment) != 0)
    throw std::bad_alloc();
  auto copies = static_cast<const char **>(block);
  char *bytes = static_cast<char *>(block) + pointerBytes;
  for (size_t e = 0; e < count; ++e) {
    size_t size = std::strlen(strings[e]) + 1;
    std::memcpy(bytes, strings[e], size);
    copies[e] = bytes;
    bytes += size;
  }
  std::free(value.data);
  value.data = block;
}

} // namespace kiln::rt

using namespace kiln::rt;

namespace {

/// The owning string tensor `value` (for the fill calls).
kiln_value &requireOwnedStrings(kiln_value *value) {
  if (!value)
    fail(KILN_INVALID_ARGUMENT, "value is NULL");
  if (value->elemType != KILN_ELEM_STRING)
    fail(KILN_INVALID_ARGUMENT, "the value is not a string tensor");
  if (!value->owning)
    fail(KILN_INVALID_ARGUMENT,
         "the string tensor wraps caller memory; fill the caller's array "
         "instead");
  return *value;
}

/// Points `value`'s elements at `strings` (NULL read as "") and copies them
/// into one block the value owns (ownStrings), freeing the old block.
void ownCopiesOf(kiln_value &value, std::vector<const char *> strings) {
  for (const char *&s : strings)
    if (!s)
      s = "";
  std::memcpy(value.data, strings.data(), strings.size() * sizeof(char *));
  ownStrings(value);
}

} // namespace

extern "C" {

kiln_status *kiln_value_fill_string_tensor(kiln_value *value,
                                           const char *const *strings,
                                           size_t count) {
  KILN_API_BEGIN
  kiln_value &v = requireOwnedStrings(value);
  if (count != static_cast<size_t>(v.elementCount))
    fail(KILN_INVALID_ARGUMENT,
         "input array doesn't equal tensor size: " + std::to_string(count) +
             " strings for " + std::to_string(v.elementCount) + " elements");
  if (count && !strings)
    fail(KILN_INVALID_ARGUMENT, "strings is NULL");
  for (size_t e = 0; e < count; ++e)
    if (!strings[e])
      fail(KILN_INVALID_ARGUMENT, "string " + std::to_string(e) + " is NULL");
  ownCopiesOf(v, std::vector<const char *>(strings, strings + count));
  KILN_API_END
}

kiln_status *kiln_value_fill_string_tensor_element(kiln_value *value,
                                                   const char *string,
                                                   size_t index) {
  KILN_API_BEGIN
  kiln_value &v = requireOwnedStrings(value);
  if (!string)
    fail(KILN_INVALID_ARGUMENT, "string is NULL");
  if (index >= static_cast<size_t>(v.elementCount))
    fail(KILN_INVALID_ARGUMENT, "element index " + std::to_string(index) +
                                    " is out of range (the tensor has " +
                                    std::to_string(v.elementCount) +
                                    " elements)");
  auto current = static_cast<const char *const *>(v.data);
  std::vector<const char *> strings(current, current + v.elementCount);
  // `string` is copied before the old block (which may hold it) is freed.
  std::string copy(string);
  strings[index] = copy.c_str();
  ownCopiesOf(v, std::move(strings));
  KILN_API_END
}

} // extern "C"
