//===- io_signature.cpp - Name lookup over inputs/outputs -----------------===//

#include "io_signature.h"

#include <map>

namespace kiln::rt {

IoSignature::IoSignature(const kiln_artifact_t &artifact)
    : inputs(artifact.inputs), outputs(artifact.outputs),
      numInputs(artifact.num_inputs), numOutputs(artifact.num_outputs) {
  // emplace keeps the first of duplicate names, matching model order.
  for (uint32_t i = 0; i < numInputs; ++i)
    inputIndex.emplace(inputs[i].name, i);
  for (uint32_t i = 0; i < numOutputs; ++i)
    outputIndex.emplace(outputs[i].name, i);

  std::map<std::string_view, std::vector<DimUse>> uses;
  for (uint32_t i = 0; i < numInputs; ++i) {
    const kiln_tensor_info_t &info = inputs[i];
    if (!info.dim_params)
      continue;
    for (int32_t d = 0; d < info.rank; ++d) {
      const char *param = info.dim_params[d];
      if (info.dims[d] == -1 && param && *param)
        uses[param].push_back(DimUse{i, d});
    }
  }
  for (auto &entry : uses)
    if (entry.second.size() > 1)
      sharedDimParams.push_back(std::move(entry.second));
}

} // namespace kiln::rt
