//===- input_validation.h - Check a run's feeds like ORT does -*- C++ -*-===//
#ifndef KILN_RUNTIME_INPUT_VALIDATION_H
#define KILN_RUNTIME_INPUT_VALIDATION_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct kiln_value;

namespace kiln::rt {

struct IoSignature;

/// Checks the feeds against the model's inputs and returns, in `byInput`
/// (resized to the number of model inputs), the value feeding each input.
/// Throws INVALID_ARGUMENT with ONNX Runtime's exact message texts.
void validateFeeds(const IoSignature &signature, const char *const *inputNames,
                   const kiln_value *const *inputs, size_t numFeeds,
                   bool checkSymbolicDims,
                   std::vector<const kiln_value *> &byInput);

/// Throws ORT's "Required inputs ([...]) are missing from input feed
/// ([...])." for the `missing` inputs.
[[noreturn]] void failMissingInputNames(const std::vector<std::string> &missing,
                                        const char *const *inputNames,
                                        size_t numFeeds);

/// Resolves output names to output indices (`indices` is resized), throwing
/// ORT's "Invalid output name:" error.
void resolveOutputs(const IoSignature &signature,
                    const char *const *outputNames, size_t numOutputs,
                    std::vector<uint32_t> &indices);

/// Checks a caller-provided output tensor against the model's output type.
void validatePreallocatedOutputType(const IoSignature &signature,
                                    uint32_t output, const kiln_value &value);

} // namespace kiln::rt

#endif // KILN_RUNTIME_INPUT_VALIDATION_H
