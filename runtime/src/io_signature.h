//===- io_signature.h - Name lookup over an artifact's inputs/outputs -*- C++
//-*-===//
#ifndef KILN_RUNTIME_IO_SIGNATURE_H
#define KILN_RUNTIME_IO_SIGNATURE_H

#include "kiln/kiln_abi.h"

#include <string_view>
#include <unordered_map>
#include <vector>

namespace kiln::rt {

/// Where one dynamic dim occurs: input `input`, axis `axis`.
struct DimUse {
  uint32_t input;
  int32_t axis;
};

/// Lookup tables built once per session from the artifact's tensor infos.
/// Keys view the artifact's strings, which live as long as the artifact.
struct IoSignature {
  explicit IoSignature(const kiln_artifact_t &artifact);

  const kiln_tensor_info_t *inputs;
  const kiln_tensor_info_t *outputs;
  uint32_t numInputs;
  uint32_t numOutputs;
  std::unordered_map<std::string_view, uint32_t> inputIndex;
  std::unordered_map<std::string_view, uint32_t> outputIndex;
  /// Dynamic dims grouped by dim_param, for groups used more than once.
  std::vector<std::vector<DimUse>> sharedDimParams;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_IO_SIGNATURE_H
