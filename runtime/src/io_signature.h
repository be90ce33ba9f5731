//===- io_signature.h - Name lookup over an artifact's inputs/outputs -*- C++
//-*-===//
#ifndef KILN_RUNTIME_IO_SIGNATURE_H
#define KILN_RUNTIME_IO_SIGNATURE_H

#include "kiln/kiln_abi.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kiln::rt {

/// Where one dynamic dim occurs: input `input`, axis `axis`.
struct DimUse {
  uint32_t input;
  int32_t axis;
};

/// One graph input or output over the artifact's tensor slots: the
/// artifact's kiln_value_info_t, or one synthesized for a tensor slot when
/// the artifact has no table (ABI 3, or only tensors).
struct ValueInfo {
  const char *name;
  /// ORT's type string ("seq(tensor(float))").
  std::string type;
  uint32_t kind;  // KILN_VALUE_*
  uint32_t flags; // KILN_VALUE_FLAG_*
  uint32_t firstSlot;
  uint32_t numSlots;
  /// KILN_ONNX_TYPE_* the API reports for it.
  int32_t onnxType;
  /// The element type of the tensors it holds (a map's values), from the
  /// type string; 0 when unknown.
  int32_t elemType;
  /// A map's key type; 0 otherwise.
  int32_t keyType;
};

/// The element type named by the innermost "tensor(<name>)" of an ORT type
/// string, 0 when there is none; `keyType` receives the key type of the
/// first "map(<key>," (0 when none).
int32_t elemTypeOfTypeString(const std::string &type, int32_t *keyType);

/// Lookup tables built once per session from the artifact's tensor infos.
/// Keys view the artifact's strings, which live as long as the artifact.
struct IoSignature {
  explicit IoSignature(const kiln_artifact_t &artifact);

  /// Tensor slots, as `entry` takes and fills them.
  const kiln_tensor_info_t *inputs;
  const kiln_tensor_info_t *outputs;
  uint32_t numInputs;
  uint32_t numOutputs;
  std::unordered_map<std::string_view, uint32_t> inputIndex;
  std::unordered_map<std::string_view, uint32_t> outputIndex;
  /// Dynamic dims grouped by dim_param, for groups used more than once.
  std::vector<std::vector<DimUse>> sharedDimParams;

  /// Graph values, what the API counts and names. False when every value is
  /// one tensor slot of the same name: runs then skip the values' layer.
  bool hasValues = false;
  std::vector<ValueInfo> inputValues;
  std::vector<ValueInfo> outputValues;
  std::unordered_map<std::string_view, uint32_t> inputValueIndex;
  std::unordered_map<std::string_view, uint32_t> outputValueIndex;
  /// Per output slot: the output value whose run-time value's address it
  /// holds (KILN_VALUE_FLAG_RUNTIME), or -1. Empty when there is none.
  std::vector<int32_t> runtimeOutputValue;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_IO_SIGNATURE_H
