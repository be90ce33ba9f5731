//===- string_values.h - String tensors in the runtime -------*- C++ -*-===//
//
// A string tensor's elements are `const char *` to NUL-terminated UTF-8 (8
// bytes each, see kiln.h). Inputs are passed to the artifact as they are;
// string outputs point into the run's arena (or at inputs, or at constants
// of the artifact), so they are deep-copied into storage the output value
// owns before the arena is reset.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_STRING_VALUES_H
#define KILN_RUNTIME_STRING_VALUES_H

#include "io_signature.h"

#include <vector>

struct kiln_value;

namespace kiln::rt {

/// Throws INVALID_ARGUMENT naming the input when a string input has a NULL
/// element (the generated code would dereference it).
void checkStringInputs(const IoSignature &signature,
                       const std::vector<const kiln_value *> &byInput);

/// Throws NOT_IMPLEMENTED for a caller-allocated string output: its strings
/// would need storage the caller does not own.
void rejectPreallocatedString(const kiln_value &value);

/// Replaces the owning string tensor `value`'s pointers (into run memory) by
/// pointers to copies held in one block that `value` owns: the pointer
/// array followed by the bytes, so freeing `value->data` frees both.
void ownStrings(kiln_value &value);

} // namespace kiln::rt

#endif // KILN_RUNTIME_STRING_VALUES_H
