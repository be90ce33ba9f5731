//===- tensor_proto.cpp - Reading ONNX TensorProto files ------------------===//

#include "tensor_proto.h"

#include "compiler/frontend/ExternalDataRules.h"

#include <onnx/onnx_pb.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

namespace kiln::tools {

namespace {

[[noreturn]] void bad(const std::string &what, const std::string &why) {
  throw FileFormatError(what + ": " + why);
}

const char *protoTypeName(int32_t type) {
  return onnx::TensorProto_DataType_IsValid(type)
             ? onnx::TensorProto_DataType_Name(
                   static_cast<onnx::TensorProto_DataType>(type))
                   .c_str()
             : "UNKNOWN";
}

/// Stores `values` as `count` elements of `elemSize` bytes, each truncated to
/// its low bytes (little endian), as the TensorProto spec packs narrow types
/// into int32_data / uint64_data.
template <typename Repeated>
void packNarrow(const Repeated &values, size_t elemSize,
                std::vector<uint8_t> &out) {
  out.resize(static_cast<size_t>(values.size()) * elemSize);
  for (int i = 0; i < values.size(); ++i) {
    auto wide = values.Get(i);
    std::memcpy(&out[static_cast<size_t>(i) * elemSize], &wide, elemSize);
  }
}

void readExternal(const onnx::TensorProto &proto, const std::string &baseDir,
                  const std::string &what, size_t bytes,
                  std::vector<uint8_t> &out) {
  kiln::ExternalDataRef ref;
  if (std::string why = kiln::parseExternalData(proto.external_data(), ref);
      !why.empty())
    bad(what, why);
  int64_t offset = ref.offset, length = ref.length;
  if (length >= 0 && static_cast<uint64_t>(length) != bytes)
    bad(what, "external data length " + std::to_string(length) +
                  " does not match the " + std::to_string(bytes) +
                  " bytes the shape needs");
  // The rules the compiler applies to a model's external data, with the
  // .pb file's folder as the model's.
  std::string path;
  if (std::string why =
          kiln::checkExternalLocation(baseDir, ref.location, path);
      !why.empty())
    bad(what, "External data path validation failed. Error: " + why);
  if (std::string why = kiln::checkExternalFile(path); !why.empty())
    bad(what, why);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    bad(what,
        "cannot open external data " + path + ": " + std::strerror(errno));
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (offset > size || static_cast<uint64_t>(size - offset) < bytes)
    bad(what, "external data " + path + " is shorter than " +
                  std::to_string(static_cast<uint64_t>(offset) + bytes) +
                  " bytes");
  in.seekg(static_cast<std::streamoff>(offset));
  out.resize(bytes);
  if (bytes && !in.read(reinterpret_cast<char *>(out.data()),
                        static_cast<std::streamsize>(bytes)))
    bad(what, "cannot read external data " + path);
}

} // namespace

HostTensor tensorFromProto(const onnx::TensorProto &proto,
                           const std::string &baseDir,
                           const std::string &what) {
  HostTensor tensor;
  tensor.elemType = proto.data_type();
  tensor.shape.assign(proto.dims().begin(), proto.dims().end());
  if (proto.has_segment())
    bad(what, "segmented TensorProtos are not supported");
  if (tensor.elemType == onnx::TensorProto::UNDEFINED)
    bad(what, "data_type is not set");
  const size_t elemSize = hostElemSize(tensor.elemType);
  if (elemSize == 0)
    bad(what, std::string("element type ") + protoTypeName(tensor.elemType) +
                  " is not supported by Kiln");
  int64_t count;
  try {
    count = checkedElementCount(tensor.shape);
  } catch (const FileFormatError &e) {
    bad(what, e.what());
  }
  const size_t bytes = hostDataBytes(tensor.elemType, count);

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    readExternal(proto, baseDir, what, bytes, tensor.data);
    return tensor;
  }
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != bytes)
      bad(what, "raw_data holds " + std::to_string(proto.raw_data().size()) +
                    " bytes but the shape needs " + std::to_string(bytes));
    tensor.data.assign(proto.raw_data().begin(), proto.raw_data().end());
    return tensor;
  }

  int64_t found = 0;
  switch (tensor.elemType) {
  case onnx::TensorProto::FLOAT:
    found = proto.float_data_size();
    packNarrow(proto.float_data(), 4, tensor.data);
    break;
  case onnx::TensorProto::DOUBLE:
    found = proto.double_data_size();
    packNarrow(proto.double_data(), 8, tensor.data);
    break;
  case onnx::TensorProto::INT64:
    found = proto.int64_data_size();
    packNarrow(proto.int64_data(), 8, tensor.data);
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    found = proto.uint64_data_size();
    packNarrow(proto.uint64_data(), elemSize, tensor.data);
    break;
  default: // INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16, BFLOAT16,
           // float8 (a byte per entry)
    if (hostElemBits(tensor.elemType) < 8) {
      // int4/uint4/float4/int2/uint2: one packed byte per entry.
      if (static_cast<size_t>(proto.int32_data_size()) != bytes)
        bad(what, "holds " + std::to_string(proto.int32_data_size()) +
                      " packed bytes but its shape needs " +
                      std::to_string(bytes));
      packNarrow(proto.int32_data(), 1, tensor.data);
      return tensor;
    }
    found = proto.int32_data_size();
    packNarrow(proto.int32_data(), elemSize, tensor.data);
    if (tensor.elemType == onnx::TensorProto::BOOL)
      for (uint8_t &b : tensor.data)
        b = b ? 1 : 0;
    break;
  }
  if (found != count)
    bad(what, "holds " + std::to_string(found) + " values but its shape " +
                  "needs " + std::to_string(count));
  return tensor;
}

HostTensor readTensorProto(const std::string &path, std::string *name) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw FileFormatError(path + ": cannot open: " + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    bad(path, "file is too large for a TensorProto (use external data)");
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes))
    bad(path, "not a valid serialized onnx.TensorProto");
  if (name)
    *name = proto.name();
  std::string baseDir = path.find('/') == std::string::npos
                            ? "."
                            : path.substr(0, path.find_last_of('/'));
  if (baseDir.empty())
    baseDir = "/";
  return tensorFromProto(proto, baseDir, path);
}

} // namespace kiln::tools
