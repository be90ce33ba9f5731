//===- input_validation.cpp - Check a run's feeds like ORT does -----------===//
//
// Message texts are copied from ONNX Runtime (InferenceSession::ValidateInputs
// and the Python binding's _validate_input) because users grep for them.
//
//===----------------------------------------------------------------------===//

#include "input_validation.h"

#include "elem_type.h"
#include "io_signature.h"
#include "status.h"
#include "value.h"

#include <sstream>
#include <string>

namespace kiln::rt {

namespace {

/// Python's repr() of a str, as printed inside ORT's "missing inputs" list.
std::string pythonRepr(const std::string &s) {
  char quote = '\'';
  if (s.find('\'') != std::string::npos && s.find('"') == std::string::npos)
    quote = '"';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\' || c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

template <typename Range> std::string pythonList(const Range &names) {
  std::string out = "[";
  bool first = true;
  for (const std::string &name : names) {
    if (!first)
      out += ", ";
    first = false;
    out += pythonRepr(name);
  }
  return out + "]";
}

[[noreturn]] void
failMissingInputs(const IoSignature &signature, const char *const *inputNames,
                  size_t numFeeds,
                  const std::vector<const kiln_value *> &byInput) {
  std::vector<std::string> missing;
  for (uint32_t i = 0; i < signature.numInputs; ++i)
    if (!byInput[i])
      missing.push_back(signature.inputs[i].name);
  failMissingInputNames(missing, inputNames, numFeeds);
}

void checkShape(const kiln_tensor_info_t &info, const kiln_value &value) {
  const size_t rank = value.shape.size();
  if (rank != static_cast<size_t>(info.rank))
    fail(KILN_INVALID_ARGUMENT,
         "Invalid rank for input: " + std::string(info.name) + " Got: " +
             std::to_string(rank) + " Expected: " + std::to_string(info.rank) +
             " Please fix either the inputs/outputs or the model.");
  bool ok = true;
  for (size_t d = 0; d < rank && ok; ++d)
    ok = info.dims[d] < 0 || info.dims[d] == value.shape[d];
  if (ok)
    return;
  std::ostringstream msg;
  msg << "Got invalid dimensions for input: " << info.name
      << " for the following indices\n";
  for (size_t d = 0; d < rank; ++d)
    if (info.dims[d] >= 0 && info.dims[d] != value.shape[d])
      msg << " index: " << d << " Got: " << value.shape[d]
          << " Expected: " << info.dims[d] << "\n";
  msg << " Please fix either the inputs/outputs or the model.";
  fail(KILN_INVALID_ARGUMENT, msg.str());
}

/// Inputs sharing a dim_param must agree on its value: the generated code
/// may rely on it (ONNX gives equal names equal values), and reading past
/// the end of a shorter input would be a crash, not an error.
void checkSymbolicDims(const IoSignature &signature,
                       const std::vector<const kiln_value *> &byInput) {
  for (const std::vector<DimUse> &group : signature.sharedDimParams) {
    const DimUse &first = group.front();
    int64_t value = byInput[first.input]->shape[first.axis];
    for (const DimUse &use : group) {
      int64_t other = byInput[use.input]->shape[use.axis];
      if (other == value)
        continue;
      const kiln_tensor_info_t &a = signature.inputs[first.input];
      const kiln_tensor_info_t &b = signature.inputs[use.input];
      fail(KILN_INVALID_ARGUMENT,
           "Inconsistent values for symbolic dimension '" +
               std::string(a.dim_params[first.axis]) + "': input: " + a.name +
               " index: " + std::to_string(first.axis) +
               " Got: " + std::to_string(value) + ", input: " + b.name +
               " index: " + std::to_string(use.axis) +
               " Got: " + std::to_string(other) +
               " Please fix either the inputs/outputs or the model.");
    }
  }
}

} // namespace

void failMissingInputNames(const std::vector<std::string> &missing,
                           const char *const *inputNames, size_t numFeeds) {
  std::vector<std::string> fed;
  for (size_t f = 0; f < numFeeds; ++f)
    fed.push_back(inputNames[f]);
  fail(KILN_INVALID_ARGUMENT, "Required inputs (" + pythonList(missing) +
                                  ") are missing from input feed (" +
                                  pythonList(fed) + ").");
}

void validateFeeds(const IoSignature &signature, const char *const *inputNames,
                   const kiln_value *const *inputs, size_t numFeeds,
                   bool checkSymbolic,
                   std::vector<const kiln_value *> &byInput) {
  if (numFeeds > 0 && (!inputNames || !inputs))
    fail(KILN_INVALID_ARGUMENT, "input_names and inputs must not be NULL");
  byInput.assign(signature.numInputs, nullptr);

  // Names first: the Python binding reports missing inputs before the
  // session sees the feed, so that error takes precedence.
  for (size_t f = 0; f < numFeeds; ++f) {
    if (!inputNames[f])
      fail(KILN_INVALID_ARGUMENT,
           "input name " + std::to_string(f) + " is NULL");
    auto it = signature.inputIndex.find(inputNames[f]);
    if (it == signature.inputIndex.end())
      continue; // reported below, after missing inputs
    if (byInput[it->second])
      fail(KILN_INVALID_ARGUMENT,
           std::string("Input name fed more than once: ") + inputNames[f]);
    if (!inputs[f])
      fail(KILN_INVALID_ARGUMENT,
           std::string("Input value is NULL for input: ") + inputNames[f]);
    byInput[it->second] = inputs[f];
  }
  for (uint32_t i = 0; i < signature.numInputs; ++i)
    if (!byInput[i])
      failMissingInputs(signature, inputNames, numFeeds, byInput);

  // Then each feed in feed order, as InferenceSession::ValidateInputs does.
  for (size_t f = 0; f < numFeeds; ++f) {
    auto it = signature.inputIndex.find(inputNames[f]);
    if (it == signature.inputIndex.end())
      fail(KILN_INVALID_ARGUMENT,
           std::string("Invalid input name: ") + inputNames[f]);
    const kiln_tensor_info_t &info = signature.inputs[it->second];
    const kiln_value &value = *inputs[f];
    if (value.kind != KILN_ONNX_TYPE_TENSOR)
      fail(KILN_INVALID_ARGUMENT, "input '" + std::string(info.name) + "' (" +
                                      tensorTypeString(info.elem_type) +
                                      ") takes a tensor, not " +
                                      kindDescription(value));
    if (value.elemType != info.elem_type)
      fail(KILN_INVALID_ARGUMENT, "Unexpected input data type. Actual: (" +
                                      tensorTypeString(value.elemType) +
                                      ") , expected: (" +
                                      tensorTypeString(info.elem_type) + ")");
    checkShape(info, value);
  }
  if (checkSymbolic)
    checkSymbolicDims(signature, byInput);
}

void resolveOutputs(const IoSignature &signature,
                    const char *const *outputNames, size_t numOutputs,
                    std::vector<uint32_t> &indices) {
  if (numOutputs == 0)
    fail(KILN_INVALID_ARGUMENT, "At least one output should be requested.");
  if (!outputNames)
    fail(KILN_INVALID_ARGUMENT, "output_names must not be NULL");
  indices.resize(numOutputs);
  for (size_t o = 0; o < numOutputs; ++o) {
    if (!outputNames[o])
      fail(KILN_INVALID_ARGUMENT,
           "output name " + std::to_string(o) + " is NULL");
    auto it = signature.outputIndex.find(outputNames[o]);
    if (it == signature.outputIndex.end())
      fail(KILN_INVALID_ARGUMENT,
           std::string("Invalid output name:") + outputNames[o]);
    indices[o] = it->second;
  }
}

void validatePreallocatedOutputType(const IoSignature &signature,
                                    uint32_t output, const kiln_value &value) {
  int32_t expected = signature.outputs[output].elem_type;
  if (value.kind != KILN_ONNX_TYPE_TENSOR)
    fail(KILN_INVALID_ARGUMENT,
         "output '" + std::string(signature.outputs[output].name) +
             "' is a tensor: it cannot be preallocated as " +
             kindDescription(value));
  if (value.elemType != expected)
    fail(KILN_INVALID_ARGUMENT, "Unexpected output data type. Actual: (" +
                                    tensorTypeString(value.elemType) +
                                    ") , expected: (" +
                                    tensorTypeString(expected) + ")");
}

} // namespace kiln::rt
