//===- io_signature.cpp - Name lookup over inputs/outputs -----------------===//

#include "io_signature.h"

#include "kiln/kiln.h"

#include <cstring>
#include <map>

namespace kiln::rt {

namespace {

int32_t elemTypeNamed(const std::string &name) {
#define KILN_ELEM_TYPE(NAME, VALUE, ONNX_NAME, BITS, C_TYPE, NUMPY_NAME)       \
  if (name == ONNX_NAME)                                                       \
    return VALUE;
#include "kiln/kiln_elem_types.def"
#undef KILN_ELEM_TYPE
  return 0;
}

int32_t onnxTypeOf(const ValueInfo &v) {
  if (v.flags & KILN_VALUE_FLAG_OPTIONAL)
    return KILN_ONNX_TYPE_OPTIONAL;
  switch (v.kind) {
  case KILN_VALUE_TENSOR:
    return KILN_ONNX_TYPE_TENSOR;
  case KILN_VALUE_MAP:
    return KILN_ONNX_TYPE_MAP;
  default:
    return KILN_ONNX_TYPE_SEQUENCE;
  }
}

void buildValues(const kiln_value_info_t *table, uint32_t count,
                 const kiln_tensor_info_t *slots, uint32_t numSlots,
                 std::vector<ValueInfo> &values,
                 std::unordered_map<std::string_view, uint32_t> &index) {
  if (table) {
    for (uint32_t i = 0; i < count; ++i) {
      const kiln_value_info_t &t = table[i];
      ValueInfo v{t.name,      t.type, t.kind, t.flags, t.first_slot,
                  t.num_slots, 0,      0,      0};
      v.elemType = elemTypeOfTypeString(v.type, &v.keyType);
      v.onnxType = onnxTypeOf(v);
      values.push_back(std::move(v));
    }
  } else {
    for (uint32_t s = 0; s < numSlots; ++s) {
      const char *elem = kiln_elem_type_name(slots[s].elem_type);
      ValueInfo v{slots[s].name,
                  std::string("tensor(") + (elem ? elem : "undefined") + ")",
                  KILN_VALUE_TENSOR,
                  0,
                  s,
                  1,
                  KILN_ONNX_TYPE_TENSOR,
                  slots[s].elem_type,
                  0};
      values.push_back(std::move(v));
    }
  }
  // emplace keeps the first of duplicate names, matching model order.
  for (uint32_t i = 0; i < values.size(); ++i)
    index.emplace(values[i].name, i);
}

} // namespace

int32_t elemTypeOfTypeString(const std::string &type, int32_t *keyType) {
  if (keyType) {
    *keyType = 0;
    size_t map = type.find("map(");
    if (map != std::string::npos) {
      size_t comma = type.find(',', map);
      if (comma != std::string::npos)
        *keyType = elemTypeNamed(type.substr(map + 4, comma - map - 4));
    }
  }
  size_t tensor = type.rfind("tensor(");
  if (tensor == std::string::npos)
    return 0;
  size_t close = type.find(')', tensor);
  if (close == std::string::npos)
    return 0;
  return elemTypeNamed(type.substr(tensor + 7, close - tensor - 7));
}

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

  // The value tables only exist from ABI 4 on: an ABI 3 descriptor ends
  // before them.
  const bool v4 = artifact.abi_version >= 4;
  const kiln_value_info_t *inTable = v4 ? artifact.input_values : nullptr;
  const kiln_value_info_t *outTable = v4 ? artifact.output_values : nullptr;
  buildValues(inTable, v4 ? artifact.num_input_values : 0, inputs, numInputs,
              inputValues, inputValueIndex);
  buildValues(outTable, v4 ? artifact.num_output_values : 0, outputs,
              numOutputs, outputValues, outputValueIndex);
  // A table of plain tensors named as their slots changes nothing.
  auto plain = [](const std::vector<ValueInfo> &values,
                  const kiln_tensor_info_t *slots, uint32_t numSlots) {
    if (values.size() != numSlots)
      return false;
    for (uint32_t i = 0; i < numSlots; ++i)
      if (values[i].kind != KILN_VALUE_TENSOR || values[i].flags ||
          values[i].firstSlot != i ||
          std::strcmp(values[i].name, slots[i].name) != 0)
        return false;
    return true;
  };
  hasValues = !plain(inputValues, inputs, numInputs) ||
              !plain(outputValues, outputs, numOutputs);
  for (uint32_t i = 0; i < outputValues.size(); ++i)
    if (outputValues[i].flags & KILN_VALUE_FLAG_RUNTIME) {
      runtimeOutputValue.resize(numOutputs, -1);
      runtimeOutputValue[outputValues[i].firstSlot] = static_cast<int32_t>(i);
    }
}

} // namespace kiln::rt
