//===- string_values.cpp - String tensors in the runtime ------------------===//

#include "string_values.h"

#include "status.h"
#include "value.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

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
