//===- tensor_proto.h - Reading ONNX TensorProto files -------*- C++ -*-===//
//
// Reads the serialized onnx.TensorProto files of ONNX's test data sets
// (input_0.pb, output_0.pb, ...): raw_data, the typed repeated fields
// (float_data, int32_data, int64_data, double_data, uint64_data) and
// external data, for every element type Kiln supports.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_KILN_RUN_TENSOR_PROTO_H
#define KILN_TOOLS_KILN_RUN_TENSOR_PROTO_H

#include "host_tensor.h"

#include <string>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace kiln::tools {

/// Throws FileFormatError with a message naming `path`. `name`, when given,
/// receives the TensorProto's name field.
HostTensor readTensorProto(const std::string &path,
                           std::string *name = nullptr);

/// Converts a parsed TensorProto. `baseDir` resolves external data
/// locations; `what` names the source in error messages.
HostTensor tensorFromProto(const onnx::TensorProto &proto,
                           const std::string &baseDir, const std::string &what);

} // namespace kiln::tools

#endif // KILN_TOOLS_KILN_RUN_TENSOR_PROTO_H
